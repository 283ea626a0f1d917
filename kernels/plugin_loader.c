/* plugin_loader.c - loads plug-ins (plugins/spidx_plugin.h) into the registry: dlopen,
 * the entry point, the ABI version, a check of every declaration, init, then one
 * registry entry per implementation whose run() goes through a slot trampoline to the
 * plug-in's run (host memory: directly on the harness's guarded buffers; CUDA memory:
 * through plugin_cuda_call's guarded staging). Errors name the file and the reason. */
#define _POSIX_C_SOURCE 200809L /* strdup, strtok_r */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_internal.h"
#include "spidx_gpu.h"

/* Implementations of all plug-ins together; each one takes a slot and its trampoline. */
#define SLOTS 16

typedef struct slot {
    spidx_plugin_impl impl;
    const char *path;
} slot;
static slot g_slots[SLOTS];
static int g_nslots;

/* Plug-ins loaded (for finalize at exit and duplicate detection). */
static struct {
    const char *path;
    void (*finalize)(void);
} g_loaded[SLOTS];
static int g_nloaded;

static int fail(char *err, size_t err_size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t err_size, const char *fmt, ...)
{
    if (err && err_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_size, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static spidx_status slot_call(int k, const spidx_params *p, const int64_t *topk, void *list, void *weight,
                              spidx_detail *detail)
{
    const slot *s = &g_slots[k];
    spidx_detail d;
    memset(&d, 0, sizeof d);
    d.bi = d.hi = d.j = -1;
    int st;
    if (s->impl.memory == SPIDX_PLUGIN_CUDA)
        st = (int)plugin_cuda_call(s->impl.name, s->impl.run, s->impl.state, p, topk, list, weight, &d);
    else
        st = s->impl.run(s->impl.state, p, topk, list, weight, NULL, &d);
    d.message[sizeof d.message - 1] = 0; /* whatever the plug-in wrote */
    if (st < SPIDX_OK || st > SPIDX_E_DEVICE) {
        snprintf(d.message, sizeof d.message, "%s returned %d, which is not a spidx_status", s->impl.name, st);
        st = SPIDX_E_DEVICE;
    }
    if (detail) *detail = d;
    return (spidx_status)st;
}

#define SLOT_RUN(k)                                                                                             \
    static spidx_status slot_run_##k(const spidx_params *p, const int64_t *topk, void *list, void *weight,      \
                                     spidx_detail *detail)                                                     \
    {                                                                                                           \
        return slot_call(k, p, topk, list, weight, detail);                                                     \
    }
SLOT_RUN(0) SLOT_RUN(1) SLOT_RUN(2) SLOT_RUN(3) SLOT_RUN(4) SLOT_RUN(5) SLOT_RUN(6) SLOT_RUN(7)
SLOT_RUN(8) SLOT_RUN(9) SLOT_RUN(10) SLOT_RUN(11) SLOT_RUN(12) SLOT_RUN(13) SLOT_RUN(14) SLOT_RUN(15)
static const spidx_run_fn k_slot_runs[SLOTS] = {
    slot_run_0, slot_run_1, slot_run_2,  slot_run_3,  slot_run_4,  slot_run_5,  slot_run_6,  slot_run_7,
    slot_run_8, slot_run_9, slot_run_10, slot_run_11, slot_run_12, slot_run_13, slot_run_14, slot_run_15};

static int host_available(char *why, size_t why_size)
{
    if (why && why_size) why[0] = 0;
    return 1;
}

static void finalize_all(void)
{
    for (int i = g_nloaded - 1; i >= 0; i--)
        if (g_loaded[i].finalize) g_loaded[i].finalize();
}

/* Why impl's declaration makes no sense, or NULL. names[0..n) are the names declared so
 * far by this plug-in. */
static const char *declaration_error(const spidx_plugin_impl *impl, const char *const *names, uint32_t n,
                                     char *why, size_t why_size)
{
    const char *name = impl->name;
    if (!name || !*name) return "an implementation has no name";
    const size_t len = strlen(name);
    if (len > 40) return "a name is longer than 40 characters";
    for (size_t i = 0; i < len; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '_' ||
              name[i] == '-')) {
            snprintf(why, why_size, "name '%.40s' has a character outside [a-z0-9_-]", name);
            return why;
        }
    if (spidx_impl_find(name)) {
        snprintf(why, why_size, "name '%s' is already registered", name);
        return why;
    }
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) {
            snprintf(why, why_size, "name '%s' is declared twice", name);
            return why;
        }
    if (impl->memory != SPIDX_PLUGIN_HOST && impl->memory != SPIDX_PLUGIN_CUDA) {
        snprintf(why, why_size, "'%s' declares memory %u (0 host, 1 CUDA)", name, impl->memory);
        return why;
    }
    if (impl->caps & ~(uint32_t)SPIDX_CAP_ALL) {
        snprintf(why, why_size, "'%s' declares unknown capability bits 0x%x", name, impl->caps & ~(uint32_t)SPIDX_CAP_ALL);
        return why;
    }
    const struct {
        uint32_t mask;
        const char *what;
    } need[] = {{SPIDX_CAP_INDEX_I64 | SPIDX_CAP_INDEX_I32, "index type"},
                {SPIDX_CAP_WEIGHT_F32 | SPIDX_CAP_WEIGHT_F16 | SPIDX_CAP_WEIGHT_BF16, "weight type"},
                {SPIDX_CAP_MODE_ZERO | SPIDX_CAP_MODE_KEEP, "mode"}};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (!(impl->caps & need[i].mask)) {
            snprintf(why, why_size, "'%s' declares no %s", name, need[i].what);
            return why;
        }
    if (!impl->run) {
        snprintf(why, why_size, "'%s' has no run function", name);
        return why;
    }
    return NULL;
}

int spidx_registry_load_plugin(const char *path, char *err, size_t err_size)
{
    if (!path || !*path) return fail(err, err_size, "plug-in: empty path");
    for (int i = 0; i < g_nloaded; i++)
        if (strcmp(g_loaded[i].path, path) == 0) return fail(err, err_size, "plug-in %s: loaded twice", path);
    if (g_nloaded == SLOTS) return fail(err, err_size, "plug-in %s: more than %d plug-ins", path, SLOTS);
    /* A bare name would make dlopen search the library path: a plug-in is a file. */
    char *file = strchr(path, '/') ? strdup(path) : NULL;
    if (!file) {
        const size_t n = strlen(path) + 3;
        file = malloc(n);
        if (file) snprintf(file, n, "./%s", path);
    }
    if (!file) return fail(err, err_size, "plug-in %s: out of memory", path);
    void *h = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    free(file);
    if (!h) return fail(err, err_size, "plug-in %s: cannot be loaded: %s", path, dlerror());
    void *sym = dlsym(h, SPIDX_PLUGIN_ENTRY_SYMBOL);
    if (!sym) {
        dlclose(h);
        return fail(err, err_size, "plug-in %s: no entry point %s()", path, SPIDX_PLUGIN_ENTRY_SYMBOL);
    }
    spidx_plugin_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry); /* object pointer to function pointer, as POSIX dlsym allows */
    const spidx_plugin *pl = entry();
    char why[256];
    const char *bad = NULL;
    if (!pl)
        bad = "its entry point returned NULL";
    else if (pl->abi_version != SPIDX_PLUGIN_ABI_VERSION) {
        snprintf(why, sizeof why, "ABI version %u, but this build of spidx reads version %d", pl->abi_version,
                 SPIDX_PLUGIN_ABI_VERSION);
        bad = why;
    } else if (pl->count == 0 || pl->count > SLOTS || !pl->impls) {
        snprintf(why, sizeof why, "declares %u implementations (1 to %d, with a table)", pl->count, SLOTS);
        bad = why;
    } else if ((int)pl->count > SLOTS - g_nslots || pl->count > registry_room()) {
        snprintf(why, sizeof why, "%u implementations do not fit: room for %d more plug-in implementations",
                 pl->count, SLOTS - g_nslots < (int)registry_room() ? SLOTS - g_nslots : (int)registry_room());
        bad = why;
    } else {
        const char *names[SLOTS];
        for (uint32_t i = 0; i < pl->count && !bad; i++) {
            bad = declaration_error(&pl->impls[i], names, i, why, sizeof why);
            names[i] = pl->impls[i].name;
        }
    }
    if (!bad && pl->init) {
        char reason[200] = "";
        if (pl->init(reason, sizeof reason) != 0) {
            snprintf(why, sizeof why, "its init refused: %s", reason[0] ? reason : "(no reason given)");
            bad = why;
        }
    }
    if (bad) {
        /* Not dlclose'd: a plug-in whose init ran may have left threads or handlers. */
        return fail(err, err_size, "plug-in %s: %s", path, bad);
    }
    const char *kept = strdup(path);
    if (!kept) return fail(err, err_size, "plug-in %s: out of memory", path);
    for (uint32_t i = 0; i < pl->count; i++) {
        const int k = g_nslots++;
        g_slots[k].impl = pl->impls[i];
        g_slots[k].path = kept;
        const int cuda = pl->impls[i].memory == SPIDX_PLUGIN_CUDA;
        const spidx_impl e = {.name = pl->impls[i].name,
                              .kind = cuda ? SPIDX_IMPL_GPU : SPIDX_IMPL_CPU,
                              .run = k_slot_runs[k],
                              .available = cuda ? spidx_gpu_available : host_available,
                              .caps = pl->impls[i].caps,
                              .plugin = kept,
                              .plugin_impl = &g_slots[k].impl};
        if (registry_append(&e) != 0) return fail(err, err_size, "plug-in %s: the registry is full", path);
    }
    if (g_nloaded == 0) atexit(finalize_all);
    g_loaded[g_nloaded].path = kept;
    g_loaded[g_nloaded].finalize = pl->finalize;
    g_nloaded++;
    return 0;
}

int spidx_registry_load_env(char *err, size_t err_size)
{
    static int done, result;
    static char saved[512];
    if (!done) {
        done = 1;
        const char *env = getenv("SPIDX_PLUGINS");
        if (env && *env) {
            char *list = strdup(env), *save = NULL;
            if (!list) {
                snprintf(saved, sizeof saved, "SPIDX_PLUGINS: out of memory");
                result = -1;
            }
            for (char *tok = list ? strtok_r(list, ":", &save) : NULL; tok && result == 0;
                 tok = strtok_r(NULL, ":", &save))
                result = spidx_registry_load_plugin(tok, saved, sizeof saved);
            free(list);
        }
    }
    if (result != 0 && err && err_size) snprintf(err, err_size, "%s", saved);
    return result;
}
