# examples/openmp/: a pool over every node used from OpenMP parallel loops.
# Built when CMake finds OpenMP for C; run by the test `openmp_timestep`.
find_package(OpenMP COMPONENTS C)
if(OpenMP_C_FOUND)
  add_executable(timestep ${CMAKE_CURRENT_LIST_DIR}/timestep.c)
  target_link_libraries(timestep PRIVATE numapool OpenMP::OpenMP_C)
  set_target_properties(timestep PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/examples/openmp)
  # Not under ThreadSanitizer: libgomp is not built with it, so TSan cannot
  # see the barrier that ends a parallel region and reports the reduction's
  # result read after it as a race, some runs and not others (test_stress and
  # test_soak cover numapool's own threads there).
  if(NOT CMAKE_C_FLAGS MATCHES "sanitize=thread")
    add_test(NAME openmp_timestep COMMAND timestep 8192 5)
    set_tests_properties(openmp_timestep PROPERTIES LABELS api TIMEOUT 60
      ENVIRONMENT "OMP_PLACES=cores;OMP_PROC_BIND=close" PASS_REGULAR_EXPRESSION "0 gets failed")
  endif()
endif()
# the README shows this example as it is
add_test(NAME readme_openmp_example
         COMMAND ${PROJECT_SOURCE_DIR}/tests/readme-block.sh ${PROJECT_SOURCE_DIR}/README.md examples/openmp/timestep.c)
set_tests_properties(readme_openmp_example PROPERTIES LABELS api TIMEOUT 30)
