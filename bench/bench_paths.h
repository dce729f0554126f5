#pragma once
// Where a benchmark finds its helpers: the folder of its own executable (/proc/self/exe). The build
// copies each benchmark's peer scripts beside it (configure_file in its CMakeLists.txt), so the
// object files hold no path of the source tree and a clean clone in another folder is served from
// ccache; the benchmark still runs from wherever the build folder is.

#include <unistd.h>

#include <stdexcept>
#include <string>

namespace warp::bench {

// The folder holding the running executable, e.g. "<build>/bench/model".
inline std::string executable_dir() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("cannot find this benchmark's own path (/proc/self/exe)");
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

}  // namespace warp::bench
