#pragma once
// The groups of a layer SLERP (MergeGranularity::Layer, merge_methods.h): which parameter tensors
// share one angle Ω. Names follow the engine's GPT-2 layout (model/gpt_params.h), optionally under a
// prefix ending in '.' (e.g. a reward model's body):
//
//   tensor name                          group
//   wte.weight, wpe.weight               "embeddings"   (token and position embeddings together)
//   h.N.<anything>                       "h.N"          (transformer block N: ln_1, attn, ln_2, mlp)
//   ln_f.weight, ln_f.bias               "ln_f"         (the final layer norm)
//   P.wte.weight, P.h.N.x, P.ln_f.bias   "P.embeddings", "P.h.N", "P.ln_f"
//   anything else                        the tensor's own name (a group of one: per tensor)

#include <cstddef>
#include <string>
#include <vector>

namespace warp {

// The layer group of one parameter tensor (table above).
std::string layer_group_of(const std::string& tensor_name);

struct LayerGroup {
  std::string name;
  std::vector<size_t> members;  // indices into the names given, ascending
};

// The groups of `names`, in the order of each group's first tensor.
std::vector<LayerGroup> layer_groups(const std::vector<std::string>& names);

}  // namespace warp
