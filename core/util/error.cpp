#include "util/error.h"

namespace warp {

std::string file_message(const std::string& path, const std::string& what) { return path + ": " + what; }

}  // namespace warp
