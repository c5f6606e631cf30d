/* the -l math library, bases, and functions */
scale = 50
4 * a(1)
e(1)
l(2)
s(1); c(1)
sqrt(2)
j(1, 2.5)
scale = 0
2 ^ 200
obase = 16
255; 2 ^ 64
obase = 10
ibase = 2
101010
ibase = 1010
define fib(n) { auto a, b, t; a = 0; b = 1; while (n-- > 0) { t = a + b; a = b; b = t; }; return (a); }
fib(300)
length(fib(300)); scale(3.14159)
for (i = 1; i <= 3; i++) { print "i=", i, "\n" }
quit
