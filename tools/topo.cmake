# numapool-topo: what numapool sees of a machine (or of a dump, --fsroot).
# Built from the numa/ objects and the error table alone, so it does not wait
# for the pool core.
add_executable(numapool-topo ${CMAKE_CURRENT_LIST_DIR}/numapool-topo.c
               $<TARGET_OBJECTS:npool_numa> ${PROJECT_SOURCE_DIR}/src/error.c)
target_include_directories(numapool-topo PRIVATE ${PROJECT_SOURCE_DIR}/include
                           ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/numa)
target_link_libraries(numapool-topo PRIVATE PkgConfig::HWLOC PkgConfig::NUMA Threads::Threads)
install(TARGETS numapool-topo RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
