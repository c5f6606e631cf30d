-- Closures, upvalues, varargs, recursion, tail calls.
local function counter(start, step)
  local n = start
  return function() n = n + step; return n end, function() return n end
end
local inc, get = counter(10, 3)
inc(); inc()
print(get(), inc(), get())

local fns = {}
for i = 1, 5 do fns[i] = function() return i * i end end
local out = {}
for i = 1, 5 do out[i] = fns[i]() end
print(table.concat(out, ","))

local shared = 0
local function adder(k) return function() shared = shared + k; return shared end end
local a1, a2 = adder(1), adder(100)
a1(); a2(); a1()
print(shared)

local function va(...)
  local n = select("#", ...)
  local t = { ... }
  return n, #t, (select(2, ...)), ...
end
print(va(1, nil, 3))
print(va())
print((va(7, 8, 9)))

local function sum(...)
  local s = 0
  for i = 1, select("#", ...) do s = s + (select(i, ...)) end
  return s
end
print(sum(1, 2, 3, 4.5), sum())

local memo = {}
local function fib(n)
  if n < 2 then return n end
  if memo[n] then return memo[n] end
  local r = fib(n - 1) + fib(n - 2)
  memo[n] = r
  return r
end
print(fib(90), fib(50))

local function naive_fib(n) if n < 2 then return n end return naive_fib(n - 1) + naive_fib(n - 2) end
print(naive_fib(25))

local function loop(n, acc) if n == 0 then return acc end return loop(n - 1, acc + n) end
print(loop(1000000, 0)) -- proper tail calls: no stack overflow

local function compose(...)
  local fs = { ... }
  return function(x)
    for i = #fs, 1, -1 do x = fs[i](x) end
    return x
  end
end
local f = compose(function(x) return x + 1 end, function(x) return x * 2 end, math.abs)
print(f(-5), f(5))

local function curry(fn, n, args)
  args = args or {}
  return function(x)
    local a = { table.unpack(args) }
    a[#a + 1] = x
    if #a == n then return fn(table.unpack(a)) end
    return curry(fn, n, a)
  end
end
print(curry(function(x, y, z) return x * 100 + y * 10 + z end, 3)(1)(2)(3))

-- goto: continue and nested break
local odds = {}
for i = 1, 15 do
  if i % 2 == 0 then goto continue end
  odds[#odds + 1] = i
  ::continue::
end
print(table.concat(odds, " "))
for i = 1, 3 do
  for j = 1, 3 do
    if i * j == 4 then goto done end
    io.write(i, "*", j, " ")
  end
end
::done::
print()
do
  local k = 0
  ::top::
  k = k + 1
  if k < 5 then goto top end
  print("k", k)
end

-- recursion depth & string building through closures
local depth = 0
local function dive(n) if n == 0 then return 0 end depth = depth + 1 return 1 + dive(n - 1) end
print(dive(10000), depth)
local ok, msg = pcall(function() local function inf(n) return 1 + inf(n + 1) end return inf(1) end)
print(ok, (tostring(msg):gsub("^.-:%d+: ", "")))
