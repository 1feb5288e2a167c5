# The installed package works for a user's project (find_package and pkg-config).
add_test(NAME install_consumer
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/consumer/check-install.sh ${CMAKE_BINARY_DIR}
                 ${CMAKE_CURRENT_SOURCE_DIR}/consumer ${CMAKE_C_COMPILER})
set_tests_properties(install_consumer PROPERTIES LABELS install TIMEOUT 300)
