# Fuzzing (tests/fuzz/).  Two harnesses, each one LLVMFuzzerTestOneInput:
#   fuzz_api    the public API from a byte string, against a model of held blocks
#   fuzz_nodes  node strings: npool_create's `nodes`, topo_parse_nodes, topo__parse_list
# Always built: a replay driver per harness (fuzz_*_replay, replay.c's main)
# that runs the committed corpus under ctest, label fuzz-replay.
# With -DNPOOL_FUZZ=ON and clang: the libFuzzer targets fuzz_api and
# fuzz_nodes, linked with a copy of the library built with coverage and
# address/undefined sanitizers (tests/fuzz/run-fuzz.sh builds and runs them).
option(NPOOL_FUZZ "Build the libFuzzer targets fuzz_api and fuzz_nodes (clang)" OFF)

set(_fz_dir ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)

add_executable(fuzz_api_replay ${_fz_dir}/fuzz_api.c ${_fz_dir}/replay.c)
target_link_libraries(fuzz_api_replay PRIVATE numapool)
add_executable(fuzz_nodes_replay ${_fz_dir}/fuzz_nodes.c ${_fz_dir}/replay.c)
target_link_libraries(fuzz_nodes_replay PRIVATE npool_internal)
foreach(_h api nodes)
  target_include_directories(fuzz_${_h}_replay PRIVATE ${_fz_dir})
  add_test(NAME fuzz_${_h}_replay COMMAND fuzz_${_h}_replay ${_fz_dir}/corpus/${_h})
  set_tests_properties(fuzz_${_h}_replay PROPERTIES LABELS fuzz-replay TIMEOUT 120)
endforeach()

if(NPOOL_FUZZ)
  include(CheckCSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS -fsanitize=fuzzer)
  check_c_source_compiles("#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }" NPOOL_HAVE_LIBFUZZER)
  unset(CMAKE_REQUIRED_FLAGS)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang" OR NOT NPOOL_HAVE_LIBFUZZER)
    message(FATAL_ERROR "NPOOL_FUZZ needs clang with libFuzzer (Debian: libclang-rt-dev); "
                        "configure with -DCMAKE_C_COMPILER=clang")
  endif()
  set(_fz_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  # the library again, from the same sources, with coverage for libFuzzer to follow
  set(_fz_lib_sources)
  foreach(_t npool_core npool_numa npool_base)
    get_target_property(_srcs ${_t} SOURCES)
    get_target_property(_dir ${_t} SOURCE_DIR)
    foreach(_s ${_srcs})
      list(APPEND _fz_lib_sources ${_dir}/${_s})
    endforeach()
  endforeach()
  add_library(npool_fuzzed STATIC ${_fz_lib_sources})
  target_include_directories(npool_fuzzed PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src
                             ${PROJECT_SOURCE_DIR}/numa ${PROJECT_SOURCE_DIR}/base)
  target_compile_definitions(npool_fuzzed PRIVATE NPOOL_BUILDING)
  target_compile_options(npool_fuzzed PRIVATE -fsanitize=fuzzer-no-link ${_fz_san})
  target_link_libraries(npool_fuzzed PUBLIC PkgConfig::HWLOC PkgConfig::NUMA Threads::Threads)
  foreach(_h api nodes)
    add_executable(fuzz_${_h} ${_fz_dir}/fuzz_${_h}.c)
    target_include_directories(fuzz_${_h} PRIVATE ${_fz_dir})
    target_compile_options(fuzz_${_h} PRIVATE -fsanitize=fuzzer ${_fz_san})
    target_link_options(fuzz_${_h} PRIVATE -fsanitize=fuzzer ${_fz_san})
    target_link_libraries(fuzz_${_h} PRIVATE npool_fuzzed)
  endforeach()
endif()
