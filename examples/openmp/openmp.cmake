# examples/openmp/: a pool over every node used from OpenMP parallel loops.
# Built when CMake finds OpenMP for C; run by the test `openmp_timestep`.
# Not under ThreadSanitizer: Debian's libgomp is not instrumented, so TSan
# cannot see its barriers and reports its reductions as races.
find_package(OpenMP COMPONENTS C)
if(OpenMP_C_FOUND AND NOT CMAKE_C_FLAGS MATCHES "-fsanitize=thread")
  add_executable(timestep ${CMAKE_CURRENT_LIST_DIR}/timestep.c)
  target_link_libraries(timestep PRIVATE numapool OpenMP::OpenMP_C)
  set_target_properties(timestep PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/examples/openmp)
  add_test(NAME openmp_timestep COMMAND timestep 8192 5)
  set_tests_properties(openmp_timestep PROPERTIES LABELS api TIMEOUT 60
    ENVIRONMENT "OMP_PLACES=cores;OMP_PROC_BIND=close" PASS_REGULAR_EXPRESSION "0 gets failed")
endif()
# the README shows this example as it is
add_test(NAME readme_openmp_example
         COMMAND ${PROJECT_SOURCE_DIR}/tests/readme-block.sh ${PROJECT_SOURCE_DIR}/README.md examples/openmp/timestep.c)
set_tests_properties(readme_openmp_example PROPERTIES LABELS api TIMEOUT 30)
