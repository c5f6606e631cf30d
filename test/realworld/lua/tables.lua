-- Tables: array ops, sort with comparators, metatables, deterministic iteration.
local t = {}
for i = 1, 20 do t[#t + 1] = (i * 7919) % 101 end
print(table.concat(t, " "))
table.sort(t)
print(table.concat(t, " "))
table.sort(t, function(a, b) return a > b end)
print(table.concat(t, " "))

local people = {
  { name = "Ada", age = 36 }, { name = "Linus", age = 28 }, { name = "Grace", age = 85 },
  { name = "Alan", age = 41 }, { name = "Barbara", age = 28 }, { name = "Ken", age = 41 },
}
table.sort(people, function(a, b)
  if a.age ~= b.age then return a.age < b.age end
  return a.name < b.name
end)
for i, p in ipairs(people) do io.write(i, ".", p.name, "(", p.age, ") ") end
print()

table.insert(t, 1, "first"); table.insert(t, "last")
print(#t, t[1], t[#t], table.remove(t), table.remove(t, 1), #t)
print(table.unpack({ 1, 2, 3, nil, 5 }, 1, 5))
print(table.move({ 1, 2, 3, 4, 5 }, 2, 4, 1)[1], select("#", table.unpack({}, 1, 3)))
local packed = table.pack(1, nil, 3)
print(packed.n, packed[1], packed[2], packed[3])

-- deterministic iteration over a hash: sort the keys
local counts = {}
for word in ("a b c a b a d e d a"):gmatch("%a") do counts[word] = (counts[word] or 0) + 1 end
local keys = {}
for k in pairs(counts) do keys[#keys + 1] = k end
table.sort(keys, function(a, b) return counts[a] > counts[b] or (counts[a] == counts[b] and a < b) end)
for _, k in ipairs(keys) do io.write(k, "=", counts[k], " ") end
print()

-- metatables
local Vec = {}
Vec.__index = Vec
function Vec.new(x, y) return setmetatable({ x = x, y = y }, Vec) end
function Vec.__add(a, b) return Vec.new(a.x + b.x, a.y + b.y) end
function Vec.__mul(a, k) return Vec.new(a.x * k, a.y * k) end
function Vec.__eq(a, b) return a.x == b.x and a.y == b.y end
function Vec.__lt(a, b) return a:len2() < b:len2() end
function Vec.__le(a, b) return a:len2() <= b:len2() end
function Vec.__tostring(v) return ("(%g, %g)"):format(v.x, v.y) end
function Vec.__len(v) return 2 end
function Vec.__call(v, k) return v.x * k end
function Vec:len2() return self.x * self.x + self.y * self.y end
local a, b = Vec.new(1, 2), Vec.new(3, 4.5)
print(tostring(a + b), tostring(a * 3), a == Vec.new(1, 2), a < b, b <= a, #a, a(10))
local vs = { Vec.new(3, 3), Vec.new(1, 0), Vec.new(0, 2), Vec.new(-5, 1) }
table.sort(vs)
for _, v in ipairs(vs) do io.write(tostring(v), " ") end
print()

-- __index / __newindex proxies, rawget/rawset
local log = {}
local proxy = setmetatable({}, {
  __index = function(_, k) log[#log + 1] = "get " .. k; return k:upper() end,
  __newindex = function(t2, k, v) log[#log + 1] = "set " .. k; rawset(t2, k, v * 2) end,
})
print(proxy.foo, proxy.bar)
proxy.n = 21
print(proxy.n, rawget(proxy, "foo"), table.concat(log, ","))

-- inheritance chain
local Base = { greet = function(self) return "hi from " .. self.name end }
local Mid = setmetatable({ kind = "mid" }, { __index = Base })
local obj = setmetatable({ name = "obj" }, { __index = Mid })
print(obj:greet(), obj.kind, obj.missing)

-- big table, integer keys and holes, next()
local sq = {}
for i = 1, 100000 do sq[i] = i * i end
local sum = 0
for _, v in ipairs(sq) do sum = sum + v end
print(#sq, sum, sq[100000], next({}), type(next(sq)))
local mixed = { 10, 20, 30, x = 1 }
mixed[2] = nil
print(mixed[1], mixed[2], mixed[3], mixed.x)
-- nested structures / deep copy
local function deepcopy(o)
  if type(o) ~= "table" then return o end
  local r = {}
  for k, v in pairs(o) do r[deepcopy(k)] = deepcopy(v) end
  return r
end
local nested = { a = { b = { c = { 1, 2, { 3 } } } } }
local copy = deepcopy(nested)
print(copy.a.b.c[3][1], copy ~= nested, copy.a.b.c[2])
