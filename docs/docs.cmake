# docs/docs.cmake: the documentation that is built and installed.  Included
# from the top-level CMakeLists.txt.
#
#   target docs      the API reference in <build>/docs/html (Doxygen, when
#                    found): numapool.h and numapool.hpp, the header's model
#                    paragraph as the main page; any Doxygen warning (an
#                    undocumented public name, a broken reference) fails it
#   man pages        docs/man/numapool-topo.1, numapool-bench.1, numapool.7:
#                    plain roff, gzipped at build time and installed in
#                    share/man (COMPONENT tools, the numapool-tools package)
#
# Tests (label docs): api_docs builds the target docs (skips without
# Doxygen); man_pages renders every page with man-db's `man --warnings` at
# 80 columns and fails on any warning, and checks that each page names every
# option its tool's --help prints and every environment variable the
# library reads.
set(NPOOL_DOCS_DIR ${CMAKE_BINARY_DIR}/docs)
set(NPOOL_MAN_PAGES ${PROJECT_SOURCE_DIR}/docs/man/numapool-topo.1
                    ${PROJECT_SOURCE_DIR}/docs/man/numapool-bench.1
                    ${PROJECT_SOURCE_DIR}/docs/man/numapool.7)

find_package(Doxygen QUIET)
if(DOXYGEN_FOUND)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/Doxyfile.in ${NPOOL_DOCS_DIR}/Doxyfile @ONLY)
  add_custom_command(OUTPUT ${NPOOL_DOCS_DIR}/mainpage.md
      COMMAND ${CMAKE_COMMAND} -DHEADER=${PROJECT_SOURCE_DIR}/include/numapool.h
              -DOUT=${NPOOL_DOCS_DIR}/mainpage.md -DVERSION=${PROJECT_VERSION}
              -P ${CMAKE_CURRENT_LIST_DIR}/mainpage.cmake
      DEPENDS ${PROJECT_SOURCE_DIR}/include/numapool.h ${CMAKE_CURRENT_LIST_DIR}/mainpage.cmake
      COMMENT "API reference: main page from numapool.h")
  add_custom_command(OUTPUT ${NPOOL_DOCS_DIR}/html/index.html
      COMMAND ${CMAKE_COMMAND} -E rm -rf ${NPOOL_DOCS_DIR}/html
      COMMAND ${DOXYGEN_EXECUTABLE} ${NPOOL_DOCS_DIR}/Doxyfile
      DEPENDS ${NPOOL_DOCS_DIR}/mainpage.md ${NPOOL_DOCS_DIR}/Doxyfile
              ${PROJECT_SOURCE_DIR}/include/numapool.h ${PROJECT_SOURCE_DIR}/include/numapool.hpp
      WORKING_DIRECTORY ${NPOOL_DOCS_DIR}
      COMMENT "API reference: Doxygen (warnings are errors) -> ${NPOOL_DOCS_DIR}/html/index.html")
  add_custom_target(docs DEPENDS ${NPOOL_DOCS_DIR}/html/index.html)
else()
  add_custom_target(docs COMMAND ${CMAKE_COMMAND} -E echo "docs: Doxygen not found (Debian: doxygen)"
                         COMMAND ${CMAKE_COMMAND} -E false)
endif()

# installed compressed, as Debian installs man pages (gzip -n: no name or
# time stamp inside, the same bytes from every build)
set(_npool_man_gz "")
foreach(_page IN LISTS NPOOL_MAN_PAGES)
  get_filename_component(_name ${_page} NAME)
  string(REGEX REPLACE ".*\\." "" _section ${_name})
  add_custom_command(OUTPUT ${NPOOL_DOCS_DIR}/man/${_name}.gz
      COMMAND ${CMAKE_COMMAND} -E make_directory ${NPOOL_DOCS_DIR}/man
      COMMAND sh -c "gzip -9 -n -c \"$1\" > \"$2\"" sh ${_page} ${NPOOL_DOCS_DIR}/man/${_name}.gz
      DEPENDS ${_page} VERBATIM)
  list(APPEND _npool_man_gz ${NPOOL_DOCS_DIR}/man/${_name}.gz)
  install(FILES ${NPOOL_DOCS_DIR}/man/${_name}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${_section} COMPONENT tools)
endforeach()
add_custom_target(npool_man_pages ALL DEPENDS ${_npool_man_gz})

if(NPOOL_BUILD_TESTS)
  if(DOXYGEN_FOUND)
    add_test(NAME api_docs COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --target docs)
  else()
    add_test(NAME api_docs COMMAND sh -c "echo 'skipped: doxygen not found (Debian: doxygen)'; exit 77")
  endif()
  set_tests_properties(api_docs PROPERTIES LABELS docs SKIP_RETURN_CODE 77 TIMEOUT 120)
  set(_npool_man_tools "")
  if(TARGET numapool-topo AND TARGET numapool-bench)
    set(_npool_man_tools $<TARGET_FILE:numapool-topo> $<TARGET_FILE:numapool-bench>)
  endif()
  add_test(NAME man_pages COMMAND ${CMAKE_CURRENT_LIST_DIR}/man/check-man.sh ${PROJECT_SOURCE_DIR} ${_npool_man_tools})
  set_tests_properties(man_pages PROPERTIES LABELS docs SKIP_RETURN_CODE 77 TIMEOUT 60)
endif()
