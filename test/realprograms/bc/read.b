/* read() takes a number from stdin (after this file is read) */
x = read()
y = read()
"x * y = "; x * y
"scale=30; sqrt(x) = "; scale = 30; sqrt(x)
quit
