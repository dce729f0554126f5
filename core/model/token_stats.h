#pragma once
// Next-token distributions along sampled completions, and the per-token quantities RL and
// evaluation read from them: log-probabilities of the sampled tokens, entropy, and the exact KL
// between two models' distributions at every completion position.
//
// Dimension legend: B batch (rows), P prompt slots (left-padded), K completion slots, V vocab.
//
// All distributions are the temperature-τ ones that are sampled: softmax(logits / τ). RL takes the
// log-probabilities of the policy, the anchor and the SFT model all at τ (as TRL does), so the KL
// terms compare the distributions the policy actually samples from.
//
// Masks: mask [B, K] bool is the sampler's (true up to and including EOS). Positions after EOS are
// excluded from every sum by the mask (their values are finite but meaningless).

#include <torch/types.h>

#include "model/gpt.h"

namespace warp {

// The temperature-scaled logits z = logits / τ that predict each completion token, [B, K, V]
// (same inputs as below). Computed as (h / τ) W_teᵀ from the final hidden states h [B, K, C]: the
// division touches C values per position instead of V.
torch::Tensor completion_logits(GPT& model, const torch::Tensor& prompt, const torch::Tensor& prompt_mask,
                                const torch::Tensor& completion, double temperature);

// log softmax(z) of completion_logits:
//   prompt [B, P] int64 left-padded, prompt_mask [B, P] bool, completion [B, K] int64
//   returns [B, K, V] (entry (b, k, :) is the distribution of completion token k).
// One forward pass over [B, P + K - 1] tokens; gradients flow unless the caller disables them.
// BadInput for mismatched shapes, temperature <= 0, or P + K - 1 > n_ctx.
torch::Tensor completion_log_softmax(GPT& model, const torch::Tensor& prompt, const torch::Tensor& prompt_mask,
                                     const torch::Tensor& completion, double temperature);

// logp [B, K, V], tokens [B, K] int64 -> log-probability of each token [B, K].
torch::Tensor gather_token_log_probs(const torch::Tensor& logp, const torch::Tensor& tokens);

// Entropy of each position's distribution, -Σ_v p(v) log p(v): logp [B, K, V] -> [B, K].
torch::Tensor token_entropy(const torch::Tensor& logp);

// Exact KL(p || q) of each position, Σ_v p(v) (log p(v) - log q(v)): logp, logq [B, K, V] -> [B, K].
// Exactly 0 where logp and logq are equal.
torch::Tensor token_kl(const torch::Tensor& logp, const torch::Tensor& logq);

// Σ_k x[b, k] over the positions where mask[b, k]: x [B, K] (any float dtype), mask [B, K] bool -> [B].
torch::Tensor masked_row_sum(const torch::Tensor& x, const torch::Tensor& mask);

}  // namespace warp
