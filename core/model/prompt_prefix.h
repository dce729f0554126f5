#pragma once
// A fixed model's keys and values over a batch of prompts, computed once and reused for every
// completion of those prompts. Evaluation scores each policy's completions of the same prompts
// under θ_sft (eval/evaluate.h); with the prompts' part kept, θ_sft's pass covers the completion
// only.
//
// Dimension legend: B rows, P prompt slots (rows left-padded), K completion slots, C channels,
// V vocab.
//
// The prefix holds prompt slots [0, P-1) of every layer. The last prompt slot goes through the
// model with the completion, because its hidden state predicts the first completion token.
// completion_logits() equals model/token_stats.h's completion_logits over prompt + completion up
// to float rounding (the same sums split differently), and it is the same bit for bit however often
// the prefix was reused: a caller that always takes this path gets numbers that do not depend on
// what it had cached.
//
// The prefix is only valid for the model it was computed with, its weights unchanged; the model
// must be in eval mode (no dropout) and calls run under the caller's NoGradGuard.

#include <cstdint>

#include <torch/types.h>

#include "model/gpt.h"
#include "model/kv_cache.h"

namespace warp {

class PromptPrefix {
 public:
  // Runs `model` over prompt[:, :P-1]. prompt [B, P] int64 (P >= 1), prompt_mask [B, P] bool (true
  // at real tokens); max_completion: the longest completion K later passed (P - 1 + max_completion
  // slots must fit in n_ctx). BadInput for mismatched shapes or too long a prompt.
  PromptPrefix(GPT& model, const torch::Tensor& prompt, const torch::Tensor& prompt_mask, int64_t max_completion);

  // Whether `prompt` and `prompt_mask` are exactly those this prefix was computed for (same
  // shape, same values).
  bool matches(const torch::Tensor& prompt, const torch::Tensor& prompt_mask) const;

  // completion_logits(model, prompt, prompt_mask, completion, temperature) of model/token_stats.h,
  // through the prefix: completion [B, K] int64 with 0 < K <= max_completion -> logits [B, K, V]
  // (at position k, the logits predicting completion token k, divided by the temperature).
  // `model` must be the one given to the constructor. BadInput for a bad shape or temperature.
  torch::Tensor completion_logits(GPT& model, const torch::Tensor& completion, double temperature);

  int64_t prompt_slots() const { return prompt_.size(1); }
  // Bytes held (the key/value buffers and the prompts).
  int64_t bytes() const;

 private:
  KVCache cache_;                       // slots [0, P-1): the prefix; completions write after it
  torch::Tensor prompt_, prompt_mask_;  // [B, P] on the model's device
  const void* model_;                   // the GPTImpl the prefix belongs to
  int64_t max_completion_;
  int64_t n_embd_;
};

}  // namespace warp
