# Output files: > truncates, >> appends, close() then re-read with getline.
{ print NR ": " $0 > "numbered.txt" }
$1 ~ /^[0-9]+$/ { printf "%05d\n", $1 >> "appended.txt" }
END {
    close("numbered.txt"); close("appended.txt")
    while ((getline l < "numbered.txt") > 0) n++
    print "numbered.txt has", n, "lines"
    print "last line" > "/dev/stderr"
    print "bye" > "/dev/stdout"
}
