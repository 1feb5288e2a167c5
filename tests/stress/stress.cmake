# Stress: many threads on one shared pool (label stress).  Bounded in time:
# about 8 s in release, less work under the sanitizers; NPOOL_STRESS_SECONDS
# sets the seconds per variant, NPOOL_STRESS_SEED replays a seed's choices.
npool_add_test(NAME test_stress SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_stress.c LABELS stress TIMEOUT 240)
# The soak: 16 threads on five pools at once, every held block stamped and
# checked (soak.c); 3 s here, NPOOL_SOAK_SECONDS=3600 by hand.  One line of
# figures: operations and corruptions (must be 0).
add_executable(soak ${CMAKE_CURRENT_LIST_DIR}/soak.c)
target_link_libraries(soak PRIVATE numapool Threads::Threads)
add_test(NAME test_soak COMMAND soak)
set_tests_properties(test_soak PROPERTIES LABELS stress TIMEOUT 120 ENVIRONMENT "NPOOL_SOAK_SECONDS=3")
