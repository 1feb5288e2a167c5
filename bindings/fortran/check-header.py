#!/usr/bin/python3
"""Check that bindings/fortran/numapool.f90 matches include/numapool.h.

    check-header.py CC FC HEADER MODULE_F90 [--no-selftest]

1. A C program, written from the header and compiled with CC, prints every
   value the module copies: the NPOOL_PAGES_* and flag constants through the
   header's own X-macros (NPOOL_PAGES_LIST, NPOOL_FLAG_LIST), NPOOL_MAX_NODES,
   the error codes, and the size of npool_config_t, npool_node_stats_t and
   npool_stats_t with the offset of every field the header declares.
2. From those lines a Fortran program is written that `use`s the module
   (compiled fresh from MODULE_F90 with FC) and compares each value: a
   constant or field the module lacks does not compile, a wrong value or
   offset is printed and fails.
3. Every function the header exports (NPOOL_API) must have an interface
   with bind(c, name="...") in the module, and every npool_ name the module
   binds must be one of them.
4. Self-test: the same check must fail on copies of the module with a flag
   dropped, a value changed, a config field dropped and a function missing.
Exit 0 when all hold, 1 otherwise.
"""
import os
import re
import subprocess
import sys
import tempfile


def die(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def struct_fields(header, typedef):
    """Field names of `typedef struct X { ... } typedef;` in declaration order."""
    m = re.search(r"typedef\s+struct\s+\w+\s*\{([^{}]*)\}\s*" + re.escape(typedef) + r"\s*;", header, re.S)
    if not m:
        die(f"cannot find the definition of {typedef} in the header")
    names = []
    for decl in m.group(1).split(";"):
        decl = " ".join(decl.split())
        if not decl:
            continue
        # "uint64_t gets, puts, failed_gets" / "char fallback_reason[256]" / "const char *nodes"
        first, *rest = decl.split(",")
        m1 = re.match(r"^(?:const\s+)?(?:enum\s+|struct\s+)?\w+\s*\**\s*(\w+)\s*(\[[^\]]*\])?$", first.strip())
        if not m1:
            die(f"cannot read the field declaration '{decl}' of {typedef}")
        names.append(m1.group(1))
        for r in rest:
            m2 = re.match(r"^\s*\**\s*(\w+)\s*(\[[^\]]*\])?\s*$", r)
            if not m2:
                die(f"cannot read the field declaration '{decl}' of {typedef}")
            names.append(m2.group(1))
    return names


STRUCTS = ("npool_config_t", "npool_node_stats_t", "npool_stats_t")
ERRNOS = ("EPERM", "EAGAIN", "ENOMEM", "EFAULT", "EXDEV", "ENODEV", "EINVAL", "EOVERFLOW", "EOPNOTSUPP",
          "EALREADY")


def c_program(header_text):
    lines = ["#include <numapool.h>", "#include <errno.h>", "#include <stddef.h>", "#include <stdint.h>",
             "#include <stdio.h>", "int main(void)", "{",
             '#define PAGES(n) printf("const NPOOL_PAGES_%s %lld\\n", #n, (long long)NPOOL_PAGES_##n);',
             "    NPOOL_PAGES_LIST(PAGES)",
             '#define FLAG(n) printf("const NPOOL_%s %lld\\n", #n, (long long)NPOOL_##n);',
             "    NPOOL_FLAG_LIST(FLAG)",
             '    printf("const NPOOL_MAX_NODES %lld\\n", (long long)NPOOL_MAX_NODES);',
             '    printf("const NPOOL_NO_INDEX %lld\\n", (long long)(int64_t)SIZE_MAX);']
    for e in ERRNOS:
        lines.append(f'    printf("const NPOOL_{e} %lld\\n", (long long)-{e});')
    for s in STRUCTS:
        lines.append(f'    printf("size {s} %zu\\n", sizeof({s}));')
        for f in struct_fields(header_text, s):
            lines.append(f'    printf("offset {s} {f} %zu\\n", offsetof({s}, {f}));')
    lines += ["    return 0;", "}"]
    return "\n".join(lines) + "\n"


def fortran_program(facts):
    decl, body = [], []
    for s in STRUCTS:
        decl.append(f"  type({s}), target :: x_{s}")
    for line in facts:
        kind, *rest = line.split()
        if kind == "const":
            name, value = rest
            body.append(f'  call same(int({name}, c_int64_t), {value}_c_int64_t, "{name}")')
        elif kind == "size":
            s, value = rest
            body.append(f'  call same(int(c_sizeof(x_{s}), c_int64_t), {value}_c_int64_t, "sizeof({s})")')
        elif kind == "offset":
            s, f, value = rest
            body.append(f"  call same(addr(c_loc(x_{s}%{f})) - addr(c_loc(x_{s})), {value}_c_int64_t, &\n"
                        f'       "offsetof({s}, {f})")')
    return "\n".join([
        "program header_check",
        "  use, intrinsic :: iso_c_binding",
        "  use numapool",
        "  implicit none",
        *decl,
        "  integer :: bad = 0, checked = 0",
        *body,
        '  print \'(i0,a,i0,a)\', checked, " values compared, ", bad, " differ"',
        "  if (bad /= 0) stop 1",
        "contains",
        "  subroutine same(got, want, what)",
        "    integer(c_int64_t), intent(in) :: got, want",
        "    character(len=*), intent(in) :: what",
        "    checked = checked + 1",
        "    if (got /= want) then",
        "      print '(a,a,i0,a,i0)', what, \": the module has \", got, \", the header \", want",
        "      bad = bad + 1",
        "    end if",
        "  end subroutine same",
        "  function addr(p) result(a)",
        "    type(c_ptr), intent(in) :: p",
        "    integer(c_int64_t) :: a",
        "    a = int(transfer(p, 0_c_intptr_t), c_int64_t)",
        "  end function addr",
        "end program header_check",
    ]) + "\n"


def run(cmd, cwd):
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, encoding="utf-8", errors="replace")
    return r.returncode, r.stdout


def check(cc, fc, header, module_src, work, quiet=False):
    """Problems found (empty list: the module matches the header)."""
    say = (lambda *a: None) if quiet else print
    with open(header) as f:
        header_text = strip_comments(f.read())
    with open(module_src) as f:
        module_text = f.read()
    problems = []

    # 1. the header's values, from C
    csrc = os.path.join(work, "facts.c")
    with open(csrc, "w") as f:
        f.write(c_program(header_text))
    rc, out = run([cc, "-std=c11", "-Wall", "-Werror", "-I", os.path.dirname(header), csrc, "-o", "facts"], work)
    if rc:
        die(f"the C facts program does not compile:\n{out}")
    rc, out = run(["./facts"], work)
    if rc:
        die(f"the C facts program failed:\n{out}")
    facts = out.split("\n")
    facts = [x for x in facts if x.strip()]
    say(f"header: {sum(1 for x in facts if x.startswith('const'))} constants, "
        f"{sum(1 for x in facts if x.startswith('offset'))} fields of {len(STRUCTS)} structs")

    # 2. the module's values, through the Fortran compiler
    with open(os.path.join(work, "numapool.f90"), "w") as f:
        f.write(module_text)
    rc, out = run([fc, "-c", "numapool.f90"], work)
    if rc:
        return [f"the module does not compile:\n{out}"]
    with open(os.path.join(work, "header_check.f90"), "w") as f:
        f.write(fortran_program(facts))
    rc, out = run([fc, "-I.", "-c", "header_check.f90"], work)
    if rc:
        missing = sorted(set(re.findall(r"Symbol ['\u2018](\w+)['\u2019] at", out) +
                             re.findall(r"['\u2018](\w+)['\u2019] at \(\d+\) is not a member", out)))
        problems.append("the module lacks what the header has" + (f": {', '.join(missing)}" if missing else "")
                        + f"; the compiler said:\n{out}")
    else:
        # the program uses only the module's constants and types: it links
        # without the library (which may be built with sanitizers)
        rc, out = run([fc, "header_check.o", "-o", "header_check"], work)
        if rc:
            problems.append(f"the check program does not link:\n{out}")
        else:
            rc, out = run(["./header_check"], work)
            say(out.strip())
            if rc:
                problems.append(f"values differ:\n{out}")

    # 3. every exported function has an interface
    funcs = re.findall(r"NPOOL_API\b[^;(]*?\b(npool_[a-z]\w*)\s*\(", header_text)
    if len(funcs) < 20:
        die(f"found only {len(funcs)} NPOOL_API functions in the header: the pattern needs updating")
    lacking = [fn for fn in funcs if not re.search(r'bind\s*\(\s*c\s*,\s*name\s*=\s*"' + fn + '"', module_text)]
    say(f"header: {len(funcs)} exported functions; without a bind(c) interface in the module: {lacking or 'none'}")
    if lacking:
        problems.append("functions without an interface: " + ", ".join(lacking))
    bound = re.findall(r'bind\s*\(\s*c\s*,\s*name\s*=\s*"(npool_\w+)"', module_text)
    unknown = sorted(set(bound) - set(funcs))
    if unknown:
        problems.append("the module binds names the header does not export: " + ", ".join(unknown))
    return problems


MUTATIONS = [
    ("drop the flag NPOOL_SPILL", r"NPOOL_SPILL = 32, ", ""),
    ("change NPOOL_ZERO to 65", r"NPOOL_ZERO = 64", "NPOOL_ZERO = 65"),
    ("change NPOOL_PAGES_HUGETLB to 6", r"NPOOL_PAGES_HUGETLB = 5", "NPOOL_PAGES_HUGETLB = 6"),
    ("drop npool_config_t%page_size", r"\n\s*integer\(c_size_t\) :: page_size = 0[^\n]*", ""),
    ("swap two fields of npool_stats_t", r"real\(c_double\)           :: efficiency, fragmentation",
     "real(c_double)           :: fragmentation, efficiency"),
    ("unbind npool_pages_name", r'name="npool_pages_name"', 'name="npool_pages_name_x"'),
    ("drop the interface of npool_put_contig", r'bind\(c, name="npool_put_contig"\)', ''),
]


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 4:
        print(__doc__)
        return 2
    cc, fc = args[0], args[1]
    header, module_src = (os.path.abspath(a) for a in args[2:])
    with tempfile.TemporaryDirectory() as work:
        problems = check(cc, fc, header, module_src, work)
    if problems:
        for p in problems:
            print(f"FAIL: {p}")
        print("bindings/fortran/numapool.f90 is out of step with include/numapool.h")
        return 1
    print("ok: the Fortran module matches the header")
    if "--no-selftest" in argv:
        return 0
    with open(module_src) as f:
        text = f.read()
    bad = 0
    for what, pattern, repl in MUTATIONS:
        mutated, n = re.subn(pattern, repl, text, count=1)
        if n != 1:
            print(f"FAIL: self-test '{what}': the pattern no longer matches numapool.f90; update MUTATIONS")
            bad += 1
            continue
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, "mutated.f90")
            with open(path, "w") as f:
                f.write(mutated)
            found = check(cc, fc, header, path, work, quiet=True)
        if found:
            print(f"ok: self-test '{what}' is caught: {found[0].splitlines()[0]}")
        else:
            print(f"FAIL: self-test '{what}' is not caught")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
