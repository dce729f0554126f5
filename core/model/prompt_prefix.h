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
  // at real tokens); max_tail: the most slots later passed after the prefix (the last prompt slot
  // and what follows it; P - 1 + max_tail slots must fit in n_ctx). BadInput for mismatched shapes
  // or too long a prompt.
  PromptPrefix(GPT& model, const torch::Tensor& prompt, const torch::Tensor& prompt_mask, int64_t max_tail);

  // Whether `prompt` and `prompt_mask` are exactly those this prefix was computed for (same
  // shape, same values).
  bool matches(const torch::Tensor& prompt, const torch::Tensor& prompt_mask) const;

  // The hidden states (after ln_f) of the last prompt slot followed by `next` [B, T] int64 (T >= 0,
  // 1 + T <= max_tail) with next_mask [B, T] bool (true at real tokens; false, e.g., after a
  // completion's end): [B, 1 + T, C], as model->forward_hidden over prompt + next gives them at
  // slots [P-1, P+T), positions counting each row's real tokens from 0. `model` must be the one
  // given to the constructor. BadInput for a bad shape.
  torch::Tensor tail_hidden(GPT& model, const torch::Tensor& next, const torch::Tensor& next_mask);

  // completion_logits(model, prompt, prompt_mask, completion, temperature) of model/token_stats.h,
  // through the prefix: completion [B, K] int64 with 0 < K <= max_tail -> logits [B, K, V] (at
  // position k, the logits predicting completion token k, divided by the temperature). BadInput for
  // a bad shape or temperature.
  torch::Tensor completion_logits(GPT& model, const torch::Tensor& completion, double temperature);
  // What completion_logits multiplies by the embedding: the final hidden states [B, K, C], divided
  // by the temperature (model->logits_from_hidden of any rows of it gives those rows' logits).
  torch::Tensor completion_hidden(GPT& model, const torch::Tensor& completion, double temperature);

  int64_t prompt_slots() const { return prompt_.size(1); }
  int64_t max_tail() const { return max_tail_; }
  // Bytes held (the key/value buffers and the prompts).
  int64_t bytes() const;

 private:
  KVCache cache_;                       // slots [0, P-1): the prefix; completions write after it
  torch::Tensor prompt_, prompt_mask_;  // [B, P] on the model's device
  const void* model_;                   // the GPTImpl the prefix belongs to
  int64_t max_tail_;
  int64_t n_embd_;
};

}  // namespace warp
