# printf/sprintf conversions, string built-ins, numeric output.
BEGIN {
    printf "%c%c%c|%5.2f|%-6d|%+d|%e|%x|%o|%i|%%\n", 72, "i!", 33, 3.14159, 42, 7, 12345.678, 255, 8, -3
    printf "%*d|%-*s|%.3s\n", 6, 42, 8, "left", "truncate"
    s = sprintf("%s-%s", "a", 1e6); print s, 1e6, 1e16, 0.1 + 0.2, 100000 * 100000
    print length("hello"), substr("hello", 2, 3), index("hello", "ll"), toupper("MiXeD"), tolower("MiXeD")
    if (match("foo123bar", /[0-9]+/)) print "match", RSTART, RLENGTH
    t = "a.b.c.d"; n = split(t, parts, "."); print n, parts[1], parts[n]
    u = "hello world"; gsub(/o/, "0", u); sub(/l+/, "L", u); print u
    print 2^10, 7 % 3, -7 % 3, int(-3.7), int("12abc"), "10" < "9", 10 < 9
    OFS = "-"; $0 = "x y z"; $1 = $1; print; print NF
    CONVFMT = "%.2g"; a = 3.14159; b = a ""; print b
}
