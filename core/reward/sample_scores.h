#pragma once
// The rewards of sampled completions, as RL (rl/rl_step.h) and evaluation (eval/evaluate.h) take
// them: the sampler's output (model/sampler.h) becomes a RewardBatch holding the prompt texts, the
// decoded completions and the sampled ids themselves (so a learned reward scores exactly what was
// sampled), which the reward r and, when given, the gold reward score.
//
// Dimension legend: B rows (one completion each), P prompt slots, K completion slots.

#include <cstdint>
#include <string>
#include <vector>

#include "model/sampler.h"
#include "reward/reward.h"
#include "tokenizer/bpe.h"

namespace warp {

struct SampleScores {
  std::vector<std::vector<int64_t>> completion_ids;  // per row: the sampled ids up to, not including, EOS
  RewardBatch batch;                                 // what was scored (texts and the sampled tensors)
  std::vector<double> reward;                        // r, one per row
  std::vector<double> gold;                          // the gold reward, one per row (= reward when gold is null)
};

// samples: tokens / mask [B, K], prompt / prompt_mask [B, P]; prompt_texts: B texts (may be empty
// strings); eos_id: the sampler's EOS (< 0: none). tokenizer decodes the completions
// (decode_completion, reward/task_tokens.h); null leaves the completion texts empty, for rewards
// that read only the ids. gold null: r is the gold reward itself, scored once. BadInput when
// prompt_texts does not have B entries; Error "<who>: the reward returned N scores for B
// completions" when a reward returns the wrong count.
SampleScores score_samples(const SampleResult& samples, std::vector<std::string> prompt_texts,
                           const BpeTokenizer* tokenizer, int64_t eos_id, Reward& reward, Reward* gold,
                           const std::string& who);

}  // namespace warp
