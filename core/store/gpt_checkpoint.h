#pragma once
// A GPT model and checkpoint tensors: a module's parameters as named tensors, named tensors copied
// into them, and a policy loaded from a checkpoint file (store/checkpoint_h5.h).
//
// Every place that fills a model from checkpoint tensors (evaluation, SFT and RL resume, the
// reward model and its trainer, `warp sample`) goes through copy_named_params, so a name, shape or
// dtype that does not match fails the same way everywhere.

#include <string>

#include <torch/nn/module.h>
#include <torch/types.h>

#include "model/gpt.h"
#include "model/gpt_config.h"
#include "store/tensor_info.h"

namespace warp {

// The module's parameters (named_parameters(), registration order), sharing storage with it.
NamedTensors named_params(const torch::nn::Module& module);

// Copies into each tensor (name, t) of `dst` (e.g. named_params(module), which shares the module's
// storage) the tensor named src_prefix + name in `src`, under NoGradGuard; copy_ moves it to t's
// device. `src` may hold more tensors than `dst` (e.g. a reward model's head when filling its
// trunk, or a resumable checkpoint's other state). BadInput "<where>: tensor 'x' is missing" or
// "... does not match the model's shape or dtype" for the first tensor that fails.
void copy_named_params(const NamedTensors& dst, const NamedTensors& src, const std::string& where,
                       const std::string& src_prefix = "");

// A GPT policy from a checkpoint (load_gpt_params: validated names, shapes, dtype, finite values;
// with `expected`, the model config must match), on `device`, in eval mode.
GPT load_policy(const std::string& path, torch::Device device, const GPTConfig* expected = nullptr);

}  // namespace warp
