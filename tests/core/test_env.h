#pragma once
// Paths the tests need (the source tree, the build tree, the built executables) come from the
// environment CTest gives every test (WARP_TEST_PATHS in cmake/WarpHelpers.cmake), not from compile
// definitions: a definition holding an absolute path changes the compiler's command line with the
// folder of the clone, so a clean clone in another folder missed ccache for every test file.
//
//   WARP_SOURCE_DIR  the source tree        WARP_EXE       the built `warp` CLI
//   WARP_BINARY_DIR  the build tree         WARP_PLOT_EXE  the built `warp-plot` (GUI builds only)
//
// Run by hand, a test needs them set as ctest sets them (`ctest -R NAME -V` prints them).

#include <cstdio>
#include <cstdlib>
#include <string>

namespace warp::test {

// The value of the environment variable `name`; a test started without it (not through ctest)
// ends at once with exit status 2 and a line saying which variable is missing: never a silent skip.
inline std::string env_path(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    std::fprintf(stderr, "%s is not set: run this test through ctest, which sets it (ctest -V shows the value)\n",
                 name);
    std::exit(2);
  }
  return value;
}

// Whether `name` is set (for the optional WARP_PLOT_EXE).
inline bool env_has(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0';
}

// How many times longer a test waits for work done by processes it starts: 4 in a sanitizer build
// (ASan + UBSan make a `warp train` step several times slower: 0.53 s a step at the size of
// test_run_control), 1 otherwise. Deadlines scale by it; a test whose run must merely last long
// enough (to be stopped while running) may ask for that many times fewer steps.
inline int wait_scale() {
#ifdef __SANITIZE_ADDRESS__  // GCC defines it under -fsanitize=address (CI's build: address,undefined)
  return 4;
#else
  return 1;
#endif
}

}  // namespace warp::test
