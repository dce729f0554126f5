// warp tokenize --tokenizer DIR [--text TEXT | --file FILE]
// Prints the token ids of the text, space separated (one line). DIR holds vocab.json + merges.txt
// (or GPT-2's encoder.json + vocab.bpe).
#include <iostream>

#include "commands.h"
#include "tokenizer/bpe.h"
#include "util/error.h"
#include "util/fsutil.h"

namespace {

void register_tokenize(CLI::App& app) {
  auto* cmd = app.add_subcommand("tokenize", "Print the token ids of a text (byte-level BPE)");
  auto dir = std::make_shared<std::string>();
  auto text = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  cmd->add_option("--tokenizer", *dir, "Folder with vocab.json + merges.txt (or encoder.json + vocab.bpe)")->required();
  auto* t = cmd->add_option("--text", *text, "Text to encode");
  auto* f = cmd->add_option("--file", *file, "File whose bytes to encode");
  t->excludes(f);
  cmd->callback([dir, text, file, t, f] {
    if (t->count() == 0 && f->count() == 0) throw warp::BadInput("give --text TEXT or --file FILE");
    auto tokenizer = warp::BpeTokenizer::load_dir(*dir);
    const std::string input = f->count() ? warp::read_file_text(*file) : *text;
    const auto ids = tokenizer.encode(input);
    for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? " " : "") << ids[i];
    std::cout << "\n";
  });
}

const bool registered = warp::cli::add_command(&register_tokenize);

}  // namespace
