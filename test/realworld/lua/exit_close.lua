-- expect-exit: 0
-- os.exit(true, true): closes the state (runs __gc finalizers and pending <close>) then exit(EXIT_SUCCESS).
local obj = setmetatable({}, { __gc = function() print("finalizer ran at close") end })
print("exiting with os.exit(true, true)")
os.exit(true, true)
