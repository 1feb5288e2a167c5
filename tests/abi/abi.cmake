# tests/abi/: the inline path's layouts are ABI.  A program built against the
# 0.1.0 header (its inline path compiled in) must be refused by the loader
# when only this library is there, under any name (label api).
# Not in sanitizer builds: there the old header turns its own inline path
# off (NPOOL_NO_INLINE under ASan), so the program would not carry the old
# layout, and only the SONAME would stand between it and this library.
if(CMAKE_C_FLAGS MATCHES "-fsanitize=")
  return()
endif()
set(_abi ${CMAKE_CURRENT_LIST_DIR})
add_library(npool_abi1_stub SHARED ${_abi}/abi1_stub.c)
set_target_properties(npool_abi1_stub PROPERTIES OUTPUT_NAME numapool_abi1 NO_SONAME ON
                      LIBRARY_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/abi1
                      C_VISIBILITY_PRESET default)
target_link_options(npool_abi1_stub PRIVATE -Wl,-soname,libnumapool.so.0)
add_executable(test_abi_old_consumer ${_abi}/old_consumer.c)
target_include_directories(test_abi_old_consumer PRIVATE ${_abi})
target_link_libraries(test_abi_old_consumer PRIVATE npool_abi1_stub)
set_target_properties(test_abi_old_consumer PROPERTIES SKIP_BUILD_RPATH ON)
add_test(NAME test_abi COMMAND sh ${_abi}/abi.sh $<TARGET_FILE:test_abi_old_consumer> $<TARGET_FILE:numapool>)
set_tests_properties(test_abi PROPERTIES LABELS api TIMEOUT 60)
