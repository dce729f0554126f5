#pragma once
// The parameter names and shapes of the GPT policy, in the engine's own (PyTorch nn.Linear) layout.
// Checkpoints store exactly these tensors; loaders validate against this list.
//
//   wte.weight                [V, C]    token embedding (also the tied LM head)
//   wpe.weight                [n_ctx, C]
//   h.N.ln_1.weight/bias      [C]
//   h.N.attn.c_attn.weight    [3C, C]   (out, in) as nn::Linear; rows are q | k | v
//   h.N.attn.c_attn.bias      [3C]
//   h.N.attn.c_proj.weight    [C, C]
//   h.N.attn.c_proj.bias      [C]
//   h.N.ln_2.weight/bias      [C]
//   h.N.mlp.c_fc.weight       [4C, C]
//   h.N.mlp.c_fc.bias         [4C]
//   h.N.mlp.c_proj.weight     [C, 4C]
//   h.N.mlp.c_proj.bias       [C]
//   ln_f.weight/bias          [C]
// Hugging Face GPT-2 uses Conv1D, whose weights are the transpose ([in, out]); see store/hf_gpt2.

#include <cstdint>
#include <string>
#include <vector>

#include "model/gpt_config.h"

namespace warp {

struct ParamSpec {
  std::string name;
  std::vector<int64_t> shape;
};

// In registration order (the order named_parameters() of the GPT module yields).
std::vector<ParamSpec> gpt_param_specs(const GPTConfig& c);

}  // namespace warp
