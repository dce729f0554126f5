#include "store/tensor_desc.h"

#include "util/error.h"

namespace warp {

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

bool checked_nbytes(const std::vector<int64_t>& shape, int64_t element_size, int64_t* numel, int64_t* nbytes) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return false;
    if (__builtin_mul_overflow(n, d, &n)) return false;
  }
  int64_t b = 0;
  if (__builtin_mul_overflow(n, element_size, &b)) return false;
  *numel = n;
  *nbytes = b;
  return true;
}

void check_tensor_name(const std::string& name, const std::string& where) {
  auto fail = [&](const std::string& why) { throw Error(where + ": tensor name '" + name + "' " + why); };
  if (name.empty()) throw Error(where + ": empty tensor name");
  if (name.size() > 1024) fail("is longer than 1024 bytes");
  if (name == "." || name == "..") fail("is reserved");
  for (unsigned char ch : name) {
    if (ch == '/') fail("contains '/'");
    if (ch < 0x20 || ch == 0x7f) fail("contains a control character");
  }
}

}  // namespace warp
