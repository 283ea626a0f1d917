/* case_text.c - the `.case` text format (version 1), the form in which cases are kept,
 * read and edited. One `key = value` per line, `#` comments; README.md documents it.
 * Omitted strides mean contiguous rows, omitted top-k rows mean zeros. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "case_io.h"

static const char k_magic[] = "spidx-case";   /* what makes an input `.case` text */
static const char k_header[] = "spidx-case 1"; /* the version this build reads */

int case_is_text(const uint8_t *data, size_t size)
{
    const size_t n = sizeof k_magic - 1;
    return size >= n && memcmp(data, k_magic, n) == 0;
}

int case_file_is_text(const char *name, const uint8_t *data, size_t size)
{
    const size_t len = name ? strlen(name) : 0, ext = sizeof ".case" - 1;
    return (len >= ext && strcmp(name + len - ext, ".case") == 0) || case_is_text(data, size);
}

void case_write(FILE *out, const spidx_case *c, const char *comment)
{
    const spidx_params *p = &c->p;
    fprintf(out, "%s\n", k_header);
    if (comment && *comment) {
        const char *line = comment;
        while (*line) {
            const char *end = strchr(line, '\n');
            const int len = end ? (int)(end - line) : (int)strlen(line);
            fprintf(out, "# %.*s\n", len, line);
            line += len + (end ? 1 : 0);
        }
    }
    fprintf(out, "b = %lld\nh = %lld\nsk = %lld\nsink = %lld\nwindow = %lld\nheavy = %lld\ninit_offset = %lld\n",
            (long long)p->b, (long long)p->h, (long long)p->sk, (long long)p->sink, (long long)p->window,
            (long long)p->heavy, (long long)p->init_offset);
    const char *it = spidx_index_type_name(p->index_type), *wt = spidx_weight_type_name(p->weight_type);
    const char *md = spidx_mode_name(p->mode);
    if (strcmp(it, "?")) fprintf(out, "index_type = %s\n", it);
    else fprintf(out, "index_type = %d\n", (int)p->index_type);
    if (strcmp(wt, "?")) fprintf(out, "weight_type = %s\n", wt);
    else fprintf(out, "weight_type = %d\n", (int)p->weight_type);
    if (strcmp(md, "?")) fprintf(out, "mode = %s\n", md);
    else fprintf(out, "mode = %d\n", (int)p->mode);
    fprintf(out, "topk_strides = %lld %lld\nlist_strides = %lld %lld\nweight_strides = %lld %lld\n",
            (long long)p->topk_sb, (long long)p->topk_sh, (long long)p->list_sb, (long long)p->list_sh,
            (long long)p->weight_sb, (long long)p->weight_sh);
    if (c->null_mask)
        fprintf(out, "null =%s%s%s\n", c->null_mask & SPIDX_NULL_TOPK ? " topk" : "",
                c->null_mask & SPIDX_NULL_LIST ? " list" : "", c->null_mask & SPIDX_NULL_WEIGHT ? " weight" : "");
    fprintf(out, "fill = %s %llu\n", spidx_fill_name(c->fill), (unsigned long long)c->fill_seed);
    if (c->call != SPIDX_CALL_ONCE) fprintf(out, "call = %s\n", spidx_call_name(c->call));
    if (c->check != SPIDX_OK || p->heavy == 0) return;
    for (int64_t bi = 0; bi < p->b && c->shape.rows > 0; bi++)
        for (int64_t hi = 0; hi < p->h; hi++) {
            fprintf(out, "topk[%lld][%lld] =", (long long)bi, (long long)hi);
            for (int64_t k = 0; k < p->heavy; k++) fprintf(out, " %lld", (long long)case_get_topk(c, bi, hi, k));
            fputc('\n', out);
        }
}

typedef struct {
    char *err;
    size_t err_size;
    int line;
} parser;

__attribute__((format(printf, 2, 3)))
static int perr(parser *ps, const char *fmt, ...)
{
    char msg[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* Messages quote the file's text, which may be any bytes: every byte outside printable
     * ASCII is written as \xNN, so a message stays one printable line. */
    char shown[4 * sizeof msg];
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)msg; *c; c++)
        n += (size_t)snprintf(shown + n, sizeof shown - n, *c >= 0x20 && *c < 0x7f ? "%c" : "\\x%02x", *c);
    snprintf(ps->err, ps->err_size, "line %d: %s", ps->line, shown);
    return -1;
}

/* Parses one int64 at *s, advancing past it; -1 when none or out of range. */
static int parse_i64(const char **s, int64_t *v)
{
    while (**s == ' ' || **s == '\t') (*s)++;
    if (!**s) return -1;
    char *end;
    errno = 0;
    const long long x = strtoll(*s, &end, 10);
    if (end == *s || errno == ERANGE || (*end && *end != ' ' && *end != '\t')) return -1;
    *v = x;
    *s = end;
    return 0;
}

static int at_end(const char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    return *s == 0;
}

/* A type or mode: a name from names[] (its index is the value) or a plain integer. */
static int parse_enum(const char *s, const char *const *names, int count, int32_t *v)
{
    while (*s == ' ' || *s == '\t') s++;
    for (int i = 0; i < count; i++) {
        const size_t n = strlen(names[i]);
        if (strncmp(s, names[i], n) == 0 && at_end(s + n)) {
            *v = i;
            return 0;
        }
    }
    int64_t x;
    if (parse_i64(&s, &x) || !at_end(s) || x < INT32_MIN || x > INT32_MAX) return -1;
    *v = (int32_t)x;
    return 0;
}

/* Splits text into NUL-terminated lines in a copy; returns the line count. */
static char **split_lines(const char *text, size_t size, char **copy, int *count)
{
    *copy = malloc(size + 1);
    SPIDX_ASSERT(*copy != NULL);
    memcpy(*copy, text, size);
    (*copy)[size] = 0;
    int n = 1;
    for (size_t i = 0; i < size; i++) n += (*copy)[i] == '\n';
    char **lines = malloc((size_t)n * sizeof *lines);
    SPIDX_ASSERT(lines != NULL);
    int k = 0;
    char *s = *copy;
    lines[k++] = s;
    for (; *s; s++)
        if (*s == '\n') {
            *s = 0;
            if (s > *copy && s[-1] == '\r') s[-1] = 0;
            lines[k++] = s + 1;
        }
    *count = k;
    return lines;
}

int case_parse(const char *text, size_t size, spidx_case *c, char *err, size_t err_size)
{
    return case_parse_bounded(text, size, c, err, err_size, SPIDX_CASE_MAX_BYTES, SPIDX_CASE_MAX_ROWS);
}

/* What a `.case` text sets besides the top-k rows. */
typedef struct {
    spidx_params p;
    int have_strides[3], have_b, have_h, have_sk;
    int fill;
    uint64_t seed;
    unsigned null_mask;
    int call;
} settings;

/* Reads one line as `key = value`: 0 for a blank or comment line, 1 with the key copied
 * into key[64] and *val at the value, or -1 with a message. */
static int split_key_value(parser *ps, const char *line, char key[64], const char **val)
{
    while (*line == ' ' || *line == '\t') line++;
    if (*line == 0 || *line == '#') return 0;
    const char *eq = strchr(line, '=');
    if (!eq) return perr(ps, "expected 'key = value'");
    const char *kend = eq;
    while (kend > line && (kend[-1] == ' ' || kend[-1] == '\t')) kend--;
    snprintf(key, 64, "%.*s", (int)(kend - line), line);
    *val = eq + 1;
    return 1;
}

static int is_topk_key(const char *key)
{
    return strncmp(key, "topk[", 5) == 0;
}

/* One setting (any key but a top-k row) into *st; 0, or -1 with a message. */
static int parse_setting(parser *ps, const char *key, const char *val, settings *st)
{
    spidx_params *p = &st->p;
    static const char *const itypes[] = {"int64", "int32"}, *const wtypes[] = {"float32", "float16", "bfloat16"},
                             *const modes[] = {"zero", "keep"};
    const struct { const char *name; int64_t *v; int *seen; } sizes[] = {
        {"b", &p->b, &st->have_b}, {"h", &p->h, &st->have_h}, {"sk", &p->sk, &st->have_sk},
        {"sink", &p->sink, NULL},  {"window", &p->window, NULL}, {"heavy", &p->heavy, NULL},
        {"init_offset", &p->init_offset, NULL}};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        if (strcmp(key, sizes[k].name) == 0) {
            if (sizes[k].seen) *sizes[k].seen = 1;
            if (parse_i64(&val, sizes[k].v) || !at_end(val)) return perr(ps, "%s needs one int64 value", key);
            return 0;
        }
    const char *stride_keys[3] = {"topk_strides", "list_strides", "weight_strides"};
    int64_t *sb[3] = {&p->topk_sb, &p->list_sb, &p->weight_sb}, *sh[3] = {&p->topk_sh, &p->list_sh, &p->weight_sh};
    for (int t = 0; t < 3; t++)
        if (strcmp(key, stride_keys[t]) == 0) {
            st->have_strides[t] = 1;
            if (parse_i64(&val, sb[t]) || parse_i64(&val, sh[t]) || !at_end(val))
                return perr(ps, "%s needs two int64 values: batch stride, head stride", key);
            return 0;
        }
    if (strcmp(key, "index_type") == 0) {
        if (parse_enum(val, itypes, 2, &p->index_type)) return perr(ps, "index_type is int64, int32 or an integer");
    } else if (strcmp(key, "weight_type") == 0) {
        if (parse_enum(val, wtypes, 3, &p->weight_type))
            return perr(ps, "weight_type is float32, float16, bfloat16 or an integer");
    } else if (strcmp(key, "mode") == 0) {
        if (parse_enum(val, modes, 2, &p->mode)) return perr(ps, "mode is zero, keep or an integer");
    } else if (strcmp(key, "null") == 0) {
        char words[64];
        snprintf(words, sizeof words, "%s", val);
        st->null_mask = 0;
        for (char *w = strtok(words, " \t"); w; w = strtok(NULL, " \t")) {
            if (strcmp(w, "topk") == 0) st->null_mask |= SPIDX_NULL_TOPK;
            else if (strcmp(w, "list") == 0) st->null_mask |= SPIDX_NULL_LIST;
            else if (strcmp(w, "weight") == 0) st->null_mask |= SPIDX_NULL_WEIGHT;
            else if (strcmp(w, "none") != 0) return perr(ps, "null lists buffers: topk, list, weight or none");
        }
    } else if (strcmp(key, "call") == 0) {
        char name[16] = "";
        st->call = -1;
        if (sscanf(val, " %15s", name) == 1)
            for (int k = 0; k < SPIDX_CALL_COUNT; k++)
                if (strcmp(name, spidx_call_name(k)) == 0 && at_end(strstr(val, name) + strlen(name))) st->call = k;
        if (st->call < 0) return perr(ps, "call is once, twice, after_larger, stream, two_streams or graph");
    } else if (strcmp(key, "fill") == 0) {
        char name[16];
        unsigned long long sd = 0;
        const int got = sscanf(val, " %15s %llu", name, &sd);
        st->fill = -1;
        for (int f = 0; f < SPIDX_FILL_COUNT && got >= 1; f++)
            if (strcmp(name, spidx_fill_name(f)) == 0) st->fill = f;
        if (st->fill < 0) return perr(ps, "fill is one of random, nan, negzero, one, zero, then a seed");
        st->seed = sd;
    } else {
        return perr(ps, "unknown key '%s'", key);
    }
    return 0;
}

/* After the settings: default strides (contiguous [b][h][L] rows), the required keys,
 * the limits (checked before anything is allocated), then the case's buffers with
 * top-k rows of zeros. 0, or -1 with a message. */
static int set_up_case(parser *ps, settings *st, spidx_case *c, size_t max_bytes, int64_t max_rows)
{
    spidx_params *p = &st->p;
    const int64_t S = p->sink < p->sk ? p->sink : p->sk, W = p->window < p->sk ? p->window : p->sk;
    int64_t T;
    if (__builtin_add_overflow(S, p->heavy, &T) || __builtin_add_overflow(T, W, &T)) T = -1;
    const int64_t L[3] = {p->heavy, T, p->sk};
    int64_t *sb[3] = {&p->topk_sb, &p->list_sb, &p->weight_sb}, *sh[3] = {&p->topk_sh, &p->list_sh, &p->weight_sh};
    for (int t = 0; t < 3; t++)
        if (!st->have_strides[t] && p->h >= 0 && L[t] >= 0 && p->h <= INT32_MAX && L[t] <= INT32_MAX) {
            *sh[t] = L[t];
            *sb[t] = p->h * L[t];
        }
    if (!st->have_b || !st->have_h || !st->have_sk) return perr(ps, "b, h and sk are required");
    static int64_t dummy;
    spidx_shape s;
    if (spidx_check(p, &dummy, &dummy, &dummy, &s, NULL) == SPIDX_OK) {
        const double bytes = (double)s.topk_span * 8 + (double)s.list_span * (double)s.index_size +
                             (double)s.weight_span * (double)s.weight_size;
        if (s.rows > max_rows)
            return perr(ps, "the case has %lld rows, above the limit of %lld", (long long)s.rows, (long long)max_rows);
        if (bytes > (double)max_bytes)
            return perr(ps, "the case needs %.0f bytes of buffers, above the %zu-byte limit", bytes, max_bytes);
    }
    case_init_fill(c, p, st->fill, st->seed);
    c->null_mask = st->null_mask;
    c->call = st->call;
    for (int64_t bi = 0; bi < p->b && c->check == SPIDX_OK && c->shape.rows > 0; bi++)
        for (int64_t hi = 0; hi < p->h; hi++)
            for (int64_t k = 0; k < p->heavy; k++) case_set_topk(c, bi, hi, k, 0); /* omitted rows */
    return 0;
}

/* One `topk[bi][hi] = v...` row into the case (valid cases only); 0, or -1 with a message. */
static int parse_topk_row(parser *ps, const char *key, const char *val, spidx_case *c)
{
    const spidx_params *p = &c->p;
    long long bi, hi;
    char tail;
    if (sscanf(key, "topk[%lld][%lld]%c", &bi, &hi, &tail) != 2 || bi < 0 || hi < 0 || bi >= p->b || hi >= p->h)
        return perr(ps, "'%s' is not topk[bi][hi] with bi < b and hi < h", key);
    for (int64_t k = 0; k < p->heavy; k++) {
        int64_t v;
        if (parse_i64(&val, &v))
            return perr(ps, "top-k row needs %lld int64 values, value %lld is missing or invalid", (long long)p->heavy,
                        (long long)k);
        case_set_topk(c, bi, hi, k, v);
    }
    if (!at_end(val)) return perr(ps, "top-k row has more than heavy = %lld values", (long long)p->heavy);
    return 0;
}

int case_parse_bounded(const char *text, size_t size, spidx_case *c, char *err, size_t err_size, size_t max_bytes,
                       int64_t max_rows)
{
    parser ps = {err, err_size, 1};
    memset(c, 0, sizeof *c);
    if (size == 0) return perr(&ps, "the file is empty: `.case` text starts with the line '%s'", k_header);
    if (memchr(text, 0, size)) return perr(&ps, "the file holds a NUL byte: not a .case text file");
    char *copy;
    int nlines;
    char **lines = split_lines(text, size, &copy, &nlines);
    settings st;
    memset(&st, 0, sizeof st);
    st.fill = SPIDX_FILL_RANDOM;
    char key[64];
    const char *val;
    int rc = 0;
    if (strcmp(lines[0], k_header) != 0) {
        const char *version = lines[0] + sizeof k_magic - 1;
        while (*version == ' ' || *version == '\t') version++;
        if (strncmp(lines[0], k_magic, sizeof k_magic - 1) == 0)
            rc = perr(&ps, "unknown .case version '%.40s': this build reads '%s'", version, k_header);
        else
            rc = perr(&ps, "expected the header '%s'", k_header);
    }
    /* Pass 1: the settings, in any order; top-k rows need the shape, so they wait. */
    for (int i = 1; i < nlines && rc == 0; i++) {
        ps.line = i + 1;
        const int kv = split_key_value(&ps, lines[i], key, &val);
        if (kv < 0) rc = -1;
        else if (kv > 0 && !is_topk_key(key)) rc = parse_setting(&ps, key, val, &st);
    }
    if (rc == 0) {
        ps.line = nlines;
        rc = set_up_case(&ps, &st, c, max_bytes, max_rows);
    }
    /* Pass 2: the top-k rows, into the case's buffers. */
    for (int i = 1; i < nlines && rc == 0 && c->check == SPIDX_OK; i++) {
        ps.line = i + 1;
        if (split_key_value(&ps, lines[i], key, &val) > 0 && is_topk_key(key)) rc = parse_topk_row(&ps, key, val, c);
    }
    if (rc != 0 && c->topk) case_free(c);
    free(lines);
    free(copy);
    return rc;
}
