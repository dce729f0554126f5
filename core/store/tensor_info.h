#pragma once
// Named tensors as the storage formats see them: a name, a dtype, a shape and a byte size.
//
// Checkpoints (HDF5), safetensors files and Hugging Face exports all store an ordered list of named
// tensors. This file holds what they share: the NamedTensors list, the description of one stored
// tensor (TensorInfo), dtype names and element sizes, overflow-checked size arithmetic and the
// rules for tensor names.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

namespace warp {

// Tensors in a fixed order, e.g. the parameters of a model in gpt_param_specs() order.
using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// A stored tensor, described without reading its data.
struct TensorInfo {
  std::string name;
  torch::Dtype dtype = torch::kFloat32;
  std::vector<int64_t> shape;
  int64_t numel = 0;   // product of shape (1 for a scalar)
  int64_t nbytes = 0;  // numel * element size
};

// The dtypes the storage formats accept: float32, float64, float16, bfloat16, int64, int32, int16,
// int8, uint8, bool.
bool is_storable_dtype(torch::Dtype dtype);
// "float32", "bfloat16", "int64", ... (for messages and attributes); "dtype(N)" for others.
std::string dtype_name(torch::Dtype dtype);
// Inverse of dtype_name for the storable dtypes; false for anything else.
bool dtype_from_name(const std::string& name, torch::Dtype* out);
// Bytes per element of a storable dtype.
int64_t dtype_size(torch::Dtype dtype);

// "[48,16]"
std::string shape_string(const std::vector<int64_t>& shape);
std::vector<int64_t> tensor_shape(const torch::Tensor& t);

// numel * element size of a shape, with overflow checks; false when a dimension is negative or
// the product does not fit in int64 (the caller reports the error with its own context).
bool checked_nbytes(const std::vector<int64_t>& shape, int64_t element_size, int64_t* numel, int64_t* nbytes);

// Throws Error unless `name` is usable as a stored tensor name: non-empty, at most 1024 bytes,
// no '/', no NUL or other control characters, not "." or "..". `where` prefixes the message.
void check_tensor_name(const std::string& name, const std::string& where);

// Fills a TensorInfo for a tensor about to be stored; throws Error naming `where` and the tensor
// for an undefined tensor or a dtype that cannot be stored.
TensorInfo describe_tensor(const std::string& name, const torch::Tensor& t, const std::string& where);

// Number of NaN / Inf elements of a floating-point tensor (0 for other dtypes).
int64_t count_non_finite(const torch::Tensor& t);
// Throws BadInput "<where>: tensor 'x' has N non-finite values (NaN or Inf)" for a floating-point
// tensor with NaN or Inf; other dtypes pass.
void check_all_finite(const std::string& name, const torch::Tensor& t, const std::string& where);

}  // namespace warp
