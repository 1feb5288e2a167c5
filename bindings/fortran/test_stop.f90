!> A typed helper called without rc= stops the program on failure, with the
!> sentence on stderr, as ALLOCATE without STAT= does: 101 doubles do not fit
!> in a block of 100.  The test expects a non-zero exit and that sentence.
program test_stop
  use, intrinsic :: iso_c_binding
  use numapool
  implicit none
  type(npool_config_t) :: cfg
  type(npool_handle) :: pool
  real(c_double), pointer :: a(:)
  cfg%block_size = 100 * c_sizeof(0.0_c_double)
  cfg%block_count = 20
  call npool_open(pool, cfg, name="stop")
  call npool_get_block(pool, a, 101)
  print '(a)', "not reached: the helper should have stopped the program"
end program test_stop
