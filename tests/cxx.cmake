# C++: include/numapool.hpp (header-only, C++17) under ctest.  The project
# stays a C project: CXX is enabled here, for these tests only, when CMake
# finds a C++ compiler.  Built with the compiler of the build (g++ in the gcc
# stages, clang++ in tools/run-tests.sh's clang stage); in sanitizer builds
# the C flags' -fsanitize options go to these targets too, so the header's
# inline path is off under ASan exactly as in the library's other tests.
#   test_numapool_hpp   (api) the pool, block_ptr, errors, wrappers, pool_resource
#   cxx_example         (api) tests/cxx/example_seed.cpp prints example_seed.expected
#   readme_cxx_example  (api) README.md's C++ block is tests/cxx/example_seed.cpp
#   install_cxx         (install; not in sanitizer builds) the installed header
#                       builds the example with find_package and with a plain c++ line

include(CheckLanguage)
check_language(CXX)
if(CMAKE_CXX_COMPILER)
  enable_language(CXX)
  # -Wall -Wextra -Wpedantic as for C (not -Wshadow: g++ says that npool_stats()
  # "hides the constructor" of struct npool_stats in numapool.h)
  set(_npool_cxxflags -Wall -Wextra -Wpedantic)
  if(NPOOL_WERROR)
    list(APPEND _npool_cxxflags -Werror)
  endif()
  set(_npool_cxx_sanitized OFF)
  if(CMAKE_C_FLAGS MATCHES "-fsanitize=")
    set(_npool_cxx_sanitized ON)
    if(NOT CMAKE_CXX_FLAGS MATCHES "-fsanitize=")
      separate_arguments(_npool_cflags UNIX_COMMAND "${CMAKE_C_FLAGS}")
      list(APPEND _npool_cxxflags ${_npool_cflags})
    endif()
  endif()
  foreach(t test_numapool_hpp npool_cxx_example_seed)
    if(t STREQUAL "test_numapool_hpp")
      add_executable(${t} ${CMAKE_CURRENT_SOURCE_DIR}/cxx/test_numapool_hpp.cpp)
    else()
      add_executable(${t} ${CMAKE_CURRENT_SOURCE_DIR}/cxx/example_seed.cpp)
    endif()
    set_target_properties(${t} PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF
                                          COMPILE_OPTIONS "${_npool_cxxflags}")
    target_link_libraries(${t} PRIVATE numapool Threads::Threads)
  endforeach()
  add_test(NAME test_numapool_hpp COMMAND test_numapool_hpp)
  add_test(NAME cxx_example
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run-expect.sh ${CMAKE_CURRENT_SOURCE_DIR}/cxx/example_seed.expected
                   $<TARGET_FILE:npool_cxx_example_seed>)
  add_test(NAME readme_cxx_example
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/readme-block.sh ${PROJECT_SOURCE_DIR}/README.md tests/cxx/example_seed.cpp)
  set_tests_properties(test_numapool_hpp cxx_example readme_cxx_example PROPERTIES LABELS api TIMEOUT 120)
  if(NOT _npool_cxx_sanitized)
    add_test(NAME install_cxx
             COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/consumer-bindings/check-install.sh cxx
                     ${CMAKE_BINARY_DIR} ${CMAKE_CXX_COMPILER} ${PROJECT_SOURCE_DIR})
    set_tests_properties(install_cxx PROPERTIES LABELS install TIMEOUT 300)
  endif()
else()
  message(STATUS "tests: no C++ compiler found; include/numapool.hpp is installed but not tested")
endif()
