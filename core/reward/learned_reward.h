#pragma once
// The learned reward: a Bradley-Terry reward model (reward/reward_model.h) behind the Reward
// interface. Scores under NoGradGuard, in eval mode, in chunks of max_batch rows on its device.
//
// Ids: when the batch carries the sampled token tensors they are scored as they are; otherwise
// each row is encoded with the tokenizer (reward/task_tokens.h: prompt ids, completion ids) and the
// rows are left-padded. The tokenizer must be the one the model was trained with: its SHA-256 is
// checked against the checkpoint's when the checkpoint records one.

#include <memory>
#include <optional>
#include <string>

#include <torch/types.h>

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

 private:
  // r [rows] for rows [begin, end) of the batch.
  torch::Tensor score_rows(const RewardBatch& batch, int64_t begin, int64_t end);

  RewardModel model_{nullptr};
  RewardModelInfo info_;
  std::optional<BpeTokenizer> tokenizer_;
  torch::Device device_;
  std::string name_;
  int64_t max_batch_;
};

}  // namespace warp
