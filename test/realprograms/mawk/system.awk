# system(): mawk flushes its output, runs sh -c CMD (the child inherits fds
# 0-2) and returns the exit status.
BEGIN {
    print "before system"
    r = system("echo child stdout; echo child stderr 1>&2; exit 3")
    print "system returned", r
    r = system("")
    print "after system, exit status of empty command", r
}
