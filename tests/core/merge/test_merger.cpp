// Tests of whole-model merging: the streaming file merge against the in-memory merge (bitwise), the
// output header and its records (against a float64 reference), the checks made before anything is
// written, cancellation, and inputs that change during the merge.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "merge/merger.h"
#include "model/gpt_params.h"
#include "store/checkpoint_h5.h"
#include "test_support.h"
#include "tiny_gpt.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/sha256.h"

using namespace warp;

namespace {

GPTConfig tiny_gpt() { return test::tiny_gpt_config(40, 8); }

// GPT parameters near a shared init: θ_init + 0.02·noise per model.
NamedTensors gpt_params(const GPTConfig& c, uint64_t seed, const NamedTensors* base = nullptr) {
  torch::manual_seed(seed);
  NamedTensors t;
  size_t i = 0;
  for (const auto& spec : gpt_param_specs(c)) {
    torch::Tensor v = torch::randn(spec.shape);
    t.emplace_back(spec.name, base ? (*base)[i].second + 0.02 * v : v);
    ++i;
  }
  return t;
}

void write_ckpt(const std::string& path, const NamedTensors& params, const nlohmann::json& config,
                const std::string& kind = "policy") {
  CheckpointData d;
  d.header.kind = kind;
  d.header.step = 10;
  d.header.config = config;
  d.params = params;
  save_checkpoint(path, d);
}

std::set<std::string> list_dir(const std::string& dir) {
  std::set<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return names;
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != "..") names.insert(n);
  }
  ::closedir(d);
  return names;
}

bool bitwise_equal(const torch::Tensor& a, const torch::Tensor& b) {
  return a.scalar_type() == b.scalar_type() && a.sizes() == b.sizes() &&
         std::memcmp(a.contiguous().data_ptr(), b.contiguous().data_ptr(), a.numel() * a.element_size()) == 0;
}

// A folder with θ_init and three models of a tiny GPT.
class MergerFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '_');  // parameterised tests: "Test/case"
    dir = test::scratch_dir(name);
    config = {{"model", tiny_gpt().to_json()}, {"note", "sft init"}};
    init = gpt_params(tiny_gpt(), 1);
    for (uint64_t s = 2; s <= 4; ++s) models.push_back(gpt_params(tiny_gpt(), s, &init));
    init_path = dir + "/init.h5";
    write_ckpt(init_path, init, config);
    for (size_t m = 0; m < models.size(); ++m) {
      model_paths.push_back(dir + "/model" + std::to_string(m + 1) + ".h5");
      write_ckpt(model_paths.back(), models[m], config);
    }
    out_path = dir + "/merged.h5";
  }

  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  MergeSpec spec(MergeMethod method, int M) const {
    MergeSpec s;
    s.params.method = method;
    s.init_path = init_path;
    s.model_paths.assign(model_paths.begin(), model_paths.begin() + M);
    s.out_path = out_path;
    return s;
  }

  // Runs a merge that must fail with BadInput mentioning every needle, and leave the folder as it was.
  void expect_rejected(const MergeSpec& s, const std::vector<std::string>& needles) {
    const auto before = list_dir(dir);
    try {
      merge_checkpoints(s);
      ADD_FAILURE() << "no error; expected one mentioning " << needles.front();
    } catch (const BadInput& e) {
      for (const auto& n : needles) EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what();
    }
    EXPECT_FALSE(is_regular_file(out_path));
    EXPECT_EQ(list_dir(dir), before);
  }

  std::string dir, init_path, out_path;
  std::vector<std::string> model_paths;
  nlohmann::json config;
  NamedTensors init;
  std::vector<NamedTensors> models;
};

// ---- streaming = in memory -----------------------------------------------------------------------------

struct FileCase {
  std::string name;
  MergeMethod method;
  int M;
  double lambda, eta, scale, density;
};
void PrintTo(const FileCase& c, std::ostream* os) { *os << c.name; }

class StreamingMerge : public MergerFiles, public ::testing::WithParamInterface<FileCase> {};

TEST_P(StreamingMerge, EqualsTheInMemoryMergeBitwise) {
  const FileCase& c = GetParam();
  MergeSpec s = spec(c.method, c.M);
  s.params.lambda = c.lambda;
  s.params.eta = c.eta;
  s.params.scale = c.scale;
  s.params.density = c.density;
  s.params.seed = 77;
  std::vector<std::string> stages;
  int64_t last_done = -1;
  const MergeSummary sum = merge_checkpoints(s, [&](const ProgressInfo& p) {
    if (stages.empty() || stages.back() != p.stage) stages.push_back(p.stage);
    last_done = p.done;
    return true;
  });
  EXPECT_EQ(stages, (std::vector<std::string>{"merge"}));  // one pass
  EXPECT_EQ(last_done, static_cast<int64_t>(init.size()));

  const std::vector<NamedTensors> xs(models.begin(), models.begin() + c.M);
  const MergeResult mem = merge_named_tensors(s.params, init, xs);
  const CheckpointData out = load_checkpoint(out_path);
  ASSERT_EQ(out.params.size(), mem.tensors.size());
  for (size_t i = 0; i < out.params.size(); ++i) {
    EXPECT_EQ(out.params[i].first, mem.tensors[i].first);
    EXPECT_TRUE(bitwise_equal(out.params[i].second, mem.tensors[i].second)) << out.params[i].first;
  }
  EXPECT_TRUE(out.state.empty());
  EXPECT_TRUE(out.files.empty());

  // The header: a merge of this config, with the method, parameters, hashed inputs and records.
  EXPECT_EQ(out.header.kind, "merge");
  EXPECT_EQ(out.header.config, config);
  const auto& meta = out.header.meta;
  EXPECT_EQ(meta["method"], merge_method_name(c.method));
  nlohmann::json params = s.params.to_json();
  params.erase("method");
  EXPECT_EQ(meta["parameters"], params);
  ASSERT_EQ(meta["inputs"].size(), static_cast<size_t>(c.M + 1));
  EXPECT_EQ(meta["inputs"][0]["role"], "init");
  EXPECT_EQ(meta["inputs"][0]["sha256"], sha256_file(init_path));
  for (int m = 0; m < c.M; ++m) {
    const auto& e = meta["inputs"][static_cast<size_t>(m + 1)];
    EXPECT_EQ(e["role"], "model");
    EXPECT_EQ(e["index"], m + 1);
    EXPECT_EQ(e["sha256"], sha256_file(model_paths[static_cast<size_t>(m)]));
    EXPECT_EQ(e["path"].get<std::string>().front(), '/');
  }
  ASSERT_EQ(meta["tensors"].size(), mem.records.size());
  for (size_t i = 0; i < mem.records.size(); ++i) EXPECT_EQ(meta["tensors"][i], mem.records[i].to_json());
  // The records against a float64 reference computed here from the inputs: ‖δ_m‖ and Ω(δ1, δ2).
  for (size_t i = 0; i < init.size(); ++i) {
    const auto& rec = meta["tensors"][i];
    const torch::Tensor base = init[i].second.to(torch::kFloat64);
    std::vector<torch::Tensor> deltas;
    for (int m = 0; m < c.M; ++m) deltas.push_back(models[static_cast<size_t>(m)][i].second.to(torch::kFloat64) - base);
    EXPECT_EQ(rec["name"], init[i].first);
    EXPECT_EQ(rec["numel"], init[i].second.numel());
    ASSERT_EQ(rec["delta_norms"].size(), static_cast<size_t>(c.M)) << init[i].first;
    for (int m = 0; m < c.M; ++m) {
      const double want = deltas[static_cast<size_t>(m)].norm().item<double>();
      EXPECT_NEAR(rec["delta_norms"][static_cast<size_t>(m)].get<double>(), want, 1e-12 * want) << init[i].first;
    }
    if (c.M >= 2) {
      const double cos = (deltas[0] * deltas[1]).sum().item<double>() /
                         (deltas[0].norm().item<double>() * deltas[1].norm().item<double>());
      const double want_deg = std::acos(cos) * 180.0 / M_PI;
      EXPECT_NEAR(rec["omega_deg"][0].get<double>(), want_deg, 1e-9) << init[i].first;
    }
    if (c.method == MergeMethod::Slerp) {
      EXPECT_EQ(rec["omega_deg"].size(), static_cast<size_t>(c.M - 1));
      EXPECT_EQ(rec["fallback"], nlohmann::json(std::vector<bool>(static_cast<size_t>(c.M - 1), false)));
      if (c.M == 2) {
        // θ = θ_init + sin((1−λ)Ω)/sin Ω · δ1 + sin(λΩ)/sin Ω · δ2, in float64, rounded once.
        const double omega = rec["omega_deg"][0].get<double>() * M_PI / 180.0;
        const torch::Tensor want = base + std::sin((1 - c.lambda) * omega) / std::sin(omega) * deltas[0] +
                                   std::sin(c.lambda * omega) / std::sin(omega) * deltas[1];
        EXPECT_TRUE(torch::allclose(out.params[i].second.to(torch::kFloat64), want, 1e-6, 1e-7)) << init[i].first;
      }
    }
  }
  EXPECT_EQ(meta["fallback_tensors"], count_fallback_tensors(mem.records));

  // The summary.
  EXPECT_EQ(sum.tensors, static_cast<int64_t>(init.size()));
  int64_t elements = 0;
  for (const auto& t : init) elements += t.second.numel();
  EXPECT_EQ(sum.elements, elements);
  EXPECT_EQ(sum.bytes_written, sum.elements * 4);
  EXPECT_EQ(sum.bytes_read, sum.elements * 4 * (c.M + 1));
  EXPECT_EQ(sum.meta, meta);
  if (c.M >= 2) {
    // Independent task vectors of a random init: near-orthogonal (the paper's Ω ≈ 90°).
    EXPECT_NEAR(sum.mean_omega_deg, 90.0, 10.0);
    EXPECT_EQ(meta["mean_omega_deg"], sum.mean_omega_deg);
  }
  // A merged GPT is a loadable GPT checkpoint.
  EXPECT_NO_THROW(load_gpt_params(out_path, nullptr));
  // No temporary files left next to it.
  EXPECT_EQ(list_dir(dir), (std::set<std::string>{"init.h5", "merged.h5", "model1.h5", "model2.h5", "model3.h5"}));
}

INSTANTIATE_TEST_SUITE_P(Methods, StreamingMerge,
                         ::testing::Values(FileCase{"slerp_M2", MergeMethod::Slerp, 2, 0.4, 0, 1, 1},
                                           FileCase{"slerp_M3", MergeMethod::Slerp, 3, 0.5, 0, 1, 1},
                                           FileCase{"lerp_M2", MergeMethod::Lerp, 2, 0.5, 0, 1, 1},
                                           FileCase{"liti", MergeMethod::Liti, 1, 0.5, 0.3, 1, 1},
                                           FileCase{"task_arithmetic", MergeMethod::TaskArithmetic, 3, 0.5, 0, 0.4, 1},
                                           FileCase{"ties", MergeMethod::Ties, 3, 0.5, 0, 1, 0.3},
                                           FileCase{"dare", MergeMethod::Dare, 2, 0.5, 0, 1, 0.5}),
                         [](const ::testing::TestParamInfo<FileCase>& info) { return info.param.name; });

TEST_F(MergerFiles, DareDoesNotDependOnTensorOrder) {
  MergeParams p;
  p.method = MergeMethod::Dare;
  p.density = 0.5;
  const MergeResult fwd = merge_named_tensors(p, init, {models[0], models[1]});
  NamedTensors rinit(init.rbegin(), init.rend()), r0(models[0].rbegin(), models[0].rend());
  const MergeResult rev = merge_named_tensors(p, rinit, {r0, models[1]});  // models[1] in the forward order
  ASSERT_EQ(fwd.tensors.size(), rev.tensors.size());
  for (size_t i = 0; i < fwd.tensors.size(); ++i) {
    const auto& [name, t] = rev.tensors[rev.tensors.size() - 1 - i];
    EXPECT_EQ(name, fwd.tensors[i].first);
    EXPECT_TRUE(bitwise_equal(t, fwd.tensors[i].second)) << name;
  }
}

TEST_F(MergerFiles, CarriesTheInitsFilesAlong) {
  CheckpointData d = load_checkpoint(init_path);
  const std::string text = "{\"hello\": 0}";
  d.files.emplace_back("vocab.json",
                       torch::from_blob(const_cast<char*>(text.data()), {int64_t(text.size())}, torch::kUInt8).clone());
  save_checkpoint(init_path, d);
  merge_checkpoints(spec(MergeMethod::Slerp, 2));
  const CheckpointData out = load_checkpoint(out_path);
  ASSERT_EQ(out.files.size(), 1u);
  EXPECT_EQ(out.files[0].first, "vocab.json");
  EXPECT_TRUE(torch::equal(out.files[0].second, d.files[0].second));
}

TEST_F(MergerFiles, OverwritesAnExistingOutputAtomically) {
  write_ckpt(out_path, init, config, "old");
  merge_checkpoints(spec(MergeMethod::Lerp, 2));
  EXPECT_EQ(CheckpointReader(out_path).header().kind, "merge");
}

// ---- checks before writing -----------------------------------------------------------------------------

TEST_F(MergerFiles, MismatchedTensorNamesAreNamed) {
  NamedTensors renamed = models[1];
  const std::string missing = renamed[3].first;
  renamed[3].first += "_renamed";
  write_ckpt(model_paths[1], renamed, config);
  expect_rejected(spec(MergeMethod::Slerp, 2), {model_paths[1], "'" + missing + "' is missing", init_path});
  // An extra tensor.
  NamedTensors extra = models[1];
  extra.emplace_back("extra.bias", torch::zeros({3}));
  write_ckpt(model_paths[1], extra, config);
  expect_rejected(spec(MergeMethod::Slerp, 2), {model_paths[1], "'extra.bias' is not in"});
}

TEST_F(MergerFiles, MismatchedShapesAndDtypesAreNamed) {
  // Non-GPT checkpoints (no model config), so only the tensors differ.
  NamedTensors a = {{"w", torch::randn({3, 4})}, {"b", torch::randn({4})}};
  NamedTensors b = {{"w", torch::randn({3, 4})}, {"b", torch::randn({5})}};
  NamedTensors c = {{"w", torch::randn({3, 4}, torch::kFloat64)}, {"b", torch::randn({4})}};
  write_ckpt(init_path, a, nlohmann::json::object());
  write_ckpt(model_paths[0], a, nlohmann::json::object());
  write_ckpt(model_paths[1], b, nlohmann::json::object());
  expect_rejected(spec(MergeMethod::Lerp, 2), {model_paths[1], "'b' has shape [5], expected [4]"});
  write_ckpt(model_paths[1], c, nlohmann::json::object());
  expect_rejected(spec(MergeMethod::Lerp, 2), {model_paths[1], "'w' is float64, expected float32"});
  // Integer tensors cannot be merged.
  NamedTensors ints = {{"w", torch::zeros({3, 4}, torch::kInt32)}, {"b", torch::randn({4})}};
  write_ckpt(init_path, ints, nlohmann::json::object());
  expect_rejected(spec(MergeMethod::Lerp, 2), {init_path, "'w' is int32"});
}

TEST_F(MergerFiles, DifferentModelConfigsAreRejected) {
  GPTConfig other = tiny_gpt();
  other.layer_norm_eps = 1e-6;  // same shapes, another model
  write_ckpt(model_paths[0], models[0], {{"model", other.to_json()}});
  expect_rejected(spec(MergeMethod::Slerp, 2), {model_paths[0], "layer_norm_eps"});
  write_ckpt(model_paths[0], models[0], nlohmann::json::object());
  expect_rejected(spec(MergeMethod::Slerp, 2), {model_paths[0], "no model config"});
  // Dropout is a training setting: it may differ.
  other = tiny_gpt();
  other.dropout = 0.1;
  write_ckpt(model_paths[0], models[0], {{"model", other.to_json()}});
  EXPECT_NO_THROW(check_merge_spec(spec(MergeMethod::Slerp, 2)));
}

TEST_F(MergerFiles, BadParametersAndPathsAreRejected) {
  MergeSpec s = spec(MergeMethod::Slerp, 2);
  s.params.lambda = -0.5;
  expect_rejected(s, {"lambda", "-0.5"});
  expect_rejected(spec(MergeMethod::Slerp, 1), {"slerp needs at least 2 models, got 1"});
  expect_rejected(spec(MergeMethod::Lerp, 1), {"lerp needs at least 2 models"});
  expect_rejected(spec(MergeMethod::Liti, 2), {"exactly 1 model", "got 2"});
  s = spec(MergeMethod::Ties, 2);
  s.params.density = 0;
  expect_rejected(s, {"density"});
  s = spec(MergeMethod::Slerp, 2);
  s.model_paths[1] = dir + "/absent.h5";
  expect_rejected(s, {"absent.h5"});
  s = spec(MergeMethod::Slerp, 2);
  s.out_path = model_paths[0];
  try {
    merge_checkpoints(s);
    ADD_FAILURE() << "writing over an input was accepted";
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("is one of the inputs"), std::string::npos) << e.what();
  }
  EXPECT_EQ(load_checkpoint(model_paths[0]).header.kind, "policy");
  s.out_path = dir + "/no-such-folder/out.h5";
  expect_rejected(s, {"no-such-folder", "does not exist"});
  s.out_path = dir;
  expect_rejected(s, {"is a folder"});
  // A file that is not a checkpoint.
  write_file_atomic(dir + "/junk.h5", std::string("not hdf5"));
  s = spec(MergeMethod::Slerp, 2);
  s.model_paths[0] = dir + "/junk.h5";
  expect_rejected(s, {"junk.h5"});
}

// ---- cancel --------------------------------------------------------------------------------------------------

TEST_F(MergerFiles, CancelLeavesNoOutput) {
  // Cancelled early, mid-way, and at the very last report (after every tensor and the meta were
  // written to the temporary file, before commit()).
  const int64_t total = static_cast<int64_t>(init.size());
  for (int64_t at : {int64_t(0), int64_t(3), total}) {
    const auto before = list_dir(dir);
    bool cancelled = false;
    auto cancel = [&](const ProgressInfo& p) {
      EXPECT_EQ(p.stage, "merge");
      cancelled = p.done >= at && p.detail.empty() == (at == total);
      return !cancelled;
    };
    EXPECT_THROW(merge_checkpoints(spec(MergeMethod::Slerp, 2), cancel), Cancelled) << at;
    EXPECT_TRUE(cancelled);
    EXPECT_FALSE(is_regular_file(out_path)) << at;
    EXPECT_EQ(list_dir(dir), before) << at;  // no temporary file either
  }
  // And an existing output stays as it was.
  write_ckpt(out_path, init, config, "previous");
  auto cancel_late = [](const ProgressInfo& p) { return !(p.stage == "merge" && p.done > 2); };
  EXPECT_THROW(merge_checkpoints(spec(MergeMethod::Lerp, 2), cancel_late), Cancelled);
  EXPECT_EQ(CheckpointReader(out_path).header().kind, "previous");
}

// ---- inputs that change during the merge --------------------------------------------------------------

TEST_F(MergerFiles, InputReplacedDuringTheMergeIsRefused) {
  // Another checkpoint renamed over model 2 while the merge reads it (the merge keeps reading the
  // old file, which the path no longer names): refused, nothing written.
  const auto before = list_dir(dir);
  const NamedTensors other = gpt_params(tiny_gpt(), 9, &init);
  bool replaced = false;
  auto replace = [&](const ProgressInfo& p) {
    if (!replaced && p.done == 3) {
      write_ckpt(model_paths[1], other, config);
      replaced = true;
    }
    return true;
  };
  try {
    merge_checkpoints(spec(MergeMethod::Slerp, 2), replace);
    ADD_FAILURE() << "a merge whose input was replaced was accepted";
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find(model_paths[1] + ": changed during the merge"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(replaced);
  EXPECT_FALSE(is_regular_file(out_path));
  EXPECT_EQ(list_dir(dir), before);
  // Merged again: the recorded hash is the new file's, whose tensors were merged.
  const MergeSummary sum = merge_checkpoints(spec(MergeMethod::Slerp, 2));
  EXPECT_EQ(sum.meta["inputs"][2]["sha256"], sha256_file(model_paths[1]));
  const MergeResult mem = merge_named_tensors(MergeParams{}, init, {models[0], other});
  EXPECT_TRUE(bitwise_equal(load_checkpoint(out_path).params[5].second, mem.tensors[5].second));
}

TEST_F(MergerFiles, InputWrittenInPlaceDuringTheMergeIsRefused) {
  // A byte of model 1 rewritten in place (with its own value: the contents stay the same, so HDF5
  // reads on without a checksum error) while the merge runs: the hash and the merge may have seen
  // different bytes, so the merge is refused. The write comes 30 ms after the files were written,
  // more than a filesystem time stamp tick.
  const auto before = list_dir(dir);
  bool written = false;
  auto touch = [&](const ProgressInfo& p) {
    if (!written && p.done == 2) {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      const int fd = ::open(model_paths[0].c_str(), O_RDWR);
      EXPECT_GE(fd, 0);
      const off_t at = ::lseek(fd, 0, SEEK_END) / 2;
      char byte = 0;
      EXPECT_EQ(::pread(fd, &byte, 1, at), 1);
      EXPECT_EQ(::pwrite(fd, &byte, 1, at), 1);
      ::close(fd);
      written = true;
    }
    return true;
  };
  const std::string sha_before = sha256_file(model_paths[0]);
  try {
    merge_checkpoints(spec(MergeMethod::Lerp, 2), touch);
    ADD_FAILURE() << "a merge whose input was written during it was accepted";
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find(model_paths[0] + ": changed during the merge"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(written);
  EXPECT_EQ(sha256_file(model_paths[0]), sha_before);
  EXPECT_FALSE(is_regular_file(out_path));
  EXPECT_EQ(list_dir(dir), before);
}

TEST_F(MergerFiles, InMemoryMergeChecksAndCancels) {
  MergeParams p;
  NamedTensors missing(models[0].begin(), models[0].end() - 1);
  try {
    merge_named_tensors(p, init, {models[0], missing});
    ADD_FAILURE() << "accepted a model without " << init.back().first;
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("model 2: tensor '" + init.back().first + "' is missing"), std::string::npos)
        << e.what();
  }
  int calls = 0;
  EXPECT_THROW(merge_named_tensors(p, init, {models[0], models[1]}, [&](const ProgressInfo&) { return ++calls < 3; }),
               Cancelled);
  EXPECT_EQ(calls, 3);
}

}  // namespace
