#include "store/hf_gpt2.h"

#include <cctype>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include <torch/torch.h>

#include "model/gpt_params.h"
#include "store/checkpoint_h5.h"
#include "store/safetensors.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/json_read.h"

namespace warp {

namespace {

constexpr const char* kPrefix = "transformer.";

std::string join(const std::string& dir, const std::string& name) {
  return dir.empty() || dir.back() == '/' ? dir + name : dir + "/" + name;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "h.<digits>.attn.bias" / "h.<digits>.attn.masked_bias": the causal-mask buffers that older
// transformers versions saved with the weights.
bool is_attention_buffer(const std::string& name) {
  if (name.compare(0, 2, "h.") != 0) return false;
  size_t i = 2;
  while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i]))) ++i;
  if (i == 2) return false;
  std::string rest = name.substr(i);
  return rest == ".attn.bias" || rest == ".attn.masked_bias";
}

std::vector<int64_t> hf_shape(const ParamSpec& spec) {
  if (hf_gpt2_is_conv1d_weight(spec.name)) return {spec.shape[1], spec.shape[0]};
  return spec.shape;
}

void check_options(const GPTConfig& config, const HfExportOptions& o, const std::string& where) {
  for (auto [field, id] : {std::pair<const char*, int64_t>{"bos_token_id", o.bos_token_id},
                           std::pair<const char*, int64_t>{"eos_token_id", o.eos_token_id}})
    if (id < 0 || id >= config.vocab_size)
      throw BadInput(file_message(where, std::string(field) + " " + std::to_string(id) + " is outside [0, " +
                                             std::to_string(config.vocab_size) + ")"));
  if (!o.vocab_json.empty() && !o.vocab_json_text.empty())
    throw BadInput(file_message(where, "vocab.json given both as a path and as text"));
  if (!o.merges_txt.empty() && !o.merges_txt_text.empty())
    throw BadInput(file_message(where, "merges.txt given both as a path and as text"));
  const bool vocab = !o.vocab_json.empty() || !o.vocab_json_text.empty();
  const bool merges = !o.merges_txt.empty() || !o.merges_txt_text.empty();
  if (vocab != merges)
    throw BadInput(
        file_message(where, "tokenizer files come in pairs: give both vocab.json and merges.txt, or neither"));
}

// The tokenizer's vocab (token -> id), checked to fit the model's embedding; `path` names it.
nlohmann::json parse_vocab(const std::string& text, const std::string& path, int64_t vocab_size) {
  nlohmann::json vocab = parse_json_or_discarded(text, path);
  if (vocab.is_discarded() || !vocab.is_object())
    throw BadInput(file_message(path, "is not a JSON object of token -> id (vocab.json)"));
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it.value().is_number_integer())
      throw BadInput(file_message(path, "token '" + it.key() + "' has a non-integer id"));
    int64_t id = it.value().get<int64_t>();
    if (id < 0 || id >= vocab_size)
      throw BadInput(file_message(path, "token '" + it.key() + "' has id " + std::to_string(id) +
                                            ", outside the model's vocabulary [0, " + std::to_string(vocab_size) +
                                            ")"));
  }
  return vocab;
}

std::string token_of(const nlohmann::json& vocab, int64_t id) {
  for (auto it = vocab.begin(); it != vocab.end(); ++it)
    if (it.value().get<int64_t>() == id) return it.key();
  return "";
}

// The export itself; `get` yields each warp parameter (validated by the caller's source).
void export_impl(const std::string& dir, const GPTConfig& config, const HfExportOptions& options,
                 const std::function<torch::Tensor(const ParamSpec&)>& get, const ProgressFn& progress) {
  if (is_regular_file(dir)) throw BadInput(file_message(dir, "is a file; expected a folder to export into"));
  const bool tokenizer = !options.vocab_json.empty() || !options.vocab_json_text.empty();
  std::string vocab_text = options.vocab_json_text, merges_text = options.merges_txt_text;
  if (!options.vocab_json.empty()) vocab_text = read_file_text(options.vocab_json);
  if (!options.merges_txt.empty()) merges_text = read_file_text(options.merges_txt);
  nlohmann::json vocab;
  if (tokenizer)
    vocab = parse_vocab(vocab_text, options.vocab_json.empty() ? "vocab.json (given as text)" : options.vocab_json,
                        config.vocab_size);
  nlohmann::json cfg = hf_gpt2_config_json(config, options);
  make_dirs(dir);

  auto specs = gpt_param_specs(config);
  std::vector<TensorInfo> layout;
  for (const auto& spec : specs) {
    TensorInfo info;
    info.name = hf_gpt2_name(spec.name);
    info.dtype = torch::kFloat32;
    info.shape = hf_shape(spec);
    layout.push_back(std::move(info));
  }
  SafetensorsWriter writer(join(dir, "model.safetensors"), layout, {{"format", "pt"}});
  const int64_t total = static_cast<int64_t>(specs.size());
  int64_t done = 0;
  for (const auto& spec : specs) {
    report(progress, {"export", done, total, spec.name});
    writer.write(hf_gpt2_name(spec.name), to_hf_gpt2_layout(spec.name, get(spec)));
    ++done;
  }
  report(progress, {"export", done, total, ""});
  writer.commit();

  write_file_atomic(join(dir, "config.json"), cfg.dump(2) + "\n");
  if (tokenizer) {
    write_file_atomic(join(dir, "vocab.json"), vocab_text);
    write_file_atomic(join(dir, "merges.txt"), merges_text);
    nlohmann::json tok = {{"tokenizer_class", "GPT2Tokenizer"},
                          {"model_max_length", config.n_ctx},
                          {"add_prefix_space", false},
                          {"add_bos_token", false}};
    std::string bos = token_of(vocab, options.bos_token_id), eos = token_of(vocab, options.eos_token_id);
    if (!bos.empty()) tok["bos_token"] = bos;
    if (!eos.empty()) {
      tok["eos_token"] = eos;
      tok["unk_token"] = eos;
    }
    write_file_atomic(join(dir, "tokenizer_config.json"), tok.dump(2) + "\n");
  }
}

int64_t hf_int(const nlohmann::json& hf, const char* key, int64_t fallback, const std::string& where) {
  if (!hf.contains(key) || hf.at(key).is_null()) return fallback;
  const auto& v = hf.at(key);
  if (!v.is_number_integer()) throw BadInput(file_message(where, std::string("field '") + key + "' is not an integer"));
  return v.get<int64_t>();
}

double hf_number(const nlohmann::json& hf, const char* key, double fallback, const std::string& where) {
  if (!hf.contains(key) || hf.at(key).is_null()) return fallback;
  const auto& v = hf.at(key);
  if (!v.is_number()) throw BadInput(file_message(where, std::string("field '") + key + "' is not a number"));
  return v.get<double>();
}

bool hf_bool(const nlohmann::json& hf, const char* key, bool fallback, const std::string& where) {
  if (!hf.contains(key) || hf.at(key).is_null()) return fallback;
  const auto& v = hf.at(key);
  if (!v.is_boolean()) throw BadInput(file_message(where, std::string("field '") + key + "' is not true/false"));
  return v.get<bool>();
}

// Where each tensor of the folder lives: one safetensors file or the shards of an index.
struct WeightSource {
  std::vector<std::unique_ptr<SafetensorsReader>> files;
  std::map<std::string, std::pair<const SafetensorsReader*, const SafetensorsEntry*>> tensors;  // by stored name
};

WeightSource open_weights(const std::string& dir) {
  WeightSource src;
  const std::string single = join(dir, "model.safetensors");
  const std::string index = join(dir, "model.safetensors.index.json");
  if (is_regular_file(single)) {
    src.files.push_back(std::make_unique<SafetensorsReader>(single));
    for (const auto& e : src.files.back()->entries()) src.tensors[e.name] = {src.files.back().get(), &e};
    return src;
  }
  if (is_regular_file(index)) {
    nlohmann::json j = parse_json_or_discarded(read_file_text(index), index);
    if (j.is_discarded() || !j.is_object() || !j.contains("weight_map") || !j.at("weight_map").is_object())
      throw BadInput(file_message(index, "is not a safetensors index (no 'weight_map' object)"));
    std::map<std::string, const SafetensorsReader*> by_file;
    for (auto it = j.at("weight_map").begin(); it != j.at("weight_map").end(); ++it) {
      if (!it.value().is_string())
        throw BadInput(file_message(index, "weight_map entry '" + it.key() + "' is not a file name"));
      std::string file = it.value().get<std::string>();
      if (file.empty() || file.find('/') != std::string::npos || file[0] == '.' || !ends_with(file, ".safetensors"))
        throw BadInput(file_message(
            index, "weight_map names the file '" + file + "' (must be a .safetensors file in the folder)"));
      auto f = by_file.find(file);
      if (f == by_file.end()) {
        src.files.push_back(std::make_unique<SafetensorsReader>(join(dir, file)));
        f = by_file.emplace(file, src.files.back().get()).first;
      }
      const SafetensorsEntry* e = f->second->find(it.key());
      if (!e)
        throw BadInput(file_message(f->second->path(), "has no tensor '" + it.key() + "' (listed in " + index + ")"));
      src.tensors[it.key()] = {f->second, e};
    }
    return src;
  }
  for (const char* pickle : {"pytorch_model.bin", "pytorch_model.bin.index.json"})
    if (is_regular_file(join(dir, pickle)))
      throw BadInput(file_message(dir, std::string("has only ") + pickle +
                                           "; safetensors is required (warp never loads pickle files). Convert it "
                                           "with save_pretrained(dir, safe_serialization=True)"));
  throw BadInput(file_message(dir, "has no model.safetensors (nor model.safetensors.index.json)"));
}

}  // namespace

std::string hf_gpt2_name(const std::string& warp_name) { return kPrefix + warp_name; }

bool hf_gpt2_is_conv1d_weight(const std::string& warp_name) {
  return ends_with(warp_name, ".attn.c_attn.weight") || ends_with(warp_name, ".attn.c_proj.weight") ||
         ends_with(warp_name, ".mlp.c_fc.weight") || ends_with(warp_name, ".mlp.c_proj.weight");
}

torch::Tensor to_hf_gpt2_layout(const std::string& warp_name, const torch::Tensor& t) {
  torch::Tensor x = t.detach().to(torch::kCPU, torch::kFloat32);
  // nn.Linear weight [out, in] -> Conv1D weight [in, out]
  if (hf_gpt2_is_conv1d_weight(warp_name)) x = x.t();
  return x.contiguous();
}

torch::Tensor from_hf_gpt2_layout(const std::string& warp_name, const torch::Tensor& t) {
  torch::Tensor x = t.detach().to(torch::kCPU, torch::kFloat32);
  // Conv1D weight [in, out] -> nn.Linear weight [out, in]
  if (hf_gpt2_is_conv1d_weight(warp_name)) x = x.t();
  return x.contiguous();
}

nlohmann::json hf_gpt2_config_json(const GPTConfig& config, const HfExportOptions& options) {
  config.validate();
  check_options(config, options, "config.json");
  return {{"activation_function", "gelu_new"},
          {"architectures", {"GPT2LMHeadModel"}},
          {"attn_pdrop", config.dropout},
          {"bos_token_id", options.bos_token_id},
          {"embd_pdrop", config.dropout},
          {"eos_token_id", options.eos_token_id},
          {"initializer_range", 0.02},
          {"layer_norm_epsilon", config.layer_norm_eps},
          {"model_type", "gpt2"},
          {"n_ctx", config.n_ctx},
          {"n_embd", config.n_embd},
          {"n_head", config.n_head},
          {"n_inner", nullptr},
          {"n_layer", config.n_layer},
          {"n_positions", config.n_ctx},
          {"reorder_and_upcast_attn", false},
          {"resid_pdrop", config.dropout},
          {"scale_attn_by_inverse_layer_idx", false},
          {"scale_attn_weights", true},
          {"summary_activation", nullptr},
          {"summary_first_dropout", config.dropout},
          {"summary_proj_to_labels", true},
          {"summary_type", "cls_index"},
          {"summary_use_proj", true},
          {"tie_word_embeddings", true},
          {"torch_dtype", "float32"},
          {"use_cache", true},
          {"vocab_size", config.vocab_size}};
}

GPTConfig gpt_config_from_hf_gpt2(const nlohmann::json& hf, const std::string& where) {
  if (!hf.is_object()) throw BadInput(file_message(where, "is not a JSON object"));
  if (hf.contains("model_type") && hf.at("model_type") != "gpt2")
    throw BadInput(file_message(where, "model_type is " + hf.at("model_type").dump() + ", expected \"gpt2\""));
  std::string act = "gelu_new";
  if (hf.contains("activation_function")) {
    if (!hf.at("activation_function").is_string())
      throw BadInput(file_message(where, "field 'activation_function' is not a string"));
    act = hf.at("activation_function").get<std::string>();
  }
  if (act != "gelu_new" && act != "gelu_pytorch_tanh")
    throw BadInput(file_message(
        where, "activation_function '" + act + "' is not supported (warp's GPT uses the tanh GELU: gelu_new)"));
  if (hf_bool(hf, "scale_attn_by_inverse_layer_idx", false, where))
    throw BadInput(file_message(where, "scale_attn_by_inverse_layer_idx is not supported"));
  if (!hf_bool(hf, "scale_attn_weights", true, where))
    throw BadInput(file_message(where, "scale_attn_weights = false is not supported"));
  if (hf_bool(hf, "add_cross_attention", false, where))
    throw BadInput(file_message(where, "add_cross_attention is not supported"));

  GPTConfig c;  // GPT2Config's defaults for absent fields
  c.vocab_size = hf_int(hf, "vocab_size", 50257, where);
  c.n_ctx = hf_int(hf, "n_positions", hf_int(hf, "n_ctx", 1024, where), where);
  c.n_embd = hf_int(hf, "n_embd", 768, where);
  c.n_layer = hf_int(hf, "n_layer", 12, where);
  c.n_head = hf_int(hf, "n_head", 12, where);
  c.layer_norm_eps = hf_number(hf, "layer_norm_epsilon", 1e-5, where);
  c.dropout = hf_number(hf, "resid_pdrop", 0.1, where);
  int64_t n_inner = hf_int(hf, "n_inner", 4 * c.n_embd, where);
  if (n_inner != 4 * c.n_embd)
    throw BadInput(file_message(where, "n_inner is " + std::to_string(n_inner) +
                                           "; warp's GPT uses 4 * n_embd = " + std::to_string(4 * c.n_embd)));
  try {
    c.validate();
  } catch (const BadInput& e) {
    throw BadInput(file_message(where, e.what()));
  }
  return c;
}

void export_hf_gpt2(const std::string& dir, const GPTConfig& config, const NamedTensors& params,
                    const HfExportOptions& options, const ProgressFn& progress) {
  config.validate();
  check_options(config, options, dir);
  check_gpt_params(params, config, dir);
  std::map<std::string, const torch::Tensor*> by_name;
  for (const auto& [name, t] : params) by_name[name] = &t;
  export_impl(
      dir, config, options, [&](const ParamSpec& spec) { return *by_name.at(spec.name); }, progress);
}

void export_hf_gpt2_from_checkpoint(const std::string& checkpoint, const std::string& dir,
                                    const HfExportOptions& options, const ProgressFn& progress) {
  CheckpointReader reader(checkpoint);
  GPTConfig config = gpt_config_of(reader.header(), checkpoint);
  check_options(config, options, dir);
  check_gpt_tensor_infos(reader.tensors(TensorGroup::Params), config, checkpoint);
  export_impl(
      dir, config, options,
      [&](const ParamSpec& spec) {
        torch::Tensor t = reader.read(spec.name);
        check_all_finite(spec.name, t, checkpoint);
        return t;
      },
      progress);
}

HfGpt2Import import_hf_gpt2(const std::string& dir, const ProgressFn& progress) {
  if (!is_directory(dir)) throw BadInput(file_message(dir, "is not a folder (expected a Hugging Face model folder)"));
  HfGpt2Import out;
  const std::string config_path = join(dir, "config.json");
  if (!is_regular_file(config_path)) throw BadInput(file_message(dir, "has no config.json"));
  out.hf_config = parse_json_or_discarded(read_file_text(config_path), config_path);
  if (out.hf_config.is_discarded()) throw BadInput(file_message(config_path, "is not valid JSON"));
  out.config = gpt_config_from_hf_gpt2(out.hf_config, config_path);
  out.bos_token_id = hf_int(out.hf_config, "bos_token_id", -1, config_path);
  out.eos_token_id = hf_int(out.hf_config, "eos_token_id", -1, config_path);
  const bool tied = hf_bool(out.hf_config, "tie_word_embeddings", true, config_path);

  WeightSource src = open_weights(dir);
  auto specs = gpt_param_specs(out.config);
  std::map<std::string, const ParamSpec*> spec_by_name;
  for (const auto& s : specs) spec_by_name[s.name] = &s;

  // Map stored names to warp names; refuse anything unknown.
  std::map<std::string, std::pair<const SafetensorsReader*, const SafetensorsEntry*>> found;  // by warp name
  std::pair<const SafetensorsReader*, const SafetensorsEntry*> lm_head{nullptr, nullptr};
  for (const auto& [stored, where] : src.tensors) {
    std::string name = stored.compare(0, std::string(kPrefix).size(), kPrefix) == 0
                           ? stored.substr(std::string(kPrefix).size())
                           : stored;
    if (is_attention_buffer(name)) continue;
    if (stored == "lm_head.weight") {
      lm_head = where;
      continue;
    }
    if (!spec_by_name.count(name))
      throw BadInput(file_message(where.first->path(), "unexpected tensor '" + stored + "' for a GPT-2 with n_layer " +
                                                           std::to_string(out.config.n_layer)));
    if (!found.emplace(name, where).second)
      throw BadInput(file_message(where.first->path(), "tensor '" + name +
                                                           "' is stored twice (with and without the "
                                                           "'transformer.' prefix)"));
  }
  for (const auto& spec : specs) {
    auto it = found.find(spec.name);
    if (it == found.end())
      throw BadInput(file_message(src.files.front()->path(), "tensor '" + hf_gpt2_name(spec.name) + "' is missing"));
    const SafetensorsEntry& e = *it->second.second;
    auto want = hf_shape(spec);
    if (e.shape != want)
      throw BadInput(file_message(
          it->second.first->path(),
          "tensor '" + e.name + "' has shape " + shape_string(e.shape) + ", expected " + shape_string(want)));
    if (!c10::isFloatingType(e.torch_dtype))
      throw BadInput(file_message(it->second.first->path(),
                                  "tensor '" + e.name + "' has dtype " + e.dtype + ", expected F32, F16, BF16 or F64"));
  }
  if (lm_head.first) {
    const SafetensorsEntry& e = *lm_head.second;
    std::vector<int64_t> want = {out.config.vocab_size, out.config.n_embd};
    if (e.shape != want || !c10::isFloatingType(e.torch_dtype))
      throw BadInput(file_message(lm_head.first->path(), "lm_head.weight has shape " + shape_string(e.shape) + " " +
                                                             e.dtype + ", expected " + shape_string(want)));
  } else if (!tied) {
    throw BadInput(file_message(config_path, "tie_word_embeddings is false but there is no lm_head.weight"));
  }

  const int64_t total = static_cast<int64_t>(specs.size());
  int64_t done = 0;
  for (const auto& spec : specs) {
    report(progress, {"import", done, total, spec.name});
    const auto& [reader, entry] = found.at(spec.name);
    torch::Tensor stored = reader->read_float32(entry->name);
    check_all_finite(entry->name, stored, reader->path());
    out.params.emplace_back(spec.name, from_hf_gpt2_layout(spec.name, stored));
    ++done;
  }
  report(progress, {"import", done, total, ""});
  check_gpt_params(out.params, out.config, src.files.front()->path());
  if (lm_head.first) {
    torch::Tensor head = lm_head.first->read_float32("lm_head.weight");
    const torch::Tensor& wte = out.params.front().second;  // specs start with wte.weight
    if (!torch::equal(head, wte))
      throw BadInput(file_message(lm_head.first->path(),
                                  "lm_head.weight differs from wte: untied output heads are not supported (warp ties "
                                  "the LM head to the token embedding)"));
  }

  const std::string vocab = join(dir, "vocab.json"), merges = join(dir, "merges.txt");
  if (is_regular_file(vocab)) out.vocab_json = vocab;
  if (is_regular_file(merges)) out.merges_txt = merges;
  return out;
}

}  // namespace warp
