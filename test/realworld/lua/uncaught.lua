-- expect-exit: 1
-- An uncaught runtime error: lua.c prints "<progname>: <msg>" and a traceback to stderr, exits 1.
print("about to fail")
local function level3() local t = nil; return t.x end
local function level2() return level3() .. "" end
function level1() level2() end
level1()
