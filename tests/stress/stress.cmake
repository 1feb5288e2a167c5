# Stress: many threads on one shared pool (label stress).  Bounded in time:
# about 8 s in release, less work under the sanitizers; NPOOL_STRESS_SECONDS
# sets the seconds per variant, NPOOL_STRESS_SEED replays a seed's choices.
npool_add_test(NAME test_stress SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_stress.c LABELS stress TIMEOUT 240)
