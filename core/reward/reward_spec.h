#pragma once
// Choosing a reward by name, as RL runs, evaluation and the CLI do (`--reward SPEC`).
//
// String form:
//   gold                   the AFINN-165 gold reward (reward/reward.h GoldReward)
//   rm:<checkpoint.h5>     a learned reward model (reward/learned_reward.h); a relative path is
//                          resolved against the context's base_dir (the experiment folder), e.g.
//                          rm:checkpoints/rm.h5
//   external:<command>     an external scoring process (reward/external_reward.h), the rest of the
//                          string is its /bin/sh command line
// JSON form (config files): the string above, or an object
//   {"type": "gold"} | {"type": "rm", "path": "..."} |
//   {"type": "external", "command": "...", "timeout_s": 30}
// Unknown types and fields, empty paths and commands are BadInput with the accepted forms.

#include <memory>
#include <optional>
#include <string>

#include <torch/types.h>
#include <nlohmann/json.hpp>

#include "experiment/experiment.h"
#include "reward/reward.h"
#include "tokenizer/bpe.h"

namespace warp {

struct RewardSpec {
  enum class Kind { Gold, Model, External };
  Kind kind = Kind::Gold;
  std::string path;         // Model: checkpoint path as written
  std::string command;      // External: command line
  double timeout_s = 30.0;  // External: per-batch timeout

  // The string form ("gold", "rm:...", "external:..."); the timeout is only in the JSON form.
  std::string to_string() const;
  nlohmann::json to_json() const;
};

// Parses the string form. BadInput naming the spec and the accepted forms.
RewardSpec parse_reward_spec(const std::string& spec);
// The string or the object form; `where` names the source in errors.
RewardSpec reward_spec_from_json(const nlohmann::json& j, const std::string& where);

// What building a reward needs besides its spec.
struct RewardContext {
  std::string base_dir = ".";             // relative rm paths resolve against it
  std::string lexicon_path;               // afinn-165 index.js; empty: the fetched data package's
  std::optional<BpeTokenizer> tokenizer;  // lets a learned reward score text-only batches
  torch::Device device = torch::kCPU;     // where a learned reward runs
  bool forward_stderr = true;             // external: copy the process's stderr to ours
};

// The context of an experiment: base_dir = its folder, tokenizer = its tokenizer when prepared.
RewardContext experiment_reward_context(const Experiment& exp, torch::Device device);

std::unique_ptr<Reward> make_reward(const RewardSpec& spec, const RewardContext& context);
std::unique_ptr<Reward> make_reward(const std::string& spec, const RewardContext& context);

}  // namespace warp
