# The settings of core/util/compute_env.h, given to the tests so that each `warp` they start does not
# re-execute itself to get them.
set(WARP_COMPUTE_ENV "OMP_WAIT_POLICY=PASSIVE;MALLOC_MMAP_THRESHOLD_=33554432;MALLOC_TRIM_THRESHOLD_=268435456")

# Helpers shared by all CMakeLists of the project.

# The paths every test may need, given through its environment (tests/core/test_env.h reads them)
# rather than compile definitions, so that the tests' objects do not depend on the clone's folder
# and a clean clone elsewhere is served from ccache. WARP_PLOT_EXE is added where warp-plot is built.
set(WARP_TEST_PATHS "WARP_SOURCE_DIR=${PROJECT_SOURCE_DIR};WARP_BINARY_DIR=${PROJECT_BINARY_DIR};WARP_EXE=${PROJECT_BINARY_DIR}/app/warp;WARP_H5CHECK=${PROJECT_BINARY_DIR}/app/warp-h5check")
if(WARP_BUILD_GUI)
  list(APPEND WARP_TEST_PATHS "WARP_PLOT_EXE=${PROJECT_BINARY_DIR}/app/warp-plot")
endif()

# warp_warnings(target): the project's warning flags, the one place they are spelled.
function(warp_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()

# One PCH of the LibTorch headers, built once and reused by every target that includes them
# (REUSE_FROM needs identical compile flags, which warp_torch_target() guarantees).
function(warp_torch_target target)
  target_link_libraries(${target} PUBLIC "${TORCH_LIBRARIES}")
  warp_warnings(${target})
  if(WARP_PCH)
    if(TARGET warp_torch_pch AND NOT target STREQUAL "warp_torch_pch")
      target_precompile_headers(${target} REUSE_FROM warp_torch_pch)
    else()
      target_precompile_headers(${target} PRIVATE <torch/torch.h>)
    endif()
  endif()
endfunction()

# warp_core_module(NAME SOURCES a.cpp b.cpp [TORCH] [DEPS lib...])
# Each concept folder of core/ is its own static library, so parts build and test on their own.
function(warp_core_module name)
  cmake_parse_arguments(M "TORCH" "" "SOURCES;DEPS" ${ARGN})
  add_library(warp_${name} STATIC ${M_SOURCES})
  set_property(GLOBAL APPEND PROPERTY WARP_CORE_TARGETS warp_${name})
  target_include_directories(warp_${name} PUBLIC "${PROJECT_SOURCE_DIR}/core")
  target_compile_features(warp_${name} PUBLIC cxx_std_17)
  if(M_DEPS)
    target_link_libraries(warp_${name} PUBLIC ${M_DEPS})
  endif()
  if(M_TORCH)
    warp_torch_target(warp_${name})
  else()
    warp_warnings(warp_${name})
  endif()
endfunction()

# warp_core_test(NAME SOURCES a.cpp [LIBS lib...] [LABELS core;slow] [ARGS arg...] [TORCH])
# Core tests use GoogleTest: core/ must build and test on a server with no Qt (WARP_BUILD_GUI=OFF).
function(warp_core_test name)
  cmake_parse_arguments(T "TORCH" "TIMEOUT" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}/tests/core")
  if(T_TORCH)
    warp_torch_target(${name})
  else()
    warp_warnings(${name})
  endif()
  if(NOT T_LABELS)
    set(T_LABELS core)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND ${name} ${T_ARGS})
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "WARP_TEST_TMP=${PROJECT_BINARY_DIR}/test-tmp;OMP_NUM_THREADS=1;${WARP_COMPUTE_ENV};${WARP_TEST_PATHS}")
  if(T_TORCH)
    warp_needs_h5check(${name})  # the LibTorch tests read checkpoints; the others build without it
  endif()
endfunction()

# Test executables run outside build/app/, so the out-of-process .h5 validator (app/h5check) is named
# by WARP_H5CHECK in their environment and built before those that read checkpoints.
function(warp_needs_h5check name)
  if(TARGET warp-h5check)
    add_dependencies(${name} warp-h5check)
  endif()
endfunction()

# warp_gui_test(NAME SOURCES a.cpp [LIBS lib...] [DEFINITIONS D=v...] [DEPENDS target...] [TIMEOUT s])
# GUI tests use Qt Test (one test class per executable), link warp_widgets, and run headless
# (QT_QPA_PLATFORM=offscreen) with the CTest label gui.
function(warp_gui_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;DEFINITIONS;DEPENDS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  set_target_properties(${name} PROPERTIES AUTOMOC ON)
  target_link_libraries(${name} PRIVATE warp_widgets Qt6::Test ${T_LIBS})
  target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}/tests/core")  # test_env.h
  warp_warnings(${name})
  if(T_DEFINITIONS)
    target_compile_definitions(${name} PRIVATE ${T_DEFINITIONS})
  endif()
  if(T_DEPENDS)
    add_dependencies(${name} ${T_DEPENDS})
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  if(WARP_SANITIZE)  # the tests' own deadlines are 4 times longer there too (test_env.h wait_scale)
    math(EXPR T_TIMEOUT "${T_TIMEOUT} * 4")
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_property(GLOBAL APPEND PROPERTY WARP_GUI_TESTS ${name})  # the gui_tests target, tests/gui
  set_tests_properties(${name} PROPERTIES LABELS gui TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "QT_QPA_PLATFORM=offscreen;WARP_TEST_TMP=${PROJECT_BINARY_DIR}/test-tmp;${WARP_COMPUTE_ENV};${WARP_TEST_PATHS}")
  warp_needs_h5check(${name})
endfunction()
