#pragma once
// Seeded, batched sampling of completions from the GPT policy (rollouts, evaluation, demos).
//
// Dimension legend: B batch (prompts), P prompt slots (the longest prompt), K max_new_tokens,
// V vocab, C channels.
//
// Reproducibility contract: a given prompt + seed yields the same completion whatever else is in
// the batch. Each row draws its K uniforms up front from its own std::mt19937_64 seeded with the
// row's seed; token k of the row is the inverse CDF of the row's filtered, renormalised
// distribution at uniform k. Prompts are left-padded, positions start at 0 at each row's first
// real token, and padding is masked out of attention, so the row's distribution does not depend
// on its neighbours either (up to float rounding in shared kernels).
//
// The token loop makes no host synchronisation per token: EOS is handled with tensor masks and the
// "all rows finished" check runs once every kStopCheckEvery tokens.

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>
#include <nlohmann/json.hpp>

#include "model/gpt.h"

namespace warp {

struct SampleOptions {
  double temperature = 1.0;     // > 0; logits are divided by it
  int64_t top_k = 0;            // keep the k most likely tokens (0 = off); in [0, vocab_size]
  double top_p = 1.0;           // nucleus: keep the smallest prefix of the sorted distribution with mass >= top_p
                                // (1 = off); in (0, 1]
  int64_t eos_id = -1;          // token that ends a completion (-1 = none)
  int64_t max_new_tokens = 32;  // K > 0
  bool use_kv_cache = true;     // false: recompute the whole prefix for every token (benchmark, cross-check)

  // BadInput naming the option and its value. vocab_size checks top_k and eos_id against it.
  void validate(int64_t vocab_size) const;
  nlohmann::json to_json() const;
  // Missing keys keep their defaults; `where` names the source in error messages.
  static SampleOptions from_json(const nlohmann::json& j, const std::string& where);
};

struct SampleResult {
  torch::Tensor prompt;       // [B, P] int64, left-padded with 0
  torch::Tensor prompt_mask;  // [B, P] bool, true at real prompt tokens
  torch::Tensor tokens;       // [B, K] int64 completion; after EOS filled with eos_id
  torch::Tensor log_probs;    // [B, K] model dtype (float32 normally), log-prob of each token under the
                              // sampling distribution
                              // (after temperature, top-k, top-p); 0 after EOS
  torch::Tensor mask;         // [B, K] bool, true up to and including EOS
  torch::Tensor lengths;      // [B] int64, number of true entries of mask
};

// Every how many tokens the sampler checks (one host sync) whether all rows have ended.
constexpr int64_t kStopCheckEvery = 8;

// Samples a completion for every prompt (token ids, each non-empty) with seeds[b] for row b, on
// `device` (the model's parameters must be there). Runs under NoGradGuard; the model is put in
// eval mode for the call and its mode restored. Throws BadInput for invalid options, empty prompts,
// ids outside the vocabulary, a prompt longer than n_ctx - max_new_tokens, or seeds.size() != B.
// step_logits: when given, receives the model's raw logits (before temperature and filtering) at each
// generated position, [B, K, V] in the model dtype — the logits token k was drawn from; zero at the
// positions after every row has ended. Evaluation reuses them instead of a second forward pass.
SampleResult sample(GPT& model, const std::vector<std::vector<int64_t>>& prompts, const std::vector<uint64_t>& seeds,
                    const SampleOptions& options, torch::Device device, torch::Tensor* step_logits = nullptr);

// The uniforms row b uses: K values in (0, 1] from std::mt19937_64(seed), 24-bit resolution (exact in
// float32). Exposed for tests and for tools that want to reproduce a row.
std::vector<float> sample_uniforms(uint64_t seed, int64_t K);

// One sampling step, the part after the model (exposed for tests):
//   logits [B, V] (last position), u [B] uniforms in (0, 1]
//   returns {token [B] int64, log-prob [B] of the token under the filtered, renormalised distribution}.
std::pair<torch::Tensor, torch::Tensor> sample_step(const torch::Tensor& logits, const torch::Tensor& u,
                                                    const SampleOptions& options);

}  // namespace warp
