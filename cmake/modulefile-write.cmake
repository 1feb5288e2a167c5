# cmake/modulefile-write.cmake: run at install time (install(SCRIPT), set up
# by cmake/modulefiles.cmake, which sets the NPOOL_MF_* variables): writes
# numapool's Lmod and Tcl modulefiles for ${CMAKE_INSTALL_PREFIX}, the prefix
# of this install, and installs them.
set(prefix "${CMAKE_INSTALL_PREFIX}")
foreach(d BINDIR LIBDIR INCLUDEDIR MANDIR DATADIR FORTRAN_MODDIR)
  if(IS_ABSOLUTE "${NPOOL_MF_${d}}")
    set(${d} "${NPOOL_MF_${d}}")
  else()
    set(${d} "${prefix}/${NPOOL_MF_${d}}")
  endif()
endforeach()

# LD_LIBRARY_PATH only when the dynamic loader does not search LIBDIR anyway:
# its trusted directories and those of /etc/ld.so.conf(.d)
set(ld_dirs /lib /usr/lib /lib64 /usr/lib64)
file(GLOB ld_confs /etc/ld.so.conf /etc/ld.so.conf.d/*.conf)
foreach(f IN LISTS ld_confs)
  file(STRINGS "${f}" lines REGEX "^/")
  list(APPEND ld_dirs ${lines})
endforeach()
if(CMAKE_LIBRARY_ARCHITECTURE)
  list(APPEND ld_dirs /lib/${CMAKE_LIBRARY_ARCHITECTURE} /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE})
endif()
file(REAL_PATH "${LIBDIR}" libdir_real)
set(need_ld ON)
foreach(d IN LISTS ld_dirs)
  string(STRIP "${d}" d)
  if(IS_DIRECTORY "${d}")
    file(REAL_PATH "${d}" d)
  endif()
  if(d STREQUAL libdir_real OR d STREQUAL LIBDIR)
    set(need_ld OFF)
  endif()
endforeach()

# PYTHONPATH only when the package's directory is not on the interpreter's path
set(pydir "")
set(need_py OFF)
if(NPOOL_MF_PYTHON)
  if(NPOOL_MF_PYTHON_DIR STREQUAL "")
    execute_process(COMMAND "${NPOOL_MF_PYTHON}" "${NPOOL_MF_SITEDIR_PY}" "${prefix}"
                    OUTPUT_VARIABLE rel OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
  else()
    set(rel "${NPOOL_MF_PYTHON_DIR}")
  endif()
  if(IS_ABSOLUTE "${rel}")
    set(pydir "${rel}")
  else()
    set(pydir "${prefix}/${rel}")
  endif()
  execute_process(COMMAND "${NPOOL_MF_PYTHON}" -c
    "import os, site, sys; d = os.path.realpath(sys.argv[1]); print(int(any(os.path.realpath(p) == d for p in sys.path + site.getsitepackages())))"
    "${pydir}" OUTPUT_VARIABLE on_path OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
  if(NOT on_path)
    set(need_py ON)
  endif()
endif()

set(help "numapool ${NPOOL_MF_VERSION}: ${NPOOL_MF_DESCRIPTION}.
Installed in ${prefix}.
C and C++: pkg-config --cflags --libs numapool, or find_package(numapool) in CMake
(targets numapool::numapool, numapool::numapool_static); cc app.c -lnumapool also
works while the module is loaded (CPATH, LIBRARY_PATH).")
if(NPOOL_MF_FORTRAN)
  string(APPEND help "
Fortran: find_package(numapool COMPONENTS fortran) (numapool::fortran), or
gfortran -I\$NUMAPOOL_FORTRAN_INCLUDE app.f90 -lnumapool_fortran -lnumapool.")
endif()
if(NPOOL_MF_PYTHON)
  string(APPEND help "
Python: import numapool (with ${NPOOL_MF_PYTHON}).")
endif()
string(APPEND help "
Tools: numapool-topo, numapool-bench, numapool-demo; man numapool for the
environment variables (NUMAPOOL_NODES, NUMAPOOL_PAGES...) and node strings.")

# (variable, directory) pairs to prepend
set(paths PATH "${BINDIR}" MANPATH "${MANDIR}" PKG_CONFIG_PATH "${LIBDIR}/pkgconfig"
          CMAKE_PREFIX_PATH "${prefix}" CPATH "${INCLUDEDIR}" LIBRARY_PATH "${LIBDIR}")
if(need_ld)
  list(APPEND paths LD_LIBRARY_PATH "${LIBDIR}")
endif()
if(need_py)
  list(APPEND paths PYTHONPATH "${pydir}")
endif()
set(vars NUMAPOOL_ROOT "${prefix}")
if(NPOOL_MF_FORTRAN)
  list(APPEND vars NUMAPOOL_FORTRAN_INCLUDE "${FORTRAN_MODDIR}")
endif()

# Lua (Lmod)
string(REPLACE "]]" "] ]" lua_help "${help}")
set(lua "-- numapool ${NPOOL_MF_VERSION}, written by `cmake --install` for the prefix ${prefix}
help([[
${lua_help}
]])
whatis(\"Name: numapool\")
whatis(\"Version: ${NPOOL_MF_VERSION}\")
whatis(\"Description: ${NPOOL_MF_DESCRIPTION}\")
")
while(paths)
  list(POP_FRONT paths var dir)
  string(APPEND lua "prepend_path(\"${var}\", \"${dir}\")\n")
  string(APPEND tcl_paths "prepend-path ${var} {${dir}}\n")
endwhile()
# an empty MANPATH entry keeps man-db's own search path (the system's pages):
# a MANPATH of our directory alone would hide them
string(APPEND lua "append_path(\"MANPATH\", \"\")\n")
string(APPEND tcl_paths "append-path MANPATH :\n")
while(vars)
  list(POP_FRONT vars var value)
  string(APPEND lua "setenv(\"${var}\", \"${value}\")\n")
  string(APPEND tcl_paths "setenv ${var} {${value}}\n")
endwhile()

# Tcl (environment-modules; Lmod reads it too)
set(tcl "#%Module1.0
# numapool ${NPOOL_MF_VERSION}, written by `cmake --install` for the prefix ${prefix}
proc ModulesHelp { } {
    puts stderr {")
string(REPLACE "\n" "}\n    puts stderr {" help_lines "${help}")
string(APPEND tcl "${help_lines}}
}
module-whatis {numapool ${NPOOL_MF_VERSION}: ${NPOOL_MF_DESCRIPTION}}
conflict numapool
${tcl_paths}")

file(WRITE "${NPOOL_MF_OUT}/lmod/${NPOOL_MF_VERSION}.lua" "${lua}")
file(WRITE "${NPOOL_MF_OUT}/tcl/${NPOOL_MF_VERSION}" "${tcl}")
file(INSTALL "${NPOOL_MF_OUT}/lmod/${NPOOL_MF_VERSION}.lua"
     DESTINATION "${DATADIR}/lmod/modulefiles/numapool")
file(INSTALL "${NPOOL_MF_OUT}/tcl/${NPOOL_MF_VERSION}"
     DESTINATION "${DATADIR}/modulefiles/numapool")
