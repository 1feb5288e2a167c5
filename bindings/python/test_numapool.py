#!/usr/bin/python3
"""Tests of the Python binding (plain unittest; run with /usr/bin/python3).

The library comes from NUMAPOOL_LIB (ctest sets it to the built one), else as
numapool.load_library() finds it.  Exits 77 (skip) when numpy is missing.
"""
import os
import sys

try:
    import numpy as np
except ImportError as e:
    print(f"SKIP: numpy is not importable by {sys.executable} ({e}); "
          "install Debian's python3-numpy", flush=True)
    sys.exit(77)

import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numapool  # noqa: E402
from numapool import MemoryPool  # noqa: E402


class SeedExample(unittest.TestCase):
    """The seed's docstring example, number for number."""

    def test_seed_example(self):
        pool = MemoryPool(block_size=(100,), num_blocks=20)
        try:
            self.assertEqual(pool.block_size, (100,))
            self.assertEqual(pool.num_blocks, 20)
            block1 = pool.get_block()
            block2 = pool.get_block()
            self.assertIsInstance(block1, np.ndarray)
            self.assertEqual(block1.shape, (100,))
            self.assertEqual(block1.dtype, np.float64)
            self.assertEqual(pool.index_of(block1), 0)
            self.assertEqual(pool.index_of(block2), 1)
            # the seed wrote np.random.randn(*block1.shape, out=block1), which numpy
            # has no `out` for; a Generator fills the view in place
            np.random.default_rng(1).standard_normal(out=block1)
            self.assertTrue(np.any(block1 != 0.0))
            self.assertTrue(np.array_equal(pool.block(0), block1))
            self.assertEqual(pool.get_efficiency(), 10.0)
            pool.return_block(0)
            pool.return_block(1)
            self.assertEqual(pool.get_efficiency(), 0.0)
            self.assertEqual(pool.get_fragmentation(), 0.0)
            self.assertEqual(f"Efficiency: {pool.get_efficiency():.1f}%", "Efficiency: 0.0%")
            self.assertEqual(f"Fragmentation: {pool.get_fragmentation():.1f}%", "Fragmentation: 0.0%")
        finally:
            pool.close()


class Binding(unittest.TestCase):
    def setUp(self):
        self.pool = MemoryPool(block_size=(100,), num_blocks=20, name="pytest")

    def tearDown(self):
        self.pool.close()

    def test_view_not_copy(self):
        idx, a = self.pool.get_block_index()
        self.assertEqual(idx, 0)
        a[:] = np.arange(100, dtype=np.float64)
        # the same memory, seen again through the index
        b = self.pool.block(idx)
        np.testing.assert_array_equal(b, np.arange(100, dtype=np.float64))
        b[7] = -1.5
        self.assertEqual(a[7], -1.5)
        self.assertFalse(a.flags.owndata)
        self.assertTrue(a.flags.writeable)
        self.assertEqual(a.__array_interface__["data"][0] % 64, 0)

    def test_blocks_distinct(self):
        arrs = [self.pool.get_block() for _ in range(20)]
        self.assertEqual(sorted(self.pool.index_of(a) for a in arrs), list(range(20)))
        for i, a in enumerate(arrs):
            a.fill(float(i))
        for i, a in enumerate(arrs):
            self.assertTrue(np.all(a == float(i)), f"block {i} was overwritten")
        self.assertEqual(self.pool.get_efficiency(), 100.0)
        self.assertIsNone(self.pool.get_block())
        self.assertIsNone(self.pool.get_block_index())
        self.pool.return_block(arrs[5])          # an array is accepted too
        self.assertEqual(self.pool.index_of(self.pool.get_block()), 5)

    def test_double_return_raises(self):
        a = self.pool.get_block()
        self.pool.return_block(self.pool.index_of(a))
        with self.assertRaises(ValueError) as cm:
            self.pool.return_block(0)
        self.assertTrue(str(cm.exception), "the error carries the library's sentence")
        self.assertEqual(self.pool.stats()["refused_puts"], 1)

    def test_never_taken_raises(self):
        with self.assertRaises(ValueError):
            self.pool.return_block(3)

    def test_bad_index_raises(self):
        with self.assertRaises(ValueError) as cm:
            self.pool.return_block(20)
        self.assertTrue(str(cm.exception))
        with self.assertRaises(ValueError):
            self.pool.return_block(-1)
        with self.assertRaises(ValueError):
            self.pool.return_block(2**64 - 1)
        with self.assertRaises(ValueError):
            self.pool.block(20)
        with self.assertRaises(ValueError):
            self.pool.index_of(np.zeros(100))
        self.assertEqual(self.pool.get_efficiency(), 0.0)

    def test_repr(self):
        r = repr(self.pool)
        self.assertIn("pytest", r)
        self.assertIn("20", r)
        self.pool.get_block()
        self.assertIn("5", repr(self.pool))      # efficiency 5.0%
        self.pool.close()
        self.assertIn("closed", repr(self.pool))

    def test_reset(self):
        for _ in range(7):
            self.pool.get_block()
        self.pool.return_block(3)
        self.pool.reset()
        self.assertEqual(self.pool.get_efficiency(), 0.0)
        self.assertEqual(self.pool.get_fragmentation(), 0.0)
        self.assertEqual(self.pool.index_of(self.pool.get_block()), 0)
        self.assertEqual(self.pool.index_of(self.pool.get_block()), 1)
        self.pool.check()

    def test_coalesce_and_stats(self):
        arrs = [self.pool.get_block() for _ in range(10)]
        for a in arrs[::2]:
            self.pool.return_block(a)
        self.pool.coalesce()
        self.pool.check()
        st = self.pool.stats()
        self.assertEqual(st["blocks_total"], 20)
        self.assertEqual(st["blocks_held"], 5)
        self.assertEqual(st["blocks_cached"], 0)
        self.assertEqual(st["block_size"], 800)
        self.assertGreaterEqual(st["stride"], 800)
        self.assertEqual(st["efficiency"], 25.0)
        self.assertEqual(st["fragmentation"], self.pool.get_fragmentation())
        self.assertGreater(st["fragmentation"], 0.0)
        self.assertEqual(len(st["nodes"]), st["nnodes"])
        self.assertIn(st["nodes"][0]["backing"], ("1G", "2M", "THP", "base"))
        self.assertGreaterEqual(st["coalesces"], 1)

    def test_closed_and_context_manager(self):
        with MemoryPool(block_size=4, num_blocks=3, dtype=np.int32) as p:
            a = p.get_block()
            self.assertEqual(a.shape, (4,))
            self.assertEqual(a.dtype, np.int32)
        self.assertTrue(p.closed)
        with self.assertRaises(ValueError):
            p.get_block()
        p.close()                                 # idempotent

    def test_shapes(self):
        with MemoryPool(block_size=(10, 10), num_blocks=2, dtype=np.complex128) as p:
            a = p.get_block()
            self.assertEqual(a.shape, (10, 10))
            a[3, 4] = 1 + 2j
            self.assertEqual(p.block(p.index_of(a))[3, 4], 1 + 2j)
            self.assertEqual(p.stats()["block_size"], 1600)

    def test_zero_flag(self):
        with MemoryPool(block_size=(16,), num_blocks=1, flags=numapool.ZERO) as p:
            a = p.get_block()
            a.fill(9.0)
            p.return_block(0)
            b = p.get_block()
            self.assertTrue(np.all(b == 0.0))

    def test_create_errors(self):
        with self.assertRaises(ValueError) as cm:
            MemoryPool(block_size=(8,), num_blocks=4, align=3)    # not a power of two
        self.assertTrue(str(cm.exception))
        with self.assertRaises(ValueError):
            MemoryPool(block_size=(8,), num_blocks=4, pages="4K")
        with self.assertRaises(ValueError):
            MemoryPool(block_size=(0,), num_blocks=4)
        with self.assertRaises((OSError, ValueError)) as cm:
            MemoryPool(block_size=(8,), num_blocks=4, nodes="63")  # no such node here
        self.assertTrue(str(cm.exception))


if __name__ == "__main__":
    unittest.main(verbosity=2)
