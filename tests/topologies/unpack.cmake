# Unpack the machine dumps of ../shared/topologies into the build tree (ctest
# fixture numa_topologies).  Run as: cmake -DSRC=<shared/topologies> -DDST=<dir> -P unpack.cmake
# Absent source (a user's fresh clone): unpack nothing, succeed; the tests
# that need the dumps then skip (77) and say why.
if(NOT IS_DIRECTORY "${SRC}")
  message(STATUS "numa topologies: ${SRC} absent, nothing to unpack")
  return()
endif()
file(MAKE_DIRECTORY "${DST}")
file(GLOB tarballs "${SRC}/*.tar.bz2")
foreach(tb ${tarballs})
  get_filename_component(name "${tb}" NAME)
  set(stamp "${DST}/.${name}.stamp")
  if(NOT EXISTS "${stamp}" OR "${tb}" IS_NEWER_THAN "${stamp}")
    execute_process(COMMAND ${CMAKE_COMMAND} -E tar xjf "${tb}" WORKING_DIRECTORY "${DST}" RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "cannot unpack ${tb}")
    endif()
    file(TOUCH "${stamp}")
  endif()
endforeach()
