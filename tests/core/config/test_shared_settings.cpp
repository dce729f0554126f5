// The settings the SFT, RM, RL and eval configs share (config/train_settings.h) are read and
// validated by one rule: a bad value of a shared field is refused with the same message, naming the
// file, field, flag and value, whichever config holds it; and every config still writes, and reads
// back, the same JSON fields it stored before (runs.config_json of earlier runs stays comparable).
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/rl_config.h"
#include "eval/eval_config.h"
#include "reward/rm_trainer.h"
#include "train/sft.h"
#include "util/error.h"

namespace warp {
namespace {

using Reader = std::function<void(const nlohmann::json&, const std::string&)>;

struct Named {
  std::string section;  // the config's own prefix in messages
  Reader read;
};

std::vector<Named> training_configs() {
  return {{"sft", [](const nlohmann::json& j, const std::string& w) { SftConfig::from_json(j, w); }},
          {"rm", [](const nlohmann::json& j, const std::string& w) { RmConfig::from_json(j, w); }},
          {"rl", [](const nlohmann::json& j, const std::string& w) { RlConfig::from_json(j, w); }}};
}

Named eval_config() {
  return {"eval", [](const nlohmann::json& j, const std::string& w) { EvalConfig::from_json(j, w); }};
}

std::string error_of(const Reader& read, const nlohmann::json& j, const std::string& where) {
  try {
    read(j, where);
  } catch (const BadInput& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(SharedSettings, OneBadFieldGivesTheSameMessageFromEachConfig) {
  struct Case {
    nlohmann::json j;
    std::string message;  // after "<where>: <section>: "
  };
  const std::vector<Case> training = {
      {{{"lr", 0.0}}, "lr (--lr) must be > 0, got 0"},
      {{{"lr", -1e-3}}, "lr (--lr) must be > 0, got -0.001"},
      {{{"warmup", -1}}, "warmup (--warmup) must be >= 0, got -1"},
      {{{"weight_decay", -0.5}}, "weight_decay (--weight-decay) must be >= 0, got -0.5"},
      {{{"beta1", 1.0}}, "beta1 (--adam-beta1) must be in [0, 1), got 1"},
      {{{"beta2", -0.1}}, "beta2 (--adam-beta2) must be in [0, 1), got -0.1"},
      {{{"grad_clip", -1.0}}, "grad_clip (--grad-clip) must be >= 0 (0: off), got -1"},
      {{{"eval_every", 0}}, "eval_every (--eval-every) must be > 0, got 0"},
      {{{"ckpt_every", -3}}, "ckpt_every (--ckpt-every) must be > 0, got -3"},
      {{{"threads", -1}}, "threads (--threads) must be >= 0, got -1"},
  };
  for (const auto& c : training_configs())
    for (const auto& k : training)
      EXPECT_EQ(error_of(c.read, k.j, "/e/config.json (" + c.section + ")"),
                "/e/config.json (" + c.section + "): " + c.section + ": " + k.message);
  const auto e = eval_config();
  EXPECT_EQ(error_of(e.read, {{"threads", -1}}, "eval options"),
            "eval options: eval: threads (--threads) must be >= 0, got -1");
  // Shared fields of the wrong type: the same words from each config too.
  auto all = training_configs();
  all.push_back(e);
  for (const auto& c : all) {
    EXPECT_EQ(error_of(c.read, {{"seed", -1}}, "f.json"),
              "f.json: field 'seed' must be a non-negative integer, got -1");
    EXPECT_EQ(error_of(c.read, {{"threads", 1.5}}, "f.json"), "f.json: field 'threads' must be an integer, got 1.5");
    EXPECT_EQ(error_of(c.read, {{"device", 0}}, "f.json"), "f.json: field 'device' must be a string, got 0");
  }
  // Eval holds no optimiser: those fields are unknown there.
  EXPECT_EQ(error_of(e.read, {{"lr", 0.1}}, "f.json"), "f.json: unknown field(s) 'lr'");
}

TEST(SharedSettings, EachConfigKeepsItsDefaultsAndItsStoredFields) {
  // The defaults each config had before the shared struct, and the JSON fields it writes.
  const SftConfig s;
  EXPECT_EQ(s.to_json(), nlohmann::json::parse(R"({"steps": 3000, "batch": 16, "seq_len": 128, "lr": 0.003,
      "min_lr_ratio": 0.1, "warmup": 100, "weight_decay": 0.1, "beta1": 0.9, "beta2": 0.95, "grad_clip": 1.0,
      "eval_every": 250, "eval_windows": 256, "ckpt_every": 500, "seed": 1, "threads": 0, "device": "auto"})"));
  const RmConfig r;
  EXPECT_EQ(r.to_json(), nlohmann::json::parse(R"({"pairs": 8000, "heldout_fraction": 0.1, "noise_scale": 0.1,
      "keep_ties": false, "max_attempts_factor": 20, "temperature": 1.0, "top_k": 0, "top_p": 1.0,
      "max_new_tokens": 24, "sample_batch": 64, "init": "checkpoints/sft.h5", "steps": 400, "batch": 32,
      "lr": 0.002, "min_lr_ratio": 0.1, "warmup": 20, "weight_decay": 0.0, "beta1": 0.9, "beta2": 0.95,
      "grad_clip": 1.0, "eval_every": 100, "ckpt_every": 200, "seed": 1, "threads": 0, "device": "auto"})"));
  const RlConfig l;
  EXPECT_EQ(l.to_json(), nlohmann::json::parse(R"({"init": "", "anchor": "ema", "beta": 0.1, "mu": 0.01,
      "steps": 1000, "batch": 16, "samples_per_prompt": 1, "lr": 1e-05, "warmup": 10, "weight_decay": 0.0,
      "beta1": 0.9, "beta2": 0.999, "grad_clip": 1.0, "temperature": 0.9, "max_new_tokens": 32,
      "baseline": "mean", "seed": 1, "prompt_seed": 1, "eval_every": 50, "eval_prompts": 0, "ckpt_every": 100,
      "reward": "", "threads": 0, "device": "auto"})"));
  const EvalConfig v;
  EXPECT_EQ(v.to_json(), nlohmann::json::parse(R"({"seed": 1, "temperature": 0.9, "max_new_tokens": 32,
      "max_prompts": 0, "batch": 64, "reward": "", "device": "auto", "threads": 0})"));
  // A shared field read from JSON lands in the config, and round-trips.
  const nlohmann::json shared = {{"lr", 0.5},     {"warmup", 3},      {"weight_decay", 0.25}, {"beta1", 0.5},
                                 {"beta2", 0.75}, {"grad_clip", 2.0}, {"eval_every", 7},      {"ckpt_every", 9},
                                 {"seed", 42u},   {"threads", 3},     {"device", "cpu"}};
  auto check = [&](const nlohmann::json& out) {
    for (auto it = shared.begin(); it != shared.end(); ++it) EXPECT_EQ(out.at(it.key()), it.value()) << it.key();
  };
  check(SftConfig::from_json(shared, "t").to_json());
  check(RmConfig::from_json(shared, "t").to_json());
  check(RlConfig::from_json(shared, "t").to_json());
  const nlohmann::json run = {{"seed", 42u}, {"threads", 3}, {"device", "cpu"}};
  EXPECT_EQ(EvalConfig::from_json(run, "t").to_json(), [&] {
    auto j = EvalConfig{}.to_json();
    for (auto it = run.begin(); it != run.end(); ++it) j[it.key()] = it.value();
    return j;
  }());
}

}  // namespace
}  // namespace warp
