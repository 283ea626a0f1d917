/* fuzz_helpers.c - see fuzz_helpers.h. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, open */
#include "fuzz_helpers.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "case_io.h"
#include "coverage.h"

static char g_prefix[512] = "./";
static const spidx_impl *g_impls[SPIDX_MAX_IMPLS];
static size_t g_nimpls;
static int g_ready;
static const char *g_target = "";
void (*fuzz_fail_continue)(void);

/* When the process started, and when libFuzzer first asked for a mutation: the end of its
 * start-up (the CUDA context, the corpus it loads and runs), 0 before that. */
static double g_t_start, g_t_fuzzing;
static int g_not_a_job; /* a fork-mode parent (-fork=N) or a merge process: no fuzzing */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

__attribute__((constructor)) static void note_start(void)
{
    g_t_start = now_s();
}

int fuzz_startup_times(double *startup_s, double *lifetime_s)
{
    if (g_not_a_job) return 0;
    const double now = now_s();
    *lifetime_s = now - g_t_start;
    *startup_s = (g_t_fuzzing > 0 ? g_t_fuzzing : now) - g_t_start;
    return 1;
}

#ifdef SPIDX_FUZZ_STARTUP_PROBE
/* libFuzzer's own mutations (LLVMFuzzerMutate), unchanged; defined only to see when
 * fuzzing begins, since libFuzzer asks for a first mutation once the corpus is loaded. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    (void)seed; /* LLVMFuzzerMutate draws from libFuzzer's generator, seeded by -seed */
    if (g_t_fuzzing == 0) g_t_fuzzing = now_s();
    return LLVMFuzzerMutate(data, size, max_size);
}
#endif

void fuzz_setup(const char *target, int argc, char **argv)
{
    if (g_ready) return;
    g_ready = 1;
    g_target = target;
#ifdef __GLIBC__
    /* Every exec allocates and frees buffers of up to a few MiB. Past glibc's default
     * thresholds each would be a fresh mmap or a trimmed heap, so every exec would pay
     * page faults on memory it just gave back; keep it in the heap instead. */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
    for (int i = 1; argv && i < argc; i++) {
        if (strncmp(argv[i], "-artifact_prefix=", 17) == 0) snprintf(g_prefix, sizeof g_prefix, "%s", argv[i] + 17);
        if ((strncmp(argv[i], "-fork=", 6) == 0 && atoi(argv[i] + 6) > 0) || strncmp(argv[i], "-merge", 6) == 0)
            g_not_a_job = 1;
    }
    char err[256];
    const case_select_status st = case_select_impls(g_impls, &g_nimpls, stderr, err, sizeof err);
    if (st != CASE_SELECT_OK) {
        fprintf(stderr, "%s: %s\n", target, err);
        exit(2);
    }
    char checks[512];
    fuzz_describe_checks(checks, sizeof checks);
    int gpu = 0;
    for (size_t i = 0; i < g_nimpls; i++) gpu |= g_impls[i]->kind == SPIDX_IMPL_GPU;
    fprintf(stderr, "%s: implementations under test: %s%s\n", target, checks,
            gpu || strcmp(target, "fuzz_ref") == 0 ? "" : " (no GPU implementation available: CPU-only run)");
    coverage_install(target);
}

const spidx_impl *const *fuzz_impls(size_t *count)
{
    *count = g_nimpls;
    return g_impls;
}

void fuzz_describe_checks(char *buf, size_t size)
{
    if (strcmp(g_target, "fuzz_ref") == 0)
        snprintf(buf, size, "ref, against the properties of ref/SPEC.md");
    else
        case_describe_impls(g_impls, g_nimpls, buf, size);
    /* Inputs an implementation was not run on are named: they are not passes. */
    size_t at = strlen(buf);
    int first = 1;
    for (size_t i = 0; i < g_nimpls && at < size; i++) {
        const unsigned long long na = coverage_na_inputs(fuzz_impl_index(g_impls[i]));
        if (!na) continue;
        at += (size_t)snprintf(buf + at, size - at, "%s%s %llu", first ? " (not applicable: " : ", ", g_impls[i]->name, na);
        first = 0;
    }
    if (!first && at < size) snprintf(buf + at, size - at, " inputs)");
}

const char *fuzz_named_impl_that_ran_nothing(void)
{
    const char *sel = getenv("SPIDX_IMPLS");
    if (!sel || !*sel || strcmp(g_target, "fuzz_ref") == 0) return NULL;
    for (size_t i = 0; i < g_nimpls; i++) {
        const int k = fuzz_impl_index(g_impls[i]);
        if (!g_impls[i]->is_reference && coverage_inputs(k) == 0 && coverage_na_inputs(k) > 0) return g_impls[i]->name;
    }
    return NULL;
}

int fuzz_impl_index(const spidx_impl *impl)
{
    size_t n;
    const spidx_impl *all = spidx_impls(&n);
    return (int)(impl - all);
}

static uint64_t fnv1a(const void *bytes, size_t size)
{
    const unsigned char *p = bytes;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < size; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

void fuzz_case_path(const uint8_t *data, size_t size, char *out, size_t out_size)
{
    snprintf(out, out_size, "%smismatch-%016llx.case", g_prefix, (unsigned long long)fnv1a(data, size));
}

/* A character a property signature keeps as it is. */
static int signature_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_' || ch == '.' || ch == '-';
}

void fuzz_property_signature(const char *what, char *sig, size_t sig_size)
{
    /* The text: the first line (the property's condition), then the second line (what was
     * checked: "weight (bi=...", "list (bi=...", "validation: ...") up to its first '(',
     * '=' or digit, which is where the values of this one failure begin. */
    char text[240];
    const char *end = strchr(what, '\n');
    if (!end) end = what + strlen(what);
    size_t t = (size_t)snprintf(text, sizeof text, "%.*s", (int)(end - what < 160 ? end - what : 160), what);
    if (*end == '\n') {
        const char *second = end + 1;
        while (*second == ' ' || *second == '\t') second++;
        const char *stop = second;
        while (*stop && *stop != '\n' && *stop != '(' && *stop != '=' && !isdigit((unsigned char)*stop)) stop++;
        if (stop > second && t + 1 < sizeof text)
            t += (size_t)snprintf(text + t, sizeof text - t, " %.*s", (int)(stop - second), second);
    }
    const char *from = text, *to = text + (t < sizeof text ? t : sizeof text - 1);
    while (from < to && isspace((unsigned char)*from)) from++;
    while (to > from && isspace((unsigned char)to[-1])) to--;
    char numbered[121]; /* every number (an optional '-', digits) as N, cut to 120 */
    size_t n = 0;
    for (const char *p = from; p < to && n < 120;) {
        const int minus = *p == '-' && p + 1 < to && isdigit((unsigned char)p[1]);
        if (minus || isdigit((unsigned char)*p)) {
            p += minus;
            while (p < to && isdigit((unsigned char)*p)) p++;
            numbered[n++] = 'N';
        } else {
            numbered[n++] = *p++;
        }
    }
    char word[121]; /* each run of other characters as one '-' */
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (signature_char(numbered[i]))
            word[w++] = numbered[i];
        else if (i == 0 || signature_char(numbered[i - 1]))
            word[w++] = '-';
    }
    size_t lead = 0;
    while (lead < w && word[lead] == '-') lead++;
    while (w > lead && word[w - 1] == '-') w--;
    snprintf(sig, sig_size, "ref:property:%.*s", (int)(w - lead), word + lead);
}

int fuzz_seen_before(const char *sig, const char *case_path)
{
    const char *dir = getenv("SPIDX_FUZZ_SEEN_DIR");
    if (!dir || !*dir) return 0;
    /* The file: the signature's letters and digits, then its hash (two signatures that
     * differ only in punctuation still get two files). */
    char path[1024], name[SPIDX_SIGNATURE_MAX];
    size_t n = 0;
    for (const char *s = sig; *s && n + 1 < sizeof name; s++)
        name[n++] = (char)((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ? *s : '_');
    name[n] = '\0';
    snprintf(path, sizeof path, "%s/%.100s-%016llx", dir, name, (unsigned long long)fnv1a(sig, strlen(sig)));
    /* Made whole under a private name, then linked into place: link() fails if the file
     * exists, so exactly one process is first, and no reader or appender ever sees the
     * file without its two lines (the signature, the case its first meeting wrote). */
    static unsigned long serial;
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s/.tmp-%ld-%lu", dir, (long)getpid(), serial++);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) return 0;
    char text[SPIDX_SIGNATURE_MAX + 700];
    const int len = snprintf(text, sizeof text, "%s\n%s\n", sig, case_path);
    const int whole = len > 0 && (size_t)len < sizeof text && write(fd, text, (size_t)len) == (ssize_t)len;
    close(fd);
    int linked = -1, err = 0;
    if (whole) {
        linked = link(tmp, path);
        err = errno;
    }
    unlink(tmp);
    if (linked == 0 || err != EEXIST) return 0; /* the first meeting, or no record possible: fail as usual */
    if ((fd = open(path, O_WRONLY | O_APPEND)) < 0) return 0;
    const int counted = write(fd, "+", 1) == 1;
    close(fd);
    return counted;
}

_Noreturn void fuzz_fail(const spidx_case *c, const uint8_t *data, size_t size, const char *what)
{
    char path[600];
    fuzz_case_path(data, size, path, sizeof path);
    fprintf(stderr, "\n==== spidx: check failed ====\n%s\n", what);
    if (strcmp(g_target, "fuzz_ref") == 0) {
        char sig[SPIDX_SIGNATURE_MAX];
        fuzz_property_signature(what, sig, sizeof sig);
        fprintf(stderr, "==== signature: %s\n", sig);
    }
    case_write(stderr, c, what);
    FILE *f = fopen(path, "w");
    if (f) {
        case_write(f, c, what);
        fclose(f);
        /* fuzz_ref's failures are property failures: only its own replay shows them. */
        const char *tool = strcmp(g_target, "fuzz_ref") == 0 ? "fuzz_ref_replay" : "spidx_repro";
        fprintf(stderr, "==== case written to %s (replay: %s %s)\n", path, tool, path);
    } else {
        fprintf(stderr, "==== cannot write %s\n", path);
    }
    fflush(stderr);
    if (fuzz_fail_continue) fuzz_fail_continue();
    abort();
}
