# tests/vm.cmake - the numa-vm tests: numapool on a real multi-node kernel,
# in a QEMU guest with several NUMA nodes booted by tests/vm/run-in-numa-vm
# (label numa-vm).
#
#   vm_numa_2nodes   tests/vm/test_numa_vm.c driven by tests/vm/vm-suite.sh
#                    in a 2-node guest, 16 x 2 MiB hugepages per node
#   vm_numa_4nodes   the same in a 4-node guest whose distances are not
#                    uniform (so "nearest" and spill order mean something)
#   vm_topo_4nodes   numapool-topo (table and --json) in the 4-node guest
#   vm_nodes_4nodes  node strings on a real kernel: test_nodes_live (numactl
#                    beside numapool) and pools on the nodes a string names,
#                    under taskset / numactl --cpunodebind and in a cpuset
#   vm_nodes_memonly the same with 2 CPUs for 4 nodes: memory-only nodes
#   vm_faults_2nodes every fault point of a create over "all" failed use by use
#                    (tests/fault, built with NPOOL_FAULTS), and a short soak
#                    with a pool over both nodes (tests/stress/soak.c)
#
# Only a staging folder (${CMAKE_BINARY_DIR}/vm-stage: test_numa_vm,
# test_nodes_live, libnumapool, numapool-topo, the driver) goes into the guest, at the same
# absolute path, never the whole build folder.  test_numa_vm finds
# libnumapool next to it ($ORIGIN, LD_LIBRARY_PATH); the runner bundles
# libnuma and the rest with ldd.  Reports (the topo table and JSON, the
# NUMAPOOL_VERBOSE report) come back to ${CMAKE_BINARY_DIR}/vm-artifacts/TEST.
# The runner installs QEMU and the rest with apt-get when run as root; not
# root and a package missing, the tests skip (77) naming the package.  The
# tests hold one RESOURCE_LOCK: one guest at a time.

set(NPOOL_VM_RUNNER ${CMAKE_CURRENT_LIST_DIR}/vm/run-in-numa-vm)
set(NPOOL_VM_STAGE ${CMAKE_BINARY_DIR}/vm-stage)
set(NPOOL_VM_ARTIFACTS ${CMAKE_BINARY_DIR}/vm-artifacts)

add_executable(test_numa_vm ${CMAKE_CURRENT_LIST_DIR}/vm/test_numa_vm.c)
target_link_libraries(test_numa_vm PRIVATE numapool PkgConfig::NUMA Threads::Threads)
set_target_properties(test_numa_vm PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${NPOOL_VM_STAGE} BUILD_RPATH "$ORIGIN")

# OUTPUT takes no target generator expressions: the soname is spelled out
# (src/CMakeLists.txt: SOVERSION = NPOOL_ABI).
set(_vm_soname ${CMAKE_SHARED_LIBRARY_PREFIX}numapool${CMAKE_SHARED_LIBRARY_SUFFIX}.${NPOOL_ABI})
set(_vm_staged ${NPOOL_VM_STAGE}/vm-suite.sh ${NPOOL_VM_STAGE}/${_vm_soname})
add_custom_command(OUTPUT ${NPOOL_VM_STAGE}/vm-suite.sh
  COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_LIST_DIR}/vm/vm-suite.sh ${NPOOL_VM_STAGE}/vm-suite.sh
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/vm/vm-suite.sh)
add_custom_command(OUTPUT ${NPOOL_VM_STAGE}/${_vm_soname}
  COMMAND ${CMAKE_COMMAND} -E copy $<TARGET_FILE:numapool> ${NPOOL_VM_STAGE}/${_vm_soname}
  DEPENDS numapool)
if(TARGET numapool-topo)
  list(APPEND _vm_staged ${NPOOL_VM_STAGE}/numapool-topo)
  add_custom_command(OUTPUT ${NPOOL_VM_STAGE}/numapool-topo
    COMMAND ${CMAKE_COMMAND} -E copy $<TARGET_FILE:numapool-topo> ${NPOOL_VM_STAGE}/numapool-topo
    DEPENDS numapool-topo)
endif()
# the fault loop (tests/fault) and the soak (tests/stress/soak.c) over every node: suite `faults`
foreach(_t test_fault soak)
  if(TARGET ${_t})
    list(APPEND _vm_staged ${NPOOL_VM_STAGE}/${_t})
    add_custom_command(OUTPUT ${NPOOL_VM_STAGE}/${_t}
      COMMAND ${CMAKE_COMMAND} -E copy $<TARGET_FILE:${_t}> ${NPOOL_VM_STAGE}/${_t}
      DEPENDS ${_t})
  endif()
endforeach()
if(TARGET test_nodes_live)
  list(APPEND _vm_staged ${NPOOL_VM_STAGE}/test_nodes_live)
  add_custom_command(OUTPUT ${NPOOL_VM_STAGE}/test_nodes_live
    COMMAND ${CMAKE_COMMAND} -E copy $<TARGET_FILE:test_nodes_live> ${NPOOL_VM_STAGE}/test_nodes_live
    DEPENDS test_nodes_live)
endif()
# OpenMP: gets and puts from inside parallel regions on a pool of every node
find_package(OpenMP COMPONENTS C)
set(_vm_omp)
if(OpenMP_C_FOUND)
  add_executable(test_omp_vm ${CMAKE_CURRENT_LIST_DIR}/vm/test_omp_vm.c)
  target_link_libraries(test_omp_vm PRIVATE numapool PkgConfig::NUMA OpenMP::OpenMP_C)
  set_target_properties(test_omp_vm PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${NPOOL_VM_STAGE} BUILD_RPATH "$ORIGIN")
  set(_vm_omp test_omp_vm)
endif()
add_custom_target(npool_vm_stage ALL DEPENDS ${_vm_staged} test_numa_vm ${_vm_omp})

# npool_vm_test(NAME NODES SUITE [runner options...])
# The guest's time limit is a guard against a hung guest, not a measure: on
# an idle 2-core host (QEMU's TCG, no KVM) a suite takes 7 to 45 s; with the
# host's two cores busy (other builds, a soak) the same suites took up to
# 240 s and one ran past a 240 s limit.  900 s stays out of the way of any
# load seen so far and still ends a guest that never powers off.
function(npool_vm_test name nodes suite)
  add_test(NAME ${name}
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/vm/run-vm-test.sh ${NPOOL_VM_RUNNER} ${NPOOL_VM_ARTIFACTS}/${name}
            -n ${nodes} -H 16 --timeout 900 ${ARGN}
            -d "${NPOOL_VM_STAGE}:${NPOOL_VM_STAGE}" --cwd ${NPOOL_VM_STAGE}
            -e LD_LIBRARY_PATH=${NPOOL_VM_STAGE}
            -- sh ${NPOOL_VM_STAGE}/vm-suite.sh ${suite})
  set_tests_properties(${name} PROPERTIES LABELS numa-vm SKIP_RETURN_CODE 77 TIMEOUT 960
                       RESOURCE_LOCK numa_vm)
endfunction()

# 4 nodes, distances chosen so that no node's nearest is the lowest other one:
# from 0 the order is 2, 1, 3; from 3 it is 1, 2, 0.
set(_vm_dist)
foreach(d 0,1,30 0,2,20 0,3,40 1,2,40 1,3,20 2,3,30)
  string(REPLACE "," ";" d "${d}")
  list(GET d 0 s)
  list(GET d 1 t)
  list(GET d 2 v)
  list(APPEND _vm_dist --qemu-opt -numa --qemu-opt dist,src=${s},dst=${t},val=${v})
endforeach()

npool_vm_test(vm_numa_2nodes 2 pool)
npool_vm_test(vm_numa_4nodes 4 pool ${_vm_dist})
if(TARGET numapool-topo)
  npool_vm_test(vm_topo_4nodes 4 topo ${_vm_dist})
  if(TARGET test_nodes_live)
    npool_vm_test(vm_nodes_4nodes 4 nodes ${_vm_dist})
    npool_vm_test(vm_nodes_memonly 4 nodes-memonly -c 2 ${_vm_dist})
  endif()
endif()
if(TARGET test_fault)
  npool_vm_test(vm_faults_2nodes 2 faults)
endif()
