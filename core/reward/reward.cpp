#include "reward/reward.h"

#include <torch/torch.h>

#include "model/shape.h"
#include "store/tensor_info.h"
#include "util/error.h"

namespace warp {

void RewardBatch::validate() const {
  const auto B = static_cast<int64_t>(prompts.size());
  if (completions.size() != prompts.size())
    throw BadInput("reward batch: " + std::to_string(prompts.size()) + " prompts but " +
                   std::to_string(completions.size()) + " completions");
  const int given = int(prompt_tokens.defined()) + int(prompt_mask.defined()) + int(completion_tokens.defined()) +
                    int(completion_mask.defined());
  if (given == 0) return;
  if (given != 4)
    throw BadInput(
        "reward batch: token tensors must be given all four (prompt_tokens, prompt_mask, "
        "completion_tokens, completion_mask) or none; " +
        std::to_string(given) + " given");
  auto check = [&](const torch::Tensor& t, const char* name, torch::Dtype dtype, const torch::Tensor* like) {
    if (t.dim() != 2 || t.size(0) != B)
      throw BadInput(std::string("reward batch: ") + name + " must be [B=" + std::to_string(B) + ", N], got " +
                     shape_of(t));
    if (t.scalar_type() != dtype)
      throw BadInput(std::string("reward batch: ") + name + " must be " + dtype_name(dtype) + ", got " +
                     dtype_name(t.scalar_type()));
    if (like && !t.sizes().equals(like->sizes()))
      throw BadInput(std::string("reward batch: ") + name + " " + shape_of(t) + " must have the shape of the tokens " +
                     shape_of(*like));
  };
  check(prompt_tokens, "prompt_tokens", torch::kInt64, nullptr);
  check(prompt_mask, "prompt_mask", torch::kBool, &prompt_tokens);
  check(completion_tokens, "completion_tokens", torch::kInt64, nullptr);
  check(completion_mask, "completion_mask", torch::kBool, &completion_tokens);
}

RewardBatch RewardBatch::from_texts(std::vector<std::string> prompts, std::vector<std::string> completions) {
  RewardBatch b;
  b.prompts = std::move(prompts);
  b.completions = std::move(completions);
  return b;
}

std::vector<double> Reward::score(const std::vector<std::string>& prompts,
                                  const std::vector<std::string>& completions) {
  return score(RewardBatch::from_texts(prompts, completions));
}

GoldReward::GoldReward(std::shared_ptr<const Lexicon> lexicon) : lexicon_(std::move(lexicon)) {
  if (!lexicon_) throw Error("GoldReward: no lexicon");
}

std::unique_ptr<GoldReward> GoldReward::load(const std::string& afinn_index_js) {
  return std::make_unique<GoldReward>(std::make_shared<const Lexicon>(load_afinn_js(afinn_index_js)));
}

std::vector<double> GoldReward::score(const RewardBatch& batch) {
  batch.validate();
  return lexicon_->score(batch.completions);
}

}  // namespace warp
