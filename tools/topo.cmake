# numapool-topo: what numapool sees of a machine (or of a dump, --fsroot), and
# what NPOOL_PAGES_AUTO picks there (src/pages.c's rule, from the static
# library and its internal headers).
add_executable(numapool-topo ${CMAKE_CURRENT_LIST_DIR}/numapool-topo.c)
target_link_libraries(numapool-topo PRIVATE npool_internal)
install(TARGETS numapool-topo RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
