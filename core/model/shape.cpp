#include "model/shape.h"

namespace warp {

std::string shape_of(const torch::Tensor& t) {
  if (!t.defined()) return "(undefined)";
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

}  // namespace warp
