# Signal state a program and its children start with: nothing ignored and
# nothing blocked (a fresh process after exec; SIG_IGN and the blocked mask
# are inherited across fork and exec, handlers are not).
BEGIN {
    while ((getline l < "/proc/self/status") > 0) if (l ~ /^Sig(Ign|Blk):/) print "mawk ", l
    c = "grep -E '^Sig(Ign|Blk):' /proc/self/status"
    while ((c | getline l) > 0) print "child", l
    close(c)
    # `yes` is cut short by head: it dies of SIGPIPE, unless SIGPIPE is ignored
    c = "yes 2>/dev/null | head -n 1 >/dev/null; echo pipeline done"
    c | getline l; print l
}
