#pragma once
// The fuzz input as a file: the readers under test take paths (they stat, open, pread; HDF5 opens by
// name). One memfd per process, refilled for every input; its name is /proc/self/fd/N.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace warp::fuzz {

inline const std::string& input_file(const uint8_t* data, size_t size) {
  static int fd = ::memfd_create("warp-fuzz-input", 0);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0 || ::ftruncate(fd, 0) != 0) std::abort();
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (n <= 0) std::abort();
    done += static_cast<size_t>(n);
  }
  return path;
}

}  // namespace warp::fuzz
