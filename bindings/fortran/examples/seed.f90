program seed
  use, intrinsic :: iso_c_binding
  use numapool
  implicit none
  type(npool_config_t) :: cfg
  type(npool_handle) :: pool
  real(c_double), pointer :: block1(:), block2(:)

  cfg%block_size = 100 * c_sizeof(0.0_c_double)   ! bytes per block
  cfg%block_count = 20                            ! blocks per node
  call npool_open(pool, cfg, name="seed")         ! stops with the library's sentence on failure
  call npool_get_block(pool, block1, 100)         ! block 0 as block1(1:100)
  call npool_get_block(pool, block2, 100)         ! block 1
  call random_number(block1)
  block2 = 2 * block1
  print '(a,i0,a,i0)', "blocks ", npool_block_index(pool, block1), " and ", npool_block_index(pool, block2)
  print '(a,f4.1,a)', "Efficiency: ", npool_efficiency(pool%ptr), "%"
  call npool_put_block(pool, block1)              ! the seed's return_block(0); block1 => null()
  call npool_put_block(pool, block2)
  print '(a,f4.1,a)', "Efficiency: ", npool_efficiency(pool%ptr), "%"
  call npool_close(pool)
end program seed
