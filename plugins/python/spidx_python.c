/* spidx_python.c - the Python bridge: a plug-in (plugins/spidx_plugin.h) that embeds
 * CPython and offers Python functions as implementations. SPIDX_PY_IMPL names them
 * (module:function, comma-separated), SPIDX_PY_PATH adds folders to sys.path (':'). Each
 * call hands the harness's buffers to the function without copies: numpy arrays over host
 * memory, or torch tensors over CUDA memory through DLPack, shaped [b, h, n] with the
 * call's strides, plus the params; spidx_bridge.py (beside this file) is the Python side.
 * The function returns None (SPIDX_OK) or a status; an exception is a failure whose
 * traceback goes to stderr. SPIDX_PY_COST=1 prints at exit what one call cost, per
 * function, Python included. Usage: README "Testing your own kernel". */
#define _GNU_SOURCE /* dladdr, clock_gettime */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spidx_plugin.h"

#define MAX_FUNCS 8

static spidx_plugin_impl g_impls[MAX_FUNCS];
static char g_names[MAX_FUNCS][48];
static PyObject *g_bridge; /* the module spidx_bridge */
/* What one call costs, per function: the whole of py_run (GIL, wrapping the buffers, the
 * Python side and the function). Printed at exit when SPIDX_PY_COST=1: the median (first
 * calls that import modules or JIT-compile, one per weight type for Triton, would swamp a
 * mean), the mean and the slowest call. The median is over the first COST_SAMPLES calls. */
#define COST_SAMPLES 65536
static struct {
    unsigned long long calls;
    double seconds, slowest;
    double *samples; /* the first COST_SAMPLES calls' seconds, allocated when SPIDX_PY_COST=1 */
} g_cost[MAX_FUNCS];
static char g_error[400];  /* why loading failed, reported by init */

/* ---- DLPack (the legacy, unversioned ABI torch.utils.dlpack.from_dlpack reads), written
 * from the DLPack specification for this bridge. ---- */
typedef struct {
    int32_t device_type; /* 1 CPU, 2 CUDA */
    int32_t device_id;
} dl_device;
typedef struct {
    uint8_t code; /* 0 int, 1 uint, 2 float, 4 bfloat */
    uint8_t bits;
    uint16_t lanes;
} dl_dtype;
typedef struct {
    void *data;
    dl_device device;
    int32_t ndim;
    dl_dtype dtype;
    int64_t *shape;
    int64_t *strides; /* in elements */
    uint64_t byte_offset;
} dl_tensor;
typedef struct dl_managed {
    dl_tensor tensor;
    void *manager_ctx;
    void (*deleter)(struct dl_managed *self);
} dl_managed;

/* One allocation: the managed tensor and its shape and strides. */
typedef struct {
    dl_managed m;
    int64_t shape[3], strides[3];
} dl_owned;

static void dl_delete(dl_managed *self)
{
    free(self); /* the buffer itself belongs to spidx */
}

static void capsule_destructor(PyObject *capsule)
{
    /* Not consumed (still named "dltensor"): the capsule owns the managed tensor. */
    if (PyCapsule_IsValid(capsule, "dltensor")) {
        dl_managed *m = PyCapsule_GetPointer(capsule, "dltensor");
        if (m && m->deleter) m->deleter(m);
    }
}

/* The CUDA device of the current context, through the driver already loaded by spidx
 * (0 when that cannot be asked). */
static int32_t current_device(void)
{
    void *cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (!cuda) return 0;
    int (*get)(int *) = NULL;
    void *sym = dlsym(cuda, "cuCtxGetDevice");
    memcpy(&get, &sym, sizeof get);
    int dev = 0;
    if (!get || get(&dev) != 0) dev = 0;
    dlclose(cuda);
    return dev;
}

/* A tensor [b, h, n] over data (element strides sb, sh, 1) as the object Python gets: a
 * DLPack capsule for CUDA memory, a writable memoryview of span bytes for host memory,
 * None for NULL data. New reference, or NULL with a Python error set. */
static PyObject *wrap(void *data, int cuda, dl_dtype type, int64_t b, int64_t h, int64_t n, int64_t sb, int64_t sh,
                      int64_t span_bytes)
{
    if (!data) Py_RETURN_NONE;
    if (!cuda) return PyMemoryView_FromMemory((char *)data, (Py_ssize_t)span_bytes, PyBUF_WRITE);
    dl_owned *o = calloc(1, sizeof *o);
    if (!o) return PyErr_NoMemory();
    o->shape[0] = b, o->shape[1] = h, o->shape[2] = n;
    o->strides[0] = sb, o->strides[1] = sh, o->strides[2] = 1;
    o->m.tensor = (dl_tensor){data, {2, current_device()}, 3, type, o->shape, o->strides, 0};
    o->m.deleter = dl_delete;
    PyObject *cap = PyCapsule_New(&o->m, "dltensor", capsule_destructor);
    if (!cap) free(o);
    return cap;
}

/* Prints the pending Python exception's traceback to stderr and puts its last line in
 * detail; clears it. */
static void report_exception(const char *name, spidx_detail *detail)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    char last[160] = "unknown error";
    PyObject *text = value ? PyObject_Str(value) : NULL;
    const char *tname = type ? ((PyTypeObject *)type)->tp_name : "exception";
    if (text) {
        const char *s = PyUnicode_AsUTF8(text);
        snprintf(last, sizeof last, "%s: %s", tname, s ? s : "");
        Py_DECREF(text);
    }
    PyErr_Clear();
    fprintf(stderr, "spidx: Python implementation '%s' raised:\n", name);
    PyErr_Restore(type, value, tb); /* PyErr_Print consumes it */
    PyErr_Print();
    if (detail)
        snprintf(detail->message, sizeof detail->message, "%s raised %s (traceback on stderr)", name, last);
}

static int py_run(void *state, const spidx_params *p, const int64_t *topk, void *list, void *weight, void *stream,
                  spidx_detail *detail)
{
    const int index = (int)(intptr_t)state;
    const int cuda = g_impls[index].memory == SPIDX_PLUGIN_CUDA;
    const int64_t S = p->sink < p->sk ? p->sink : p->sk, W = p->window < p->sk ? p->window : p->sk;
    const int64_t T = S + p->heavy + W;
    /* SPEC.md ignores the strides of extent-1 dimensions and of tensors without elements
     * (they may be anything): they are passed as 0. */
    const int64_t isz = p->index_type == SPIDX_INDEX_I32 ? 4 : 8, wsz = p->weight_type == SPIDX_WEIGHT_F32 ? 4 : 2;
    const int64_t lens[3] = {p->heavy, T, p->sk}, esz[3] = {8, isz, wsz};
    int64_t sbs[3] = {p->topk_sb, p->list_sb, p->weight_sb}, shs[3] = {p->topk_sh, p->list_sh, p->weight_sh};
    for (int i = 0; i < 3; i++) {
        const int empty = p->b == 0 || p->h == 0 || lens[i] == 0;
        if (empty || p->b == 1) sbs[i] = 0;
        if (empty || p->h == 1) shs[i] = 0;
    }
    const dl_dtype types[3] = {{0, 64, 1},
                               {0, (uint8_t)(isz * 8), 1},
                               {(uint8_t)(p->weight_type == SPIDX_WEIGHT_BF16 ? 4 : 2), (uint8_t)(wsz * 8), 1}};
    void *data[3] = {(void *)(intptr_t)topk, list, weight};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    PyGILState_STATE gil = PyGILState_Ensure();
    PyObject *args[3] = {NULL, NULL, NULL};
    int st = SPIDX_E_DEVICE;
    for (int i = 0; i < 3; i++) {
        /* Span: one past the last element (rows exist: only valid calls come here). */
        const int64_t rows = p->b * p->h * lens[i];
        const int64_t span = rows ? ((p->b - 1) * sbs[i] + (p->h - 1) * shs[i] + lens[i]) * esz[i] : 0;
        args[i] = wrap(data[i], cuda, types[i], p->b, p->h, lens[i], sbs[i], shs[i], span);
        if (!args[i]) goto failed;
    }
    PyObject *params = Py_BuildValue(
        "{s:L,s:L,s:L,s:L,s:L,s:L,s:L,s:L,s:i,s:i,s:i,s:(LL),s:(LL),s:(LL),s:K}", "list_length", (long long)T, "b",
        (long long)p->b, "h",
        (long long)p->h, "sk", (long long)p->sk, "sink", (long long)p->sink, "window", (long long)p->window, "heavy",
        (long long)p->heavy, "init_offset", (long long)p->init_offset, "index_type", (int)p->index_type,
        "weight_type", (int)p->weight_type, "mode", (int)p->mode, "topk_strides", (long long)sbs[0],
        (long long)shs[0], "list_strides", (long long)sbs[1], (long long)shs[1], "weight_strides",
        (long long)sbs[2], (long long)shs[2], "stream", (unsigned long long)(uintptr_t)stream);
    if (!params) goto failed;
    PyObject *r = PyObject_CallMethod(g_bridge, "call", "iOOOO", index, params, args[0], args[1], args[2]);
    Py_DECREF(params);
    if (!r) goto failed;
    st = (int)PyLong_AsLong(r);
    Py_DECREF(r);
    if (PyErr_Occurred()) goto failed;
    goto done;
failed:
    report_exception(g_impls[index].name, detail);
    st = SPIDX_E_DEVICE;
done:
    for (int i = 0; i < 3; i++) Py_XDECREF(args[i]);
    PyGILState_Release(gil);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const double took = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (g_cost[index].samples && g_cost[index].calls < COST_SAMPLES) g_cost[index].samples[g_cost[index].calls] = took;
    g_cost[index].calls++;
    g_cost[index].seconds += took;
    if (took > g_cost[index].slowest) g_cost[index].slowest = took;
    return st;
}

static int refuse(char *why, size_t why_size)
{
    snprintf(why, why_size, "%s", g_error);
    return 1;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void finalize(void)
{
    /* Py_Finalize is left out: extension modules (torch) do not survive it reliably, and
     * the process is exiting. */
    const char *cost = getenv("SPIDX_PY_COST");
    if (!cost || strcmp(cost, "1") != 0) return;
    for (int i = 0; i < MAX_FUNCS && g_impls[i].name; i++) {
        if (!g_cost[i].calls) continue;
        if (!g_cost[i].samples) { /* no room for the samples: the mean alone */
            fprintf(stderr, "spidx_python: %s: %llu calls, mean %.1f us per call (Python included)\n", g_impls[i].name,
                    g_cost[i].calls, 1e6 * g_cost[i].seconds / (double)g_cost[i].calls);
            continue;
        }
        const size_t n = g_cost[i].calls < COST_SAMPLES ? (size_t)g_cost[i].calls : COST_SAMPLES;
        qsort(g_cost[i].samples, n, sizeof *g_cost[i].samples, cmp_double);
        fprintf(stderr,
                "spidx_python: %s: %llu calls, median %.1f us per call (Python included); mean %.1f us, slowest "
                "%.1f ms\n",
                g_impls[i].name, g_cost[i].calls, 1e6 * g_cost[i].samples[n / 2],
                1e6 * g_cost[i].seconds / (double)g_cost[i].calls, 1e3 * g_cost[i].slowest);
    }
}

/* Loading failed: one placeholder implementation whose init refuses with the reason (what,
 * arg, then the pending Python exception), so the loader reports it like any refused
 * plug-in. */
static const spidx_plugin *refused(const char *what, const char *arg)
{
    static spidx_plugin pl;
    snprintf(g_error, sizeof g_error, "%s%s", what, arg);
    if (PyErr_Occurred()) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyObject *text = value ? PyObject_Str(value) : NULL;
        const char *s = text ? PyUnicode_AsUTF8(text) : NULL;
        const size_t at = strlen(g_error);
        snprintf(g_error + at, sizeof g_error - at, ": %s: %s", type ? ((PyTypeObject *)type)->tp_name : "?",
                 s ? s : "");
        Py_XDECREF(text);
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
    }
    g_impls[0] = (spidx_plugin_impl){"python-bridge", SPIDX_PLUGIN_HOST, SPIDX_CAP_INDEX_I64 | SPIDX_CAP_WEIGHT_F32 | SPIDX_CAP_MODE_ZERO,
                                     py_run, NULL};
    pl = (spidx_plugin){SPIDX_PLUGIN_ABI_VERSION, 1, g_impls, refuse, NULL};
    return &pl;
}

/* Makes libpython's symbols global: extension modules (numpy, torch) resolve them from
 * the global scope, but spidx loads plug-ins with RTLD_LOCAL. */
static void promote_libpython(void)
{
    Dl_info info;
    void *sym = (void *)(intptr_t)&Py_InitializeEx;
    if (dladdr(sym, &info) && info.dli_fname) (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
}

const spidx_plugin *spidx_plugin_entry(void);
const spidx_plugin *spidx_plugin_entry(void)
{
    static spidx_plugin pl;
    const char *spec = getenv("SPIDX_PY_IMPL");
    promote_libpython();
    const int started = !Py_IsInitialized();
    if (started) Py_InitializeEx(0);
    PyGILState_STATE gil = PyGILState_Ensure();
    const spidx_plugin *out = NULL;
    if (!spec || !*spec) {
        out = refused("SPIDX_PY_IMPL is not set (module:function[,module:function...])", "");
        goto done;
    }
    /* sys.path: SPIDX_PY_PATH's folders, then this bridge's own folder (spidx_bridge.py). */
    PyObject *path = PySys_GetObject("path"); /* borrowed */
    const char *extra = getenv("SPIDX_PY_PATH");
    char *dirs = strdup(extra ? extra : ""), *save = NULL;
    Py_ssize_t at = 0;
    for (char *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
        PyObject *s = PyUnicode_FromString(d);
        if (s) PyList_Insert(path, at++, s);
        Py_XDECREF(s);
    }
    free(dirs);
    PyObject *glue = PyUnicode_FromString(SPIDX_PY_GLUE_DIR);
    if (glue) PyList_Insert(path, at, glue);
    Py_XDECREF(glue);
    g_bridge = PyImport_ImportModule("spidx_bridge");
    if (!g_bridge) {
        out = refused("cannot import spidx_bridge from ", SPIDX_PY_GLUE_DIR);
        goto done;
    }
    char *specs = strdup(spec);
    save = NULL;
    int n = 0;
    for (char *s = specs ? strtok_r(specs, ",", &save) : NULL; s && !out; s = strtok_r(NULL, ",", &save)) {
        if (n == MAX_FUNCS) {
            out = refused("SPIDX_PY_IMPL names more than 8 functions", "");
            break;
        }
        PyObject *r = PyObject_CallMethod(g_bridge, "load", "s", s);
        const char *name = NULL;
        unsigned int memory = 0, caps = 0;
        if (!r || !PyArg_ParseTuple(r, "sII", &name, &memory, &caps)) {
            Py_XDECREF(r);
            out = refused("cannot load ", s);
            break;
        }
        snprintf(g_names[n], sizeof g_names[n], "%s", name);
        g_impls[n] = (spidx_plugin_impl){g_names[n], memory, caps, py_run, (void *)(intptr_t)n};
        const char *cost = getenv("SPIDX_PY_COST");
        if (cost && strcmp(cost, "1") == 0 && !g_cost[n].samples)
            g_cost[n].samples = malloc(COST_SAMPLES * sizeof *g_cost[n].samples); /* NULL: no report, no harm */
        Py_DECREF(r);
        n++;
    }
    free(specs);
    if (!out) {
        pl = (spidx_plugin){SPIDX_PLUGIN_ABI_VERSION, (uint32_t)n, g_impls, NULL, finalize};
        out = &pl;
    }
done:
    PyGILState_Release(gil);
    /* The interpreter started here: release the GIL that Py_InitializeEx left held, so that
     * every later call (and any Python thread) takes it with PyGILState_Ensure. */
    if (started) (void)PyEval_SaveThread();
    return out;
}
