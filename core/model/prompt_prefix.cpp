#include "model/prompt_prefix.h"

#include <string>

#include <torch/torch.h>

#include "model/shape.h"
#include "util/error.h"

namespace warp {

namespace {

// Position ids of left-padded rows: 0 at each row's first real token (padding: 0), as
// completion_logits numbers the slots of prompt + completion.
torch::Tensor positions(const torch::Tensor& mask) { return (mask.to(torch::kLong).cumsum(1) - 1).clamp_min(0); }

// The cache slots a prefix needs (P - 1 + max_tail); BadInput for bad shapes or too many slots.
int64_t checked_capacity(GPT& model, const torch::Tensor& prompt, const torch::Tensor& prompt_mask, int64_t max_tail) {
  if (!prompt.defined() || !prompt_mask.defined() || prompt.dim() != 2 || prompt.size(0) == 0 || prompt.size(1) == 0 ||
      !prompt_mask.sizes().equals(prompt.sizes()))
    throw BadInput("prompt prefix: prompt [B, P] with B, P > 0 and a prompt_mask of its shape expected, got " +
                   shape_of(prompt) + " and " + shape_of(prompt_mask));
  if (max_tail <= 0) throw BadInput("prompt prefix: max_tail must be > 0, got " + std::to_string(max_tail));
  const int64_t capacity = prompt.size(1) - 1 + max_tail;
  if (capacity > model->config().n_ctx)
    throw BadInput("prompt prefix: prompt slots " + std::to_string(prompt.size(1)) + " - 1 + tail " +
                   std::to_string(max_tail) + " exceed n_ctx " + std::to_string(model->config().n_ctx));
  return capacity;
}

}  // namespace

PromptPrefix::PromptPrefix(GPT& model, const torch::Tensor& prompt, const torch::Tensor& prompt_mask, int64_t max_tail)
    : cache_(model->make_cache(prompt.size(0), checked_capacity(model, prompt, prompt_mask, max_tail))),
      prompt_(prompt),
      prompt_mask_(prompt_mask.to(torch::kBool)),
      model_(model.get()),
      max_tail_(max_tail),
      n_embd_(model->config().n_embd) {
  const int64_t P = prompt_.size(1);
  if (P > 1) {
    auto head = prompt_mask_.narrow(1, 0, P - 1);
    model->forward_hidden(prompt_.narrow(1, 0, P - 1), positions(head), head, &cache_);  // fills slots [0, P-1)
  }
}

bool PromptPrefix::matches(const torch::Tensor& prompt, const torch::Tensor& prompt_mask) const {
  return prompt.sizes().equals(prompt_.sizes()) && prompt_mask.sizes().equals(prompt_mask_.sizes()) &&
         prompt.device() == prompt_.device() && torch::equal(prompt, prompt_) &&
         torch::equal(prompt_mask.to(torch::kBool), prompt_mask_);
}

torch::Tensor PromptPrefix::tail_hidden(GPT& model, const torch::Tensor& next, const torch::Tensor& next_mask) {
  if (model.get() != model_) throw Error("prompt prefix: used with another model than the one it was computed with");
  const int64_t B = prompt_.size(0), P = prompt_.size(1);
  if (!next.defined() || !next_mask.defined() || next.dim() != 2 || next.size(0) != B || next.size(1) + 1 > max_tail_ ||
      !next_mask.sizes().equals(next.sizes()))
    throw BadInput("prompt prefix: next tokens [B, T] with B = " + std::to_string(B) +
                   " and T <= " + std::to_string(max_tail_ - 1) + " and a mask of their shape expected, got " +
                   shape_of(next) + " and " + shape_of(next_mask));
  const int64_t T = next.size(1);
  // Every slot of prompt + next, numbered as a forward pass over all of them numbers them; the
  // model sees slots [P-1, P+T) after the kept [0, P-1).
  auto mask = torch::cat({prompt_mask_, next_mask.to(torch::kBool)}, 1);  // [B, P+T]
  auto tail = torch::cat({prompt_.narrow(1, P - 1, 1), next}, 1);         // [B, 1+T]
  // Back to the prefix: the slots after it are overwritten, those of the prefix never are.
  cache_.reset();
  cache_.advance(P - 1);
  auto hidden = model->forward_hidden(tail, positions(mask).narrow(1, P - 1, T + 1), mask.narrow(1, P - 1, T + 1),
                                      &cache_);  // [B, 1+T, C]
  cache_.reset();
  cache_.advance(P - 1);
  return hidden;
}

torch::Tensor PromptPrefix::completion_logits(GPT& model, const torch::Tensor& completion, double temperature) {
  return model->logits_from_hidden(completion_hidden(model, completion, temperature));  // [B, K, V]
}

torch::Tensor PromptPrefix::completion_hidden(GPT& model, const torch::Tensor& completion, double temperature) {
  if (!(temperature > 0.0))
    throw BadInput("prompt prefix: temperature must be > 0, got " + std::to_string(temperature));
  const int64_t B = prompt_.size(0);
  if (!completion.defined() || completion.dim() != 2 || completion.size(0) != B || completion.size(1) == 0 ||
      completion.size(1) > max_tail_)
    throw BadInput("prompt prefix: completion [B, K] with B = " + std::to_string(B) +
                   " and 0 < K <= " + std::to_string(max_tail_) + " expected, got " + shape_of(completion));
  const int64_t K = completion.size(1);
  auto next = completion.narrow(1, 0, K - 1);  // the last completion token predicts nothing wanted here
  auto hidden =
      tail_hidden(model, next, torch::ones_like(next, torch::TensorOptions().dtype(torch::kBool)));  // [B, K, C]
  if (temperature != 1.0) hidden = hidden * (1.0 / temperature);
  return hidden;  // [B, K, C]
}

int64_t PromptPrefix::bytes() const {
  const int64_t element = static_cast<int64_t>(c10::elementSize(cache_.dtype()));
  const int64_t B = cache_.batch(), slots = cache_.capacity();
  // k and v of every layer, [B, H, slots, hs] each (H * hs = C); the key mask; the prompts and their mask.
  return 2 * cache_.n_layer() * B * slots * n_embd_ * element + B * slots + prompt_.numel() * 9;
}

}  // namespace warp
