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

#include <cstdint>
#include <functional>

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

// KL(p || q) of each completion, summed over its positions (mask [B, K]): `exact` over the whole
// vocabulary at every position (Σ_k token_kl), `sampled` as the estimate from the sampled tokens
// (Σ_k log p(token) - log q(token)); [B] each.
struct RowKl {
  torch::Tensor exact, sampled;
};
// The logits [rows, K, V] of rows [begin, begin + rows), already divided by the temperature.
using RowLogitsFn = std::function<torch::Tensor(int64_t begin, int64_t rows)>;
// RowKl of p = softmax(p_logits) and q = softmax(q_logits), computed over chunks of at most
// `chunk_rows` rows: each [rows, K, V] temporary (the logits, both log-softmaxes, the KL terms)
// lives for one chunk only, so the working memory is a few chunks instead of several whole
// [B, K, V] tensors (25 MB each at the demo size, where the allocator mapped and faulted in fresh
// memory for them on every evaluation: docs/performance.md). `p_logits` undefined means p is q
// (every KL exactly 0). tokens [B, K] int64. Each row's numbers come from the row's own entries;
// how rows are grouped changes at most the float rounding of q_logits' matrix product.
// BadInput for mismatched shapes or chunk_rows < 1.
RowKl chunked_row_kl(const RowLogitsFn& p_logits, const RowLogitsFn& q_logits, const torch::Tensor& tokens,
                     const torch::Tensor& mask, int64_t chunk_rows);
// The rows per chunk that keep one [rows, K, V] tensor of `element_bytes` within 4 MiB; at least 1.
int64_t kl_chunk_rows(int64_t K, int64_t V, int64_t element_bytes);

}  // namespace warp
