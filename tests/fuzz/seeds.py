#!/usr/bin/env python3
"""tests/fuzz/seeds.py - writes the seed corpus of tests/fuzz/corpus/ (a dozen
small inputs per harness).  Each api seed is a pool configuration in
fuzz_api.c's byte layout followed by calls; each nodes seed is a node string.
Run it again only to regenerate the seeds; inputs the fuzzers found are added
next to them by hand (crash-*, named after what they caught)."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# call opcodes (op % 20 in fuzz_api.c)
GET, GET_ON, PUT, PUT_INDEX, GET_BULK, PUT_BULK = 0, 2, 3, 5, 6, 8
GET_CONTIG, PUT_CONTIG, COALESCE, RESET, LOOK, REOPEN, PUT_HELD = 10, 12, 13, 14 | 0x80, 15, 17 | 0x80, 18


def config(size=64, count=256, align=0, pages=0, flags=0, nodes=0, threshold=0, name=2):
    """Bytes of a configuration: size 1..600 and count 1..2048 as they are; a
    negative size or count -k picks entry k of fuzz_api.c's hostile tables."""
    b = bytearray()
    b += bytes([0x80 | -size]) if size < 0 else bytes([(size - 1) >> 8, (size - 1) & 0xff])
    b += bytes([0x80 | -count]) if count < 0 else bytes([(count - 1) >> 8, (count - 1) & 0xff])
    b += bytes([align, pages, flags])
    b += nodes if isinstance(nodes, (bytes, bytearray)) else bytes([nodes])
    b += bytes([threshold, name])
    if name not in (0, 1):
        b += b"seed"[: name % 8]
    return b


def nodes_string(s):
    """The 'fuzzed string' form of the node selector: 5 + 8 * len."""
    s = s.encode()
    assert len(s) < 16
    return bytes([5 + 8 * len(s)]) + s


NO_CACHE, UNCHECKED, SPILL, ZERO = 1 << 3, 1 << 4, 1 << 5, 1 << 6
api = {
    "default-get-put": config() + bytes([GET, GET, GET, PUT, 0, 0, 0, PUT, 5, 0, 0, GET, LOOK, 0, 40]),
    "no-cache-order": config(200, 300, 5, flags=NO_CACHE) + bytes([GET] * 6 + [PUT, 0, 0, 2, GET, PUT_HELD, 0, 1, GET]),
    "zero-bulk": config(96, 512, 6, flags=ZERO) + bytes([GET_BULK, 30, PUT_BULK, 5, 0, 0, 0, 1, 1, 0, 2, 2, 7, 0,
                                                        GET_BULK, 12, COALESCE, GET]),
    "contig-runs": config(48, 128, 5) + bytes([GET_CONTIG, 7, GET_CONTIG, 3, PUT_CONTIG, 0, 0, 0, 1, GET_CONTIG, 20,
                                              PUT_HELD, 0, 3, COALESCE, GET_CONTIG, 224]),
    "bad-pointers": config(100, 64, 8) + bytes([GET, GET, PUT, 6, 0, 1, 0, 9, PUT, 7, PUT, 17, PUT, 27, PUT, 8, 0,
                                               PUT, 9, 1, 2, 3, 4, 5, 6, 7, 8, PUT_INDEX, 0, 4, PUT_INDEX, 1, 0]),
    "double-put": config(64, 200) + bytes([GET, PUT, 0, 0, 0, PUT, 5, 0, 0, PUT_INDEX, 3, 0, 0, COALESCE,
                                           PUT, 5, 0, 0]),
    "reset-reopen": config(32, 16, 4) + bytes([GET] * 10 + [RESET, GET, REOPEN]) + config(-9, 8, 12)
                    + bytes([GET_BULK, 8, GET, COALESCE, LOOK, 1, 0, 7]),
    "tiny-exhaust": config(8, 3) + bytes([GET, GET, GET, GET, GET_BULK, 2, GET_CONTIG, 1, PUT_HELD, 0, 0,
                                          GET_CONTIG, 1]),
    "unchecked": config(64, 256, flags=UNCHECKED | SPILL) + bytes([GET, GET_BULK, 10, PUT_BULK, 3, 0, 0, 0, 0, 7, 0,
                                                                   PUT, 5, 0, 1, GET_ON, 0, GET_ON, 1]),
    "hostile-config": config(size=-12, count=-13) + bytes([GET]),
    "bad-align-pages-flags": config(64, 64, align=3, pages=250, flags=0x80, threshold=7) + bytes([1, GET]),
    "node-string": config(64, 32, nodes=nodes_string("0-0, 0")) + bytes([GET, LOOK, 3, LOOK, 2, 1]),
}


def regress_contig_pending_coalesce():
    """get_contig failed (ENOMEM) when an automatic coalesce
    was pending: cache_of() flushed this thread's cache for the new epoch, then
    get_contig saw an empty magazine and gave up without looking again."""
    b = config(64, 1200)
    b += bytes([GET_CONTIG, 23]) * 50                       # every block, 24 at a time
    b += bytes([PUT, 0, 0, 10])                             # block 10 into this thread's cache
    b += bytes([PUT_CONTIG, 0, 0, 0, 0, 9, PUT_CONTIG, 0, 0, 11, 0, 9])  # 0-9 and 11-20 to the set
    for k in range(101):                                    # more runs of 10: the 1024th block back
        start = 22 + 11 * k                                 # checks fragmentation, which bumps the epoch
        b += bytes([PUT_CONTIG, 0, start >> 8, start & 0xff, 0, 9])
    return b + bytes([GET_CONTIG, 20])                      # 0-20 are free: a run of 21, with block 10


api["regress-contig-pending-coalesce"] = regress_contig_pending_coalesce()

nodes = {
    "zero": "0", "all": "all", "local": "local", "empty": "", "range": "0-0", "list": "0,0,0",
    "spaces": "  0 , 0 - 0 ", "backwards": "3-1", "huge": "99999999999999999999", "past-max": "1023-1024",
    "junk": "0,x", "dangling": "0-", "local-tail": "local,", "many": "0-1023",
    "relative": "+0", "relative-range": "+0-1", "invert": "!0", "invert-relative": "!+0-1", "invert-all": "!all",
    "cpubind": "cpubind", "kind": "hbm", "kind-local": "hbm:local", "kind-cpubind": "NVM:cpubind",
    "kind-node": "dram:0", "kind-list": "dram,hbm:2,+1", "hex": "0x1", "device": "netdev:eth0", "all-first": "all,0",
}


def write(sub, seeds):
    d = os.path.join(HERE, "corpus", sub)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, "seed-" + name), "wb") as f:
            f.write(data if isinstance(data, (bytes, bytearray)) else data.encode())


write("api", api)
write("nodes", nodes)
