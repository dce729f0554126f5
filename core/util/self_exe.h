#pragma once
// The path of the running executable (readlink of /proc/self/exe): how warp finds the programs
// installed beside it (warp-h5check, share/warp-studio/...) and starts itself again (the workers of
// `warp run`, the runs of `warp replicate`). Linux only, like the rest of warp.

#include <string>

namespace warp {

// The absolute path of this process's executable; "" when it cannot be read (each caller decides
// whether that is an error, and says what it was looking for).
std::string self_executable();

}  // namespace warp
