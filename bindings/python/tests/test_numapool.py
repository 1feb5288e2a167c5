#!/usr/bin/python3
"""The numapool Python package's tests (unittest), run against an installed copy.

check-install.sh runs this file with the package on PYTHONPATH (cmake
--install into a temporary prefix) or installed in a venv (pip).  Environment:
NPOOL_TEST_PREFIX, the prefix the library was installed into (the loaded
libnumapool must come from there); NPOOL_TEST_VENV, the venv pip installed
into; NPOOL_SOURCE_DIR, for the README examples and numapool.h.

Sequences that could crash the interpreter run in a child interpreter
(run_child), so a crash is reported as the test's failure with its signal.
"""
import gc
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import unittest

import numpy as np

import numapool
from numapool import MemoryPool

PREFIX = os.environ.get("NPOOL_TEST_PREFIX")
VENV = os.environ.get("NPOOL_TEST_VENV")
SOURCE = os.environ.get("NPOOL_SOURCE_DIR")


def addr(a):
    return a.__array_interface__["data"][0]


def mapping_of(address):
    """(start, end, perms) of the mapping of this process that holds address, or None."""
    with open("/proc/self/maps") as f:
        for line in f:
            rng, perms = line.split()[:2]
            lo, hi = (int(x, 16) for x in rng.split("-"))
            if lo <= address < hi:
                return lo, hi, perms
    return None


def kernel_page_size(address):
    """KernelPageSize in bytes of the mapping that holds address (/proc/self/smaps)."""
    inside = False
    with open("/proc/self/smaps") as f:
        for line in f:
            m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) ", line)
            if m:
                inside = int(m.group(1), 16) <= address < int(m.group(2), 16)
            elif inside and line.startswith("KernelPageSize:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no mapping holds {address:#x}")


def run_child(code, expect_rc=0):
    """Run code in a child interpreter like this one; return its stdout.

    Fails the test with the signal's name when the child was killed by one.
    """
    r = subprocess.run([sys.executable, "-P", "-c", textwrap.dedent(code)], capture_output=True, text=True,
                       timeout=120)
    if r.returncode < 0:
        raise AssertionError(f"the child died of {signal.Signals(-r.returncode).name}\n"
                             f"stdout: {r.stdout}\nstderr: {r.stderr}")
    if r.returncode != expect_rc:
        raise AssertionError(f"the child exited {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}")
    return r.stdout


def header_text():
    for base in (PREFIX, SOURCE):
        if base and os.path.exists(os.path.join(base, "include", "numapool.h")):
            with open(os.path.join(base, "include", "numapool.h")) as f:
                return f.read()
    raise unittest.SkipTest("numapool.h not found (set NPOOL_TEST_PREFIX or NPOOL_SOURCE_DIR)")


# ---------------------------------------------------------------------------


class SeedExample(unittest.TestCase):
    """The seed's docstring example: its import changed, its numpy slip fixed."""

    def test_seed_example_runs(self):
        out = run_child("""
            import numpy as np
            from numapool import MemoryPool

            # Create pool with 20 blocks of shape (100,)
            pool = MemoryPool(block_size=(100,), num_blocks=20)

            # Allocate blocks
            block1 = pool.get_block()
            block2 = pool.get_block()

            # Use blocks...
            np.random.default_rng().standard_normal(out=block1)

            # Return blocks (auto-coalesces if fragmentation > 20%)
            pool.return_block(0)
            pool.return_block(1)

            # Check pool health
            print(f"Efficiency: {pool.get_efficiency():.1f}%")
            print(f"Fragmentation: {pool.get_fragmentation():.1f}%")
        """)
        self.assertEqual(out, "Efficiency: 0.0%\nFragmentation: 0.0%\n")

    def test_seed_example_step_by_step(self):
        pool = MemoryPool(block_size=(100,), num_blocks=20)
        self.assertEqual(pool.block_size, (100,))
        self.assertEqual(pool.num_blocks, 20)
        self.assertEqual(len(pool.blocks), 20)
        self.assertEqual(pool.available, list(range(20)))
        self.assertEqual(pool.allocated, [])
        block1 = pool.get_block()
        block2 = pool.get_block()
        self.assertEqual((pool.index_of(block1), pool.index_of(block2)), (0, 1))
        self.assertEqual(pool.allocated, [0, 1])
        self.assertEqual(pool.available, list(range(2, 20)))
        self.assertEqual(block1.shape, (100,))
        self.assertEqual(block1.dtype, np.float64)
        np.random.default_rng(7).standard_normal(out=block1)
        self.assertTrue(np.array_equal(pool.blocks[0], block1), "blocks[0] is block 0's memory")
        self.assertTrue(np.shares_memory(pool.blocks[0], block1))
        self.assertEqual(pool.get_efficiency(), 10.0)
        pool.return_block(0)
        pool.return_block(1)
        self.assertEqual(pool.get_efficiency(), 0.0)
        self.assertEqual(pool.get_fragmentation(), 0.0)
        self.assertEqual(pool.allocated, [])
        pool.close()


class SeedClass(unittest.TestCase):
    def setUp(self):
        self.pool = MemoryPool(block_size=(10, 10), num_blocks=32, name="seed", flags=numapool.NO_CACHE)

    def tearDown(self):
        self.pool.close()

    def test_int_block_size_and_dtype(self):
        with MemoryPool(100, 4, dtype=np.int32) as p:
            a = p.get_block()
            self.assertEqual((a.shape, a.dtype), ((100,), np.int32))
            self.assertEqual(p.stats()["block_size"], 400)
        with MemoryPool((4,), 8, dtype=("f8", (3,)), flags=numapool.NO_CACHE) as p:
            # as np.empty((4,), ("f8", (3,))): the subarray's dimensions join the shape
            self.assertEqual((p.block_size, p.dtype), ((4, 3), np.float64))
            a = p.get_block()
            run = p.get_run(2)
            self.assertEqual((a.shape, run.shape), ((4, 3), (2, 4, 3)))
            p.return_run(run)
            p.return_block(a)
            self.assertEqual(p.allocated, [])
        with MemoryPool((5,), 2, dtype=">i4") as p:
            a = p.get_block()
            a[:] = 7
            self.assertEqual((a.dtype, a.sum()), (np.dtype(">i4"), 35))
        with MemoryPool((3,), 2, dtype=[("x", "f4"), ("n", "i2")]) as p:
            a = p.get_block()
            a["x"] = 1.5
            self.assertEqual(a.dtype.names, ("x", "n"))
            self.assertTrue(np.all(p.blocks[0]["x"] == 1.5))

    def test_blocks_are_the_pool_memory(self):
        a = self.pool.get_block()
        self.assertEqual(a.shape, (10, 10))
        self.assertFalse(a.flags.owndata)
        self.assertTrue(a.flags.writeable and a.flags.c_contiguous)
        self.assertEqual(addr(a) % 64, 0)
        self.assertEqual(addr(self.pool.blocks[0]), addr(a))
        self.assertEqual(addr(self.pool.blocks[1]) - addr(a), self.pool.stats()["stride"])
        self.assertEqual(addr(self.pool.blocks[-1]), addr(self.pool.blocks[31]))
        with self.assertRaises(IndexError):
            self.pool.blocks[32]
        with self.assertRaises(IndexError):
            self.pool.blocks[-33]
        with self.assertRaises(TypeError):
            self.pool.blocks["0"]
        sl = self.pool.blocks[2:8:3]
        self.assertEqual([self.pool.index_of(x) for x in sl], [2, 5])
        self.assertEqual(len(self.pool.blocks[::-1]), 32)
        self.assertEqual(self.pool.index_of(self.pool.blocks[::-1][0]), 31)
        self.pool.blocks[0][3, 4] = 42.0
        self.assertEqual(a[3, 4], 42.0)
        self.assertEqual(sum(1 for _ in self.pool.blocks), 32)

    def test_fragmentation_coalesce_reset(self):
        arrs = [self.pool.get_block() for _ in range(10)]
        self.assertEqual([self.pool.index_of(a) for a in arrs], list(range(10)))
        for a in arrs[1::2]:
            self.pool.return_block(a)
        self.assertEqual(self.pool.allocated, [0, 2, 4, 6, 8])
        self.assertEqual(self.pool.available, [1, 3, 5, 7, 9] + list(range(10, 32)))
        self.assertEqual(self.pool.get_efficiency(), 100.0 * 5 / 32)
        frag = self.pool.get_fragmentation()
        # free set {1,3,5,7,9,10..31}: largest run 23 of 27 free blocks
        self.assertAlmostEqual(frag, 100.0 * (1 - 23 / 27), places=6)
        self.pool.coalesce()
        self.pool.check()
        self.assertEqual(self.pool.get_fragmentation(), frag, "coalesce cannot move held blocks")
        # lowest address first: the holes are refilled in order
        self.assertEqual(self.pool.index_of(self.pool.get_block()), 1)
        self.pool.reset()
        self.assertEqual(self.pool.allocated, [])
        self.assertEqual(self.pool.get_efficiency(), 0.0)
        self.assertEqual(self.pool.index_of(self.pool.get_block()), 0)
        arrs[0][0, 0] = 5.0          # reset() leaves old arrays valid memory (seed semantics)
        self.assertEqual(self.pool.blocks[0][0, 0], 5.0)
        self.pool.check()

    def test_repr(self):
        r = repr(self.pool)
        self.assertIn("seed", r)
        self.assertIn("32", r)
        self.pool.get_block()
        self.assertIn("1 held", repr(self.pool))
        self.pool.close()
        self.assertEqual(repr(self.pool), "<numapool.MemoryPool 'seed' closed>")

    def test_empty_pool_gives_none(self):
        arrs = [self.pool.get_block() for _ in range(32)]
        self.assertEqual(sorted(self.pool.index_of(a) for a in arrs), list(range(32)))
        for i, a in enumerate(arrs):
            a.fill(i)
        for i, a in enumerate(arrs):
            self.assertTrue(np.all(a == i), f"block {i} was overwritten")
        self.assertIsNone(self.pool.get_block())
        self.assertIsNone(self.pool.get_blocks(1))
        self.assertIsNone(self.pool.get_run(1))
        self.assertEqual(self.pool.get_efficiency(), 100.0)
        self.assertEqual(self.pool.available, [])


class BeyondTheSeed(unittest.TestCase):
    def setUp(self):
        self.pool = MemoryPool(block_size=(100,), num_blocks=64, name="beyond", flags=numapool.NO_CACHE)

    def tearDown(self):
        self.pool.close()

    def test_get_blocks_return_blocks(self):
        arrs = self.pool.get_blocks(5)
        self.assertEqual([self.pool.index_of(a) for a in arrs], [0, 1, 2, 3, 4])
        self.assertIsNone(self.pool.get_blocks(60), "all or nothing: 59 are free")
        self.assertEqual(self.pool.allocated, [0, 1, 2, 3, 4])
        with self.assertRaisesRegex(ValueError, "appears twice"):
            self.pool.return_blocks([arrs[0], 1, 0])
        with self.assertRaisesRegex(ValueError, "already free"):
            self.pool.return_blocks([2, 9])
        self.assertEqual(self.pool.allocated, [0, 1, 2, 3, 4], "a refused bulk return changes nothing")
        self.pool.return_blocks([arrs[0], 3, np.int64(1)])
        self.assertEqual(self.pool.allocated, [2, 4])
        self.pool.return_blocks(())
        with self.assertRaises(ValueError):
            self.pool.get_blocks(0)
        self.pool.check()

    def test_run(self):
        self.pool.get_block()                      # block 0
        run = self.pool.get_run(4)
        stride = self.pool.stats()["stride"]
        self.assertEqual(run.shape, (4, 100))
        self.assertEqual(run.strides, (stride, 8))
        self.assertEqual(self.pool.index_of(run), 1)
        self.assertEqual(self.pool.allocated, [0, 1, 2, 3, 4])
        self.assertEqual(addr(run[3]), addr(self.pool.blocks[4]))
        run[:] = np.arange(4)[:, None]
        self.assertTrue(np.all(self.pool.blocks[3] == 2))
        with self.assertRaisesRegex(ValueError, "return_run"):
            self.pool.return_block(run)              # more than one block
        self.pool.return_block(run[1])               # one block of a run may go back alone
        with self.assertRaisesRegex(ValueError, "block 2 .* already free"):
            self.pool.return_run(run)
        self.assertEqual(self.pool.allocated, [0, 1, 3, 4], "a refused run return changes nothing")
        with self.assertRaises(ValueError):
            self.pool.return_run(run[::2])           # not a run's stride
        with self.assertRaisesRegex(ValueError, "n=3 but the array holds 4"):
            self.pool.return_run(run, 3)
        self.pool.return_run(3, 2)
        self.pool.return_run(run[:1])
        self.assertEqual(self.pool.allocated, [0])
        with self.assertRaisesRegex(ValueError, "64"):     # the library's sentence: a node has 64
            self.pool.get_run(65)
        self.pool.check()

    def test_index_of(self):
        a = self.pool.get_block()
        b = self.pool.get_block()
        self.assertEqual(self.pool.index_of(b), 1)
        self.assertEqual(self.pool.index_of(b[:10]), 1)
        with self.assertRaises(ValueError):
            self.pool.index_of(a[1:])
        with self.assertRaises(ValueError):
            self.pool.index_of(np.zeros(100))
        with self.assertRaises(TypeError):
            self.pool.index_of([1, 2])

    def test_stats(self):
        arrs = [self.pool.get_block() for _ in range(8)]
        for a in arrs[::2]:
            self.pool.return_block(a)
        st = self.pool.stats()
        self.assertEqual(st["blocks_total"], 64)
        self.assertEqual(st["blocks_held"], 4)
        self.assertEqual(st["block_size"], 800)
        self.assertEqual(st["stride"], 832)
        self.assertEqual(st["efficiency"], 100.0 * 4 / 64)
        self.assertEqual(st["gets"], 8)
        self.assertEqual(st["puts"], 4)
        self.assertEqual(st["blocks_numpy"], 0)
        self.assertEqual(st["flags"] & numapool.NO_CACHE, numapool.NO_CACHE)
        self.assertEqual(len(st["nodes"]), st["nnodes"])
        n0 = st["nodes"][0]
        self.assertIn(n0["backing"], ("1G", "2M", "THP", "base", "hugetlb"))
        self.assertEqual(n0["requested"], "auto")
        self.assertEqual(n0["blocks_total"], 64)

    def test_context_manager(self):
        with MemoryPool((4,), 4) as p:
            a = p.get_block()
            self.assertFalse(p.closed)
        self.assertTrue(p.closed)
        a[:] = 3.0                                   # still mapped: a holds the memory
        self.assertEqual(a.sum(), 12.0)
        with self.assertRaisesRegex(ValueError, "closed"):
            p.get_block()

    def test_node_argument(self):
        node = self.pool.stats()["nodes"][0]["node"]
        a = self.pool.get_block(node)
        self.assertEqual(self.pool.index_of(a), 0)
        b = self.pool.get_block(node=None)
        self.assertEqual(self.pool.index_of(b), 1)
        with self.assertRaises(ValueError) as cm:
            self.pool.get_block(node + 63)
        self.assertTrue(str(cm.exception))
        with self.assertRaises(TypeError):
            self.pool.get_block(node, 1)
        with self.assertRaises(TypeError):
            self.pool.get_block(nod=1)


class Errors(unittest.TestCase):
    """Bad input: a clear exception carrying the library's sentence, nothing changed."""

    def test_create_errors_carry_the_library_sentence(self):
        with self.assertRaises(OSError) as cm:
            MemoryPool((100,), 4, nodes="99")
        self.assertEqual(cm.exception.errno, 19)      # ENODEV
        self.assertIn("node 99", str(cm.exception))
        with self.assertRaisesRegex(ValueError, "flags 0x100000 has unknown bits"):
            MemoryPool((100,), 4, flags=1 << 20)
        with self.assertRaisesRegex(ValueError, "coalesce_threshold"):
            MemoryPool((100,), 4, coalesce_threshold=150.0)
        with self.assertRaisesRegex(ValueError, "align"):
            MemoryPool((100,), 4, align=48)

    def test_bad_arguments(self):
        for bs in [(0,), (-1,), (3, 0), ()]:
            if bs == ():
                with MemoryPool(bs, 2) as p:         # a 0-d block: one element
                    self.assertEqual(p.get_block().shape, ())
                continue
            with self.assertRaisesRegex(ValueError, "every dimension must be > 0"):
                MemoryPool(bs, 2)
        with self.assertRaisesRegex(ValueError, "dimensions"):
            MemoryPool((1,) * 40, 2)
        with self.assertRaisesRegex(ValueError, "overflows"):
            MemoryPool((2**40, 2**40), 2)
        with self.assertRaises(TypeError):
            MemoryPool("100", 2)
        for n in (0, -5):
            with self.assertRaisesRegex(ValueError, "num_blocks"):
                MemoryPool((100,), n)
        with self.assertRaisesRegex(ValueError, "pages 'huge'"):
            MemoryPool((100,), 2, pages="huge")
        with self.assertRaises(TypeError):
            MemoryPool((100,), 2, pages=1.5)
        with self.assertRaises(TypeError):
            MemoryPool((100,), 2, name=5)

    def test_wrong_dtypes(self):
        with self.assertRaisesRegex(TypeError, "Python objects"):
            MemoryPool((10,), 2, dtype=object)
        with self.assertRaisesRegex(TypeError, "Python objects"):
            MemoryPool((10,), 2, dtype=[("a", "f8"), ("o", "O")])
        with self.assertRaisesRegex(TypeError, "no size"):
            MemoryPool((10,), 2, dtype="S")
        with self.assertRaises(TypeError):
            MemoryPool((10,), 2, dtype="not a dtype")
        with MemoryPool((4,), 2, dtype="U8") as p:
            a = p.get_block()
            a[:] = "numapool"
            self.assertEqual(list(p.blocks[0]), ["numapool"] * 4)

    def test_bad_returns(self):
        with MemoryPool((100,), 20, name="r") as p, MemoryPool((100,), 20, name="other") as q:
            a = p.get_block()
            foreign = q.get_block()
            cases = [
                (20, ValueError, "out of range: pool 'r' has 20 blocks"),
                (-1, ValueError, "negative"),
                (2**64, ValueError, "out of range"),
                (3, ValueError, "block 3 of pool 'r' is already free"),
                (np.zeros(100), ValueError, "not a block of pool 'r'"),
                (foreign, ValueError, "not a block of pool 'r'"),
                (a[1:], ValueError, "starts 8 bytes into block 0"),
                ("0", TypeError, "integer"),
                (1.0, TypeError, "integer"),
                (None, TypeError, "integer"),
            ]
            for x, exc, msg in cases:
                with self.subTest(x=type(x).__name__):
                    with self.assertRaisesRegex(exc, msg):
                        p.return_block(x)
            self.assertEqual(p.allocated, [0], "refused returns change nothing")
            self.assertEqual(p.stats()["puts"], 0)
            p.return_block(np.int64(0))
            with self.assertRaisesRegex(ValueError, "already free"):
                p.return_block(a)                       # double return
            p.check()
            q.check()


class Constants(unittest.TestCase):
    def test_every_flag_and_page_constant_of_the_header(self):
        h = header_text()
        flags = re.search(r"#define NPOOL_FLAG_LIST\(X\)\s*((?:X\(\w+\)\s*)+)", h)
        pages = re.search(r"#define NPOOL_PAGES_LIST\(X\)\s*((?:X\(\w+\)\s*)+)", h)
        self.assertIsNotNone(flags)
        self.assertIsNotNone(pages)
        flag_names = re.findall(r"X\((\w+)\)", flags.group(1))
        page_names = re.findall(r"X\((\w+)\)", pages.group(1))
        self.assertGreaterEqual(len(flag_names), 7)
        self.assertGreaterEqual(len(page_names), 6)
        allbits = 0
        for n in flag_names:
            self.assertTrue(hasattr(numapool, n), f"numapool lacks flag {n}")
            v = getattr(numapool, n)
            m = re.search(r"NPOOL_%s\s*=\s*1u\s*<<\s*(\d+)" % n, h)
            self.assertIsNotNone(m, f"NPOOL_{n} not found in numapool.h")
            self.assertEqual(v, 1 << int(m.group(1)), n)
            self.assertEqual(numapool.FLAGS[n], v)
            self.assertIn(n, numapool.__all__)
            allbits |= v
        self.assertEqual(numapool.FLAGS_ALL, allbits)
        self.assertEqual(set(numapool.FLAGS), set(flag_names))
        for i, n in enumerate(page_names):
            self.assertTrue(hasattr(numapool, "PAGES_" + n), f"numapool lacks PAGES_{n}")
            self.assertEqual(getattr(numapool, "PAGES_" + n), i, "enum npool_pages counts from 0")
            self.assertIn("PAGES_" + n, numapool.__all__)
        self.assertEqual(sorted(numapool.PAGES.values()), list(range(len(page_names))))

    def test_pages_argument(self):
        for name, req in [("auto", "auto"), ("AUTO", "auto"), ("thp", "THP"), ("base", "base"),
                          (None, "auto"), (numapool.PAGES_BASE, "base"), ("2M", "2M"), ("1g", "1G")]:
            with self.subTest(pages=name), MemoryPool((100,), 4, pages=name) as p:
                self.assertEqual(p.stats()["nodes"][0]["requested"], req)
        with MemoryPool((100,), 4, pages="base") as p:
            self.assertEqual(p.stats()["nodes"][0]["backing"], "base")

    def test_pages_as_a_page_size(self):
        # an int page size is NPOOL_PAGES_HUGETLB with that npool_config_t::page_size
        with MemoryPool((100,), 4, pages=64 << 10) as p:      # no 64 KiB hugepages on x86: it falls back
            r = p.stats()["nodes"][0]
            self.assertEqual(r["requested"], "hugetlb")
            if r["fell_back"]:
                self.assertIn("64 KiB", r["fallback_reason"])
        for kw in (dict(pages=2 << 20), dict(pages="hugetlb", page_size=2 << 20), dict(page_size=2 << 20),
                   dict(pages=numapool.PAGES_HUGETLB, page_size=2 << 20)):
            with self.subTest(**kw), MemoryPool((100,), 4, **kw) as p:
                self.assertEqual(p.stats()["nodes"][0]["requested"], "2M", "the library names 2 MiB hugetlb 2M")
        with self.assertRaisesRegex(ValueError, "power of two .* not 12345"):
            MemoryPool((100,), 4, pages=12345)
        with self.assertRaisesRegex(ValueError, "needs page_size"):
            MemoryPool((100,), 4, pages="hugetlb")
        with self.assertRaisesRegex(ValueError, "page_size 2097152 is given with pages base"):
            MemoryPool((100,), 4, pages="base", page_size=2 << 20)
        with self.assertRaisesRegex(ValueError, "disagree"):
            MemoryPool((100,), 4, pages=2 << 20, page_size=1 << 30)


class Lifetime(unittest.TestCase):
    """Arrays keep their pool's memory mapped; close() ends calls, not memory."""

    def test_temporary_pool(self):
        out = run_child("""
            import gc, numapool
            a = numapool.MemoryPool(block_size=(1000,), num_blocks=64).get_block()
            gc.collect()
            a[:] = 2.0
            b = numapool.MemoryPool(block_size=(1000,), num_blocks=64).blocks[5]
            b[:] = 1.0
            print(a.sum() + b.sum())
        """)
        self.assertEqual(out.strip(), "3000.0")

    def test_close_with_live_arrays(self):
        p = MemoryPool((1000,), 64, pages="base")
        a = p.get_block()
        v = a[10:20]
        run = p.get_run(3)
        at = addr(a)
        self.assertIsNotNone(mapping_of(at))
        p.close()
        p.close()                                    # idempotent
        self.assertTrue(p.closed)
        for call in (p.get_block, p.coalesce, p.get_efficiency, p.get_fragmentation, p.reset, p.check,
                     p.stats, lambda: p.return_block(0), lambda: p.return_block(a), lambda: p.index_of(a),
                     lambda: p.get_blocks(2), lambda: p.get_run(2), lambda: p.return_run(run),
                     lambda: p.blocks, lambda: p.available, lambda: p.allocated,
                     lambda: p.return_blocks([0])):
            with self.assertRaisesRegex(ValueError, "closed"):
                call()
        self.assertEqual(p.num_blocks, 64)
        self.assertEqual(p.block_size, (1000,))
        a[:] = 1.0
        v[:] = 2.0
        run[:] = 3.0
        self.assertEqual(a.sum(), 1000.0 + 10.0)
        self.assertEqual(run.sum(), 9000.0)
        self.assertIsNotNone(mapping_of(at), "the memory stays while arrays live")
        del a
        gc.collect()
        self.assertIsNotNone(mapping_of(at), "the view and the run still hold it")
        del v, run
        gc.collect()
        self.assertIsNone(mapping_of(at), "npool_destroy unmapped the arena with the last array")

    def test_close_without_arrays_unmaps_at_once(self):
        p = MemoryPool((1000,), 64, pages="base")
        a = p.get_block()
        at = addr(a)
        del a
        self.assertIsNotNone(mapping_of(at))
        p.close()
        self.assertIsNone(mapping_of(at))

    def test_base_chain(self):
        with MemoryPool((100,), 4) as p:
            a = p.get_block()
            self.assertEqual(type(a.base).__name__, "_Memory")
            self.assertIs(a[2:].base, a, "numpy stops collapsing views at a base of another type")
            self.assertIs(a.reshape(10, 10).base, a)
            p.return_block(a.reshape(10, 10))          # a view at offset 0 returns the block

    def test_hazards_do_not_crash(self):
        out = run_child("""
            import gc, pickle, copy
            import numpy as np
            import numapool
            from numapool import MemoryPool
            p = MemoryPool((100,), 8, name="h")
            a = p.get_block()
            p.return_block(0)                    # returned while the array lives
            b = p.get_block()
            assert np.shares_memory(a, b)        # seed semantics: the block was handed out again
            a[:] = 1.0
            assert b.sum() == 100.0
            p.close()
            for f in (lambda: p.return_block(0), lambda: p.return_block(b), lambda: p.get_block()):
                try:
                    f(); raise SystemExit("no error after close")
                except ValueError:
                    pass
            b[:] = 2.0; a[:] = 3.0               # still mapped
            del p; gc.collect()
            assert b.sum() == 300.0
            # an object without __init__, __init__ twice, pickling
            q = MemoryPool.__new__(MemoryPool)
            for f in (q.get_block, q.stats, lambda: q.blocks, lambda: repr(q)):
                try:
                    f()
                except ValueError:
                    pass
            r = MemoryPool((4,), 2)
            try:
                r.__init__((4,), 2); raise SystemExit("__init__ twice accepted")
            except RuntimeError:
                pass
            for f in (lambda: pickle.dumps(r), lambda: copy.copy(r)):
                try:
                    f(); raise SystemExit("pickled")
                except TypeError:
                    pass
            # arrays over pool memory survive pickling as copies, and deep copies
            c = r.get_block(); c[:] = 7
            d = pickle.loads(pickle.dumps(c))
            r.close(); del r, c; gc.collect()
            assert d.sum() == 28 and d.flags.owndata
            # views, memoryviews and frombuffer keep the memory through their chain
            s = MemoryPool((256,), 4, dtype=np.uint8)
            mv = memoryview(s.get_block())
            fb = np.frombuffer(s.get_block(), dtype=np.uint16)
            s.close(); del s; gc.collect()
            mv[0] = 9; fb[:] = 1
            assert mv[0] == 9 and fb.sum() == 128
            print("OK")
        """)
        self.assertEqual(out.strip(), "OK")

    def test_random_sequences(self):
        """A seeded random walk over every call, checked against a model of who holds what."""
        out = run_child("""
            import gc, random
            import numpy as np
            import numapool
            rng = random.Random(12345)
            for round_ in range(6):
                flags = rng.choice([0, numapool.NO_CACHE, numapool.UNCHECKED, numapool.ZERO])
                p = numapool.MemoryPool((rng.randint(1, 40),), rng.randint(4, 40), flags=flags, name=f"w{round_}")
                n = p.num_blocks
                held = {}                     # index -> array (or run)
                numpy_arrays = []
                keep = []                     # arrays kept past return and close
                for step in range(600):
                    op = rng.randrange(14)
                    try:
                        if op == 0:
                            a = p.get_block()
                            if a is not None:
                                i = p.index_of(a); assert i not in held; held[i] = a
                        elif op == 1 and held:
                            i = rng.choice(list(held)); a = held[i]
                            if a.ndim == 1 and a.shape[0] == p.block_size[0]:
                                p.return_block(rng.choice([i, a, a[:]])); keep.append(held.pop(i))
                        elif op == 2:
                            i = rng.randrange(-2, n + 3)
                            p.return_block(i)
                            assert i in held, f"block {i} returned but not held from Python"
                            keep.append(held.pop(i))
                        elif op == 3:
                            k = rng.randint(1, 5); got = p.get_blocks(k)
                            for a in got or []:
                                held[p.index_of(a)] = a
                        elif op == 4:
                            k = rng.randint(1, 6); r = p.get_run(k)
                            if r is not None:
                                i = p.index_of(r)
                                for j in range(k):
                                    held[i + j] = r[j]
                        elif op == 5 and held:
                            i = rng.choice(list(held)); k = rng.randint(1, 3)
                            p.return_run(i, k)
                            assert all(i + j in held for j in range(k)), f"run {i}+{k} returned, not all held"
                            keep.extend(held.pop(i + j) for j in range(k))
                        elif op == 6:
                            p.return_block(np.zeros(p.block_size))
                        elif op == 7:
                            p.coalesce(); p.check()
                        elif op == 8 and not numpy_arrays:
                            p.reset(); keep.extend(held.values()); held.clear()
                        elif op == 9:
                            with numapool.allocate_from(p):
                                numpy_arrays.append(np.ones(rng.randint(1, 3 * p.block_size[0])))
                        elif op == 10 and numpy_arrays:
                            numpy_arrays.pop(rng.randrange(len(numpy_arrays)))
                        elif op == 11 and held:
                            i = rng.choice(list(held)); a = held[i]
                            p.return_block(a[1:] if a.size > 1 else a)
                            if a.size <= 1: held.pop(i)
                        elif op == 12:
                            b = p.blocks[rng.randrange(n)]; b[...] = 0  # writing a free block is allowed
                        elif op == 13 and numpy_arrays:
                            a = numpy_arrays[-1]; a.resize(rng.randint(1, 4 * p.block_size[0]), refcheck=False)
                    except ValueError:
                        pass
                    np_blocks = p.stats()["blocks_numpy"]
                    assert set(held) <= set(p.allocated), (op, sorted(held), p.allocated)
                    assert len(p.allocated) == len(held) + np_blocks, (len(p.allocated), len(held), np_blocks)
                    assert p.stats()["blocks_held"] == len(p.allocated)
                p.check()
                if rng.random() < 0.5:
                    p.close()
                for a in keep + list(held.values()) + numpy_arrays:
                    a[...] = 1                 # every array is still valid memory
                del p, held, keep, numpy_arrays; gc.collect()
            print("OK")
        """)
        self.assertEqual(out.strip(), "OK")


class Fork(unittest.TestCase):
    def test_os_fork(self):
        out = run_child("""
            import os, signal, numpy as np, numapool
            p = numapool.MemoryPool((512,), 16, name="f", flags=numapool.NO_CACHE)
            a = p.get_block(); a[:] = 4.0
            start = a.__array_interface__["data"][0]
            with numapool.allocate_from(p):
                h = np.ones(512)
            pid = os.fork()
            if pid == 0:
                rc = 0
                try:
                    p.get_block(); rc = 10
                except ValueError as e:
                    if "fork" not in str(e): rc = 11
                for f in (p.stats, p.get_efficiency, lambda: p.return_block(0), lambda: p.blocks):
                    try:
                        f(); rc = 12
                    except ValueError:
                        pass
                if not p.closed: rc = 13
                if "before fork" not in repr(p): rc = 14
                with open("/proc/self/maps") as m:      # the range is reserved, without access
                    for line in m:
                        lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
                        if lo <= start < hi and line.split()[1] != "---p": rc = 15
                try:
                    with numapool.allocate_from(p):
                        rc = 17
                except ValueError:
                    pass
                q = numapool.MemoryPool((512,), 4)      # a pool made in the child works
                b = q.get_block(); b[:] = 1
                if b.sum() != 512: rc = 16
                del h                                    # a hook array dies: nothing to give back, no crash
                q.close(); p.close()
                os._exit(rc)
            _, status = os.waitpid(pid, 0)
            print("child", os.waitstatus_to_exitcode(status))
            print("parent", a.sum(), p.get_efficiency() > 0, p.index_of(h))
            # touching pool memory in a child: the documented crash, not silent aliasing
            pid = os.fork()
            if pid == 0:
                a[0] = 1.0
                os._exit(0)
            _, status = os.waitpid(pid, 0)
            print("touch", os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSEGV)
        """)
        self.assertIn("child 0\n", out)
        self.assertIn("parent 2048.0 True 1\n", out)
        self.assertIn("touch True\n", out)

    def test_multiprocessing_fork(self):
        out = run_child("""
            import multiprocessing as mp, numpy as np, numapool
            pool = numapool.MemoryPool((100,), 8, name="mp", flags=numapool.NO_CACHE)
            block = pool.get_block()

            def worker(q):
                try:
                    pool.get_block()
                    q.put("no error")
                except ValueError as e:
                    q.put(str(e))
                fresh = numapool.MemoryPool((100,), 2)
                q.put(fresh.index_of(fresh.get_block()))

            if __name__ == "__main__":
                ctx = mp.get_context("fork")
                q = ctx.Queue()
                pr = ctx.Process(target=worker, args=(q,))
                pr.start()
                print(q.get(timeout=60)); print(q.get(timeout=60))
                pr.join(60)
                print("exit", pr.exitcode)
                with ctx.Pool(2) as mpool:
                    print(mpool.map(np.sum, [np.arange(3)] * 2))
                print("parent", pool.index_of(pool.get_block()))
        """)
        lines = out.splitlines()
        self.assertRegex(lines[0], "pool 'mp' was created before fork")
        self.assertEqual(lines[1:], ["0", "exit 0", "[3, 3]", "parent 1"])


class AllocateFrom(unittest.TestCase):
    def setUp(self):
        self.pool = MemoryPool(block_size=(100,), num_blocks=64, name="np", flags=numapool.NO_CACHE)

    def tearDown(self):
        self.pool.close()

    def test_inside_from_the_pool_outside_not(self):
        p = self.pool
        before = np.empty(50)
        with numapool.allocate_from(p) as got:
            self.assertIs(got, p)
            self.assertEqual(np.core.multiarray.get_handler_name(), "numapool")
            a = np.empty(100)
            b = np.arange(50.0)
            c = a + 1.0                               # results of ufuncs too
        after = np.empty(50)
        self.assertEqual(np.core.multiarray.get_handler_name(), "default_allocator")
        # a + 1.0 made a 0-d temporary of 1.0 first: every array numpy makes inside takes a block
        self.assertEqual([p.index_of(x) for x in (a, b, c)], [0, 1, 3])
        self.assertEqual(np.core.multiarray.get_handler_name(a), "numapool")
        self.assertTrue(a.flags.owndata)
        for x in (before, after):
            with self.assertRaises(ValueError):
                p.index_of(x)
            self.assertEqual(np.core.multiarray.get_handler_name(x), "default_allocator")
        self.assertEqual(p.allocated, [0, 1, 3])
        self.assertEqual(p.stats()["blocks_numpy"], 3)
        self.assertEqual(p.get_efficiency(), 100.0 * 3 / 64)
        del a, c                                      # frees after the with block, to the pool
        self.assertEqual(p.allocated, [1])
        self.assertTrue(np.all(b == np.arange(50.0)))
        del b
        self.assertEqual(p.get_efficiency(), 0.0)
        self.assertEqual(p.stats()["blocks_numpy"], 0)
        p.check()

    def test_node_and_page_size(self):
        p = self.pool
        st = p.stats()["nodes"][0]
        with numapool.allocate_from(p):
            a = np.ones(100)
        self.assertEqual(numapool._numapool._node_of(addr(a)), st["node"])
        self.assertEqual(kernel_page_size(addr(a)), st["page_size"])
        blk = p.get_block()
        self.assertEqual(numapool._numapool._node_of(addr(blk)), st["node"])

    def test_sizes_runs_and_fallback(self):
        p = self.pool
        with numapool.allocate_from(p):
            small = np.zeros(1)                       # a block even for one element
            big = np.zeros(450)                       # 3600 B: 1 + ceil(2800/832) = 5 blocks
            huge = np.zeros(100 * 65)                 # larger than the node: numpy's allocator
            zero_d = np.array(3.0)
        self.assertEqual(p.index_of(small), 0)
        self.assertEqual(p.index_of(big), 1)
        self.assertEqual(p.allocated, [0, 1, 2, 3, 4, 5, 6])
        self.assertTrue(np.all(big == 0))
        with self.assertRaises(ValueError):
            p.index_of(huge)
        with self.assertRaisesRegex(ValueError, "belongs to a numpy array"):
            p.return_block(2)                         # inside numpy's run
        with self.assertRaisesRegex(ValueError, "belongs to a numpy array"):
            p.return_block(1)
        with self.assertRaisesRegex(ValueError, "reset\\(\\) refused: 7 blocks"):
            p.reset()
        del big
        self.assertEqual(p.allocated, [0, 6])
        del small, zero_d, huge
        self.assertEqual(p.allocated, [])
        # an empty pool falls back
        held = p.get_blocks(64)
        with numapool.allocate_from(p):
            x = np.ones(10)
        self.assertEqual(x.sum(), 10.0)
        with self.assertRaises(ValueError):
            p.index_of(x)
        p.return_blocks(held)
        p.check()

    def test_numpy_temporary_buffers(self):
        # np.sort of a strided array copies each row into a buffer from the handler, frees it after
        p = self.pool
        x = np.arange(40.0)[::-1].reshape(4, 10)[:, ::2].copy(order="F")
        with numapool.allocate_from(p):
            y = np.sort(x, axis=1)                    # result: one block; the sort buffer came and went
        self.assertEqual(p.index_of(y), 0)
        self.assertEqual(p.allocated, [0])
        self.assertTrue(np.array_equal(y, np.sort(x.copy(), axis=1)))
        self.assertGreater(p.stats()["gets"], 1, "the sort's buffer was a pool block too")
        del y
        self.assertEqual(p.allocated, [])

    def test_calloc_zeroes_a_used_block(self):
        p = self.pool
        a = p.get_block()
        a[:] = 7.0
        p.return_block(a)
        with numapool.allocate_from(p):
            z = np.zeros(100)
        self.assertEqual(p.index_of(z), 0)
        self.assertTrue(np.all(z == 0.0))

    def test_realloc(self):
        p = self.pool
        with numapool.allocate_from(p):
            a = np.arange(10.0)
        at = addr(a)
        a.resize(100, refcheck=False)                 # still fits its block: stays
        self.assertEqual(addr(a), at)
        a.resize(300, refcheck=False)                 # 2400 B: moves to a run of 3
        self.assertEqual(list(a[:10]), list(range(10)))
        self.assertEqual(p.index_of(a), 1)
        self.assertEqual(p.allocated, [1, 2, 3])
        a.resize(100 * 70, refcheck=False)            # beyond a node: numpy's allocator
        self.assertEqual(list(a[:10]), list(range(10)))
        with self.assertRaises(ValueError):
            p.index_of(a)
        self.assertEqual(p.allocated, [])
        a.resize(5, refcheck=False)                   # back under a block: the fallback keeps it
        self.assertEqual(list(a), [0.0, 1.0, 2.0, 3.0, 4.0])
        del a
        self.assertEqual(p.get_efficiency(), 0.0)

    def test_arrays_outlive_the_pool(self):
        q = MemoryPool((1000,), 16, pages="base")
        with numapool.allocate_from(q):
            a = np.full(1000, 2.0)
        at = addr(a)
        q.close()
        with numapool.allocate_from(self.pool):
            pass
        with self.assertRaisesRegex(ValueError, "closed"):
            with numapool.allocate_from(q):
                pass
        a += 1.0
        self.assertEqual(a.sum(), 3000.0)
        self.assertIsNotNone(mapping_of(at))
        del a
        gc.collect()
        self.assertIsNone(mapping_of(at), "the last numpy array unmapped the closed pool")

    def test_closed_inside_the_block_falls_back(self):
        q = MemoryPool((100,), 4)
        with numapool.allocate_from(q):
            a = np.ones(100)
            q.close()
            b = np.ones(100)
        self.assertEqual(np.core.multiarray.get_handler_name(b), "numapool")
        self.assertEqual(a.sum() + b.sum(), 200.0)
        del a, b

    def test_nesting(self):
        p, q = self.pool, MemoryPool((100,), 2, name="inner", flags=numapool.NO_CACHE)
        with numapool.allocate_from(p):
            a = np.ones(100)
            with numapool.allocate_from(q):
                b, c, d = np.ones(100), np.ones(100), np.ones(100)  # q holds 2: d falls back to p
            e = np.ones(100)
        self.assertEqual((p.index_of(a), q.index_of(b), q.index_of(c), p.index_of(d), p.index_of(e)),
                         (0, 0, 1, 1, 2))
        del a, b, c, d, e
        self.assertEqual((p.get_efficiency(), q.get_efficiency()), (0.0, 0.0))
        q.close()

    def test_other_threads_untouched(self):
        p = self.pool
        results = {}
        go, inside = threading.Event(), threading.Event()

        def before_started():
            inside.wait(30)
            results["running"] = np.ones(100)
            go.set()

        t1 = threading.Thread(target=before_started)
        t1.start()
        with numapool.allocate_from(p):
            inside.set()
            go.wait(30)
            t2 = threading.Thread(target=lambda: results.__setitem__("started_inside", np.ones(100)))
            t2.start()
            t2.join(30)
            mine = np.ones(100)
        t1.join(30)
        self.assertEqual(p.index_of(mine), 0)
        for k in ("running", "started_inside"):
            with self.assertRaises(ValueError, msg=k):
                p.index_of(results[k])
        self.assertEqual(p.allocated, [0])

    def test_context_copies_inherit(self):
        import contextvars
        p = self.pool
        with numapool.allocate_from(p):
            ctx = contextvars.copy_context()
        self.assertEqual(p.index_of(ctx.run(np.ones, 100)), 0)
        with self.assertRaises(ValueError):
            p.index_of(np.ones(100))

    def test_exceptions_restore_numpy(self):
        with self.assertRaises(KeyError):
            with numapool.allocate_from(self.pool):
                raise KeyError
        self.assertEqual(np.core.multiarray.get_handler_name(), "default_allocator")
        with self.assertRaises(TypeError):
            numapool.allocate_from("pool")


@unittest.skipUnless(os.geteuid() == 0, "reserving hugepages needs root")
class HugePages(unittest.TestCase):
    """A 2 MiB pool: blocks and numpy's arrays on 2 MiB pages of the pool's node (reserved, then restored)."""

    NR = "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages"

    def setUp(self):
        if not os.path.exists(self.NR):
            self.skipTest("no 2 MiB hugepages on node 0")
        with open(self.NR) as f:
            self.old = int(f.read())
        with open(self.NR, "w") as f:
            f.write(str(self.old + 2))

    def tearDown(self):
        gc.collect()
        with open(self.NR, "w") as f:
            f.write(str(self.old))

    def test_2m_pool(self):
        with open(self.NR) as f:
            if int(f.read()) < self.old + 1:
                self.skipTest("the kernel could not reserve a 2 MiB page on node 0")
        p = MemoryPool((100,), 1000, pages="2M", nodes="0", flags=numapool.STRICT_PAGES)
        st = p.stats()["nodes"][0]
        self.assertEqual((st["backing"], st["page_size"], st["node"]), ("2M", 2 << 20, 0))
        a = p.get_block()
        self.assertEqual(kernel_page_size(addr(a)), 2 << 20)
        self.assertEqual(numapool._numapool._node_of(addr(a)), 0)
        with numapool.allocate_from(p):
            n = np.ones(100)
        self.assertEqual(p.index_of(n), 1)
        self.assertEqual(kernel_page_size(addr(n)), 2 << 20)
        self.assertEqual(numapool._numapool._node_of(addr(n)), 0)
        p.close()
        del a, n
        # the same by page size (NPOOL_PAGES_HUGETLB, page_size 2 MiB)
        with MemoryPool((100,), 1000, pages=2 << 20, nodes="0", flags=numapool.STRICT_PAGES) as q:
            st = q.stats()["nodes"][0]
            self.assertEqual((st["backing"], st["page_size"]), ("2M", 2 << 20))
            self.assertEqual(kernel_page_size(addr(q.blocks[0])), 2 << 20)


class Installed(unittest.TestCase):
    """The package and the library are the installed ones, found without LD_LIBRARY_PATH."""

    def test_where_from(self):
        if not PREFIX:
            self.skipTest("NPOOL_TEST_PREFIX not set")
        self.assertNotIn("LD_LIBRARY_PATH", os.environ)
        pkg = os.path.realpath(numapool.__file__)
        lib = os.path.realpath(numapool._numapool._library_path())
        prefix = os.path.realpath(PREFIX)
        self.assertTrue(lib.startswith(prefix + os.sep), f"libnumapool loaded from {lib}, not under {prefix}")
        if VENV:
            self.assertTrue(pkg.startswith(os.path.realpath(VENV) + os.sep), pkg)
        else:
            self.assertTrue(pkg.startswith(prefix + os.sep), pkg)
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "libnumapool" in line}
        self.assertEqual(libs, {lib}, "one copy of libnumapool in the process")


class Docs(unittest.TestCase):
    """The README's Python section and bindings/README.md: every python block runs."""

    def blocks(self, path, section=None):
        with open(path) as f:
            text = f.read()
        if section:
            m = re.search(r"^(#{2,3}) %s\n(.*?)(?=^#{2,3} )" % re.escape(section), text, re.S | re.M)
            self.assertIsNotNone(m, f"{path} has no '## {section}' or '### {section}' section")
            text = m.group(2)
        return re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)

    def test_readme_examples(self):
        if not SOURCE:
            self.skipTest("NPOOL_SOURCE_DIR not set")
        found = self.blocks(os.path.join(SOURCE, "README.md"), "Python")
        found += self.blocks(os.path.join(SOURCE, "bindings", "README.md"))
        self.assertGreaterEqual(len(found), 2)
        for code in found:
            with self.subTest(code=code.splitlines()[0]):
                out = run_child(code)
                # every print of an example says what it prints, in order
                expected = [e.strip() for e in re.findall(r"#\s*prints\s+(.+)$", code, re.M)]
                self.assertEqual(out.splitlines(), expected)


if __name__ == "__main__":
    unittest.main(verbosity=2)
