#include "util/omp_env.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace warp {

void ensure_passive_omp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY")) return;
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  ::execv("/proc/self/exe", argv);
  std::perror("warning: re-executing with OMP_WAIT_POLICY=PASSIVE failed; going on with the default policy");
}

}  // namespace warp
