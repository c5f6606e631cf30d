-- pcall / error / xpcall / assert, error objects and levels; goto; error messages from the VM.
print(pcall(error, "plain"))
print(pcall(error, "no position", 0))
print(pcall(function() error("with position") end))
print(pcall(function() error("level 2", 2) end))
print(pcall(function() error() end))
print(pcall(function() error(nil) end))
local ok, e = pcall(function() error({ code = 7, msg = "table error" }) end)
print(ok, type(e), e.code, e.msg)
print(pcall(function() local x = nil; return x.field end))
print(pcall(function() return 1 + {} end))
print(pcall(function() return #5 end))
print(pcall(function() return ("x") < 1 end))
print(pcall(function() local t = setmetatable({}, { __index = function() error("deep") end }); return t.k end))
print(pcall(function() undefined_global_function() end))
print(pcall(function() return ("abc"):bad() end))
print(pcall(string.rep))
print(pcall(string.sub, "x", {}))
print(pcall(assert, false))
print(pcall(assert, nil, "custom assert"))
print(pcall(assert, 1, 2, 3))
print(select("#", pcall(error)))

-- xpcall with a message handler and traceback
local function handler(m) return "handled: " .. tostring(m) end
print(xpcall(function() error("inner") end, handler))
print(xpcall(function(a, b) return a + b end, handler, 3, 4))
local _, tb = xpcall(function() local function lvl3() error("tb") end lvl3() end, debug.traceback)
print((tb:gsub("\n.*", "")), select(2, tb:gsub("\n", "\n")) > 2)

-- nested pcall and rethrow
local function risky(n)
  if n > 3 then error(("too big: %d"):format(n), 0) end
  return n * 10
end
local results = {}
for i = 1, 6 do
  local ok2, v = pcall(risky, i)
  results[#results + 1] = ok2 and tostring(v) or ("E(" .. v .. ")")
end
print(table.concat(results, " "))
print(pcall(function()
  local ok3, err = pcall(error, "first", 0)
  error("rethrown " .. err, 0)
end))

-- error in __tostring, __gc, tostring() of error objects with metatable
local E = setmetatable({}, { __tostring = function() return "E-object" end })
print(pcall(error, E))
print(select(2, pcall(error, E)) == E)

-- to-be-closed variables run on error (5.4)
local closed = {}
print(pcall(function()
  local a <close> = setmetatable({}, { __close = function(_, err) closed[#closed + 1] = "a:" .. tostring(err) end })
  local b <close> = setmetatable({}, { __close = function() closed[#closed + 1] = "b" end })
  error("boom", 0)
end))
print(table.concat(closed, ","))
local c <const> = 5
print(load("local x <const> = 1; x = 2"))
print(load("return 1 +", "=chunk"))
print(load("syntax error here"))
print(type(load(function() return nil end)))
local f = load("return ...")
print(f(1, 2, 3))
print(pcall(load("error('from loaded chunk')", "=loaded")))
print(string.format("%s", select(2, pcall(error, 12))), math.type(select(2, pcall(error, 12))), c)
