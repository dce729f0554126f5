#pragma once
// The learned reward: a Bradley-Terry reward model (reward/reward_model.h) behind the Reward
// interface. Scores under NoGradGuard, in eval mode, in chunks of max_batch rows on its device.
//
// Kept prompt prefixes: a reward loaded from a checkpoint (fixed weights) scores a chunk of sampled
// tokens through the trunk's prefix over the chunk's prompts (model/prompt_prefix.h) and keeps the
// most recent prefixes, up to kPrefixBudgetBytes: evaluation scores the same prompts for every
// policy, so the trunk then runs over the completions only. The path depends on the input alone
// (left-padded prompts whose last slot is real, prompt + completion within n_ctx), never on what is
// kept, so the scores are the same either way; they equal RewardModelImpl::score's up to float
// rounding. A reward built from a model in memory (a trainer's, whose weights change) keeps nothing
// and scores with RewardModelImpl::score.
//
// Ids: when the batch carries the sampled token tensors they are scored as they are; otherwise
// each row is encoded with the tokenizer (reward/task_tokens.h: prompt ids, completion ids) and the
// rows are left-padded. The tokenizer must be the one the model was trained with: its SHA-256 is
// checked against the checkpoint's when the checkpoint records one.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "model/prompt_prefix.h"
#include "reward/reward.h"
#include "reward/reward_model.h"
#include "tokenizer/bpe.h"

namespace warp {

class LearnedReward : public Reward {
 public:
  // Loads the checkpoint (load_reward_model) onto `device`. The tokenizer is needed only for
  // text-only batches. BadInput when the tokenizer's SHA-256 differs from the checkpoint's.
  LearnedReward(const std::string& checkpoint_path, std::optional<BpeTokenizer> tokenizer, torch::Device device,
                int64_t max_batch = 64);
  // From a model in memory (e.g. the trainer's); the model is used, not copied.
  LearnedReward(RewardModel model, const RewardModelInfo& info, std::optional<BpeTokenizer> tokenizer,
                torch::Device device, std::string name, int64_t max_batch = 64);

  std::vector<double> score(const RewardBatch& batch) override;
  using Reward::score;
  std::string name() const override { return name_; }

  const RewardModelInfo& info() const { return info_; }
  RewardModel& model() { return model_; }

  // The most bytes of kept prompt prefixes.
  static constexpr int64_t kPrefixBudgetBytes = int64_t{256} << 20;

 private:
  // r [rows] for rows [begin, end) of the batch.
  torch::Tensor score_rows(const RewardBatch& batch, int64_t begin, int64_t end);
  // r [B] of sampled tokens through the trunk's prompt prefix; undefined when the rows do not have
  // the layout it needs (then RewardModelImpl::score scores them).
  torch::Tensor score_through_prefix(const torch::Tensor& prompt, const torch::Tensor& prompt_mask,
                                     const torch::Tensor& completion, const torch::Tensor& completion_mask);

  RewardModel model_{nullptr};
  RewardModelInfo info_;
  std::optional<BpeTokenizer> tokenizer_;
  torch::Device device_;
  std::string name_;
  int64_t max_batch_;
  bool keep_prefixes_ = false;                       // the checkpoint constructor's fixed weights
  std::vector<std::unique_ptr<PromptPrefix>> kept_;  // most recent first
  int64_t kept_bytes_ = 0;
};

}  // namespace warp
