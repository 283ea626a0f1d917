/* replay_main.c - a plain main for any fuzz target, without libFuzzer (builds with gcc):
 * runs LLVMFuzzerTestOneInput once on every file named, and on every file inside the
 * directories named (sorted, recursive), so the corpus is a regression suite.
 * Usage: fuzz_diff_replay [--keep-going] corpus/seed corpus/regress   (exit 0 when every
 * input passed; a failing input aborts, as under libFuzzer, unless --keep-going: then
 * each failure is counted, the remaining inputs still run, and the exit code is 1; exit
 * 2 when a path cannot be read, a `.case` file does not parse (by case_io.h's rule a
 * file named *.case or whose first line starts with "spidx-case" is one), no input was
 * found, or SPIDX_IMPLS names an implementation that cannot run here; exit 3 when
 * SPIDX_IMPLS names one that every input lay outside of: nothing compared). The last
 * line names what was compared. Under --keep-going, a failure that leaves this process's
 * CUDA context lost (a sticky error: every later CUDA call fails) stops the replay: the
 * inputs left are listed as not run, not blamed on whichever implementation runs next.
 * `.case` files run as written (fuzz_check_case). */
#define _DEFAULT_SOURCE /* DT_DIR */
#include <dirent.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "case_io.h"
#include "fuzz_helpers.h"
#include "spidx_gpu.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long g_files;
static long g_failed;
static long g_unusable; /* `.case` text that does not parse */
static int g_keep_going;
static long g_not_run;     /* inputs left after the CUDA context was lost */
static char g_lost[400];   /* why it was lost, and after which input; empty while it is not */
static jmp_buf g_recover;
static uint8_t *g_buf;

/* --keep-going: fuzz_fail (a check that failed) jumps back to the replay loop instead of
 * aborting; that input's remaining work is skipped and its case is not freed. A harness
 * assertion (SPIDX_ASSERT) still aborts. */
static void continue_after_failure(void)
{
    longjmp(g_recover, 1);
}

static int run_file(const char *path)
{
    if (g_lost[0]) {
        fprintf(stderr, "replay: NOT RUN %s (the CUDA context is lost)\n", path);
        g_not_run++;
        return 0;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "replay: out of memory reading %s\n", path);
        return -1;
    }
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
    g_files++;
    /* `.case` text by the one rule (case_io.h: named *.case, or a first line that starts
     * with "spidx-case") runs as written, whatever the target's fuzzing budget; text that
     * does not parse is an unusable input. Other files are fuzzer bytes (libFuzzer names
     * its files by hash). */
    spidx_case c;
    const int as_case = case_file_is_text(path, buf, n);
    if (as_case) {
        char err[200];
        if (case_parse((const char *)buf, n, &c, err, sizeof err) != 0) {
            fprintf(stderr, "replay: UNUSABLE %s: not a valid .case: %s\n", path, err);
            g_unusable++;
            free(buf);
            return 0;
        }
    }
    g_buf = buf;
    /* setjmp alone in its condition, as C11 7.13.1.1 allows; after the jump only g_buf
     * (a static) is read. */
    if (g_keep_going) {
        if (setjmp(g_recover) != 0) {
            fprintf(stderr, "replay: FAILED %s (continuing: --keep-going)\n", path);
            g_failed++;
            free(g_buf);
            char why[300];
            if (!spidx_gpu_context_ok(why, sizeof why)) {
                snprintf(g_lost, sizeof g_lost, "the CUDA context was lost in %s: %s", path, why);
                fprintf(stderr,
                        "replay: %s; every later CUDA call of this process fails, so the inputs left are not run "
                        "(replay them in a new process)\n",
                        g_lost);
            }
            return 0;
        }
    }
    if (as_case) {
        fuzz_check_case(&c, buf, n);
        case_free(&c);
    } else {
        LLVMFuzzerTestOneInput(buf, n);
    }
    free(buf);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: no such file or directory: %s\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) return run_file(path);
    DIR *d = opendir(path);
    if (!d) return -1;
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue; /* hidden files, README-like dotfiles, . and .. */
        names = realloc(names, (n + 1) * sizeof *names);
        const size_t len = strlen(path) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        snprintf(names[n], len, "%s/%s", path, e->d_name);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t len = strlen(names[i]);
        /* Documentation next to the inputs is not an input. */
        if (!(len > 3 && strcmp(names[i] + len - 3, ".md") == 0)) rc |= run_path(names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    int first = 1;
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: %s [--keep-going] FILE_OR_DIR...\n"
               "Runs the fuzz target once on every file named and every file inside the folders named\n"
               "(sorted, recursive; names starting with '.' skipped), on the implementations SPIDX_IMPLS\n"
               "picks (default: all available). A failing input aborts unless --keep-going (then exit 1).\n"
               "Exit 2: a path cannot be read, a .case does not parse, no input, or a named implementation\n"
               "cannot run here; 3: every input lay outside what the named implementations declare.\n",
               argv[0]);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--keep-going") == 0) {
        g_keep_going = 1;
        first = 2;
        fuzz_fail_continue = continue_after_failure;
    }
    if (argc <= first) {
        fprintf(stderr, "usage: %s [--keep-going] FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    if (getenv("SPIDX_FUZZ_SEEN_DIR")) { /* a campaign's setting: a replay reports every failure */
        fprintf(stderr, "%s: SPIDX_FUZZ_SEEN_DIR ignored: a replay reports every failure, seen before or not\n",
                argv[0]);
        unsetenv("SPIDX_FUZZ_SEEN_DIR");
    }
    case_install_crash_report();
    LLVMFuzzerInitialize(&argc, &argv);
    int rc = 0;
    for (int i = first; i < argc; i++) rc |= run_path(argv[i]);
    char checks[512];
    fuzz_describe_checks(checks, sizeof checks);
    if (rc || g_unusable) {
        printf("replayed %ld inputs on %s: %s\n", g_files, checks,
               rc ? "some paths could not be read" : "some .case files do not parse");
        return 2;
    }
    if (g_files == 0) {
        printf("replayed no input: nothing was checked\n");
        return 2;
    }
    if (g_failed) {
        if (g_not_run)
            printf("replayed %ld inputs on %s: %ld failed; %ld not run: %s\n", g_files, checks, g_failed, g_not_run,
                   g_lost);
        else
            printf("replayed %ld inputs on %s: %ld failed\n", g_files, checks, g_failed);
        return 1;
    }
    const char *idle = fuzz_named_impl_that_ran_nothing();
    if (idle) {
        printf("replayed %ld inputs on %s: SPIDX_IMPLS names %s, which ran on no input (each was outside what it "
               "declares): nothing compared\n",
               g_files, checks, idle);
        return 3;
    }
    printf("replayed %ld inputs on %s: all passed\n", g_files, checks);
    return 0;
}
