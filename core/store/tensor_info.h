#pragma once
// Named tensors as the storage formats see them, LibTorch side: a name, a torch dtype, a shape and
// a byte size.
//
// Checkpoints (HDF5), safetensors files and Hugging Face exports all store an ordered list of named
// tensors. This file holds what they share on the LibTorch side: the NamedTensors list, the
// description of one stored tensor with its torch::Dtype (TensorInfo), torch dtype names and element
// sizes, and the conversions to the LibTorch-free description (store/tensor_desc.h: StoreDtype,
// TensorDesc, shape_string, checked_nbytes, check_tensor_name), which the HDF5 checkpoint layer and
// warp-h5check use.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "store/dtype.h"
#include "store/tensor_desc.h"

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

// The store dtype of a torch dtype; false for a dtype that cannot be stored.
bool to_store_dtype(torch::Dtype dtype, StoreDtype* out);
torch::Dtype to_torch_dtype(StoreDtype dtype);
// The same description with the other dtype type. tensor_desc_of throws Error for a dtype that
// cannot be stored.
TensorInfo tensor_info_of(const TensorDesc& desc);
TensorDesc tensor_desc_of(const TensorInfo& info);

std::vector<int64_t> tensor_shape(const torch::Tensor& t);

// Fills a TensorInfo for a tensor about to be stored; throws Error naming `where` and the tensor
// for an undefined tensor or a dtype that cannot be stored.
TensorInfo describe_tensor(const std::string& name, const torch::Tensor& t, const std::string& where);

// Number of NaN / Inf elements of a floating-point tensor (0 for other dtypes).
int64_t count_non_finite(const torch::Tensor& t);
// Throws BadInput "<where>: tensor 'x' has N non-finite values (NaN or Inf)" for a floating-point
// tensor with NaN or Inf; other dtypes pass.
void check_all_finite(const std::string& name, const torch::Tensor& t, const std::string& where);

}  // namespace warp
