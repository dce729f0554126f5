#pragma once
// Preference pairs for the reward model, labelled by the gold reward with noise (DESIGN §4), like
// human labels of policy samples.
//
// Construction (generate_preference_pairs), deterministic given the policy, prompts and config:
//   1. The training prompts are shuffled (Fisher-Yates, SplitMix64 of the seed) and walked in that
//      order, round after round. A fraction heldout_fraction of the prompt positions, spread evenly
//      over the order, is held out: every pair of such a prompt is an evaluation pair, so
//      held-out pairs come from prompts the model never trained on.
//   2. Attempt j (prompt order[j mod n], round j / n) samples two completions a, b from the policy
//      (model/sampler.h, prompt ids of reward/task_tokens.h) with seeds derived from
//      (seed, round, prompt); the completion texts are scored by the gold reward: g_a, g_b.
//   3. Pairs with g_a == g_b (ties: most often two completions without any lexicon word) carry no
//      preference and are dropped unless keep_ties. At most max_attempts_factor · pairs attempts
//      are made.
//   4. The label: a ≻ b with probability P = σ((g_a − g_b) / s), s = noise_scale, drawn as
//      u < P with u uniform in [0, 1) from SplitMix64 of (seed, round, prompt): Bradley-Terry
//      label noise. s → 0 gives the noiseless gold ordering; large s gives coin flips.
//
// File (save_preference_data / load_preference_data), JSON:
//   {"format": "warp-rm-pairs", "version": 1, "key": {...}, "stats": {...},
//    "pairs": [{"prompt_index", "prompt", "prompt_ids", "ids_a", "ids_b", "text_a", "text_b",
//               "gold_a", "gold_b", "a_preferred", "heldout"}, ...]}
// "key" identifies what the pairs were made from (policy, tokenizer and data config hashes): a
// trainer reuses a file only when its key matches.

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>
#include <nlohmann/json.hpp>

#include "model/gpt.h"
#include "model/sampler.h"
#include "reward/lexicon.h"
#include "tokenizer/bpe.h"
#include "util/progress.h"

namespace warp {

struct PreferencePair {
  int64_t prompt_index = 0;           // into the training prompt set
  std::string prompt;                 // its text
  std::vector<int64_t> prompt_ids;    // prompt_token_ids(prompt)
  std::vector<int64_t> ids_a, ids_b;  // completion ids before EOS
  std::string text_a, text_b;         // their decoded texts
  double gold_a = 0, gold_b = 0;      // gold rewards of the texts
  bool a_preferred = false;           // the drawn label
  bool heldout = false;               // evaluation pair
};

struct PreferenceDataConfig {
  int64_t pairs = 2000;              // pairs to collect (training + held-out)
  double heldout_fraction = 0.1;     // of the prompt positions, in [0, 1)
  double noise_scale = 0.1;          // s of σ((g_a − g_b) / s), > 0
  bool keep_ties = false;            // keep pairs with g_a == g_b (their label is a coin flip)
  int64_t max_attempts_factor = 20;  // attempts <= factor · pairs
  int64_t sample_batch = 64;         // prompts per sampler call (2 rows each)
  SampleOptions sampling;            // temperature, top_k, top_p, max_new_tokens (eos_id is set from the tokenizer)
  uint64_t seed = 1;

  void validate() const;  // BadInput naming the field
  nlohmann::json to_json() const;
};

struct PreferenceData {
  std::vector<PreferencePair> pairs;
  int64_t attempts = 0;      // prompts sampled (two completions each)
  int64_t ties_dropped = 0;  // attempts dropped because g_a == g_b
  nlohmann::json key;        // what they were made from (see the file format)
};

// σ((gold_a − gold_b) / noise_scale).
double preference_probability(double gold_a, double gold_b, double noise_scale);
// u < preference_probability(...) with u in [0, 1) from SplitMix64(key): true means a ≻ b.
bool draw_preference(double gold_a, double gold_b, double noise_scale, uint64_t key);
// 0..n-1 shuffled (Fisher-Yates with SplitMix64 draws: the same on every platform).
std::vector<int64_t> shuffled_indices(int64_t n, uint64_t seed);

// Builds the pairs (steps 1-4 above) with `policy` on `device` (its parameters must be there).
// Progress: stage "rm-data", done/total = pairs collected / pairs asked. BadInput when the prompt
// list is empty or the pairs end up with no training or no held-out pair.
PreferenceData generate_preference_pairs(GPT& policy, const BpeTokenizer& tokenizer,
                                         const std::vector<std::string>& prompts, const Lexicon& gold,
                                         const PreferenceDataConfig& config, torch::Device device,
                                         const ProgressFn& progress = {});

void save_preference_data(const PreferenceData& data, const std::string& path);
// BadInput naming the file and the pair for anything malformed.
PreferenceData load_preference_data(const std::string& path);

}  // namespace warp
