-- Patterns: gsub with strings/functions/tables, captures, anchors, %b, %f, gmatch, find.
print(("hello world"):gsub("o", "0"))
print(("hello world"):gsub("o", "0", 1))
print(("hello world"):gsub("(%w+)", "<%1>"))
print(("hello world"):gsub("(%w+) (%w+)", "%2 %1"))
print(("abc"):gsub("", "-"))
print(("hello"):gsub("l+", function(m) return #m end))
print(("$name is $age"):gsub("%$(%w+)", { name = "Lua", age = 31 }))
print(("x = 1 + 2"):gsub("%s", ""))
print(("THE (quick) [brown] {fox}"):gsub("%b()", "") )
print(("f(a(b)c) g(d)"):gsub("%b()", "[]"))
print(("THE (quick) fox"):gsub("%f[%a]%a+", string.lower))
print(("one two  three"):gsub("%f[%w]%w+", function(w) return w:sub(1, 1):upper() .. w:sub(2) end))
print(("key=val; k2=v2;k3 = v3"):gsub("(%w+)%s*=%s*(%w+)", "%2=%1"))
print(("abc"):gsub(".", { a = 1, b = false }))
print(("abc"):gsub("%w", "%0%0"))
print(("a.b.c"):gsub("%.", "%%"))
print(pcall(string.gsub, "abc", "(", "x"))
print(pcall(string.gsub, "abc", "%", "x"))
print(pcall(string.gsub, "abc", "a", "%2"))
print(("  padded  "):match("^%s*(.-)%s*$"), ("2024-01-15"):match("(%d+)-(%d+)-(%d+)"))
print(("[[nested]]"):match("%[(%b[])%]"), ("x"):match("()"), ("hello"):match("()ll()"))
print(string.find("a+b", "+", 1, true), string.find("a+b", "%+"), string.find("abc", "b", -1))
print(pcall(string.find, "abc", "[a-"), pcall(string.find, "abc", "[a"))
print(("%d"):rep(3, " "):gsub("%%d", "N"))
for k, v in ("a=1, b=2, c=3"):gmatch("(%w+)=(%w+)") do io.write(k, "->", v, ";") end
print()
for pos, word in ("split these words"):gmatch("()(%S+)") do io.write(pos, ":", word, " ") end
print()
print(("CamelCaseStringHere"):gsub("(%u)", function(c) return "_" .. c:lower() end))
print(("%5"):gsub("%%(%d)", "<%1>"), ("\0a\0"):gsub("%z", "Z"))
print(("ip 192.168.1.254 and 10.0.0.1"):gsub("(%d+)%.(%d+)%.(%d+)%.(%d+)", function(a, b, c, d)
  return ("%02X%02X%02X%02X"):format(a, b, c, d)
end))
local csv = 'a,"b,c",d,"e ""q"" f",'
local fields = {}
local pos = 1
while pos <= #csv + 1 do
  local c = csv:sub(pos, pos)
  if c == '"' then
    local txt, i = "", pos
    repeat
      local a, b = csv:find('^%b""', i)
      txt = txt .. csv:sub(a + 1, b - 1)
      i = b + 1
      if csv:sub(i, i) == '"' then txt = txt .. '"' end
    until csv:sub(i, i) ~= '"'
    fields[#fields + 1] = txt
    pos = i + 1
  else
    local e = csv:find(",", pos, true) or #csv + 1
    fields[#fields + 1] = csv:sub(pos, e - 1)
    pos = e + 1
  end
end
print(#fields, table.concat(fields, "|"))
local text = ("lorem ipsum dolor sit amet "):rep(2000)
local n = select(2, text:gsub("%w+", "%0"))
local vowels = select(2, text:gsub("[aeiou]", ""))
print(#text, n, vowels, (text:gsub("(%w+) (%w+)", "%2 %1", 2)):sub(1, 40))
print(("utf8: häll€"):gsub(utf8.charpattern, function(ch) return #ch > 1 and "?" or nil end))
