/* case_crash.c - case_install_crash_report (case_helpers.h): when an implementation
 * crashes the process, say which one it was (a plug-in's crash otherwise shows only as a
 * signal), then die of the same signal so exit statuses and core dumps are unchanged. */
#define _POSIX_C_SOURCE 200809L /* sigaction */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "case_helpers.h"
#include "case_internal.h"

static void put(const char *s)
{
    if (s) (void)!write(STDERR_FILENO, s, strlen(s)); /* async-signal-safe */
}

static void on_crash(int sig)
{
    const spidx_impl *impl = case_running;
    if (impl) {
        put("\nspidx: signal ");
        put(sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : sig == SIGFPE ? "SIGFPE"
            : sig == SIGILL ? "SIGILL" : "SIGABRT");
        put(" while implementation '");
        put(impl->name);
        put("' was running");
        if (impl->plugin) {
            put(" (plug-in ");
            put(impl->plugin);
            put(")");
        }
        put("\n");
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void case_install_crash_report(void)
{
    const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = (int)(SA_NODEFER | SA_RESETHAND);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
}
