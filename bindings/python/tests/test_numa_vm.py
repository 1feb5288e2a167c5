#!/usr/bin/python3
"""The Python package on several NUMA nodes, run inside the QEMU NUMA guest.

check-install.sh numa-vm boots a 2-node guest (16 x 2 MiB hugepages per node)
with /usr/bin/python3, numpy and an installed numapool, and runs this file.
Every block is checked where it really is (move_pages through
numapool._numapool._node_of) and on what pages (/proc/self/smaps).
"""
import os
import re
import unittest

import numpy as np

import numapool
from numapool import MemoryPool

node_of = numapool._numapool._node_of
PER_NODE = 8


def addr(a):
    return a.__array_interface__["data"][0]


def kernel_page_size(address):
    inside = False
    with open("/proc/self/smaps") as f:
        for line in f:
            m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) ", line)
            if m:
                inside = int(m.group(1), 16) <= address < int(m.group(2), 16)
            elif inside and line.startswith("KernelPageSize:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no mapping holds {address:#x}")


def cpus_of(node):
    with open(f"/sys/devices/system/node/node{node}/cpulist") as f:
        text = f.read().strip()
    cpus = set()
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


class on_node:
    """Run the calling thread on the CPUs of one node for the block."""

    def __init__(self, node):
        self.node = node

    def __enter__(self):
        self.old = os.sched_getaffinity(0)
        os.sched_setaffinity(0, cpus_of(self.node))

    def __exit__(self, *exc):
        os.sched_setaffinity(0, self.old)


class MultiNode(unittest.TestCase):
    def setUp(self):
        self.pool = MemoryPool((100,), PER_NODE, nodes="all", name="mn", flags=numapool.NO_CACHE)
        self.nodes = [r["node"] for r in self.pool.stats()["nodes"]]
        if len(self.nodes) < 2:
            self.skipTest("one node only: run me in the NUMA guest")

    def tearDown(self):
        self.pool.close()

    def test_indices_and_nodes(self):
        p = self.pool
        self.assertEqual(p.num_blocks, PER_NODE * len(self.nodes))
        for i in range(p.num_blocks):
            self.assertEqual(node_of(addr(p.blocks[i])), self.nodes[i // PER_NODE], f"block {i}")
        got = []
        for k, n in enumerate(self.nodes):
            a = p.get_block(node=n)
            self.assertEqual(p.index_of(a), PER_NODE * k)
            self.assertEqual(node_of(addr(a)), n)
            got.append(a)
        self.assertEqual(p.allocated, [PER_NODE * k for k in range(len(self.nodes))])
        p.return_block(got[1])                       # a second arena's block, by its array
        p.return_block(0)
        self.assertEqual(p.allocated, [PER_NODE * k for k in range(2, len(self.nodes))])
        with self.assertRaisesRegex(ValueError, "already free"):
            p.return_block(got[1][:])
        p.check()

    def test_calling_threads_node(self):
        p = self.pool
        for k, n in enumerate(self.nodes):
            with on_node(n):
                a = p.get_block()
                run = p.get_run(3)
                blocks = p.get_blocks(2)
            self.assertEqual(p.index_of(a), PER_NODE * k)
            self.assertEqual(p.index_of(run), PER_NODE * k + 1)
            self.assertEqual([p.index_of(b) for b in blocks], [PER_NODE * k + 4, PER_NODE * k + 5])
            for row in run:
                self.assertEqual(node_of(addr(row)), n)
            p.return_run(run)
            p.return_blocks(blocks)
            p.return_block(a)
        with self.assertRaisesRegex(ValueError, "a node of pool 'mn' has 8"):
            p.get_run(PER_NODE + 1)                  # a run never crosses nodes
        self.assertEqual(p.get_efficiency(), 0.0)

    def test_allocate_from_on_each_node(self):
        p = self.pool
        made = []
        for k, n in enumerate(self.nodes):
            with on_node(n), numapool.allocate_from(p):
                small = np.ones(100)
                big = np.zeros(300)                  # 2400 B: a run of 3 blocks on this node
            self.assertEqual(p.index_of(small), PER_NODE * k)
            self.assertEqual(p.index_of(big), PER_NODE * k + 1)
            for a in (small, big):
                self.assertEqual(node_of(addr(a)), n)
            made += [small, big]
        self.assertEqual(p.stats()["blocks_numpy"], 4 * len(self.nodes))
        del made, small, big, a
        self.assertEqual(p.get_efficiency(), 0.0)

    def test_fork_reserves_every_arena(self):
        p = self.pool
        starts = [addr(p.blocks[PER_NODE * k]) for k in range(len(self.nodes))]
        pid = os.fork()
        if pid == 0:
            rc = 0
            try:
                p.get_block()
                rc = 1
            except ValueError:
                pass
            with open("/proc/self/maps") as m:
                maps = [line.split() for line in m]
            for s in starts:
                hit = [f for f in maps if int(f[0].split("-")[0], 16) <= s < int(f[0].split("-")[1], 16)]
                if len(hit) != 1 or hit[0][1] != "---p":
                    rc = 2
            os._exit(rc)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)
        self.assertIsNotNone(p.get_block())


class HugePagesPerNode(unittest.TestCase):
    def test_2m_arenas_and_numpy_arrays(self):
        p = MemoryPool((1000,), 64, nodes="all", pages="2M", flags=numapool.STRICT_PAGES | numapool.NO_CACHE)
        rows = p.stats()["nodes"]
        if len(rows) < 2:
            self.skipTest("one node only: run me in the NUMA guest")
        for k, r in enumerate(rows):
            self.assertEqual((r["backing"], r["page_size"]), ("2M", 2 << 20))
            with on_node(r["node"]), numapool.allocate_from(p):
                a = np.ones(1000)
            self.assertEqual(p.index_of(a), 64 * k)
            self.assertEqual(node_of(addr(a)), r["node"])
            self.assertEqual(kernel_page_size(addr(a)), 2 << 20)
            del a
        p.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
