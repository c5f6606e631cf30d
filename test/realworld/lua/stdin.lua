-- Reads numbers and lines from stdin (fed from stdin.lua.stdin).
local count, sum = 0, 0
local header = io.read("l")
print("header:", header)
while true do
  local n = io.read("n")
  if not n then break end
  count, sum = count + 1, sum + n
end
print("numbers", count, sum)
local rest = io.read("a")
print("rest", #rest, (rest:gsub("%s+", " ")))
for l in io.stdin:lines() do print("never", l) end
print(io.read("l"), io.read(0))
