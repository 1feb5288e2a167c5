!> The Fortran module against the library: the seed's example (20 blocks of
!> 100 doubles) through the C calls, then through the typed helpers, their
!> refusals (a shape that does not fit, too little alignment, an empty pool, a
!> double put), and the rest of the C interface (stats, bulk, contig, arenas).
module test_numapool_callbacks
  use, intrinsic :: iso_c_binding
  implicit none
contains
  !> npool_foreach_arena's callback (a module procedure: an internal one
  !> would need a trampoline on an executable stack)
  integer(c_int) function count_arena(base, len, node, page_size, arg) bind(c)
    type(c_ptr), value :: base, arg
    integer(c_size_t), value :: len, page_size
    integer(c_int), value :: node
    integer(c_size_t), pointer :: total
    call c_f_pointer(arg, total)
    if (c_associated(base) .and. node >= 0 .and. page_size > 0) total = total + len
    count_arena = 0
  end function count_arena
end module test_numapool_callbacks

program test_numapool
  use, intrinsic :: iso_c_binding
  use numapool
  use test_numapool_callbacks
  implicit none
  type(npool_config_t) :: cfg
  type(c_ptr) :: pool, p1, p2, p3
  real(c_double), pointer :: b1(:), b2(:), again(:)
  character(kind=c_char), allocatable, target :: name(:)
  character(len=:), allocatable :: text
  integer(c_int) :: rc
  integer :: i, failures

  failures = 0
  allocate(name, source=npool_cstr("fortran"))
  cfg%block_size = 100 * c_sizeof(0.0_c_double)
  cfg%block_count = 20
  cfg%name = c_loc(name)
  rc = npool_create(cfg, pool)
  if (rc /= 0) then
     print '(a,i0,a,a)', "npool_create failed: ", rc, ": ", npool_last_error_str()
     stop 1
  end if

  p1 = npool_get(pool)
  p2 = npool_get(pool)
  call check(c_associated(p1) .and. c_associated(p2), "two gets return blocks")
  call check(npool_index(pool, p1) == 0, "first block is index 0")
  call check(npool_index(pool, p2) == 1, "second block is index 1")
  call c_f_pointer(p1, b1, [100])
  call c_f_pointer(p2, b2, [100])
  do i = 1, 100
     b1(i) = real(i, c_double) * 0.5_c_double
     b2(i) = -real(i, c_double)
  end do
  call c_f_pointer(npool_block(pool, 0_c_size_t), again, [100])
  call check(all(again == [(real(i, c_double) * 0.5_c_double, i = 1, 100)]), "block 0 reads back")
  call check(all(b2 == [(-real(i, c_double), i = 1, 100)]), "block 1 kept its values")
  call check(npool_efficiency(pool) == 10.0_c_double, "efficiency 10.0 after two gets")

  text = npool_describe_str(pool)
  print '(a)', text
  call check(index(text, "fortran") > 0, "describe names the pool")

  call check(npool_put_index(pool, 0_c_size_t) == 0, "return_block(0)")
  call check(npool_put_index(pool, 1_c_size_t) == 0, "return_block(1)")
  call check(npool_efficiency(pool) == 0.0_c_double, "efficiency 0.0 after returns")
  call check(npool_fragmentation(pool) == 0.0_c_double, "fragmentation 0.0 after returns")

  rc = npool_put_index(pool, 1_c_size_t)
  call check(rc < 0, "double return refused")
  text = npool_last_error_str()
  print '(a,i0,a,a)', "double return: ", rc, ": ", text
  call check(len(text) > 0, "last error has a sentence")
  call check(npool_put_index(pool, 20_c_size_t) < 0, "index 20 refused")
  call check(npool_index(pool, c_loc(name)) == NPOOL_NO_INDEX, "foreign pointer has no index")

  p3 = npool_get(pool)
  call check(c_associated(p3), "get after returns")
  call check(npool_coalesce(pool) == 0, "coalesce")
  call check(npool_reset(pool) == 0, "reset")
  call check(npool_efficiency(pool) == 0.0_c_double, "efficiency 0.0 after reset")
  call check(npool_index(pool, npool_get(pool)) == 0, "reset pool hands out index 0 first")
  call check(npool_check(pool) == 0, "invariants hold")

  call npool_destroy(pool)

  deallocate(text, name)   ! the main program's own: gfortran would not free them at the end

  call typed_helpers()
  call alignment_refused()
  call rest_of_the_c_interface()

  if (failures /= 0) then
     print '(i0,a)', failures, " check(s) failed"
     stop 1
  end if
  print '(a)', "fortran binding: all checks passed"

contains

  !> The seed through npool_handle and the generic helpers, every kind, ranks 1 to 3.
  subroutine typed_helpers()
    type(npool_config_t) :: c
    type(npool_handle) :: h, closed
    real(c_double), pointer :: a(:), m(:,:), flat(:,:), cube(:,:,:), view(:), alias(:), big(:), section(:)
    real(c_float), pointer :: f(:)
    integer(c_int), pointer :: i4(:,:)
    integer(c_int64_t), pointer :: i8(:)
    complex(c_float_complex), pointer :: z4(:)
    complex(c_double_complex), pointer :: z8(:), z8big(:)
    real(c_double), pointer :: many(:)
    character(len=:), allocatable :: msg
    integer(c_int) :: rc
    integer :: i, j, got

    c%block_size = 100 * c_sizeof(0.0_c_double)
    c%block_count = 20
    call npool_get_block(closed, a, 1, rc=rc, errmsg=msg)
    call check(rc == NPOOL_EINVAL .and. index(msg, "not open") > 0 .and. .not. associated(a), &
         "a handle never opened is refused: " // msg)
    call npool_open(h, c, rc, msg, nodes="local", name="typed")
    call check(rc == 0 .and. len(msg) == 0, "npool_open")
    call check(h%block_size == 800 .and. h%align == 64, "the handle keeps block size 800 and alignment 64")

    call npool_get_block(h, a, 100, rc)
    call check(rc == 0 .and. associated(a), "a real(c_double) block of 100")
    call check(size(a) == 100 .and. lbound(a, 1) == 1, "its shape is (1:100)")
    call check(npool_block_index(h, a) == 0, "it is block 0")
    call npool_get_block(h, m, 10, 10, rc)
    call check(rc == 0 .and. all(shape(m) == [10, 10]), "a 10 x 10 block")
    call check(npool_block_index(h, m) == 1, "it is block 1")
    call check(npool_efficiency(h%ptr) == 10.0_c_double, "efficiency 10.0 after two typed gets")
    a = [(real(i, c_double), i = 1, 100)]
    do j = 1, 10
       do i = 1, 10
          m(i, j) = real(100 * i + j, c_double)
       end do
    end do
    call npool_view_block(h, 1_c_size_t, view, 100, rc)
    call check(rc == 0 .and. view(23) == real(100 * 3 + 3, c_double) .and. view(91) == 110.0_c_double, &
         "block 1 viewed flat holds m in column order")
    call npool_view_block(h, 0_c_size_t, view, 100, rc)
    call check(all(view == [(real(i, c_double), i = 1, 100)]), "block 0 viewed holds a")

    ! shapes that do not fit: refused with the numbers, nothing changes
    call npool_get_block(h, big, 101, rc=rc, errmsg=msg)
    print '(2a)', "101 doubles: ", msg
    call check(rc == NPOOL_EINVAL .and. .not. associated(big), "101 doubles refused")
    call check(index(msg, "101 array of real(c_double) (8 bytes each) needs 808 bytes") > 0 .and. &
         index(msg, "block size of 800 bytes") > 0, "the sentence gives the shape and both sizes")
    call npool_get_block(h, cube, 5, 5, 5, rc=rc, errmsg=msg)
    call check(rc == NPOOL_EINVAL .and. index(msg, "5 x 5 x 5") > 0 .and. index(msg, "1000 bytes") > 0, &
         "a 5 x 5 x 5 cube refused: " // msg)
    call npool_get_block(h, cube, 2147483647, 2147483647, 2147483647, rc=rc, errmsg=msg)
    call check(rc == NPOOL_EINVAL .and. .not. associated(cube), "a shape whose size overflows 64 bits refused: " // msg)
    call npool_get_block(h, flat, 10, 0, rc=rc, errmsg=msg)
    call check(rc == NPOOL_EINVAL .and. index(msg, "extent 2 is 0") > 0 .and. .not. associated(flat), &
         "an extent of 0 refused: " // msg)
    call npool_get_block(h, cube, 4, 5, 5, rc)
    call check(rc == 0 .and. npool_block_index(h, cube) == 2, "a 4 x 5 x 5 cube is exactly a block (block 2)")
    call check(npool_efficiency(h%ptr) == 15.0_c_double, "refusals took nothing: 3 blocks held")
    call npool_view_block(h, 20_c_size_t, view, 10, rc=rc, errmsg=msg)
    call check(rc == NPOOL_EINVAL .and. .not. associated(view), "no block 20 to view: " // msg)

    ! the other kinds: what fits is the block size over the kind's size
    call npool_get_block(h, f, 200, rc)
    call check(rc == 0 .and. npool_block_index(h, f) == 3, "200 real(c_float) fit (block 3)")
    call npool_get_block(h, i4, 20, 10, rc)
    call check(rc == 0 .and. npool_block_index(h, i4) == 4, "20 x 10 integer(c_int) fit (block 4)")
    call npool_get_block(h, i8, 100, rc)
    call check(rc == 0 .and. npool_block_index(h, i8) == 5, "100 integer(c_int64_t) fit (block 5)")
    call npool_get_block(h, z4, 100, rc)
    call check(rc == 0 .and. npool_block_index(h, z4) == 6, "100 complex(c_float_complex) fit (block 6)")
    call npool_get_block(h, z8big, 51, rc=rc, errmsg=msg)
    call check(rc == NPOOL_EINVAL .and. index(msg, "816 bytes") > 0, "51 complex(c_double_complex) refused")
    call npool_get_block(h, z8, 50, rc)
    call check(rc == 0 .and. npool_block_index(h, z8) == 7, "50 complex(c_double_complex) fit (block 7)")
    f = 1.5_c_float
    i4 = -7
    i8 = huge(0_c_int64_t)
    z4 = (1.0_c_float, -1.0_c_float)
    z8 = (0.25_c_double, 4.0_c_double)
    call check(all(f == 1.5_c_float) .and. all(i4 == -7) .and. all(i8 == huge(0_c_int64_t)) .and. &
         all(z4 == (1.0_c_float, -1.0_c_float)) .and. all(z8 == (0.25_c_double, 4.0_c_double)) .and. &
         all(a == [(real(i, c_double), i = 1, 100)]), "every block keeps its own values")

    ! putting back
    alias => a
    call npool_put_block(h, a, rc)
    call check(rc == 0 .and. .not. associated(a), "put_block gives block 0 back and nullifies the pointer")
    call npool_put_block(h, alias, rc=rc, errmsg=msg)
    call check(rc == NPOOL_EALREADY .and. associated(alias), "a second put of block 0 is refused: " // msg)
    call npool_put_block(h, a, rc=rc, errmsg=msg)
    call check(rc == NPOOL_EINVAL .and. index(msg, "not associated") > 0, "a null pointer is refused: " // msg)
    section => m(2:, 1)
    call npool_put_block(h, section, rc=rc, errmsg=msg)
    call check(rc == NPOOL_EINVAL .and. associated(section), "a section that does not start a block is refused: " // msg)
    call check(npool_block_index(h, section) == NPOOL_NO_INDEX, "and has no block index")
    call check(npool_efficiency(h%ptr) == 35.0_c_double, "the refused puts changed nothing: 7 blocks held")
    call npool_put_block(h, m, rc)
    call check(rc == 0, "put the 10 x 10 block")
    call npool_put_block(h, cube, rc)
    call npool_put_block(h, f, rc)
    call npool_put_block(h, i4, rc)
    call npool_put_block(h, i8, rc)
    call npool_put_block(h, z4, rc)
    call npool_put_block(h, z8)          ! no rc: would stop the program on failure
    call check(.not. (associated(m) .or. associated(cube) .or. associated(f) .or. associated(i4) .or. &
         associated(i8) .or. associated(z4) .or. associated(z8)), "every put nullified its pointer")
    call check(npool_efficiency(h%ptr) == 0.0_c_double, "efficiency 0.0 after the typed puts")

    ! an empty pool: NPOOL_ENOMEM with the library's sentence
    got = 0
    do i = 1, 21
       call npool_get_block(h, many, 100, rc=rc, errmsg=msg)
       if (rc /= 0) exit
       got = got + 1
    end do
    call check(got == 20 .and. rc == NPOOL_ENOMEM .and. .not. associated(many), "20 blocks, then NPOOL_ENOMEM")
    print '(2a)', "empty: ", msg
    call check(index(msg, "no free block") > 0, "the sentence is the library's")
    call npool_get_block(h, many, 100, rc=rc, node=NPOOL_MAX_NODES + 1)
    call check(rc == NPOOL_EINVAL, "a node the pool has no arena on is refused")
    call check(npool_reset(h%ptr) == 0, "reset")
    call npool_get_block(h, many, 100, rc=rc, node=first_node(h%ptr))
    call check(rc == 0 .and. npool_block_index(h, many) == 0, "node= takes from that node: block 0 after reset")
    call npool_close(h)
    call check(.not. c_associated(h%ptr) .and. h%block_size == 0, "close clears the handle")
    call npool_close(h)                  ! a closed handle: a no-op
  end subroutine typed_helpers

  !> A pool aligned to 4 bytes cannot give doubles; integers it can.
  subroutine alignment_refused()
    type(npool_config_t) :: c
    type(npool_handle) :: h
    real(c_double), pointer :: d(:)
    integer(c_int), pointer :: k(:)
    character(len=:), allocatable :: msg
    integer(c_int) :: rc
    type(c_ptr) :: raw
    c%block_size = 12
    c%block_count = 4
    c%align = 4
    rc = npool_create(c, raw)
    call check(rc == 0, "create a pool of 12-byte blocks aligned to 4")
    call npool_attach(h, raw, rc)
    call check(rc == 0 .and. h%block_size == 12 .and. h%align == 4, "attach reads block size 12 and alignment 4")
    call npool_get_block(h, d, 1, rc=rc, errmsg=msg)
    call check(rc == NPOOL_EINVAL .and. index(msg, "8-byte alignment") > 0 .and. index(msg, "aligned to 4") > 0, &
         "one double refused for its alignment: " // msg)
    call npool_get_block(h, k, 3, rc=rc)
    call check(rc == 0 .and. npool_block_index(h, k) == 0, "three integer(c_int) fit")
    call npool_put_block(h, k, rc)
    call check(rc == 0, "and go back")
    call npool_close(h)
  end subroutine alignment_refused

  integer(c_int) function first_node(p)
    type(c_ptr), intent(in) :: p
    type(npool_stats_t), allocatable :: s
    allocate(s)
    first_node = -1
    if (npool_stats(p, s) == 0) first_node = s%nodes(1)%node
  end function first_node

  !> npool_stats, bulk, contig, foreach_arena and pages_name through the C interfaces.
  subroutine rest_of_the_c_interface()
    type(npool_config_t) :: c
    type(c_ptr) :: p, blocks(5), run
    type(npool_stats_t), allocatable :: s
    integer(c_size_t), target :: mapped
    integer(c_int) :: rc
    integer :: k
    c%block_size = 100
    c%block_count = 16
    c%pages = NPOOL_PAGES_BASE
    rc = npool_create(c, p)
    call check(rc == 0, "create a pool of 16 blocks of 100 bytes on base pages")
    call check(npool_get_bulk(p, blocks, 5_c_size_t) == 0, "get_bulk of 5")
    call check(all([(npool_index(p, blocks(k)), k = 1, 5)] == [0, 1, 2, 3, 4]), "bulk gives blocks 0 to 4")
    call check(npool_get_bulk(p, blocks, 17_c_size_t) == NPOOL_ENOMEM, "get_bulk of 17 refused")
    run = npool_get_contig(p, 4_c_size_t)
    call check(npool_index(p, run) == 5, "get_contig of 4 starts at block 5")
    allocate(s)
    call check(npool_stats(p, s) == 0, "npool_stats")
    call check(s%block_size == 100 .and. s%stride == 128 .and. s%blocks_total == 16 .and. s%blocks_held == 9, &
         "stats: block size 100, stride 128, 16 blocks, 9 held")
    call check(s%nnodes >= 1 .and. s%nodes(1)%blocks_total == 16 .and. s%nodes(1)%backing == NPOOL_PAGES_BASE, &
         "stats: node row 1 has the 16 blocks, on base pages")
    call check(s%nodes(1)%page_size > 0 .and. s%bytes_mapped >= 16 * 128, "stats: page size and bytes mapped")
    mapped = 0
    call check(npool_foreach_arena(p, c_funloc(count_arena), c_loc(mapped)) == 0, "foreach_arena")
    call check(mapped == s%bytes_mapped, "the arenas' lengths add up to bytes_mapped")
    call check(npool_put_contig(p, run, 4_c_size_t) == 0, "put_contig")
    call check(npool_put_bulk(p, blocks, 5_c_size_t) == 0, "put_bulk")
    call check(npool_put_bulk(p, blocks, 1_c_size_t) == NPOOL_EALREADY, "a second put_bulk refused")
    call check(npool_efficiency(p) == 0.0_c_double, "all back")
    call check(npool_pages_name_str(NPOOL_PAGES_2M) == "2M" .and. npool_pages_name_str(NPOOL_PAGES_HUGETLB) == &
         "hugetlb", "pages names")
    call check(index(npool_strerror_str(NPOOL_EALREADY), "EALREADY") == 1, "strerror of NPOOL_EALREADY")
    call npool_destroy(p)
  end subroutine rest_of_the_c_interface

  subroutine check(ok, what)
    logical, intent(in) :: ok
    character(len=*), intent(in) :: what
    if (ok) then
       print '(2a)', "ok: ", what
    else
       print '(2a)', "FAIL: ", what
       failures = failures + 1
    end if
  end subroutine check

end program test_numapool
