# tests/unit/: one test per internal module, seeing its private headers.
#   numa/ (the machine): built from numa/'s and base/'s objects alone, as the
#   layer stands on its own: topology on real machines' dumps and hand-made
#   roots, node strings, binding and placement checks.
#   src/ (the pool): linked with the static library and the internal headers:
#   the free set, the page choice, the per-thread caches, the depot, the OS layer.
set(_u ${CMAKE_CURRENT_LIST_DIR})
set(NPOOL_TOPO_SHARED ${PROJECT_SOURCE_DIR}/../shared/topologies)
set(NPOOL_TOPO_UNPACKED ${CMAKE_BINARY_DIR}/topologies)

add_test(NAME numa_unpack_topologies
         COMMAND ${CMAKE_COMMAND} -DSRC=${NPOOL_TOPO_SHARED} -DDST=${NPOOL_TOPO_UNPACKED}
                 -P ${PROJECT_SOURCE_DIR}/tests/topologies/unpack.cmake)
set_tests_properties(numa_unpack_topologies PROPERTIES FIXTURES_SETUP numa_topologies LABELS unit)

function(npool_numa_test name)
  add_executable(${name} ${_u}/${name}.c $<TARGET_OBJECTS:npool_numa> $<TARGET_OBJECTS:npool_base>)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/numa ${PROJECT_SOURCE_DIR}/base)
  target_link_libraries(${name} PRIVATE PkgConfig::CMOCKA PkgConfig::HWLOC PkgConfig::NUMA Threads::Threads)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit SKIP_RETURN_CODE 77 TIMEOUT 120
    ENVIRONMENT "NPOOL_TOPO_DIR=${NPOOL_TOPO_UNPACKED};NPOOL_TOPO_SHARED=${NPOOL_TOPO_SHARED}")
endfunction()

npool_numa_test(test_topo_dumps)    # every dump: nodes, CPUs, memory, hugepages, allowed, "all", "local", parsing, nearest
set_tests_properties(test_topo_dumps PROPERTIES FIXTURES_REQUIRED numa_topologies)
npool_numa_test(test_topo_fakes)    # hand-made roots and hwloc synthetic: cgroups v1/v2, hugetlb cgroup, memory-less node
npool_numa_test(test_nodes_live)    # this machine: node strings, errors, current and nearest node
npool_numa_test(test_bind)          # mbind + move_pages on real memory, the fake move_pages hook

npool_add_test(NAME test_freeset SOURCES ${_u}/test_freeset.c INTERNAL LABELS unit)
npool_add_test(NAME test_pages_rule SOURCES ${_u}/test_pages_rule.c INTERNAL LABELS unit)
set_tests_properties(test_pages_rule PROPERTIES FIXTURES_REQUIRED numa_topologies
  ENVIRONMENT "NPOOL_TOPO_DIR=${NPOOL_TOPO_UNPACKED};NPOOL_TOPO_SHARED=${NPOOL_TOPO_SHARED}")
npool_add_test(NAME test_os SOURCES ${_u}/test_os.c INTERNAL LABELS unit)
# Not with NPOOL_DEBUG=3: its working sets of thousands of blocks on 64 Ki-block
# pools, with a whole-pool npool_check after every get and put, would take
# hours; the release, clang and sanitizer builds run it.
if(NPOOL_DEBUG LESS 3)
  npool_add_test(NAME test_depot SOURCES ${_u}/test_depot.c INTERNAL LABELS unit)
endif()
npool_add_test(NAME test_cache SOURCES ${_u}/test_cache.c INTERNAL LABELS unit)
