// Tests of `warp merge` (app/cli/cmd_merge.cpp) through the built binary: a merge equals the library's,
// and bad input gives exit status 2, one line on stderr naming the problem, and no output file.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "merge/merger.h"
#include "store/checkpoint_h5.h"
#include "test_env.h"
#include "test_support.h"
#include "util/fsutil.h"

using namespace warp;

namespace {

struct CliRun {
  int status = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

class WarpMergeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = std::string("cli-") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '_');  // parameterised tests: "Test/case"
    dir = test::scratch_dir(name);
    torch::manual_seed(5);
    NamedTensors init = {{"w", torch::randn({6, 5})}, {"b", torch::randn({5})}};
    write(dir + "/init.h5", init);
    for (const char* name : {"a", "b", "c"}) {
      NamedTensors m;
      for (const auto& [n, t] : init) m.emplace_back(n, t + 0.1 * torch::randn(t.sizes()));
      write(dir + "/" + name + ".h5", m);
    }
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  static void write(const std::string& path, const NamedTensors& params) {
    CheckpointData d;
    d.params = params;
    save_checkpoint(path, d);
  }
  CliRun warp(const std::string& args) const {
    const std::string cmd = std::string("cd '") + dir + "' && '" + warp::test::env_path("WARP_EXE") + "' merge " +
                            args + " > stdout.txt 2> stderr.txt";
    CliRun r;
    const int raw = std::system(cmd.c_str());
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = slurp(dir + "/stdout.txt");
    r.err = slurp(dir + "/stderr.txt");
    return r;
  }
  std::string dir;
};

TEST_F(WarpMergeCli, MergesLikeTheLibraryAndSummarises) {
  const CliRun r = warp("--method slerp --init init.h5 --models a.h5 b.h5 --lambda 0.3 --out out.h5");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("merged 2 models with slerp (lambda 0.3) -> out.h5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 tensors, 35 parameters"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mean Ω(δ1,δ2)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 LERP fallbacks"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/s (0.4 kB read + 0.1 kB written)"), std::string::npos) << r.out;

  MergeSpec spec;
  spec.params.lambda = 0.3;
  spec.init_path = dir + "/init.h5";
  spec.model_paths = {dir + "/a.h5", dir + "/b.h5"};
  spec.out_path = dir + "/lib.h5";
  merge_checkpoints(spec);
  const CheckpointData cli = load_checkpoint(dir + "/out.h5"), lib = load_checkpoint(dir + "/lib.h5");
  ASSERT_EQ(cli.params.size(), lib.params.size());
  for (size_t i = 0; i < cli.params.size(); ++i) EXPECT_TRUE(torch::equal(cli.params[i].second, lib.params[i].second));
  EXPECT_EQ(cli.header.meta["tensors"], lib.header.meta["tensors"]);
  EXPECT_EQ(cli.header.meta["parameters"], lib.header.meta["parameters"]);

  // --granularity layer: the library's layer SLERP, recorded in the meta.
  const CliRun l =
      warp("--method slerp --init init.h5 --models a.h5 b.h5 --lambda 0.3 --granularity layer --out layer.h5");
  ASSERT_EQ(l.status, 0) << l.err;
  EXPECT_NE(l.out.find("(granularity \"layer\", lambda 0.3)"), std::string::npos) << l.out;
  EXPECT_NE(l.out.find(" layers,"), std::string::npos) << l.out;
  spec.params.granularity = MergeGranularity::Layer;
  spec.out_path = dir + "/lib-layer.h5";
  merge_checkpoints(spec);
  const CheckpointData cl = load_checkpoint(dir + "/layer.h5"), ll = load_checkpoint(dir + "/lib-layer.h5");
  for (size_t i = 0; i < cl.params.size(); ++i) EXPECT_TRUE(torch::equal(cl.params[i].second, ll.params[i].second));
  EXPECT_EQ(cl.header.meta["granularity"], "layer");
  EXPECT_EQ(cl.header.meta["groups"], ll.header.meta["groups"]);
  EXPECT_EQ(cli.header.meta["granularity"], "tensor");

  const CliRun t = warp("--method ties --density 0.5 --scale 0.8 --init init.h5 --models a.h5 b.h5 c.h5 --out ties.h5");
  ASSERT_EQ(t.status, 0) << t.err;
  EXPECT_EQ(load_checkpoint(dir + "/ties.h5").header.meta["parameters"],
            nlohmann::json({{"density", 0.5}, {"scale", 0.8}}));
}

struct BadArgs {
  std::string name, args, needle;
};
void PrintTo(const BadArgs& b, std::ostream* os) { *os << b.name; }

class WarpMergeCliBad : public WarpMergeCli, public ::testing::WithParamInterface<BadArgs> {};

TEST_P(WarpMergeCliBad, ExitsTwoWithOneLine) {
  const BadArgs& b = GetParam();
  const CliRun r = warp(b.args + " --out out.h5");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find(b.needle), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(is_regular_file(dir + "/out.h5"));
}

INSTANTIATE_TEST_SUITE_P(
    Args, WarpMergeCliBad,
    ::testing::Values(
        BadArgs{"lambda_out_of_range", "--method slerp --init init.h5 --models a.h5 b.h5 --lambda 1.5", "lambda"},
        BadArgs{"liti_two_models", "--method liti --init init.h5 --models a.h5 b.h5", "exactly 1 model"},
        BadArgs{"eta_with_slerp", "--method slerp --eta 0.5 --init init.h5 --models a.h5 b.h5", "--eta does not apply"},
        BadArgs{"lambda_with_three", "--method lerp --lambda 0.2 --init init.h5 --models a.h5 b.h5 c.h5",
                "--lambda applies to 2 models"},
        BadArgs{"ties_without_density", "--method ties --init init.h5 --models a.h5 b.h5", "needs --density"},
        BadArgs{"missing_model", "--method lerp --init init.h5 --models a.h5 nope.h5", "nope.h5"},
        BadArgs{"missing_option", "--method lerp --models a.h5 b.h5", "--init"},
        BadArgs{"bad_granularity", "--method slerp --init init.h5 --models a.h5 b.h5 --granularity block",
                "SLERP granularity (--granularity) must be tensor or layer, got 'block'"},
        BadArgs{"granularity_with_lerp", "--method lerp --init init.h5 --models a.h5 b.h5 --granularity layer",
                "--granularity does not apply to lerp"}),
    [](const ::testing::TestParamInfo<BadArgs>& info) { return info.param.name; });

}  // namespace
