#pragma once
// Settings of the evaluation of a point (DESIGN §5, "Evaluation of a point").
//
// The protocol fields (seed, temperature, max_new_tokens, max_prompts) decide the numbers; batch,
// device and threads only decide how fast they come. Two checkpoints evaluated under the same
// protocol see the same prompts and the same random numbers (common random numbers): prompt i is
// sampled with the seed derive_seed(kSeedDomainEval, seed, {i}) (util/seeds.h), whatever the batch.
//
// Experiment config (config.json): section "eval", every field optional:
//   {"seed": 1, "temperature": 0.9, "max_new_tokens": 32, "max_prompts": 0, "batch": 64,
//    "reward": "", "device": "auto", "threads": 0}
// eval_config_for(exp) starts from the defaults below, takes "temperature" from the "warp" section
// (the WARP hyperparameters shared by every stage) when present, then the "eval" section's fields.
//
// reward: the reward spec r is evaluated with ("gold", "rm:<path>", "external:<command>"); empty
// means the experiment's default: rm:checkpoints/rm.h5 when that file exists, else gold
// (default_reward_spec).

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "config/train_settings.h"
#include "experiment/experiment.h"

namespace warp {

// seed (the evaluation seed: protocol), device and threads (speed only) are RunSettings'
// (config/train_settings.h).
struct EvalConfig : RunSettings {
  double temperature = 0.9;     // τ of the policy and SFT distributions (protocol)
  int64_t max_new_tokens = 32;  // completion length bound K (protocol)
  int64_t max_prompts = 0;      // evaluate the first N evaluation prompts; 0: all of them (protocol)
  int64_t batch = 64;           // prompts per forward pass (speed only)
  std::string reward;           // reward spec; "" = default_reward_spec(exp)

  // BadInput naming the option for out-of-range values.
  void validate() const;
  nlohmann::json to_json() const;
  // Fields present override the defaults (of `base`); unknown fields are refused.
  static EvalConfig from_json(const nlohmann::json& j, const std::string& where, const EvalConfig& base);
  static EvalConfig from_json(const nlohmann::json& j, const std::string& where);
};

// The experiment's evaluation settings (see the top of this file).
EvalConfig eval_config_for(const Experiment& exp);

// "rm:checkpoints/rm.h5" when <exp>/checkpoints/rm.h5 exists, else "gold".
std::string default_reward_spec(const Experiment& exp);

}  // namespace warp
