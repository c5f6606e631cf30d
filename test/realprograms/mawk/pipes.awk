# Output pipes: `print | cmd` starts cmd with sh -c; the child writes to mawk's
# stdout / stderr (fds 1 and 2 it inherits). close() returns its exit status.
BEGIN {
    print "before the pipes"
    sort = "sort"
    print "cherry" | sort
    print "apple" | sort
    print "banana" | sort
    r = close(sort)
    print "close(sort) =", r
    print "to stderr through cat" | "cat 1>&2"
    close("cat 1>&2")
    rsort = "sort -r"
    for (i = 1; i <= 5; i++) print i | rsort
    close(rsort)
    print "x" | "cat >/dev/null; exit 5"
    print "close(exit 5) =", close("cat >/dev/null; exit 5")
    printf "%s\n", "unclosed pipe, flushed at exit" | "cat"
    print "after the pipes"
}
