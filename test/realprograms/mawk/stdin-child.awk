# A command started by mawk reads mawk's stdin (fd 0, inherited); mawk itself
# has not read any of it.
BEGIN {
    while (("cat" | getline line) > 0) print "child read:", line
    close("cat")
    r = system("wc -l")
    print "system(wc -l) returned", r
}
