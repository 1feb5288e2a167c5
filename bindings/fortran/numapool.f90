!> numapool: an iso_c_binding module over the C library (include/numapool.h).
!>
!> The C functions are called as they are (same names, same arguments);
!> npool_config_t is a bind(c) type laid out as the C struct.  Strings given
!> to C (nodes, name) must be NUL-terminated: use npool_cstr() to make one
!> and keep it alive (target) across npool_create.  npool_last_error_str()
!> gives the last failure's sentence as a Fortran string.
module numapool
  use, intrinsic :: iso_c_binding
  implicit none
  private

  ! enum npool_pages
  integer(c_int), parameter, public :: NPOOL_PAGES_AUTO = 0, NPOOL_PAGES_1G = 1, &
       NPOOL_PAGES_2M = 2, NPOOL_PAGES_THP = 3, NPOOL_PAGES_BASE = 4, NPOOL_PAGES_HUGETLB = 5
  ! enum npool_flags
  integer(c_int), parameter, public :: NPOOL_STRICT_PAGES = 1, NPOOL_PREFER_NODE = 2, &
       NPOOL_LOCK = 4, NPOOL_NO_CACHE = 8, NPOOL_UNCHECKED = 16, NPOOL_SPILL = 32, &
       NPOOL_ZERO = 64
  !> npool_index's "not a block" (SIZE_MAX, as a signed c_size_t it reads -1)
  integer(c_size_t), parameter, public :: NPOOL_NO_INDEX = -1_c_size_t

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

  public :: npool_create, npool_destroy, npool_get, npool_get_on, npool_put, &
       npool_put_index, npool_index, npool_block, npool_efficiency, &
       npool_fragmentation, npool_coalesce, npool_reset, npool_check, &
       npool_last_error, npool_strerror, npool_describe
  public :: npool_last_error_str, npool_strerror_str, npool_describe_str, &
       npool_cstr, c_to_fstring

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

     integer(c_int) function npool_describe(pool, buf, len) bind(c, name="npool_describe")
       import :: c_int, c_ptr, c_size_t
       type(c_ptr), value :: pool, buf
       integer(c_size_t), value :: len
     end function npool_describe

     type(c_ptr) function npool_last_error() bind(c, name="npool_last_error")
       import :: c_ptr
     end function npool_last_error

     type(c_ptr) function npool_strerror(rc) bind(c, name="npool_strerror")
       import :: c_ptr, c_int
       integer(c_int), value :: rc
     end function npool_strerror

     integer(c_size_t) function c_strlen(s) bind(c, name="strlen")
       import :: c_size_t, c_ptr
       type(c_ptr), value :: s
     end function c_strlen
  end interface

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

end module numapool
