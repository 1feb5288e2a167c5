#!/usr/bin/python3
"""bench_python.py: numapool's get_block() + return_block() from Python, beside its references.

Measured in one run, in one process, loops interleaved, best of several
repetitions per loop (the least disturbed), for each pool size:

  np.empty         ``b = np.empty(shape)``: numpy's allocator, the same shape
  numapool         ``b = pool.get_block(); pool.return_block(b)``
  numapool idx     ``b = pool.get_block(); pool.return_block(pool.index_of(b))``
  pure Python      the seed's MemoryPool read faithfully (a list of
                   preallocated arrays, an `available` list popped from the
                   front, an `allocated` list, the fragmentation check on every
                   return): ``b = seed.get_block(); seed.return_block(idx)``
  lean Python      the cheapest pure-Python pool of preallocated arrays (a
                   free stack and a held set, no fragmentation check): the
                   floor of any pure-Python pool

and prints the ratios numapool / np.empty (the target is <= 2) and
numapool / pure Python (the target is < 1 at every size; also against the
lean pool).  Nothing is asserted: timings depend on the machine and its load.

    /usr/bin/python3 bench_python.py [--quick] [--sizes 64,4096,65536] [--shape 100]
"""
import argparse
import os
import platform
import sys
import time

import numpy as np

# this file sits beside the package's sources, which have no compiled
# extension: import the installed numapool, not bindings/python/numapool
_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
import numapool  # noqa: E402


class SeedMemoryPool:
    """The seed's pure-Python MemoryPool, as its documentation describes it."""

    def __init__(self, block_size, num_blocks):
        self.block_size = block_size
        self.num_blocks = num_blocks
        self.blocks = [np.zeros(block_size) for _ in range(num_blocks)]
        self.available = list(range(num_blocks))
        self.allocated = []

    def get_block(self):
        if not self.available:
            return None
        idx = self.available.pop(0)
        self.allocated.append(idx)
        return self.blocks[idx]

    def return_block(self, block_idx):
        if block_idx in self.allocated:
            self.allocated.remove(block_idx)
            self.available.append(block_idx)
            if self.get_fragmentation() > 20.0:
                self.coalesce()

    def coalesce(self):
        self.available.sort()

    def get_fragmentation(self):
        """Percent of neighbours in the available list that are not adjacent blocks."""
        if len(self.available) < 2:
            return 0.0
        av = self.available
        gaps = sum(1 for a, b in zip(av, av[1:]) if b != a + 1)
        return 100.0 * gaps / (len(av) - 1)

    def get_efficiency(self):
        return 100.0 * len(self.allocated) / self.num_blocks

    def reset(self):
        self.available = list(range(self.num_blocks))
        self.allocated = []


class LeanPool:
    """Preallocated arrays, a free stack and a held set: O(1) everything."""

    def __init__(self, block_size, num_blocks):
        self.blocks = [np.zeros(block_size) for _ in range(num_blocks)]
        self.available = list(range(num_blocks - 1, -1, -1))
        self.allocated = set()
        self.last = -1

    def get_block(self):
        if not self.available:
            return None
        idx = self.last = self.available.pop()
        self.allocated.add(idx)
        return self.blocks[idx]

    def return_block(self, block_idx):
        if block_idx in self.allocated:
            self.allocated.remove(block_idx)
            self.available.append(block_idx)


def loop_lean(n, pool):
    g, r = pool.get_block, pool.return_block
    t = time.perf_counter_ns()
    for _ in range(n):
        b = g()
        r(pool.last)
    del b
    return time.perf_counter_ns() - t


def loop_np(n, shape):
    e = np.empty
    t = time.perf_counter_ns()
    for _ in range(n):
        b = e(shape)
    t = time.perf_counter_ns() - t
    del b
    return t


def loop_pool(n, pool):
    g, r = pool.get_block, pool.return_block
    t = time.perf_counter_ns()
    for _ in range(n):
        b = g()
        r(b)
    return time.perf_counter_ns() - t


def loop_pool_idx(n, pool):
    g, r, ix = pool.get_block, pool.return_block, pool.index_of
    t = time.perf_counter_ns()
    for _ in range(n):
        b = g()
        r(ix(b))
    return time.perf_counter_ns() - t


def loop_seed(n, pool):
    g, r, al = pool.get_block, pool.return_block, pool.allocated
    t = time.perf_counter_ns()
    for _ in range(n):
        b = g()
        r(al[-1])
    del b
    return time.perf_counter_ns() - t


def calibrate(fn, arg, budget_ns):
    """Iterations that make one repetition last about budget_ns."""
    n = 8
    while True:
        t = fn(n, arg)
        if t >= budget_ns / 4 or n >= 1 << 22:
            return max(1, int(n * budget_ns / max(t, 1)))
        n *= 4


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="64,4096,65536", help="pool sizes in blocks (default 64,4096,65536)")
    ap.add_argument("--shape", type=int, default=100, help="block shape (n,) of float64 (default 100)")
    ap.add_argument("--reps", type=int, default=9, help="repetitions per loop (default 9)")
    ap.add_argument("--quick", action="store_true", help="small sizes, short loops (a smoke test)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    reps, budget = args.reps, 20_000_000
    if args.quick:
        sizes, reps, budget = [64, 1024], 3, 1_000_000
    shape = (args.shape,)

    print(f"numapool {numapool.__version__}, numpy {np.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}; blocks {shape} float64; best of {reps} repetitions, loops interleaved")
    print(f"{'blocks':>8} {'np.empty':>10} {'numapool':>10} {'/np.empty':>10} {'numapool idx':>13} "
          f"{'pure Python':>12} {'numapool/pure':>14} {'lean Python':>12} {'numapool/lean':>14}")
    rows = []
    for size in sizes:
        pool = numapool.MemoryPool(block_size=shape, num_blocks=size, name="bench")
        seed = SeedMemoryPool(shape, size)
        lean = LeanPool(shape, size)
        loops = [(loop_np, shape), (loop_pool, pool), (loop_pool_idx, pool), (loop_seed, seed), (loop_lean, lean)]
        iters = [calibrate(fn, arg, budget) for fn, arg in loops]
        best = [float("inf")] * len(loops)
        for _ in range(reps):
            for k, (fn, arg) in enumerate(loops):
                best[k] = min(best[k], fn(iters[k], arg) / iters[k])
        ns_np, ns_pool, ns_idx, ns_seed, ns_lean = best
        rows.append((size, ns_np, ns_pool, ns_idx, ns_seed, ns_lean))
        print(f"{size:>8} {ns_np:>8.1f}ns {ns_pool:>8.1f}ns {ns_pool / ns_np:>9.2f}x {ns_idx:>11.1f}ns "
              f"{ns_seed:>10.1f}ns {ns_pool / ns_seed:>13.3f}x {ns_lean:>10.1f}ns {ns_pool / ns_lean:>13.2f}x")
        pool.close()
    worst_np = max(r[2] / r[1] for r in rows)
    worst_seed = max(r[2] / r[4] for r in rows)
    worst_lean = max(r[2] / r[5] for r in rows)
    print(f"targets: numapool <= 2x np.empty: worst {worst_np:.2f}x ({'met' if worst_np <= 2 else 'MISSED'}); "
          f"faster than the seed's pure-Python pool at every size: worst {worst_seed:.3f}x "
          f"({'met' if worst_seed < 1 else 'MISSED'}); against the lean pool: worst {worst_lean:.2f}x")


if __name__ == "__main__":
    main()
