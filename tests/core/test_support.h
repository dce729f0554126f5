#pragma once
// Helpers shared by the core tests: a fresh scratch folder per test.

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "util/fsutil.h"

namespace warp::test {

// A new empty folder under $WARP_TEST_TMP (set by CTest) or /tmp, unique to this process and name.
inline std::string scratch_dir(const std::string& name) {
  const char* base = std::getenv("WARP_TEST_TMP");
  std::string dir = std::string(base ? base : "/tmp/warp-test") + "/" + name + "-" + std::to_string(::getpid());
  std::string cmd = "rm -rf '" + dir + "'";
  if (std::system(cmd.c_str()) != 0) {}
  make_dirs(dir);
  return dir;
}

}  // namespace warp::test
