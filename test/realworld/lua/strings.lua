-- String operations: the string library, string.format (ints, floats, %q, %a), utf8.
local s = "Hello, hotlink World"
print(#s, s:upper(), s:lower(), s:reverse())
print(s:sub(1, 5), s:sub(-5), s:sub(8, -7), s:sub(100), ("x"):rep(5, "-"))
print(s:find("hot"), s:find("o", 6), s:find("l+"), s:find(".", 1, true))
print(s:byte(1, 3), string.char(72, 105, 33))
print(("%d|%5d|%-5d|%05d|%x|%X|%o|%c"):format(42, 42, 42, 42, 255, 255, 8, 65))
print(("%s|%10s|%-10s|%.3s"):format("abc", "abc", "abc", "abcdef"))
print(("%q"):format('a "quoted"\n\0string\t\\'))
print(("%q"):format(1 / 3), ("%q"):format(math.mininteger), ("%q"):format(255))
print(("%.3f %.0f %10.4f %-10.2f| %+.2f %e %.2E %g %g %g"):format(
  math.pi, 2.5, -math.pi, 1.005, 3.14159, 123456.789, 0.000123, 1e20, 1e-5, 100))
print(("%a %A"):format(1.0, 0.5))
print(("%.14g %.17g %g"):format(0.1, 0.1, 2 ^ 53))
print(("%5.1f%%"):format(99.44))
print(tostring(1e15), tostring(1e16), tostring(-0.0), tostring(1 / 0), tostring(-1 / 0))
print(3.0, 10 / 2, 7 // 2, 7.0 // 2, 2 ^ 10, 1e100)
print(string.format("%s %s %s", 1, 1.5, true), tostring(nil))
print(table.concat({ "a", "b", "c" }, ", "), table.concat({ 1, 2, 3 }))
local parts = {}
for w in ("the quick  brown fox"):gmatch("%a+") do parts[#parts + 1] = w end
print(#parts, table.concat(parts, "/"))
print(utf8.char(72, 228, 8364, 128512), utf8.len("häll€"), #"häll€")
for p, c in utf8.codes("aé€") do io.write(p, ":", c, " ") end
print()
print(utf8.codepoint("häll€", 1, -1))
print(("abc"):len(), ("  trim me  "):match("^%s*(.-)%s*$") .. "|")
print(string.rep("ab", 3), ("%s"):rep(2, ","):format(1, 2))
print(tostring(12):len(), #tostring(12.5), 10 .. 20)
print(("x = %d, y = %d"):format(3, 4):upper())
print(string.format("%-20s|", "left"), string.format("%20s|", "right"))
local big = {}
for i = 1, 1000 do big[i] = string.format("%04d", i) end
local joined = table.concat(big)
print(#joined, joined:sub(1, 20), joined:sub(-8))
print(select("#", string.byte(joined, 1, -1)) == nil, #joined:gsub("0", ""))
print(string.pack and #string.pack("i4i8d", 1, 2, 3.0), string.unpack("<i4", "\1\0\0\0"))
print(("%s"):format(setmetatable({}, { __tostring = function() return "custom!" end })))
