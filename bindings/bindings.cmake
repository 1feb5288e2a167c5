# bindings/: the Python (ctypes) and Fortran (iso_c_binding) bindings, tested
# under ctest with label `api`.  Included from the top-level CMakeLists.txt
# inside if(NPOOL_BUILD_TESTS).
#
#   bindings_python   /usr/bin/python3 bindings/python/test_numapool.py against
#                     the built libnumapool (NUMAPOOL_LIB); skips (77) without
#                     python3 or numpy (Debian: python3-numpy).  Not registered
#                     in sanitizer builds: an ASan/TSan libnumapool cannot be
#                     loaded into an uninstrumented python.
#   bindings_fortran  the seed example through bindings/fortran/numapool.f90;
#                     built only when a Fortran compiler is found.

set(NPOOL_PYTHON "/usr/bin/python3" CACHE FILEPATH "Python with numpy, for the Python binding's test")
option(NPOOL_BINDINGS_FORTRAN "Build and test the Fortran binding when a Fortran compiler is found" ON)

set(_npool_bindings_dir ${CMAKE_CURRENT_LIST_DIR})
set(_npool_sanitized OFF)
if(CMAKE_C_FLAGS MATCHES "-fsanitize=")
  set(_npool_sanitized ON)
endif()

# ---- Python ----
if(_npool_sanitized)
  message(STATUS "bindings: Python binding test not registered in a sanitizer build")
else()
  if(EXISTS "${NPOOL_PYTHON}")
    add_test(NAME bindings_python
             COMMAND ${NPOOL_PYTHON} ${_npool_bindings_dir}/python/test_numapool.py)
  else()
    add_test(NAME bindings_python
             COMMAND sh -c "echo 'SKIP: ${NPOOL_PYTHON} not found (the Python binding needs python3 with numpy)'; exit 77")
  endif()
  set_tests_properties(bindings_python PROPERTIES
      LABELS api SKIP_RETURN_CODE 77 TIMEOUT 120
      ENVIRONMENT "NUMAPOOL_LIB=$<TARGET_FILE:numapool>;PYTHONDONTWRITEBYTECODE=1")
endif()

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
