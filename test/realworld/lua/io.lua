-- io.write / print / io.read / file handles: reading a data file, writing & re-reading a temp file.
local dir = arg[0]:match("^(.*)/") or "."
local path = dir .. "/data.txt"
io.write("io.write ", 1, " ", 2.5, " ", "three", "\n")
print("print", 1, 2.5, nil, true, "tabs")
io.stdout:write("stdout:write chained "):write("ok\n")
io.stderr:write("this goes to stderr\n")

-- read the whole file
local f = assert(io.open(path, "r"))
local all = f:read("a")
f:close()
print(#all, select(2, all:gsub("\n", "")), io.type(f), io.type(io.stdout), io.type(42))

-- line by line with a parser
local total, rows = 0, 0
for line in io.lines(path) do
  if line ~= "" and not line:match("^#") then
    local name, qty, price = line:match("^(%w+),(%d+),([%d.]+)$")
    qty, price = tonumber(qty), tonumber(price)
    rows = rows + 1
    total = total + qty * price
    print(("%-12s %4d x %6.3f = %8.3f"):format(name, qty, price, qty * price))
  end
end
print(("rows=%d total=%.4f"):format(rows, total))

-- read formats: "l", "L", "n", count
f = assert(io.open(path))
print(f:read("l"))
print((f:read("L"):gsub("\n", "\\n")))
print(f:read(5), f:read(0), f:seek("cur"))
print(f:seek("set", 0), f:read(1), f:seek("end"), f:read("a") == "", f:read("l"))
f:close()
print(pcall(f.read, f))
print(io.open(dir .. "/does-not-exist.txt"))

-- write a temp file, re-read numbers with "n"
local tmp = os.tmpname()
local w = assert(io.open(tmp, "w"))
for i = 1, 100 do w:write(i * 1.5, " ", i, "\n") end
w:write("0x1F 1e3 -7\n")
w:close()
local r = assert(io.open(tmp, "r"))
local sum, cnt = 0, 0
while true do
  local n = r:read("n")
  if not n then break end
  sum, cnt = sum + n, cnt + 1
end
r:close()
print(cnt, sum)
local a = assert(io.open(tmp, "a")); a:write("appended\n"); a:close()
local lines = {}
for l in io.lines(tmp) do lines[#lines + 1] = l end
print(#lines, lines[#lines], lines[1])
for l1, l2 in io.lines(tmp, "n", "n") do print(l1, l2) break end
print(os.remove(tmp))
print(select("#", os.remove(tmp)), (select(2, os.remove(tmp))):gsub("^.-: ", ""))
-- buffered output modes
io.stdout:setvbuf("no")
io.write("unbuffered\n")
io.stdout:setvbuf("full", 1024)
for i = 1, 5 do io.write(i, i < 5 and "," or "\n") end
io.stdout:flush()
print(os.date("!%Y-%m-%d %H:%M:%S", 86400 * 365), os.time({ year = 2000, month = 1, day = 1, hour = 12 }) ~= nil)
print(os.getenv("HOTLINK_SURELY_UNSET_VARIABLE"), type(os.clock()))
