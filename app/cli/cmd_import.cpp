// warp import --from DIR --out FILE
// Reads a Hugging Face GPT-2 folder (model.safetensors + config.json, tokenizer files optional)
// into a warp checkpoint. The tokenizer files travel inside the checkpoint, so the imported model
// samples at once (warp sample --ckpt FILE).
#include <iostream>

#include "commands.h"
#include "experiment/checkpoint_tokenizer.h"
#include "store/checkpoint_h5.h"
#include "store/hf_gpt2.h"
#include "util/error.h"
#include "util/fsutil.h"

namespace {

void register_import(CLI::App& app) {
  auto* cmd = app.add_subcommand("import", "Import a Hugging Face GPT-2 folder (safetensors) as a warp checkpoint");
  auto from = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  cmd->add_option("--from", *from, "Folder with model.safetensors and config.json")->required();
  cmd->add_option("--out", *out, "Checkpoint to write (.h5)")->required();
  cmd->callback([from, out] {
    if (!warp::is_directory(*from)) throw warp::BadInput(*from + ": not a folder");
    auto imp = warp::import_hf_gpt2(*from);
    warp::CheckpointHeader header;
    header.kind = "import";
    header.config = {{"source", {{"format", "hf-gpt2"}, {"folder", *from}}}};
    warp::NamedTensors files;
    if (!imp.vocab_json.empty() && !imp.merges_txt.empty()) {
      files = warp::tokenizer_file_tensors(warp::BpeTokenizer::load(imp.vocab_json, imp.merges_txt));
    }
    warp::save_gpt_params(*out, imp.config, imp.params, header, {}, files);
    std::cout << "imported " << *from << " -> " << *out << " (" << imp.params.size() << " tensors, n_layer "
              << imp.config.n_layer << ", n_embd " << imp.config.n_embd << ", vocab " << imp.config.vocab_size
              << (files.empty() ? ", no tokenizer files" : ", tokenizer embedded") << ")\n";
  });
}

const bool registered = warp::cli::add_command(&register_import);

}  // namespace
