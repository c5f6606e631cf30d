# Input pipes: `cmd | getline` reads the command's stdout through a pipe.
BEGIN {
    "echo alpha beta gamma" | getline
    print "fields:", NF, $2
    cmd = "printf '1\\n2\\n3\\n4\\n'"
    while ((cmd | getline n) > 0) sum += n
    print "sum:", sum, "close:", close(cmd)
    "echo from-stderr-too 1>&2; echo line" | getline var
    print "var:", var
    print "missing file getline:", (getline x < "no/such/file")
    while ((getline line < "getline-cmd.awk") > 0) if (line ~ /^# Input/) print "self:", line
}
