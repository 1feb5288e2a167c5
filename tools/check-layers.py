#!/usr/bin/env python3
"""tools/check-layers.py - the house's layers only look down, and no files
of the library sit in a circle.

    tools/check-layers.py [BUILD_DIR]

Layers, bottom to top (a file may use its own layer and the ones below):

    base/     the error sentence and code table, one size formatter, one appender
    numa/     the machine: topology, node strings, binding (numa/topo.h is its contract)
    src/      the pool (may use numa/ only through numa/topo.h)
    include/  the public contract, numapool.h (includes nothing of the project)

Checks, each failure printed with the file and line or symbol that breaks it:
1. includes: every `#include "..."` of base/, numa/, src/, include/ resolves
   to a file of an allowed layer (numa/ never sees src/ or numapool.h);
2. the size limits: no library file over 700 lines, no function over 80
   unless the comment above it says why ("longer than 80 lines because");
3. circles: modules (x.c with its x.h) joined by includes and, when
   BUILD_DIR is given, by calls between object files (from `nm`), form no
   cycle; a function's callers and callees are never each other's.

Exit 0 when all hold, 1 otherwise.  Needs only python3 and binutils' nm.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS = ["base", "numa", "src", "include"]
ALLOWED = {
    "base": {"base"},
    "numa": {"base", "numa"},
    "src": {"base", "src", "include", "numa/topo.h"},
    "include": set(),
}
SEARCH = {  # where a quoted include is looked up, as the build's include paths
    "base": ["base"],
    "numa": ["numa", "base"],
    "src": ["src", "include", "numa", "base"],
    "include": ["include"],
}
MAX_LINES = 700
MAX_FUNC = 80
FUNC_RE = re.compile(r"^[A-Za-z_][^;{}()]*\b([A-Za-z_][A-Za-z0-9_]*)\s*\([^;]*$")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')

errors = []


def files():
    for layer in LAYERS:
        d = os.path.join(ROOT, layer)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if name.endswith((".c", ".h")):
                yield layer, f"{layer}/{name}"


def module_of(path):
    return os.path.splitext(path)[0]


def resolve(layer, src, inc):
    here = os.path.dirname(src)
    for d in [here] + SEARCH[layer]:
        cand = os.path.normpath(os.path.join(d, inc))
        if os.path.isfile(os.path.join(ROOT, cand)):
            return cand
    return None


def allowed(layer, target):
    tl = target.split("/")[0]
    return tl in ALLOWED[layer] or target in ALLOWED[layer]


edges = {}  # module -> {module: reason}


def add_edge(a, b, why):
    if a != b:
        edges.setdefault(a, {}).setdefault(b, why)


for layer, path in files():
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        lines = f.readlines()
    if len(lines) > MAX_LINES:
        errors.append(f"{path}: {len(lines)} lines, over {MAX_LINES}")
    start = name = None
    for no, line in enumerate(lines, 1):
        m = FUNC_RE.match(line)
        if m and start is None and not line.startswith(("typedef", "struct", "enum", "union", "#")):
            start, name = no, m.group(1)
        elif start is not None and line.startswith("}"):
            length = no - start + 1
            above = "".join(lines[max(0, start - 12):start - 1])
            if length > MAX_FUNC and "longer than 80 lines because" not in above:
                errors.append(f"{path}:{start}: {name}() is {length} lines, over {MAX_FUNC}, and the comment above it "
                              "does not say why")
            start = None
        elif start is not None and line.strip() == "" and no - start < 3:
            start = None     # a prototype that spanned lines
    edges.setdefault(module_of(path), {})
    for no, line in enumerate(lines, 1):
        m = INCLUDE_RE.match(line)
        if not m:
            continue
        target = resolve(layer, path, m.group(1))
        if target is None:
            errors.append(f"{path}:{no}: includes \"{m.group(1)}\", which is no file of an allowed layer")
            continue
        if not allowed(layer, target):
            errors.append(f"{path}:{no}: {layer}/ includes {target}: an upward or sideways include")
        add_edge(module_of(path), module_of(target), f"{path}:{no} includes {target}")

# calls between object files, from nm
if len(sys.argv) > 1:
    objs = {}
    for dirpath, _, names in os.walk(sys.argv[1]):
        for n in names:
            m = re.match(r"(.+\.c)\.o$", n)
            if not m:
                continue
            owner = None
            for t, layer in (("npool_base.dir", "base"), ("npool_numa.dir", "numa"), ("npool_core.dir", "src")):
                if t in dirpath:
                    owner = f"{layer}/{m.group(1)}"
            if owner and os.path.isfile(os.path.join(ROOT, owner)):
                objs[owner] = os.path.join(dirpath, n)
    if not objs:
        errors.append(f"{sys.argv[1]}: no object files of the library found (build it first)")
    defined, used = {}, {}
    for src, obj in objs.items():
        out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "TDBRV":
                defined[parts[2]] = src
            elif len(parts) == 2 and parts[0] == "U":
                used.setdefault(src, set()).add(parts[1])
    for src, syms in used.items():
        for s in sorted(syms):
            if s in defined:
                dst = defined[s]
                layer, dl = src.split("/")[0], dst.split("/")[0]
                if LAYERS.index(dl) > LAYERS.index(layer):
                    errors.append(f"{src} calls {s} of {dst}: an upward call")
                add_edge(module_of(src), module_of(dst), f"{src} uses {s} of {dst}")

# cycles: Tarjan's strongly connected components over modules
index, low, stack, on, sccs = {}, {}, [], set(), []


def strong(v, counter=[0]):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in edges.get(v, {}):
        if w not in index:
            strong(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))


sys.setrecursionlimit(10000)
for v in list(edges):
    if v not in index:
        strong(v)
for comp in sccs:
    why = [edges[a][b] for a in comp for b in edges.get(a, {}) if b in comp]
    errors.append("a circle of modules: " + " <-> ".join(comp) + "\n    " + "\n    ".join(why))

for e in errors:
    print("check-layers: " + e)
nmods = len(edges)
nedges = sum(len(v) for v in edges.values())
print(f"check-layers: {nmods} modules, {nedges} arrows, {len(errors)} problem(s)")
sys.exit(1 if errors else 0)
