#include "model/token_stats.h"

#include <algorithm>
#include <vector>

#include <torch/torch.h>

#include "model/shape.h"
#include "util/error.h"

namespace warp {

torch::Tensor completion_logits(GPT& model, const torch::Tensor& prompt, const torch::Tensor& prompt_mask,
                                const torch::Tensor& completion, double temperature) {
  if (!(temperature > 0.0))
    throw BadInput("completion_logits: temperature must be > 0, got " + std::to_string(temperature));
  if (prompt.dim() != 2 || prompt.size(1) == 0 || !prompt_mask.sizes().equals(prompt.sizes()))
    throw BadInput("completion_logits: prompt [B, P] with P > 0 and a prompt_mask of its shape expected, got " +
                   shape_of(prompt) + " and " + shape_of(prompt_mask));
  if (completion.dim() != 2 || completion.size(0) != prompt.size(0) || completion.size(1) == 0)
    throw BadInput("completion_logits: completion [B, K] with B = " + std::to_string(prompt.size(0)) +
                   " and K > 0 expected, got " + shape_of(completion));
  const int64_t B = prompt.size(0), P = prompt.size(1), K = completion.size(1);
  if (P + K - 1 > model->config().n_ctx)
    throw BadInput("completion_logits: prompt slots " + std::to_string(P) + " + completion " + std::to_string(K) +
                   " - 1 exceed n_ctx " + std::to_string(model->config().n_ctx));
  auto bool_opts = torch::TensorOptions().dtype(torch::kBool).device(prompt.device());
  auto seq = torch::cat({prompt, completion.narrow(1, 0, K - 1)}, 1);                             // [B, P+K-1]
  auto mask = torch::cat({prompt_mask.to(torch::kBool), torch::ones({B, K - 1}, bool_opts)}, 1);  // [B, P+K-1]
  auto pos = (mask.to(torch::kLong).cumsum(1) - 1).clamp_min(0);  // [B, P+K-1], 0 at each row's first real token
  auto hidden = model->forward_hidden(seq, pos, mask).narrow(1, P - 1, K);  // [B, K, C]
  if (temperature != 1.0) hidden = hidden * (1.0 / temperature);
  return model->logits_from_hidden(hidden);  // [B, K, V]
}

torch::Tensor completion_log_softmax(GPT& model, const torch::Tensor& prompt, const torch::Tensor& prompt_mask,
                                     const torch::Tensor& completion, double temperature) {
  return torch::log_softmax(completion_logits(model, prompt, prompt_mask, completion, temperature), -1);  // [B, K, V]
}

torch::Tensor gather_token_log_probs(const torch::Tensor& logp, const torch::Tensor& tokens) {
  if (logp.dim() != 3 || tokens.dim() != 2 || logp.size(0) != tokens.size(0) || logp.size(1) != tokens.size(1))
    throw BadInput("gather_token_log_probs: logp [B, K, V] and tokens [B, K] expected, got " + shape_of(logp) +
                   " and " + shape_of(tokens));
  return logp.gather(2, tokens.unsqueeze(2)).squeeze(2);  // [B, K]
}

torch::Tensor token_entropy(const torch::Tensor& logp) {
  return -(logp.exp() * logp).sum(-1);  // [B, K]
}

torch::Tensor token_kl(const torch::Tensor& logp, const torch::Tensor& logq) {
  if (!logp.sizes().equals(logq.sizes()))
    throw BadInput("token_kl: the two distributions differ in shape: " + shape_of(logp) + " and " + shape_of(logq));
  auto d = logp - logq;               // [B, K, V]
  return d.mul_(logp.exp()).sum(-1);  // [B, K]; in place: one [B, K, V] temporary fewer
}

torch::Tensor masked_row_sum(const torch::Tensor& x, const torch::Tensor& mask) {
  if (!x.sizes().equals(mask.sizes()))
    throw BadInput("masked_row_sum: values " + shape_of(x) + " and mask " + shape_of(mask) + " differ in shape");
  return x.masked_fill(mask.logical_not(), 0.0).sum(1);  // [B]
}

RowKl chunked_row_kl(const RowLogitsFn& p_logits, const RowLogitsFn& q_logits, const torch::Tensor& tokens,
                     const torch::Tensor& mask, int64_t chunk_rows) {
  if (chunk_rows < 1) throw BadInput("chunked_row_kl: chunk_rows must be >= 1, got " + std::to_string(chunk_rows));
  if (tokens.dim() != 2 || !mask.sizes().equals(tokens.sizes()))
    throw BadInput("chunked_row_kl: tokens [B, K] and a mask of their shape expected, got " + shape_of(tokens) +
                   " and " + shape_of(mask));
  const int64_t B = tokens.size(0);
  std::vector<torch::Tensor> exact, sampled;
  for (int64_t begin = 0; begin < B; begin += chunk_rows) {
    const int64_t rows = std::min(chunk_rows, B - begin);
    const torch::Tensor tok = tokens.narrow(0, begin, rows), m = mask.narrow(0, begin, rows);
    const torch::Tensor logq = torch::log_softmax(q_logits(begin, rows), -1);  // [rows, K, V]
    const torch::Tensor logp = p_logits ? torch::log_softmax(p_logits(begin, rows), -1) : logq;
    if (!logp.sizes().equals(logq.sizes()) || logq.dim() != 3 || logq.size(0) != rows || logq.size(1) != tokens.size(1))
      throw BadInput("chunked_row_kl: logits [" + std::to_string(rows) + ", " + std::to_string(tokens.size(1)) +
                     ", V] expected for rows from " + std::to_string(begin) + ", got " + shape_of(logp) + " and " +
                     shape_of(logq));
    exact.push_back(masked_row_sum(token_kl(logp, logq), m));
    sampled.push_back(masked_row_sum(gather_token_log_probs(logp, tok) - gather_token_log_probs(logq, tok), m));
  }
  if (exact.empty()) {  // no rows
    auto none = torch::zeros({0}, torch::TensorOptions().dtype(torch::kFloat).device(tokens.device()));
    return {none, none};
  }
  return {torch::cat(exact), torch::cat(sampled)};
}

int64_t kl_chunk_rows(int64_t K, int64_t V, int64_t element_bytes) {
  constexpr int64_t kChunkBytes = int64_t{4} << 20;
  const int64_t row = std::max<int64_t>(1, K) * std::max<int64_t>(1, V) * std::max<int64_t>(1, element_bytes);
  return std::max<int64_t>(1, kChunkBytes / row);
}

}  // namespace warp
