# The descriptors a child process inherits from mawk: 0, 1 and 2 (ls adds
# one for the directory it reads; anything the test runner itself passes
# down is the same for the native and the hotlink run).
BEGIN {
    printf "fds of a system() child: "
    system("ls /proc/self/fd | tr '\\n' ' '; echo")
    c = "ls /proc/self/fd"
    while ((c | getline fd) > 0) s = s " " fd
    print "fds of a getline child:" s
}
