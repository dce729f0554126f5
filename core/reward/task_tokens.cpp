#include "reward/task_tokens.h"

#include <torch/torch.h>

#include "store/tensor_info.h"
#include "util/error.h"

namespace warp {

std::vector<int64_t> prompt_token_ids(const BpeTokenizer& tokenizer, const std::string& prompt) {
  std::vector<int64_t> ids{tokenizer.eos_id()};
  for (int32_t id : tokenizer.encode(prompt)) ids.push_back(id);
  return ids;
}

std::vector<std::vector<int64_t>> completion_id_rows(const torch::Tensor& tokens, const torch::Tensor& mask,
                                                     int64_t eos_id) {
  if (tokens.dim() != 2 || !mask.sizes().equals(tokens.sizes()))
    throw BadInput("completion tokens must be [B, K] with a mask of the same shape, got " +
                   shape_string(tensor_shape(tokens)) + " and " + shape_string(tensor_shape(mask)));
  if (tokens.scalar_type() != torch::kInt64 || mask.scalar_type() != torch::kBool)
    throw BadInput("completion tokens must be int64 and the mask bool, got " + dtype_name(tokens.scalar_type()) +
                   " and " + dtype_name(mask.scalar_type()));
  auto t = tokens.to(torch::kCPU).contiguous();
  auto m = mask.to(torch::kCPU).contiguous();
  const int64_t B = t.size(0), K = t.size(1);
  const int64_t* tp = t.data_ptr<int64_t>();
  const bool* mp = m.data_ptr<bool>();
  std::vector<std::vector<int64_t>> rows(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) {
    auto& row = rows[static_cast<size_t>(b)];
    for (int64_t k = 0; k < K; ++k) {
      if (!mp[b * K + k]) break;
      const int64_t id = tp[b * K + k];
      if (eos_id >= 0 && id == eos_id) break;
      row.push_back(id);
    }
  }
  return rows;
}

std::string completion_text(const BpeTokenizer& tokenizer, const std::vector<int64_t>& ids) {
  std::vector<int32_t> narrow;
  narrow.reserve(ids.size());
  for (int64_t id : ids) {
    if (id < 0 || id >= tokenizer.vocab_size())
      throw BadInput("completion token id " + std::to_string(id) + " is outside the tokenizer's vocabulary [0, " +
                     std::to_string(tokenizer.vocab_size()) + ")");
    narrow.push_back(static_cast<int32_t>(id));
  }
  return tokenizer.decode(narrow);
}

std::string decode_completion(const BpeTokenizer& tokenizer, const std::vector<int64_t>& ids) {
  const int64_t V = tokenizer.vocab_size();
  std::string out;
  std::vector<int64_t> run;  // a stretch of known ids
  for (int64_t id : ids) {
    if (id >= 0 && id < V) {
      run.push_back(id);
      continue;
    }
    out += completion_text(tokenizer, run);
    run.clear();
    out += "\xEF\xBF\xBD";  // U+FFFD
  }
  return out + completion_text(tokenizer, run);
}

}  // namespace warp
