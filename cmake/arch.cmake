# arch.cmake - which instruction set the build targets (SCALEKIT_ARCH).
#
#   native     the CPU of the machine that builds (gcc/clang -march=native): fastest,
#              but the binaries may not start on an older or different CPU
#   generic    the compiler's default target (x86-64: SSE2 only): runs anywhere
#   other      passed on as -march=VALUE, e.g. x86-64-v3 (AVX2, FMA: Haswell/Zen
#              and newer), x86-64-v4 (AVX-512), skylake-avx512, znver3
#
# Sets SCALEKIT_ARCH_FLAGS (compile options for every scalekit target except
# the ISA check), SCALEKIT_ARCH_TEXT (recorded as provenance "arch", e.g.
# "native (cascadelake)") and SCALEKIT_ARCH_NEEDS (the x86 features the flags
# let the compiler use, as -DSK_NEED_<FEATURE> definitions for
# drivers/archcheck.c, which refuses to start on a CPU that lacks one).
include(CheckCCompilerFlag)

set(SCALEKIT_ARCH "native" CACHE STRING
    "Instruction set to build for: native (this machine's CPU), generic, or any -march value such as x86-64-v3")

set(SCALEKIT_ARCH_FLAGS "")
if(SCALEKIT_ARCH STREQUAL "generic")
  set(SCALEKIT_ARCH_TEXT "generic")
else()
  set(flag "-march=${SCALEKIT_ARCH}")
  string(MAKE_C_IDENTIFIER "SCALEKIT_HAVE_MARCH_${SCALEKIT_ARCH}" have_var)
  check_c_compiler_flag("${flag}" ${have_var})
  if(NOT ${have_var})
    message(FATAL_ERROR
      "SCALEKIT_ARCH=${SCALEKIT_ARCH}: ${CMAKE_C_COMPILER_ID} does not accept ${flag}. "
      "Use -DSCALEKIT_ARCH=native, generic, or an -march value this compiler knows.")
  endif()
  set(SCALEKIT_ARCH_FLAGS "${flag}")
  set(SCALEKIT_ARCH_TEXT "${SCALEKIT_ARCH}")
  if(SCALEKIT_ARCH STREQUAL "native" AND CMAKE_C_COMPILER_ID STREQUAL "GNU")
    # Record what "native" meant on the build machine, e.g. cascadelake.
    execute_process(COMMAND ${CMAKE_C_COMPILER} -march=native -Q --help=target
                    OUTPUT_VARIABLE target_help ERROR_QUIET)
    if(target_help MATCHES "-march=[ \t]+([A-Za-z0-9_.-]+)")
      set(SCALEKIT_ARCH_TEXT "native (${CMAKE_MATCH_1})")
    endif()
  endif()
endif()

# The x86 features the compiler may now use: its predefined macros under the
# flags. Only features __builtin_cpu_supports() can test are listed.
set(SCALEKIT_ARCH_NEEDS "")
set(features SSE3 SSSE3 SSE4_1 SSE4_2 POPCNT AVX AVX2 FMA BMI BMI2 AVX512F AVX512CD AVX512VL
    AVX512BW AVX512DQ AVX512VNNI AVX512IFMA AVX512VBMI AVX512VBMI2 AVX512BITALG
    AVX512VPOPCNTDQ AVX512BF16)
set(probe "${CMAKE_BINARY_DIR}/generated/arch_probe.c")
file(WRITE "${probe}" "int scalekit_arch_probe;\n")
separate_arguments(probe_flags UNIX_COMMAND "${CMAKE_C_FLAGS} ${SCALEKIT_ARCH_FLAGS}")
execute_process(COMMAND ${CMAKE_C_COMPILER} ${probe_flags} -dM -E "${probe}"
                OUTPUT_VARIABLE macros ERROR_QUIET RESULT_VARIABLE probe_rc)
if(probe_rc EQUAL 0 AND macros MATCHES "__x86_64__")
  foreach(f IN LISTS features)
    if(macros MATCHES "#define __${f}__ 1")
      list(APPEND SCALEKIT_ARCH_NEEDS "SK_NEED_${f}")
    endif()
  endforeach()
  if(SCALEKIT_ARCH_NEEDS)
    list(APPEND SCALEKIT_ARCH_NEEDS SK_NEED_ANY)
  endif()
endif()
message(STATUS "scalekit: building for ${SCALEKIT_ARCH_TEXT} (${SCALEKIT_ARCH_FLAGS})")
