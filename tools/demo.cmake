add_executable(numapool-demo ${CMAKE_CURRENT_SOURCE_DIR}/numapool-demo.c)
target_link_libraries(numapool-demo PRIVATE numapool m)
install(TARGETS numapool-demo RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
