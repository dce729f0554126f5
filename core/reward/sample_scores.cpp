#include "reward/sample_scores.h"

#include <utility>

#include <torch/torch.h>

#include "reward/task_tokens.h"
#include "util/error.h"
#include "util/phase_times.h"

namespace warp {

SampleScores score_samples(const SampleResult& samples, std::vector<std::string> prompt_texts,
                           const BpeTokenizer* tokenizer, int64_t eos_id, Reward& reward, Reward* gold,
                           const std::string& who) {
  PhaseTimes* const times = PhaseRecorder::current();  // profiling only
  PhaseTimer decoding(times, "decode");
  SampleScores out;
  out.completion_ids = completion_id_rows(samples.tokens, samples.mask, eos_id);
  const size_t B = out.completion_ids.size();
  if (prompt_texts.size() != B)
    throw BadInput(who + ": " + std::to_string(prompt_texts.size()) + " prompt texts for " + std::to_string(B) +
                   " sampled rows");
  out.batch.prompts = std::move(prompt_texts);
  out.batch.completions.reserve(B);
  for (const auto& ids : out.completion_ids)
    out.batch.completions.push_back(tokenizer ? decode_completion(*tokenizer, ids) : std::string());
  out.batch.prompt_tokens = samples.prompt;
  out.batch.prompt_mask = samples.prompt_mask;
  out.batch.completion_tokens = samples.tokens;
  out.batch.completion_mask = samples.mask;
  decoding.stop();
  PhaseTimer rewarding(times, "reward");
  out.reward = reward.score(out.batch);
  rewarding.stop();
  PhaseTimer golding(times, "gold");
  out.gold = gold ? gold->score(out.batch) : out.reward;
  golding.stop();
  if (out.reward.size() != B || out.gold.size() != B)
    throw Error(who + ": the reward returned " + std::to_string(out.reward.size()) + " scores for " +
                std::to_string(B) + " completions");
  return out;
}

}  // namespace warp
