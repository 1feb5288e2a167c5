# cmake/modulefiles.cmake: environment modules for the installed prefix, so
# that `module load numapool` makes an install under any prefix usable.
# Included from the top-level CMakeLists.txt.  At install time, for the
# prefix of that install (cmake --install --prefix P), it writes
#   share/lmod/modulefiles/numapool/<version>.lua   for Lmod
#   share/modulefiles/numapool/<version>            Tcl, for environment-modules
#                                                   (Lmod reads it too)
# with absolute paths (cmake/modulefile-write.cmake does the writing).  Both
# set PATH, MANPATH, PKG_CONFIG_PATH, CMAKE_PREFIX_PATH, CPATH, LIBRARY_PATH
# and NUMAPOOL_ROOT; LD_LIBRARY_PATH only when the library directory is not
# one the dynamic loader searches anyway; PYTHONPATH only when the Python
# package's directory is not on /usr/bin/python3's path; and, with the
# Fortran binding, NUMAPOOL_FORTRAN_INCLUDE (the .mod directory, for -I).
#
# COMPONENT modulefile: `cmake --install` writes them, the Debian packages
# (prefix /usr, where nothing needs a module) leave them out.
#
# Test (label install, not in sanitizer builds): install_modulefile
# (tests/module/check-module.sh) installs into a prefix outside the system
# paths and, after `module load numapool` with Debian's Lmod, builds a
# consumer with pkg-config and with find_package, runs it, imports the
# Python package with /usr/bin/python3 and builds the Fortran example; the
# same with the Tcl modulefile; then `module unload` restores the
# environment.
set(_npool_mf_python "")
if(TARGET _numapool)
  set(_npool_mf_python "${NPOOL_PYTHON}")
endif()
install(CODE "
set(NPOOL_MF_VERSION \"${PROJECT_VERSION}\")
set(NPOOL_MF_DESCRIPTION \"${PROJECT_DESCRIPTION}\")
set(NPOOL_MF_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
set(NPOOL_MF_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
set(NPOOL_MF_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")
set(NPOOL_MF_MANDIR \"${CMAKE_INSTALL_MANDIR}\")
set(NPOOL_MF_DATADIR \"${CMAKE_INSTALL_DATADIR}\")
set(NPOOL_MF_FORTRAN \"$<TARGET_EXISTS:numapool_fortran>\")
set(NPOOL_MF_FORTRAN_MODDIR \"${NPOOL_FORTRAN_MODDIR}\")
set(NPOOL_MF_PYTHON \"${_npool_mf_python}\")
set(NPOOL_MF_PYTHON_DIR \"${NPOOL_PYTHON_INSTALL_DIR}\")
set(NPOOL_MF_SITEDIR_PY \"${PROJECT_SOURCE_DIR}/bindings/python/sitedir.py\")
set(NPOOL_MF_OUT \"${CMAKE_BINARY_DIR}/modulefiles\")
" COMPONENT modulefile)
install(SCRIPT ${CMAKE_CURRENT_LIST_DIR}/modulefile-write.cmake COMPONENT modulefile)

if(NPOOL_BUILD_TESTS AND NOT CMAKE_C_FLAGS MATCHES "-fsanitize=")
  set(_npool_mf_fc "")
  if(TARGET numapool_fortran)
    set(_npool_mf_fc ${CMAKE_Fortran_COMPILER})
  endif()
  add_test(NAME install_modulefile
           COMMAND ${PROJECT_SOURCE_DIR}/tests/module/check-module.sh ${CMAKE_BINARY_DIR} ${PROJECT_SOURCE_DIR}
                   ${CMAKE_C_COMPILER} ${_npool_mf_fc})
  set_tests_properties(install_modulefile PROPERTIES LABELS install SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()
