#pragma once
// Small configs and helpers shared by the model tests.

#include <cstdint>
#include <random>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "model/gpt.h"
#include "tiny_gpt.h"

namespace warp::test {

// The tiny config of the model tests: n_layer=2, n_head=2, n_embd=16, n_ctx=32, V=50.
inline GPTConfig tiny_config() { return tiny_gpt_config(50, 32); }

// A model whose every parameter is random (LayerNorm and biases too, so every path matters), with
// logits spread enough that distributions are far from uniform (wte ~ N(0, 0.5)).
inline GPT random_model(const GPTConfig& c, uint64_t seed, torch::Dtype dtype = torch::kFloat32) {
  GPT m(c, seed);
  m->to(dtype);
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(seed + 1000);
  for (auto& item : m->named_parameters()) {
    auto& p = item.value();
    const auto& name = item.key();
    if (name == "wte.weight") p.normal_(0.0, 0.5, gen);
    else if (name.find("ln_") != std::string::npos && name.size() > 7 && name.substr(name.size() - 7) == ".weight")
      p.normal_(1.0, 0.2, gen);
    else if (name.size() > 5 && name.substr(name.size() - 5) == ".bias") p.normal_(0.0, 0.1, gen);
    else p.normal_(0.0, 0.3, gen);
  }
  m->eval();
  return m;
}

inline std::vector<int64_t> random_tokens(int64_t n, int64_t V, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int64_t> t(static_cast<size_t>(n));
  for (auto& x : t) x = static_cast<int64_t>(rng() % static_cast<uint64_t>(V));
  return t;
}

inline torch::Tensor to_row(const std::vector<int64_t>& ids) {
  return torch::tensor(ids, torch::kLong).unsqueeze(0);  // [1, T]
}

}  // namespace warp::test
