// The engine's GPT forward against an independent reference: a tiny random model is exported to a
// Hugging Face GPT-2 folder (safetensors + config.json) and tests/reference/gpt2_reference.py —
// a separate numpy float64 implementation written from the GPT-2 equations — computes the logits
// of the same ids. The two must agree to float32 rounding. Also: export → import is lossless.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "model/gpt.h"
#include "store/hf_gpt2.h"
#include "test_env.h"
#include "test_support.h"
#include "tiny_gpt.h"
#include "util/fsutil.h"

using namespace warp;

namespace {

GPTConfig tiny() { return test::tiny_gpt_config(53, 24); }

NamedTensors params_of(GPT& m) {
  NamedTensors out;
  for (const auto& item : m->named_parameters()) out.emplace_back(item.key(), item.value().detach());
  return out;
}

// Perturbs LayerNorm and bias parameters too, so a mix-up of any tensor shows in the logits.
void randomize(GPT& m, uint64_t seed) {
  torch::NoGradGuard ng;
  auto gen = at::detail::createCPUGenerator(seed);
  for (auto& item : m->named_parameters()) {
    auto& p = item.value();
    p.add_(at::normal(0.0, 0.05, p.sizes(), gen));
  }
}

torch::Tensor read_raw_logits(const std::string& path, const std::vector<int64_t>& shape) {
  auto bytes = read_file_bytes(path);
  auto t = torch::empty(shape, torch::kFloat32);
  EXPECT_EQ(bytes.size(), static_cast<size_t>(t.numel()) * 4) << path;
  std::memcpy(t.data_ptr<float>(), bytes.data(), std::min(bytes.size(), static_cast<size_t>(t.numel()) * 4));
  return t;
}

}  // namespace

TEST(HfReference, LogitsMatchIndependentPythonForward) {
  const auto cfg = tiny();
  GPT model(cfg, 7);
  randomize(model, 11);
  model->eval();
  const std::string dir = test::scratch_dir("hf-ref");
  HfExportOptions opt;
  opt.bos_token_id = opt.eos_token_id = cfg.vocab_size - 1;
  export_hf_gpt2(dir + "/model", cfg, params_of(model), opt);

  // Two sequences of the full context length, ids covering the vocabulary.
  std::vector<std::vector<int64_t>> ids(2, std::vector<int64_t>(cfg.n_ctx));
  for (int64_t t = 0; t < cfg.n_ctx; ++t) {
    ids[0][t] = (t * 7 + 3) % cfg.vocab_size;
    ids[1][t] = (cfg.vocab_size - 1 - t * 5 % cfg.vocab_size);
  }
  write_file_atomic(dir + "/ids.json", nlohmann::json(ids).dump());
  const std::string script = warp::test::env_path("WARP_SOURCE_DIR") + "/tests/reference/gpt2_reference.py";
  const std::string cmd = "/usr/bin/python3 '" + script + "' --model '" + dir + "/model' --ids '" + dir +
                          "/ids.json' --out '" + dir + "/logits.f32'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto ref = read_raw_logits(dir + "/logits.f32", {2, cfg.n_ctx, cfg.vocab_size});

  auto idx = torch::empty({2, cfg.n_ctx}, torch::kInt64);
  for (int b = 0; b < 2; ++b)
    for (int64_t t = 0; t < cfg.n_ctx; ++t) idx[b][t] = ids[b][t];
  torch::NoGradGuard ng;
  auto logits = model->forward(idx);
  const double max_err = (logits - ref).abs().max().item<double>();
  EXPECT_LT(max_err, 2e-5) << "max |engine - reference| = " << max_err;
  // Not trivially equal: the logits vary across vocabulary and positions.
  EXPECT_GT(ref.std().item<double>(), 0.1);
}

TEST(HfReference, ExportImportRoundTripIsBitExact) {
  const auto cfg = tiny();
  GPT model(cfg, 3);
  randomize(model, 5);
  const std::string dir = test::scratch_dir("hf-roundtrip");
  HfExportOptions opt;
  opt.bos_token_id = opt.eos_token_id = 0;
  export_hf_gpt2(dir, cfg, params_of(model), opt);
  auto imp = import_hf_gpt2(dir);
  EXPECT_EQ(imp.config, cfg);
  auto orig = params_of(model);
  ASSERT_EQ(imp.params.size(), orig.size());
  for (size_t i = 0; i < orig.size(); ++i) {
    EXPECT_EQ(imp.params[i].first, orig[i].first);
    EXPECT_TRUE(torch::equal(imp.params[i].second, orig[i].second)) << orig[i].first;
  }
}
