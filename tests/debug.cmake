# The NPOOL_DEBUG levels and valgrind: each test is built only where what it
# catches is compiled in (a test that could only skip is not registered).
#   level 1 (tsan, asan, debug presets)  test_debug_assert: internal assertions abort with their sentence
#   level 2 (asan, debug)                test_debug_fill: a write into a free block is caught at the next get
#   level 3 (debug)                      test_debug_check: npool_check after every change catches a corruption
#   valgrind (NPOOL_VALGRIND, not in sanitizer builds): free blocks are inaccessible under memcheck
if(NPOOL_DEBUG GREATER_EQUAL 1)
  npool_add_test(NAME test_debug_assert SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_debug_assert.c INTERNAL
                 LABELS unit TIMEOUT 120)
endif()
if(NPOOL_DEBUG GREATER_EQUAL 2)
  npool_add_test(NAME test_debug_fill SOURCES ${CMAKE_CURRENT_LIST_DIR}/api/test_debug_fill.c LABELS api TIMEOUT 120)
endif()
if(NPOOL_DEBUG GREATER_EQUAL 3)
  npool_add_test(NAME test_debug_check SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_debug_check.c INTERNAL
                 LABELS unit TIMEOUT 120)
endif()

find_program(NPOOL_VALGRIND_EXE valgrind)
if(NPOOL_VALGRIND AND NPOOL_VALGRIND_EXE AND NOT CMAKE_C_FLAGS MATCHES "-fsanitize=")
  add_executable(vg_child ${CMAKE_CURRENT_LIST_DIR}/valgrind/vg_child.c)
  target_link_libraries(vg_child PRIVATE numapool)
  foreach(_mode clean write-after-put read-after-put write-after-bulk write-fresh)
    add_test(NAME test_valgrind_${_mode}
             COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/valgrind/valgrind.sh ${NPOOL_VALGRIND_EXE} $<TARGET_FILE:vg_child> ${_mode})
    set_tests_properties(test_valgrind_${_mode} PROPERTIES LABELS valgrind TIMEOUT 180)
  endforeach()
endif()
