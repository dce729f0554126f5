#pragma once
// Hugging Face GPT-2 interop: export warp GPT params as a folder that
// transformers' GPT2LMHeadModel.from_pretrained(dir) loads, and import such a folder.
//
// Folder layout (as save_pretrained writes it):
//   model.safetensors      transformer.wte.weight [V,C], transformer.wpe.weight [n_ctx,C],
//                          transformer.h.N.{ln_1,attn.c_attn,attn.c_proj,ln_2,mlp.c_fc,mlp.c_proj}.*,
//                          transformer.ln_f.*; __metadata__ {"format": "pt"}. No lm_head.weight: the
//                          head is tied to wte (tie_word_embeddings), which from_pretrained re-ties.
//   config.json            model_type "gpt2", GPT2LMHeadModel, sizes, gelu_new, dropouts, bos/eos
//   vocab.json merges.txt  the byte-level BPE files (optional), plus tokenizer_config.json naming the
//                          bos/eos tokens so GPT2Tokenizer does not invent "<|endoftext|>"
//
// Layouts: warp keeps nn.Linear weights [out, in]; HF GPT-2 uses Conv1D, whose weight is
// [in, out]. The four Conv1D weights (attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj) are
// transposed on the way out and back on the way in; everything else is stored as is.
//
// Import accepts names with or without the "transformer." prefix, ignores the attention-mask
// buffers (h.N.attn.bias, h.N.attn.masked_bias) and an lm_head.weight equal to wte, converts
// F16/BF16/F64 to float32 and rejects anything else unknown. Sharded folders
// (model.safetensors.index.json) are read too. Pickle files (pytorch_model.bin) are never loaded.

#include <cstdint>
#include <string>

#include <torch/types.h>
#include <nlohmann/json.hpp>

#include "model/gpt_config.h"
#include "store/tensor_info.h"
#include "util/progress.h"

namespace warp {

struct HfExportOptions {
  int64_t bos_token_id = -1;  // required: 0 <= id < vocab_size (GPT-2 itself uses 50256 for both)
  int64_t eos_token_id = -1;  // required
  // Tokenizer files written as vocab.json / merges.txt: both or neither, each given either as a
  // path to copy or as its text (e.g. a tokenizer embedded in a checkpoint), not both.
  std::string vocab_json, merges_txt;            // paths
  std::string vocab_json_text, merges_txt_text;  // contents
};

// "h.0.attn.c_attn.weight" -> "transformer.h.0.attn.c_attn.weight".
std::string hf_gpt2_name(const std::string& warp_name);
// True for the Conv1D weights that HF stores transposed.
bool hf_gpt2_is_conv1d_weight(const std::string& warp_name);
// Warp layout -> HF layout (transposed for Conv1D weights), contiguous float32; and back.
torch::Tensor to_hf_gpt2_layout(const std::string& warp_name, const torch::Tensor& t);
torch::Tensor from_hf_gpt2_layout(const std::string& warp_name, const torch::Tensor& t);

// config.json for a warp GPT config (throws BadInput for token ids outside [0, vocab_size)).
nlohmann::json hf_gpt2_config_json(const GPTConfig& config, const HfExportOptions& options);
// GPTConfig from a config.json (GPT2Config defaults for absent fields). Throws BadInput naming
// `where` and the field for another model_type, an activation other than gelu_new /
// gelu_pytorch_tanh, n_inner != 4 n_embd, scale_attn_by_inverse_layer_idx, cross attention.
GPTConfig gpt_config_from_hf_gpt2(const nlohmann::json& hf, const std::string& where);

// Writes the folder (created when missing; each file written atomically). params must be exactly
// gpt_param_specs(config) (any order, float32, finite; any device). Progress counts tensors.
void export_hf_gpt2(const std::string& dir, const GPTConfig& config, const NamedTensors& params,
                    const HfExportOptions& options, const ProgressFn& progress = {});
// The same from a warp checkpoint file, one tensor in memory at a time.
void export_hf_gpt2_from_checkpoint(const std::string& checkpoint, const std::string& dir,
                                    const HfExportOptions& options, const ProgressFn& progress = {});

struct HfGpt2Import {
  GPTConfig config;
  NamedTensors params;                           // warp names and layout, float32, in gpt_param_specs(config) order
  nlohmann::json hf_config;                      // config.json as read
  int64_t bos_token_id = -1, eos_token_id = -1;  // from config.json; -1 when absent
  std::string vocab_json, merges_txt;            // paths of the tokenizer files present; "" otherwise
};

// Reads a folder written by export_hf_gpt2 or by transformers' save_pretrained. Throws BadInput
// naming the file and tensor for anything that does not fit.
HfGpt2Import import_hf_gpt2(const std::string& dir, const ProgressFn& progress = {});

}  // namespace warp
