#include "reward/learned_reward.h"

#include <algorithm>

#include <torch/torch.h>

#include "reward/task_tokens.h"
#include "util/error.h"

namespace warp {

namespace {

void check_tokenizer(const std::optional<BpeTokenizer>& tokenizer, const RewardModelInfo& info,
                     const std::string& where) {
  if (!tokenizer) return;
  if (!info.tokenizer_sha256.empty() && tokenizer->sha256() != info.tokenizer_sha256)
    throw BadInput(file_message(where, "the reward model was trained with tokenizer " + info.tokenizer_sha256 +
                                           ", the tokenizer given is " + tokenizer->sha256()));
  if (info.eos_id >= 0 && (!tokenizer->has_eos() || tokenizer->eos_id() != info.eos_id))
    throw BadInput(file_message(where, "the reward model's eos_id is " + std::to_string(info.eos_id) +
                                           ", the tokenizer's is " +
                                           (tokenizer->has_eos() ? std::to_string(tokenizer->eos_id()) : "none")));
}

}  // namespace

LearnedReward::LearnedReward(const std::string& checkpoint_path, std::optional<BpeTokenizer> tokenizer,
                             torch::Device device, int64_t max_batch)
    : tokenizer_(std::move(tokenizer)),
      device_(device),
      name_("rm:" + checkpoint_path),
      max_batch_(max_batch),
      keep_prefixes_(true) {
  if (max_batch_ <= 0) throw BadInput("learned reward: max_batch must be > 0, got " + std::to_string(max_batch_));
  auto ck = load_reward_model(checkpoint_path);
  info_ = ck.info;
  check_tokenizer(tokenizer_, info_, checkpoint_path);
  model_ = ck.model;
  model_->to(device_);
  model_->eval();
}

LearnedReward::LearnedReward(RewardModel model, const RewardModelInfo& info, std::optional<BpeTokenizer> tokenizer,
                             torch::Device device, std::string name, int64_t max_batch)
    : model_(std::move(model)),
      info_(info),
      tokenizer_(std::move(tokenizer)),
      device_(device),
      name_(std::move(name)),
      max_batch_(max_batch) {
  if (max_batch_ <= 0) throw BadInput("learned reward: max_batch must be > 0, got " + std::to_string(max_batch_));
  check_tokenizer(tokenizer_, info_, name_);
}

torch::Tensor LearnedReward::score_through_prefix(const torch::Tensor& prompt, const torch::Tensor& prompt_mask,
                                                  const torch::Tensor& completion,
                                                  const torch::Tensor& completion_mask) {
  const int64_t B = prompt.size(0), P = prompt.size(1), K = completion.size(1);
  const auto pmask = prompt_mask.to(torch::kBool);
  if (P == 0 || K == 0 || P + K > model_->config().n_ctx || !pmask.select(1, P - 1).all().item<bool>()) return {};
  // The scored sequence: the prompt, then the completion before its EOS (reward/reward_model.h).
  auto cmask = completion_mask.to(torch::kBool);
  if (info_.eos_id >= 0) cmask = cmask & completion.ne(info_.eos_id);
  // A kept prefix for these prompts with exactly the P - 1 + (1 + K) slots this call needs: one
  // made for other completion lengths is made again, so the slots' layout, and the numbers, never
  // depend on what was kept.
  PromptPrefix* prefix = nullptr;
  std::unique_ptr<PromptPrefix> made;
  for (size_t i = 0; i < kept_.size(); ++i)
    if (kept_[i]->matches(prompt, pmask)) {
      if (kept_[i]->max_tail() == K + 1) {
        std::rotate(kept_.begin(), kept_.begin() + static_cast<std::ptrdiff_t>(i),
                    kept_.begin() + static_cast<std::ptrdiff_t>(i) + 1);  // most recent first
        prefix = kept_.front().get();
      } else {
        kept_bytes_ -= kept_[i]->bytes();
        kept_.erase(kept_.begin() + static_cast<std::ptrdiff_t>(i));
      }
      break;
    }
  if (!prefix) {
    made = std::make_unique<PromptPrefix>(model_->trunk, prompt, pmask, K + 1);
    prefix = made.get();
    if (made->bytes() <= kPrefixBudgetBytes) {
      while (!kept_.empty() && kept_bytes_ + made->bytes() > kPrefixBudgetBytes) {
        kept_bytes_ -= kept_.back()->bytes();
        kept_.pop_back();
      }
      kept_bytes_ += made->bytes();
      kept_.insert(kept_.begin(), std::move(made));
    }
  }
  auto hidden = prefix->tail_hidden(model_->trunk, completion, cmask);  // [B, 1+K, C]
  // The last real slot of prompt + completion: the last prompt slot (real) or a completion token.
  auto tail_mask = torch::cat({torch::ones({B, 1}, cmask.options()), cmask}, 1);  // [B, 1+K]
  const int64_t C = model_->config().n_embd;
  auto last = last_real_index(tail_mask).view({B, 1, 1}).expand({B, 1, C});
  return model_->head->forward(hidden.gather(1, last).squeeze(1)).squeeze(-1);  // [B]
}

torch::Tensor LearnedReward::score_rows(const RewardBatch& batch, int64_t begin, int64_t end) {
  if (batch.has_tokens()) {
    auto rows = [&](const torch::Tensor& t) { return t.slice(0, begin, end).to(device_); };
    if (keep_prefixes_) {
      auto r = score_through_prefix(rows(batch.prompt_tokens), rows(batch.prompt_mask), rows(batch.completion_tokens),
                                    rows(batch.completion_mask));
      if (r.defined()) return r;
    }
    return model_->score(rows(batch.prompt_tokens), rows(batch.prompt_mask), rows(batch.completion_tokens),
                         rows(batch.completion_mask), info_.eos_id);
  }
  if (!tokenizer_)
    throw Error("learned reward " + name_ + ": the batch has only texts and no tokenizer was given to encode them");
  // Encode each row: prompt ids left-padded to P, completion ids right-padded to K.
  std::vector<std::vector<int64_t>> prompts, completions;
  size_t P = 1, K = 1;
  for (int64_t i = begin; i < end; ++i) {
    prompts.push_back(prompt_token_ids(*tokenizer_, batch.prompts[static_cast<size_t>(i)]));
    std::vector<int64_t> c;
    for (int32_t id : tokenizer_->encode(batch.completions[static_cast<size_t>(i)])) c.push_back(id);
    completions.push_back(std::move(c));
    P = std::max(P, prompts.back().size());
    K = std::max(K, completions.back().size());
  }
  const auto B = static_cast<int64_t>(prompts.size());
  auto prompt = torch::zeros({B, static_cast<int64_t>(P)}, torch::kLong);
  auto pmask = torch::zeros({B, static_cast<int64_t>(P)}, torch::kBool);
  auto completion = torch::zeros({B, static_cast<int64_t>(K)}, torch::kLong);
  auto cmask = torch::zeros({B, static_cast<int64_t>(K)}, torch::kBool);
  auto pa = prompt.accessor<int64_t, 2>();
  auto pm = pmask.accessor<bool, 2>();
  auto ca = completion.accessor<int64_t, 2>();
  auto cm = cmask.accessor<bool, 2>();
  for (int64_t b = 0; b < B; ++b) {
    const auto& p = prompts[static_cast<size_t>(b)];
    const size_t pad = P - p.size();
    for (size_t i = 0; i < p.size(); ++i) {
      pa[b][static_cast<int64_t>(pad + i)] = p[i];
      pm[b][static_cast<int64_t>(pad + i)] = true;
    }
    const auto& c = completions[static_cast<size_t>(b)];
    for (size_t i = 0; i < c.size(); ++i) {
      ca[b][static_cast<int64_t>(i)] = c[i];
      cm[b][static_cast<int64_t>(i)] = true;
    }
  }
  return model_->score(prompt.to(device_), pmask.to(device_), completion.to(device_), cmask.to(device_), info_.eos_id);
}

std::vector<double> LearnedReward::score(const RewardBatch& batch) {
  batch.validate();
  const auto B = static_cast<int64_t>(batch.size());
  std::vector<double> out;
  out.reserve(static_cast<size_t>(B));
  if (B == 0) return out;
  torch::NoGradGuard no_grad;
  const bool was_training = model_->is_training();
  model_->eval();
  try {
    for (int64_t i = 0; i < B; i += max_batch_) {
      auto r = score_rows(batch, i, std::min(B, i + max_batch_)).to(torch::kCPU, torch::kDouble).contiguous();
      const double* p = r.data_ptr<double>();
      out.insert(out.end(), p, p + r.numel());
    }
  } catch (...) {
    model_->train(was_training);
    throw;
  }
  model_->train(was_training);
  return out;
}

}  // namespace warp
