# bindings/: the Python (ctypes) and Fortran (iso_c_binding) bindings, tested
# under ctest with label `api`.  Included from the top-level CMakeLists.txt
# inside if(NPOOL_BUILD_TESTS).
#
#   bindings_python   /usr/bin/python3 bindings/python/test_numapool.py against
#                     the built libnumapool (NUMAPOOL_LIB); skips (77) without
#                     python3 or numpy (Debian: python3-numpy).  Not registered
#                     in sanitizer builds: an ASan/TSan libnumapool cannot be
#                     loaded into an uninstrumented python.
#   bindings_fortran  and the other Fortran tests: see bindings/fortran/fortran.cmake.

set(NPOOL_PYTHON "/usr/bin/python3" CACHE FILEPATH "Python with numpy, for the Python binding's test")

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
# bindings/fortran/fortran.cmake, included from the top-level CMakeLists.txt
# whether tests are built or not: it builds, installs and tests the module.
