#pragma once
// Token log-probabilities and the language-model loss, with a fused backward pass.
//
// Dimension legend: N tokens (any leading dims flattened), V vocab.
//
// For logits z (divided by the temperature τ) and a target t:
//   log p(t) = z_t − logsumexp(z)          d log p(t) / d logits_v = ([v = t] − softmax(z)_v) / τ
// The backward pass writes that gradient directly (one exp pass over the saved log-softmax), instead
// of autograd's zero-filled one-hot scatter followed by a log-softmax backward: on [2048, 4096] logits
// that is one 32 MB buffer and two passes fewer per training step. Double backward is not supported.

#include <torch/types.h>

namespace warp {

// Per-token log-probabilities of targets under softmax(logits / temperature), differentiable with
// respect to logits. logits [..., V], targets [...] int64 -> [...] (logits' dtype).
// Throws BadInput for temperature <= 0 or shapes that do not match.
torch::Tensor token_log_probs(const torch::Tensor& logits, const torch::Tensor& targets, double temperature = 1.0);

// Next-token cross-entropy: −mean of token_log_probs(logits, targets) over the tokens where mask is
// true (all tokens when mask is undefined). logits [..., V], targets [...], mask [...] bool -> scalar.
// Equal to torch's cross_entropy (checked in tests/core/model).
torch::Tensor lm_loss(const torch::Tensor& logits, const torch::Tensor& targets, const torch::Tensor& mask = {});

}  // namespace warp
