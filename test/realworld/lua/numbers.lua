-- Numbers: integer vs float arithmetic, division, math library, conversions.
print(7 / 2, 7 // 2, -7 // 2, 7 % 3, -7 % 3, 7 % -3, 7.5 % 2, -7.5 % 2)
print(7.0 // 2, -7.0 // 2.0, 1 / 0, -1 / 0, 0 / 0 ~= 0 / 0, 3 % math.huge, -3 % math.huge)
print(math.type(1), math.type(1.0), math.type("1"), math.type(2 ^ 31), 1 == 1.0)
print(math.maxinteger, math.mininteger, math.maxinteger + 1 == math.mininteger, -math.mininteger)
print(math.maxinteger * 2, math.maxinteger + 0.0, math.mininteger // -1)
print(1 // 0.0, -1 // 0.0, pcall(function() return 1 // 0 end))
print(pcall(function() return 1 % 0 end))
print(math.tointeger(3.0), math.tointeger(3.5), math.tointeger("8"), math.tointeger(2 ^ 63))
print(3 | 5, 3 & 5, 3 ~ 5, ~0, 1 << 62, 1 << 63, 1 << 64, -1 >> 1, 2.0 | 1)
print(math.floor(3.7), math.ceil(3.2), math.floor(-3.7), math.ceil(-3.2), math.floor(2 ^ 70))
print(math.abs(-4), math.abs(-4.5), math.max(1, 5.5, 3), math.min(2, -1, 0), math.abs(math.mininteger))
print(math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7.5, 2), math.modf(3.7), math.modf(-3.7))
print(math.sqrt(2), math.sqrt(16), math.pi, math.huge, -math.huge)
print(math.sin(1), math.cos(1), math.tan(1), math.asin(0.5), math.acos(0.5), math.atan(1, 2))
print(math.exp(1), math.log(10), math.log(8, 2), math.log(100, 10), math.log(2.5, 3))
print(math.ult(1, -1), math.ult(-1, 1), 2 ^ 0.5, 10 ^ -2, (-8) ^ (1 / 3) ~= (-8) ^ (1 / 3))
print(tonumber("0x10"), tonumber("  12  "), tonumber("1e3"), tonumber("0x1p4"), tonumber("z", 36),
  tonumber("777", 8), tonumber("12a"), tonumber(""), tonumber("inf"), tonumber(".5"))
print("10" + 5, "3.5" * 2, 10 .. "", "0x10" + 0, 2 ^ 53 + 1, math.floor(-0.0))
print(string.format("%.20f", 0.1), string.format("%.3f", 2.0005), string.format("%.0f", 0.5),
  string.format("%.0f", 1.5), string.format("%5.3g|%-12.6e|", 1234.5678, -0.000123456))
print(8 // 3 * 3 + 8 % 3, 2 ^ 3 ^ 2, -2 ^ 2, (2 ^ 63) // 1, 5 // 0.3)

-- float accumulation / summation order
local s = 0.0
for i = 1, 1000000 do s = s + 1 / i end
print(s, ("%.15f"):format(s))
local acc = 0
for i = 1, 1000 do acc = acc + i * i * i end
print(acc, acc == (1000 * 1001 // 2) ^ 2)

-- deterministic PRNG (xoshiro256** in 5.4 with explicit seed)
math.randomseed(42)
local r = {}
for i = 1, 8 do r[i] = math.random(1, 100) end
print(table.concat(r, " "))
math.randomseed(123, 456)
print(math.random(1000000), ("%.10f"):format(math.random()), math.random(0) ~= nil)

-- primes / integer heavy loop
local sieve, primes = {}, {}
for i = 2, 20000 do
  if not sieve[i] then
    primes[#primes + 1] = i
    for j = i * i, 20000, i do sieve[j] = true end
  end
end
print(#primes, primes[#primes], primes[1000])
-- numeric for with float step and negative step
local steps = {}
for x = 1, 2, 0.25 do steps[#steps + 1] = x end
for x = 3, 1, -1 do steps[#steps + 1] = x end
print(table.concat(steps, " "))
print(string.format("%d", 3.0), pcall(string.format, "%d", 3.5))
print(100000000000000, 1e14, 2 ^ 63 == math.maxinteger + 1.0, math.maxinteger < 2 ^ 63)
