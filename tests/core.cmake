# Core tests: the one-node pool.
npool_add_test(NAME test_freeset SOURCES test_freeset.c INTERNAL LABELS unit)
npool_add_test(NAME test_seed SOURCES test_seed.c LABELS api)
npool_add_test(NAME test_api SOURCES test_api.c LABELS api)
npool_add_test(NAME test_pages SOURCES test_pages.c hp_util.c LABELS api)
npool_add_test(NAME test_pages_1g SOURCES test_pages_1g.c hp_util.c LABELS api)
npool_add_test(NAME test_limits SOURCES test_limits.c hp_util.c LABELS api)
# not linked with the library: it loads it with dlopen, as Python does
add_executable(test_dlopen test_dlopen.c)
target_include_directories(test_dlopen PRIVATE ${PROJECT_SOURCE_DIR}/include)
target_link_libraries(test_dlopen PRIVATE PkgConfig::CMOCKA Threads::Threads ${CMAKE_DL_LIBS})
add_dependencies(test_dlopen numapool)
add_test(NAME test_dlopen COMMAND test_dlopen $<TARGET_FILE:numapool>)
set_tests_properties(test_dlopen PROPERTIES LABELS api TIMEOUT 60)
