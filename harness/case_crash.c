/* case_crash.c - case_install_crash_report (case_helpers.h): when an implementation
 * crashes the process, say which one it was (a plug-in's crash otherwise shows only as a
 * signal), then hand the signal to the handler that was there before (ASan's, say) or
 * die of it, so reports, exit statuses and core dumps are unchanged. */
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

static const int k_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
static struct sigaction g_previous[sizeof k_sigs / sizeof k_sigs[0]];

static volatile sig_atomic_t g_reported; /* once: a chained handler may raise again (ASan aborts) */

static void on_crash(int sig, siginfo_t *info, void *context)
{
    (void)context;
    const spidx_impl *impl = case_running;
    if (impl && !g_reported) {
        g_reported = 1;
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
    /* Back to the previous handler (SIG_DFL when there was none), and the same signal again:
     * a fault (si_code > 0: sent by the kernel) recurs when the faulting instruction runs
     * again on return, with its address; a signal that was sent (abort, raise) is raised. */
    for (size_t i = 0; i < sizeof k_sigs / sizeof k_sigs[0]; i++)
        if (k_sigs[i] == sig) sigaction(sig, &g_previous[i], NULL);
    if (info && info->si_code > 0 && sig != SIGABRT) return;
    raise(sig);
}

void case_install_crash_report(void)
{
    static int installed;
    if (installed) return; /* a second install would save this handler as the previous one */
    installed = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_crash;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = (int)(SA_NODEFER | SA_SIGINFO);
    for (size_t i = 0; i < sizeof k_sigs / sizeof k_sigs[0]; i++) sigaction(k_sigs[i], &sa, &g_previous[i]);
}
