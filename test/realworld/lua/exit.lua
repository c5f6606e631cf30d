-- expect-exit: 3
-- os.exit with a code: buffered stdout must be flushed, stderr written, to-be-closed not run.
io.write("before exit, no newline yet")
io.write(" ... now newline\n")
io.stderr:write("stderr before exit\n")
for i = 1, 3 do print("line", i) end
local t <close> = setmetatable({}, { __close = function() print("should not print: os.exit(n) skips close") end })
os.exit(3)
print("unreachable")
