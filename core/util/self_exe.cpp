#include "util/self_exe.h"

#include <unistd.h>

#include <vector>

namespace warp {

std::string self_executable() {
  // readlink does not say whether it truncated: grow the buffer until the path fits.
  for (size_t size = 4096; size <= (size_t{1} << 20); size *= 4) {
    std::vector<char> buf(size);
    const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size());
    if (n <= 0) return "";
    if (static_cast<size_t>(n) < buf.size()) return std::string(buf.data(), static_cast<size_t>(n));
  }
  return "";
}

}  // namespace warp
