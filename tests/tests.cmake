# tests.cmake - the CTest suite (included from CMakeLists.txt).
# Labels: unit (in-process C tests), cli (bad input), seq/omp/mpi (which
# drivers a test starts), io (HDF5), build (configures a second build), slow,
# sweep, slurm, analysis. The asan preset runs everything not labelled mpi,
# sweep, slurm, analysis (Python and Slurm plumbing) or build.

add_executable(test_kernels tests/test_kernels.c)
target_link_libraries(test_kernels PRIVATE scalekit_kernels)
target_compile_options(test_kernels PRIVATE ${SCALEKIT_WARNINGS})
add_test(NAME unit.kernels COMMAND test_kernels)

# The kernels' portable SIMD paths: a native build only runs its own ISA's
# (pi and mandelbrot have AVX-512, AVX2 and SSE2 paths that must give the
# same bits), so test_kernels is built again for x86-64-v3 (AVX2; where this
# machine has AVX2) and the x86-64 baseline (SSE2). Not in sanitizer builds.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64" AND NOT SCALEKIT_SANITIZE AND NOT SCALEKIT_TSAN
   AND NOT SCALEKIT_ARCH MATCHES "^(x86-64|generic)$")
  set(portable x86-64)
  if(SCALEKIT_ARCH STREQUAL "native" AND "SK_NEED_AVX2" IN_LIST SCALEKIT_ARCH_NEEDS)
    list(APPEND portable x86-64-v3)
  endif()
  foreach(arch IN LISTS portable)
    string(MAKE_C_IDENTIFIER "${arch}" id)
    check_c_compiler_flag("-march=${arch}" SCALEKIT_HAVE_PORTABLE_${id})
    if(SCALEKIT_HAVE_PORTABLE_${id})
      # The later -march overrides the build's own (gcc and clang take the last).
      set(isa -march=${arch} -mtune=generic)
      scalekit_kernel_library(scalekit_kernels_${id} ${isa})
      add_executable(test_kernels_${id} tests/test_kernels.c)
      target_link_libraries(test_kernels_${id} PRIVATE scalekit_kernels_${id})
      target_compile_options(test_kernels_${id} PRIVATE ${SCALEKIT_WARNINGS} ${isa})
      add_test(NAME unit.kernels.${arch} COMMAND test_kernels_${id})
      set_tests_properties(unit.kernels.${arch} PROPERTIES LABELS unit TIMEOUT 300)
    endif()
  endforeach()
endif()

add_executable(test_drivers tests/test_drivers.c)
target_link_libraries(test_drivers PRIVATE scalekit_common scalekit_io_${io_for_serial}
                      scalekit_comm_serial scalekit_par_serial)
target_compile_options(test_drivers PRIVATE ${SCALEKIT_WARNINGS})
add_test(NAME unit.drivers COMMAND test_drivers)
set_tests_properties(unit.kernels unit.drivers PROPERTIES LABELS unit TIMEOUT 300)

# Scripted tests start the drivers; they learn how from these arguments.
set(SCALEKIT_TEST_ARGS --bindir $<TARGET_FILE_DIR:scalekit-seq> --mpiexec ${MPIEXEC_EXECUTABLE})
set(SCALEKIT_PY_DIR ${CMAKE_SOURCE_DIR}/tests)

# scalekit_groups(SCRIPT LABELS [PROPERTY VALUE...]): tests SCRIPT.serial and
# SCRIPT.mpi, each running tests/test_SCRIPT.py --group serial|mpi. The serial
# group gets LABELS (and any extra properties), the mpi group the same labels
# with seq/omp replaced by mpi; it runs alone, as every mpirun test does.
function(scalekit_groups script labels)
  foreach(group serial mpi)
    add_test(NAME ${script}.${group}
             COMMAND ${Python3_EXECUTABLE} ${SCALEKIT_PY_DIR}/test_${script}.py
                     ${SCALEKIT_TEST_ARGS} --group ${group})
  endforeach()
  set(mpi_labels ${labels})
  list(REMOVE_ITEM mpi_labels seq omp)
  list(APPEND mpi_labels mpi)
  set_tests_properties(${script}.serial PROPERTIES LABELS "${labels}" TIMEOUT 900 PROCESSORS 2
                       ${ARGN})
  set_tests_properties(${script}.mpi PROPERTIES LABELS "${mpi_labels}" TIMEOUT 900 PROCESSORS 2
                       RUN_SERIAL TRUE)
endfunction()

# Cross-driver agreement: one test per kernel per group.
foreach(kernel primes pi mandelbrot stencil triad)
  add_test(NAME agree.${kernel}.serial
           COMMAND ${Python3_EXECUTABLE} ${SCALEKIT_PY_DIR}/test_agree.py ${SCALEKIT_TEST_ARGS}
                   --kernel ${kernel} --group serial)
  set_tests_properties(agree.${kernel}.serial PROPERTIES LABELS "seq;omp" TIMEOUT 600)
  add_test(NAME agree.${kernel}.mpi
           COMMAND ${Python3_EXECUTABLE} ${SCALEKIT_PY_DIR}/test_agree.py ${SCALEKIT_TEST_ARGS}
                   --kernel ${kernel} --group mpi)
  set_tests_properties(agree.${kernel}.mpi PROPERTIES LABELS mpi TIMEOUT 900 PROCESSORS 2
                       RUN_SERIAL TRUE)
endforeach()

# 2-D tiling from the grid's shape: thin stencil grids on 2-5 ranks.
add_test(NAME agree.stencil.thin
         COMMAND ${Python3_EXECUTABLE} ${SCALEKIT_PY_DIR}/test_agree.py ${SCALEKIT_TEST_ARGS}
                 --kernel stencil --group thin)
set_tests_properties(agree.stencil.thin PROPERTIES LABELS mpi TIMEOUT 600 PROCESSORS 2
                     RUN_SERIAL TRUE)

# Bad command lines and --help/--version/--list, per driver.
foreach(driver seq omp)
  add_test(NAME cli.${driver}
           COMMAND ${Python3_EXECUTABLE} ${SCALEKIT_PY_DIR}/test_cli.py ${SCALEKIT_TEST_ARGS}
                   --driver ${driver})
  set_tests_properties(cli.${driver} PROPERTIES LABELS "cli;${driver}" TIMEOUT 600)
endforeach()
foreach(driver mpi hybrid)
  add_test(NAME cli.${driver}
           COMMAND ${Python3_EXECUTABLE} ${SCALEKIT_PY_DIR}/test_cli.py ${SCALEKIT_TEST_ARGS}
                   --driver ${driver} --np 2)
  set_tests_properties(cli.${driver} PROPERTIES LABELS "cli;mpi;slow" TIMEOUT 900 PROCESSORS 2
                       RUN_SERIAL TRUE)
endforeach()

# Behaviour of real runs: records, failure path, layout, MPI corner cases.
scalekit_groups(runs "seq;omp")

# Layering: which files may touch MPI/OpenMP, and what each driver links.
add_test(NAME unit.structure
         COMMAND ${Python3_EXECUTABLE} ${SCALEKIT_PY_DIR}/test_structure.py
                 --source ${CMAKE_SOURCE_DIR} --bindir $<TARGET_FILE_DIR:scalekit-seq>
                 $<$<AND:$<STREQUAL:${io_for_serial},serial>,$<STREQUAL:${io_for_mpi},parallel>>:--expect-hdf5>)
set_tests_properties(unit.structure PROPERTIES LABELS unit TIMEOUT 120)

# The build's instruction set: provenance "arch" and the refusal to start on a
# CPU that lacks it (drivers/archcheck.c, simulated with a test hook).
scalekit_groups(arch seq)

# analysis/summary.py on synthetic records: pooling, spread notes (Python only,
# so the asan preset skips the "analysis" label).
add_test(NAME analysis.summary
         COMMAND ${Python3_EXECUTABLE} ${SCALEKIT_PY_DIR}/test_summary.py)
set_tests_properties(analysis.summary PROPERTIES LABELS analysis TIMEOUT 120)

# bench/perf.py at tiny sizes, one round: the benchmark script keeps working
# (it prints figures; targets are not asserted: the machine is shared).
add_test(NAME bench.smoke
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/bench/perf.py all --smoke --rounds 1
                 --bindir $<TARGET_FILE_DIR:scalekit-seq> --mpiexec ${MPIEXEC_EXECUTABLE})
set_tests_properties(bench.smoke PROPERTIES LABELS "mpi;bench" TIMEOUT 300 PROCESSORS 2
                     RUN_SERIAL TRUE)
# Its io suite (not in "all": see perf.py; ./scalekit bench-io runs it) at 1 MiB
# per run, one round, in fresh directories left empty: a good run; a run that
# does not verify, a bad --size, a missing --dir, and (fake drivers and
# mpiexec) a record saying verified false, no record, a hung run whose rank
# ignores SIGTERM (stopped by --timeout, and by SIGTERM to perf.py),
# MPIEXEC_FLAGS, and no fake left running.
add_test(NAME bench.io
         COMMAND ${Python3_EXECUTABLE} ${SCALEKIT_PY_DIR}/test_perf_io.py ${SCALEKIT_TEST_ARGS}
                 --perf ${CMAKE_SOURCE_DIR}/bench/perf.py)
set_tests_properties(bench.io PROPERTIES LABELS "mpi;bench;io" TIMEOUT 300 PROCESSORS 2
                     RUN_SERIAL TRUE)

# The oversubscription flag, its warning and --layout agree (placement truth table).
scalekit_groups(oversub "seq;omp" RUN_SERIAL TRUE)

# Every verification fails for a wrong answer at a small, a preset and a
# beyond-table size (SCALEKIT_TEST_CORRUPT_RESULT=1 and =row).
scalekit_groups(verify seq)

# Sweeps (slurm/sweep.py): planning, resume and quoting in process; local sweeps
# through mpirun; and real Slurm clusters (one node; two nodes in network
# namespaces) that the tests start and stop themselves. The Slurm tests need
# root: elsewhere they exit 77 (skipped, with the reason), unless
# SCALEKIT_REQUIRE_SLURM=1 (./scalekit test as root) makes that a failure.
add_test(NAME sweep.unit
         COMMAND ${Python3_EXECUTABLE} ${SCALEKIT_PY_DIR}/test_sweep_unit.py
                 --bindir $<TARGET_FILE_DIR:scalekit-seq>)
set_tests_properties(sweep.unit PROPERTIES LABELS sweep TIMEOUT 120)
add_test(NAME sweep.local
         COMMAND ${Python3_EXECUTABLE} ${SCALEKIT_PY_DIR}/test_sweep_local.py ${SCALEKIT_TEST_ARGS})
set_tests_properties(sweep.local PROPERTIES LABELS "sweep;mpi" TIMEOUT 300 PROCESSORS 2)
foreach(nodes 1 2)
  add_test(NAME slurm.nodes${nodes}
           COMMAND ${Python3_EXECUTABLE} ${SCALEKIT_PY_DIR}/test_slurm.py ${SCALEKIT_TEST_ARGS}
                   --nodes ${nodes})
  set_tests_properties(slurm.nodes${nodes} PROPERTIES LABELS "slurm;sweep" TIMEOUT 600
                       SKIP_RETURN_CODE 77 RESOURCE_LOCK slurm)
endforeach()
# HDF5 I/O: images, checkpoint/restart, iobench, async checkpoints, errors.
# The serial group (seq, omp) also runs in the sanitizer build.
scalekit_groups(io "io;seq;omp")
# A second build, as on clusters with only a parallel HDF5 (label build: the
# sanitizer preset skips it, it is not about the sanitized binaries).
add_test(NAME io.no_serial_hdf5
         COMMAND ${Python3_EXECUTABLE} ${SCALEKIT_PY_DIR}/test_io.py ${SCALEKIT_TEST_ARGS}
                 --group no-serial-hdf5 --source ${CMAKE_SOURCE_DIR} --cmake ${CMAKE_COMMAND})
set_tests_properties(io.no_serial_hdf5 PROPERTIES LABELS "io;seq;build" TIMEOUT 900
                     PROCESSORS 2)

# Races and synchronisation (the counter kernel under every primitive) and
# waiting (the latency kernel speeds up beyond the core count).
scalekit_groups(counter "seq;omp")
scalekit_groups(latency "seq;omp")

# scalekit-overhead: thread vs process costs (links MPI: labelled mpi, so the
# sanitizer presets leave it to the release build).
add_test(NAME overhead
         COMMAND ${Python3_EXECUTABLE} ${SCALEKIT_PY_DIR}/test_overhead.py ${SCALEKIT_TEST_ARGS}
                 --measured ${CMAKE_SOURCE_DIR}/analysis/measured.py)
set_tests_properties(overhead PROPERTIES LABELS mpi TIMEOUT 600 PROCESSORS 2 RUN_SERIAL TRUE)

# ThreadSanitizer build (preset tsan: clang, LLVM's libomp): every test runs
# with LLVM's Archer OMPT tool, which tells TSan about OpenMP's own
# synchronisation, and with tests/tsan.supp, which suppresses the one
# deliberate race (--sync none) by name. tsan.race proves TSan reports that
# race when the suppression is off, and that nothing else is reported.
# Keep this block last: it applies to every test registered above it.
if(SCALEKIT_TSAN)
  get_filename_component(omp_dir "${OpenMP_omp_LIBRARY}" DIRECTORY)
  find_library(SCALEKIT_ARCHER NAMES archer HINTS "${omp_dir}")
  if(NOT SCALEKIT_ARCHER)
    message(FATAL_ERROR "LLVM's Archer (libarcher.so) not found next to ${OpenMP_omp_LIBRARY}; "
                        "install libomp-dev (./scalekit deps)")
  endif()
  set(SCALEKIT_TSAN_OPTIONS "history_size=7 ignore_noninstrumented_modules=1")
  add_test(NAME tsan.race
           COMMAND ${Python3_EXECUTABLE} ${SCALEKIT_PY_DIR}/test_tsan.py ${SCALEKIT_TEST_ARGS}
                   --suppressions ${CMAKE_SOURCE_DIR}/tests/tsan.supp
                   --tsan-options "${SCALEKIT_TSAN_OPTIONS}")
  set_tests_properties(tsan.race PROPERTIES LABELS tsan TIMEOUT 300 PROCESSORS 2)
  get_property(all_tests DIRECTORY PROPERTY TESTS)
  set_property(TEST ${all_tests} APPEND PROPERTY ENVIRONMENT
               "OMP_TOOL_LIBRARIES=${SCALEKIT_ARCHER}"
               "TSAN_OPTIONS=${SCALEKIT_TSAN_OPTIONS} suppressions=${CMAKE_SOURCE_DIR}/tests/tsan.supp")
endif()

# Analysis (Python, pytest, in the project venv .venv/ that `scalekit pyenv`
# creates on first use): label analysis; the asan preset does not run it.
add_test(NAME analysis.venv COMMAND ${CMAKE_SOURCE_DIR}/scalekit pyenv)
set_tests_properties(analysis.venv PROPERTIES LABELS analysis TIMEOUT 600
                     FIXTURES_SETUP analysis_venv RESOURCE_LOCK analysis_venv)
add_test(NAME analysis.pytest
         COMMAND ${CMAKE_SOURCE_DIR}/.venv/bin/python -m pytest -q -p no:cacheprovider
                 -W ignore::DeprecationWarning ${CMAKE_SOURCE_DIR}/tests/analysis
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(analysis.pytest PROPERTIES LABELS analysis TIMEOUT 600
                     FIXTURES_REQUIRED analysis_venv
                     ENVIRONMENT "SCALEKIT_BINDIR=$<TARGET_FILE_DIR:scalekit-seq>;SCALEKIT_MPIEXEC=${MPIEXEC_EXECUTABLE}")
