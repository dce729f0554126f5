#include "store/gpt_checkpoint.h"

#include <map>

#include <torch/torch.h>

#include "store/checkpoint_h5.h"
#include "util/error.h"

namespace warp {

NamedTensors named_params(const torch::nn::Module& module) {
  NamedTensors out;
  for (const auto& item : module.named_parameters()) out.emplace_back(item.key(), item.value());
  return out;
}

void copy_named_params(const NamedTensors& dst, const NamedTensors& src, const std::string& where,
                       const std::string& src_prefix) {
  std::map<std::string, const torch::Tensor*> by_name;
  for (const auto& [name, t] : src) by_name.emplace(name, &t);
  torch::NoGradGuard no_grad;
  for (const auto& [name, t] : dst) {
    auto it = by_name.find(src_prefix + name);
    if (it == by_name.end()) throw BadInput(where + ": tensor '" + src_prefix + name + "' is missing");
    const torch::Tensor& s = *it->second;
    if (!s.defined() || !s.sizes().equals(t.sizes()) || s.scalar_type() != t.scalar_type())
      throw BadInput(where + ": tensor '" + src_prefix + name + "' does not match the model's shape or dtype");
    t.copy_(s);
  }
}

GPT load_policy(const std::string& path, torch::Device device, const GPTConfig* expected) {
  GptCheckpoint ck = load_gpt_params(path, expected);
  GPT model(ck.config);
  copy_named_params(named_params(*model), ck.params, path);
  model->to(device);
  model->eval();
  return model;
}

}  // namespace warp
