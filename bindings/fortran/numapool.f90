!> numapool: an iso_c_binding module over the C library (include/numapool.h).
!>
!> Two layers.  The C functions are declared as they are (same names, same
!> arguments, the pool a type(c_ptr)); npool_config_t and npool_stats_t are
!> bind(c) types laid out as the C structs, and the constants are the
!> header's (a ctest, bindings_fortran_header, fails when they drift apart).
!> Over them, typed helpers: a type(npool_handle) keeps a pool's C pointer
!> with its block size and alignment, and npool_get_block, npool_view_block
!> and npool_put_block hand blocks out and take them back as Fortran pointers
!> of rank 1 to 3 to real(c_float), real(c_double), integer(c_int),
!> integer(c_int64_t), complex(c_float_complex) and complex(c_double_complex),
!> after checking that the shape fits in a block, so no caller writes
!> c_f_pointer.
!>
!> Errors.  The C functions return what the header says (0 or a negative
!> errno; NULL pointers), and npool_last_error_str() gives the calling
!> thread's sentence.  The helpers take optional `rc` (0 or a negative errno:
!> NPOOL_EINVAL, NPOOL_ENOMEM, NPOOL_EALREADY...) and `errmsg` (the sentence,
!> "" on success), as ALLOCATE takes STAT= and ERRMSG=: without `rc` a
!> failure prints the sentence on stderr and stops the program (ERROR STOP).
!> A failure changes nothing.  The helpers are thread-safe as the C functions
!> they call are; a handle may be shared by threads once it is open.
!>
!> Strings given to the C functions (config nodes and name) must be
!> NUL-terminated: npool_cstr() makes one (keep it `target` and alive while
!> npool_create runs), or pass Fortran strings to npool_open(nodes=, name=).
module numapool
  use, intrinsic :: iso_c_binding
  use, intrinsic :: iso_fortran_env, only: error_unit
  implicit none
  private

  ! enum npool_pages (NPOOL_PAGES_LIST in the header)
  integer(c_int), parameter, public :: NPOOL_PAGES_AUTO = 0, NPOOL_PAGES_1G = 1, &
       NPOOL_PAGES_2M = 2, NPOOL_PAGES_THP = 3, NPOOL_PAGES_BASE = 4, NPOOL_PAGES_HUGETLB = 5
  ! enum npool_flags (NPOOL_FLAG_LIST in the header)
  integer(c_int), parameter, public :: NPOOL_STRICT_PAGES = 1, NPOOL_PREFER_NODE = 2, &
       NPOOL_LOCK = 4, NPOOL_NO_CACHE = 8, NPOOL_UNCHECKED = 16, NPOOL_SPILL = 32, &
       NPOOL_ZERO = 64
  !> Most arenas (NUMA nodes) one pool may span: the rows of npool_stats_t%nodes.
  integer(c_int), parameter, public :: NPOOL_MAX_NODES = 64
  !> npool_index's "not a block" (SIZE_MAX, as a signed c_size_t it reads -1)
  integer(c_size_t), parameter, public :: NPOOL_NO_INDEX = -1_c_size_t
  !> The return codes the library and the helpers give (negative errno, Linux values).
  integer(c_int), parameter, public :: NPOOL_EPERM = -1, NPOOL_EAGAIN = -11, NPOOL_ENOMEM = -12, &
       NPOOL_EFAULT = -14, NPOOL_EXDEV = -18, NPOOL_ENODEV = -19, NPOOL_EINVAL = -22, &
       NPOOL_EOVERFLOW = -75, NPOOL_EOPNOTSUPP = -95, NPOOL_EALREADY = -114

  !> npool_config_t.  Zero in a field means its default; nodes and name are
  !> C strings (c_null_ptr = "local" and "npool").
  type, bind(c), public :: npool_config_t
     integer(c_size_t) :: block_size = 0
     integer(c_size_t) :: block_count = 0
     integer(c_size_t) :: align = 0
     type(c_ptr)       :: nodes = c_null_ptr
     integer(c_int)    :: pages = NPOOL_PAGES_AUTO
     integer(c_int)    :: flags = 0            ! unsigned in C
     real(c_double)    :: coalesce_threshold = 0.0_c_double
     type(c_ptr)       :: name = c_null_ptr
     integer(c_size_t) :: page_size = 0        ! with NPOOL_PAGES_HUGETLB
  end type npool_config_t

  !> npool_node_stats_t: one arena, one node (uint64_t as integer(c_int64_t)).
  type, bind(c), public :: npool_node_stats_t
     integer(c_int)         :: node
     integer(c_int)         :: backing, requested   ! enum npool_pages
     integer(c_int)         :: fell_back
     character(kind=c_char) :: fallback_reason(256)
     integer(c_size_t)      :: page_size, bytes_mapped, thp_bytes, blocks_total, blocks_held, &
                               blocks_free_set, blocks_cached, largest_free_run
     real(c_double)         :: fragmentation
     integer(c_size_t)      :: pages_verified, bytes_misplaced
     integer(c_int64_t)     :: gets, puts, failed_gets
     integer(c_int64_t)     :: lock_acquisitions, lock_timed, lock_hold_ns
  end type npool_node_stats_t

  !> npool_stats_t: totals and one row per node (nodes(1:nnodes)).
  type, bind(c), public :: npool_stats_t
     integer(c_size_t)        :: block_size, stride, align, blocks_total, blocks_held, &
                                 blocks_free_set, blocks_cached
     real(c_double)           :: efficiency, fragmentation
     integer(c_size_t)        :: bytes_mapped, metadata_bytes
     integer(c_int64_t)       :: gets, puts, failed_gets, refused_puts, coalesces, &
                                 coalesce_ns_total, coalesce_ns_max
     integer(c_int)           :: flags                ! unsigned in C
     integer(c_size_t)        :: nnodes
     type(npool_node_stats_t) :: nodes(NPOOL_MAX_NODES)
  end type npool_stats_t

  !> A pool for the typed helpers: its C pointer (pass `ptr` to the C
  !> functions) and, read once when it was opened, its block size and
  !> alignment in bytes.  npool_open/npool_attach fill it, npool_close ends it.
  type, public :: npool_handle
     type(c_ptr)       :: ptr = c_null_ptr
     integer(c_size_t) :: block_size = 0
     integer(c_size_t) :: align = 0
  end type npool_handle

  public :: npool_create, npool_destroy, npool_get, npool_get_on, npool_put, &
       npool_get_bulk, npool_put_bulk, npool_get_contig, npool_put_contig, &
       npool_put_index, npool_index, npool_block, npool_efficiency, &
       npool_fragmentation, npool_coalesce, npool_reset, npool_check, npool_stats, &
       npool_describe, npool_foreach_arena, npool_last_error, npool_strerror, &
       npool_pages_name
  public :: npool_last_error_str, npool_strerror_str, npool_describe_str, &
       npool_pages_name_str, npool_cstr, c_to_fstring
  public :: npool_open, npool_attach, npool_close, npool_get_block, npool_view_block, &
       npool_put_block, npool_block_index

  interface
     integer(c_int) function npool_create(cfg, out) bind(c, name="npool_create")
       import :: c_int, c_ptr, npool_config_t
       type(npool_config_t), intent(in) :: cfg
       type(c_ptr), intent(out) :: out
     end function npool_create

     subroutine npool_destroy(pool) bind(c, name="npool_destroy")
       import :: c_ptr
       type(c_ptr), value :: pool
     end subroutine npool_destroy

     type(c_ptr) function npool_get(pool) bind(c, name="npool_get")
       import :: c_ptr
       type(c_ptr), value :: pool
     end function npool_get

     type(c_ptr) function npool_get_on(pool, node) bind(c, name="npool_get_on")
       import :: c_ptr, c_int
       type(c_ptr), value :: pool
       integer(c_int), value :: node
     end function npool_get_on

     integer(c_int) function npool_put(pool, block) bind(c, name="npool_put")
       import :: c_int, c_ptr
       type(c_ptr), value :: pool, block
     end function npool_put

     !> blocks(1:n) receive n blocks, all or nothing
     integer(c_int) function npool_get_bulk(pool, blocks, n) bind(c, name="npool_get_bulk")
       import :: c_int, c_ptr, c_size_t
       type(c_ptr), value :: pool
       type(c_ptr), intent(out) :: blocks(*)
       integer(c_size_t), value :: n
     end function npool_get_bulk

     integer(c_int) function npool_put_bulk(pool, blocks, n) bind(c, name="npool_put_bulk")
       import :: c_int, c_ptr, c_size_t
       type(c_ptr), value :: pool
       type(c_ptr), intent(in) :: blocks(*)
       integer(c_size_t), value :: n
     end function npool_put_bulk

     type(c_ptr) function npool_get_contig(pool, n) bind(c, name="npool_get_contig")
       import :: c_ptr, c_size_t
       type(c_ptr), value :: pool
       integer(c_size_t), value :: n
     end function npool_get_contig

     integer(c_int) function npool_put_contig(pool, first, n) bind(c, name="npool_put_contig")
       import :: c_int, c_ptr, c_size_t
       type(c_ptr), value :: pool, first
       integer(c_size_t), value :: n
     end function npool_put_contig

     integer(c_int) function npool_put_index(pool, index) bind(c, name="npool_put_index")
       import :: c_int, c_ptr, c_size_t
       type(c_ptr), value :: pool
       integer(c_size_t), value :: index
     end function npool_put_index

     integer(c_size_t) function npool_index(pool, block) bind(c, name="npool_index")
       import :: c_size_t, c_ptr
       type(c_ptr), value :: pool, block
     end function npool_index

     type(c_ptr) function npool_block(pool, index) bind(c, name="npool_block")
       import :: c_ptr, c_size_t
       type(c_ptr), value :: pool
       integer(c_size_t), value :: index
     end function npool_block

     real(c_double) function npool_efficiency(pool) bind(c, name="npool_efficiency")
       import :: c_double, c_ptr
       type(c_ptr), value :: pool
     end function npool_efficiency

     real(c_double) function npool_fragmentation(pool) bind(c, name="npool_fragmentation")
       import :: c_double, c_ptr
       type(c_ptr), value :: pool
     end function npool_fragmentation

     integer(c_int) function npool_coalesce(pool) bind(c, name="npool_coalesce")
       import :: c_int, c_ptr
       type(c_ptr), value :: pool
     end function npool_coalesce

     integer(c_int) function npool_reset(pool) bind(c, name="npool_reset")
       import :: c_int, c_ptr
       type(c_ptr), value :: pool
     end function npool_reset

     integer(c_int) function npool_check(pool) bind(c, name="npool_check")
       import :: c_int, c_ptr
       type(c_ptr), value :: pool
     end function npool_check

     integer(c_int) function npool_stats(pool, out) bind(c, name="npool_stats")
       import :: c_int, c_ptr, npool_stats_t
       type(c_ptr), value :: pool
       type(npool_stats_t), intent(out) :: out
     end function npool_stats

     integer(c_int) function npool_describe(pool, buf, len) bind(c, name="npool_describe")
       import :: c_int, c_ptr, c_size_t
       type(c_ptr), value :: pool, buf
       integer(c_size_t), value :: len
     end function npool_describe

     !> fn: c_funloc of a bind(c) integer(c_int) function with value arguments
     !> (base type(c_ptr), len integer(c_size_t), node integer(c_int),
     !> page_size integer(c_size_t), arg type(c_ptr))
     integer(c_int) function npool_foreach_arena(pool, fn, arg) bind(c, name="npool_foreach_arena")
       import :: c_int, c_ptr, c_funptr
       type(c_ptr), value :: pool
       type(c_funptr), value :: fn
       type(c_ptr), value :: arg
     end function npool_foreach_arena

     type(c_ptr) function npool_last_error() bind(c, name="npool_last_error")
       import :: c_ptr
     end function npool_last_error

     type(c_ptr) function npool_strerror(rc) bind(c, name="npool_strerror")
       import :: c_ptr, c_int
       integer(c_int), value :: rc
     end function npool_strerror

     type(c_ptr) function npool_pages_name(pages) bind(c, name="npool_pages_name")
       import :: c_ptr, c_int
       integer(c_int), value :: pages
     end function npool_pages_name

     integer(c_size_t) function c_strlen(s) bind(c, name="strlen")
       import :: c_size_t, c_ptr
       type(c_ptr), value :: s
     end function c_strlen

     !> errno of the calling thread (glibc and musl both export this)
     type(c_ptr) function c_errno_location() bind(c, name="__errno_location")
       import :: c_ptr
     end function c_errno_location
  end interface

  ! ---- BEGIN GENERATED interfaces: bindings/fortran/gen-typed.py writes this part ----
  !> call npool_get_block(pool, a, n1[, n2[, n3]] [, rc] [, errmsg] [, node]): a free block
  !> as `a(n1, n2, n3)` (npool_get, or npool_get_on with `node`).  Refused (NPOOL_EINVAL) when
  !> the shape needs more than the pool's block size or more alignment than its blocks have;
  !> NPOOL_ENOMEM when the node is empty.  On failure `a` is null.
  interface npool_get_block
     module procedure npool_get_block_r4_1, npool_get_block_r4_2, npool_get_block_r4_3
     module procedure npool_get_block_r8_1, npool_get_block_r8_2, npool_get_block_r8_3
     module procedure npool_get_block_i4_1, npool_get_block_i4_2, npool_get_block_i4_3
     module procedure npool_get_block_i8_1, npool_get_block_i8_2, npool_get_block_i8_3
     module procedure npool_get_block_c4_1, npool_get_block_c4_2, npool_get_block_c4_3
     module procedure npool_get_block_c8_1, npool_get_block_c8_2, npool_get_block_c8_3
  end interface npool_get_block
  !> call npool_view_block(pool, index, a, n1[, n2[, n3]] [, rc] [, errmsg]): block `index`
  !> (0-based, integer(c_size_t)) as `a`, held or not; nothing is taken (npool_block).
  interface npool_view_block
     module procedure npool_view_block_r4_1, npool_view_block_r4_2, npool_view_block_r4_3
     module procedure npool_view_block_r8_1, npool_view_block_r8_2, npool_view_block_r8_3
     module procedure npool_view_block_i4_1, npool_view_block_i4_2, npool_view_block_i4_3
     module procedure npool_view_block_i8_1, npool_view_block_i8_2, npool_view_block_i8_3
     module procedure npool_view_block_c4_1, npool_view_block_c4_2, npool_view_block_c4_3
     module procedure npool_view_block_c8_1, npool_view_block_c8_2, npool_view_block_c8_3
  end interface npool_view_block
  !> call npool_put_block(pool, a [, rc] [, errmsg]): give back the block `a` starts at, and
  !> nullify `a`.  NPOOL_EINVAL: `a` is not associated or does not start at a block of
  !> the pool; NPOOL_EALREADY: the block is already free.  On failure `a` is unchanged.
  interface npool_put_block
     module procedure npool_put_block_r4_1, npool_put_block_r4_2, npool_put_block_r4_3
     module procedure npool_put_block_r8_1, npool_put_block_r8_2, npool_put_block_r8_3
     module procedure npool_put_block_i4_1, npool_put_block_i4_2, npool_put_block_i4_3
     module procedure npool_put_block_i8_1, npool_put_block_i8_2, npool_put_block_i8_3
     module procedure npool_put_block_c4_1, npool_put_block_c4_2, npool_put_block_c4_3
     module procedure npool_put_block_c8_1, npool_put_block_c8_2, npool_put_block_c8_3
  end interface npool_put_block
  !> npool_block_index(pool, a): the 0-based index of the block `a` starts at
  !> (integer(c_size_t)); NPOOL_NO_INDEX when it is not the start of a block of the pool.
  interface npool_block_index
     module procedure npool_block_index_r4_1, npool_block_index_r4_2, npool_block_index_r4_3
     module procedure npool_block_index_r8_1, npool_block_index_r8_2, npool_block_index_r8_3
     module procedure npool_block_index_i4_1, npool_block_index_i4_2, npool_block_index_i4_3
     module procedure npool_block_index_i8_1, npool_block_index_i8_2, npool_block_index_i8_3
     module procedure npool_block_index_c4_1, npool_block_index_c4_2, npool_block_index_c4_3
     module procedure npool_block_index_c8_1, npool_block_index_c8_2, npool_block_index_c8_3
  end interface npool_block_index
  ! ---- END GENERATED interfaces ----

contains

  !> A C string (const char *) as a Fortran string; "" for NULL.
  function c_to_fstring(p) result(s)
    type(c_ptr), intent(in) :: p
    character(len=:), allocatable :: s
    character(kind=c_char), pointer :: chars(:)
    integer(c_size_t) :: n, i
    if (.not. c_associated(p)) then
       s = ""
       return
    end if
    n = c_strlen(p)
    allocate(character(len=n) :: s)
    if (n == 0) return
    call c_f_pointer(p, chars, [n])
    do i = 1, n
       s(i:i) = chars(i)
    end do
  end function c_to_fstring

  !> This thread's last failure sentence (npool_last_error) as a Fortran string.
  function npool_last_error_str() result(s)
    character(len=:), allocatable :: s
    s = c_to_fstring(npool_last_error())
  end function npool_last_error_str

  !> npool_strerror(rc) as a Fortran string.
  function npool_strerror_str(rc) result(s)
    integer(c_int), intent(in) :: rc
    character(len=:), allocatable :: s
    s = c_to_fstring(npool_strerror(rc))
  end function npool_strerror_str

  !> npool_pages_name(pages) as a Fortran string: "auto", "2M", "hugetlb"...
  function npool_pages_name_str(pages) result(s)
    integer(c_int), intent(in) :: pages
    character(len=:), allocatable :: s
    s = c_to_fstring(npool_pages_name(pages))
  end function npool_pages_name_str

  !> npool_describe(pool) as a Fortran string ("" on error).
  function npool_describe_str(pool) result(s)
    type(c_ptr), intent(in) :: pool
    character(len=:), allocatable :: s
    character(kind=c_char), allocatable, target :: buf(:)
    integer(c_int) :: n, m
    integer :: i
    n = npool_describe(pool, c_null_ptr, 0_c_size_t)
    if (n < 0) then
       s = ""
       return
    end if
    allocate(buf(n + 1))
    m = npool_describe(pool, c_loc(buf), int(n + 1, c_size_t))
    allocate(character(len=min(n, max(m, 0))) :: s)
    do i = 1, len(s)
       s(i:i) = buf(i)
    end do
  end function npool_describe_str

  !> A NUL-terminated copy of a Fortran string, for the config's nodes/name:
  !> declare the result `target` and pass c_loc(result) while creating.
  function npool_cstr(f) result(c)
    character(len=*), intent(in) :: f
    character(kind=c_char), allocatable :: c(:)
    integer :: i
    allocate(c(len_trim(f) + 1))
    do i = 1, len_trim(f)
       c(i) = f(i:i)
    end do
    c(len_trim(f) + 1) = c_null_char
  end function npool_cstr

  ! ------------------------------------------------------------------------
  ! The handle and the typed helpers
  ! ------------------------------------------------------------------------

  !> Create a pool (npool_create) into `pool`, and keep its block size and
  !> alignment for the typed helpers.  `nodes` and `name`, when present,
  !> replace cfg%nodes and cfg%name (plain Fortran strings, no NUL needed).
  !> rc: 0 or what npool_create returns; pool%ptr is c_null_ptr on failure.
  !> The handle is overwritten: close a handle before opening it again.
  subroutine npool_open(pool, cfg, rc, errmsg, nodes, name)
    type(npool_handle), intent(out) :: pool
    type(npool_config_t), intent(in) :: cfg
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    character(len=*), intent(in), optional :: nodes, name
    type(npool_config_t) :: c
    character(kind=c_char), allocatable, target :: cnodes(:), cname(:)
    character(len=:), allocatable :: msg
    integer(c_int) :: code
    c = cfg
    if (present(nodes)) then
       cnodes = npool_cstr(nodes)
       c%nodes = c_loc(cnodes)
    end if
    if (present(name)) then
       cname = npool_cstr(name)
       c%name = c_loc(cname)
    end if
    code = npool_create(c, pool%ptr)
    if (code /= 0) then
       pool%ptr = c_null_ptr
       msg = "npool_open: " // npool_last_error_str()
    else
       call read_sizes(pool, "npool_open", code, msg)
    end if
    ! errmsg is set here, never handed down: gfortran 12 loses the length of
    ! an optional deferred-length dummy passed on from a procedure that has
    ! other optional character dummies
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_open

  !> A handle over a pool created elsewhere (npool_create in C or Fortran):
  !> reads its block size and alignment once.  npool_close(pool) then
  !> destroys that pool.  rc: 0; NPOOL_EINVAL when cpool is NULL.
  subroutine npool_attach(pool, cpool, rc, errmsg)
    type(npool_handle), intent(out) :: pool
    type(c_ptr), intent(in) :: cpool
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    character(len=:), allocatable :: msg
    integer(c_int) :: code
    pool%ptr = cpool
    call read_sizes(pool, "npool_attach", code, msg)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_attach

  !> Destroy the pool (npool_destroy: every block goes, held or not) and
  !> clear the handle.  A closed or never opened handle is a no-op.
  subroutine npool_close(pool)
    type(npool_handle), intent(inout) :: pool
    call npool_destroy(pool%ptr)
    pool%ptr = c_null_ptr
    pool%block_size = 0
    pool%align = 0
  end subroutine npool_close

  ! The internal procedures below give back (code, msg): 0 and "" on
  ! success.  The public ones copy msg into their optional errmsg themselves
  ! and call outcome() for rc.

  subroutine read_sizes(pool, who, code, msg)
    type(npool_handle), intent(inout) :: pool
    character(len=*), intent(in) :: who
    integer(c_int), intent(out) :: code
    character(len=:), allocatable, intent(out) :: msg
    type(npool_stats_t), allocatable :: s   ! 25 KiB: not on the stack
    allocate(s)
    msg = ""
    code = npool_stats(pool%ptr, s)
    if (code /= 0) then
       pool%ptr = c_null_ptr
       msg = who // ": " // npool_last_error_str()
       return
    end if
    pool%block_size = s%block_size
    pool%align = s%align
  end subroutine read_sizes

  !> rc = code when rc is present; without rc a failure prints the sentence
  !> and stops, as ALLOCATE without STAT= does.
  subroutine outcome(code, msg, rc)
    integer(c_int), intent(in) :: code
    character(len=*), intent(in) :: msg
    integer(c_int), intent(out), optional :: rc
    if (present(rc)) then
       rc = code
    else if (code /= 0) then
       write(error_unit, '(a)') msg
       error stop 1
    end if
  end subroutine outcome

  function itoa(i) result(s)
    integer(c_int64_t), intent(in) :: i
    character(len=:), allocatable :: s
    character(len=24) :: buf
    write(buf, '(i0)') i
    s = trim(buf)
  end function itoa

  !> "" when `extents` of elements of `esize` bytes, aligned to `ealign`,
  !> fit in one block of `pool`; else the sentence that says why not.
  function shape_problem(pool, who, extents, esize, ealign, what) result(msg)
    type(npool_handle), intent(in) :: pool
    character(len=*), intent(in) :: who, what
    integer, intent(in) :: extents(:)
    integer(c_size_t), intent(in) :: esize, ealign
    character(len=:), allocatable :: msg
    character(len=:), allocatable :: dims
    integer(c_int64_t) :: room, prod
    real(c_double) :: bytes
    logical :: fits
    integer :: k
    msg = ""
    if (.not. c_associated(pool%ptr)) then
       msg = who // ": the pool handle is not open (npool_open or npool_attach first)"
       return
    end if
    dims = itoa(int(extents(1), c_int64_t))
    do k = 2, size(extents)
       dims = dims // " x " // itoa(int(extents(k), c_int64_t))
    end do
    do k = 1, size(extents)
       if (extents(k) < 1) then
          msg = who // ": a " // dims // " array of " // what // ": extent " // &
               itoa(int(k, c_int64_t)) // " is " // itoa(int(extents(k), c_int64_t)) // &
               "; every extent must be at least 1"
          return
       end if
    end do
    ! the elements that fit, then the product checked against it step by
    ! step, so that no step can overflow
    room = int(pool%block_size / esize, c_int64_t)
    prod = 1
    fits = .true.
    bytes = real(esize, c_double)
    do k = 1, size(extents)
       bytes = bytes * real(extents(k), c_double)
       if (fits) then
          if (int(extents(k), c_int64_t) > room / prod) then
             fits = .false.
          else
             prod = prod * extents(k)
          end if
       end if
    end do
    if (.not. fits) then
       if (bytes < 9.0e18_c_double) then
          msg = itoa(int(bytes, c_int64_t)) // " bytes"
       else
          msg = "more than 2^63 bytes"
       end if
       msg = who // ": a " // dims // " array of " // what // " (" // itoa(int(esize, c_int64_t)) // &
            " bytes each) needs " // msg // ", more than the pool's block size of " // &
            itoa(int(pool%block_size, c_int64_t)) // " bytes"
       return
    end if
    if (pool%align < ealign) then
       msg = who // ": " // what // " needs " // itoa(int(ealign, c_int64_t)) // &
            "-byte alignment; the pool's blocks are aligned to " // itoa(int(pool%align, c_int64_t)) // " bytes"
    end if
  end function shape_problem

  !> The block for a typed get; c_null_ptr on failure.
  function typed_get(pool, extents, esize, ealign, what, node, code, msg) result(p)
    type(npool_handle), intent(in) :: pool
    integer, intent(in) :: extents(:)
    integer(c_size_t), intent(in) :: esize, ealign
    character(len=*), intent(in) :: what
    integer(c_int), intent(in), optional :: node
    integer(c_int), intent(out) :: code
    character(len=:), allocatable, intent(out) :: msg
    type(c_ptr) :: p
    integer(c_int), pointer :: err
    p = c_null_ptr
    code = 0
    msg = shape_problem(pool, "npool_get_block", extents, esize, ealign, what)
    if (len(msg) > 0) then
       code = NPOOL_EINVAL
       return
    end if
    call c_f_pointer(c_errno_location(), err)
    err = 0
    if (present(node)) then
       p = npool_get_on(pool%ptr, node)
    else
       p = npool_get(pool%ptr)
    end if
    if (.not. c_associated(p)) then
       code = -err
       if (code == 0) code = NPOOL_ENOMEM   ! never seen: the library sets errno with NULL
       msg = "npool_get_block: " // npool_last_error_str()
    end if
  end function typed_get

  !> The block at `index` for a typed view; c_null_ptr on failure.
  function typed_view(pool, index, extents, esize, ealign, what, code, msg) result(p)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    integer, intent(in) :: extents(:)
    integer(c_size_t), intent(in) :: esize, ealign
    character(len=*), intent(in) :: what
    integer(c_int), intent(out) :: code
    character(len=:), allocatable, intent(out) :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    code = 0
    msg = shape_problem(pool, "npool_view_block", extents, esize, ealign, what)
    if (len(msg) > 0) then
       code = NPOOL_EINVAL
       return
    end if
    p = npool_block(pool%ptr, index)
    if (.not. c_associated(p)) then
       code = NPOOL_EINVAL
       msg = "npool_view_block: " // npool_last_error_str()
    end if
  end function typed_view

  !> Put back the block at `p` (c_null_ptr: the pointer was not associated).
  subroutine typed_put(pool, p, code, msg)
    type(npool_handle), intent(in) :: pool
    type(c_ptr), intent(in) :: p
    integer(c_int), intent(out) :: code
    character(len=:), allocatable, intent(out) :: msg
    code = NPOOL_EINVAL
    msg = ""
    if (.not. c_associated(p)) then
       msg = "npool_put_block: the pointer is not associated with a block (nothing to put)"
    else if (.not. c_associated(pool%ptr)) then
       msg = "npool_put_block: the pool handle is not open (npool_open or npool_attach first)"
    else
       code = npool_put(pool%ptr, p)
       if (code /= 0) msg = "npool_put_block: " // npool_last_error_str()
    end if
  end subroutine typed_put

  ! ---- BEGIN GENERATED procedures: bindings/fortran/gen-typed.py writes this part ----
  subroutine npool_get_block_r4_1(pool, a, n1, rc, errmsg, node)
    type(npool_handle), intent(in) :: pool
    real(c_float), pointer, intent(out) :: a(:)
    integer, intent(in) :: n1
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int), intent(in), optional :: node
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_get(pool, [n1], c_sizeof(0.0_c_float), c_sizeof(0.0_c_float), &
         "real(c_float)", node, code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_get_block_r4_1

  subroutine npool_view_block_r4_1(pool, index, a, n1, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    real(c_float), pointer, intent(out) :: a(:)
    integer, intent(in) :: n1
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_view(pool, index, [n1], c_sizeof(0.0_c_float), c_sizeof(0.0_c_float), &
         "real(c_float)", code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_view_block_r4_1

  subroutine npool_put_block_r4_1(pool, a, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    real(c_float), pointer, intent(inout) :: a(:)
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    if (associated(a)) then
       if (size(a) > 0) p = c_loc(a(lbound(a, 1)))
    end if
    call typed_put(pool, p, code, msg)
    if (code == 0) nullify(a)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_put_block_r4_1

  function npool_block_index_r4_1(pool, a) result(idx)
    type(npool_handle), intent(in) :: pool
    real(c_float), pointer, intent(in) :: a(:)
    integer(c_size_t) :: idx
    idx = NPOOL_NO_INDEX
    if (.not. associated(a)) return
    if (size(a) == 0) return
    idx = npool_index(pool%ptr, c_loc(a(lbound(a, 1))))
  end function npool_block_index_r4_1

  subroutine npool_get_block_r4_2(pool, a, n1, n2, rc, errmsg, node)
    type(npool_handle), intent(in) :: pool
    real(c_float), pointer, intent(out) :: a(:,:)
    integer, intent(in) :: n1, n2
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int), intent(in), optional :: node
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_get(pool, [n1, n2], c_sizeof(0.0_c_float), c_sizeof(0.0_c_float), &
         "real(c_float)", node, code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_get_block_r4_2

  subroutine npool_view_block_r4_2(pool, index, a, n1, n2, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    real(c_float), pointer, intent(out) :: a(:,:)
    integer, intent(in) :: n1, n2
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_view(pool, index, [n1, n2], c_sizeof(0.0_c_float), c_sizeof(0.0_c_float), &
         "real(c_float)", code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_view_block_r4_2

  subroutine npool_put_block_r4_2(pool, a, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    real(c_float), pointer, intent(inout) :: a(:,:)
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    if (associated(a)) then
       if (size(a) > 0) p = c_loc(a(lbound(a, 1), lbound(a, 2)))
    end if
    call typed_put(pool, p, code, msg)
    if (code == 0) nullify(a)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_put_block_r4_2

  function npool_block_index_r4_2(pool, a) result(idx)
    type(npool_handle), intent(in) :: pool
    real(c_float), pointer, intent(in) :: a(:,:)
    integer(c_size_t) :: idx
    idx = NPOOL_NO_INDEX
    if (.not. associated(a)) return
    if (size(a) == 0) return
    idx = npool_index(pool%ptr, c_loc(a(lbound(a, 1), lbound(a, 2))))
  end function npool_block_index_r4_2

  subroutine npool_get_block_r4_3(pool, a, n1, n2, n3, rc, errmsg, node)
    type(npool_handle), intent(in) :: pool
    real(c_float), pointer, intent(out) :: a(:,:,:)
    integer, intent(in) :: n1, n2, n3
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int), intent(in), optional :: node
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_get(pool, [n1, n2, n3], c_sizeof(0.0_c_float), c_sizeof(0.0_c_float), &
         "real(c_float)", node, code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2, n3])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_get_block_r4_3

  subroutine npool_view_block_r4_3(pool, index, a, n1, n2, n3, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    real(c_float), pointer, intent(out) :: a(:,:,:)
    integer, intent(in) :: n1, n2, n3
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_view(pool, index, [n1, n2, n3], c_sizeof(0.0_c_float), c_sizeof(0.0_c_float), &
         "real(c_float)", code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2, n3])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_view_block_r4_3

  subroutine npool_put_block_r4_3(pool, a, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    real(c_float), pointer, intent(inout) :: a(:,:,:)
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    if (associated(a)) then
       if (size(a) > 0) p = c_loc(a(lbound(a, 1), lbound(a, 2), lbound(a, 3)))
    end if
    call typed_put(pool, p, code, msg)
    if (code == 0) nullify(a)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_put_block_r4_3

  function npool_block_index_r4_3(pool, a) result(idx)
    type(npool_handle), intent(in) :: pool
    real(c_float), pointer, intent(in) :: a(:,:,:)
    integer(c_size_t) :: idx
    idx = NPOOL_NO_INDEX
    if (.not. associated(a)) return
    if (size(a) == 0) return
    idx = npool_index(pool%ptr, c_loc(a(lbound(a, 1), lbound(a, 2), lbound(a, 3))))
  end function npool_block_index_r4_3

  subroutine npool_get_block_r8_1(pool, a, n1, rc, errmsg, node)
    type(npool_handle), intent(in) :: pool
    real(c_double), pointer, intent(out) :: a(:)
    integer, intent(in) :: n1
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int), intent(in), optional :: node
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_get(pool, [n1], c_sizeof(0.0_c_double), c_sizeof(0.0_c_double), &
         "real(c_double)", node, code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_get_block_r8_1

  subroutine npool_view_block_r8_1(pool, index, a, n1, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    real(c_double), pointer, intent(out) :: a(:)
    integer, intent(in) :: n1
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_view(pool, index, [n1], c_sizeof(0.0_c_double), c_sizeof(0.0_c_double), &
         "real(c_double)", code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_view_block_r8_1

  subroutine npool_put_block_r8_1(pool, a, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    real(c_double), pointer, intent(inout) :: a(:)
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    if (associated(a)) then
       if (size(a) > 0) p = c_loc(a(lbound(a, 1)))
    end if
    call typed_put(pool, p, code, msg)
    if (code == 0) nullify(a)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_put_block_r8_1

  function npool_block_index_r8_1(pool, a) result(idx)
    type(npool_handle), intent(in) :: pool
    real(c_double), pointer, intent(in) :: a(:)
    integer(c_size_t) :: idx
    idx = NPOOL_NO_INDEX
    if (.not. associated(a)) return
    if (size(a) == 0) return
    idx = npool_index(pool%ptr, c_loc(a(lbound(a, 1))))
  end function npool_block_index_r8_1

  subroutine npool_get_block_r8_2(pool, a, n1, n2, rc, errmsg, node)
    type(npool_handle), intent(in) :: pool
    real(c_double), pointer, intent(out) :: a(:,:)
    integer, intent(in) :: n1, n2
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int), intent(in), optional :: node
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_get(pool, [n1, n2], c_sizeof(0.0_c_double), c_sizeof(0.0_c_double), &
         "real(c_double)", node, code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_get_block_r8_2

  subroutine npool_view_block_r8_2(pool, index, a, n1, n2, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    real(c_double), pointer, intent(out) :: a(:,:)
    integer, intent(in) :: n1, n2
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_view(pool, index, [n1, n2], c_sizeof(0.0_c_double), c_sizeof(0.0_c_double), &
         "real(c_double)", code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_view_block_r8_2

  subroutine npool_put_block_r8_2(pool, a, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    real(c_double), pointer, intent(inout) :: a(:,:)
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    if (associated(a)) then
       if (size(a) > 0) p = c_loc(a(lbound(a, 1), lbound(a, 2)))
    end if
    call typed_put(pool, p, code, msg)
    if (code == 0) nullify(a)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_put_block_r8_2

  function npool_block_index_r8_2(pool, a) result(idx)
    type(npool_handle), intent(in) :: pool
    real(c_double), pointer, intent(in) :: a(:,:)
    integer(c_size_t) :: idx
    idx = NPOOL_NO_INDEX
    if (.not. associated(a)) return
    if (size(a) == 0) return
    idx = npool_index(pool%ptr, c_loc(a(lbound(a, 1), lbound(a, 2))))
  end function npool_block_index_r8_2

  subroutine npool_get_block_r8_3(pool, a, n1, n2, n3, rc, errmsg, node)
    type(npool_handle), intent(in) :: pool
    real(c_double), pointer, intent(out) :: a(:,:,:)
    integer, intent(in) :: n1, n2, n3
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int), intent(in), optional :: node
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_get(pool, [n1, n2, n3], c_sizeof(0.0_c_double), c_sizeof(0.0_c_double), &
         "real(c_double)", node, code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2, n3])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_get_block_r8_3

  subroutine npool_view_block_r8_3(pool, index, a, n1, n2, n3, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    real(c_double), pointer, intent(out) :: a(:,:,:)
    integer, intent(in) :: n1, n2, n3
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_view(pool, index, [n1, n2, n3], c_sizeof(0.0_c_double), c_sizeof(0.0_c_double), &
         "real(c_double)", code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2, n3])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_view_block_r8_3

  subroutine npool_put_block_r8_3(pool, a, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    real(c_double), pointer, intent(inout) :: a(:,:,:)
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    if (associated(a)) then
       if (size(a) > 0) p = c_loc(a(lbound(a, 1), lbound(a, 2), lbound(a, 3)))
    end if
    call typed_put(pool, p, code, msg)
    if (code == 0) nullify(a)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_put_block_r8_3

  function npool_block_index_r8_3(pool, a) result(idx)
    type(npool_handle), intent(in) :: pool
    real(c_double), pointer, intent(in) :: a(:,:,:)
    integer(c_size_t) :: idx
    idx = NPOOL_NO_INDEX
    if (.not. associated(a)) return
    if (size(a) == 0) return
    idx = npool_index(pool%ptr, c_loc(a(lbound(a, 1), lbound(a, 2), lbound(a, 3))))
  end function npool_block_index_r8_3

  subroutine npool_get_block_i4_1(pool, a, n1, rc, errmsg, node)
    type(npool_handle), intent(in) :: pool
    integer(c_int), pointer, intent(out) :: a(:)
    integer, intent(in) :: n1
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int), intent(in), optional :: node
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_get(pool, [n1], c_sizeof(0_c_int), c_sizeof(0_c_int), &
         "integer(c_int)", node, code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_get_block_i4_1

  subroutine npool_view_block_i4_1(pool, index, a, n1, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    integer(c_int), pointer, intent(out) :: a(:)
    integer, intent(in) :: n1
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_view(pool, index, [n1], c_sizeof(0_c_int), c_sizeof(0_c_int), &
         "integer(c_int)", code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_view_block_i4_1

  subroutine npool_put_block_i4_1(pool, a, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_int), pointer, intent(inout) :: a(:)
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    if (associated(a)) then
       if (size(a) > 0) p = c_loc(a(lbound(a, 1)))
    end if
    call typed_put(pool, p, code, msg)
    if (code == 0) nullify(a)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_put_block_i4_1

  function npool_block_index_i4_1(pool, a) result(idx)
    type(npool_handle), intent(in) :: pool
    integer(c_int), pointer, intent(in) :: a(:)
    integer(c_size_t) :: idx
    idx = NPOOL_NO_INDEX
    if (.not. associated(a)) return
    if (size(a) == 0) return
    idx = npool_index(pool%ptr, c_loc(a(lbound(a, 1))))
  end function npool_block_index_i4_1

  subroutine npool_get_block_i4_2(pool, a, n1, n2, rc, errmsg, node)
    type(npool_handle), intent(in) :: pool
    integer(c_int), pointer, intent(out) :: a(:,:)
    integer, intent(in) :: n1, n2
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int), intent(in), optional :: node
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_get(pool, [n1, n2], c_sizeof(0_c_int), c_sizeof(0_c_int), &
         "integer(c_int)", node, code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_get_block_i4_2

  subroutine npool_view_block_i4_2(pool, index, a, n1, n2, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    integer(c_int), pointer, intent(out) :: a(:,:)
    integer, intent(in) :: n1, n2
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_view(pool, index, [n1, n2], c_sizeof(0_c_int), c_sizeof(0_c_int), &
         "integer(c_int)", code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_view_block_i4_2

  subroutine npool_put_block_i4_2(pool, a, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_int), pointer, intent(inout) :: a(:,:)
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    if (associated(a)) then
       if (size(a) > 0) p = c_loc(a(lbound(a, 1), lbound(a, 2)))
    end if
    call typed_put(pool, p, code, msg)
    if (code == 0) nullify(a)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_put_block_i4_2

  function npool_block_index_i4_2(pool, a) result(idx)
    type(npool_handle), intent(in) :: pool
    integer(c_int), pointer, intent(in) :: a(:,:)
    integer(c_size_t) :: idx
    idx = NPOOL_NO_INDEX
    if (.not. associated(a)) return
    if (size(a) == 0) return
    idx = npool_index(pool%ptr, c_loc(a(lbound(a, 1), lbound(a, 2))))
  end function npool_block_index_i4_2

  subroutine npool_get_block_i4_3(pool, a, n1, n2, n3, rc, errmsg, node)
    type(npool_handle), intent(in) :: pool
    integer(c_int), pointer, intent(out) :: a(:,:,:)
    integer, intent(in) :: n1, n2, n3
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int), intent(in), optional :: node
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_get(pool, [n1, n2, n3], c_sizeof(0_c_int), c_sizeof(0_c_int), &
         "integer(c_int)", node, code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2, n3])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_get_block_i4_3

  subroutine npool_view_block_i4_3(pool, index, a, n1, n2, n3, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    integer(c_int), pointer, intent(out) :: a(:,:,:)
    integer, intent(in) :: n1, n2, n3
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_view(pool, index, [n1, n2, n3], c_sizeof(0_c_int), c_sizeof(0_c_int), &
         "integer(c_int)", code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2, n3])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_view_block_i4_3

  subroutine npool_put_block_i4_3(pool, a, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_int), pointer, intent(inout) :: a(:,:,:)
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    if (associated(a)) then
       if (size(a) > 0) p = c_loc(a(lbound(a, 1), lbound(a, 2), lbound(a, 3)))
    end if
    call typed_put(pool, p, code, msg)
    if (code == 0) nullify(a)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_put_block_i4_3

  function npool_block_index_i4_3(pool, a) result(idx)
    type(npool_handle), intent(in) :: pool
    integer(c_int), pointer, intent(in) :: a(:,:,:)
    integer(c_size_t) :: idx
    idx = NPOOL_NO_INDEX
    if (.not. associated(a)) return
    if (size(a) == 0) return
    idx = npool_index(pool%ptr, c_loc(a(lbound(a, 1), lbound(a, 2), lbound(a, 3))))
  end function npool_block_index_i4_3

  subroutine npool_get_block_i8_1(pool, a, n1, rc, errmsg, node)
    type(npool_handle), intent(in) :: pool
    integer(c_int64_t), pointer, intent(out) :: a(:)
    integer, intent(in) :: n1
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int), intent(in), optional :: node
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_get(pool, [n1], c_sizeof(0_c_int64_t), c_sizeof(0_c_int64_t), &
         "integer(c_int64_t)", node, code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_get_block_i8_1

  subroutine npool_view_block_i8_1(pool, index, a, n1, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    integer(c_int64_t), pointer, intent(out) :: a(:)
    integer, intent(in) :: n1
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_view(pool, index, [n1], c_sizeof(0_c_int64_t), c_sizeof(0_c_int64_t), &
         "integer(c_int64_t)", code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_view_block_i8_1

  subroutine npool_put_block_i8_1(pool, a, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_int64_t), pointer, intent(inout) :: a(:)
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    if (associated(a)) then
       if (size(a) > 0) p = c_loc(a(lbound(a, 1)))
    end if
    call typed_put(pool, p, code, msg)
    if (code == 0) nullify(a)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_put_block_i8_1

  function npool_block_index_i8_1(pool, a) result(idx)
    type(npool_handle), intent(in) :: pool
    integer(c_int64_t), pointer, intent(in) :: a(:)
    integer(c_size_t) :: idx
    idx = NPOOL_NO_INDEX
    if (.not. associated(a)) return
    if (size(a) == 0) return
    idx = npool_index(pool%ptr, c_loc(a(lbound(a, 1))))
  end function npool_block_index_i8_1

  subroutine npool_get_block_i8_2(pool, a, n1, n2, rc, errmsg, node)
    type(npool_handle), intent(in) :: pool
    integer(c_int64_t), pointer, intent(out) :: a(:,:)
    integer, intent(in) :: n1, n2
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int), intent(in), optional :: node
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_get(pool, [n1, n2], c_sizeof(0_c_int64_t), c_sizeof(0_c_int64_t), &
         "integer(c_int64_t)", node, code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_get_block_i8_2

  subroutine npool_view_block_i8_2(pool, index, a, n1, n2, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    integer(c_int64_t), pointer, intent(out) :: a(:,:)
    integer, intent(in) :: n1, n2
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_view(pool, index, [n1, n2], c_sizeof(0_c_int64_t), c_sizeof(0_c_int64_t), &
         "integer(c_int64_t)", code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_view_block_i8_2

  subroutine npool_put_block_i8_2(pool, a, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_int64_t), pointer, intent(inout) :: a(:,:)
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    if (associated(a)) then
       if (size(a) > 0) p = c_loc(a(lbound(a, 1), lbound(a, 2)))
    end if
    call typed_put(pool, p, code, msg)
    if (code == 0) nullify(a)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_put_block_i8_2

  function npool_block_index_i8_2(pool, a) result(idx)
    type(npool_handle), intent(in) :: pool
    integer(c_int64_t), pointer, intent(in) :: a(:,:)
    integer(c_size_t) :: idx
    idx = NPOOL_NO_INDEX
    if (.not. associated(a)) return
    if (size(a) == 0) return
    idx = npool_index(pool%ptr, c_loc(a(lbound(a, 1), lbound(a, 2))))
  end function npool_block_index_i8_2

  subroutine npool_get_block_i8_3(pool, a, n1, n2, n3, rc, errmsg, node)
    type(npool_handle), intent(in) :: pool
    integer(c_int64_t), pointer, intent(out) :: a(:,:,:)
    integer, intent(in) :: n1, n2, n3
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int), intent(in), optional :: node
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_get(pool, [n1, n2, n3], c_sizeof(0_c_int64_t), c_sizeof(0_c_int64_t), &
         "integer(c_int64_t)", node, code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2, n3])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_get_block_i8_3

  subroutine npool_view_block_i8_3(pool, index, a, n1, n2, n3, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    integer(c_int64_t), pointer, intent(out) :: a(:,:,:)
    integer, intent(in) :: n1, n2, n3
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_view(pool, index, [n1, n2, n3], c_sizeof(0_c_int64_t), c_sizeof(0_c_int64_t), &
         "integer(c_int64_t)", code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2, n3])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_view_block_i8_3

  subroutine npool_put_block_i8_3(pool, a, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_int64_t), pointer, intent(inout) :: a(:,:,:)
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    if (associated(a)) then
       if (size(a) > 0) p = c_loc(a(lbound(a, 1), lbound(a, 2), lbound(a, 3)))
    end if
    call typed_put(pool, p, code, msg)
    if (code == 0) nullify(a)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_put_block_i8_3

  function npool_block_index_i8_3(pool, a) result(idx)
    type(npool_handle), intent(in) :: pool
    integer(c_int64_t), pointer, intent(in) :: a(:,:,:)
    integer(c_size_t) :: idx
    idx = NPOOL_NO_INDEX
    if (.not. associated(a)) return
    if (size(a) == 0) return
    idx = npool_index(pool%ptr, c_loc(a(lbound(a, 1), lbound(a, 2), lbound(a, 3))))
  end function npool_block_index_i8_3

  subroutine npool_get_block_c4_1(pool, a, n1, rc, errmsg, node)
    type(npool_handle), intent(in) :: pool
    complex(c_float_complex), pointer, intent(out) :: a(:)
    integer, intent(in) :: n1
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int), intent(in), optional :: node
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_get(pool, [n1], c_sizeof((0.0_c_float, 0.0_c_float)), c_sizeof(0.0_c_float), &
         "complex(c_float_complex)", node, code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_get_block_c4_1

  subroutine npool_view_block_c4_1(pool, index, a, n1, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    complex(c_float_complex), pointer, intent(out) :: a(:)
    integer, intent(in) :: n1
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_view(pool, index, [n1], c_sizeof((0.0_c_float, 0.0_c_float)), c_sizeof(0.0_c_float), &
         "complex(c_float_complex)", code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_view_block_c4_1

  subroutine npool_put_block_c4_1(pool, a, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    complex(c_float_complex), pointer, intent(inout) :: a(:)
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    if (associated(a)) then
       if (size(a) > 0) p = c_loc(a(lbound(a, 1)))
    end if
    call typed_put(pool, p, code, msg)
    if (code == 0) nullify(a)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_put_block_c4_1

  function npool_block_index_c4_1(pool, a) result(idx)
    type(npool_handle), intent(in) :: pool
    complex(c_float_complex), pointer, intent(in) :: a(:)
    integer(c_size_t) :: idx
    idx = NPOOL_NO_INDEX
    if (.not. associated(a)) return
    if (size(a) == 0) return
    idx = npool_index(pool%ptr, c_loc(a(lbound(a, 1))))
  end function npool_block_index_c4_1

  subroutine npool_get_block_c4_2(pool, a, n1, n2, rc, errmsg, node)
    type(npool_handle), intent(in) :: pool
    complex(c_float_complex), pointer, intent(out) :: a(:,:)
    integer, intent(in) :: n1, n2
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int), intent(in), optional :: node
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_get(pool, [n1, n2], c_sizeof((0.0_c_float, 0.0_c_float)), c_sizeof(0.0_c_float), &
         "complex(c_float_complex)", node, code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_get_block_c4_2

  subroutine npool_view_block_c4_2(pool, index, a, n1, n2, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    complex(c_float_complex), pointer, intent(out) :: a(:,:)
    integer, intent(in) :: n1, n2
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_view(pool, index, [n1, n2], c_sizeof((0.0_c_float, 0.0_c_float)), c_sizeof(0.0_c_float), &
         "complex(c_float_complex)", code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_view_block_c4_2

  subroutine npool_put_block_c4_2(pool, a, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    complex(c_float_complex), pointer, intent(inout) :: a(:,:)
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    if (associated(a)) then
       if (size(a) > 0) p = c_loc(a(lbound(a, 1), lbound(a, 2)))
    end if
    call typed_put(pool, p, code, msg)
    if (code == 0) nullify(a)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_put_block_c4_2

  function npool_block_index_c4_2(pool, a) result(idx)
    type(npool_handle), intent(in) :: pool
    complex(c_float_complex), pointer, intent(in) :: a(:,:)
    integer(c_size_t) :: idx
    idx = NPOOL_NO_INDEX
    if (.not. associated(a)) return
    if (size(a) == 0) return
    idx = npool_index(pool%ptr, c_loc(a(lbound(a, 1), lbound(a, 2))))
  end function npool_block_index_c4_2

  subroutine npool_get_block_c4_3(pool, a, n1, n2, n3, rc, errmsg, node)
    type(npool_handle), intent(in) :: pool
    complex(c_float_complex), pointer, intent(out) :: a(:,:,:)
    integer, intent(in) :: n1, n2, n3
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int), intent(in), optional :: node
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_get(pool, [n1, n2, n3], c_sizeof((0.0_c_float, 0.0_c_float)), c_sizeof(0.0_c_float), &
         "complex(c_float_complex)", node, code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2, n3])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_get_block_c4_3

  subroutine npool_view_block_c4_3(pool, index, a, n1, n2, n3, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    complex(c_float_complex), pointer, intent(out) :: a(:,:,:)
    integer, intent(in) :: n1, n2, n3
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_view(pool, index, [n1, n2, n3], c_sizeof((0.0_c_float, 0.0_c_float)), c_sizeof(0.0_c_float), &
         "complex(c_float_complex)", code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2, n3])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_view_block_c4_3

  subroutine npool_put_block_c4_3(pool, a, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    complex(c_float_complex), pointer, intent(inout) :: a(:,:,:)
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    if (associated(a)) then
       if (size(a) > 0) p = c_loc(a(lbound(a, 1), lbound(a, 2), lbound(a, 3)))
    end if
    call typed_put(pool, p, code, msg)
    if (code == 0) nullify(a)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_put_block_c4_3

  function npool_block_index_c4_3(pool, a) result(idx)
    type(npool_handle), intent(in) :: pool
    complex(c_float_complex), pointer, intent(in) :: a(:,:,:)
    integer(c_size_t) :: idx
    idx = NPOOL_NO_INDEX
    if (.not. associated(a)) return
    if (size(a) == 0) return
    idx = npool_index(pool%ptr, c_loc(a(lbound(a, 1), lbound(a, 2), lbound(a, 3))))
  end function npool_block_index_c4_3

  subroutine npool_get_block_c8_1(pool, a, n1, rc, errmsg, node)
    type(npool_handle), intent(in) :: pool
    complex(c_double_complex), pointer, intent(out) :: a(:)
    integer, intent(in) :: n1
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int), intent(in), optional :: node
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_get(pool, [n1], c_sizeof((0.0_c_double, 0.0_c_double)), c_sizeof(0.0_c_double), &
         "complex(c_double_complex)", node, code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_get_block_c8_1

  subroutine npool_view_block_c8_1(pool, index, a, n1, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    complex(c_double_complex), pointer, intent(out) :: a(:)
    integer, intent(in) :: n1
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_view(pool, index, [n1], c_sizeof((0.0_c_double, 0.0_c_double)), c_sizeof(0.0_c_double), &
         "complex(c_double_complex)", code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_view_block_c8_1

  subroutine npool_put_block_c8_1(pool, a, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    complex(c_double_complex), pointer, intent(inout) :: a(:)
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    if (associated(a)) then
       if (size(a) > 0) p = c_loc(a(lbound(a, 1)))
    end if
    call typed_put(pool, p, code, msg)
    if (code == 0) nullify(a)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_put_block_c8_1

  function npool_block_index_c8_1(pool, a) result(idx)
    type(npool_handle), intent(in) :: pool
    complex(c_double_complex), pointer, intent(in) :: a(:)
    integer(c_size_t) :: idx
    idx = NPOOL_NO_INDEX
    if (.not. associated(a)) return
    if (size(a) == 0) return
    idx = npool_index(pool%ptr, c_loc(a(lbound(a, 1))))
  end function npool_block_index_c8_1

  subroutine npool_get_block_c8_2(pool, a, n1, n2, rc, errmsg, node)
    type(npool_handle), intent(in) :: pool
    complex(c_double_complex), pointer, intent(out) :: a(:,:)
    integer, intent(in) :: n1, n2
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int), intent(in), optional :: node
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_get(pool, [n1, n2], c_sizeof((0.0_c_double, 0.0_c_double)), c_sizeof(0.0_c_double), &
         "complex(c_double_complex)", node, code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_get_block_c8_2

  subroutine npool_view_block_c8_2(pool, index, a, n1, n2, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    complex(c_double_complex), pointer, intent(out) :: a(:,:)
    integer, intent(in) :: n1, n2
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_view(pool, index, [n1, n2], c_sizeof((0.0_c_double, 0.0_c_double)), c_sizeof(0.0_c_double), &
         "complex(c_double_complex)", code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_view_block_c8_2

  subroutine npool_put_block_c8_2(pool, a, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    complex(c_double_complex), pointer, intent(inout) :: a(:,:)
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    if (associated(a)) then
       if (size(a) > 0) p = c_loc(a(lbound(a, 1), lbound(a, 2)))
    end if
    call typed_put(pool, p, code, msg)
    if (code == 0) nullify(a)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_put_block_c8_2

  function npool_block_index_c8_2(pool, a) result(idx)
    type(npool_handle), intent(in) :: pool
    complex(c_double_complex), pointer, intent(in) :: a(:,:)
    integer(c_size_t) :: idx
    idx = NPOOL_NO_INDEX
    if (.not. associated(a)) return
    if (size(a) == 0) return
    idx = npool_index(pool%ptr, c_loc(a(lbound(a, 1), lbound(a, 2))))
  end function npool_block_index_c8_2

  subroutine npool_get_block_c8_3(pool, a, n1, n2, n3, rc, errmsg, node)
    type(npool_handle), intent(in) :: pool
    complex(c_double_complex), pointer, intent(out) :: a(:,:,:)
    integer, intent(in) :: n1, n2, n3
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int), intent(in), optional :: node
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_get(pool, [n1, n2, n3], c_sizeof((0.0_c_double, 0.0_c_double)), c_sizeof(0.0_c_double), &
         "complex(c_double_complex)", node, code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2, n3])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_get_block_c8_3

  subroutine npool_view_block_c8_3(pool, index, a, n1, n2, n3, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    integer(c_size_t), intent(in) :: index
    complex(c_double_complex), pointer, intent(out) :: a(:,:,:)
    integer, intent(in) :: n1, n2, n3
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = typed_view(pool, index, [n1, n2, n3], c_sizeof((0.0_c_double, 0.0_c_double)), c_sizeof(0.0_c_double), &
         "complex(c_double_complex)", code, msg)
    nullify(a)
    if (c_associated(p)) call c_f_pointer(p, a, [n1, n2, n3])
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_view_block_c8_3

  subroutine npool_put_block_c8_3(pool, a, rc, errmsg)
    type(npool_handle), intent(in) :: pool
    complex(c_double_complex), pointer, intent(inout) :: a(:,:,:)
    integer(c_int), intent(out), optional :: rc
    character(len=:), allocatable, intent(out), optional :: errmsg
    integer(c_int) :: code
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    p = c_null_ptr
    if (associated(a)) then
       if (size(a) > 0) p = c_loc(a(lbound(a, 1), lbound(a, 2), lbound(a, 3)))
    end if
    call typed_put(pool, p, code, msg)
    if (code == 0) nullify(a)
    if (present(errmsg)) errmsg = msg
    call outcome(code, msg, rc)
  end subroutine npool_put_block_c8_3

  function npool_block_index_c8_3(pool, a) result(idx)
    type(npool_handle), intent(in) :: pool
    complex(c_double_complex), pointer, intent(in) :: a(:,:,:)
    integer(c_size_t) :: idx
    idx = NPOOL_NO_INDEX
    if (.not. associated(a)) return
    if (size(a) == 0) return
    idx = npool_index(pool%ptr, c_loc(a(lbound(a, 1), lbound(a, 2), lbound(a, 3))))
  end function npool_block_index_c8_3
  ! ---- END GENERATED procedures ----

end module numapool
