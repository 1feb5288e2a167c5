# cmake/faults.cmake - the option NPOOL_FAULTS: a second, test-only copy of
# the library with its fault points compiled in (base/fault.h), the static
# libnumapool_faults.a, never installed and never linked by anything but the
# fault tests (tests/fault/).  libnumapool.so and libnumapool.a are built
# from their own objects, without NPOOL_FAULTS: a fault point there is the
# constant 0.  The copy takes the sources, include folders and definitions
# of npool_base, npool_numa and npool_core, whatever they become.
foreach(_layer base numa core)
  set(_orig npool_${_layer})
  get_target_property(_srcs ${_orig} SOURCES)
  get_target_property(_dir ${_orig} SOURCE_DIR)
  set(_abs)
  foreach(_s IN LISTS _srcs)
    if(IS_ABSOLUTE "${_s}")
      list(APPEND _abs "${_s}")
    else()
      list(APPEND _abs "${_dir}/${_s}")
    endif()
  endforeach()
  if(_layer STREQUAL "base")
    list(APPEND _abs ${PROJECT_SOURCE_DIR}/base/fault.c)
  endif()
  add_library(npool_faults_${_layer} OBJECT ${_abs})
  target_compile_definitions(npool_faults_${_layer} PRIVATE NPOOL_FAULTS
                             $<TARGET_PROPERTY:${_orig},COMPILE_DEFINITIONS>)
  target_include_directories(npool_faults_${_layer} PRIVATE $<TARGET_PROPERTY:${_orig},INCLUDE_DIRECTORIES>
                             ${PROJECT_SOURCE_DIR}/numa ${PROJECT_SOURCE_DIR}/base)
  target_link_libraries(npool_faults_${_layer} PRIVATE PkgConfig::HWLOC PkgConfig::NUMA)
endforeach()

add_library(numapool_faults STATIC $<TARGET_OBJECTS:npool_faults_core> $<TARGET_OBJECTS:npool_faults_numa>
            $<TARGET_OBJECTS:npool_faults_base>)
target_include_directories(numapool_faults PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src
                           ${PROJECT_SOURCE_DIR}/numa ${PROJECT_SOURCE_DIR}/base)
target_compile_definitions(numapool_faults INTERFACE NPOOL_FAULTS)
target_link_libraries(numapool_faults PUBLIC PkgConfig::HWLOC PkgConfig::NUMA Threads::Threads)
