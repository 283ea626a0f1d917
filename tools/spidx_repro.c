/* spidx_repro.c - reproduce one case from a campaign: run it (fuzz bytes or `.case`)
 * on the reference and the chosen implementations, print the case, each verdict and
 * the first mismatches with coordinates; dump inputs and outputs as .npy; minimize;
 * convert between the byte and `.case` forms.
 * Usage: spidx_repro [--impls a,b] [--signature] [--dump DIR] [--minimize OUT.case]
 *                    [--to-case OUT.case] [--from-case OUT.bin] INPUT
 * --signature prints only "signature: IMPL:FIELD:CLASS" (or "signature: agree"), the key
 * campaigns deduplicate failures by.
 * Exit: 0 all agree (or conversion done), 1 mismatch, 2 unusable input or arguments. */
#define _POSIX_C_SOURCE 200809L /* mkdir */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "case_io.h"
#include "minimize.h"

enum { EXIT_AGREE = 0, EXIT_MISMATCH = 1, EXIT_UNUSABLE = 2 };

static int usage(const char *why)
{
    fprintf(stderr,
            "spidx_repro: %s\n"
            "usage: spidx_repro [--impls NAME,...] [--signature] [--dump DIR] [--minimize OUT.case]\n"
            "                   [--to-case OUT.case] [--from-case OUT.bin] INPUT\n"
            "INPUT is a `.case` file or fuzzer bytes (a libFuzzer crash artifact).\n",
            why);
    return EXIT_UNUSABLE;
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

/* .npy (format 1.0) of a logical [b][h][len] tensor read through strides. */
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
                const int64_t at = (p->b > 1 ? bi * sb : 0) + (p->h > 1 ? hi * sh : 0);
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

int main(int argc, char **argv)
{
    const char *impl_list = NULL, *dump = NULL, *minimize_out = NULL, *to_case = NULL, *from_case = NULL,
               *input = NULL;
    int signature_only = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--signature") == 0) {
            signature_only = 1;
            continue;
        }
        const char **slot = strcmp(a, "--impls") == 0      ? &impl_list
                            : strcmp(a, "--dump") == 0     ? &dump
                            : strcmp(a, "--minimize") == 0 ? &minimize_out
                            : strcmp(a, "--to-case") == 0  ? &to_case
                            : strcmp(a, "--from-case") == 0 ? &from_case
                                                            : NULL;
        if (slot) {
            if (i + 1 >= argc) return usage("an option needs a value");
            *slot = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            return usage("unknown option");
        } else if (input) {
            return usage("more than one INPUT");
        } else {
            input = a;
        }
    }
    if (!input) return usage("no INPUT");
    size_t size = 0;
    uint8_t *data = read_all(input, &size);
    if (!data) {
        fprintf(stderr, "spidx_repro: cannot read %s: %s\n", input, strerror(errno));
        return EXIT_UNUSABLE;
    }
    spidx_case c;
    if (case_is_text(data, size)) {
        char err[200];
        if (case_parse((const char *)data, size, &c, err, sizeof err) != 0) {
            fprintf(stderr, "spidx_repro: %s: %s\n", input, err);
            free(data);
            return EXIT_UNUSABLE;
        }
    } else {
        case_decode(data, size, &c);
    }
    free(data);

    if (from_case && !case_fits_fuzz_budget(&c)) {
        fprintf(stderr,
                "spidx_repro: %s is larger than fuzz_diff's budget (%zu bytes, %lld rows): its raw bytes "
                "would not decode back to it\n",
                input, SPIDX_FUZZ_MAX_BYTES, (long long)SPIDX_FUZZ_MAX_ROWS);
        case_free(&c);
        return EXIT_UNUSABLE;
    }
    if (to_case || from_case) {
        FILE *f = fopen(to_case ? to_case : from_case, "wb");
        if (!f) {
            fprintf(stderr, "spidx_repro: cannot write %s\n", to_case ? to_case : from_case);
            return EXIT_UNUSABLE;
        }
        if (to_case) {
            char note[600];
            snprintf(note, sizeof note, "converted from %s", input);
            case_write(f, &c, note);
        } else {
            size_t n;
            uint8_t *bytes = case_encode(&c, &n);
            fwrite(bytes, 1, n, f);
            free(bytes);
        }
        fclose(f);
        printf("wrote %s\n", to_case ? to_case : from_case);
        case_free(&c);
        return EXIT_AGREE;
    }

    if (impl_list) setenv("SPIDX_IMPLS", impl_list, 1);
    const spidx_impl *impls[SPIDX_MAX_IMPLS];
    size_t n = case_select_impls(impls, SPIDX_MAX_IMPLS, stdout);
    if (!spidx_impl_find("ref")) return usage("no reference implementation");

    if (signature_only) {
        char sig[128];
        const int differ = case_signature(&c, impls, n, sig, sizeof sig);
        printf("signature: %s\n", sig);
        case_free(&c);
        return differ ? EXIT_MISMATCH : EXIT_AGREE;
    }
    printf("---- case (%s)\n", input);
    case_write(stdout, &c, NULL);
    const spidx_impl *ref = spidx_impl_find("ref");
    spidx_outcome want;
    case_run(ref, &c, &want);
    printf("---- verdicts\n%-10s %-20s %s\n", "ref", spidx_status_name(want.status), want.detail.message);
    int mismatch = 0;
    spidx_outcome outs[SPIDX_MAX_IMPLS];
    for (size_t i = 0; i < n; i++) {
        if (impls[i] == ref) continue;
        case_run(impls[i], &c, &outs[i]);
        const long bad = case_compare(&c, "ref", &want, impls[i]->name, &outs[i], NULL, 0, NULL);
        printf("%-10s %-20s %s\n", impls[i]->name, spidx_status_name(outs[i].status),
               bad ? "MISMATCH" : "agrees with ref");
        if (bad) {
            printf("  %ld mismatches, first ones:\n", bad);
            case_compare(&c, "ref", &want, impls[i]->name, &outs[i], stdout, 12, NULL);
            mismatch = 1;
        }
    }

    if (dump) {
        mkdir(dump, 0777);
        char path[1024];
        snprintf(path, sizeof path, "%s/status.json", dump);
        FILE *f = fopen(path, "w");
        if (!f) {
            fprintf(stderr, "spidx_repro: cannot write %s\n", path);
            return EXIT_UNUSABLE;
        }
        fprintf(f, "{");
        for (size_t i = 0; i <= n; i++) {
            const spidx_outcome *o = i == 0 ? &want : &outs[i - 1];
            const char *name = i == 0 ? "ref" : impls[i - 1]->name;
            if (i > 0 && impls[i - 1] == ref) continue;
            fprintf(f, "%s\"%s\": {\"status\": \"%s\", \"bi\": %lld, \"hi\": %lld, \"j\": %lld, \"value\": %lld, "
                       "\"message\": ",
                    i ? ", " : "", name, spidx_status_name(o->status), (long long)o->detail.bi,
                    (long long)o->detail.hi, (long long)o->detail.j, (long long)o->detail.value);
            json_string(f, o->detail.message);
            fprintf(f, "}");
            if (c.check == SPIDX_OK) {
                const spidx_params *p = &c.p;
                char nm[128];
                snprintf(nm, sizeof nm, "%s.list", name);
                write_npy(dump, nm, p->index_type == SPIDX_INDEX_I32 ? "<i4" : "<i8", &c, o->list,
                          c.shape.index_size, p->list_sb, p->list_sh, c.shape.T);
                snprintf(nm, sizeof nm, "%s.weight", name);
                write_npy(dump, nm, weight_descr(p->weight_type), &c, o->weight, c.shape.weight_size, p->weight_sb,
                          p->weight_sh, p->sk);
            }
        }
        fprintf(f, "}\n");
        fclose(f);
        if (c.check == SPIDX_OK) {
            write_npy(dump, "topk", "<i8", &c, c.topk, 8, c.p.topk_sb, c.p.topk_sh, c.p.heavy);
            write_npy(dump, "weight_init", weight_descr(c.p.weight_type), &c, c.weight_init, c.shape.weight_size,
                      c.p.weight_sb, c.p.weight_sh, c.p.sk);
        }
        printf("---- dumped to %s (bfloat16 weights as raw uint16 bits)\n", dump);
    }
    for (size_t i = 0; i < n; i++)
        if (impls[i] != ref) outcome_free(&outs[i]);
    outcome_free(&want);

    if (minimize_out) {
        if (!mismatch) {
            printf("---- nothing to minimize: every implementation agrees with ref\n");
        } else {
            const int64_t before[4] = {c.p.b * c.p.h, c.p.sk, c.check == SPIDX_OK ? c.shape.T : -1, c.p.heavy};
            case_minimize(&c, impls, n, stdout);
            char sig[96];
            case_signature(&c, impls, n, sig, sizeof sig);
            FILE *f = fopen(minimize_out, "w");
            if (!f) {
                fprintf(stderr, "spidx_repro: cannot write %s\n", minimize_out);
                return EXIT_UNUSABLE;
            }
            char note[400];
            snprintf(note, sizeof note, "minimized from %s; disagreement %s", input, sig);
            case_write(f, &c, note);
            fclose(f);
            printf("---- minimized: rows %lld -> %lld, sk %lld -> %lld, T %lld -> %lld, heavy %lld -> %lld; wrote %s\n",
                   (long long)before[0], (long long)(c.p.b * c.p.h), (long long)before[1], (long long)c.p.sk,
                   (long long)before[2], (long long)(c.check == SPIDX_OK ? c.shape.T : -1), (long long)before[3],
                   (long long)c.p.heavy, minimize_out);
            case_write(stdout, &c, note);
        }
    }
    case_free(&c);
    return mismatch ? EXIT_MISMATCH : EXIT_AGREE;
}
