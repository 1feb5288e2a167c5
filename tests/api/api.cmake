# tests/api/: the public contract, through numapool.h only, linked with the
# shared library as users link it.
set(_a ${CMAKE_CURRENT_LIST_DIR})
npool_add_test(NAME test_seed SOURCES ${_a}/test_seed.c LABELS api)
npool_add_test(NAME test_api SOURCES ${_a}/test_api.c LABELS api)
npool_add_test(NAME test_pages SOURCES ${_a}/test_pages.c ${_a}/hp_util.c LABELS api)
npool_add_test(NAME test_pages_1g SOURCES ${_a}/test_pages_1g.c ${_a}/hp_util.c LABELS api)
npool_add_test(NAME test_limits SOURCES ${_a}/test_limits.c ${_a}/hp_util.c LABELS api)
npool_add_test(NAME test_env SOURCES ${_a}/test_env.c ${PROJECT_SOURCE_DIR}/tests/fault/fault_util.c LABELS api)   # malformed NUMAPOOL_* values
# not linked with the library: it loads it with dlopen, as Python does
add_executable(test_dlopen ${_a}/test_dlopen.c)
target_include_directories(test_dlopen PRIVATE ${PROJECT_SOURCE_DIR}/include)
target_link_libraries(test_dlopen PRIVATE PkgConfig::CMOCKA Threads::Threads ${CMAKE_DL_LIBS})
add_dependencies(test_dlopen numapool)
add_test(NAME test_dlopen COMMAND test_dlopen $<TARGET_FILE:numapool>)
set_tests_properties(test_dlopen PROPERTIES LABELS api TIMEOUT 60)
# no system call on the get/put path: counted exactly, under a seccomp filter
# that traps every call the warmed-up loop could make; inline and out of line
foreach(_v inline outofline)
  set(_t test_no_syscalls_${_v})
  add_executable(${_t} ${_a}/test_no_syscalls.c)
  if(_v STREQUAL "outofline")
    target_compile_definitions(${_t} PRIVATE NPOOL_NO_INLINE)
  endif()
  target_link_libraries(${_t} PRIVATE numapool)
  add_test(NAME ${_t} COMMAND ${_t} 100000)
  set_tests_properties(${_t} PROPERTIES LABELS "api;syscalls" SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
# NUMAPOOL_STATS / NUMAPOOL_VERBOSE: report_child runs under each setting.
# test_report_strace counts one write(2) per line under strace (label
# syscalls: sanitizers do not run under ptrace); test_report_setuid checks
# that a setuid program ignores NUMAPOOL_* (root; skips otherwise)
add_executable(report_child ${_a}/report_child.c)
target_link_libraries(report_child PRIVATE numapool Threads::Threads)
npool_add_test(NAME test_report SOURCES ${_a}/test_report.c LABELS api ARGS $<TARGET_FILE:report_child> TIMEOUT 300)
add_dependencies(test_report report_child)
add_test(NAME test_report_strace COMMAND test_report $<TARGET_FILE:report_child> strace)
add_test(NAME test_report_setuid COMMAND test_report $<TARGET_FILE:report_child> setuid)
set_tests_properties(test_report_strace PROPERTIES LABELS "api;syscalls" SKIP_RETURN_CODE 77 TIMEOUT 300)
set_tests_properties(test_report_setuid PROPERTIES LABELS api SKIP_RETURN_CODE 77 TIMEOUT 300)
# fork while two threads are inside numapool: every child creates and uses a pool (plain program, no cmocka)
add_executable(test_fork ${_a}/test_fork.c)
target_link_libraries(test_fork PRIVATE numapool Threads::Threads)
add_test(NAME test_fork COMMAND test_fork)
set_tests_properties(test_fork PROPERTIES LABELS api TIMEOUT 240)
# NUMAPOOL_* and hwloc's HWLOC_* have no effect in a setuid program (root only; exit 77 otherwise)
add_executable(setuid_probe ${_a}/setuid_probe.c)
target_link_libraries(setuid_probe PRIVATE numapool_static Threads::Threads)
add_library(hwloc_npooltest MODULE ${_a}/hwloc_plugin.c)
set_target_properties(hwloc_npooltest PROPERTIES PREFIX "")
add_test(NAME test_setuid COMMAND sh ${_a}/setuid.sh $<TARGET_FILE:setuid_probe> ${CMAKE_CURRENT_BINARY_DIR}/setuid-work
         $<TARGET_FILE:hwloc_npooltest>)
set_tests_properties(test_setuid PROPERTIES LABELS api SKIP_RETURN_CODE 77 TIMEOUT 120)
# the machine's free hugepage counts are compared exactly: one user of hugepages at a time under ctest -j
set_tests_properties(test_pages test_pages_1g PROPERTIES RESOURCE_LOCK npool_hugepages)
