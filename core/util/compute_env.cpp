#include "util/compute_env.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace warp {

void ensure_compute_env(char** argv) {
  static const char* const kSettings[][2] = {
      {"OMP_WAIT_POLICY", "PASSIVE"},
      {"MALLOC_MMAP_THRESHOLD_", "33554432"},   // glibc's ceiling on 64-bit: 32 MiB
      {"MALLOC_TRIM_THRESHOLD_", "268435456"},  // keep up to 256 MiB of freed heap for the next batch
  };
  bool changed = false;
  for (const auto& [name, value] : kSettings) {
    if (std::getenv(name)) continue;
    ::setenv(name, value, 1);
    changed = true;
  }
  if (!changed) return;
  ::execv("/proc/self/exe", argv);
  std::perror("warning: re-executing with the compute settings (OMP_WAIT_POLICY, MALLOC_*) failed; going on without");
}

}  // namespace warp
