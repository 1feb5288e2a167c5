/* numapool._numapool: the seed's MemoryPool on CPython's and numpy's C APIs.
 *
 * Three objects.  A Memory owns one npool_t: it calls npool_destroy when the
 * last reference to it goes, never earlier.  Every array handed out has the
 * Memory as its numpy base (directly, or through the block array for views),
 * so pool memory stays mapped while any array over it lives.  A MemoryPool is
 * what users hold: it references its Memory until close(), and every call
 * checks `mem != NULL && !mem->closed` first, so a closed pool raises while
 * its arrays stay valid.  A Hook is a NEP 49 PyDataMem_Handler (a capsule
 * named "mem_handler") that serves numpy's own allocations from a pool; it
 * references the Memory, and numpy keeps the capsule alive as long as an
 * array made with it lives, so such arrays keep the memory mapped as well.
 *
 * The binding keeps one byte per block (Memory.own) saying who holds it:
 * free, Python (get_block, get_blocks, get_run), or a numpy array made under
 * allocate_from (the first block of its run, or a later one).  That byte
 * is what `available` and `allocated` list, what stops a double return or
 * the return of a block numpy owns before the library sees it (so even
 * NPOOL_UNCHECKED pools cannot be corrupted from Python), and how a hook
 * free finds the length of the run it frees.
 *
 * Every entry point runs with the GIL held, and so do numpy's calls into the
 * handler: calls into one pool are serialized, which is what npool_reset()
 * needs.  After fork() the child marks every Memory closed and forked
 * (os.register_at_fork): its arenas are MADV_DONTFORK, so they are not mapped
 * in the child; the child never calls the library on them again, reserves
 * their address ranges PROT_NONE so nothing else lands there, and leaks the
 * pool's metadata rather than call npool_destroy.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_22_API_VERSION
#include <numpy/arrayobject.h>
/* numpy 2 reads descriptor fields through accessors; numpy 1 (Debian 12: 1.24) has the fields */
#ifndef PyDataType_ELSIZE
#define PyDataType_ELSIZE(d) ((d)->elsize)
#endif
#ifndef PyDataType_SUBARRAY
#define PyDataType_SUBARRAY(d) ((d)->subarray)
#endif

#include <numapool.h>

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

PyMODINIT_FUNC PyInit__numapool(void);

/* Memory.own[i]: who holds block i. */
enum { OWN_FREE = 0, OWN_PY = 1, OWN_NP = 2, OWN_NP_INNER = 3, OWN_PENDING = 4 };

typedef struct Memory {
    PyObject_HEAD
    npool_t *pool;
    int closed;              /* no new blocks: MemoryPool.close() or fork */
    int forked;              /* this process is a fork child: the arenas are not mapped here */
    unsigned flags;          /* effective npool flags */
    size_t nblocks;          /* total */
    size_t nblocks_node;     /* per arena */
    size_t block_bytes;      /* npool_config_t::block_size */
    size_t stride;
    unsigned stride_shift;   /* log2(stride) when it is a power of two, else 0 */
    size_t narenas;
    struct {
        char *first;         /* the arena's block 0 */
        char *map;           /* the mapping, for the fork child's reservation */
        size_t map_len;
        int reserved;        /* (fork child) a PROT_NONE placeholder of ours covers it */
    } arena[NPOOL_MAX_NODES];
    uint8_t *own;            /* one byte per block, OWN_* */
    size_t numpy_blocks;     /* blocks held by arrays made under allocate_from (atomic) */
    char name[64];           /* for messages */
    struct Memory *prev, *next; /* every live Memory, for the fork handler */
} Memory;

static Memory *memories;     /* the registry (GIL) */

typedef struct {
    PyObject_HEAD
    Memory *mem;             /* NULL once closed */
    PyArray_Descr *descr;
    int nd;                  /* of a block */
    npy_intp dims[NPY_MAXDIMS];    /* [0] the run length slot, [1..nd] the block shape */
    npy_intp strides[NPY_MAXDIMS]; /* [0] the pool stride, [1..nd] C order inside a block */
    PyObject *shape;         /* block_size, a tuple */
    PyObject *name;          /* str */
    size_t nblocks;
} Pool;

typedef struct {
    PyObject_HEAD
    Pool *pool;
} BlockList;

static PyTypeObject Memory_Type, Pool_Type, BlockList_Type;

/* ---- errors ---- */

/* The library's sentence for rc, as ValueError (bad input, double put) or OSError(errno). */
static PyObject *raise_rc(int rc, const char *what)
{
    const char *msg = npool_last_error();
    if (!msg || !*msg)
        msg = npool_strerror(rc);
    if (rc == -EINVAL || rc == -EALREADY || rc == -EOVERFLOW || rc == -ERANGE) {
        PyErr_Format(PyExc_ValueError, "%s: %s", what, msg);
    } else {
        PyObject *args = Py_BuildValue("(is)", -rc, msg);
        if (args) {
            PyErr_SetObject(PyExc_OSError, args);
            Py_DECREF(args);
        }
    }
    return NULL;
}

static PyObject *err_closed(const Pool *self)
{
    if (self->mem && self->mem->forked)
        PyErr_Format(PyExc_ValueError,
                     "numapool: pool %R was created before fork(): its memory does not exist in this "
                     "process (create pools in the child)", self->name);
    else
        PyErr_Format(PyExc_ValueError, "numapool: pool %R is closed", self->name);
    return NULL;
}

/* The open Memory of a pool, or NULL with the exception set. */
static inline Memory *open_mem(Pool *self)
{
    Memory *m = self->mem;
    if (__builtin_expect(m == NULL || m->closed, 0)) {
        err_closed(self);
        return NULL;
    }
    return m;
}

/* ---- blocks and indices ---- */

static inline size_t div_stride(const Memory *m, size_t off)
{
    return m->stride_shift ? off >> m->stride_shift : off / m->stride;
}

/* Index of the block that starts at p; SIZE_MAX when p starts none. */
static inline size_t mem_index(const Memory *m, const void *p)
{
    for (size_t k = 0; k < m->narenas; k++) {
        size_t off = (size_t)((uintptr_t)p - (uintptr_t)m->arena[k].first);
        if (off < m->nblocks_node * m->stride) {
            size_t i = div_stride(m, off);
            return i * m->stride == off ? k * m->nblocks_node + i : SIZE_MAX;
        }
    }
    return SIZE_MAX;
}

/* Index of the block whose bytes contain p (interior too); SIZE_MAX when none. */
static inline size_t mem_index_inside(const Memory *m, const void *p, size_t *offset)
{
    for (size_t k = 0; k < m->narenas; k++) {
        size_t off = (size_t)((uintptr_t)p - (uintptr_t)m->arena[k].first);
        if (off < m->nblocks_node * m->stride) {
            size_t i = div_stride(m, off);
            *offset = off - i * m->stride;
            return k * m->nblocks_node + i;
        }
    }
    return SIZE_MAX;
}

static inline char *mem_block(const Memory *m, size_t idx)
{
    return m->arena[idx / m->nblocks_node].first + (idx % m->nblocks_node) * m->stride;
}

static inline uint8_t own_get(const Memory *m, size_t i)
{
    return __atomic_load_n(&m->own[i], __ATOMIC_RELAXED);
}

static inline void own_set(Memory *m, size_t i, uint8_t v)
{
    __atomic_store_n(&m->own[i], v, __ATOMIC_RELAXED);
}

/* A numpy array over `p`: nd dims, strides NULL for C order; its base is the Memory. */
static PyObject *wrap(Pool *self, Memory *m, void *p, int nd, npy_intp *dims, npy_intp *strides)
{
    Py_INCREF(self->descr);
    PyObject *a = PyArray_NewFromDescr(&PyArray_Type, self->descr, nd, dims, strides, p,
                                       NPY_ARRAY_WRITEABLE, NULL);
    if (!a)
        return NULL;
    Py_INCREF(m);
    if (PyArray_SetBaseObject((PyArrayObject *)a, (PyObject *)m) < 0) {
        Py_DECREF(a);
        return NULL;
    }
    return a;
}

static inline PyObject *wrap_block(Pool *self, Memory *m, void *p)
{
    return wrap(self, m, p, self->nd, self->dims + 1, NULL);
}

/* The Memory an array's data belongs to through its base chain, or NULL. */
static Memory *array_memory(PyArrayObject *a)
{
    PyObject *b = PyArray_BASE(a);
    for (int depth = 0; b && depth < 64; depth++) {
        if (Py_TYPE(b) == &Memory_Type)
            return (Memory *)b;
        if (!PyArray_Check(b))
            return NULL;
        b = PyArray_BASE((PyArrayObject *)b);
    }
    return NULL;
}

/* A non-negative index from an int-like object; -1 with an exception otherwise. */
static int index_arg(PyObject *o, size_t *out)
{
    PyObject *n = PyNumber_Index(o);
    if (!n)
        return -1;
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(n, &overflow);
    size_t u = (size_t)v;
    if (overflow > 0)
        u = PyLong_AsSize_t(n);
    if ((v == -1 && !overflow && PyErr_Occurred()) || overflow < 0 || (!overflow && v < 0) ||
        (overflow > 0 && u == (size_t)-1 && PyErr_Occurred())) {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "numapool: block index %R is %s", n,
                     overflow < 0 || (!overflow && v < 0) ? "negative" : "out of range");
        Py_DECREF(n);
        return -1;
    }
    Py_DECREF(n);
    *out = u;
    return 0;
}

static PyObject *err_index(const Pool *self, size_t idx)
{
    PyErr_Format(PyExc_ValueError, "numapool: block index %zu is out of range: pool %R has %zu blocks",
                 idx, self->name, self->nblocks);
    return NULL;
}

/* The block a return names: an index, or an array (or view) whose data starts
 * the block and lies inside it.  Returns the index, or SIZE_MAX with an
 * exception.  `run` accepts an array over several blocks (its first). */
static size_t resolve_block(Pool *self, Memory *m, PyObject *x, int run)
{
    size_t idx;
    if (PyArray_Check(x)) {
        PyArrayObject *a = (PyArrayObject *)x;
        if (array_memory(a) != m) {
            PyErr_Format(PyExc_ValueError,
                         "numapool: the array is not a block of pool %R (its data is not this pool's %s)",
                         self->name, PyArray_CHKFLAGS(a, NPY_ARRAY_OWNDATA) ? "blocks: it owns its data" : "blocks");
            return SIZE_MAX;
        }
        size_t off = 0;
        idx = mem_index_inside(m, PyArray_DATA(a), &off);
        if (idx == SIZE_MAX) {
            PyErr_Format(PyExc_ValueError, "numapool: the array's data is not inside a block of pool %R",
                         self->name);
            return SIZE_MAX;
        }
        if (off != 0) {
            PyErr_Format(PyExc_ValueError,
                         "numapool: the array's data starts %zu bytes into block %zd of pool %R: only an array "
                         "that starts a block (the one get_block gave, or a view of it at offset 0) can return it",
                         off, (Py_ssize_t)idx, self->name);
            return SIZE_MAX;
        }
        if (!run && (size_t)PyArray_NBYTES(a) > m->block_bytes) {
            PyErr_Format(PyExc_ValueError,
                         "numapool: the array spans %zd bytes, more than one block of pool %R (%zu bytes): "
                         "return a run with return_run()", (Py_ssize_t)PyArray_NBYTES(a), self->name,
                         m->block_bytes);
            return SIZE_MAX;
        }
        return idx;
    }
    if (index_arg(x, &idx) < 0)
        return SIZE_MAX;
    if (idx >= m->nblocks) {
        err_index(self, idx);
        return SIZE_MAX;
    }
    return idx;
}

/* Why block idx cannot be returned by Python (it is not OWN_PY), as ValueError. */
static PyObject *err_not_held(const Pool *self, size_t idx, uint8_t o)
{
    if (o == OWN_FREE)
        PyErr_Format(PyExc_ValueError, "numapool: block %zu of pool %R is already free (returned twice?)",
                     idx, self->name);
    else if (o == OWN_PENDING)
        PyErr_Format(PyExc_ValueError, "numapool: block %zu appears twice in the blocks to return", idx);
    else
        PyErr_Format(PyExc_ValueError,
                     "numapool: block %zu of pool %R belongs to a numpy array made under allocate_from(); "
                     "it returns to the pool when that array dies", idx, self->name);
    return NULL;
}

/* ---- Memory ---- */

static void memory_dealloc(Memory *m)
{
    if (m->prev)
        m->prev->next = m->next;
    else if (memories == m)
        memories = m->next;
    if (m->next)
        m->next->prev = m->prev;
    if (m->forked) {
        /* the arenas never existed here: drop our placeholders, leak the metadata */
        for (size_t k = 0; k < m->narenas; k++)
            if (m->arena[k].reserved)
                munmap(m->arena[k].map, m->arena[k].map_len);
    } else {
        npool_destroy(m->pool);
    }
    free(m->own);
    Py_TYPE(m)->tp_free((PyObject *)m);
}

static PyObject *memory_repr(Memory *m)
{
    return PyUnicode_FromFormat("<numapool memory of pool '%s': %zu blocks of %zu bytes%s>", m->name, m->nblocks,
                                m->block_bytes, m->forked ? ", not mapped after fork" : m->closed ? ", closed" : "");
}

static PyTypeObject Memory_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "numapool._Memory",
    .tp_doc = "The memory of one pool: unmapped when the last array over it and its MemoryPool are gone.",
    .tp_basicsize = sizeof(Memory),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)memory_dealloc,
    .tp_repr = (reprfunc)memory_repr,
};

struct arena_walk {
    Memory *m;
    size_t k;
};

static int record_arena(void *base, size_t len, int node, size_t page_size, void *arg)
{
    (void)node;
    (void)page_size;
    struct arena_walk *w = arg;
    if (w->k < NPOOL_MAX_NODES) {
        w->m->arena[w->k].map = base;
        w->m->arena[w->k].map_len = len;
    }
    w->k++;
    return 0;
}

/* Called in the child after os.fork(): no pool of the parent exists here. */
static PyObject *after_fork_child(PyObject *mod, PyObject *unused)
{
    (void)mod;
    (void)unused;
    for (Memory *m = memories; m; m = m->next) {
        if (m->forked)
            continue;
        m->closed = 1;
        m->forked = 1;
        for (size_t k = 0; k < m->narenas; k++) {
            void *want = m->arena[k].map;
            void *got = mmap(want, m->arena[k].map_len, PROT_NONE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
            if (got == want)
                m->arena[k].reserved = 1;
            else if (got != MAP_FAILED)
                munmap(got, m->arena[k].map_len);   /* a kernel that took the address as a hint */
        }
    }
    Py_RETURN_NONE;
}

/* ---- MemoryPool: creation ---- */

static PyObject *pool_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    (void)args;
    (void)kw;
    Pool *self = (Pool *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    self->name = PyUnicode_FromString("npool");
    if (!self->name) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

#define COUNT_ONE(name) +1
/* How many values enum npool_pages has: 0 .. NPAGES_VALUES-1. */
#define NPAGES_VALUES (0 NPOOL_PAGES_LIST(COUNT_ONE))

/* pages: None, a name, an enum value, or a hugetlb page size in bytes. */
static int parse_pages(PyObject *pages, PyObject *page_size_arg, npool_config_t *cfg)
{
    size_t page_size = 0;
    if (page_size_arg && page_size_arg != Py_None) {
        page_size = PyLong_AsSize_t(page_size_arg);
        if (page_size == (size_t)-1 && PyErr_Occurred()) {
            PyErr_Format(PyExc_ValueError, "numapool: page_size %R: expected a size in bytes >= 0",
                         page_size_arg);
            return -1;
        }
    }
    cfg->page_size = page_size;
    cfg->pages = NPOOL_PAGES_AUTO;
    if (!pages || pages == Py_None) {
        if (page_size)
            cfg->pages = NPOOL_PAGES_HUGETLB;
        return 0;
    }
    if (PyUnicode_Check(pages)) {
        const char *s = PyUnicode_AsUTF8(pages);
        if (!s)
            return -1;
        for (int v = 0; v < NPAGES_VALUES; v++) {     /* the names npool_pages_name() gives, any case */
            if (strcasecmp(s, npool_pages_name((enum npool_pages)v)) == 0) {
                cfg->pages = (enum npool_pages)v;
                return 0;
            }
        }
        PyErr_Format(PyExc_ValueError,
                     "numapool: pages %R: expected \"auto\", \"1G\", \"2M\", \"thp\", \"base\", or a hugetlb page "
                     "size in bytes", pages);
        return -1;
    }
    size_t v;
    PyObject *n = PyNumber_Index(pages);
    if (!n) {
        PyErr_Format(PyExc_TypeError, "numapool: pages %R: expected a str or an int", pages);
        return -1;
    }
    v = PyLong_AsSize_t(n);
    Py_DECREF(n);
    if (v == (size_t)-1 && PyErr_Occurred()) {
        PyErr_Format(PyExc_ValueError, "numapool: pages %R: expected a page size in bytes or a PAGES_ constant",
                     pages);
        return -1;
    }
    if (v < NPAGES_VALUES) {                     /* a PAGES_* constant */
        cfg->pages = (enum npool_pages)v;
        return 0;
    }
    if (page_size && page_size != v) {
        PyErr_Format(PyExc_ValueError, "numapool: pages=%zu and page_size=%zu disagree", v, page_size);
        return -1;
    }
    cfg->pages = NPOOL_PAGES_HUGETLB;             /* a page size in bytes */
    cfg->page_size = v;
    return 0;
}

static int pool_init(Pool *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"block_size", "num_blocks", "dtype", "nodes", "pages", "flags", "name",
                             "align", "coalesce_threshold", "page_size", NULL};
    PyObject *block_size, *num_blocks_obj, *dtype = NULL, *nodes = Py_None, *pages = Py_None;
    PyObject *flags_obj = NULL, *name = Py_None, *page_size = NULL;
    Py_ssize_t align = 0;
    double threshold = 0.0;
    if (self->mem || self->descr) {
        PyErr_SetString(PyExc_RuntimeError, "numapool: MemoryPool.__init__ called twice");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OOOOOndO:MemoryPool", kwlist, &block_size, &num_blocks_obj,
                                     &dtype, &nodes, &pages, &flags_obj, &name, &align, &threshold, &page_size))
        return -1;

    npool_config_t cfg;
    memset(&cfg, 0, sizeof cfg);

    /* dtype: anything numpy.dtype() takes; float64 by default; no Python objects inside */
    PyArray_Descr *descr = NULL;
    if (!PyArray_DescrConverter2(dtype ? dtype : Py_None, &descr))
        return -1;
    if (!descr)
        descr = PyArray_DescrFromType(NPY_DOUBLE);
    if (PyDataType_REFCHK(descr)) {
        PyErr_Format(PyExc_TypeError,
                     "numapool: dtype %R holds Python objects: pool blocks can only hold plain data", descr);
        Py_DECREF(descr);
        return -1;
    }
    if (PyDataType_ELSIZE(descr) <= 0) {
        PyErr_Format(PyExc_TypeError, "numapool: dtype %R has no size (give one, as in 'S16' or 'U8')", descr);
        Py_DECREF(descr);
        return -1;
    }
    self->descr = descr;

    /* block_size: an int n or a shape tuple, every dimension > 0 */
    PyObject *shape;
    if (PyLong_Check(block_size) || PyIndex_Check(block_size)) {
        PyObject *n = PyNumber_Index(block_size);
        if (!n)
            return -1;
        shape = PyTuple_Pack(1, n);
        Py_DECREF(n);
    } else {
        PyObject *seq = PySequence_Fast(block_size, "numapool: block_size must be an int or a tuple of ints");
        if (!seq)
            return -1;
        Py_ssize_t len = PySequence_Fast_GET_SIZE(seq);
        shape = PyTuple_New(len);
        for (Py_ssize_t i = 0; shape && i < len; i++) {
            PyObject *n = PyNumber_Index(PySequence_Fast_GET_ITEM(seq, i));
            if (!n) {
                Py_CLEAR(shape);
                break;
            }
            PyTuple_SET_ITEM(shape, i, n);
        }
        Py_DECREF(seq);
    }
    if (!shape)
        return -1;
    if (PyDataType_HASSUBARRAY(descr)) {
        /* as numpy does: a subarray dtype ('f8', (3,)) adds its dimensions to the shape */
        PyObject *sub = PyDataType_SUBARRAY(descr)->shape;
        PyObject *subt = PyTuple_Check(sub) ? (Py_INCREF(sub), sub) : PyTuple_Pack(1, sub);
        PyObject *full = subt ? PySequence_Concat(shape, subt) : NULL;
        Py_XDECREF(subt);
        Py_DECREF(shape);
        if (!full)
            return -1;
        shape = full;
        PyArray_Descr *base = PyDataType_SUBARRAY(descr)->base;
        Py_INCREF(base);
        Py_SETREF(self->descr, base);
        descr = base;
    }
    self->shape = shape;
    Py_ssize_t nd = PyTuple_GET_SIZE(shape);
    if (nd > NPY_MAXDIMS - 1) {
        PyErr_Format(PyExc_ValueError, "numapool: block_size %R has %zd dimensions, at most %d", shape, nd,
                     NPY_MAXDIMS - 1);
        return -1;
    }
    size_t bytes = (size_t)PyDataType_ELSIZE(descr);
    for (Py_ssize_t i = 0; i < nd; i++) {
        Py_ssize_t d = PyLong_AsSsize_t(PyTuple_GET_ITEM(shape, i));
        if (d == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            PyErr_Format(PyExc_ValueError, "numapool: block_size %R of %R overflows", shape, descr);
            return -1;
        }
        if (d <= 0) {
            PyErr_Format(PyExc_ValueError, "numapool: block_size %R: every dimension must be > 0", shape);
            return -1;
        }
        if (__builtin_mul_overflow(bytes, (size_t)d, &bytes) || bytes > (size_t)PY_SSIZE_T_MAX) {
            PyErr_Format(PyExc_ValueError, "numapool: block_size %R of %R overflows", shape, descr);
            return -1;
        }
        self->dims[i + 1] = d;
    }
    self->nd = (int)nd;
    npy_intp s = (npy_intp)PyDataType_ELSIZE(descr);
    for (Py_ssize_t i = nd; i >= 1; i--) {
        self->strides[i] = s;
        s *= self->dims[i];
    }
    cfg.block_size = bytes;

    Py_ssize_t num_blocks = PyNumber_AsSsize_t(num_blocks_obj, PyExc_OverflowError);
    if (num_blocks == -1 && PyErr_Occurred())
        return -1;
    if (num_blocks <= 0) {
        PyErr_Format(PyExc_ValueError, "numapool: num_blocks %zd: must be > 0", num_blocks);
        return -1;
    }
    cfg.block_count = (size_t)num_blocks;
    if (align < 0) {
        PyErr_Format(PyExc_ValueError, "numapool: align %zd: must be >= 0", align);
        return -1;
    }
    cfg.align = (size_t)align;
    cfg.coalesce_threshold = threshold;
    if (flags_obj) {
        unsigned long f = PyLong_AsUnsignedLong(flags_obj);
        if (f == (unsigned long)-1 && PyErr_Occurred()) {
            PyErr_Format(PyExc_ValueError, "numapool: flags %R: expected numapool flag constants or-ed", flags_obj);
            return -1;
        }
        if (f > UINT_MAX) {
            PyErr_Format(PyExc_ValueError, "numapool: flags %R: unknown bits", flags_obj);
            return -1;
        }
        cfg.flags = (unsigned)f;
    }
    if (parse_pages(pages, page_size, &cfg) < 0)
        return -1;

    PyObject *nodes_str = NULL;
    if (nodes != Py_None) {
        nodes_str = PyUnicode_Check(nodes) ? (Py_INCREF(nodes), nodes) : PyObject_Str(nodes);
        if (!nodes_str)
            return -1;
        cfg.nodes = PyUnicode_AsUTF8(nodes_str);
        if (!cfg.nodes) {
            Py_DECREF(nodes_str);
            return -1;
        }
    }
    if (name != Py_None) {
        if (!PyUnicode_Check(name)) {
            PyErr_Format(PyExc_TypeError, "numapool: name %R: expected a str", name);
            Py_XDECREF(nodes_str);
            return -1;
        }
        cfg.name = PyUnicode_AsUTF8(name);
        if (!cfg.name) {
            Py_XDECREF(nodes_str);
            return -1;
        }
        Py_INCREF(name);
        Py_SETREF(self->name, name);
    }

    Memory *m = PyObject_New(Memory, &Memory_Type);
    if (!m) {
        Py_XDECREF(nodes_str);
        return -1;
    }
    memset((char *)m + sizeof(PyObject), 0, sizeof *m - sizeof(PyObject));
    snprintf(m->name, sizeof m->name, "%s", cfg.name ? cfg.name : "npool");
    int rc = npool_create(&cfg, &m->pool);
    Py_XDECREF(nodes_str);
    if (rc != 0) {
        Py_DECREF(m);                        /* m->pool is NULL: nothing to destroy */
        raise_rc(rc, "numapool: npool_create");
        return -1;
    }

    npool_stats_t *st = PyMem_Malloc(sizeof *st);
    if (!st || npool_stats(m->pool, st) != 0) {
        PyMem_Free(st);
        Py_DECREF(m);
        PyErr_NoMemory();
        return -1;
    }
    m->flags = st->flags;
    m->nblocks = st->blocks_total;
    m->narenas = st->nnodes;
    m->nblocks_node = st->blocks_total / st->nnodes;
    m->block_bytes = st->block_size;
    m->stride = st->stride;
    PyMem_Free(st);
    if ((m->stride & (m->stride - 1)) == 0)
        m->stride_shift = (unsigned)__builtin_ctzl(m->stride);
    for (size_t k = 0; k < m->narenas; k++)
        m->arena[k].first = npool_block(m->pool, k * m->nblocks_node);
    struct arena_walk w = {m, 0};
    (void)npool_foreach_arena(m->pool, record_arena, &w);
    m->own = calloc(m->nblocks, 1);
    if (!m->own) {
        Py_DECREF(m);
        PyErr_NoMemory();
        return -1;
    }
    m->next = memories;
    if (memories)
        memories->prev = m;
    memories = m;
    self->mem = m;
    self->nblocks = m->nblocks;
    self->strides[0] = (npy_intp)m->stride;
    return 0;
}

static void pool_dealloc(Pool *self)
{
    Py_CLEAR(self->mem);
    Py_CLEAR(self->descr);
    Py_CLEAR(self->shape);
    Py_CLEAR(self->name);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* ---- MemoryPool: the hot path ---- */

static PyObject *hand_out(Pool *self, Memory *m, void *p)
{
    size_t idx = mem_index(m, p);
    own_set(m, idx, OWN_PY);
    PyObject *a = wrap_block(self, m, p);
    if (!a) {
        own_set(m, idx, OWN_FREE);
        (void)npool_put(m->pool, p);
    }
    return a;
}

PyDoc_STRVAR(get_block_doc,
"get_block(node=None) -> numpy.ndarray or None\n\n"
"A free block as an array shaped block_size, typed dtype, over the pool's\n"
"memory (no copy); None when the node is empty.  node: an OS node index to\n"
"take from (npool_get_on); None takes from the calling thread's node.  The\n"
"array keeps the pool's memory mapped while it lives.");

static PyObject *pool_get_block(Pool *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    Memory *m = open_mem(self);
    if (!m)
        return NULL;
    void *p;
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    if (nargs + nkw == 0) {
        p = npool_get(m->pool);
    } else {
        PyObject *node;
        if (nargs + nkw > 1 || (nkw && PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0), "node") != 0)) {
            PyErr_SetString(PyExc_TypeError, "get_block() takes one optional argument, node");
            return NULL;
        }
        node = args[0];
        if (node == Py_None) {
            p = npool_get(m->pool);
        } else {
            long n = PyLong_AsLong(node);
            if (n == -1 && PyErr_Occurred())
                return NULL;
            if (n < INT_MIN || n > INT_MAX) {
                PyErr_Format(PyExc_ValueError, "numapool: node %ld is out of range", n);
                return NULL;
            }
            errno = 0;
            p = npool_get_on(m->pool, (int)n);
            if (!p && errno == EINVAL)
                return raise_rc(-EINVAL, "numapool: get_block");
        }
    }
    if (!p) {
        if (errno == ENOMEM)
            Py_RETURN_NONE;
        return raise_rc(-errno, "numapool: get_block");
    }
    return hand_out(self, m, p);
}

PyDoc_STRVAR(return_block_doc,
"return_block(block_idx)\n\n"
"Give a block back.  block_idx: the block's index, or the array get_block\n"
"gave (or a view of it whose data starts at the block's first byte and lies\n"
"inside the block).  ValueError, with the reason, for an index out of range,\n"
"a block already free, a block a numpy array made under allocate_from owns,\n"
"or an array that is not a block of this pool.  Arrays over the block stay\n"
"valid memory, as in the seed: the block may be handed out again.");

static PyObject *pool_return_block(Pool *self, PyObject *x)
{
    Memory *m = open_mem(self);
    if (!m)
        return NULL;
    size_t idx;
    void *p;
    if (PyArray_Check(x) && PyArray_BASE((PyArrayObject *)x) == (PyObject *)m) {
        /* the array get_block gave: O(1) */
        p = PyArray_DATA((PyArrayObject *)x);
        idx = mem_index(m, p);
        if (__builtin_expect(idx == SIZE_MAX || (size_t)PyArray_NBYTES((PyArrayObject *)x) > m->block_bytes, 0)) {
            idx = resolve_block(self, m, x, 0);     /* a run, or a view inside a block: says why */
            if (idx == SIZE_MAX)
                return NULL;
            p = mem_block(m, idx);
        }
    } else {
        idx = resolve_block(self, m, x, 0);
        if (idx == SIZE_MAX)
            return NULL;
        p = mem_block(m, idx);
    }
    uint8_t o = own_get(m, idx);
    if (__builtin_expect(o != OWN_PY, 0))
        return err_not_held(self, idx, o);
    int rc = npool_put(m->pool, p);
    if (rc != 0)
        return raise_rc(rc, "numapool: return_block");
    own_set(m, idx, OWN_FREE);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(index_of_doc,
"index_of(array) -> int\n\n"
"The index of the block whose first byte the array's data starts at (any\n"
"array: one from get_block, a view of it, one numpy made under\n"
"allocate_from).  ValueError when it starts no block of this pool.");

static PyObject *pool_index_of(Pool *self, PyObject *x)
{
    Memory *m = open_mem(self);
    if (!m)
        return NULL;
    if (!PyArray_Check(x)) {
        PyErr_Format(PyExc_TypeError, "numapool: index_of() takes a numpy array, not %.100s", Py_TYPE(x)->tp_name);
        return NULL;
    }
    size_t idx = mem_index(m, PyArray_DATA((PyArrayObject *)x));
    if (idx == SIZE_MAX) {
        PyErr_Format(PyExc_ValueError, "numapool: the array's data does not start a block of pool %R", self->name);
        return NULL;
    }
    return PyLong_FromSize_t(idx);
}

/* ---- MemoryPool: bulk and runs ---- */

PyDoc_STRVAR(get_blocks_doc,
"get_blocks(n) -> list of n arrays, or None\n\n"
"n blocks at once (npool_get_bulk), all or nothing: None when fewer than n\n"
"are free on the calling thread's node.");

static PyObject *pool_get_blocks(Pool *self, PyObject *arg)
{
    Memory *m = open_mem(self);
    if (!m)
        return NULL;
    Py_ssize_t n = PyNumber_AsSsize_t(arg, PyExc_OverflowError);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n <= 0 || (size_t)n > m->nblocks) {
        PyErr_Format(PyExc_ValueError, "numapool: get_blocks(%zd): n must be in 1..%zu", n, m->nblocks);
        return NULL;
    }
    void **v = PyMem_Malloc((size_t)n * sizeof *v);
    if (!v)
        return PyErr_NoMemory();
    int rc = npool_get_bulk(m->pool, v, (size_t)n);
    if (rc != 0) {
        PyMem_Free(v);
        if (rc == -ENOMEM)
            Py_RETURN_NONE;
        return raise_rc(rc, "numapool: get_blocks");
    }
    for (Py_ssize_t i = 0; i < n; i++)
        own_set(m, mem_index(m, v[i]), OWN_PY);
    PyObject *list = PyList_New(n);
    for (Py_ssize_t i = 0; list && i < n; i++) {
        PyObject *a = wrap_block(self, m, v[i]);
        if (!a)
            Py_CLEAR(list);          /* the arrays made so far die with it: every block goes back */
        else
            PyList_SET_ITEM(list, i, a);
    }
    if (!list) {
        for (Py_ssize_t i = 0; i < n; i++)
            own_set(m, mem_index(m, v[i]), OWN_FREE);
        (void)npool_put_bulk(m->pool, v, (size_t)n);
    }
    PyMem_Free(v);
    return list;
}

PyDoc_STRVAR(return_blocks_doc,
"return_blocks(blocks)\n\n"
"Give back several blocks (indices or arrays, as return_block takes) at once\n"
"(npool_put_bulk), all or nothing: on any error none is returned.");

static PyObject *pool_return_blocks(Pool *self, PyObject *arg)
{
    Memory *m = open_mem(self);
    if (!m)
        return NULL;
    PyObject *seq = PySequence_Fast(arg, "numapool: return_blocks() takes a sequence of indices or arrays");
    if (!seq)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq), marked = 0;
    void **v = PyMem_Malloc(((size_t)n + 1) * sizeof *v);
    size_t *ix = PyMem_Malloc(((size_t)n + 1) * sizeof *ix);
    PyObject *ret = NULL;
    if (!v || !ix) {
        PyErr_NoMemory();
        goto out;
    }
    for (; marked < n; marked++) {
        size_t idx = resolve_block(self, m, PySequence_Fast_GET_ITEM(seq, marked), 0);
        if (idx == SIZE_MAX)
            goto out;
        uint8_t o = own_get(m, idx);
        if (o != OWN_PY) {
            err_not_held(self, idx, o);
            goto out;
        }
        own_set(m, idx, OWN_PENDING);       /* a second mention is caught above */
        ix[marked] = idx;
        v[marked] = mem_block(m, idx);
    }
    if (n > 0) {
        int rc = npool_put_bulk(m->pool, v, (size_t)n);
        if (rc != 0) {
            raise_rc(rc, "numapool: return_blocks");
            goto out;
        }
    }
    for (Py_ssize_t i = 0; i < n; i++)
        own_set(m, ix[i], OWN_FREE);
    marked = 0;
    ret = Py_None;
    Py_INCREF(ret);
out:
    for (Py_ssize_t i = 0; i < marked; i++)
        own_set(m, ix[i], OWN_PY);
    PyMem_Free(v);
    PyMem_Free(ix);
    Py_DECREF(seq);
    return ret;
}

PyDoc_STRVAR(get_run_doc,
"get_run(n) -> numpy.ndarray or None\n\n"
"n adjacent blocks (npool_get_contig) as one array shaped (n,) + block_size\n"
"(its first axis steps by the pool's stride); None when no run of n free\n"
"blocks exists on the calling thread's node.  Return it with return_run(),\n"
"or its blocks one by one with return_block(index).");

static PyObject *pool_get_run(Pool *self, PyObject *arg)
{
    Memory *m = open_mem(self);
    if (!m)
        return NULL;
    Py_ssize_t n = PyNumber_AsSsize_t(arg, PyExc_OverflowError);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n <= 0) {
        PyErr_Format(PyExc_ValueError, "numapool: get_run(%zd): n must be > 0", n);
        return NULL;
    }
    errno = 0;
    char *p = npool_get_contig(m->pool, (size_t)n);
    if (!p) {
        if (errno == ENOMEM)
            Py_RETURN_NONE;
        return raise_rc(-(errno ? errno : EINVAL), "numapool: get_run");
    }
    size_t first = mem_index(m, p);
    for (Py_ssize_t i = 0; i < n; i++)
        own_set(m, first + (size_t)i, OWN_PY);
    npy_intp dims[NPY_MAXDIMS];
    memcpy(dims, self->dims, sizeof dims);
    dims[0] = n;
    PyObject *a = wrap(self, m, p, self->nd + 1, dims, self->strides);
    if (!a) {
        for (Py_ssize_t i = 0; i < n; i++)
            own_set(m, first + (size_t)i, OWN_FREE);
        (void)npool_put_contig(m->pool, p, (size_t)n);
    }
    return a;
}

PyDoc_STRVAR(return_run_doc,
"return_run(run, n=None)\n\n"
"Give back a run: the array get_run gave (n = its length), or a first index\n"
"and n.  All or nothing (npool_put_contig); ValueError when a block of it is\n"
"not held from Python or the run leaves its node.");

static PyObject *pool_return_run(Pool *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"run", "n", NULL};
    PyObject *x, *nobj = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O:return_run", kwlist, &x, &nobj))
        return NULL;
    Memory *m = open_mem(self);
    if (!m)
        return NULL;
    size_t first = resolve_block(self, m, x, 1), n = 0;
    if (first == SIZE_MAX)
        return NULL;
    if (PyArray_Check(x)) {
        PyArrayObject *a = (PyArrayObject *)x;
        if (PyArray_NDIM(a) != self->nd + 1 || PyArray_STRIDES(a)[0] != (npy_intp)m->stride ||
            PyArray_DIMS(a)[0] <= 0) {
            PyErr_Format(PyExc_ValueError,
                         "numapool: return_run() takes an array shaped (n,) + %R whose first axis steps by the "
                         "pool's stride (%zu bytes), as get_run gives", self->shape, m->stride);
            return NULL;
        }
        n = (size_t)PyArray_DIMS(a)[0];
    }
    if (nobj != Py_None) {
        size_t nn;
        if (index_arg(nobj, &nn) < 0)
            return NULL;
        if (n && nn != n) {
            PyErr_Format(PyExc_ValueError, "numapool: return_run(): n=%zu but the array holds %zu blocks", nn, n);
            return NULL;
        }
        n = nn;
    }
    if (n == 0) {
        PyErr_SetString(PyExc_ValueError, "numapool: return_run(index, n): n must be > 0");
        return NULL;
    }
    if (n > m->nblocks - first) {
        PyErr_Format(PyExc_ValueError, "numapool: the run of %zu blocks from block %zu ends past pool %R's %zu blocks",
                     n, first, self->name, m->nblocks);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t o = own_get(m, first + i);
        if (o != OWN_PY)
            return err_not_held(self, first + i, o);
    }
    int rc = npool_put_contig(m->pool, mem_block(m, first), n);
    if (rc != 0)
        return raise_rc(rc, "numapool: return_run");
    for (size_t i = 0; i < n; i++)
        own_set(m, first + i, OWN_FREE);
    Py_RETURN_NONE;
}

/* ---- MemoryPool: the rest of the seed ---- */

static PyObject *pool_coalesce(Pool *self, PyObject *unused)
{
    (void)unused;
    Memory *m = open_mem(self);
    if (!m)
        return NULL;
    int rc = npool_coalesce(m->pool);
    if (rc != 0)
        return raise_rc(rc, "numapool: coalesce");
    Py_RETURN_NONE;
}

static PyObject *pool_get_fragmentation(Pool *self, PyObject *unused)
{
    (void)unused;
    Memory *m = open_mem(self);
    return m ? PyFloat_FromDouble(npool_fragmentation(m->pool)) : NULL;
}

static PyObject *pool_get_efficiency(Pool *self, PyObject *unused)
{
    (void)unused;
    Memory *m = open_mem(self);
    return m ? PyFloat_FromDouble(npool_efficiency(m->pool)) : NULL;
}

static PyObject *pool_reset(Pool *self, PyObject *unused)
{
    (void)unused;
    Memory *m = open_mem(self);
    if (!m)
        return NULL;
    size_t np_held = __atomic_load_n(&m->numpy_blocks, __ATOMIC_RELAXED);
    if (np_held) {
        PyErr_Format(PyExc_ValueError,
                     "numapool: reset() refused: %zu blocks of pool %R belong to numpy arrays made under "
                     "allocate_from(); they return when those arrays die", np_held, self->name);
        return NULL;
    }
    int rc = npool_reset(m->pool);
    if (rc != 0)
        return raise_rc(rc, "numapool: reset");
    memset(m->own, OWN_FREE, m->nblocks);
    Py_RETURN_NONE;
}

static PyObject *pool_check(Pool *self, PyObject *unused)
{
    (void)unused;
    Memory *m = open_mem(self);
    if (!m)
        return NULL;
    int rc = npool_check(m->pool);
    if (rc != 0)
        return raise_rc(rc, "numapool: check");
    Py_RETURN_NONE;
}

static int put_item(PyObject *d, const char *k, PyObject *v)
{
    if (!v)
        return -1;
    int rc = PyDict_SetItemString(d, k, v);
    Py_DECREF(v);
    return rc;
}

#define SZ(d, s, f) put_item(d, #f, PyLong_FromSize_t((s)->f))
#define U64(d, s, f) put_item(d, #f, PyLong_FromUnsignedLongLong((unsigned long long)(s)->f))
#define DBL(d, s, f) put_item(d, #f, PyFloat_FromDouble((s)->f))

static PyObject *pool_stats(Pool *self, PyObject *unused)
{
    (void)unused;
    Memory *m = open_mem(self);
    if (!m)
        return NULL;
    npool_stats_t *st = PyMem_Malloc(sizeof *st);
    if (!st)
        return PyErr_NoMemory();
    int rc = npool_stats(m->pool, st);
    if (rc != 0) {
        PyMem_Free(st);
        return raise_rc(rc, "numapool: stats");
    }
    PyObject *d = PyDict_New(), *rows = NULL;
    if (!d || SZ(d, st, block_size) || SZ(d, st, stride) || SZ(d, st, align) || SZ(d, st, blocks_total) ||
        SZ(d, st, blocks_held) || SZ(d, st, blocks_free_set) || SZ(d, st, blocks_cached) ||
        DBL(d, st, efficiency) || DBL(d, st, fragmentation) || SZ(d, st, bytes_mapped) ||
        SZ(d, st, metadata_bytes) || U64(d, st, gets) || U64(d, st, puts) || U64(d, st, failed_gets) ||
        U64(d, st, refused_puts) || U64(d, st, coalesces) || U64(d, st, coalesce_ns_total) ||
        U64(d, st, coalesce_ns_max) || put_item(d, "flags", PyLong_FromUnsignedLong(st->flags)) ||
        SZ(d, st, nnodes) ||
        put_item(d, "blocks_numpy", PyLong_FromSize_t(__atomic_load_n(&m->numpy_blocks, __ATOMIC_RELAXED))) ||
        !(rows = PyList_New(0)))
        goto fail;
    for (size_t i = 0; i < st->nnodes && i < NPOOL_MAX_NODES; i++) {
        const npool_node_stats_t *ns = &st->nodes[i];
        PyObject *r = PyDict_New();
        if (!r || put_item(r, "node", PyLong_FromLong(ns->node)) ||
            put_item(r, "backing", PyUnicode_FromString(npool_pages_name(ns->backing))) ||
            put_item(r, "requested", PyUnicode_FromString(npool_pages_name(ns->requested))) ||
            put_item(r, "fell_back", PyBool_FromLong(ns->fell_back)) ||
            put_item(r, "fallback_reason", PyUnicode_DecodeUTF8(ns->fallback_reason, (Py_ssize_t)strnlen(
                         ns->fallback_reason, sizeof ns->fallback_reason), "replace")) ||
            SZ(r, ns, page_size) || SZ(r, ns, bytes_mapped) || SZ(r, ns, thp_bytes) || SZ(r, ns, blocks_total) ||
            SZ(r, ns, blocks_held) || SZ(r, ns, blocks_free_set) || SZ(r, ns, blocks_cached) ||
            SZ(r, ns, largest_free_run) || DBL(r, ns, fragmentation) || SZ(r, ns, pages_verified) ||
            SZ(r, ns, bytes_misplaced) || U64(r, ns, gets) || U64(r, ns, puts) || U64(r, ns, failed_gets) ||
            U64(r, ns, lock_acquisitions) || U64(r, ns, lock_timed) || U64(r, ns, lock_hold_ns) ||
            PyList_Append(rows, r) < 0) {
            Py_XDECREF(r);
            goto fail;
        }
        Py_DECREF(r);
    }
    PyMem_Free(st);
    if (put_item(d, "nodes", rows) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
fail:
    PyMem_Free(st);
    Py_XDECREF(rows);
    Py_XDECREF(d);
    return NULL;
}

static PyObject *pool_repr(Pool *self)
{
    Memory *m = self->mem;
    if (!m || m->closed)
        return PyUnicode_FromFormat("<numapool.MemoryPool %R %s>", self->name,
                                    m && m->forked ? "from before fork()" : "closed");
    int n = npool_describe(m->pool, NULL, 0);
    if (n < 0)
        return PyUnicode_FromFormat("<numapool.MemoryPool %R>", self->name);
    char *buf = PyMem_Malloc((size_t)n + 1);
    if (!buf)
        return PyErr_NoMemory();
    (void)npool_describe(m->pool, buf, (size_t)n + 1);
    PyObject *s = PyUnicode_DecodeUTF8(buf, n, "replace");
    PyMem_Free(buf);
    return s;
}

PyDoc_STRVAR(close_doc,
"close()\n\n"
"End the pool: every later call raises ValueError.  The memory is unmapped\n"
"(npool_destroy) when the last array over it dies, at once if none lives.\n"
"Idempotent; also what `with` and garbage collection do.");

static PyObject *pool_close(Pool *self, PyObject *unused)
{
    (void)unused;
    Memory *m = self->mem;
    if (m)
        m->closed = 1;          /* the hook takes no new block either */
    Py_CLEAR(self->mem);
    Py_RETURN_NONE;
}

static PyObject *pool_enter(Pool *self, PyObject *unused)
{
    (void)unused;
    Py_INCREF(self);
    return (PyObject *)self;
}

static PyObject *pool_exit(Pool *self, PyObject *args)
{
    (void)args;
    return pool_close(self, NULL);
}

/* ---- MemoryPool: attributes ---- */

static PyObject *pool_get_closed(Pool *self, void *c)
{
    (void)c;
    return PyBool_FromLong(!self->mem || self->mem->closed);
}

static PyObject *pool_get_num_blocks(Pool *self, void *c)
{
    (void)c;
    return PyLong_FromSize_t(self->nblocks);
}

static PyObject *pool_get_shape(Pool *self, void *c)
{
    (void)c;
    if (!self->shape)
        return err_closed(self);
    Py_INCREF(self->shape);
    return self->shape;
}

static PyObject *pool_get_dtype(Pool *self, void *c)
{
    (void)c;
    if (!self->descr)
        return err_closed(self);
    Py_INCREF(self->descr);
    return (PyObject *)self->descr;
}

static PyObject *pool_get_name(Pool *self, void *c)
{
    (void)c;
    Py_INCREF(self->name);
    return self->name;
}

static PyObject *pool_get_blocks_attr(Pool *self, void *c)
{
    (void)c;
    if (!open_mem(self))
        return NULL;
    BlockList *b = PyObject_New(BlockList, &BlockList_Type);
    if (!b)
        return NULL;
    Py_INCREF(self);
    b->pool = self;
    return (PyObject *)b;
}

/* Indices whose own byte is (held != 0) or is not (held == 0) OWN_FREE, ascending. */
static PyObject *index_list(Pool *self, int held)
{
    Memory *m = open_mem(self);
    if (!m)
        return NULL;
    PyObject *list = PyList_New(0);
    for (size_t i = 0; list && i < m->nblocks; i++) {
        if ((own_get(m, i) != OWN_FREE) == held) {
            PyObject *v = PyLong_FromSize_t(i);
            if (!v || PyList_Append(list, v) < 0)
                Py_CLEAR(list);
            Py_XDECREF(v);
        }
    }
    return list;
}

static PyObject *pool_get_available(Pool *self, void *c)
{
    (void)c;
    return index_list(self, 0);
}

static PyObject *pool_get_allocated(Pool *self, void *c)
{
    (void)c;
    return index_list(self, 1);
}

static PyGetSetDef pool_getset[] = {
    {"block_size", (getter)pool_get_shape, NULL, "The shape of every block (a tuple).", NULL},
    {"num_blocks", (getter)pool_get_num_blocks, NULL, "Blocks in the pool, over all its nodes.", NULL},
    {"dtype", (getter)pool_get_dtype, NULL, "The blocks' numpy dtype.", NULL},
    {"name", (getter)pool_get_name, NULL, "The pool's name.", NULL},
    {"closed", (getter)pool_get_closed, NULL, "True after close() (or in a fork child).", NULL},
    {"blocks", (getter)pool_get_blocks_attr, NULL,
     "Every block by index, as arrays over the pool's memory (a sequence; each item is a new view, no copy).",
     NULL},
    {"available", (getter)pool_get_available, NULL, "Indices of the free blocks, ascending (a new list).", NULL},
    {"allocated", (getter)pool_get_allocated, NULL, "Indices of the held blocks, ascending (a new list).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef pool_methods[] = {
    {"get_block", (PyCFunction)(void (*)(void))pool_get_block, METH_FASTCALL | METH_KEYWORDS, get_block_doc},
    {"return_block", (PyCFunction)pool_return_block, METH_O, return_block_doc},
    {"index_of", (PyCFunction)pool_index_of, METH_O, index_of_doc},
    {"get_blocks", (PyCFunction)pool_get_blocks, METH_O, get_blocks_doc},
    {"return_blocks", (PyCFunction)pool_return_blocks, METH_O, return_blocks_doc},
    {"get_run", (PyCFunction)pool_get_run, METH_O, get_run_doc},
    {"return_run", (PyCFunction)(void (*)(void))pool_return_run, METH_VARARGS | METH_KEYWORDS, return_run_doc},
    {"coalesce", (PyCFunction)pool_coalesce, METH_NOARGS,
     "coalesce()\n\nPut cached free blocks back into the address-sorted free sets (npool_coalesce)."},
    {"get_fragmentation", (PyCFunction)pool_get_fragmentation, METH_NOARGS,
     "get_fragmentation() -> float\n\nPercent: 100 * (1 - largest free run / free blocks in the sorted set),\n"
     "the largest over the pool's nodes."},
    {"get_efficiency", (PyCFunction)pool_get_efficiency, METH_NOARGS,
     "get_efficiency() -> float\n\nPercent of blocks held."},
    {"reset", (PyCFunction)pool_reset, METH_NOARGS,
     "reset()\n\nEvery block free again, the next gets from index 0 (npool_reset).  Arrays from\n"
     "before stay valid memory but their blocks may be handed out again, as in the\n"
     "seed.  ValueError while numpy arrays made under allocate_from hold blocks."},
    {"check", (PyCFunction)pool_check, METH_NOARGS,
     "check()\n\nWalk the pool's invariants (npool_check); OSError naming the first broken one."},
    {"stats", (PyCFunction)pool_stats, METH_NOARGS,
     "stats() -> dict\n\nnpool_stats as a dict (a list of per-node dicts under 'nodes'), plus\n"
     "'blocks_numpy': blocks held by arrays made under allocate_from."},
    {"close", (PyCFunction)pool_close, METH_NOARGS, close_doc},
    {"__enter__", (PyCFunction)pool_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)pool_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(pool_doc,
"MemoryPool(block_size, num_blocks, dtype=numpy.float64, nodes=None, pages=None,\n"
"           flags=0, name=None, align=0, coalesce_threshold=0.0, page_size=0)\n\n"
"A fixed pool of equal blocks on NUMA-bound, hugepage-backed memory, handed\n"
"out as numpy arrays over the pool's memory (no copy).\n\n"
"block_size: the shape of a block (an int n means (n,)); num_blocks: blocks\n"
"per NUMA node (the attribute num_blocks is the total); dtype: the element\n"
"type (no Python objects); nodes: numactl syntax (\"0\", \"0,2\", \"all\";\n"
"None = the local node); pages: \"auto\", \"1G\", \"2M\", \"thp\", \"base\", a\n"
"PAGES_* constant, or a hugetlb page size in bytes; flags: the module's\n"
"flag constants or-ed; align, coalesce_threshold, page_size: as in\n"
"npool_config_t (0 = default).  OSError or ValueError with the library's\n"
"sentence when the pool cannot be made.");

static PyTypeObject Pool_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "numapool.MemoryPool",
    .tp_doc = pool_doc,
    .tp_basicsize = sizeof(Pool),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = pool_new,
    .tp_init = (initproc)pool_init,
    .tp_dealloc = (destructor)pool_dealloc,
    .tp_repr = (reprfunc)pool_repr,
    .tp_methods = pool_methods,
    .tp_getset = pool_getset,
};

/* ---- MemoryPool.blocks ---- */

static void blocklist_dealloc(BlockList *b)
{
    Py_CLEAR(b->pool);
    Py_TYPE(b)->tp_free((PyObject *)b);
}

static Py_ssize_t blocklist_len(BlockList *b)
{
    return open_mem(b->pool) ? (Py_ssize_t)b->pool->nblocks : -1;
}

static PyObject *blocklist_item(BlockList *b, Py_ssize_t i)
{
    Memory *m = open_mem(b->pool);
    if (!m)
        return NULL;
    if (i < 0 || (size_t)i >= m->nblocks) {
        PyErr_Format(PyExc_IndexError, "numapool: block index %zd out of range (%zu blocks)", i, m->nblocks);
        return NULL;
    }
    return wrap_block(b->pool, m, mem_block(m, (size_t)i));
}

/* blocks[i] (negative counts from the end) and blocks[a:b:c] (a list). */
static PyObject *blocklist_subscript(BlockList *b, PyObject *key)
{
    Memory *m = open_mem(b->pool);
    if (!m)
        return NULL;
    if (PyIndex_Check(key)) {
        Py_ssize_t i = PyNumber_AsSsize_t(key, PyExc_IndexError);
        if (i == -1 && PyErr_Occurred())
            return NULL;
        if (i < 0)
            i += (Py_ssize_t)m->nblocks;
        return blocklist_item(b, i);
    }
    if (PySlice_Check(key)) {
        Py_ssize_t start, stop, step;
        if (PySlice_Unpack(key, &start, &stop, &step) < 0)
            return NULL;
        Py_ssize_t n = PySlice_AdjustIndices((Py_ssize_t)m->nblocks, &start, &stop, step);
        PyObject *list = PyList_New(n);
        for (Py_ssize_t k = 0; list && k < n; k++) {
            PyObject *a = blocklist_item(b, start + k * step);
            if (!a)
                Py_CLEAR(list);
            else
                PyList_SET_ITEM(list, k, a);
        }
        return list;
    }
    PyErr_Format(PyExc_TypeError, "numapool: blocks indices must be integers or slices, not %.100s",
                 Py_TYPE(key)->tp_name);
    return NULL;
}

static PySequenceMethods blocklist_seq = {
    .sq_length = (lenfunc)blocklist_len,
    .sq_item = (ssizeargfunc)blocklist_item,
};

static PyMappingMethods blocklist_map = {
    .mp_length = (lenfunc)blocklist_len,
    .mp_subscript = (binaryfunc)blocklist_subscript,
};

static PyTypeObject BlockList_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "numapool._Blocks",
    .tp_doc = "MemoryPool.blocks: block i as an array over the pool's memory, held or not.",
    .tp_basicsize = sizeof(BlockList),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)blocklist_dealloc,
    .tp_as_sequence = &blocklist_seq,
    .tp_as_mapping = &blocklist_map,
};

/* ---- NEP 49: numpy's own allocations from a pool ---- */

typedef struct {
    PyDataMem_Handler handler;  /* what numpy calls; allocator.ctx points back here */
    Memory *mem;                /* strong */
    PyObject *prev_capsule;     /* strong: the handler in effect before, for what the pool cannot serve */
    PyDataMem_Handler *prev;
} Hook;

/* Take blocks for `size` bytes from the pool, or NULL (the caller falls back). */
static void *hook_take(Memory *m, size_t size, int zero)
{
    if (m->closed)
        return NULL;
    size_t n = 1;
    if (size > m->block_bytes)
        n = 1 + (size - m->block_bytes + m->stride - 1) / m->stride;
    if (n > m->nblocks_node)
        return NULL;
    void *p = n == 1 ? npool_get(m->pool) : npool_get_contig(m->pool, n);
    if (!p)
        return NULL;
    size_t idx = mem_index(m, p);
    own_set(m, idx, OWN_NP);
    for (size_t i = 1; i < n; i++)
        own_set(m, idx + i, OWN_NP_INNER);
    __atomic_add_fetch(&m->numpy_blocks, n, __ATOMIC_RELAXED);
    if (zero && !(m->flags & NPOOL_ZERO))
        memset(p, 0, size);
    return p;
}

/* Blocks the hook gave at p (index idx) go back; returns how many. */
static size_t hook_give(Memory *m, void *p, size_t idx)
{
    size_t n = 1;
    own_set(m, idx, OWN_FREE);
    while (idx + n < m->nblocks && own_get(m, idx + n) == OWN_NP_INNER)
        own_set(m, idx + n++, OWN_FREE);
    __atomic_sub_fetch(&m->numpy_blocks, n, __ATOMIC_RELAXED);
    if (!m->forked)             /* in a fork child the blocks do not exist: nothing to give */
        (void)(n == 1 ? npool_put(m->pool, p) : npool_put_contig(m->pool, p, n));
    return n;
}

static void *hook_malloc(void *ctx, size_t size)
{
    Hook *k = ctx;
    void *p = hook_take(k->mem, size, 0);
    return p ? p : k->prev->allocator.malloc(k->prev->allocator.ctx, size);
}

static void *hook_calloc(void *ctx, size_t nelem, size_t elsize)
{
    Hook *k = ctx;
    size_t size;
    void *p = NULL;
    if (!__builtin_mul_overflow(nelem, elsize, &size))
        p = hook_take(k->mem, size, 1);
    return p ? p : k->prev->allocator.calloc(k->prev->allocator.ctx, nelem, elsize);
}

static void hook_free(void *ctx, void *p, size_t size)
{
    Hook *k = ctx;
    Memory *m = k->mem;
    size_t off = 0, idx = p ? mem_index_inside(m, p, &off) : SIZE_MAX;
    if (idx == SIZE_MAX)
        k->prev->allocator.free(k->prev->allocator.ctx, p, size);
    else if (off == 0 && own_get(m, idx) == OWN_NP)
        hook_give(m, p, idx);
    /* else: pool memory the hook did not hand out; never the previous allocator's to free */
}

static void *hook_realloc(void *ctx, void *p, size_t size)
{
    Hook *k = ctx;
    Memory *m = k->mem;
    size_t off = 0, idx = p ? mem_index_inside(m, p, &off) : SIZE_MAX;
    if (!p)
        return hook_malloc(ctx, size);
    if (idx == SIZE_MAX)
        return k->prev->allocator.realloc(k->prev->allocator.ctx, p, size);
    if (off != 0 || own_get(m, idx) != OWN_NP || m->forked)
        return NULL;            /* not ours to move, or (fork child) its bytes do not exist here */
    size_t n = 1;
    while (idx + n < m->nblocks && own_get(m, idx + n) == OWN_NP_INNER)
        n++;
    size_t cap = (n - 1) * m->stride + m->block_bytes;
    if (size <= cap)
        return p;               /* it still fits where it is */
    void *q = hook_malloc(ctx, size);
    if (!q)
        return NULL;
    memcpy(q, p, cap);
    hook_give(m, p, idx);
    return q;
}

static void hook_capsule_free(PyObject *cap)
{
    Hook *k = PyCapsule_GetPointer(cap, "mem_handler");
    if (!k)
        return;
    Py_XDECREF(k->mem);
    Py_XDECREF(k->prev_capsule);
    PyMem_RawFree(k);
}

static PyObject *push_allocator(PyObject *mod, PyObject *arg)
{
    (void)mod;
    if (!PyObject_TypeCheck(arg, &Pool_Type)) {
        PyErr_Format(PyExc_TypeError, "numapool: allocate_from() takes a MemoryPool, not %.100s",
                     Py_TYPE(arg)->tp_name);
        return NULL;
    }
    Memory *m = open_mem((Pool *)arg);
    if (!m)
        return NULL;
    PyObject *prev = PyDataMem_GetHandler();
    if (!prev)
        return NULL;
    PyDataMem_Handler *ph = PyCapsule_GetPointer(prev, "mem_handler");
    if (!ph || ph->version != 1) {
        if (ph)
            PyErr_Format(PyExc_RuntimeError, "numapool: the current numpy allocator '%s' has version %d, not 1",
                         ph->name, ph->version);
        Py_DECREF(prev);
        return NULL;
    }
    Hook *k = PyMem_RawCalloc(1, sizeof *k);
    if (!k) {
        Py_DECREF(prev);
        return PyErr_NoMemory();
    }
    snprintf(k->handler.name, sizeof k->handler.name, "numapool");
    k->handler.version = 1;
    k->handler.allocator.ctx = k;
    k->handler.allocator.malloc = hook_malloc;
    k->handler.allocator.calloc = hook_calloc;
    k->handler.allocator.realloc = hook_realloc;
    k->handler.allocator.free = hook_free;
    k->prev_capsule = prev;
    k->prev = ph;
    Py_INCREF(m);
    k->mem = m;
    PyObject *cap = PyCapsule_New(&k->handler, "mem_handler", hook_capsule_free);
    if (!cap) {
        Py_DECREF(m);
        Py_DECREF(prev);
        PyMem_RawFree(k);
        return NULL;
    }
    PyObject *old = PyDataMem_SetHandler(cap);
    Py_DECREF(cap);             /* the context variable holds it now */
    return old;                 /* the token for pop_allocator */
}

static PyObject *pop_allocator(PyObject *mod, PyObject *token)
{
    (void)mod;
    if (!PyCapsule_IsValid(token, "mem_handler")) {
        PyErr_SetString(PyExc_TypeError, "numapool: _pop_allocator() takes the token _push_allocator() returned");
        return NULL;
    }
    PyObject *ours = PyDataMem_SetHandler(token);
    if (!ours)
        return NULL;
    Py_DECREF(ours);
    Py_RETURN_NONE;
}

/* ---- helpers for tests ---- */

static PyObject *node_of(PyObject *mod, PyObject *arg)
{
    (void)mod;
    void *p = PyLong_AsVoidPtr(arg);
    if (!p && PyErr_Occurred())
        return NULL;
    void *pages[1] = {(void *)((uintptr_t)p & ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1))};
    int status[1] = {-1};
    if (syscall(SYS_move_pages, 0, 1UL, pages, NULL, status, 0) != 0)
        return PyErr_SetFromErrno(PyExc_OSError);
    return PyLong_FromLong(status[0]);
}

static PyObject *library_path(PyObject *mod, PyObject *unused)
{
    (void)mod;
    (void)unused;
    Dl_info info;
    int (*fn)(const npool_config_t *, npool_t **) = npool_create;
    void *addr;
    memcpy(&addr, &fn, sizeof addr);
    if (!dladdr(addr, &info) || !info.dli_fname)
        Py_RETURN_NONE;
    return PyUnicode_DecodeFSDefault(info.dli_fname);
}

static PyMethodDef module_methods[] = {
    {"_push_allocator", push_allocator, METH_O,
     "Make numpy allocate from the pool in the current context; returns the token for _pop_allocator."},
    {"_pop_allocator", pop_allocator, METH_O, "Restore the numpy allocator _push_allocator replaced."},
    {"_after_fork_child", after_fork_child, METH_NOARGS,
     "Registered with os.register_at_fork: closes every pool inherited across fork()."},
    {"_node_of", node_of, METH_O, "NUMA node of the page holding an address (move_pages), or -errno."},
    {"_library_path", library_path, METH_NOARGS, "Path of the libnumapool this module runs on."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "numapool._numapool",
    .m_doc = "The numapool extension: see the numapool package.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__numapool(void)
{
    import_array();
    if (PyType_Ready(&Memory_Type) < 0 || PyType_Ready(&Pool_Type) < 0 || PyType_Ready(&BlockList_Type) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module_def);
    if (!m)
        return NULL;
    PyObject *pages = PyDict_New(), *flags = PyDict_New();
    if (!pages || !flags || PyModule_AddObjectRef(m, "MemoryPool", (PyObject *)&Pool_Type) < 0)
        goto fail;
#define ADD_FLAG(name)                                                                         \
    if (PyModule_AddIntConstant(m, #name, NPOOL_##name) < 0 ||                                 \
        put_item(flags, #name, PyLong_FromUnsignedLong(NPOOL_##name)) < 0)                     \
        goto fail;
    NPOOL_FLAG_LIST(ADD_FLAG)
#undef ADD_FLAG
#define ADD_PAGES(name)                                                                        \
    if (PyModule_AddIntConstant(m, "PAGES_" #name, NPOOL_PAGES_##name) < 0 ||                  \
        put_item(pages, npool_pages_name(NPOOL_PAGES_##name), PyLong_FromLong(NPOOL_PAGES_##name)) < 0) \
        goto fail;
    NPOOL_PAGES_LIST(ADD_PAGES)
#undef ADD_PAGES
    if (PyModule_AddObject(m, "PAGES", pages) < 0)
        goto fail;
    pages = NULL;
    if (PyModule_AddObject(m, "FLAGS", flags) < 0)
        goto fail;
    flags = NULL;
    if (PyModule_AddIntConstant(m, "FLAGS_ALL", NPOOL_FLAGS_ALL) < 0 ||
        PyModule_AddIntConstant(m, "MAX_NODES", NPOOL_MAX_NODES) < 0)
        goto fail;
    PyObject *ver = PyUnicode_FromFormat("%d.%d.%d", NPOOL_VERSION_MAJOR, NPOOL_VERSION_MINOR, NPOOL_VERSION_PATCH);
    if (!ver || PyModule_AddObject(m, "__version__", ver) < 0) {
        Py_XDECREF(ver);
        goto fail;
    }

    /* os.register_at_fork(after_in_child=_after_fork_child) */
    PyObject *os = PyImport_ImportModule("os");
    PyObject *reg = os ? PyObject_GetAttrString(os, "register_at_fork") : NULL;
    PyObject *fn = PyObject_GetAttrString(m, "_after_fork_child");
    PyObject *kw = (reg && fn) ? Py_BuildValue("{sO}", "after_in_child", fn) : NULL;
    PyObject *empty = kw ? PyTuple_New(0) : NULL;
    PyObject *r = empty ? PyObject_Call(reg, empty, kw) : NULL;
    Py_XDECREF(os);
    Py_XDECREF(reg);
    Py_XDECREF(fn);
    Py_XDECREF(kw);
    Py_XDECREF(empty);
    if (!r)
        goto fail;
    Py_DECREF(r);
    return m;
fail:
    Py_XDECREF(pages);
    Py_XDECREF(flags);
    Py_DECREF(m);
    return NULL;
}
