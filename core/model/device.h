#pragma once
// Device selection: "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N".

#include <string>

#include <torch/types.h>

namespace warp {

// Throws BadInput naming the value for an unknown spec or CUDA asked for but absent.
torch::Device parse_device(const std::string& spec);

// Sets LibTorch's intra-op threads (n <= 0: leave the default).
void set_compute_threads(int n);

}  // namespace warp
