#pragma once
// The shape of a tensor as error messages print it: "[2, 16, 50]", "[]" for a scalar,
// "(undefined)" for an undefined tensor. (Stored tensors, described by store/tensor_info.h without
// their data, print as shape_string's "[2,16,50]".)

#include <string>

#include <torch/types.h>

namespace warp {

std::string shape_of(const torch::Tensor& t);

}  // namespace warp
