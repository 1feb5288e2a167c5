# tests/fault/: fault injection (label fault), built when the option
# NPOOL_FAULTS gives libnumapool_faults.a (cmake/faults.cmake; the presets
# turn it on).  One program, one mode per test (tests/fault/test_fault.c):
#   test_fault_create    every point of a create failed use by use, 7 configurations
#   test_fault_release   the same, with an unmap refused on the way out; npool_destroy's unmaps refused
#   test_fault_topology  a failed discovery of the machine is retried; every point of it failed
#   test_fault_getput    the get/put paths' allocations refused
# The 2 MiB configuration reserves hugepages as root (restored at exit).
if(TARGET numapool_faults)
  add_executable(test_fault ${CMAKE_CURRENT_LIST_DIR}/test_fault.c ${CMAKE_CURRENT_LIST_DIR}/fault_util.c
                 ${PROJECT_SOURCE_DIR}/tests/api/hp_util.c)
  target_include_directories(test_fault PRIVATE ${PROJECT_SOURCE_DIR}/tests/api)
  target_link_libraries(test_fault PRIVATE numapool_faults Threads::Threads)
  foreach(_m create release topology getput)
    add_test(NAME test_fault_${_m} COMMAND test_fault ${_m})
    set_tests_properties(test_fault_${_m} PROPERTIES LABELS fault TIMEOUT 300 RESOURCE_LOCK npool_hugepages)
  endforeach()
endif()
