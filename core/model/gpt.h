#pragma once
// The GPT-2-architecture policy: token + learned position embeddings, pre-LayerNorm blocks of
// causal multi-head self-attention and a GELU MLP, final LayerNorm, LM head tied to wte.
//
// Dimension legend:
//   B batch, T new tokens in this pass, L tokens already in the KV cache, Lk = L + T keys,
//   C channels (n_embd), H heads, hs head size (C / H), V vocab.
//
// Parameter names, shapes and order are exactly gpt_param_specs(config) (model/gpt_params.h):
// submodules wte, wpe, h (ModuleList of blocks: ln_1, attn{c_attn, c_proj}, ln_2, mlp{c_fc, c_proj}),
// ln_f. The MLP uses GPT-2's tanh GELU ("gelu_new"): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
//
// Padding and positions: rows of a batch may be left-padded. The caller passes position ids
// (0 at each row's first real token) and a key mask (false at padding). Real tokens never attend
// to padding; a padding query attends to itself only (its output is meaningless but finite).

#include <cstdint>

#include <torch/nn/cloneable.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "model/gpt_config.h"
#include "model/kv_cache.h"
#include "model/log_probs.h"  // token_log_probs, lm_loss

namespace warp {

// Causal multi-head self-attention; c_attn rows are q | k | v.
class CausalSelfAttentionImpl : public torch::nn::Cloneable<CausalSelfAttentionImpl> {
 public:
  explicit CausalSelfAttentionImpl(const GPTConfig& config);
  void reset() override;
  // x [B, T, C]; bias [B or 1, 1, T, Lk] additive mask (0 or -inf); cache may be null (then Lk = T).
  // Returns [B, T, C].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& bias, KVCache* cache, int64_t layer);

  torch::nn::Linear c_attn{nullptr}, c_proj{nullptr};
  torch::nn::Dropout attn_drop{nullptr}, resid_drop{nullptr};

 private:
  GPTConfig config_;
};
TORCH_MODULE(CausalSelfAttention);

class MLPImpl : public torch::nn::Cloneable<MLPImpl> {
 public:
  explicit MLPImpl(const GPTConfig& config);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);  // [B, T, C] -> [B, T, C]

  torch::nn::Linear c_fc{nullptr}, c_proj{nullptr};
  torch::nn::Dropout drop{nullptr};

 private:
  GPTConfig config_;
};
TORCH_MODULE(MLP);

class BlockImpl : public torch::nn::Cloneable<BlockImpl> {
 public:
  explicit BlockImpl(const GPTConfig& config);
  void reset() override;
  // x + attn(ln_1(x)), then + mlp(ln_2(.)); shapes as CausalSelfAttentionImpl::forward.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& bias, KVCache* cache, int64_t layer);

  torch::nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
  CausalSelfAttention attn{nullptr};
  MLP mlp{nullptr};

 private:
  GPTConfig config_;
};
TORCH_MODULE(Block);

class GPTImpl : public torch::nn::Cloneable<GPTImpl> {
 public:
  // Builds the modules on the CPU in float32 with GPT-2's initialisation drawn from a generator
  // seeded with `seed`: weights N(0, 0.02), c_proj weights N(0, 0.02 / sqrt(2 n_layer)), biases 0,
  // LayerNorm weight 1 / bias 0. Throws BadInput for an invalid config. Move with ->to(device).
  explicit GPTImpl(const GPTConfig& config, uint64_t seed = 0);
  // Recreates the modules and draws the initial weights again (from the constructor's seed).
  void reset() override;

  const GPTConfig& config() const { return config_; }

  // idx [B, T] int64 with T <= n_ctx, positions 0..T-1, no padding, no cache -> logits [B, T, V].
  torch::Tensor forward(const torch::Tensor& idx);

  // The general entry (sampling, RL, reward model). Returns the final hidden states after ln_f,
  // [B, T, C].
  //   idx       [B, T] int64 token ids (padding slots may hold any valid id)
  //   pos       [B, T] int64 position ids in [0, n_ctx) (padding: any valid position, e.g. 0);
  //             or [1, T], shared by all rows
  //   key_mask  [B, T] bool, true at real tokens; undefined tensor = all real
  //   cache     null, or a cache with L filled slots: the k/v of the new tokens are appended and
  //             attention runs over all L + T slots (the mask of the earlier slots comes from the
  //             cache). Use under NoGradGuard.
  torch::Tensor forward_hidden(const torch::Tensor& idx, const torch::Tensor& pos, const torch::Tensor& key_mask = {},
                               KVCache* cache = nullptr);
  // forward_hidden followed by the tied LM head: logits [B, T, V].
  torch::Tensor forward_logits(const torch::Tensor& idx, const torch::Tensor& pos, const torch::Tensor& key_mask = {},
                               KVCache* cache = nullptr);
  // Tied LM head: h [..., C] -> logits [..., V] = h @ wte^T.
  torch::Tensor logits_from_hidden(const torch::Tensor& h);

  // A cache sized for this model, in its dtype and on its device.
  KVCache make_cache(int64_t batch, int64_t capacity);

  torch::nn::Embedding wte{nullptr}, wpe{nullptr};
  torch::nn::ModuleList h{nullptr};
  torch::nn::LayerNorm ln_f{nullptr};
  torch::nn::Dropout drop{nullptr};

 private:
  GPTConfig config_;
  uint64_t seed_;
};
TORCH_MODULE(GPT);

// Log-probabilities of completion tokens given left-padded prompts, as RL needs them for the policy,
// the anchor and the SFT model:
//   prompt       [B, P] int64, left-padded      prompt_mask [B, P] bool (true at real tokens)
//   completion   [B, K] int64 (sampled tokens; values after EOS are ignored by the caller's mask)
// returns [B, K]: entry (b, k) = log softmax(logits / temperature)[completion[b, k]] for the logits
// predicting completion token k. One forward pass over [B, P + K - 1] tokens; gradients flow
// unless the caller disables them. Throws BadInput for mismatched shapes or P + K - 1 > n_ctx.
torch::Tensor completion_log_probs(GPT& model, const torch::Tensor& prompt, const torch::Tensor& prompt_mask,
                                   const torch::Tensor& completion, double temperature = 1.0);

}  // namespace warp
