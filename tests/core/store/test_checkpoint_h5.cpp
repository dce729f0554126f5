// Tests of the HDF5 checkpoint: bitwise round trips, the streaming reader/writer, atomic writes,
// GPT parameter validation and files that are not (valid) checkpoints.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <thread>

#include "store/checkpoint_h5.h"
#include "store/hdf5_handle.h"
#include "store_test_support.h"
#include "util/error.h"
#include "util/fsutil.h"

using namespace warp;
using namespace warp::test;

namespace {

// One tensor of every storable dtype and a few awkward shapes.
NamedTensors mixed_tensors() {
  NamedTensors t;
  float special[] = {0.0f,
                     -0.0f,
                     std::numeric_limits<float>::infinity(),
                     -std::numeric_limits<float>::infinity(),
                     std::numeric_limits<float>::quiet_NaN(),
                     std::numeric_limits<float>::denorm_min(),
                     1.5f,
                     -2.25f};
  t.emplace_back("h.0.special", torch::from_blob(special, {2, 4}, torch::kFloat32).clone());
  t.emplace_back("wte.weight", torch::arange(60, torch::kFloat32).reshape({5, 12}) / 7.0);
  t.emplace_back("f64", torch::tensor({1e-300, -3.5, 2.0 / 3.0}, torch::kFloat64));
  t.emplace_back("bf16", (torch::arange(6, torch::kFloat32) * 1.37).to(torch::kBFloat16).reshape({2, 3}));
  t.emplace_back("f16", (torch::arange(7, torch::kFloat32) * -0.61).to(torch::kFloat16));
  t.emplace_back("i64", torch::tensor({std::numeric_limits<int64_t>::min(), int64_t(-1), int64_t(0),
                                       std::numeric_limits<int64_t>::max()},
                                      torch::kInt64)
                            .reshape({2, 2}));
  t.emplace_back("i32", torch::tensor({-7, 1 << 30}, torch::kInt32));
  t.emplace_back("i16", torch::tensor({-300, 300}, torch::kInt16));
  t.emplace_back("i8", torch::tensor({-128, 127}, torch::kInt8));
  t.emplace_back("u8", torch::tensor({0, 255, 17}, torch::kUInt8));
  t.emplace_back("mask", torch::tensor({true, false, true}, torch::kBool));
  t.emplace_back("scalar", torch::tensor(3.25f));
  t.emplace_back("empty", torch::zeros({0, 4}));
  t.emplace_back("rank3", torch::arange(24, torch::kInt32).reshape({2, 3, 4}));
  // More than one 1 MiB chunk.
  t.emplace_back("big", torch::arange(600 * 700, torch::kFloat32).reshape({600, 700}));
  return t;
}

torch::Tensor file_bytes(const std::string& s) {
  auto t = torch::empty({static_cast<int64_t>(s.size())}, torch::kUInt8);
  if (!s.empty()) std::memcpy(t.data_ptr(), s.data(), s.size());
  return t;
}

CheckpointData sample_checkpoint() {
  CheckpointData d;
  d.header.kind = "ema";
  d.header.step = 1234;
  d.header.config = {{"model", tiny_config().to_json()}, {"kind", "policy"}, {"lr", 1e-4}};
  d.header.meta = {{"merge", {{"method", "slerp"}, {"lambda", 0.5}}}, {"inputs", {"a.h5", "b.h5"}}};
  d.params = mixed_tensors();
  d.state.emplace_back("adam.m.wte.weight", torch::full({5, 12}, 0.125f));
  d.state.emplace_back("rng", torch::arange(200, torch::kInt32).to(torch::kUInt8));
  d.state.emplace_back("data_position", torch::tensor(int64_t(98765)));
  d.files.emplace_back("vocab.json", file_bytes(R"({"a":0,"b":1})"));
  d.files.emplace_back("merges.txt", file_bytes("#version: 0.2\na b\n"));
  d.files.emplace_back("empty.txt", file_bytes(""));
  return d;
}

void expect_same_header(const CheckpointHeader& got, const CheckpointHeader& want) {
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.step, want.step);
  EXPECT_EQ(got.config, want.config);
  EXPECT_EQ(got.meta, want.meta);
  EXPECT_EQ(got.version, kCheckpointVersion);
}

// A GPT checkpoint whose params were edited by `edit` before saving through the plain writer
// (save_gpt_params would refuse them).
std::string gpt_checkpoint_with(const std::string& dir, const std::function<void(NamedTensors&)>& edit,
                                const GPTConfig& cfg = tiny_config()) {
  std::string path = dir + "/ckpt.h5";
  CheckpointData d;
  d.header.config = {{"model", cfg.to_json()}};
  d.params = random_gpt_params(cfg, 7);
  edit(d.params);
  save_checkpoint(path, d);
  return path;
}

// An HDF5 file made directly with the HDF5 API (no warp attributes unless asked).
void write_foreign_h5(const std::string& path, const char* format_attr) {
  H5Scope scope;
  H5File f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  ASSERT_TRUE(f.valid());
  hsize_t dims[1] = {4};
  H5Space space(H5Screate_simple(1, dims, nullptr));
  H5Dataset ds(H5Dcreate2(f.get(), "data", H5T_IEEE_F32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  float v[4] = {1, 2, 3, 4};
  ASSERT_GE(H5Dwrite(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
  if (format_attr) {
    H5Type t(H5Tcopy(H5T_C_S1));
    H5Tset_size(t.get(), std::strlen(format_attr));
    H5Space s(H5Screate(H5S_SCALAR));
    H5Attr a(H5Acreate2(f.get(), "format", t.get(), s.get(), H5P_DEFAULT, H5P_DEFAULT));
    ASSERT_GE(H5Awrite(a.get(), t.get(), format_attr), 0);
  }
}

}  // namespace

TEST(CheckpointH5, RoundTripIsBitwise) {
  auto dir = scratch_dir("ckpt-roundtrip");
  auto data = sample_checkpoint();
  save_checkpoint(dir + "/a.h5", data);
  auto back = load_checkpoint(dir + "/a.h5");
  expect_same_header(back.header, data.header);
  expect_same_tensors(back.params, data.params);
  expect_same_tensors(back.state, data.state);
  expect_same_tensors(back.files, data.files);
  // Nothing but the checkpoint in the folder (the temporary file was renamed).
  EXPECT_EQ(list_dir(dir), std::set<std::string>{"a.h5"});
}

TEST(CheckpointH5, HeaderWithoutMetaAndLargeMeta) {
  auto dir = scratch_dir("ckpt-meta");
  CheckpointData d;
  d.header.config = {{"x", 1}};
  d.params.emplace_back("w", torch::ones({3}));
  save_checkpoint(dir + "/plain.h5", d);
  EXPECT_TRUE(load_checkpoint(dir + "/plain.h5").header.meta.is_null());
  // A meta attribute far larger than HDF5's 64 KiB compact attribute limit.
  d.header.meta = {{"log", std::string(200000, 'x')}};
  save_checkpoint(dir + "/big.h5", d);
  EXPECT_EQ(load_checkpoint(dir + "/big.h5").header.meta, d.header.meta);
}

TEST(CheckpointH5, SetMetaAfterTheTensorsRoundTrips) {
  auto dir = scratch_dir("ckpt-set-meta");
  CheckpointHeader h;
  h.kind = "merge";
  h.config = {{"x", 1}};
  const NamedTensors tensors = mixed_tensors();
  // Records of many tensors: far more than HDF5's 64 KiB compact attribute limit.
  nlohmann::json big = {{"method", "slerp"}, {"tensors", nlohmann::json::array()}};
  for (int i = 0; i < 2000; ++i)
    big["tensors"].push_back({{"name", "h." + std::to_string(i) + ".mlp.c_fc.weight"},
                              {"delta_norms", {1.0 / (i + 3), 2.5 * i}},
                              {"omega_deg", {89.0 + i * 1e-3}},
                              {"fallback", {i % 7 == 0}}});
  ASSERT_GT(big.dump().size(), 64u << 10);
  const nlohmann::json small = {{"note", "small"}, {"n", 3}};
  struct Case {
    std::string file;
    nlohmann::json at_create;          // meta given to the constructor
    std::vector<nlohmann::json> sets;  // set_meta calls after the tensors, in order
    nlohmann::json expected;
  };
  const std::vector<Case> cases = {
      {"big.h5", nullptr, {big}, big},
      {"small.h5", nullptr, {small}, small},
      {"small-then-big.h5", small, {big}, big},             // replaces a compact attribute by a dense one
      {"big-then-small.h5", nullptr, {big, small}, small},  // and back
      {"big-twice.h5", big, {big, big}, big},
      {"removed.h5", big, {nullptr}, nullptr},  // null removes it
  };
  for (const auto& c : cases) {
    h.meta = c.at_create;
    const std::string path = dir + "/" + c.file;
    {
      CheckpointWriter w(path, h);
      for (const auto& [name, t] : tensors) w.write(name, t);
      for (const auto& m : c.sets) w.set_meta(m);
      w.write("vocab.json", file_bytes("{}"), TensorGroup::Files);  // writes after set_meta still work
      w.commit();
      EXPECT_THROW(w.set_meta(small), Error) << c.file;  // committed: refused
    }
    const CheckpointData back = load_checkpoint(path);
    EXPECT_EQ(back.header.meta, c.expected) << c.file;
    EXPECT_EQ(back.header.kind, "merge");
    EXPECT_EQ(back.header.config, h.config);
    expect_same_tensors(back.params, tensors);
    ASSERT_EQ(back.files.size(), 1u);
  }
  // Without commit, nothing appears even after set_meta.
  {
    h.meta = nullptr;
    CheckpointWriter w(dir + "/uncommitted.h5", h);
    w.write("w", torch::ones({3}));
    w.set_meta(big);
  }
  EXPECT_FALSE(is_regular_file(dir + "/uncommitted.h5"));
  EXPECT_EQ(list_dir(dir).size(), cases.size());
  // The same calls give the same bytes (no time stamps, no leftovers of the replaced attribute that
  // depend on anything but the calls).
  for (const std::string name : {"again1.h5", "again2.h5"}) {
    h.meta = small;
    CheckpointWriter w(dir + "/" + name, h);
    for (const auto& [n, t] : tensors) w.write(n, t);
    w.set_meta(big);
    w.commit();
  }
  EXPECT_EQ(read_file_bytes(dir + "/again1.h5"), read_file_bytes(dir + "/again2.h5"));
}

TEST(CheckpointH5, TensorsKeepWritingOrderAndUnicodeNames) {
  auto dir = scratch_dir("ckpt-order");
  CheckpointData d;
  for (std::string n : {"zeta", "alpha", "h.10.x", "h.2.x", "poids.\xc3\xa9t\xc3\xa9"})
    d.params.emplace_back(n, torch::full({2}, static_cast<float>(n.size())));
  save_checkpoint(dir + "/o.h5", d);
  expect_same_tensors(load_checkpoint(dir + "/o.h5").params, d.params);
}

TEST(CheckpointH5, StreamingReaderListsAndReadsOneTensorAtATime) {
  auto dir = scratch_dir("ckpt-stream");
  auto data = sample_checkpoint();
  {
    CheckpointWriter w(dir + "/s.h5", data.header);
    for (const auto& [n, t] : data.params) w.write(n, t);
    for (const auto& [n, t] : data.state) w.write(n, t, TensorGroup::State);
    for (const auto& [n, t] : data.files) w.write(n, t, TensorGroup::Files);
    w.commit();
  }
  CheckpointReader r(dir + "/s.h5");
  expect_same_header(r.header(), data.header);
  ASSERT_EQ(r.tensors().size(), data.params.size());
  for (size_t i = 0; i < data.params.size(); ++i) {
    const auto& info = r.tensors()[i];
    const auto& t = data.params[i].second;
    EXPECT_EQ(info.name, data.params[i].first);
    EXPECT_EQ(info.dtype, t.scalar_type());
    EXPECT_EQ(info.shape, tensor_shape(t));
    EXPECT_EQ(info.numel, t.numel());
    EXPECT_EQ(info.nbytes, t.numel() * static_cast<int64_t>(t.element_size()));
  }
  ASSERT_EQ(r.tensors(TensorGroup::State).size(), 3u);
  EXPECT_EQ(r.find("rng", TensorGroup::State)->nbytes, 200);
  EXPECT_EQ(r.find("rng"), nullptr);  // not a param
  ASSERT_EQ(r.tensors(TensorGroup::Files).size(), 3u);
  EXPECT_EQ(r.find("merges.txt", TensorGroup::Files)->nbytes, 18);
  EXPECT_TRUE(bitwise_equal(r.read("vocab.json", TensorGroup::Files), data.files[0].second));
  EXPECT_EQ(r.find("absent"), nullptr);

  // read_into a reused buffer.
  torch::Tensor buf = torch::empty({5, 12});
  r.read_into("wte.weight", buf);
  EXPECT_TRUE(bitwise_equal(buf, data.params[1].second));
  auto m = r.read("adam.m.wte.weight", TensorGroup::State);
  EXPECT_TRUE(bitwise_equal(m, data.state[0].second));

  // A buffer of the wrong shape, dtype or layout is a caller error (Error, not BadInput).
  auto is_plain_error = [&](const torch::Tensor& out) {
    try {
      r.read_into("wte.weight", out);
      return false;
    } catch (const BadInput&) {
      return false;
    } catch (const Error&) {
      return true;
    }
  };
  EXPECT_TRUE(is_plain_error(torch::empty({12, 5})));
  EXPECT_TRUE(is_plain_error(torch::empty({5, 12}, torch::kFloat64)));
  EXPECT_TRUE(is_plain_error(torch::empty({12, 5}).t()));  // right shape, not contiguous
  expect_error<BadInput>([&] { r.read("absent"); }, {"s.h5", "absent"});
}

TEST(CheckpointH5, WriterRejectsBadTensorsAndHeaders) {
  auto dir = scratch_dir("ckpt-writer");
  CheckpointHeader h;
  CheckpointWriter w(dir + "/w.h5", h);
  w.write("a", torch::ones({2}));
  expect_error<Error>([&] { w.write("a", torch::ones({2})); }, {"'a'", "twice"});
  for (const std::string& bad : std::vector<std::string>{"", "a/b", ".", "..", "tab\there"})
    EXPECT_THROW(w.write(bad, torch::ones({1})), Error) << bad;
  EXPECT_THROW(w.write("u", torch::Tensor()), Error);
  expect_error<Error>([&] { w.write("c", torch::ones({2}, torch::kComplexFloat)); }, {"'c'", "cannot be stored"});
  // The same name in /state is a different tensor.
  w.write("a", torch::zeros({1}), TensorGroup::State);
  // Files are 1-D uint8.
  expect_error<Error>([&] { w.write("f.txt", torch::zeros({3}), TensorGroup::Files); }, {"file 'f.txt'", "1-D uint8"});
  expect_error<Error>(
      [&] {
        w.write("g.txt", torch::zeros({2, 2}, torch::kUInt8), TensorGroup::Files);
      },
      {"1-D uint8"});
  w.write("a", torch::zeros({5}, torch::kUInt8), TensorGroup::Files);
  // A transposed (non-contiguous) tensor is stored by value.
  auto base = torch::arange(6, torch::kFloat32).reshape({2, 3});
  w.write("t", base.t());
  w.commit();
  EXPECT_THROW(w.write("late", torch::ones({1})), Error);
  EXPECT_TRUE(bitwise_equal(CheckpointReader(dir + "/w.h5").read("t"), base.t().contiguous()));

  CheckpointHeader bad_kind;
  bad_kind.kind = "no spaces";
  EXPECT_THROW(CheckpointWriter(dir + "/k.h5", bad_kind), BadInput);
  CheckpointHeader bad_step;
  bad_step.step = -1;
  EXPECT_THROW(CheckpointWriter(dir + "/k.h5", bad_step), BadInput);
  CheckpointHeader bad_config;
  bad_config.config = nlohmann::json::array();
  EXPECT_THROW(CheckpointWriter(dir + "/k.h5", bad_config), BadInput);
  EXPECT_FALSE(is_regular_file(dir + "/k.h5"));
}

TEST(CheckpointH5, WriterWithoutCommitLeavesNothing) {
  auto dir = scratch_dir("ckpt-abort");
  {
    CheckpointWriter w(dir + "/never.h5", CheckpointHeader{});
    w.write("a", torch::ones({100}));
  }
  EXPECT_TRUE(list_dir(dir).empty());
}

TEST(CheckpointH5, FailedOrCancelledWriteLeavesExistingTargetUntouched) {
  auto dir = scratch_dir("ckpt-keep");
  const std::string path = dir + "/c.h5";
  auto data = sample_checkpoint();
  save_checkpoint(path, data);
  auto before = read_file_bytes(path);

  // A tensor that cannot be stored in the middle of the list.
  CheckpointData bad = data;
  bad.params.insert(bad.params.begin() + 3, {"complex", torch::ones({2}, torch::kComplexDouble)});
  EXPECT_THROW(save_checkpoint(path, bad), Error);
  EXPECT_EQ(read_file_bytes(path), before);
  EXPECT_EQ(list_dir(dir), std::set<std::string>{"c.h5"});

  // Cancelled half way through by the progress callback.
  int calls = 0;
  EXPECT_THROW(save_checkpoint(path, data, [&](const ProgressInfo& p) { return ++calls < 5; }), Cancelled);
  EXPECT_EQ(read_file_bytes(path), before);
  EXPECT_EQ(list_dir(dir), std::set<std::string>{"c.h5"});

  // And a successful save replaces it.
  data.header.step = 99;
  save_checkpoint(path, data);
  EXPECT_EQ(load_checkpoint(path).header.step, 99);
}

TEST(CheckpointH5, GptParamsRoundTripAndConfigCheck) {
  auto dir = scratch_dir("ckpt-gpt");
  auto cfg = tiny_config();
  auto params = random_gpt_params(cfg, 1);
  CheckpointHeader h;
  h.kind = "policy";
  h.step = 10;
  h.config = {{"run", "r1"}};
  NamedTensors files = {{"vocab.json", file_bytes("{}")}};
  save_gpt_params(dir + "/p.h5", cfg, params, h, {}, files);
  auto g = load_gpt_params(dir + "/p.h5", &cfg);
  expect_same_tensors(load_checkpoint(dir + "/p.h5").files, files);
  EXPECT_EQ(g.config, cfg);
  EXPECT_EQ(g.header.config.at("run"), "r1");
  expect_same_tensors(g.params, params);

  GPTConfig other = cfg;
  other.n_embd = 16;
  expect_error<BadInput>([&] { load_gpt_params(dir + "/p.h5", &other); }, {"p.h5", "n_embd is 8, expected 16"});
  // dropout is a training setting, not part of the architecture.
  GPTConfig dropout = cfg;
  dropout.dropout = 0.1;
  EXPECT_NO_THROW(load_gpt_params(dir + "/p.h5", &dropout));

  // Params are stored in gpt_param_specs order whatever order they come in.
  NamedTensors reversed(params.rbegin(), params.rend());
  save_gpt_params(dir + "/r.h5", cfg, reversed);
  expect_same_tensors(load_gpt_params(dir + "/r.h5").params, params);
}

TEST(CheckpointH5, GptParamsValidationNamesFileAndTensor) {
  auto dir = scratch_dir("ckpt-gpt-bad");
  auto cfg = tiny_config();
  // The exact one-line message for a wrong shape.
  auto path = gpt_checkpoint_with(dir, [](NamedTensors& p) {
    for (auto& [n, t] : p)
      if (n == "h.0.attn.c_attn.weight") t = torch::zeros({24, 9});
  });
  expect_error<BadInput>([&] { load_gpt_params(path); },
                         {path + ": tensor 'h.0.attn.c_attn.weight' has shape [24,9], expected [24,8]"});

  path = gpt_checkpoint_with(dir, [](NamedTensors& p) { p.erase(p.begin() + 3); });
  expect_error<BadInput>([&] { load_gpt_params(path); }, {path, "tensor 'h.0.ln_1.bias' is missing"});

  path = gpt_checkpoint_with(dir, [](NamedTensors& p) { p.emplace_back("lm_head.weight", torch::zeros({32, 8})); });
  expect_error<BadInput>([&] { load_gpt_params(path); }, {path, "unexpected tensor 'lm_head.weight'"});

  path = gpt_checkpoint_with(dir, [](NamedTensors& p) { p[2].second = p[2].second.to(torch::kFloat64); });
  expect_error<BadInput>([&] { load_gpt_params(path); },
                         {path, "tensor 'h.0.ln_1.weight' has dtype float64, expected float32"});

  path = gpt_checkpoint_with(dir, [](NamedTensors& p) {
    p[5].second[1] = std::numeric_limits<float>::quiet_NaN();
    p[5].second[2] = std::numeric_limits<float>::infinity();
  });
  expect_error<BadInput>([&] { load_gpt_params(path); },
                         {path, "tensor 'h.0.attn.c_attn.bias' has 2 non-finite values"});

  // Several problems: the first is reported, with a count of the rest.
  path = gpt_checkpoint_with(dir, [](NamedTensors& p) {
    p.erase(p.begin());
    p.emplace_back("extra", torch::zeros({1}));
  });
  expect_error<BadInput>([&] { load_gpt_params(path); }, {"tensor 'wte.weight' is missing", "(and 1 more problem)"});

  // The same checks guard saving.
  auto params = random_gpt_params(cfg, 3);
  params.pop_back();
  expect_error<BadInput>([&] { save_gpt_params(dir + "/s.h5", cfg, params); }, {"tensor 'ln_f.bias' is missing"});
  EXPECT_FALSE(is_regular_file(dir + "/s.h5"));

  // A checkpoint without a model config is not a GPT checkpoint.
  CheckpointData d;
  d.params = random_gpt_params(cfg, 1);
  save_checkpoint(dir + "/nomodel.h5", d);
  expect_error<BadInput>([&] { load_gpt_params(dir + "/nomodel.h5"); }, {"no 'model'"});
  // Nor is one whose model config is invalid.
  d.header.config = {{"model", {{"n_layer", 2}}}};
  save_checkpoint(dir + "/badmodel.h5", d);
  expect_error<BadInput>([&] { load_gpt_params(dir + "/badmodel.h5"); }, {"badmodel.h5", "n_head"});
}

TEST(CheckpointH5, FilesThatAreNotCheckpoints) {
  auto dir = scratch_dir("ckpt-foreign");
  write_foreign_h5(dir + "/foreign.h5", nullptr);
  expect_error<BadInput>([&] { load_gpt_params(dir + "/foreign.h5"); }, {"foreign.h5", "not a warp checkpoint"});
  write_foreign_h5(dir + "/other.h5", "keras-model");
  expect_error<BadInput>([&] { load_checkpoint(dir + "/other.h5"); }, {"other.h5", "format is 'keras-model'"});
  write_raw(dir + "/text.h5", std::string("this is a text file, not HDF5\n"));
  expect_error<BadInput>([&] { load_gpt_params(dir + "/text.h5"); }, {"text.h5", "cannot be opened"});
  write_raw(dir + "/empty.h5", std::string());
  expect_error<BadInput>([&] { load_gpt_params(dir + "/empty.h5"); }, {"empty.h5", "is empty"});
  expect_error<BadInput>([&] { load_gpt_params(dir); }, {dir, "is a folder"});
  expect_error<BadInput>([&] { load_gpt_params(dir + "/missing.h5"); }, {"missing.h5", "does not exist"});
}

TEST(CheckpointH5, OtherVersionIsRefused) {
  auto dir = scratch_dir("ckpt-version");
  save_checkpoint(dir + "/v.h5", sample_checkpoint());
  {
    H5Scope scope;
    H5File f(H5Fopen((dir + "/v.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    ASSERT_TRUE(f.valid());
    H5Attr a(H5Aopen(f.get(), "version", H5P_DEFAULT));
    int64_t v = 2;
    ASSERT_GE(H5Awrite(a.get(), H5T_NATIVE_INT64, &v), 0);
  }
  expect_error<BadInput>([&] { load_checkpoint(dir + "/v.h5"); }, {"v.h5", "version 2"});
}

TEST(CheckpointH5, CorruptDataChunkIsAChecksumMismatch) {
  auto dir = scratch_dir("ckpt-fletcher");
  CheckpointData d;
  // A recognisable byte pattern: float32 values 1000.0 .. 1063.0.
  auto marker = torch::arange(1000, 1064, torch::kFloat32);
  d.params.emplace_back("marker", marker);
  save_checkpoint(dir + "/f.h5", d);
  auto bytes = read_file_bytes(dir + "/f.h5");
  const auto* pattern = static_cast<const uint8_t*>(marker.data_ptr());
  auto it = std::search(bytes.begin(), bytes.end(), pattern, pattern + marker.nbytes());
  ASSERT_NE(it, bytes.end()) << "data chunk not found in the file";
  *(it + 37) ^= 0x10;
  write_raw(dir + "/f.h5", bytes);
  CheckpointReader r(dir + "/f.h5");  // the header is intact
  expect_error<BadInput>([&] { r.read("marker"); }, {"f.h5", "tensor 'marker'", "checksum mismatch"});
}

TEST(CheckpointH5, CorruptMetaIsDetectedSmallOrLarge) {
  // A compact meta (< 64 KiB) lives in the root's object header, which HDF5 checksums; a large one
  // is a "huge object" of the dense attribute storage, which HDF5 does not checksum: the
  // meta_sha256 attribute covers both.
  auto dir = scratch_dir("ckpt-meta-corrupt");
  for (size_t size : {size_t(300), size_t(200000)}) {
    const std::string path = dir + "/m" + std::to_string(size) + ".h5";
    CheckpointHeader h;
    h.meta = {{"log", "BEGIN" + std::string(size, 'x') + "END"}, {"n", 1}};
    CheckpointWriter w(path, h);
    w.write("w", torch::ones({3}));
    w.set_meta(h.meta);
    w.commit();
    EXPECT_EQ(CheckpointReader(path).header().meta, h.meta);
    auto bytes = read_file_bytes(path);
    const std::string begin = "BEGINxxxx";
    auto it = std::search(bytes.begin(), bytes.end(), begin.begin(), begin.end());
    ASSERT_NE(it, bytes.end()) << size;
    *(it + 7) = 'y';  // still valid JSON
    write_raw(path, bytes);
    expect_error<BadInput>([&] { CheckpointReader r(path); }, {"m" + std::to_string(size) + ".h5"});
    try {
      CheckpointReader r(path);
    } catch (const BadInput& e) {
      const std::string what = e.what();
      EXPECT_TRUE(what.find("meta") != std::string::npos || what.find("checksum") != std::string::npos) << what;
    }
  }
  // A file from before meta_sha256 (none written): read, its meta unchecked.
  auto drop_attr = [](const std::string& path, const char* name) {
    H5Scope scope;
    H5File f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    ASSERT_TRUE(f.valid());
    ASSERT_GE(H5Adelete(f.get(), name), 0);
  };
  drop_attr(dir + "/m200000.h5", "meta_sha256");
  EXPECT_EQ(CheckpointReader(dir + "/m200000.h5").header().meta["n"], 1);
  // A checksum without the meta it covers: refused.
  CheckpointHeader h;
  h.meta = {{"n", 2}};
  CheckpointWriter w(dir + "/nometa.h5", h);
  w.commit();
  drop_attr(dir + "/nometa.h5", "meta");
  expect_error<BadInput>([&] { CheckpointReader r(dir + "/nometa.h5"); }, {"nometa.h5", "'meta_sha256'", "no 'meta'"});
}

TEST(CheckpointH5, DeclaredShapeLargerThanStoredDataIsRefusedBeforeAllocating) {
  auto dir = scratch_dir("ckpt-hostile");
  const std::string path = dir + "/hostile.h5";
  {
    // A valid header and a dataset declaring 2^40 float32 values (4 TiB) of which nothing is stored.
    CheckpointWriter w(path, CheckpointHeader{});
    w.commit();
    H5Scope scope;
    H5File f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    ASSERT_TRUE(f.valid());
    H5Group g(H5Gopen2(f.get(), "params", H5P_DEFAULT));
    hsize_t dims[1] = {hsize_t(1) << 40}, chunk[1] = {1 << 18};
    H5Space s(H5Screate_simple(1, dims, nullptr));
    H5Plist dcpl(H5Pcreate(H5P_DATASET_CREATE));
    H5Pset_chunk(dcpl.get(), 1, chunk);
    H5Pset_fletcher32(dcpl.get());
    H5Dataset ds(H5Dcreate2(g.get(), "huge", H5T_IEEE_F32LE, s.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
    ASSERT_TRUE(ds.valid());
  }
  expect_error<BadInput>([&] { CheckpointReader r(path); }, {"tensor 'huge'", "[1099511627776]", "stores 0 bytes"});
}

TEST(CheckpointH5, LinksAndFiltersOutsideTheFormatAreRefused) {
  auto dir = scratch_dir("ckpt-links");
  auto make = [&](const std::string& name, const std::function<void(hid_t params)>& add) {
    const std::string path = dir + "/" + name;
    CheckpointWriter w(path, CheckpointHeader{});
    w.write("real", torch::ones({4}));
    w.commit();
    H5Scope scope;
    H5File f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    H5Group g(H5Gopen2(f.get(), "params", H5P_DEFAULT));
    add(g.get());
    return path;
  };
  auto soft = make("soft.h5", [](hid_t g) { H5Lcreate_soft("/params/real", g, "alias", H5P_DEFAULT, H5P_DEFAULT); });
  expect_error<BadInput>([&] { CheckpointReader r(soft); }, {"tensor 'alias'", "link"});
  auto ext =
      make("ext.h5", [](hid_t g) { H5Lcreate_external("other.h5", "/x", g, "outside", H5P_DEFAULT, H5P_DEFAULT); });
  expect_error<BadInput>([&] { CheckpointReader r(ext); }, {"tensor 'outside'", "link"});
  auto gz = make("gzip.h5", [](hid_t g) {
    hsize_t dims[1] = {16}, chunk[1] = {16};
    H5Space s(H5Screate_simple(1, dims, nullptr));
    H5Plist dcpl(H5Pcreate(H5P_DATASET_CREATE));
    H5Pset_chunk(dcpl.get(), 1, chunk);
    H5Pset_deflate(dcpl.get(), 6);
    H5Dataset ds(H5Dcreate2(g, "zipped", H5T_IEEE_F32LE, s.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
    float v[16] = {};
    H5Dwrite(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
  });
  expect_error<BadInput>([&] { CheckpointReader r(gz); }, {"tensor 'zipped'", "filter"});
  auto str = make("string.h5", [](hid_t g) {
    H5Space s(H5Screate(H5S_SCALAR));
    H5Type t(H5Tcopy(H5T_C_S1));
    H5Tset_size(t.get(), 4);
    H5Dataset ds(H5Dcreate2(g, "text", t.get(), s.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  });
  expect_error<BadInput>([&] { CheckpointReader r(str); }, {"tensor 'text'", "unsupported HDF5 type"});
  auto file = make("files.h5", [](hid_t params) {
    H5Group files(H5Gopen2(params, "/files", H5P_DEFAULT));
    hsize_t dims[1] = {4};
    H5Space s(H5Screate_simple(1, dims, nullptr));
    H5Dataset ds(H5Dcreate2(files.get(), "vocab.json", H5T_IEEE_F32LE, s.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    float v[4] = {};
    H5Dwrite(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
  });
  expect_error<BadInput>([&] { CheckpointReader r(file); }, {"file 'vocab.json'", "not a 1-D uint8 tensor"});
}

TEST(CheckpointH5, SameFileOpenTwiceAndReadersOnSeveralThreads) {
  auto dir = scratch_dir("ckpt-shared");
  auto data = sample_checkpoint();
  save_checkpoint(dir + "/a.h5", data);
  save_checkpoint(dir + "/b.h5", data);
  {
    // A merge of a policy with itself opens one file twice; closing one reader must not disturb
    // the other.
    auto first = std::make_unique<CheckpointReader>(dir + "/a.h5");
    CheckpointReader second(dir + "/a.h5");
    EXPECT_TRUE(bitwise_equal(first->read("wte.weight"), data.params[1].second));
    first.reset();
    EXPECT_TRUE(bitwise_equal(second.read("wte.weight"), data.params[1].second));
    EXPECT_TRUE(bitwise_equal(second.read("rng", TensorGroup::State), data.state[1].second));
  }
  // Loads and saves from two threads at once (HDF5 calls are serialised inside the store).
  std::atomic<int> failures{0};
  auto work = [&](const std::string& name) {
    for (int i = 0; i < 10; ++i) {
      try {
        auto back = load_checkpoint(dir + "/" + name + ".h5");
        if (!same_tensors(back.params, data.params)) ++failures;
        save_checkpoint(dir + "/" + name + "-copy.h5", back);
      } catch (const std::exception&) {
        ++failures;
      }
    }
  };
  std::thread t1(work, "a"), t2(work, "b");
  t1.join();
  t2.join();
  EXPECT_EQ(failures.load(), 0);
  expect_same_tensors(load_checkpoint(dir + "/b-copy.h5").state, data.state);
}

TEST(CheckpointH5, ChunksAreBalancedSoTheFileIsBarelyLargerThanItsData) {
  auto dir = scratch_dir("ckpt-chunks");
  CheckpointData d;
  // 1 MiB chunks: [3072, 96] float32 is 1.125 MiB, cut into 2 chunks of 1536 rows (not 2730 + 342
  // rows, which would store 2 full chunks of 2730 rows: 78% more bytes than the data).
  d.params.emplace_back("w", torch::ones({3072, 96}));
  save_checkpoint(dir + "/c.h5", d);
  auto size = read_file_bytes(dir + "/c.h5").size();
  EXPECT_LT(size, 3072 * 96 * 4 + 8192);
  EXPECT_TRUE(bitwise_equal(load_checkpoint(dir + "/c.h5").params[0].second, d.params[0].second));
}

TEST(CheckpointH5, SameContentGivesTheSameBytes) {
  auto dir = scratch_dir("ckpt-deterministic");
  auto data = sample_checkpoint();
  save_checkpoint(dir + "/a.h5", data);
  save_checkpoint(dir + "/b.h5", data);
  EXPECT_EQ(read_file_bytes(dir + "/a.h5"), read_file_bytes(dir + "/b.h5"));
}

// A checkpoint written by another HDF5 writer (as h5py would): variable-length string attributes,
// no creation-order tracking (tensors come back in name order), a contiguous dataset without
// checksum, big-endian data.
TEST(CheckpointH5, ReadsACheckpointWrittenByAnotherHdf5Writer) {
  auto dir = scratch_dir("ckpt-h5py");
  const std::string path = dir + "/other.h5";
  {
    H5Scope scope;
    H5File f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    ASSERT_TRUE(f.valid());
    auto vlen_attr = [&](const char* name, const std::string& value) {
      H5Type t(H5Tcopy(H5T_C_S1));
      H5Tset_size(t.get(), H5T_VARIABLE);
      H5Tset_cset(t.get(), H5T_CSET_UTF8);
      H5Space s(H5Screate(H5S_SCALAR));
      H5Attr a(H5Acreate2(f.get(), name, t.get(), s.get(), H5P_DEFAULT, H5P_DEFAULT));
      const char* p = value.c_str();
      ASSERT_GE(H5Awrite(a.get(), t.get(), &p), 0);
    };
    vlen_attr("format", "warp-checkpoint");
    vlen_attr("kind", "policy");
    vlen_attr("config", R"({"model":{"n_layer":1}})");
    int64_t one = 1, step = 7;
    H5Space s(H5Screate(H5S_SCALAR));
    H5Attr v(H5Acreate2(f.get(), "version", H5T_STD_I32BE, s.get(), H5P_DEFAULT, H5P_DEFAULT));
    ASSERT_GE(H5Awrite(v.get(), H5T_NATIVE_INT64, &one), 0);
    H5Attr st(H5Acreate2(f.get(), "step", H5T_STD_I64LE, s.get(), H5P_DEFAULT, H5P_DEFAULT));
    ASSERT_GE(H5Awrite(st.get(), H5T_NATIVE_INT64, &step), 0);
    H5Group g(H5Gcreate2(f.get(), "params", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    hsize_t dims[2] = {2, 3};
    H5Space sp(H5Screate_simple(2, dims, nullptr));
    float a[6] = {1, 2, 3, 4, 5, 6};
    H5Dataset zb(H5Dcreate2(g.get(), "zz.weight", H5T_IEEE_F32BE, sp.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    ASSERT_GE(H5Dwrite(zb.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, a), 0);
    int64_t b[6] = {-1, 0, 1, 2, 3, 4};
    H5Dataset aa(H5Dcreate2(g.get(), "aa.count", H5T_STD_I64LE, sp.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    ASSERT_GE(H5Dwrite(aa.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, b), 0);
  }
  auto d = load_checkpoint(path);
  EXPECT_EQ(d.header.kind, "policy");
  EXPECT_EQ(d.header.step, 7);
  EXPECT_EQ(d.header.config, nlohmann::json::parse(R"({"model":{"n_layer":1}})"));
  ASSERT_EQ(d.params.size(), 2u);
  EXPECT_EQ(d.params[0].first, "aa.count");
  EXPECT_TRUE(torch::equal(d.params[0].second, torch::tensor({-1, 0, 1, 2, 3, 4}, torch::kInt64).reshape({2, 3})));
  EXPECT_TRUE(torch::equal(d.params[1].second, torch::tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}).reshape({2, 3})));
  EXPECT_TRUE(d.state.empty());
}
