// core/config without LibTorch: the RL, WARP and Slurm settings read from an experiment's
// config.json object (what rl_config_for, warp_config_for and slurm_options_for do over an opened
// experiment), their errors naming the file, section, field and flag, and the scancel rule.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/rl_config.h"
#include "config/slurm_options.h"
#include "config/warp_config.h"
#include "util/error.h"

namespace warp {
namespace {

template <class Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const BadInput& e) {
    return e.what();
  }
  return "";
}

TEST(Config, LinksNoLibTorch) {
  std::ifstream maps("/proc/self/maps");
  std::stringstream text;
  text << maps.rdbuf();
  ASSERT_NE(text.str().find("libstdc++"), std::string::npos);  // the check reads the right thing
  EXPECT_EQ(text.str().find("libtorch"), std::string::npos);
  EXPECT_EQ(text.str().find("libc10"), std::string::npos);
}

TEST(Config, RlSettingsFromTheExperimentsSections) {
  const auto cfg = nlohmann::json::parse(R"({"warp": {"beta": 0.2, "runs": 3}, "rl": {"steps": 5, "anchor": "sft"}})");
  const RlConfig c = rl_config_from_experiment_json(cfg, "/e/config.json");
  EXPECT_DOUBLE_EQ(c.beta, 0.2);  // the "warp" section's β
  EXPECT_EQ(c.steps, 5);
  EXPECT_EQ(c.anchor, "sft");
  EXPECT_DOUBLE_EQ(c.mu, 0.01);  // default
  EXPECT_EQ(rl_config_from_experiment_json(nlohmann::json::object(), "x").to_json(), RlConfig().to_json());
  EXPECT_EQ(error_of([] {
              rl_config_from_experiment_json(nlohmann::json::parse(R"({"rl": {"beta": -1}})"), "/e/config.json");
            }),
            "/e/config.json (rl): rl: beta (--beta) must be >= 0, got -1");
  EXPECT_EQ(error_of([] {
              rl_config_from_experiment_json(nlohmann::json::parse(R"({"warp": {"mu": 2}})"), "/e/config.json");
            }),
            "/e/config.json (warp): rl: mu (--mu) must be in (0, 1], got 2");
  // Overrides over a base, as `warp train` applies its flags.
  EXPECT_EQ(
      error_of([&] { RlConfig::from_json(nlohmann::json::parse(R"({"samples_per_prompt": 0})"), "train options", c); }),
      "train options: rl: samples_per_prompt (--samples) must be > 0, got 0");
}

TEST(Config, WarpSettingsFromTheExperimentsSection) {
  const auto cfg =
      nlohmann::json::parse(R"({"warp": {"beta": 0.2, "mu": 0.1, "temperature": 1, "runs": 3, "eta_grid": [0, 1]}})");
  WarpConfig w = warp_config_from_experiment_json(cfg, "/e/config.json");  // β, μ, τ are the RL settings'
  EXPECT_EQ(w.runs, 3);
  EXPECT_EQ(w.eta_grid, (std::vector<double>{0, 1}));
  EXPECT_NO_THROW(w.validate());
  w.runs = 1;
  EXPECT_EQ(error_of([&] { w.validate(); }), "warp: runs (--runs) must be in 2..64, got 1");
  EXPECT_EQ(error_of([] {
              warp_config_from_experiment_json(nlohmann::json::parse(R"({"warp": {"runs": "two"}})"), "/e/config.json");
            }).find("/e/config.json (warp)"),
            0u);
  EXPECT_EQ(warp_worker_name("w", 2, 1), "w-i2-r1");
  EXPECT_EQ(warp_eta_tag(0.3), "0.30");
}

TEST(Config, EtaGridTextIsReadOneWayForTheCliAndTheDialog) {
  EXPECT_EQ(parse_eta_grid("0,0.5,1"), (std::vector<double>{0.0, 0.5, 1.0}));
  EXPECT_EQ(parse_eta_grid(" 0 , 0.25,1 "), (std::vector<double>{0.0, 0.25, 1.0}));  // spaces around items
  EXPECT_EQ(parse_eta_grid("0.3"), (std::vector<double>{0.3}));
  for (const std::string bad : {"", "0,,1", "0,1,", ",0", "0,x", "0;1", "0,inf", "nan", "0, 1 2"}) {
    try {
      parse_eta_grid(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const BadInput& e) {
      EXPECT_EQ(std::string(e.what()),
                "warp: eta_grid (--eta-grid) must be a comma-separated list of numbers, got '" + bad + "'");
    }
  }
}

TEST(Config, SlurmWordsNeedingQuotes) {
  // One rule for both the option check (no spaces in a partition) and the launcher's messages.
  EXPECT_FALSE(has_space_or_control("gpu-a100_x.1"));
  EXPECT_FALSE(has_space_or_control(""));
  EXPECT_TRUE(has_space_or_control("gpu a100"));
  EXPECT_TRUE(has_space_or_control("gpu\ta100"));
  EXPECT_TRUE(has_space_or_control(std::string("gpu\x01")));
  EXPECT_EQ(quoted("a b"), "'a b'");
  EXPECT_EQ(quoted(""), "''");
  EXPECT_EQ(
      error_of([] {
        slurm_options_from_experiment_json(nlohmann::json::parse(R"({"slurm": {"partition": "a b"}})"),
                                           "/e/config.json");
      }),
      "/e/config.json (slurm): slurm: partition (--slurm-partition) must be a partition name (no spaces), got 'a b'");
}

TEST(Config, SlurmSettingsAndTheScancelRule) {
  const auto cfg = nlohmann::json::parse(R"({"slurm": {"partition": "gpu", "cpus_per_task": 4}})");
  const SlurmOptions o = slurm_options_from_experiment_json(cfg, "/e/config.json");
  EXPECT_EQ(o.partition, "gpu");
  EXPECT_EQ(o.cpus_per_task, 4);
  EXPECT_EQ(error_of([] {
              slurm_options_from_experiment_json(nlohmann::json::parse(R"({"slurm": {"mem": "lots"}})"),
                                                 "/e/config.json");
            }).find("/e/config.json (slurm): slurm: mem (--slurm-mem) must be a memory size"),
            0u);
  EXPECT_EQ(slurm_stop_command("45_1", "PENDING"), (std::vector<std::string>{"scancel", "45_1"}));
  EXPECT_EQ(slurm_stop_command("45_0", "RUNNING"),
            (std::vector<std::string>{"scancel", "--batch", "--signal=TERM", "45_0"}));
}

}  // namespace
}  // namespace warp
