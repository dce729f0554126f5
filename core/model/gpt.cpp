// GPT-2 forward pass. Dimension legend (as in gpt.h): B batch, T new tokens, L cached tokens,
// Lk = L + T keys, C channels, H heads, hs head size, V vocab.
#include "model/gpt.h"

#include <cmath>
#include <limits>
#include <string>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "model/shape.h"
#include "util/error.h"

namespace warp {

namespace {

// Additive attention mask [B or 1, 1, T, Lk] (0 where a query may attend, -inf elsewhere).
// Query i sits in slot L + i. It may attend key slot j when j <= L + i and the key is a real token;
// it always may attend its own slot, so a padding query's row is never empty (no NaN).
torch::Tensor attention_bias(const torch::Tensor& keys /* [B, Lk] bool or undefined */, int64_t L, int64_t T,
                             const torch::TensorOptions& float_opts) {
  const double neg_inf = -std::numeric_limits<double>::infinity();
  if (!keys.defined()) {
    // Plain causal mask, no padding, no cache: [1, 1, T, T].
    return torch::full({T, T}, neg_inf, float_opts).triu(1).view({1, 1, T, T});
  }
  const int64_t Lk = keys.size(1);
  auto iopts = torch::TensorOptions().dtype(torch::kLong).device(float_opts.device());
  auto q_slot = torch::arange(L, L + T, iopts).unsqueeze(1);              // [T, 1]
  auto k_slot = torch::arange(Lk, iopts).unsqueeze(0);                    // [1, Lk]
  auto causal = k_slot.le(q_slot);                                        // [T, Lk]
  auto self = k_slot.eq(q_slot);                                          // [T, Lk]
  auto allowed = keys.unsqueeze(1).logical_and(causal).logical_or(self);  // [B, T, Lk]
  return torch::zeros({keys.size(0), 1, T, Lk}, float_opts).masked_fill_(allowed.logical_not().unsqueeze(1), neg_inf);
}

}  // namespace

// ---- attention ---------------------------------------------------------------------------------

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const GPTConfig& config) : config_(config) { reset(); }

void CausalSelfAttentionImpl::reset() {
  const int64_t C = config_.n_embd;
  c_attn = register_module("c_attn", torch::nn::Linear(C, 3 * C));
  c_proj = register_module("c_proj", torch::nn::Linear(C, C));
  attn_drop = register_module("attn_drop", torch::nn::Dropout(config_.dropout));
  resid_drop = register_module("resid_drop", torch::nn::Dropout(config_.dropout));
}

torch::Tensor CausalSelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& bias, KVCache* cache,
                                               int64_t layer) {
  const int64_t B = x.size(0), T = x.size(1), C = config_.n_embd, H = config_.n_head, hs = C / H;
  // torch::linear (ATen) runs one fused addmm on [B*T, C]; nn::Linear's forward in LibTorch 1.13
  // does matmul + a separate bias add, measurably slower in the backward pass.
  auto qkv = torch::linear(x, c_attn->weight, c_attn->bias).split(C, 2);  // 3 x [B, T, C]
  auto q = qkv[0].view({B, T, H, hs}).transpose(1, 2);                    // [B, H, T, hs]
  auto k = qkv[1].view({B, T, H, hs}).transpose(1, 2);                    // [B, H, T, hs]
  auto v = qkv[2].view({B, T, H, hs}).transpose(1, 2);                    // [B, H, T, hs]
  if (cache) std::tie(k, v) = cache->write(layer, k, v);                  // [B, H, Lk, hs]
  q = q * (1.0 / std::sqrt(static_cast<double>(hs)));                     // scaled here: T*hs < T*Lk elements
  torch::Tensor y;
  if (T == 1) {
    // One query per row (a decoding step): broadcast products instead of bmm, whose CPU kernel
    // loops over the B*H tiny matrices one gemm call at a time (overhead-bound).
    auto att = q.mul(k).sum(-1).unsqueeze(2).add_(bias);  // [B, H, 1, Lk]
    att = torch::softmax(att, -1);
    if (is_training() && config_.dropout > 0) att = attn_drop(att);
    y = att.squeeze(2).unsqueeze(-1).mul(v).sum(2);  // [B, H, hs]
    y = y.reshape({B, T, C});                        // [B, 1, C]
  } else {
    auto att = torch::matmul(q, k.transpose(-2, -1)).add_(bias);  // [B, H, T, Lk]
    att = torch::softmax(att, -1);
    if (is_training() && config_.dropout > 0) att = attn_drop(att);
    y = torch::matmul(att, v);                 // [B, H, T, hs]
    y = y.transpose(1, 2).reshape({B, T, C});  // [B, T, C]
  }
  y = torch::linear(y, c_proj->weight, c_proj->bias);
  if (is_training() && config_.dropout > 0) y = resid_drop(y);
  return y;
}

// ---- MLP ---------------------------------------------------------------------------------------

MLPImpl::MLPImpl(const GPTConfig& config) : config_(config) { reset(); }

void MLPImpl::reset() {
  const int64_t C = config_.n_embd;
  c_fc = register_module("c_fc", torch::nn::Linear(C, 4 * C));
  c_proj = register_module("c_proj", torch::nn::Linear(4 * C, C));
  drop = register_module("drop", torch::nn::Dropout(config_.dropout));
}

torch::Tensor MLPImpl::forward(const torch::Tensor& x) {
  auto y = torch::gelu(torch::linear(x, c_fc->weight, c_fc->bias), "tanh");  // [B, T, 4C], GPT-2's gelu_new
  y = torch::linear(y, c_proj->weight, c_proj->bias);                        // [B, T, C]
  if (is_training() && config_.dropout > 0) y = drop(y);
  return y;
}

// ---- block -------------------------------------------------------------------------------------

BlockImpl::BlockImpl(const GPTConfig& config) : config_(config) { reset(); }

void BlockImpl::reset() {
  const int64_t C = config_.n_embd;
  auto ln = torch::nn::LayerNormOptions({C}).eps(config_.layer_norm_eps);
  ln_1 = register_module("ln_1", torch::nn::LayerNorm(ln));
  attn = register_module("attn", CausalSelfAttention(config_));
  ln_2 = register_module("ln_2", torch::nn::LayerNorm(ln));
  mlp = register_module("mlp", MLP(config_));
}

torch::Tensor BlockImpl::forward(const torch::Tensor& x, const torch::Tensor& bias, KVCache* cache, int64_t layer) {
  auto y = x + attn->forward(ln_1(x), bias, cache, layer);  // [B, T, C]
  return y + mlp->forward(ln_2(y));                         // [B, T, C]
}

// ---- GPT ---------------------------------------------------------------------------------------

GPTImpl::GPTImpl(const GPTConfig& config, uint64_t seed) : config_(config), seed_(seed) {
  config_.validate();
  reset();
}

void GPTImpl::reset() {
  const int64_t C = config_.n_embd;
  wte = register_module("wte", torch::nn::Embedding(config_.vocab_size, C));
  wpe = register_module("wpe", torch::nn::Embedding(config_.n_ctx, C));
  h = register_module("h", torch::nn::ModuleList());
  for (int64_t i = 0; i < config_.n_layer; ++i) h->push_back(Block(config_));
  ln_f = register_module("ln_f", torch::nn::LayerNorm(torch::nn::LayerNormOptions({C}).eps(config_.layer_norm_eps)));
  drop = register_module("drop", torch::nn::Dropout(config_.dropout));

  // GPT-2 initialisation, in parameter order, from one seeded generator.
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(seed_);
  const double proj_std = 0.02 / std::sqrt(2.0 * static_cast<double>(config_.n_layer));
  auto ends_with = [](const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
  };
  for (auto& item : named_parameters()) {
    const std::string& name = item.key();
    auto& p = item.value();
    if (name.find("ln_") != std::string::npos) {
      if (ends_with(name, ".weight")) p.fill_(1.0);
      else p.zero_();
    } else if (ends_with(name, ".bias")) {
      p.zero_();
    } else if (ends_with(name, "c_proj.weight")) {
      p.normal_(0.0, proj_std, gen);
    } else {
      p.normal_(0.0, 0.02, gen);  // wte, wpe, c_attn, c_fc
    }
  }
}

torch::Tensor GPTImpl::forward(const torch::Tensor& idx) {
  if (idx.dim() != 2) throw BadInput("GPT forward: idx must be [B, T], got " + shape_of(idx));
  const int64_t T = idx.size(1);
  if (T > config_.n_ctx)
    throw BadInput("GPT forward: sequence length " + std::to_string(T) + " exceeds n_ctx " +
                   std::to_string(config_.n_ctx));
  // [1, T]: one row of positions shared by the batch (wpe is looked up and differentiated once).
  auto pos = torch::arange(T, torch::TensorOptions().dtype(torch::kLong).device(idx.device())).unsqueeze(0);
  return forward_logits(idx, pos);
}

torch::Tensor GPTImpl::forward_hidden(const torch::Tensor& idx, const torch::Tensor& pos, const torch::Tensor& key_mask,
                                      KVCache* cache) {
  if (idx.dim() != 2) throw BadInput("GPT forward: idx must be [B, T], got " + shape_of(idx));
  if (pos.dim() != 2 || pos.size(1) != idx.size(1) || (pos.size(0) != idx.size(0) && pos.size(0) != 1))
    throw BadInput("GPT forward: pos must be [B, T] or [1, T] for idx " + shape_of(idx) + ", got " + shape_of(pos));
  if (key_mask.defined() && !key_mask.sizes().equals(idx.sizes()))
    throw BadInput("GPT forward: key_mask must have the shape of idx " + shape_of(idx) + ", got " + shape_of(key_mask));
  const int64_t B = idx.size(0), T = idx.size(1);
  if (T == 0) throw BadInput("GPT forward: no tokens (T = 0)");
  const int64_t L = cache ? cache->length() : 0;
  if (!cache && T > config_.n_ctx)
    throw BadInput("GPT forward: sequence length " + std::to_string(T) + " exceeds n_ctx " +
                   std::to_string(config_.n_ctx));
  if (cache && (cache->batch() != B || cache->n_layer() != config_.n_layer))
    throw BadInput("GPT forward: KV cache is for batch " + std::to_string(cache->batch()) + " and " +
                   std::to_string(cache->n_layer()) + " layers, input has batch " + std::to_string(B) +
                   " and the model " + std::to_string(config_.n_layer) + " layers");

  auto x = wte(idx) + wpe(pos);  // [B, T, C] (+ [1, T, C] broadcast when pos is shared)
  if (is_training() && config_.dropout > 0) x = drop(x);

  auto float_opts = torch::TensorOptions().dtype(x.scalar_type()).device(x.device());
  torch::Tensor keys;  // [B, Lk] bool, or undefined for the plain causal case
  if (cache) {
    auto km = key_mask.defined() ? key_mask.to(torch::kBool)
                                 : torch::ones({B, T}, torch::TensorOptions().dtype(torch::kBool).device(x.device()));
    keys = cache->write_mask(km);
  } else if (key_mask.defined()) {
    keys = key_mask.to(torch::kBool);
  }
  auto bias = attention_bias(keys, L, T, float_opts);  // [B or 1, 1, T, Lk]

  for (int64_t l = 0; l < config_.n_layer; ++l) x = h[l]->as<BlockImpl>()->forward(x, bias, cache, l);
  if (cache) cache->advance(T);
  return ln_f(x);  // [B, T, C]
}

torch::Tensor GPTImpl::forward_logits(const torch::Tensor& idx, const torch::Tensor& pos, const torch::Tensor& key_mask,
                                      KVCache* cache) {
  return logits_from_hidden(forward_hidden(idx, pos, key_mask, cache));  // [B, T, V]
}

torch::Tensor GPTImpl::logits_from_hidden(const torch::Tensor& hidden) {
  return torch::linear(hidden, wte->weight);  // [..., C] @ [V, C]^T -> [..., V]
}

KVCache GPTImpl::make_cache(int64_t batch, int64_t capacity) {
  const auto& w = wte->weight;
  return KVCache(config_, batch, capacity, w.scalar_type(), w.device());
}

// ---- log-probabilities -------------------------------------------------------------------------

torch::Tensor completion_log_probs(GPT& model, const torch::Tensor& prompt, const torch::Tensor& prompt_mask,
                                   const torch::Tensor& completion, double temperature) {
  if (prompt.dim() != 2 || prompt.size(1) == 0 || !prompt_mask.sizes().equals(prompt.sizes()))
    throw BadInput("completion_log_probs: prompt [B, P] with P > 0 and prompt_mask of the same shape expected, got " +
                   shape_of(prompt) + " and " + shape_of(prompt_mask));
  if (completion.dim() != 2 || completion.size(0) != prompt.size(0) || completion.size(1) == 0)
    throw BadInput("completion_log_probs: completion [B, K] with B = " + std::to_string(prompt.size(0)) +
                   " and K > 0 expected, got " + shape_of(completion));
  const int64_t B = prompt.size(0), P = prompt.size(1), K = completion.size(1);
  if (P + K - 1 > model->config().n_ctx)
    throw BadInput("completion_log_probs: prompt slots " + std::to_string(P) + " + completion " + std::to_string(K) +
                   " - 1 exceed n_ctx " + std::to_string(model->config().n_ctx));
  auto bool_opts = torch::TensorOptions().dtype(torch::kBool).device(prompt.device());
  auto seq = torch::cat({prompt, completion.narrow(1, 0, K - 1)}, 1);                             // [B, P+K-1]
  auto mask = torch::cat({prompt_mask.to(torch::kBool), torch::ones({B, K - 1}, bool_opts)}, 1);  // [B, P+K-1]
  auto pos = (mask.to(torch::kLong).cumsum(1) - 1).clamp_min(0);                                  // [B, P+K-1]
  auto hidden = model->forward_hidden(seq, pos, mask).narrow(1, P - 1, K);                        // [B, K, C]
  return token_log_probs(model->logits_from_hidden(hidden), completion, temperature);             // [B, K]
}

}  // namespace warp
