# tools/bench/bench.cmake: numapool-bench and its workers.  Owned by the bench.
#   numapool-bench             driver + malloc-family worker (re-executed with LD_PRELOAD)
#   numapool-bench-np-shared   numapool as users link it (libnumapool.so)
#   numapool-bench-np-static   numapool linked statically
#   numapool-bench-dpdk        rte_mempool with its per-lcore cache, when libdpdk is found
# The references (out-of-line LIFO, index stack) and the harness go into every one.
set(_b ${CMAKE_CURRENT_LIST_DIR})
set(_bench_all)

add_library(npool_bench_common OBJECT ${_b}/harness.c ${_b}/tpattern.c ${_b}/refs.c ${_b}/lifo.c ${_b}/node.c)
target_link_libraries(npool_bench_common PUBLIC Threads::Threads)

add_executable(numapool-bench ${_b}/main.c ${_b}/w_malloc.c $<TARGET_OBJECTS:npool_bench_common>)
target_link_libraries(numapool-bench PRIVATE Threads::Threads ${CMAKE_DL_LIBS} m)

# Allocators to preload: found now, checked again at run time (absent -> reported so).
foreach(_a jemalloc mimalloc tcmalloc)
  string(TOUPPER ${_a} _A)
  if(_a STREQUAL "tcmalloc")
    set(_names tcmalloc_minimal tcmalloc)
  else()
    set(_names ${_a})
  endif()
  find_library(NPOOL_BENCH_${_A}_LIB NAMES ${_names})
  if(NPOOL_BENCH_${_A}_LIB)
    target_compile_definitions(numapool-bench PRIVATE BENCH_${_A}_PATH="${NPOOL_BENCH_${_A}_LIB}")
  endif()
endforeach()

foreach(_kind shared static)
  set(_t numapool-bench-np-${_kind})
  add_executable(${_t} ${_b}/w_numapool.c $<TARGET_OBJECTS:npool_bench_common>)
  target_compile_definitions(${_t} PRIVATE BENCH_NP_NAME="numapool-${_kind}")
  if(_kind STREQUAL "shared")
    target_link_libraries(${_t} PRIVATE numapool Threads::Threads)
  else()
    target_link_libraries(${_t} PRIVATE numapool_static Threads::Threads)
  endif()
  list(APPEND _bench_all ${_t})
endforeach()

pkg_check_modules(NPOOL_BENCH_DPDK QUIET IMPORTED_TARGET libdpdk)
if(NPOOL_BENCH_DPDK_FOUND)
  add_executable(numapool-bench-dpdk ${_b}/w_dpdk.c $<TARGET_OBJECTS:npool_bench_common>)
  target_link_libraries(numapool-bench-dpdk PRIVATE PkgConfig::NPOOL_BENCH_DPDK Threads::Threads)
  # DPDK's headers use GNU C (asm, typeof) and casts -Wpedantic rejects: this one
  # executable is built as gnu11 and without -Wpedantic; the rest stays strict C11.
  set_target_properties(numapool-bench-dpdk PROPERTIES C_EXTENSIONS ON)
  target_compile_options(numapool-bench-dpdk PRIVATE -Wno-pedantic)
  list(APPEND _bench_all numapool-bench-dpdk)
  message(STATUS "numapool-bench: DPDK ${NPOOL_BENCH_DPDK_VERSION} found, building numapool-bench-dpdk")
else()
  message(STATUS "numapool-bench: libdpdk not found, the DPDK contender will be reported absent")
endif()

# `cmake --build <dir> --target numapool-bench-all` builds the driver and every worker.
add_custom_target(numapool-bench-all DEPENDS numapool-bench ${_bench_all})

# Messages are cut to their buffers on purpose; gcc's -O0 range analysis
# cannot see the bounds and warns (the release build does not).
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  foreach(_t npool_bench_common numapool-bench ${_bench_all})
    target_compile_options(${_t} PRIVATE -Wno-format-truncation)
  endforeach()
endif()

# numapool-bench-mpi (tools/bench/mpi.c): numapool in every rank of an MPI job,
# a program of its own so that numapool-bench never links MPI.  Built when
# MPI is found (option NPOOL_MPI, examples/mpi/mpi.cmake); its smoke test is
# in tests/mpi.cmake.
include(${PROJECT_SOURCE_DIR}/examples/mpi/mpi.cmake OPTIONAL)
if(NPOOL_MPI)
  add_executable(numapool-bench-mpi ${_b}/mpi.c $<TARGET_OBJECTS:npool_bench_common>)
  target_link_libraries(numapool-bench-mpi PRIVATE numapool_static MPI::MPI_C Threads::Threads)
  if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
    target_compile_options(numapool-bench-mpi PRIVATE -Wno-format-truncation)
  endif()
  add_dependencies(numapool-bench-all numapool-bench-mpi)
endif()
