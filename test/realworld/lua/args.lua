-- args: ["first", "second arg", "", "--flag=3", "ünïcode"]
-- Command-line arguments: the global arg table and the main chunk's varargs.
print("#arg", #arg, "arg[0]", arg[0])
for i = 1, #arg do print(i, "[" .. arg[i] .. "]", #arg[i]) end
print("varargs", select("#", ...), ...)
print(arg[-1] ~= nil, type(arg[-1]))
