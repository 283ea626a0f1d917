/* spidx_repro.c - reproduce one case from a campaign: run it (fuzz bytes or `.case`)
 * on the reference and the chosen implementations, print the case, each verdict and
 * the first mismatches with coordinates; dump inputs and outputs as .npy; minimize;
 * convert between the byte and `.case` forms.
 * Usage: spidx_repro [--impls a,b] [--plugin PATH]... [--signature] [--dump DIR]
 *                    [--minimize OUT.case] [--to-case OUT.case] [--from-case OUT.bin] INPUT
 * --signature prints only "signature: IMPL:FIELD:CLASS" (or "signature: agree"), the key
 * campaigns deduplicate failures by.
 * Exit: 0 all agree (or conversion done), 1 mismatch, 2 unusable input or arguments, a
 * named implementation that is unknown or cannot run here, or a plug-in that does not load.
 * An implementation whose declared capabilities exclude the case is "not applicable"; exit
 * 3 when implementations were named (SPIDX_IMPLS, --impls) and every one but the
 * reference is: nothing was compared. */
#define _POSIX_C_SOURCE 200809L /* mkdir */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "case_io.h"
#include "minimize.h"

enum { EXIT_AGREE = 0, EXIT_MISMATCH = 1, EXIT_UNUSABLE = 2, EXIT_NOT_COMPARED = 3 };

static const char k_usage[] =
    "usage: spidx_repro [--impls NAME,...] [--plugin PATH]... [--signature] [--dump DIR]\n"
    "                   [--minimize OUT.case] [--to-case OUT.case] [--from-case OUT.bin] INPUT\n"
    "INPUT is a `.case` file or fuzzer bytes (a libFuzzer crash artifact). --impls sets\n"
    "SPIDX_IMPLS; --plugin loads a plug-in (plugins/spidx_plugin.h) beside those of SPIDX_PLUGINS.\n";

static int usage(const char *why)
{
    fprintf(stderr, "spidx_repro: %s\n%s", why, k_usage);
    return EXIT_UNUSABLE;
}

/* -h, --help: what the header says, on stdout. */
static int help(void)
{
    printf("spidx_repro - reproduce one case: run it on the reference and the chosen implementations,\n"
           "print each verdict and the first mismatches; dump .npy; minimize; convert byte <-> .case.\n%s"
           "--signature prints only \"signature: IMPL:FIELD:CLASS\" (or \"signature: agree\").\n"
           "Exit: 0 all agree (or conversion done), 1 mismatch, 2 unusable input or arguments or a named\n"
           "implementation that cannot run here, 3 every named implementation was not applicable.\n"
           "Without a GPU only the reference runs (\"reference only\"): a GPU case needs a GPU machine.\n",
           k_usage);
    return -1;
}

static uint8_t *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, got;
    uint8_t *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    fclose(f);
    *size = n;
    return buf;
}

/* .npy (format 1.0) of a logical [b][h][len] tensor read through effective strides. */
static int write_npy(const char *dir, const char *name, const char *descr, const spidx_case *c, const void *buf,
                     size_t esize, int64_t sb, int64_t sh, int64_t len)
{
    char path[1024], header[256];
    snprintf(path, sizeof path, "%s/%s.npy", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    const spidx_params *p = &c->p;
    int hl = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (%lld, %lld, %lld), }",
                      descr, (long long)p->b, (long long)p->h, (long long)len);
    while ((10 + hl + 1) % 64) header[hl++] = ' ';
    header[hl++] = '\n';
    const unsigned char magic[8] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    fwrite(magic, 1, 8, f);
    const unsigned char hlen[2] = {(unsigned char)(hl & 0xff), (unsigned char)(hl >> 8)};
    fwrite(hlen, 1, 2, f);
    fwrite(header, 1, (size_t)hl, f);
    for (int64_t bi = 0; bi < p->b && c->shape.rows > 0; bi++)
        for (int64_t hi = 0; hi < p->h; hi++)
            if (len > 0) {
                const int64_t at = bi * sb + hi * sh;
                fwrite((const char *)buf + at * (int64_t)esize, esize, (size_t)len, f);
            }
    return fclose(f);
}

static const char *weight_descr(int32_t t)
{
    return t == SPIDX_WEIGHT_F32 ? "<f4" : t == SPIDX_WEIGHT_F16 ? "<f2" : "<u2"; /* bfloat16: raw bits */
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        if ((unsigned char)*s >= 0x20) fputc(*s, f);
    }
    fputc('"', f);
}

/* The command line. */
typedef struct options {
    const char *impls, *dump, *minimize_out, *to_case, *from_case, *input;
    int signature_only;
} options;

/* Returns 0, -1 after --help, or the exit code of a usage error (printed). */
static int parse_options(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) return help();
        if (strcmp(a, "--signature") == 0) {
            o->signature_only = 1;
            continue;
        }
        if (strcmp(a, "--plugin") == 0) {
            if (i + 1 >= argc) return usage("--plugin needs a path");
            char err[512];
            if (spidx_registry_load_plugin(argv[++i], err, sizeof err) != 0) {
                fprintf(stderr, "spidx_repro: %s\n", err);
                return EXIT_UNUSABLE;
            }
            continue;
        }
        const char **slot = strcmp(a, "--impls") == 0      ? &o->impls
                            : strcmp(a, "--dump") == 0     ? &o->dump
                            : strcmp(a, "--minimize") == 0 ? &o->minimize_out
                            : strcmp(a, "--to-case") == 0  ? &o->to_case
                            : strcmp(a, "--from-case") == 0 ? &o->from_case
                                                            : NULL;
        if (slot) {
            if (i + 1 >= argc) return usage("an option needs a value");
            *slot = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            return usage("unknown option");
        } else if (o->input) {
            return usage("more than one INPUT");
        } else {
            o->input = a;
        }
    }
    return o->input ? 0 : usage("no INPUT");
}

/* Reads INPUT as `.case` text or fuzzer bytes into *c; 0, or -1 with a message. */
static int load_case(const char *input, spidx_case *c)
{
    size_t size = 0;
    uint8_t *data = read_all(input, &size);
    if (!data) {
        fprintf(stderr, "spidx_repro: cannot read %s: %s\n", input, strerror(errno));
        return -1;
    }
    int rc = 0;
    if (case_file_is_text(input, data, size)) { /* the one rule: case_io.h */
        char err[200];
        if (case_parse((const char *)data, size, c, err, sizeof err) != 0) {
            fprintf(stderr, "spidx_repro: %s: %s\n", input, err);
            rc = -1;
        }
    } else if (case_decode(data, size, c) != 0) { /* not text: never rejected */
        fprintf(stderr, "spidx_repro: %s: not decodable\n", input);
        rc = -1;
    }
    free(data);
    return rc;
}

/* --to-case or --from-case: writes c in the other form; returns the exit code. */
static int convert(const options *o, const spidx_case *c)
{
    const char *out = o->to_case ? o->to_case : o->from_case;
    if (o->from_case && !case_fits_fuzz_budget(c)) {
        fprintf(stderr,
                "spidx_repro: %s is larger than fuzz_diff's budget (%zu bytes, %lld rows): its raw bytes "
                "would not decode back to it\n",
                o->input, SPIDX_FUZZ_MAX_BYTES, (long long)SPIDX_FUZZ_MAX_ROWS);
        return EXIT_UNUSABLE;
    }
    FILE *f = fopen(out, "wb");
    if (!f) {
        fprintf(stderr, "spidx_repro: cannot write %s\n", out);
        return EXIT_UNUSABLE;
    }
    if (o->to_case) {
        char note[600];
        snprintf(note, sizeof note, "converted from %s", o->input);
        case_write(f, c, note);
    } else {
        size_t n;
        uint8_t *bytes = case_encode(c, &n);
        fwrite(bytes, 1, n, f);
        free(bytes);
    }
    fclose(f);
    printf("wrote %s\n", out);
    return EXIT_AGREE;
}

/* Runs c on the reference (*want) and on every other selected implementation the case
 * applies to (outs[i] for impls[i], outs_ran[i] = 1; the reference's own slot and those of
 * implementations that do not apply are zeroed), prints the verdicts and the first
 * mismatches; returns 1 when some implementation disagrees. */
static int run_verdicts(const spidx_case *c, const spidx_impl *const *impls, size_t n, spidx_outcome *want,
                        spidx_outcome *outs, int *outs_ran)
{
    const spidx_impl *ref = spidx_impl_find("ref");
    case_run(ref, c, want);
    printf("---- verdicts\n%-10s %-20s %s\n", "ref", spidx_status_name(want->status), want->detail.message);
    int mismatch = 0;
    for (size_t i = 0; i < n; i++) {
        memset(&outs[i], 0, sizeof outs[i]);
        outs_ran[i] = 0;
        if (impls[i] == ref) continue;
        char why[160];
        if (!case_applies(impls[i], c, want->status, why, sizeof why)) {
            printf("%-10s %-20s %s\n", impls[i]->name, "not applicable", why);
            continue;
        }
        outs_ran[i] = 1;
        case_run(impls[i], c, &outs[i]);
        const long bad = case_compare(c, "ref", want, impls[i]->name, &outs[i], NULL, 0, NULL);
        /* The detail says why a call failed (a CUDA error, a Python exception): without it a
         * device failure reads as a bare status. */
        printf("%-10s %-20s %s%s%s\n", impls[i]->name, spidx_status_name(outs[i].status),
               bad ? "MISMATCH" : "agrees with ref", outs[i].detail.message[0] ? ": " : "", outs[i].detail.message);
        /* A failure of the call before the checked one is the one to read (the checked call
         * may only inherit it, as a sticky CUDA error does). */
        if (outs[i].first_status != want->first_status)
            printf("%-10s %-20s in its first call (call = %s)%s%s\n", "", spidx_status_name(outs[i].first_status),
                   spidx_call_name(c->call), outs[i].first_detail.message[0] ? ": " : "", outs[i].first_detail.message);
        if (bad) {
            printf("  %ld mismatches, first ones:\n", bad);
            case_compare(c, "ref", want, impls[i]->name, &outs[i], stdout, 12, NULL);
            mismatch = 1;
        }
    }
    const spidx_impl *compared_impls[SPIDX_MAX_IMPLS];
    size_t ncompared = 0;
    for (size_t i = 0; i < n; i++)
        if (impls[i] == ref || outs_ran[i]) compared_impls[ncompared++] = impls[i];
    char compared[512];
    case_describe_impls(compared_impls, ncompared, compared, sizeof compared);
    printf("---- compared: %s\n", compared);
    return mismatch;
}

/* --dump DIR: status.json with every verdict, and .npy files of the inputs and of each
 * implementation's outputs (valid cases). Returns 0, or -1 when DIR cannot be written. */
static int dump_outcomes(const char *dir, const spidx_case *c, const spidx_impl *const *impls, size_t n,
                         const spidx_outcome *want, const spidx_outcome *outs, const int *ran)
{
    const spidx_impl *ref = spidx_impl_find("ref");
    const spidx_row_strides *rs = &c->strides;
    mkdir(dir, 0777);
    char path[1024];
    snprintf(path, sizeof path, "%s/status.json", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "spidx_repro: cannot write %s\n", path);
        return -1;
    }
    fprintf(f, "{");
    for (size_t i = 0; i <= n; i++) {
        if (i > 0 && (impls[i - 1] == ref || !ran[i - 1])) continue;
        const spidx_outcome *o = i == 0 ? want : &outs[i - 1];
        const char *name = i == 0 ? "ref" : impls[i - 1]->name;
        fprintf(f, "%s\"%s\": {\"status\": \"%s\", \"bi\": %lld, \"hi\": %lld, \"j\": %lld, \"value\": %lld, "
                   "\"message\": ",
                i ? ", " : "", name, spidx_status_name(o->status), (long long)o->detail.bi, (long long)o->detail.hi,
                (long long)o->detail.j, (long long)o->detail.value);
        json_string(f, o->detail.message);
        if (c->call == SPIDX_CALL_TWICE || c->call == SPIDX_CALL_AFTER_LARGER) {
            fprintf(f, ", \"first_call\": {\"status\": \"%s\", \"message\": ", spidx_status_name(o->first_status));
            json_string(f, o->first_detail.message);
            fprintf(f, "}");
        }
        fprintf(f, "}");
        if (c->check == SPIDX_OK) {
            char nm[128];
            snprintf(nm, sizeof nm, "%s.list", name);
            write_npy(dir, nm, c->p.index_type == SPIDX_INDEX_I32 ? "<i4" : "<i8", c, o->list, c->shape.index_size,
                      rs->list_sb, rs->list_sh, c->shape.T);
            snprintf(nm, sizeof nm, "%s.weight", name);
            write_npy(dir, nm, weight_descr(c->p.weight_type), c, o->weight, c->shape.weight_size, rs->weight_sb,
                      rs->weight_sh, c->p.sk);
        }
    }
    fprintf(f, "}\n");
    fclose(f);
    if (c->check == SPIDX_OK) {
        write_npy(dir, "topk", "<i8", c, c->topk, 8, rs->topk_sb, rs->topk_sh, c->p.heavy);
        write_npy(dir, "weight_init", weight_descr(c->p.weight_type), c, c->weight_init, c->shape.weight_size,
                  rs->weight_sb, rs->weight_sh, c->p.sk);
    }
    printf("---- dumped to %s (bfloat16 weights as raw uint16 bits)\n", dir);
    return 0;
}

/* --minimize OUT: shrinks *c while the disagreement stays and writes it; 0 or -1. */
static int minimize_to(const char *out, const char *input, spidx_case *c, const spidx_impl *const *impls, size_t n)
{
    const int64_t before[4] = {c->p.b * c->p.h, c->p.sk, c->check == SPIDX_OK ? c->shape.T : -1, c->p.heavy};
    case_minimize(c, impls, n, stdout);
    char sig[SPIDX_SIGNATURE_MAX];
    case_signature(c, impls, n, sig, sizeof sig);
    FILE *f = fopen(out, "w");
    if (!f) {
        fprintf(stderr, "spidx_repro: cannot write %s\n", out);
        return -1;
    }
    char note[400];
    snprintf(note, sizeof note, "minimized from %s; disagreement %s", input, sig);
    case_write(f, c, note);
    fclose(f);
    printf("---- minimized: rows %lld -> %lld, sk %lld -> %lld, T %lld -> %lld, heavy %lld -> %lld; wrote %s\n",
           (long long)before[0], (long long)(c->p.b * c->p.h), (long long)before[1], (long long)c->p.sk,
           (long long)before[2], (long long)(c->check == SPIDX_OK ? c->shape.T : -1), (long long)before[3],
           (long long)c->p.heavy, out);
    case_write(stdout, c, note);
    return 0;
}

/* Everything but the conversions: verdicts (or the signature alone), dump, minimize. */
static int reproduce(const options *o, spidx_case *c)
{
    if (o->impls) setenv("SPIDX_IMPLS", o->impls, 1);
    const spidx_impl *impls[SPIDX_MAX_IMPLS];
    size_t n;
    char err[256];
    const case_select_status st = case_select_impls(impls, &n, stdout, err, sizeof err);
    if (st != CASE_SELECT_OK) {
        fprintf(stderr, "spidx_repro: %s\n", err);
        return EXIT_UNUSABLE;
    }
    if (o->signature_only) {
        char sig[SPIDX_SIGNATURE_MAX];
        const int differ = case_signature(c, impls, n, sig, sizeof sig);
        printf("signature: %s\n", sig);
        return differ ? EXIT_MISMATCH : EXIT_AGREE;
    }
    printf("---- case (%s)\n", o->input);
    case_write(stdout, c, NULL);
    spidx_outcome want, outs[SPIDX_MAX_IMPLS];
    int ran[SPIDX_MAX_IMPLS];
    const int mismatch = run_verdicts(c, impls, n, &want, outs, ran);
    /* Named implementations that all lay outside the case: nothing was compared. */
    const char *sel = getenv("SPIDX_IMPLS");
    int others = 0, others_ran = 0;
    for (size_t i = 0; i < n; i++)
        if (!impls[i]->is_reference) others++, others_ran += ran[i];
    const int not_compared = sel && *sel && others > 0 && others_ran == 0;
    const int dumped = o->dump ? dump_outcomes(o->dump, c, impls, n, &want, outs, ran) : 0;
    for (size_t i = 0; i < n; i++) outcome_free(&outs[i]);
    outcome_free(&want);
    if (dumped != 0) return EXIT_UNUSABLE;
    if (o->minimize_out) {
        if (!mismatch)
            printf("---- nothing to minimize: every implementation agrees with ref\n");
        else if (minimize_to(o->minimize_out, o->input, c, impls, n) != 0)
            return EXIT_UNUSABLE;
    }
    if (not_compared) {
        printf("---- nothing compared: every named implementation but the reference is not applicable\n");
        return EXIT_NOT_COMPARED;
    }
    return mismatch ? EXIT_MISMATCH : EXIT_AGREE;
}

int main(int argc, char **argv)
{
    options o;
    case_install_crash_report();
    const int bad_usage = parse_options(argc, argv, &o);
    if (bad_usage) return bad_usage < 0 ? EXIT_AGREE : bad_usage;
    spidx_case c;
    if (load_case(o.input, &c) != 0) return EXIT_UNUSABLE;
    const int rc = o.to_case || o.from_case ? convert(&o, &c) : reproduce(&o, &c);
    case_free(&c);
    return rc;
}
