-- Garbage collector: finalizers (incl. at lua_close), weak tables, lots of allocation.
local order = {}
do
  for i = 1, 5 do setmetatable({}, { __gc = function() order[#order + 1] = i end }) end
end
collectgarbage("collect")
table.sort(order)
print("finalized", table.concat(order, ","))

local weak = setmetatable({}, { __mode = "k" })
local keep = {}
for i = 1, 100 do
  local k = {}
  weak[k] = i
  if i % 10 == 0 then keep[#keep + 1] = k end
end
collectgarbage(); collectgarbage()
local n = 0
for _ in pairs(weak) do n = n + 1 end
print("weak keys left", n)
local wv = setmetatable({}, { __mode = "v" })
wv[1] = {}; wv[2] = "strings are values"; wv[3] = keep[1]
collectgarbage()
print(wv[1], wv[2], wv[3] == keep[1])

local parts = {}
for i = 1, 200000 do parts[i] = tostring(i) end
local s = table.concat(parts)
print(#s, s:sub(-12))
local t = {}
for i = 1, 50000 do t[i] = { i, tostring(i), { i } } end
t = nil
collectgarbage()
print(collectgarbage("isrunning"), collectgarbage("step") ~= nil, math.type(collectgarbage("count")))
print(collectgarbage("incremental"), collectgarbage("generational"), collectgarbage("incremental"))
-- objects finalized when the state is closed at normal exit (lua.c calls lua_close)
setmetatable({}, { __gc = function() print("gc at exit 1") end })
_G.keepalive = setmetatable({}, { __gc = function() print("gc at exit 2") end })
print("end of script")
