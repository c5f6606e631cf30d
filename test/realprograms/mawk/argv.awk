# argv[0] (ARGV[0]), operands, -v and command-line assignments, ENVIRON.
BEGIN {
    print "ARGV[0] =", ARGV[0]
    for (i = 1; i < ARGC; i++) print "ARGV[" i "] =", ARGV[i]
    print "v =", v
    print "HOTLINK_RP =", ENVIRON["HOTLINK_RP"]
    print "HOME set:", ("HOME" in ENVIRON)
}
{ print FILENAME ":" FNR ": x=" x ": " $0 }
END { print "NR =", NR }
