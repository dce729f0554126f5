#pragma once
// The element types the storage formats accept, without LibTorch.
//
// Checkpoints (HDF5), safetensors files and Hugging Face exports store tensors of ten dtypes. The
// HDF5 checkpoint layer (store/checkpoint_file.h) and the out-of-process validator warp-h5check use
// this enum so that they build and run without LibTorch; store/tensor_info.h converts it to and from
// torch::Dtype for the code that builds tensors.

#include <cstdint>
#include <string>

namespace warp {

enum class StoreDtype { Float32, Float64, Float16, BFloat16, Int64, Int32, Int16, Int8, UInt8, Bool };

constexpr StoreDtype kStoreDtypes[] = {
    StoreDtype::Float32, StoreDtype::Float64, StoreDtype::Float16, StoreDtype::BFloat16, StoreDtype::Int64,
    StoreDtype::Int32,   StoreDtype::Int16,   StoreDtype::Int8,    StoreDtype::UInt8,    StoreDtype::Bool};

// "float32", "bfloat16", "int64", ... (for messages and the warp_dtype attribute).
std::string dtype_name(StoreDtype dtype);
// Inverse of dtype_name; false for any other name.
bool dtype_from_name(const std::string& name, StoreDtype* out);
// Bytes per element: 4, 8, 2, 2, 8, 4, 2, 1, 1, 1.
int64_t dtype_size(StoreDtype dtype);

}  // namespace warp
