# cmake/packaging.cmake: the release's version check and the Debian packages.
# Included last from the top-level CMakeLists.txt.
#
# Version: project(numapool VERSION x.y.z) is the release; numapool.h's
# NPOOL_VERSION_MAJOR/MINOR/PATCH must say the same (checked here), and the
# packages, numapoolConfigVersion.cmake and numapool.pc carry it.
#
# Packages: `cpack -G DEB` in a build configured for the prefix /usr
# (tools/build-debs.sh is the recipe) writes one .deb per install component,
# split as Debian splits a library:
#   component  package                   holds
#   runtime    libnumapool<ABI>          libnumapool.so.<ABI>* (the SONAME follows NPOOL_ABI)
#   dev        libnumapool-dev           numapool.h, numapool.hpp, libnumapool.so, libnumapool.a,
#                                        the CMake package, numapool.pc, README and CHANGELOG
#   tools      numapool-tools            numapool-topo, numapool-bench (+ its workers in
#                                        libexec/numapool), numapool-demo, their man pages, numapool(7)
#   python     python3-numapool          the numapool package for the system's python3
#   fortran    libnumapool-fortran-dev   numapool.mod, numapool.f90, libnumapool_fortran.a, numapool::fortran
# (COMPONENT modulefile and bench-extras are installed by `cmake --install`
# only: a /usr install needs no module, and the DPDK and MPI bench programs
# would pull DPDK and Open MPI into numapool-tools.)  Dependencies on shared
# libraries come from dpkg-shlibdeps; the rest are declared below.
# tests/package/check-debs.sh installs the packages into a fresh Debian root.

# ---- the header's version is the project's ----
foreach(_part MAJOR MINOR PATCH)
  file(STRINGS ${PROJECT_SOURCE_DIR}/include/numapool.h _v REGEX "^#define NPOOL_VERSION_${_part} [0-9]+")
  string(REGEX REPLACE "^#define NPOOL_VERSION_${_part} ([0-9]+).*" "\\1" _v "${_v}")
  if(NOT _v STREQUAL PROJECT_VERSION_${_part})
    message(FATAL_ERROR "include/numapool.h says NPOOL_VERSION_${_part} ${_v}, CMakeLists.txt's project() "
                        "says ${PROJECT_VERSION}: make them one version")
  endif()
endforeach()

install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT dev)
install(FILES ${PROJECT_SOURCE_DIR}/docs/model.md ${PROJECT_SOURCE_DIR}/docs/install.md
              ${PROJECT_SOURCE_DIR}/docs/environment.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs COMPONENT dev)

# ---- Debian packages ----
set(NPOOL_DEB_MAINTAINER "numapool developers <numapool@localhost>" CACHE STRING
    "Maintainer field of the Debian packages")
set(NPOOL_DEB_RELEASE 1 CACHE STRING "Debian revision of the packages (the -N of x.y.z-N)")

set(_deb_version "${PROJECT_VERSION}-${NPOOL_DEB_RELEASE}")
set(_deb_lib "libnumapool${NPOOL_ABI}")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME numapool)
set(CPACK_PACKAGE_VENDOR numapool)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_CONTACT "${NPOOL_DEB_MAINTAINER}")
set(CPACK_PACKAGE_INSTALL_DIRECTORY numapool)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${NPOOL_DEB_RELEASE})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
# Depends on shared libraries, from dpkg-shlibdeps; libnumapool.so.N is found
# in this build (and declared by hand where it is needed)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_BINARY_DIR}/src)

set(_components runtime dev tools)
if(TARGET _numapool)
  list(APPEND _components python)
endif()
if(TARGET numapool_fortran)
  list(APPEND _components fortran)
endif()
set(CPACK_COMPONENTS_ALL ${_components})

# runtime
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME ${_deb_lib})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
# its shlibs file: what a package linking libnumapool.so.N depends on (by
# hand: CPack's generated one is all-components or none)
file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/deb/runtime/shlibs
     CONTENT "libnumapool ${NPOOL_ABI} ${_deb_lib} (>= ${PROJECT_VERSION})\n")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/deb/runtime/shlibs)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "numapool: fixed-size blocks on the right NUMA node and pages (library)
Fixed-size memory blocks for simulation codes on NUMA servers, carved from
hugepage-backed arenas, one per NUMA node, bound before they are touched and
faulted in at creation; a get and a put take a few nanoseconds, with no lock
and no system call.
.
This package holds the shared library.")

# dev
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libnumapool-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "${_deb_lib} (= ${_deb_version}), libhwloc-dev, libnuma-dev, pkg-config")
set(CPACK_DEBIAN_DEV_PACKAGE_SUGGESTS "numapool-tools")
set(CPACK_COMPONENT_DEV_DESCRIPTION "numapool: fixed-size blocks on the right NUMA node and pages (development)
Fixed-size memory blocks for simulation codes on NUMA servers, carved from
hugepage-backed arenas, one per NUMA node.
.
This package holds the C header numapool.h, the C++17 header numapool.hpp,
the static library, the CMake package (find_package(numapool): targets
numapool::numapool and numapool::numapool_static) and the pkg-config file.")

# tools
set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME numapool-tools)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_TOOLS_PACKAGE_DEPENDS "${_deb_lib} (>= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_TOOLS_PACKAGE_RECOMMENDS "numactl")
# the allocators numapool-bench preloads, when present, and gnuplot for --plot
set(CPACK_DEBIAN_TOOLS_PACKAGE_SUGGESTS "libjemalloc2, libmimalloc2.0, libtcmalloc-minimal4, gnuplot-nox")
set(CPACK_COMPONENT_TOOLS_DESCRIPTION "numapool: fixed-size blocks on the right NUMA node and pages (tools)
numapool-topo shows the NUMA nodes, memory and hugepages numapool sees and
the pages a pool would get; numapool-bench times numapool beside glibc,
jemalloc, mimalloc and tcmalloc; numapool-demo runs a small example.
.
The manual page numapool(7) describes the environment variables
(NUMAPOOL_NODES, NUMAPOOL_PAGES, NUMAPOOL_VERBOSE) and node strings.")

# python: for the interpreter it was built with; numpy's C API as Debian's
# numpy declares it (/usr/share/numpy3/versions: the oldest numpy sharing
# the API, and the ABI's virtual package)
if(TARGET _numapool)
  execute_process(COMMAND ${NPOOL_PYTHON} -c "import sys; print('%d.%d' % sys.version_info[:2]); print('%d.%d' % (sys.version_info[0], sys.version_info[1] + 1))"
                  OUTPUT_VARIABLE _py OUTPUT_STRIP_TRAILING_WHITESPACE)
  string(REPLACE "\n" ";" _py "${_py}")
  list(GET _py 0 _py_this)
  list(GET _py 1 _py_next)
  set(_np "python3-numpy (>= 1:1.22.0)")
  if(EXISTS /usr/share/numpy3/versions)
    file(STRINGS /usr/share/numpy3/versions _npv REGEX "^(abi|api-min-version) ")
    foreach(_l IN LISTS _npv)
      if(_l MATCHES "^api-min-version (.+)$")
        set(_np "python3-numpy (>= ${CMAKE_MATCH_1})")
      endif()
    endforeach()
    foreach(_l IN LISTS _npv)
      if(_l MATCHES "^abi ([0-9]+)$")
        string(APPEND _np ", python3-numpy-abi${CMAKE_MATCH_1}")
      endif()
    endforeach()
  endif()
  set(CPACK_DEBIAN_PYTHON_PACKAGE_NAME python3-numapool)
  set(CPACK_DEBIAN_PYTHON_PACKAGE_SECTION python)
  set(CPACK_DEBIAN_PYTHON_PACKAGE_DEPENDS
      "python3 (>= ${_py_this}~), python3 (<< ${_py_next}), ${_np}, ${_deb_lib} (>= ${PROJECT_VERSION})")
  set(CPACK_COMPONENT_PYTHON_DESCRIPTION "numapool: fixed-size blocks on the right NUMA node and pages (Python 3)
The numapool Python package: numapool.MemoryPool hands out blocks as numpy
arrays over pool memory, with no copy, and numapool.allocate_from() makes
numpy allocate its own arrays from a pool.")
endif()

# fortran: the .mod is tied to the compiler's module format (gfortran-mod-N,
# which Debian's gfortran-X provides)
if(TARGET numapool_fortran)
  set(_fdep "gfortran")
  if(CMAKE_Fortran_COMPILER_ID STREQUAL "GNU")
    file(REAL_PATH "${CMAKE_Fortran_COMPILER}" _fc_real)
    execute_process(COMMAND dpkg-query -S "${_fc_real}" OUTPUT_VARIABLE _fpkg ERROR_QUIET
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    string(REGEX REPLACE ":.*" "" _fpkg "${_fpkg}")
    if(_fpkg)
      execute_process(COMMAND dpkg-query -W -f=\${Provides} "${_fpkg}" OUTPUT_VARIABLE _fprov ERROR_QUIET)
      if(_fprov MATCHES "(gfortran-mod-[0-9]+)")
        set(_fdep "gfortran | fortran95-compiler, ${CMAKE_MATCH_1}")
      endif()
    endif()
  endif()
  set(CPACK_DEBIAN_FORTRAN_PACKAGE_NAME libnumapool-fortran-dev)
  set(CPACK_DEBIAN_FORTRAN_PACKAGE_SECTION libdevel)
  set(CPACK_DEBIAN_FORTRAN_PACKAGE_DEPENDS "libnumapool-dev (= ${_deb_version}), ${_fdep}")
  set(CPACK_COMPONENT_FORTRAN_DESCRIPTION "numapool: fixed-size blocks on the right NUMA node and pages (Fortran)
The Fortran module numapool (iso_c_binding): the whole C interface and typed
helpers that hand blocks out as Fortran pointers of rank 1 to 3, with the
static library, the module source for other compilers, and the CMake
component find_package(numapool COMPONENTS fortran) (numapool::fortran).")
endif()

include(CPack)
