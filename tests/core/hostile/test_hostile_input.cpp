// Hostile input, fed the way an attacker or an unlucky user would (docs/reliability.md): each case
// must end in a clear refusal (exit status 2 and one line on stderr from the CLI, BadInput in core),
// never a crash, a hang or an allocation of whatever size the input asks for.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>

#include "db/experiment_db.h"
#include "experiment/checkpoint_trust.h"
#include "rl/rl_config.h"
#include "store/checkpoint_h5.h"
#include "store/checkpoint_validate.h"
#include "test_env.h"
#include "test_support.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/sha256.h"

using namespace warp;

namespace {

struct CliRun {
  int status = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void put(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
}

std::string deep(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

int lines_of(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

std::string bad_input_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const BadInput& e) {
    return e.what();
  }
  return "(no BadInput)";
}

// Replaces a root attribute of an HDF5 file with a fixed-length string.
void set_string_attr(const std::string& path, const char* name, const std::string& text) {
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  if (H5Aexists(f, name) > 0) {
    ASSERT_GE(H5Adelete(f, name), 0);
  }
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, text.size());
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(f, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(a, 0);
  ASSERT_GE(H5Awrite(a, type, text.data()), 0);
  H5Aclose(a);
  H5Sclose(space);
  H5Tclose(type);
  H5Fclose(f);
}

void set_int_attr(const std::string& path, const char* name, int64_t v) {
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  hid_t a = H5Aopen(f, name, H5P_DEFAULT);
  ASSERT_GE(a, 0);
  ASSERT_GE(H5Awrite(a, H5T_NATIVE_INT64, &v), 0);
  H5Aclose(a);
  H5Fclose(f);
}

class HostileInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = test::scratch_dir(std::string("hostile-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    torch::manual_seed(3);
    NamedTensors init = {{"w", torch::randn({6, 5})}, {"b", torch::randn({5})}};
    write(dir + "/init.h5", init);
    for (const char* name : {"a", "b"}) {
      NamedTensors m;
      for (const auto& [n, t] : init) m.emplace_back(n, t + 0.1 * torch::randn(t.sizes()));
      write(dir + "/" + name + ".h5", m);
    }
  }
  void TearDown() override {
    unsetenv("WARP_H5CHECK_TEST_FAULT");
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  static void write(const std::string& path, const NamedTensors& params) {
    CheckpointData d;
    d.params = params;
    save_checkpoint(path, d);
  }
  CliRun warp(const std::string& args, const std::string& env = "") const {
    const std::string cmd = "cd '" + dir + "' && " + env + " '" + warp::test::env_path("WARP_EXE") + "' " + args +
                            " > stdout.txt 2> stderr.txt";
    CliRun r;
    const int raw = std::system(cmd.c_str());
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = slurp(dir + "/stdout.txt");
    r.err = slurp(dir + "/stderr.txt");
    return r;
  }
  // Exit status 2 and exactly one line on stderr containing every one of `parts`.
  void expect_refusal(const CliRun& r, std::initializer_list<std::string> parts) const {
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(lines_of(r.err), 1) << r.err;
    for (const auto& p : parts) EXPECT_NE(r.err.find(p), std::string::npos) << "missing '" << p << "' in: " << r.err;
  }
  std::string merge_args() const { return "merge --method slerp --init init.h5 --models a.h5 b.h5 --out out.h5"; }

  std::string dir;
};

// ---- deeply nested JSON: the four cases of issue 14 ----------------------------------------------

TEST_F(HostileInput, ImportConfigWithAMillionDeepModelType) {
  make_dirs(dir + "/hf");
  put(dir + "/hf/config.json", "{\"model_type\": " + deep(1000000) + "}");
  const CliRun r = warp("import --from hf --out out.h5");
  expect_refusal(r, {"hf/config.json", "JSON nested deeper than 64 levels"});
  EXPECT_FALSE(is_regular_file(dir + "/out.h5"));
}

TEST_F(HostileInput, ImportSafetensorsHeaderWithADeepShape) {
  make_dirs(dir + "/hf");
  put(dir + "/hf/config.json",
      R"({"model_type": "gpt2", "vocab_size": 8, "n_positions": 4, "n_embd": 4, "n_layer": 1, "n_head": 1})");
  std::string header = R"({"wte.weight": {"dtype": "F32", "shape": )" + deep(1000000) + R"(, "data_offsets": [0, 4]}})";
  std::string len(8, '\0');
  for (int i = 0; i < 8; ++i) len[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  put(dir + "/hf/model.safetensors", len + header + std::string(4, '\0'));
  const CliRun r = warp("import --from hf --out out.h5");
  expect_refusal(r, {"model.safetensors", "nested deeper than 64 levels"});
}

TEST_F(HostileInput, ExperimentConfigWithADeepRlBatch) {
  make_dirs(dir + "/exp");
  put(dir + "/exp/config.json",
      "{\"format\": \"warp-experiment\", \"version\": 1, \"rl\": {\"batch\": " + deep(1000000) + "}}");
  const CliRun r = warp("train --exp exp");
  expect_refusal(r, {"exp/config.json", "JSON nested deeper than 64 levels"});
}

TEST_F(HostileInput, MergeOfAnH5WithADeepConfigAttribute) {
  set_string_attr(dir + "/a.h5", "config", "{\"model\": " + deep(1000000) + "}");
  const CliRun r = warp(merge_args());
  expect_refusal(r, {"a.h5", "attribute 'config'", "nested deeper than 64 levels"});
  EXPECT_FALSE(is_regular_file(dir + "/out.h5"));
}

// ---- bounds on what is read from outside ---------------------------------------------------------

TEST_F(HostileInput, SafetensorsHeaderOverTheBoundIsRefusedBeforeReading) {
  make_dirs(dir + "/hf");
  put(dir + "/hf/config.json",
      R"({"model_type": "gpt2", "vocab_size": 8, "n_positions": 4, "n_embd": 4, "n_layer": 1, "n_head": 1})");
  const uint64_t n = (16u << 20) + 1;  // one byte over 16 MiB, and the file really is that long (sparse)
  std::string len(8, '\0');
  for (int i = 0; i < 8; ++i) len[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  put(dir + "/hf/model.safetensors", len + "{");
  std::filesystem::resize_file(dir + "/hf/model.safetensors", 8 + n);
  const CliRun r = warp("import --from hf --out out.h5");
  expect_refusal(r,
                 {"model.safetensors", "safetensors header length 16777217 bytes exceeds the limit of 16777216 bytes"});
}

TEST_F(HostileInput, IntegerOptionsAreReadExactlyOrRefused) {
  const std::string sample = "sample --ckpt init.h5 --prompt hi ";
  expect_refusal(warp(sample + "--n 18446744073709551616"), {"--n", "'18446744073709551616' is out of range"});
  expect_refusal(warp(sample + "--n 9223372036854775808"), {"--n", "out of range"});
  expect_refusal(warp(sample + "--n 1e15"), {"--n", "'1e15' is not a whole number"});
  expect_refusal(warp(sample + "--n 0x10"), {"--n", "'0x10' is not a whole number"});
  expect_refusal(warp(sample + "--n 1000000000000000"), {"--n must be in 1..4096, got 1000000000000000"});
  expect_refusal(warp(sample + "--seed=-1"), {"--seed", "'-1' is negative"});
  expect_refusal(warp(sample + "--seed 18446744073709551616"), {"--seed", "out of range"});
  expect_refusal(warp("merge --method dare --init init.h5 --models a.h5 b.h5 --out o.h5 --seed=-5"),
                 {"--seed", "negative"});
}

TEST_F(HostileInput, NiceOutsideItsRangeIsRefusedBeforeTheCommand) {
  // warp's global --nice (the desktop app's run priority): 0..19, a whole number, before the command.
  const std::string sample = " sample --ckpt init.h5 --prompt hi";
  expect_refusal(warp("--nice 20" + sample), {"--nice: 20 is out of range (0 to 19"});
  expect_refusal(warp("--nice=-1" + sample), {"--nice: -1 is out of range"});
  expect_refusal(warp("--nice 1.5" + sample), {"--nice", "'1.5' is not a whole number"});
  expect_refusal(warp("--nice 99999999999999999999" + sample), {"--nice", "out of range"});
}

TEST_F(HostileInput, SharedOptionsAreRefusedAlikeByEachCommand) {
  // --threads, --lr, ... are declared once for warp sft, rm, train and eval (app/cli/json_options.h)
  // and checked by one rule (config/train_settings.h): the same words from each command.
  ASSERT_EQ(warp("init exp --preset smoke").status, 0);
  const std::string rule = "threads (--threads) must be >= 0, got -1";
  expect_refusal(warp("sft --exp exp --threads=-1"), {"sft options: sft: " + rule});
  expect_refusal(warp("rm --exp exp --threads=-1"), {"rm options: rm: " + rule});
  expect_refusal(warp("train --exp exp --name r --threads=-1"), {"train options: rl: " + rule});
  expect_refusal(warp("eval --exp exp --ckpt init.h5 --threads=-1"), {"eval options: eval: " + rule});
  // The flags sft and rm gained with the shared declaration (every field rule: test_shared_settings).
  expect_refusal(warp("sft --exp exp --weight-decay=-0.5"),
                 {"sft options: sft: weight_decay (--weight-decay) must be >= 0, got -0.5"});
  expect_refusal(warp("rm --exp exp --grad-clip=-1"),
                 {"rm options: rm: grad_clip (--grad-clip) must be >= 0 (0: off), got -1"});
  // warp run's RL options go through the same rule.
  expect_refusal(warp("run --exp exp --eval-every 0"),
                 {"run options: rl: eval_every (--eval-every) must be > 0, got 0"});
  // AdamW's betas: a flag of every training command, the rule of the config field.
  expect_refusal(warp("sft --exp exp --adam-beta1 1"),
                 {"sft options: sft: beta1 (--adam-beta1) must be in [0, 1), got 1"});
  expect_refusal(warp("rm --exp exp --adam-beta2=-0.1"),
                 {"rm options: rm: beta2 (--adam-beta2) must be in [0, 1), got -0.1"});
  expect_refusal(warp("train --exp exp --name r --adam-beta1 1.5"),
                 {"train options: rl: beta1 (--adam-beta1) must be in [0, 1), got 1.5"});
  expect_refusal(warp("run --exp exp --adam-beta2 1"),
                 {"run options: rl: beta2 (--adam-beta2) must be in [0, 1), got 1"});
}

TEST_F(HostileInput, AdamBetaFlagsReachTheRunsSettings) {
  // The accepted values are what the run trains with: warp sft records its settings (runs.config_json).
  ASSERT_EQ(warp("init exp --preset smoke").status, 0);
  const CliRun r = warp("sft --exp exp --steps 1 --adam-beta1 0.8 --adam-beta2 0.95");
  ASSERT_EQ(r.status, 0) << r.err;
  const ExperimentDb db = ExperimentDb::open_read_only(dir + "/exp/experiment.db");
  const std::optional<RunRecord> sft = db.find_run("sft");
  ASSERT_TRUE(sft.has_value());
  const nlohmann::json settings = nlohmann::json::parse(sft->config_json).at("sft");
  EXPECT_EQ(settings.at("beta1").get<double>(), 0.8);
  EXPECT_EQ(settings.at("beta2").get<double>(), 0.95);
}

TEST_F(HostileInput, BatchTimesSamplesCannotOverflow) {
  RlConfig c;
  c.batch = int64_t{1} << 32;
  c.samples_per_prompt = int64_t{1} << 32;  // product 2^64 wraps to 0 in int64 arithmetic
  EXPECT_NE(
      bad_input_of([&] { c.validate(); }).find("must be at most 1048576 rows per step, got 4294967296 x 4294967296"),
      std::string::npos);
  c.batch = 1024;
  c.samples_per_prompt = 1024;
  EXPECT_NO_THROW(c.validate());
  c.samples_per_prompt = 1025;
  EXPECT_THROW(c.validate(), BadInput);
}

// ---- untrusted HDF5 out of process ----------------------------------------------------------------

TEST_F(HostileInput, AValidCheckpointPassesTheChild) {
  EXPECT_NO_THROW(check_untrusted_checkpoint(dir + "/a.h5"));
  EXPECT_NO_THROW(validate_checkpoint_file(dir + "/a.h5"));
}

TEST_F(HostileInput, AValidatorCrashIsAClearErrorAndTheCallerLivesOn) {
  setenv("WARP_H5CHECK_TEST_FAULT", "crash", 1);
  const std::string e = bad_input_of([&] { check_untrusted_checkpoint(dir + "/a.h5"); });
  EXPECT_NE(e.find(dir + "/a.h5: refused: the HDF5 validator crashed on it with"), std::string::npos) << e;
  EXPECT_NE(e.find("(signal 11)"), std::string::npos) << e;
  unsetenv("WARP_H5CHECK_TEST_FAULT");
  // Through the CLI: exit 2, one line, no output written.
  const CliRun r = warp(merge_args(), "WARP_H5CHECK_TEST_FAULT=crash");
  expect_refusal(r, {"init.h5: refused: the HDF5 validator crashed"});
  EXPECT_FALSE(is_regular_file(dir + "/out.h5"));
}

TEST_F(HostileInput, AHangingValidatorIsStoppedAfterItsTimeout) {
  setenv("WARP_H5CHECK_TEST_FAULT", "hang", 1);
  UntrustedCheckOptions o;
  o.timeout_s = 1;
  const auto start = std::chrono::steady_clock::now();
  const std::string e = bad_input_of([&] { check_untrusted_checkpoint(dir + "/a.h5", o); });
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_NE(e.find("a.h5: refused: validating it took longer than 1 s"), std::string::npos) << e;
  EXPECT_LT(took, 10.0);
}

TEST_F(HostileInput, FilesTheExperimentRecordedSkipTheChild) {
  setenv("WARP_H5CHECK_TEST_FAULT", "crash", 1);  // any file that reaches the child is refused
  const std::string db_path = dir + "/experiment.db";
  {
    ExperimentDb db = ExperimentDb::open(db_path);
    CheckpointSpec spec;
    spec.path = "a.h5";
    spec.sha256 = sha256_file(dir + "/a.h5");
    spec.kind = "policy";
    db.add_checkpoint(spec);
  }
  EXPECT_NO_THROW(check_checkpoint_input(db_path, dir + "/a.h5"));
  EXPECT_NE(bad_input_of([&] { check_checkpoint_input(db_path, dir + "/b.h5"); }).find("crashed"), std::string::npos);
  // A recorded file that was altered afterwards is a new digest: back to the child.
  put(dir + "/a.h5", slurp(dir + "/a.h5") + "x");
  EXPECT_NE(bad_input_of([&] { check_checkpoint_input(db_path, dir + "/a.h5"); }).find("crashed"), std::string::npos);
}

TEST_F(HostileInput, AnOldFormatVersionIsRefused) {
  set_int_attr(dir + "/a.h5", "version", 0);
  const std::string e = bad_input_of([&] { check_untrusted_checkpoint(dir + "/a.h5"); });
  EXPECT_NE(e.find("a.h5: has checkpoint version 0; this build reads version 1"), std::string::npos) << e;
  expect_refusal(warp(merge_args()), {"a.h5: has checkpoint version 0"});
}

TEST_F(HostileInput, AForeignFileWithoutFletcher32IsRefused) {
  // A well-formed warp header, but the tensor stored contiguously without a checksum (h5py's default).
  const std::string path = dir + "/foreign.h5";
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  hid_t g = H5Gcreate2(f, "params", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t dims[1] = {4};
  hid_t space = H5Screate_simple(1, dims, nullptr);
  hid_t ds = H5Dcreate2(g, "w", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const float data[4] = {1, 2, 3, 4};
  ASSERT_GE(H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), 0);
  H5Dclose(ds);
  H5Sclose(space);
  H5Gclose(g);
  hid_t s1 = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(f, "version", H5T_STD_I64LE, s1, H5P_DEFAULT, H5P_DEFAULT);
  const int64_t one = 1;
  H5Awrite(a, H5T_NATIVE_INT64, &one);
  H5Aclose(a);
  a = H5Acreate2(f, "step", H5T_STD_I64LE, s1, H5P_DEFAULT, H5P_DEFAULT);
  const int64_t zero = 0;
  H5Awrite(a, H5T_NATIVE_INT64, &zero);
  H5Aclose(a);
  H5Sclose(s1);
  H5Fclose(f);
  set_string_attr(path, "format", "warp-checkpoint");
  set_string_attr(path, "kind", "policy");
  set_string_attr(path, "config", "{}");
  const std::string e = bad_input_of([&] { check_untrusted_checkpoint(path); });
  EXPECT_NE(e.find("foreign.h5: dataset /params/w has no Fletcher32 checksum"), std::string::npos) << e;
}

TEST_F(HostileInput, NotHdf5AtAllIsRefused) {
  put(dir + "/junk.h5", std::string("\x89HDF\r\n\x1a\n", 8) + std::string(300, '\xff'));
  const std::string e = bad_input_of([&] { check_untrusted_checkpoint(dir + "/junk.h5"); });
  EXPECT_NE(e.find("junk.h5: cannot be opened as an HDF5 checkpoint"), std::string::npos) << e;
}

}  // namespace
