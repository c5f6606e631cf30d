/* What hotlink_rt.c (linked into every image) shares with the debugger's
 * runtime (hotlink_dbg.c) and live mode's (hotlink_live.c): the crash
 * record the TypeScript side reads, and the signal and process set-up
 * routines. runtime.ts keys its object cache on this header too. */
#ifndef HOTLINK_RT_H
#define HOTLINK_RT_H

#include <signal.h>
#include <stdint.h>

/* The last fatal signal: what Jit.crashRecord reads (offsets are fixed there). */
struct hotlink_crash {
    int64_t signo;
    int64_t code;
    uint64_t addr;
    uint64_t pc;
    uint64_t sp;
    uint64_t fp;
    uint64_t gregs[32]; /* the whole register context (x86-64: the 23 ucontext gregs), for the symbolized backtrace */
};
extern struct hotlink_crash __hotlink_crash;

/* The process a native exec gives (fd flags, dispositions, mask, errno, names); mode as in hotlink_rt.c. */
void __hotlink_native_process(int argc, char **argv, int mode);
/* Installs a handler of hotlink's own, a stand-in for SIG_DFL as the program's sigaction() sees it. */
int __hotlink_own_signal(int sig, const struct sigaction *sa, struct sigaction *old);
/* Hands a signal hotlink does not handle to the handler that was there before. */
void __hotlink_chain_signal(const struct sigaction *old, int sig, siginfo_t *info, void *uctx);

#endif
