# bindings/: the Fortran (iso_c_binding) binding, tested under ctest with
# label `api`.  Included from the top-level CMakeLists.txt inside
# if(NPOOL_BUILD_TESTS).  The Python package has its own
# bindings/python/CMakeLists.txt.
#
#   bindings_fortran  the seed example through bindings/fortran/numapool.f90;
#                     built only when a Fortran compiler is found.

option(NPOOL_BINDINGS_FORTRAN "Build and test the Fortran binding when a Fortran compiler is found" ON)

set(_npool_bindings_dir ${CMAKE_CURRENT_LIST_DIR})
set(_npool_sanitized OFF)
if(CMAKE_C_FLAGS MATCHES "-fsanitize=")
  set(_npool_sanitized ON)
endif()

# ---- Python ----
# bindings/python/CMakeLists.txt (added from the top level: the package is
# built and installed with or without the tests).

# ---- Fortran ----
if(NPOOL_BINDINGS_FORTRAN)
  include(CheckLanguage)
  check_language(Fortran)
  if(CMAKE_Fortran_COMPILER)
    enable_language(Fortran)
    add_library(numapool_fortran STATIC ${_npool_bindings_dir}/fortran/numapool.f90)
    set_target_properties(numapool_fortran PROPERTIES
        Fortran_MODULE_DIRECTORY ${CMAKE_BINARY_DIR}/bindings/fortran)
    target_include_directories(numapool_fortran PUBLIC ${CMAKE_BINARY_DIR}/bindings/fortran)
    target_link_libraries(numapool_fortran PUBLIC numapool)
    add_executable(test_numapool_fortran ${_npool_bindings_dir}/fortran/test_numapool.f90)
    target_link_libraries(test_numapool_fortran PRIVATE numapool_fortran)
    # the project's add_compile_options are C warnings (-Wstrict-prototypes...)
    # that gfortran rejects; Fortran targets get their own
    set(_npool_fflags -Wall -std=f2008 -fimplicit-none)
    if(NPOOL_WERROR)
      list(APPEND _npool_fflags -Werror)
    endif()
    set_target_properties(numapool_fortran test_numapool_fortran PROPERTIES
        COMPILE_OPTIONS "${_npool_fflags}")
    add_test(NAME bindings_fortran COMMAND test_numapool_fortran)
    set_tests_properties(bindings_fortran PROPERTIES
        LABELS api SKIP_RETURN_CODE 77 TIMEOUT 120)
  else()
    message(STATUS "bindings: no Fortran compiler found; the Fortran binding is not built")
  endif()
endif()
