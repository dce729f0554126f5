// Tests of the Hugging Face GPT-2 export/import: names, the Conv1D transposition against a
// hand-written case, config.json, bitwise round trips and folders that must be refused.
#include <gtest/gtest.h>

#include "store/checkpoint_h5.h"
#include "store/hf_gpt2.h"
#include "store/safetensors.h"
#include "store_test_support.h"
#include "util/error.h"
#include "util/fsutil.h"

using namespace warp;
using namespace warp::test;

namespace {

HfExportOptions options_with_tokenizer(const std::string& dir) {
  // A 5-token byte-level vocab: ids must stay below the tiny model's vocab_size (32).
  write_raw(dir + "/src-vocab.json", std::string(R"({"a":0,"b":1,"ab":2,"\u0120a":3,"<|endoftext|>":4})"));
  write_raw(dir + "/src-merges.txt", std::string("#version: 0.2\na b\n"));
  HfExportOptions o;
  o.bos_token_id = 4;
  o.eos_token_id = 4;
  o.vocab_json = dir + "/src-vocab.json";
  o.merges_txt = dir + "/src-merges.txt";
  return o;
}

HfExportOptions plain_options() {
  HfExportOptions o;
  o.bos_token_id = 1;
  o.eos_token_id = 2;
  return o;
}

// HF-named tensors of a tiny model, for crafting import folders.
NamedTensors hf_tensors(const GPTConfig& cfg, const NamedTensors& params, bool prefix) {
  NamedTensors out;
  for (const auto& [n, t] : params) out.emplace_back(prefix ? hf_gpt2_name(n) : n, to_hf_gpt2_layout(n, t));
  return out;
}

void write_folder(const std::string& dir, const GPTConfig& cfg, const NamedTensors& tensors) {
  make_dirs(dir);
  save_safetensors(dir + "/model.safetensors", tensors, {{"format", "pt"}});
  write_file_atomic(dir + "/config.json", hf_gpt2_config_json(cfg, plain_options()).dump());
}

}  // namespace

TEST(HfGpt2, NamesAndConv1dWeights) {
  EXPECT_EQ(hf_gpt2_name("wte.weight"), "transformer.wte.weight");
  EXPECT_EQ(hf_gpt2_name("h.3.mlp.c_fc.bias"), "transformer.h.3.mlp.c_fc.bias");
  for (const char* n :
       {"h.0.attn.c_attn.weight", "h.0.attn.c_proj.weight", "h.11.mlp.c_fc.weight", "h.1.mlp.c_proj.weight"})
    EXPECT_TRUE(hf_gpt2_is_conv1d_weight(n)) << n;
  for (const char* n :
       {"wte.weight", "wpe.weight", "h.0.attn.c_attn.bias", "h.0.ln_1.weight", "ln_f.weight", "h.0.mlp.c_fc.bias"})
    EXPECT_FALSE(hf_gpt2_is_conv1d_weight(n)) << n;
}

TEST(HfGpt2, Conv1dTranspositionHandWritten) {
  // C = 2: warp's c_attn.weight is [3C, C] = [6, 2] with w[o][i] = 2o + i. HF's Conv1D weight is
  // [in, out] = [2, 6] with hf[i][o] = w[o][i].
  auto w = torch::arange(12, torch::kFloat32).reshape({6, 2});
  auto expected = torch::tensor({{0.f, 2.f, 4.f, 6.f, 8.f, 10.f}, {1.f, 3.f, 5.f, 7.f, 9.f, 11.f}});
  auto hf = to_hf_gpt2_layout("h.0.attn.c_attn.weight", w);
  EXPECT_TRUE(hf.is_contiguous());
  EXPECT_TRUE(torch::equal(hf, expected));
  EXPECT_TRUE(torch::equal(from_hf_gpt2_layout("h.0.attn.c_attn.weight", expected), w));
  // Biases and embeddings keep their layout.
  auto b = torch::arange(6, torch::kFloat32);
  EXPECT_TRUE(torch::equal(to_hf_gpt2_layout("h.0.attn.c_attn.bias", b), b));

  // The same through a real export of a model with n_embd = 2.
  auto dir = scratch_dir("hf-transpose");
  GPTConfig cfg;
  cfg.n_layer = 1;
  cfg.n_head = 1;
  cfg.n_embd = 2;
  cfg.n_ctx = 4;
  cfg.vocab_size = 5;
  auto params = random_gpt_params(cfg, 5);
  for (auto& [n, t] : params)
    if (n == "h.0.attn.c_attn.weight") t = w;
  export_hf_gpt2(dir + "/out", cfg, params, plain_options());
  SafetensorsReader r(dir + "/out/model.safetensors");
  EXPECT_TRUE(torch::equal(r.read("transformer.h.0.attn.c_attn.weight"), expected));
  EXPECT_EQ(r.find("transformer.h.0.mlp.c_fc.weight")->shape, (std::vector<int64_t>{2, 8}));
  EXPECT_EQ(r.find("transformer.h.0.mlp.c_proj.weight")->shape, (std::vector<int64_t>{8, 2}));
}

TEST(HfGpt2, ExportWritesWhatTransformersExpects) {
  auto dir = scratch_dir("hf-export");
  auto cfg = tiny_config();
  auto params = random_gpt_params(cfg, 11);
  auto opt = options_with_tokenizer(dir);
  export_hf_gpt2(dir + "/model", cfg, params, opt);
  EXPECT_EQ(list_dir(dir + "/model"), (std::set<std::string>{"model.safetensors", "config.json", "vocab.json",
                                                             "merges.txt", "tokenizer_config.json"}));

  auto j = nlohmann::json::parse(read_file_text(dir + "/model/config.json"));
  EXPECT_EQ(j["model_type"], "gpt2");
  EXPECT_EQ(j["architectures"], nlohmann::json::array({"GPT2LMHeadModel"}));
  EXPECT_EQ(j["n_layer"], 2);
  EXPECT_EQ(j["n_head"], 2);
  EXPECT_EQ(j["n_embd"], 8);
  EXPECT_EQ(j["n_positions"], 16);
  EXPECT_EQ(j["n_ctx"], 16);
  EXPECT_EQ(j["vocab_size"], 32);
  EXPECT_EQ(j["activation_function"], "gelu_new");
  EXPECT_EQ(j["tie_word_embeddings"], true);
  EXPECT_EQ(j["torch_dtype"], "float32");
  EXPECT_EQ(j["bos_token_id"], 4);
  EXPECT_EQ(j["eos_token_id"], 4);
  EXPECT_DOUBLE_EQ(j["layer_norm_epsilon"].get<double>(), 1e-5);

  SafetensorsReader r(dir + "/model/model.safetensors");
  EXPECT_EQ(r.metadata().at("format"), "pt");
  EXPECT_EQ(r.entries().size(), params.size());  // no lm_head.weight: tied
  EXPECT_EQ(r.find("lm_head.weight"), nullptr);
  for (const auto& e : r.entries()) {
    EXPECT_EQ(e.name.rfind("transformer.", 0), 0u) << e.name;
    EXPECT_EQ(e.dtype, "F32");
  }
  EXPECT_EQ(read_file_bytes(dir + "/model/vocab.json"), read_file_bytes(opt.vocab_json));
  EXPECT_EQ(read_file_bytes(dir + "/model/merges.txt"), read_file_bytes(opt.merges_txt));
  auto tok = nlohmann::json::parse(read_file_text(dir + "/model/tokenizer_config.json"));
  EXPECT_EQ(tok["eos_token"], "<|endoftext|>");
  EXPECT_EQ(tok["model_max_length"], 16);
}

TEST(HfGpt2, ExportImportRoundTripIsBitwise) {
  auto dir = scratch_dir("hf-roundtrip");
  auto cfg = tiny_config();
  cfg.layer_norm_eps = 1e-6;
  cfg.dropout = 0.05;
  auto params = random_gpt_params(cfg, 12);
  export_hf_gpt2(dir + "/m", cfg, params, options_with_tokenizer(dir));
  auto in = import_hf_gpt2(dir + "/m");
  EXPECT_EQ(in.config, cfg);
  expect_same_tensors(in.params, params);
  EXPECT_EQ(in.bos_token_id, 4);
  EXPECT_EQ(in.eos_token_id, 4);
  EXPECT_EQ(in.vocab_json, dir + "/m/vocab.json");
  EXPECT_EQ(in.merges_txt, dir + "/m/merges.txt");
  EXPECT_EQ(in.hf_config["model_type"], "gpt2");
}

TEST(HfGpt2, TokenizerFilesGivenAsText) {
  auto dir = scratch_dir("hf-tokenizer-text");
  auto cfg = tiny_config();
  HfExportOptions o = plain_options();
  o.vocab_json_text = R"({"x":0,"y":1,"xy":2})";
  o.merges_txt_text = "x y\n";
  export_hf_gpt2(dir + "/m", cfg, random_gpt_params(cfg, 21), o);
  EXPECT_EQ(read_file_text(dir + "/m/vocab.json"), o.vocab_json_text);
  EXPECT_EQ(read_file_text(dir + "/m/merges.txt"), o.merges_txt_text);
  auto tok = nlohmann::json::parse(read_file_text(dir + "/m/tokenizer_config.json"));
  EXPECT_EQ(tok["bos_token"], "y");
  EXPECT_EQ(tok["eos_token"], "xy");
  o.merges_txt_text.clear();
  expect_error<BadInput>([&] { export_hf_gpt2(dir + "/n", cfg, random_gpt_params(cfg, 21), o); }, {"pairs"});
}

TEST(HfGpt2, ExportFromCheckpointMatchesExportFromParams) {
  auto dir = scratch_dir("hf-from-ckpt");
  auto cfg = tiny_config();
  auto params = random_gpt_params(cfg, 13);
  save_gpt_params(dir + "/p.h5", cfg, params);
  export_hf_gpt2(dir + "/a", cfg, params, plain_options());
  export_hf_gpt2_from_checkpoint(dir + "/p.h5", dir + "/b", plain_options());
  EXPECT_EQ(read_file_bytes(dir + "/a/model.safetensors"), read_file_bytes(dir + "/b/model.safetensors"));
  EXPECT_EQ(read_file_bytes(dir + "/a/config.json"), read_file_bytes(dir + "/b/config.json"));
  EXPECT_EQ(list_dir(dir + "/b"), (std::set<std::string>{"model.safetensors", "config.json"}));
}

TEST(HfGpt2, ExportRefusesBadInput) {
  auto dir = scratch_dir("hf-export-bad");
  auto cfg = tiny_config();
  auto params = random_gpt_params(cfg, 14);
  HfExportOptions o = plain_options();
  o.eos_token_id = 32;
  expect_error<BadInput>([&] { export_hf_gpt2(dir + "/x", cfg, params, o); }, {"eos_token_id 32", "[0, 32)"});
  o = plain_options();
  o.bos_token_id = -1;
  EXPECT_THROW(export_hf_gpt2(dir + "/x", cfg, params, o), BadInput);
  auto missing = params;
  missing.pop_back();
  expect_error<BadInput>([&] { export_hf_gpt2(dir + "/x", cfg, missing, plain_options()); }, {"ln_f.bias", "missing"});
  o = options_with_tokenizer(dir);
  o.merges_txt.clear();
  expect_error<BadInput>([&] { export_hf_gpt2(dir + "/x", cfg, params, o); }, {"both vocab.json and merges.txt"});
  o = options_with_tokenizer(dir);
  o.merges_txt_text = "a b\n";
  expect_error<BadInput>([&] { export_hf_gpt2(dir + "/x", cfg, params, o); }, {"merges.txt given both"});
  o = options_with_tokenizer(dir);
  write_raw(o.vocab_json, std::string(R"({"a":0,"far":40})"));
  expect_error<BadInput>([&] { export_hf_gpt2(dir + "/x", cfg, params, o); }, {"'far'", "id 40"});
  EXPECT_FALSE(is_directory(dir + "/x") && is_regular_file(dir + "/x/model.safetensors"));
}

TEST(HfGpt2, ImportAcceptsUnprefixedNamesBuffersAndTiedHead) {
  auto dir = scratch_dir("hf-import-variants");
  auto cfg = tiny_config();
  auto params = random_gpt_params(cfg, 15);
  // As HF's own gpt2 repository: no "transformer." prefix, mask buffers, lm_head equal to wte.
  auto t = hf_tensors(cfg, params, /*prefix=*/false);
  for (int i = 0; i < cfg.n_layer; ++i) {
    t.emplace_back("h." + std::to_string(i) + ".attn.bias", torch::ones({1, 1, 16, 16}).tril());
    t.emplace_back("h." + std::to_string(i) + ".attn.masked_bias", torch::tensor(-1e4f));
  }
  t.emplace_back("lm_head.weight", params[0].second.clone());
  write_folder(dir + "/m", cfg, t);
  auto in = import_hf_gpt2(dir + "/m");
  expect_same_tensors(in.params, params);
  EXPECT_TRUE(in.vocab_json.empty());
}

TEST(HfGpt2, ImportConvertsHalfAndDoublePrecision) {
  auto dir = scratch_dir("hf-import-dtypes");
  auto cfg = tiny_config();
  auto params = random_gpt_params(cfg, 16);
  for (auto dtype : {torch::kFloat16, torch::kBFloat16, torch::kFloat64}) {
    auto t = hf_tensors(cfg, params, true);
    for (auto& [n, x] : t) x = x.to(dtype);
    std::string sub = dir + "/" + dtype_name(dtype);
    write_folder(sub, cfg, t);
    auto in = import_hf_gpt2(sub);
    ASSERT_EQ(in.params.size(), params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      EXPECT_EQ(in.params[i].second.scalar_type(), torch::kFloat32);
      auto expected = params[i].second.to(dtype).to(torch::kFloat32);
      EXPECT_TRUE(torch::equal(in.params[i].second, expected)) << params[i].first << " " << dtype_name(dtype);
    }
  }
}

TEST(HfGpt2, ImportReadsShardedFolders) {
  auto dir = scratch_dir("hf-import-shards");
  auto cfg = tiny_config();
  auto params = random_gpt_params(cfg, 17);
  auto t = hf_tensors(cfg, params, true);
  make_dirs(dir + "/m");
  NamedTensors first(t.begin(), t.begin() + 10), second(t.begin() + 10, t.end());
  save_safetensors(dir + "/m/model-00001-of-00002.safetensors", first, {{"format", "pt"}});
  save_safetensors(dir + "/m/model-00002-of-00002.safetensors", second, {{"format", "pt"}});
  nlohmann::json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", nlohmann::json::object()}};
  for (const auto& [n, x] : first) index["weight_map"][n] = "model-00001-of-00002.safetensors";
  for (const auto& [n, x] : second) index["weight_map"][n] = "model-00002-of-00002.safetensors";
  write_file_atomic(dir + "/m/model.safetensors.index.json", index.dump());
  write_file_atomic(dir + "/m/config.json", hf_gpt2_config_json(cfg, plain_options()).dump());
  expect_same_tensors(import_hf_gpt2(dir + "/m").params, params);

  index["weight_map"]["transformer.wte.weight"] = "../elsewhere.safetensors";
  write_file_atomic(dir + "/m/model.safetensors.index.json", index.dump());
  expect_error<BadInput>([&] { import_hf_gpt2(dir + "/m"); }, {"../elsewhere.safetensors"});
}

TEST(HfGpt2, ImportRefusesWhatDoesNotFit) {
  auto dir = scratch_dir("hf-import-bad");
  auto cfg = tiny_config();
  auto params = random_gpt_params(cfg, 18);
  int n = 0;
  auto folder = [&](const std::function<void(NamedTensors&)>& edit) {
    auto t = hf_tensors(cfg, params, true);
    edit(t);
    std::string d = dir + "/m" + std::to_string(n++);
    write_folder(d, cfg, t);
    return d;
  };
  auto set = [](NamedTensors& t, const std::string& name, torch::Tensor v) {
    for (auto& [k, x] : t)
      if (k == name) x = v;
  };

  auto d = folder([&](NamedTensors& t) { t.emplace_back("lm_head.weight", torch::zeros({32, 8})); });
  expect_error<BadInput>([&] { import_hf_gpt2(d); }, {"lm_head.weight differs from wte"});
  d = folder([&](NamedTensors& t) { t.emplace_back("transformer.h.0.attn.rotary", torch::zeros({2})); });
  expect_error<BadInput>([&] { import_hf_gpt2(d); },
                         {"model.safetensors", "unexpected tensor 'transformer.h.0.attn.rotary'"});
  d = folder([&](NamedTensors& t) { t.emplace_back("transformer.h.2.ln_1.weight", torch::zeros({8})); });
  expect_error<BadInput>([&] { import_hf_gpt2(d); }, {"unexpected tensor 'transformer.h.2.ln_1.weight'"});
  d = folder([&](NamedTensors& t) { t.erase(t.begin() + 3); });
  expect_error<BadInput>([&] { import_hf_gpt2(d); }, {"tensor 'transformer.h.0.ln_1.bias' is missing"});
  // A Conv1D weight left in nn.Linear layout ([4C, C] instead of [C, 4C]).
  d = folder([&](NamedTensors& t) { set(t, "transformer.h.1.mlp.c_fc.weight", torch::zeros({32, 8})); });
  expect_error<BadInput>([&] { import_hf_gpt2(d); },
                         {"tensor 'transformer.h.1.mlp.c_fc.weight' has shape [32,8], expected [8,32]"});
  d = folder([&](NamedTensors& t) { set(t, "transformer.ln_f.bias", torch::zeros({8}, torch::kInt64)); });
  expect_error<BadInput>([&] { import_hf_gpt2(d); }, {"transformer.ln_f.bias", "I64"});
  d = folder([&](NamedTensors& t) {
    auto x = torch::zeros({8});
    x[3] = std::numeric_limits<float>::quiet_NaN();
    set(t, "transformer.ln_f.bias", x);
  });
  expect_error<BadInput>([&] { import_hf_gpt2(d); }, {"tensor 'transformer.ln_f.bias' has 1 non-finite value"});
  d = folder([&](NamedTensors& t) { t.emplace_back("wte.weight", t[0].second.clone()); });
  expect_error<BadInput>([&] { import_hf_gpt2(d); }, {"'wte.weight' is stored twice"});

  // config.json problems.
  auto with_config = [&](const nlohmann::json& cfg_json) {
    std::string d2 = folder([](NamedTensors&) {});
    write_file_atomic(d2 + "/config.json", cfg_json.dump());
    return d2;
  };
  auto good = hf_gpt2_config_json(cfg, plain_options());
  auto c = good;
  c["model_type"] = "llama";
  expect_error<BadInput>([&] { import_hf_gpt2(with_config(c)); }, {"config.json", "model_type"});
  c = good;
  c["activation_function"] = "relu";
  expect_error<BadInput>([&] { import_hf_gpt2(with_config(c)); }, {"activation_function 'relu'"});
  c = good;
  c["n_inner"] = 16;
  expect_error<BadInput>([&] { import_hf_gpt2(with_config(c)); }, {"n_inner is 16"});
  c = good;
  c["n_embd"] = 7;
  expect_error<BadInput>([&] { import_hf_gpt2(with_config(c)); }, {"config.json", "divisible"});
  c = good;
  c["n_layer"] = "two";
  expect_error<BadInput>([&] { import_hf_gpt2(with_config(c)); }, {"'n_layer' is not an integer"});
  c = good;
  c["n_layer"] = 3;  // the tensors are for two layers
  expect_error<BadInput>([&] { import_hf_gpt2(with_config(c)); }, {"transformer.h.2.ln_1.weight", "missing"});
  d = folder([](NamedTensors&) {});
  write_raw(d + "/config.json", std::string("{oops"));
  expect_error<BadInput>([&] { import_hf_gpt2(d); }, {"config.json", "not valid JSON"});

  // Folders without safetensors weights.
  std::string bin = dir + "/bin";
  make_dirs(bin);
  write_file_atomic(bin + "/config.json", good.dump());
  write_raw(bin + "/pytorch_model.bin", std::string("PK\x03\x04 pickle", 12));
  expect_error<BadInput>([&] { import_hf_gpt2(bin); }, {"pytorch_model.bin", "safetensors is required", "pickle"});
  std::remove((bin + "/pytorch_model.bin").c_str());
  expect_error<BadInput>([&] { import_hf_gpt2(bin); }, {"no model.safetensors"});
  std::remove((bin + "/config.json").c_str());
  expect_error<BadInput>([&] { import_hf_gpt2(bin); }, {"no config.json"});
  expect_error<BadInput>([&] { import_hf_gpt2(dir + "/nothing-here"); }, {"not a folder"});
}
