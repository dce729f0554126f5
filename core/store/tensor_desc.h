#pragma once
// A stored tensor described without LibTorch: name, store dtype, shape and byte size, plus the
// shape, size and name rules that every storage format applies.
//
// The HDF5 checkpoint layer (store/checkpoint_file.h) and warp-h5check work on TensorDesc;
// store/tensor_info.h (LibTorch) describes the same tensors with a torch::Dtype as TensorInfo and
// converts between the two.

#include <cstdint>
#include <string>
#include <vector>

#include "store/dtype.h"

namespace warp {

struct TensorDesc {
  std::string name;
  StoreDtype dtype = StoreDtype::Float32;
  std::vector<int64_t> shape;
  int64_t numel = 0;   // product of shape (1 for a scalar)
  int64_t nbytes = 0;  // numel * element size
};

// "[48,16]"
std::string shape_string(const std::vector<int64_t>& shape);

// numel * element size of a shape, with overflow checks; false when a dimension is negative or
// the product does not fit in int64 (the caller reports the error with its own context).
bool checked_nbytes(const std::vector<int64_t>& shape, int64_t element_size, int64_t* numel, int64_t* nbytes);

// Throws Error unless `name` is usable as a stored tensor name: non-empty, at most 1024 bytes,
// no '/', no NUL or other control characters, not "." or "..". `where` prefixes the message.
void check_tensor_name(const std::string& name, const std::string& where);

}  // namespace warp
