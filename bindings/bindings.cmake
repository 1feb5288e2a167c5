# bindings/: included from the top-level CMakeLists.txt inside
# if(NPOOL_BUILD_TESTS).  Each binding has its own file, included from the top
# level whether tests are built or not (each builds, installs and tests itself):
#
#   bindings/python/CMakeLists.txt   the numapool Python package (C extension):
#                                    bindings_python, bindings_python_pip,
#                                    bindings_python_numa_vm
#   bindings/fortran/fortran.cmake   the Fortran module and library: bindings_fortran
#                                    and the other Fortran tests
