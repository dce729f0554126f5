#pragma once
// The result of evaluating one policy (one point of the KL-reward plane), as stored and shown.
//
// Each value is a mean over the evaluation prompts (one completion per prompt) with its standard
// error se = s / sqrt(n), s the sample standard deviation (n - 1 in the denominator; 0 when n = 1):
//   reward          r(x, y), the reward the policy is trained on
//   gold            the gold reward (AFINN lexicon) of the same completions
//   kl_sft          KL(π ‖ π_sft) of the sequence, exact per token: Σ over completion positions of
//                   Σ_v p(v) (log p(v) − log q(v)), along y ~ π, both distributions at temperature τ
//   kl_sft_sampled  the sampled estimate Σ_t (log p(y_t) − log q(y_t)) on the same completions
//   length          completion length in tokens, EOS included when emitted (the sampler's mask)

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace warp {

struct MeanSe {
  double mean = 0;
  double se = 0;
};

// Mean and standard error of values (empty: both 0).
MeanSe mean_and_se(const std::vector<double>& values);

struct EvalPoint {
  int64_t prompts = 0;  // n
  MeanSe reward, gold, kl_sft, kl_sft_sampled, length;

  // {"prompts": n, "reward": m, "reward_se": s, "gold": .., "gold_se": .., "kl_sft": .., ...}
  nlohmann::json to_json() const;
  // BadInput naming `where` and the field when one is missing or not a number.
  static EvalPoint from_json(const nlohmann::json& j, const std::string& where);
};

// The per-prompt values of one evaluated point (columns, in prompt order), kept so that two points
// evaluated on the same prompts with the same per-prompt seeds can be compared prompt by prompt
// (paired statistics, replicate/observations.h). prompt_index[i] and seed[i] identify row i:
// eval/evaluate.h's i and seed_i = derive_seed(kSeedDomainEval, eval seed, {i}).
struct PromptValues {
  std::vector<int64_t> prompt_index;
  std::vector<uint64_t> seed;
  std::vector<double> reward, gold, kl_sft, kl_sft_sampled, length;

  size_t size() const { return prompt_index.size(); }
  bool empty() const { return prompt_index.empty(); }
  // The column of a value: "reward", "gold", "kl_sft", "kl_sft_sampled", "length" (BadInput otherwise).
  const std::vector<double>& column(const std::string& name) const;
  // {"prompt_index": [...], "seed": [...], "reward": [...], ...}; NaN written as null.
  nlohmann::json to_json() const;
  // BadInput naming `where` and the field for a missing, mistyped or short column.
  static PromptValues from_json(const nlohmann::json& j, const std::string& where);
};

}  // namespace warp
