# examples/mpi/mpi.cmake - finds MPI once for the whole build and owns the
# option NPOOL_MPI (default ON when MPI's C bindings are found).  Included
# by tests/mpi.cmake (the examples and their tests) and
# tools/bench/bench.cmake (numapool-bench-mpi), each time in its own
# directory, since FindMPI's imported targets are visible only in the
# directory that found them (the search itself is cached); nothing changes
# when MPI is absent.  After it:
#   NPOOL_MPI            ON: build the MPI programs
#   NPOOL_MPI_WHY_NOT    why they are not built (empty when they are)
#   MPI::MPI_C, MPIEXEC_EXECUTABLE   from FindMPI
find_package(MPI COMPONENTS C QUIET)
option(NPOOL_MPI "Build the MPI examples, their tests and numapool-bench-mpi (needs MPI)" ${MPI_C_FOUND})

set(NPOOL_MPI_WHY_NOT "")
if(NOT NPOOL_MPI)
  if(MPI_C_FOUND)
    set(NPOOL_MPI_WHY_NOT "NPOOL_MPI is OFF")
  else()
    set(NPOOL_MPI_WHY_NOT "MPI (C) not found: install libopenmpi-dev openmpi-bin (tools/deps.sh test)")
  endif()
elseif(NOT MPI_C_FOUND)
  message(FATAL_ERROR "NPOOL_MPI is ON but MPI's C bindings were not found (Debian: libopenmpi-dev openmpi-bin)")
elseif(NOT MPIEXEC_EXECUTABLE)
  set(NPOOL_MPI OFF)
  set(NPOOL_MPI_WHY_NOT "MPI found but no mpiexec/mpirun (Debian: openmpi-bin)")
endif()

get_property(_npool_mpi_said GLOBAL PROPERTY NPOOL_MPI_SAID)
if(_npool_mpi_said)
  return()
endif()
set_property(GLOBAL PROPERTY NPOOL_MPI_SAID TRUE)
if(NPOOL_MPI)
  message(STATUS "numapool MPI: MPI ${MPI_C_VERSION}, launcher ${MPIEXEC_EXECUTABLE}: building the MPI examples and numapool-bench-mpi")
else()
  message(STATUS "numapool MPI: not built (${NPOOL_MPI_WHY_NOT})")
endif()
