# bindings/fortran/fortran.cmake: the Fortran binding, built whenever CMake
# finds a Fortran compiler (tests or not), installed as COMPONENT fortran and
# exported as numapool::fortran.  Included from the top-level CMakeLists.txt.
#
# What it builds and installs:
#   libnumapool_fortran.a   the module's code, static and PIC: its .mod file
#                           is tied to the compiler that wrote it anyway, so a
#                           shared library with a soname would promise an ABI
#                           it cannot keep; a PIC archive links into programs
#                           and into users' own shared libraries alike.
#   numapool.mod            in ${CMAKE_INSTALL_INCLUDEDIR}/numapool/fortran
#                           (one Fortran build per prefix: the .mod and the
#                           archive come from the same compiler, recorded in
#                           the package as numapool_Fortran_COMPILER_ID/VERSION)
#   numapool.f90            in ${CMAKE_INSTALL_DATADIR}/numapool/fortran, for
#                           sites that compile the module with another compiler
#   numapoolFortranTargets.cmake, numapoolFortran.cmake   the exported target,
#                           which numapoolConfig.cmake includes when present
#
# Tests (with NPOOL_BUILD_TESTS), label api unless said:
#   bindings_fortran            test_numapool.f90: the C calls and the typed helpers
#   bindings_fortran_stop       a helper without rc= stops the program with the sentence
#   bindings_fortran_header     check-header.py: constants, struct layouts and functions
#                               match include/numapool.h (with a self-test of the check)
#   bindings_fortran_generated  the typed helpers are what gen-typed.py writes
#   fortran_example             examples/seed.f90 prints examples/seed.expected
#   readme_fortran_example      README.md's Fortran block is examples/seed.f90
#   install_fortran             (label install, not in sanitizer builds) the
#                               installed tree builds the example with
#                               find_package and with a plain compiler line

option(NPOOL_BINDINGS_FORTRAN "Build, install and test the Fortran binding when a Fortran compiler is found" ON)

set(NPOOL_PYTHON "/usr/bin/python3" CACHE FILEPATH "Python with numpy, for the Python binding's test")
set(_npool_fortran_dir ${CMAKE_CURRENT_LIST_DIR})
set(NPOOL_FORTRAN_MODDIR ${CMAKE_INSTALL_INCLUDEDIR}/numapool/fortran)

if(NPOOL_BINDINGS_FORTRAN)
  include(CheckLanguage)
  check_language(Fortran)
  if(CMAKE_Fortran_COMPILER)
    enable_language(Fortran)
    set(_npool_fmod ${CMAKE_BINARY_DIR}/bindings/fortran)
    add_library(numapool_fortran STATIC ${_npool_fortran_dir}/numapool.f90)
    add_library(numapool::fortran ALIAS numapool_fortran)
    set_target_properties(numapool_fortran PROPERTIES
        Fortran_MODULE_DIRECTORY ${_npool_fmod} EXPORT_NAME fortran)
    target_include_directories(numapool_fortran PUBLIC
        $<BUILD_INTERFACE:${_npool_fmod}> $<INSTALL_INTERFACE:${NPOOL_FORTRAN_MODDIR}>)
    target_link_libraries(numapool_fortran PUBLIC numapool)
    # the project's add_compile_options are C warnings (-Wstrict-prototypes...)
    # that gfortran rejects; Fortran targets get their own
    set(_npool_fflags "")
    if(CMAKE_Fortran_COMPILER_ID STREQUAL "GNU")
      set(_npool_fflags -Wall -std=f2008 -fimplicit-none)
      if(NPOOL_WERROR)
        list(APPEND _npool_fflags -Werror)
      endif()
    endif()
    set_target_properties(numapool_fortran PROPERTIES COMPILE_OPTIONS "${_npool_fflags}")

    install(TARGETS numapool_fortran EXPORT numapoolFortranTargets
            ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT fortran
            INCLUDES DESTINATION ${NPOOL_FORTRAN_MODDIR})
    install(FILES ${_npool_fmod}/numapool.mod DESTINATION ${NPOOL_FORTRAN_MODDIR} COMPONENT fortran)
    install(FILES ${_npool_fortran_dir}/numapool.f90
            DESTINATION ${CMAKE_INSTALL_DATADIR}/numapool/fortran COMPONENT fortran)
    install(EXPORT numapoolFortranTargets NAMESPACE numapool::
            DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/numapool COMPONENT fortran)
    file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/numapoolFortran.cmake CONTENT
"# numapool's Fortran binding (component fortran): numapool::fortran, built by
# @CMAKE_Fortran_COMPILER_ID@ @CMAKE_Fortran_COMPILER_VERSION@.  Included by numapoolConfig.cmake.
set(numapool_Fortran_COMPILER_ID \"@CMAKE_Fortran_COMPILER_ID@\")
set(numapool_Fortran_COMPILER_VERSION \"@CMAKE_Fortran_COMPILER_VERSION@\")
include(\"\${CMAKE_CURRENT_LIST_DIR}/numapoolFortranTargets.cmake\")
" @ONLY)
    install(FILES ${CMAKE_BINARY_DIR}/numapoolFortran.cmake
            DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/numapool COMPONENT fortran)

    if(NPOOL_BUILD_TESTS)
      set(_npool_fsanitized OFF)
      if(CMAKE_C_FLAGS MATCHES "-fsanitize=")
        set(_npool_fsanitized ON)
      endif()
      add_executable(test_numapool_fortran ${_npool_fortran_dir}/test_numapool.f90)
      add_executable(test_numapool_fortran_stop ${_npool_fortran_dir}/test_stop.f90)
      add_executable(npool_fortran_example_seed ${_npool_fortran_dir}/examples/seed.f90)
      foreach(t test_numapool_fortran test_numapool_fortran_stop npool_fortran_example_seed)
        target_link_libraries(${t} PRIVATE numapool::fortran)
        set_target_properties(${t} PROPERTIES COMPILE_OPTIONS "${_npool_fflags}")
      endforeach()
      add_test(NAME bindings_fortran COMMAND test_numapool_fortran)
      # exits non-zero (ERROR STOP) and says why, with the numbers
      add_test(NAME bindings_fortran_stop
               COMMAND sh -c "out=$(\"$0\" 2>&1); rc=$?; echo \"$out\"; echo \"exit status $rc\"; \
[ $rc -ne 0 ] && echo \"$out\" | grep -q 'needs 808 bytes, more than the pool.s block size of 800 bytes'"
                       $<TARGET_FILE:test_numapool_fortran_stop>)
      add_test(NAME bindings_fortran_header
               COMMAND ${NPOOL_PYTHON} ${_npool_fortran_dir}/check-header.py ${CMAKE_C_COMPILER}
                       ${CMAKE_Fortran_COMPILER} ${PROJECT_SOURCE_DIR}/include/numapool.h ${_npool_fortran_dir}/numapool.f90)
      add_test(NAME bindings_fortran_generated
               COMMAND ${NPOOL_PYTHON} ${_npool_fortran_dir}/gen-typed.py --check ${_npool_fortran_dir}/numapool.f90)
      add_test(NAME fortran_example
               COMMAND ${PROJECT_SOURCE_DIR}/tests/run-expect.sh ${_npool_fortran_dir}/examples/seed.expected
                       $<TARGET_FILE:npool_fortran_example_seed>)
      add_test(NAME readme_fortran_example
               COMMAND ${PROJECT_SOURCE_DIR}/tests/readme-block.sh ${PROJECT_SOURCE_DIR}/README.md
                       bindings/fortran/examples/seed.f90)
      set_tests_properties(bindings_fortran bindings_fortran_stop bindings_fortran_header
          bindings_fortran_generated fortran_example readme_fortran_example PROPERTIES
          LABELS api SKIP_RETURN_CODE 77 TIMEOUT 120)
      if(NOT _npool_fsanitized)
        add_test(NAME install_fortran
                 COMMAND ${PROJECT_SOURCE_DIR}/tests/consumer-bindings/check-install.sh fortran
                         ${CMAKE_BINARY_DIR} ${CMAKE_Fortran_COMPILER} ${PROJECT_SOURCE_DIR})
        set_tests_properties(install_fortran PROPERTIES LABELS install TIMEOUT 300)
      endif()
    endif()
  else()
    message(STATUS "bindings: no Fortran compiler found; the Fortran binding is not built")
  endif()
endif()
