// warp export --ckpt FILE --format safetensors --out DIR [--tokenizer DIR]
// Writes a Hugging Face GPT-2 folder (model.safetensors, config.json, vocab.json, merges.txt,
// tokenizer_config.json) that transformers' GPT2LMHeadModel.from_pretrained(DIR) loads.
#include <iostream>

#include "commands.h"
#include "experiment/checkpoint_tokenizer.h"
#include "experiment/checkpoint_trust.h"
#include "store/hf_gpt2.h"
#include "util/error.h"
#include "util/fsutil.h"

namespace {

struct Options {
  std::string ckpt, format = "safetensors", out, tokenizer;
};

void register_export(CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "Export a policy checkpoint for other tools (Hugging Face GPT-2 folder)");
  auto o = std::make_shared<Options>();
  cmd->add_option("--ckpt", o->ckpt, "Policy checkpoint (.h5)")->required();
  cmd->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"safetensors"}))->capture_default_str();
  cmd->add_option("--out", o->out, "Output folder")->required();
  cmd->add_option("--tokenizer", o->tokenizer, "Tokenizer folder (default: the checkpoint's own, see docs)");
  cmd->callback([o] {
    warp::check_checkpoint_input(o->ckpt);
    auto tokenizer = warp::tokenizer_for_checkpoint(o->ckpt, o->tokenizer);
    if (!tokenizer.has_eos())
      throw warp::BadInput(o->ckpt + ": its tokenizer has no <|endoftext|> token to use as bos/eos");
    warp::HfExportOptions opt;
    opt.bos_token_id = opt.eos_token_id = tokenizer.eos_id();
    opt.vocab_json_text = tokenizer.vocab_json();
    opt.merges_txt_text = tokenizer.merges_txt();
    if (warp::is_regular_file(o->out)) throw warp::BadInput(o->out + ": is a file, expected a folder");
    warp::export_hf_gpt2_from_checkpoint(o->ckpt, o->out, opt);
    std::cout << "exported " << o->ckpt << " to " << o->out << " (model.safetensors, config.json, tokenizer files)\n";
  });
}

const bool registered = warp::cli::add_command(&register_export);

}  // namespace
