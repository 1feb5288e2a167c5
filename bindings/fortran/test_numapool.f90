!> The seed's example through the Fortran module: 20 blocks of 100 doubles.
program test_numapool
  use, intrinsic :: iso_c_binding
  use numapool
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
  if (failures /= 0) then
     print '(i0,a)', failures, " check(s) failed"
     stop 1
  end if
  print '(a)', "fortran binding: all checks passed"

contains

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
