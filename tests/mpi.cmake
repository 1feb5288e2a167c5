# tests/mpi.cmake - numapool inside MPI jobs (label mpi): the examples of
# examples/mpi, built here, run on 2 ranks through examples/mpi/mpirun.sh
# (which adds --oversubscribe, --allow-run-as-root as root, and Open MPI's
# fallback when the machine forbids single-copy transfers), and a smoke run
# of numapool-bench-mpi.
#   mpi_onesided        MPI_Put by block index into every arena of another rank's pool
#   mpi_onesided_nocma  the same with process_vm_readv/writev refused, as in a
#                       container: proves the fallback mpirun.sh picks
#   mpi_halo_rows       2-D heat equation, ranks split along the rows (row halos: one block each)
#   mpi_halo_cols       split along the columns (column halos: one double per block, hvector)
#   mpi_bench_smoke     numapool-bench-mpi --quick, bound one rank per core (two
#                       on one core where there is only one)
# Without MPI nothing is built; when MPI was not found, one test, mpi_absent,
# skips and says so (strict CI runs then fail).
include(${PROJECT_SOURCE_DIR}/examples/mpi/mpi.cmake)

if(NOT NPOOL_MPI)
  if(NOT MPI_C_FOUND OR NOT MPIEXEC_EXECUTABLE)
    add_test(NAME mpi_absent COMMAND sh -c "echo 'numapool MPI tests not built: ${NPOOL_MPI_WHY_NOT}'; exit 77")
    set_tests_properties(mpi_absent PROPERTIES LABELS mpi SKIP_RETURN_CODE 77)
  endif()
  return()
endif()

set(_mpi_src ${PROJECT_SOURCE_DIR}/examples/mpi)
set(_mpi_out ${CMAKE_BINARY_DIR}/examples/mpi)

add_executable(mpi_cma_check ${_mpi_src}/cma_check.c)
set_target_properties(mpi_cma_check PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${_mpi_out})
foreach(_ex onesided halo)
  add_executable(mpi_${_ex} ${_mpi_src}/${_ex}.c)
  target_link_libraries(mpi_${_ex} PRIVATE numapool MPI::MPI_C m)
  set_target_properties(mpi_${_ex} PROPERTIES OUTPUT_NAME ${_ex} RUNTIME_OUTPUT_DIRECTORY ${_mpi_out})
endforeach()

# npool_mpi_test(NAME name NP n [PREFIX cmd...] [MPIRUN opts...] PROGRAM prog [ARGS ...])
function(npool_mpi_test)
  cmake_parse_arguments(T "" "NAME;NP;PROGRAM" "PREFIX;MPIRUN;ARGS" ${ARGN})
  add_test(NAME ${T_NAME}
    COMMAND ${T_PREFIX} bash ${_mpi_src}/mpirun.sh ${MPIEXEC_EXECUTABLE} $<TARGET_FILE:mpi_cma_check>
            ${MPIEXEC_NUMPROC_FLAG} ${T_NP} ${T_MPIRUN} ${MPIEXEC_PREFLAGS} ${T_PROGRAM} ${MPIEXEC_POSTFLAGS} ${T_ARGS})
  # FAIL_REGULAR_EXPRESSION: what Open MPI prints when a single-copy transfer
  # was refused is never a pass.  LSAN_OPTIONS (ASan builds): Open MPI's own
  # allocations that it keeps to the end are not ours (lsan.supp says which).
  set_tests_properties(${T_NAME} PROPERTIES LABELS mpi TIMEOUT 60
    FAIL_REGULAR_EXPRESSION "Read -1, expected|Wrote -1, expected"
    ENVIRONMENT "LSAN_OPTIONS=suppressions=${_mpi_src}/lsan.supp:print_suppressions=0:fast_unwind_on_malloc=0")
endfunction()

npool_mpi_test(NAME mpi_onesided NP 2 PROGRAM $<TARGET_FILE:mpi_onesided>)
npool_mpi_test(NAME mpi_onesided_nocma NP 2 PREFIX $<TARGET_FILE:mpi_cma_check> --block
               PROGRAM $<TARGET_FILE:mpi_onesided> ARGS --blocks 300)
npool_mpi_test(NAME mpi_halo_rows NP 2 PROGRAM $<TARGET_FILE:mpi_halo> ARGS --n 200 --steps 50 --dims 2x1)
npool_mpi_test(NAME mpi_halo_cols NP 2 PROGRAM $<TARGET_FILE:mpi_halo> ARGS --n 200 --steps 50 --dims 1x2)
# not at NPOOL_DEBUG 3: there every get and put of the benchmark's million walks the whole pool
if(TARGET numapool-bench-mpi AND NPOOL_DEBUG LESS 3)
  npool_mpi_test(NAME mpi_bench_smoke NP 2 MPIRUN --map-by core --bind-to core:overload-allowed
                 PROGRAM $<TARGET_FILE:numapool-bench-mpi> ARGS --quick --json ${CMAKE_CURRENT_BINARY_DIR}/bench-mpi.json)
endif()

# mpi_numa_vm_2nodes (labels mpi, numa-vm): the recipe of examples/mpi/README.md
# on a real 2-node kernel, in the QEMU guest of tests/vm/run-in-numa-vm (as
# tests/vm.cmake; one guest at a time): mpirun --map-by numa --bind-to core
# puts each rank's "local" pool on its core's node; onesided with 2 arenas
# against 1; halo across the nodes (examples/mpi/vm-check.sh).  About 15 s.
if(TARGET numapool-bench-mpi)
  set(_mpi_stage ${CMAKE_BINARY_DIR}/mpi-vm-stage)
  add_custom_target(npool_mpi_vm_stage ALL
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_mpi_stage}
    COMMAND ${CMAKE_COMMAND} -E copy_if_different $<TARGET_FILE:mpi_onesided> $<TARGET_FILE:mpi_halo>
            $<TARGET_FILE:numapool-bench-mpi> $<TARGET_SONAME_FILE:numapool> ${_mpi_src}/vm-check.sh ${_mpi_stage}/
    DEPENDS mpi_onesided mpi_halo numapool-bench-mpi numapool ${_mpi_src}/vm-check.sh
    COMMENT "staging the MPI programs for the NUMA VM")
  add_test(NAME mpi_numa_vm_2nodes
    COMMAND sh ${_mpi_src}/vm-test.sh ${CMAKE_CURRENT_SOURCE_DIR}/vm/run-vm-test.sh
            ${CMAKE_CURRENT_SOURCE_DIR}/vm/run-in-numa-vm ${CMAKE_BINARY_DIR}/vm-artifacts/mpi_numa_vm_2nodes
            ${_mpi_stage})
  set_tests_properties(mpi_numa_vm_2nodes PROPERTIES LABELS "mpi;numa-vm" SKIP_RETURN_CODE 77 TIMEOUT 960
                       RESOURCE_LOCK numa_vm)   # the guest's 900 s: a hang guard (tests/vm.cmake)
endif()
