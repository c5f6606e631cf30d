# Which of the standard descriptors 0, 1 and 2 a child process of mawk has
# (inherited; for `cmd | getline`, fd 1 is the pipe to mawk). Other
# descriptors depend on what the test runner passes down and are not shown.
BEGIN {
    printf "std fds of a system() child:"
    system("for fd in 0 1 2; do if [ -e /proc/self/fd/$fd ]; then printf \" %s\" $fd; fi; done; echo")
    c = "for fd in 0 1 2; do if [ -e /proc/self/fd/$fd ]; then echo $fd; fi; done"
    while ((c | getline fd) > 0) s = s " " fd
    print "std fds of a getline child:" s
}
