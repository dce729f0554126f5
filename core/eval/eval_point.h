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

}  // namespace warp
