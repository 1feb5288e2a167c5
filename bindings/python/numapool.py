"""numapool: the seed's ``MemoryPool`` over the C library, through ctypes.

A thin binding: nothing is compiled.  Blocks are handed out as numpy arrays
that are *views* over the pool's own memory (no copy), shaped ``block_size``
and typed ``dtype``::

    import numpy as np
    from numapool import MemoryPool

    with MemoryPool(block_size=(100,), num_blocks=20) as pool:
        b1 = pool.get_block()            # index 0
        b2 = pool.get_block()            # index 1
        np.random.randn(*b1.shape, out=b1)
        pool.return_block(0)
        pool.return_block(1)
        print(f"Efficiency: {pool.get_efficiency():.1f}%")

An array from ``get_block()`` must not be used after its block is returned,
after ``reset()`` or after ``close()``: the memory stays the pool's (after
``close()`` it is unmapped and touching the array crashes the process).

The library is found, in this order: the ``lib`` argument (a path or a loaded
``ctypes.CDLL``), the environment variable ``NUMAPOOL_LIB``,
``ctypes.util.find_library('numapool')``, then the build tree
(``../../build/release/src/libnumapool.so`` from this file).
"""

import ctypes
import ctypes.util
import errno
import os

import numpy

__all__ = [
    "MemoryPool", "load_library",
    "STRICT_PAGES", "PREFER_NODE", "LOCK", "NO_CACHE", "UNCHECKED", "SPILL", "ZERO",
    "PAGES",
]

# enum npool_flags
STRICT_PAGES = 1 << 0
PREFER_NODE = 1 << 1
LOCK = 1 << 2
NO_CACHE = 1 << 3
UNCHECKED = 1 << 4
SPILL = 1 << 5
ZERO = 1 << 6

# enum npool_pages, by the names NUMAPOOL_PAGES takes (case-insensitive)
PAGES = {"auto": 0, "1g": 1, "2m": 2, "thp": 3, "base": 4, "hugetlb": 5}

NPOOL_MAX_NODES = 64
_SIZE_MAX = ctypes.c_size_t(-1).value


class _Config(ctypes.Structure):
    """npool_config_t"""
    _fields_ = [
        ("block_size", ctypes.c_size_t),
        ("block_count", ctypes.c_size_t),
        ("align", ctypes.c_size_t),
        ("nodes", ctypes.c_char_p),
        ("pages", ctypes.c_int),
        ("flags", ctypes.c_uint),
        ("coalesce_threshold", ctypes.c_double),
        ("name", ctypes.c_char_p),
        ("page_size", ctypes.c_size_t),
    ]


class _NodeStats(ctypes.Structure):
    """npool_node_stats_t"""
    _fields_ = [
        ("node", ctypes.c_int),
        ("backing", ctypes.c_int),
        ("requested", ctypes.c_int),
        ("fell_back", ctypes.c_int),
        ("fallback_reason", ctypes.c_char * 256),
        ("page_size", ctypes.c_size_t),
        ("bytes_mapped", ctypes.c_size_t),
        ("thp_bytes", ctypes.c_size_t),
        ("blocks_total", ctypes.c_size_t),
        ("blocks_held", ctypes.c_size_t),
        ("blocks_free_set", ctypes.c_size_t),
        ("blocks_cached", ctypes.c_size_t),
        ("largest_free_run", ctypes.c_size_t),
        ("fragmentation", ctypes.c_double),
        ("pages_verified", ctypes.c_size_t),
        ("bytes_misplaced", ctypes.c_size_t),
        ("gets", ctypes.c_uint64),
        ("puts", ctypes.c_uint64),
        ("failed_gets", ctypes.c_uint64),
    ]


class _Stats(ctypes.Structure):
    """npool_stats_t"""
    _fields_ = [
        ("block_size", ctypes.c_size_t),
        ("stride", ctypes.c_size_t),
        ("align", ctypes.c_size_t),
        ("blocks_total", ctypes.c_size_t),
        ("blocks_held", ctypes.c_size_t),
        ("blocks_free_set", ctypes.c_size_t),
        ("blocks_cached", ctypes.c_size_t),
        ("efficiency", ctypes.c_double),
        ("fragmentation", ctypes.c_double),
        ("bytes_mapped", ctypes.c_size_t),
        ("metadata_bytes", ctypes.c_size_t),
        ("gets", ctypes.c_uint64),
        ("puts", ctypes.c_uint64),
        ("failed_gets", ctypes.c_uint64),
        ("refused_puts", ctypes.c_uint64),
        ("coalesces", ctypes.c_uint64),
        ("coalesce_ns_total", ctypes.c_uint64),
        ("coalesce_ns_max", ctypes.c_uint64),
        ("flags", ctypes.c_uint),
        ("nnodes", ctypes.c_size_t),
        ("nodes", _NodeStats * NPOOL_MAX_NODES),
    ]


def _candidates(lib):
    if lib is not None:
        yield lib
        return
    env = os.environ.get("NUMAPOOL_LIB")
    if env:
        yield env
        return
    found = ctypes.util.find_library("numapool")
    if found:
        yield found
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.normpath(os.path.join(here, "..", "..", "build", "release", "src", "libnumapool.so"))


def _declare(cdll):
    P, S, I, D = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_double
    sig = {
        "npool_create": (I, [ctypes.POINTER(_Config), ctypes.POINTER(P)]),
        "npool_destroy": (None, [P]),
        "npool_get": (P, [P]),
        "npool_get_on": (P, [P, I]),
        "npool_put": (I, [P, P]),
        "npool_put_index": (I, [P, S]),
        "npool_index": (S, [P, P]),
        "npool_block": (P, [P, S]),
        "npool_coalesce": (I, [P]),
        "npool_fragmentation": (D, [P]),
        "npool_efficiency": (D, [P]),
        "npool_reset": (I, [P]),
        "npool_check": (I, [P]),
        "npool_stats": (I, [P, ctypes.POINTER(_Stats)]),
        "npool_describe": (I, [P, ctypes.c_char_p, S]),
        "npool_strerror": (ctypes.c_char_p, [I]),
        "npool_last_error": (ctypes.c_char_p, []),
        "npool_pages_name": (ctypes.c_char_p, [I]),
    }
    for name, (res, args) in sig.items():
        fn = getattr(cdll, name)
        fn.restype = res
        fn.argtypes = args
    return cdll


_loaded = {}


def load_library(lib=None):
    """The numapool library as a ``ctypes.CDLL``, its functions declared.

    ``lib``: a ``ctypes.CDLL``, a path, or None to search (see the module doc).
    Raises OSError, naming every place tried, when none loads.
    """
    if isinstance(lib, ctypes.CDLL):
        return _declare(lib)
    tried = []
    for cand in _candidates(lib):
        if cand in _loaded:
            return _loaded[cand]
        try:
            cdll = _declare(ctypes.CDLL(cand, use_errno=True))
        except (OSError, AttributeError) as e:
            tried.append(f"{cand}: {e}")
            continue
        _loaded[cand] = cdll
        return cdll
    raise OSError("numapool: cannot load libnumapool (set NUMAPOOL_LIB to its path); tried "
                  + "; ".join(tried))


def _text(b):
    return b.decode("utf-8", "replace") if b is not None else ""


class MemoryPool:
    """A fixed pool of equal blocks, handed out as numpy arrays.

    ``block_size``: shape of each block (an int is taken as ``(n,)``);
    ``num_blocks``: blocks per NUMA node; ``dtype``: element type;
    ``nodes``: numactl syntax ("0", "0,2", "all", "local"; None = "local");
    ``pages``: "auto", "1G", "2M", "thp", "base" (or the enum's int);
    ``flags``: or-ed module constants (``NO_CACHE``, ``ZERO``...);
    ``name``: shown in ``repr``; ``lib``: see ``load_library``;
    ``align`` and ``coalesce_threshold``: as in ``npool_config_t`` (0 = default).

    ``num_blocks`` as an attribute is the pool's total (per node times nodes).
    """

    def __init__(self, block_size=(100,), num_blocks=20, dtype=numpy.float64, nodes=None,
                 pages="auto", flags=0, name=None, lib=None, align=0, coalesce_threshold=0.0):
        self._pool = None
        if isinstance(block_size, int):
            block_size = (block_size,)
        self.block_size = tuple(int(n) for n in block_size)
        self.dtype = numpy.dtype(dtype)
        if any(n <= 0 for n in self.block_size):
            raise ValueError(f"block_size {self.block_size}: every dimension must be > 0")
        self._count = 1
        for n in self.block_size:
            self._count *= n
        self._nbytes = self._count * self.dtype.itemsize
        if isinstance(pages, str):
            try:
                pages = PAGES[pages.lower()]
            except KeyError:
                raise ValueError(f"pages {pages!r}: expected one of auto, 1G, 2M, thp, base") from None
        self._lib = load_library(lib)

        cfg = _Config()
        cfg.block_size = self._nbytes
        cfg.block_count = int(num_blocks)
        cfg.align = int(align)
        cfg.nodes = None if nodes is None else str(nodes).encode()
        cfg.pages = int(pages)
        cfg.flags = int(flags)
        cfg.coalesce_threshold = float(coalesce_threshold)
        cfg.name = None if name is None else str(name).encode()
        if num_blocks <= 0:
            raise ValueError(f"num_blocks {num_blocks}: must be > 0")
        handle = ctypes.c_void_p()
        rc = self._lib.npool_create(ctypes.byref(cfg), ctypes.byref(handle))
        if rc != 0:
            self._raise(rc, "npool_create")
        self._pool = handle
        self.num_blocks = self.stats()["blocks_total"]

    # ---- errors ----

    def _raise(self, rc, what):
        msg = _text(self._lib.npool_last_error()) or _text(self._lib.npool_strerror(rc))
        if rc == -errno.EINVAL or rc == -errno.EALREADY:
            raise ValueError(msg)
        raise OSError(-rc, msg)

    def _handle(self):
        if self._pool is None:
            raise ValueError("numapool: the pool is closed")
        return self._pool

    # ---- blocks ----

    def _array(self, addr):
        buf = (ctypes.c_ubyte * self._nbytes).from_address(addr)
        arr = numpy.frombuffer(buf, dtype=self.dtype, count=self._count)
        return arr.reshape(self.block_size)

    def get_block_index(self, node=None):
        """``(index, array)`` for a free block, or None when the node is empty.

        ``node``: an OS node index to take from (``npool_get_on``); None takes
        from the caller's node.
        """
        h = self._handle()
        ctypes.set_errno(0)
        if node is None:
            addr = self._lib.npool_get(h)
        else:
            addr = self._lib.npool_get_on(h, int(node))
        if not addr:
            if ctypes.get_errno() == errno.EINVAL:
                raise ValueError(_text(self._lib.npool_last_error())
                                 or f"numapool: the pool has no arena on node {node}")
            return None
        return self._lib.npool_index(h, addr), self._array(addr)

    def get_block(self, node=None):
        """A free block as a numpy array (a view, no copy), or None when empty.

        Its index is ``index_of(array)``; ``get_block_index()`` returns both.
        """
        got = self.get_block_index(node)
        return None if got is None else got[1]

    def index_of(self, array):
        """The index of the block that ``array`` starts (ValueError if none)."""
        addr = array.__array_interface__["data"][0]
        idx = self._lib.npool_index(self._handle(), ctypes.c_void_p(addr))
        if idx == _SIZE_MAX:
            raise ValueError("numapool: the array does not start a block of this pool")
        return idx

    def block(self, index):
        """The block at ``index`` as an array, held or not (no get, no check)."""
        if index < 0:
            raise ValueError(f"numapool: block index {index} is negative")
        addr = self._lib.npool_block(self._handle(), int(index))
        if not addr:
            raise ValueError(_text(self._lib.npool_last_error())
                             or f"numapool: block index {index} out of range")
        return self._array(addr)

    def return_block(self, block_idx):
        """Give block ``block_idx`` back (an index, or the array itself).

        Raises ValueError with the library's sentence when the index is out of
        range or the block is already free.
        """
        h = self._handle()
        if isinstance(block_idx, numpy.ndarray):
            block_idx = self.index_of(block_idx)
        block_idx = int(block_idx)
        if block_idx < 0:
            raise ValueError(f"numapool: block index {block_idx} is negative")
        rc = self._lib.npool_put_index(h, block_idx)
        if rc != 0:
            self._raise(rc, "npool_put_index")

    # ---- pool ----

    def coalesce(self):
        rc = self._lib.npool_coalesce(self._handle())
        if rc != 0:
            self._raise(rc, "npool_coalesce")

    def get_fragmentation(self):
        """Percent fragmentation of the free sets (largest over the nodes)."""
        return self._lib.npool_fragmentation(self._handle())

    def get_efficiency(self):
        """Percent of blocks held."""
        return self._lib.npool_efficiency(self._handle())

    def reset(self):
        """Every block free again; the next gets start from index 0.

        Arrays handed out before must not be used afterwards.
        """
        rc = self._lib.npool_reset(self._handle())
        if rc != 0:
            self._raise(rc, "npool_reset")

    def check(self):
        """Walk the pool's invariants (``npool_check``); OSError if one is broken."""
        rc = self._lib.npool_check(self._handle())
        if rc != 0:
            self._raise(rc, "npool_check")

    def stats(self):
        """``npool_stats`` as a dict; ``nodes`` is a list of per-node dicts."""
        st = _Stats()
        rc = self._lib.npool_stats(self._handle(), ctypes.byref(st))
        if rc != 0:
            self._raise(rc, "npool_stats")
        out = {}
        for fname, _ in _Stats._fields_:
            if fname != "nodes":
                out[fname] = getattr(st, fname)
        rows = []
        for i in range(min(st.nnodes, NPOOL_MAX_NODES)):
            ns = st.nodes[i]
            row = {}
            for fname, _ in _NodeStats._fields_:
                v = getattr(ns, fname)
                if fname == "fallback_reason":
                    v = _text(v)
                elif fname in ("backing", "requested"):
                    v = _text(self._lib.npool_pages_name(v))
                row[fname] = v
            rows.append(row)
        out["nodes"] = rows
        return out

    def __repr__(self):
        if self._pool is None:
            return "<numapool.MemoryPool closed>"
        n = self._lib.npool_describe(self._pool, None, 0)
        if n < 0:
            return "<numapool.MemoryPool>"
        buf = ctypes.create_string_buffer(n + 1)
        self._lib.npool_describe(self._pool, buf, n + 1)
        return _text(buf.value)

    # ---- lifetime ----

    @property
    def closed(self):
        return self._pool is None

    def close(self):
        """Destroy the pool (idempotent).  Arrays from it must not be touched after."""
        if self._pool is not None:
            self._lib.npool_destroy(self._pool)
            self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
