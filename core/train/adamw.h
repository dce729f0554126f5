#pragma once
// AdamW (Loshchilov & Hutter) over named parameters, with a state that saves to and restores from
// checkpoints by name, so a resumed run continues bit for bit.
//
//   m ← β1·m + (1−β1)·g          v ← β2·v + (1−β2)·g²
//   m̂ = m / (1−β1^t)             v̂ = v / (1−β2^t)
//   θ ← θ − lr·wd·θ  (decoupled decay, only where decay applies)
//   θ ← θ − lr · m̂ / (√v̂ + ε)
// Same update as torch.optim.AdamW (checked against it in tests/core/train).
//
// Kernel launches: on the CPU the update loops over the tensors (one op each, which is the faster
// way there); on a GPU it issues the same arithmetic as multi-tensor `_foreach` ops, a handful of
// launches for all parameters instead of ~6 per tensor (docs/gpu.md). Both issue the same sequence of
// elementwise operations, so on the CPU the two are bit for bit equal (tests/core/train/test_optim).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

namespace warp {

// How an update over many tensors is issued: `automatic` = multi-tensor on a non-CPU device,
// per tensor on the CPU. The explicit values exist for tests and benchmarks.
enum class TensorLoop { automatic, per_tensor, multi_tensor };

// True when `loop` resolves to multi-tensor ops for tensors on `device`.
bool use_multi_tensor(TensorLoop loop, const torch::Device& device);

struct AdamWConfig {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.95;
  double eps = 1e-8;
  double weight_decay = 0.0;  // applied to parameters with dim >= 2 (matrices, embeddings), not biases/LN
  TensorLoop loop = TensorLoop::automatic;
  void validate() const;  // BadInput naming the field
};

class AdamW {
 public:
  using Named = std::vector<std::pair<std::string, torch::Tensor>>;
  AdamW(Named params, AdamWConfig config);

  // One update with the current gradients (parameters without a gradient are skipped) at rate lr.
  void step(double lr);
  void zero_grad();
  int64_t steps() const { return step_; }
  const AdamWConfig& config() const { return config_; }

  // State as named tensors: "adamw.step" (int64 scalar), "adamw.m.<param>", "adamw.v.<param>".
  Named state() const;
  // Restores a state saved by state(); BadInput naming the tensor when one is missing or misshapen.
  void load_state(const Named& state, const std::string& where);

 private:
  void step_per_tensor(double lr, double step_size, double bc2_sqrt);
  void step_multi_tensor(double lr, double step_size, double bc2_sqrt);

  Named params_;
  std::vector<torch::Tensor> m_, v_;
  std::vector<bool> decay_;
  AdamWConfig config_;
  int64_t step_ = 0;
};

// L2 norm of all gradients together; scales them to max_norm when above it. Returns the norm
// before clipping (a 0-dim tensor, no host sync).
torch::Tensor clip_grad_norm(const AdamW::Named& params, double max_norm);

}  // namespace warp
