"""numapool: fixed-size blocks on the right NUMA node and the right pages, as numpy arrays.

The seed's ``MemoryPool``, compiled (``numapool._numapool``) over libnumapool::

    import numpy as np
    import numapool

    with numapool.MemoryPool(block_size=(100,), num_blocks=20) as pool:
        block1 = pool.get_block()              # block 0: a numpy array over pool memory
        np.random.default_rng().standard_normal(out=block1)
        pool.return_block(0)                   # or pool.return_block(block1)

Lifetime: every array handed out keeps its pool's memory mapped (its numpy
``base`` is the pool's memory).  ``close()`` (or leaving ``with``) ends the
pool for new calls at once; the memory is unmapped when the last array over it
dies.  Returning a block, or ``reset()``, does not invalidate arrays over it:
as in the seed, the block may be handed out again and both see the same bytes.

Fork: pool memory is not inherited by a child process (``MADV_DONTFORK``).
In a child made by ``os.fork()`` or multiprocessing's ``fork`` start method,
every pool from the parent is closed (its calls raise ``ValueError``) and
arrays over its memory must not be touched: their address range is reserved
there with no access, so reading one kills the child with SIGSEGV.

``allocate_from(pool)`` makes numpy itself take array memory from a pool
(NEP 49), in the calling thread's current context only.
"""

try:
    from . import _numapool
except ImportError as _e:
    raise ImportError(
        f"numapool: the compiled extension numapool._numapool cannot be imported ({_e}); "
        f"{__path__[0]} holds the sources only: install the package (cmake --install, or "
        "pip install --no-build-isolation ./bindings/python) or use <build>/bindings/python") from _e
from ._numapool import (  # noqa: F401  (re-exported)
    FLAGS,
    FLAGS_ALL,
    MAX_NODES,
    PAGES,
    MemoryPool,
    __version__,
    _pop_allocator,
    _push_allocator,
)

# every NPOOL_<flag> as numapool.<FLAG> and every NPOOL_PAGES_<X> as
# numapool.PAGES_<X>: the extension generates them from the header's X-macros
globals().update({name: getattr(_numapool, name) for name in FLAGS})
globals().update({name: getattr(_numapool, name)
                  for name in dir(_numapool) if name.startswith("PAGES_")})


class allocate_from:
    """``with numapool.allocate_from(pool):`` numpy arrays made inside take their memory from ``pool``.

    numpy's allocator (NEP 49, ``PyDataMem_SetHandler``) is replaced in the
    calling thread's current context until the block ends: an array whose
    data fits one block gets a block (``npool_get``), a larger one a run of
    adjacent blocks (``npool_get_contig``) when one is free, anything else
    (and everything once the pool is closed) the allocator that was in effect
    before.  Each array frees its memory to whichever gave it, whenever it
    dies: after the block, after ``pool.close()`` (the pool's memory stays
    mapped while such arrays live).  ``ndarray.resize`` and other reallocations
    keep data in place while it fits its blocks and move it otherwise.

    Other threads are untouched, including threads started inside the block
    (Python starts each thread in an empty context); asyncio tasks created
    inside inherit it (they copy the context).  The block's value is the pool.
    ``pool.reset()`` raises while arrays made this way hold blocks, and
    ``return_block`` refuses their blocks: they return when the arrays die.
    """

    def __init__(self, pool):
        if not isinstance(pool, MemoryPool):
            raise TypeError(f"numapool: allocate_from() takes a MemoryPool, not {type(pool).__name__}")
        self._pool = pool
        self._tokens = []

    def __enter__(self):
        self._tokens.append(_push_allocator(self._pool))
        return self._pool

    def __exit__(self, *exc):
        _pop_allocator(self._tokens.pop())
        return False


__all__ = ["MemoryPool", "allocate_from", "PAGES", "FLAGS", "FLAGS_ALL", "MAX_NODES", "__version__"]
__all__ += sorted(FLAGS) + sorted(n for n in dir(_numapool) if n.startswith("PAGES_"))
