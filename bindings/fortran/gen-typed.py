#!/usr/bin/python3
"""Write the typed helpers of bindings/fortran/numapool.f90.

npool_get_block, npool_view_block, npool_put_block and npool_block_index are
generic over six kinds and ranks 1 to 3: 72 specific procedures that differ
only in the declaration of the array.  They live between the
"BEGIN GENERATED" and "END GENERATED" markers of numapool.f90; everything
else in that file is written by hand.  The generated text is committed, so
building needs no Python.

    gen-typed.py [FILE]           rewrite FILE (default: numapool.f90 beside this script)
    gen-typed.py --check [FILE]   exit 1, with a diff, when FILE differs from what this writes
"""
import difflib
import os
import sys

# tag, declaration, a constant of the kind (for c_sizeof), its alignment as an expression
KINDS = [
    ("r4", "real(c_float)", "0.0_c_float", "c_sizeof(0.0_c_float)"),
    ("r8", "real(c_double)", "0.0_c_double", "c_sizeof(0.0_c_double)"),
    ("i4", "integer(c_int)", "0_c_int", "c_sizeof(0_c_int)"),
    ("i8", "integer(c_int64_t)", "0_c_int64_t", "c_sizeof(0_c_int64_t)"),
    ("c4", "complex(c_float_complex)", "(0.0_c_float, 0.0_c_float)", "c_sizeof(0.0_c_float)"),
    ("c8", "complex(c_double_complex)", "(0.0_c_double, 0.0_c_double)", "c_sizeof(0.0_c_double)"),
]
RANKS = (1, 2, 3)
OPS = ("get", "view", "put", "index")
GENERIC = {"get": "npool_get_block", "view": "npool_view_block", "put": "npool_put_block",
           "index": "npool_block_index"}
DOC = {
    "get": "call npool_get_block(pool, a, n1[, n2[, n3]] [, rc] [, errmsg] [, node]): a free block\n"
           "  !> as `a(n1, n2, n3)` (npool_get, or npool_get_on with `node`).  Refused (NPOOL_EINVAL) when\n"
           "  !> the shape needs more than the pool's block size or more alignment than its blocks have;\n"
           "  !> NPOOL_ENOMEM when the node is empty.  On failure `a` is null.",
    "view": "call npool_view_block(pool, index, a, n1[, n2[, n3]] [, rc] [, errmsg]): block `index`\n"
            "  !> (0-based, integer(c_size_t)) as `a`, held or not; nothing is taken (npool_block).",
    "put": "call npool_put_block(pool, a [, rc] [, errmsg]): give back the block `a` starts at, and\n"
           "  !> nullify `a`.  NPOOL_EINVAL: `a` is not associated or does not start at a block of\n"
           "  !> the pool; NPOOL_EALREADY: the block is already free.  On failure `a` is unchanged.",
    "index": "npool_block_index(pool, a): the 0-based index of the block `a` starts at\n"
             "  !> (integer(c_size_t)); NPOOL_NO_INDEX when it is not the start of a block of the pool.",
}

BEGIN_I = "  ! ---- BEGIN GENERATED interfaces: bindings/fortran/gen-typed.py writes this part ----\n"
END_I = "  ! ---- END GENERATED interfaces ----\n"
BEGIN_P = "  ! ---- BEGIN GENERATED procedures: bindings/fortran/gen-typed.py writes this part ----\n"
END_P = "  ! ---- END GENERATED procedures ----\n"


def name(op, tag, rank):
    return f"{GENERIC[op]}_{tag}_{rank}"


def interfaces():
    out = []
    for op in OPS:
        out.append(f"  !> {DOC[op]}\n")
        out.append(f"  interface {GENERIC[op]}\n")
        for tag, *_ in KINDS:
            names = ", ".join(name(op, tag, r) for r in RANKS)
            out.append(f"     module procedure {names}\n")
        out.append(f"  end interface {GENERIC[op]}\n")
    return "".join(out)


def procedures():
    out = []
    for tag, decl, zero, align in KINDS:
        for r in RANKS:
            colons = ",".join(":" * r)
            dims = [f"n{k}" for k in range(1, r + 1)]
            args = ", ".join(dims)
            first = ", ".join(f"lbound(a, {k})" for k in range(1, r + 1))
            common = (f"    integer(c_int), intent(out), optional :: rc\n"
                      f"    character(len=:), allocatable, intent(out), optional :: errmsg\n")
            local = (f"    integer(c_int) :: code\n"
                     f"    character(len=:), allocatable :: msg\n")
            finish = (f"    if (present(errmsg)) errmsg = msg\n"
                      f"    call outcome(code, msg, rc)\n")
            n = name("get", tag, r)
            out.append(
                f"  subroutine {n}(pool, a, {args}, rc, errmsg, node)\n"
                f"    type(npool_handle), intent(in) :: pool\n"
                f"    {decl}, pointer, intent(out) :: a({colons})\n"
                f"    integer, intent(in) :: {args}\n"
                f"{common}"
                f"    integer(c_int), intent(in), optional :: node\n"
                f"{local}"
                f"    type(c_ptr) :: p\n"
                f"    p = typed_get(pool, [{args}], c_sizeof({zero}), {align}, &\n"
                f"         \"{decl}\", node, code, msg)\n"
                f"    nullify(a)\n"
                f"    if (c_associated(p)) call c_f_pointer(p, a, [{args}])\n"
                f"{finish}"
                f"  end subroutine {n}\n\n")
            n = name("view", tag, r)
            out.append(
                f"  subroutine {n}(pool, index, a, {args}, rc, errmsg)\n"
                f"    type(npool_handle), intent(in) :: pool\n"
                f"    integer(c_size_t), intent(in) :: index\n"
                f"    {decl}, pointer, intent(out) :: a({colons})\n"
                f"    integer, intent(in) :: {args}\n"
                f"{common}"
                f"{local}"
                f"    type(c_ptr) :: p\n"
                f"    p = typed_view(pool, index, [{args}], c_sizeof({zero}), {align}, &\n"
                f"         \"{decl}\", code, msg)\n"
                f"    nullify(a)\n"
                f"    if (c_associated(p)) call c_f_pointer(p, a, [{args}])\n"
                f"{finish}"
                f"  end subroutine {n}\n\n")
            n = name("put", tag, r)
            out.append(
                f"  subroutine {n}(pool, a, rc, errmsg)\n"
                f"    type(npool_handle), intent(in) :: pool\n"
                f"    {decl}, pointer, intent(inout) :: a({colons})\n"
                f"{common}"
                f"{local}"
                f"    type(c_ptr) :: p\n"
                f"    p = c_null_ptr\n"
                f"    if (associated(a)) then\n"
                f"       if (size(a) > 0) p = c_loc(a({first}))\n"
                f"    end if\n"
                f"    call typed_put(pool, p, code, msg)\n"
                f"    if (code == 0) nullify(a)\n"
                f"{finish}"
                f"  end subroutine {n}\n\n")
            n = name("index", tag, r)
            out.append(
                f"  function {n}(pool, a) result(idx)\n"
                f"    type(npool_handle), intent(in) :: pool\n"
                f"    {decl}, pointer, intent(in) :: a({colons})\n"
                f"    integer(c_size_t) :: idx\n"
                f"    idx = NPOOL_NO_INDEX\n"
                f"    if (.not. associated(a)) return\n"
                f"    if (size(a) == 0) return\n"
                f"    idx = npool_index(pool%ptr, c_loc(a({first})))\n"
                f"  end function {n}\n\n")
    return "".join(out).rstrip("\n") + "\n"


def splice(text, begin, end, body):
    i = text.index(begin) + len(begin)
    j = text.index(end, i)
    return text[:i] + body + text[j:]


def main(argv):
    check = "--check" in argv
    files = [a for a in argv if a != "--check"]
    path = files[0] if files else os.path.join(os.path.dirname(os.path.abspath(__file__)), "numapool.f90")
    with open(path) as f:
        old = f.read()
    for marker in (BEGIN_I, END_I, BEGIN_P, END_P):
        if marker not in old:
            print(f"{path}: marker missing: {marker.strip()}", file=sys.stderr)
            return 1
    new = splice(splice(old, BEGIN_I, END_I, interfaces()), BEGIN_P, END_P, procedures())
    if check:
        if new == old:
            print(f"{path}: the generated typed helpers are up to date")
            return 0
        sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                   path, "gen-typed.py output"))
        print(f"{path}: differs from what bindings/fortran/gen-typed.py writes; run it", file=sys.stderr)
        return 1
    if new != old:
        with open(path, "w") as f:
            f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
