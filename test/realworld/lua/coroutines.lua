-- Coroutines: generators, wrap, status, passing values, yield across pcall.
local function gen(n)
  return coroutine.wrap(function()
    for i = 1, n do coroutine.yield(i, i * i) end
    return "done"
  end)
end
local g = gen(4)
for _ = 1, 5 do print(g()) end

local co = coroutine.create(function(a, b)
  print("start", a, b)
  local c = coroutine.yield(a + b)
  print("got", c)
  local d, e = coroutine.yield(c * 2)
  print("got", d, e)
  return "end", a + b + c + d + e
end)
print(coroutine.status(co))
print(coroutine.resume(co, 1, 2))
print(coroutine.status(co))
print(coroutine.resume(co, 10))
print(coroutine.resume(co, 100, 1000))
print(coroutine.status(co))
print(coroutine.resume(co))

-- errors inside coroutines
local bad = coroutine.create(function() coroutine.yield(1); error("oops in coroutine") end)
print(coroutine.resume(bad))
local ok, err = coroutine.resume(bad)
print(ok, err, coroutine.status(bad))
local bad2 = coroutine.create(function() error({ code = 42 }) end)
local ok2, e2 = coroutine.resume(bad2)
print(ok2, type(e2), e2.code)

-- yield across pcall (Lua 5.4 allows it)
local co3 = coroutine.wrap(function()
  local ok3, v = pcall(function()
    local x = coroutine.yield("inside pcall")
    if x == "raise" then error("raised after resume", 0) end
    return x
  end)
  coroutine.yield(tostring(ok3) .. ":" .. tostring(v))
  return "finished"
end)
print(co3()); print(co3("raise")); print(co3())

-- producer / filter / consumer pipeline
local function producer()
  return coroutine.create(function()
    for _, w in ipairs({ "alpha", "beta", "gamma", "delta", "epsilon" }) do coroutine.yield(w) end
  end)
end
local function filter(src)
  return coroutine.create(function()
    local n = 0
    while true do
      local _, w = coroutine.resume(src)
      if not w then return end
      n = n + 1
      coroutine.yield(("%d:%s"):format(n, w:upper()))
    end
  end)
end
local f = filter(producer())
while true do
  local _, v = coroutine.resume(f)
  if not v then break end
  io.write(v, " ")
end
print()

-- many coroutines, isyieldable, running, close
local cos = {}
for i = 1, 1000 do
  cos[i] = coroutine.create(function(x) while true do x = coroutine.yield(x + i) end end)
end
local total = 0
for round = 1, 10 do
  for i = 1, #cos do
    local _, v = coroutine.resume(cos[i], round)
    total = total + v
  end
end
print(total, coroutine.isyieldable(), select(2, coroutine.running()))
local closeme = coroutine.create(function() coroutine.yield() end)
coroutine.resume(closeme)
print(coroutine.close(closeme), coroutine.status(closeme))

-- permutations generator (classic PiL)
local function permgen(a, n)
  n = n or #a
  if n <= 1 then coroutine.yield(a) else
    for i = 1, n do
      a[n], a[i] = a[i], a[n]
      permgen(a, n - 1)
      a[n], a[i] = a[i], a[n]
    end
  end
end
local count = 0
for p in coroutine.wrap(function() permgen({ 1, 2, 3, 4 }) end) do
  count = count + 1
  if count <= 3 then print(table.concat(p, "")) end
end
print("perms", count)
