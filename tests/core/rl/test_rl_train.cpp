// RL runs end to end on a small synthetic experiment: the run record, trajectory points and files;
// stop-and-resume (progress callback, and a crash after a checkpoint) bit-identical to the
// uninterrupted run; the static anchor kept bit-identical; divergence; refusals before starting.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include <sqlite3.h>
#include <torch/torch.h>

#include "db/experiment_db.h"
#include "db/journal.h"
#include "eval/synthetic_experiment.h"
#include "rl/rl_config.h"
#include "rl/trainer.h"
#include "store/checkpoint_h5.h"
#include "util/error.h"
#include "util/fsutil.h"

using namespace warp;

namespace {

RlConfig tiny_config() {
  RlConfig c;
  c.steps = 7;
  c.batch = 4;
  c.max_new_tokens = 6;
  c.lr = 1e-2;
  c.warmup = 2;
  c.beta = 0.05;
  c.mu = 0.2;
  c.eval_every = 3;
  c.eval_prompts = 4;
  c.ckpt_every = 3;
  c.threads = 1;
  c.device = "cpu";
  c.reward = "gold";
  return c;
}

// Every metric of a run except the wall-clock ones: key -> [(step, value)].
std::map<std::string, std::vector<std::pair<int64_t, double>>> metrics_of(const Experiment& exp,
                                                                          const std::string& run) {
  auto db = ExperimentDb::open_read_only(exp.db_path());
  const auto rec = db.find_run(run);
  EXPECT_TRUE(rec.has_value()) << run;
  std::map<std::string, std::vector<std::pair<int64_t, double>>> out;
  for (const auto& key : db.metric_keys(rec->id)) {
    if (key.rfind("time/", 0) == 0 || key == "train/tokens_per_s") continue;
    for (const auto& p : db.read_metrics(rec->id, key)) out[key].emplace_back(p.step, p.value);
  }
  return out;
}

void expect_same_tensors(const NamedTensors& a, const NamedTensors& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first) << what;
    EXPECT_TRUE(torch::equal(a[i].second, b[i].second)) << what << ": " << a[i].first;
  }
}

NamedTensors state_group(const std::string& path, const std::string& prefix) {
  NamedTensors out;
  for (auto& [name, t] : load_checkpoint(path).state)
    if (name.rfind(prefix, 0) == 0) out.emplace_back(name.substr(prefix.size()), t);
  return out;
}

// Records the first step a (resumed) run starts with.
ProgressFn first_step(int64_t& out) {
  out = -1;
  return [&out](const ProgressInfo& p) {
    if (p.stage == "rl" && p.detail.empty() && out < 0) out = p.done;
    return true;
  };
}

// Stops (returns false) when the run is about to start step `at`.
ProgressFn stop_at(int64_t at) {
  return [at](const ProgressInfo& p) { return !(p.stage == "rl" && p.detail.empty() && p.done == at); };
}

}  // namespace

TEST(RlTrain, RecordsTheRunItsTrajectoryAndItsFiles) {
  Experiment exp = test::synthetic_experiment("rl-run");
  RlRunOptions ro;
  ro.iteration = 1;
  const RlResult r = run_rl(exp, "run-a", tiny_config(), ro);
  EXPECT_EQ(r.steps, 7);
  EXPECT_EQ(r.checkpoint, exp.checkpoints_dir() + "/run-a.h5");
  auto db = ExperimentDb::open_read_only(exp.db_path());
  auto run = db.find_run("run-a");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->kind, "train");
  EXPECT_EQ(run->status, RunStatus::Finished);
  EXPECT_EQ(run->iteration, 1);
  // Effective config stored with the run, defaults resolved.
  auto cfg = nlohmann::json::parse(run->config_json);
  EXPECT_EQ(cfg.at("rl").at("init"), "checkpoints/sft.h5");
  EXPECT_EQ(cfg.at("rl").at("reward"), "gold");
  EXPECT_EQ(cfg.at("rl").at("beta"), 0.05);
  // Lineage: the init checkpoint (sft.h5, registered on the way as an import).
  ASSERT_TRUE(run->init_checkpoint_id);
  EXPECT_EQ(db.get_checkpoint(*run->init_checkpoint_id).path, "checkpoints/sft.h5");
  // Per-step metrics and trajectory points at 0, every 3 steps and at the end.
  for (const std::string key :
       {"train/reward", "train/gold", "train/kl_anchor", "train/kl_sft", "train/entropy", "train/length", "train/loss",
        "train/grad_norm", "train/lr", "train/tokens_per_s", "time/elapsed_s", "time/sample_s"})
    EXPECT_EQ(db.read_metrics(run->id, key).size(), 7u) << key;
  std::vector<int64_t> eval_steps;
  for (const auto& p : db.read_metrics(run->id, "eval/kl_sft")) eval_steps.push_back(p.step);
  EXPECT_EQ(eval_steps, (std::vector<int64_t>{0, 3, 6, 7}));
  for (const std::string key : {"eval/reward", "eval/gold", "eval/kl_sft_sampled", "eval/length", "eval/reward_se"})
    EXPECT_EQ(db.read_metrics(run->id, key).size(), 4u) << key;
  // At step 0 the policy is θ_sft: KL exactly 0; the lr warms up then stays.
  EXPECT_EQ(db.read_metrics(run->id, "eval/kl_sft").front().value, 0.0);
  EXPECT_EQ(db.read_metrics(run->id, "train/kl_anchor").front().value, 0.0);
  auto lr = db.read_metrics(run->id, "train/lr");
  EXPECT_DOUBLE_EQ(lr[0].value, 0.5e-2);
  EXPECT_DOUBLE_EQ(lr[1].value, 1e-2);
  EXPECT_DOUBLE_EQ(lr[6].value, 1e-2);
  EXPECT_GT(db.read_metrics(run->id, "eval/kl_sft").back().value, 0.0);
  // Files: final policy, EMA anchor, resumable state; all registered.
  std::map<std::string, std::string> kinds;
  for (const auto& ck : db.list_checkpoints(run->id)) kinds[ck.path] = ck.kind;
  EXPECT_EQ(kinds["checkpoints/run-a.h5"], "policy");
  EXPECT_EQ(kinds["checkpoints/run-a-ema.h5"], "ema");
  EXPECT_EQ(kinds["checkpoints/run-a-state.h5"], "rl-resume");
  auto policy = load_gpt_params(r.checkpoint);
  EXPECT_EQ(policy.header.kind, "policy");
  EXPECT_EQ(policy.header.meta.at("init_checkpoint_id"), *run->init_checkpoint_id);
  // The EMA file is the anchor of the state file; the state's data position is steps x batch.
  expect_same_tensors(load_gpt_params(exp.checkpoints_dir() + "/run-a-ema.h5").params,
                      state_group(r.state_checkpoint, "anchor."), "ema");
  for (auto& [name, t] : load_checkpoint(r.state_checkpoint).state)
    if (name == "rl.data_position") {
      EXPECT_EQ(t.item<int64_t>(), 28);
    }
  // A finished run is not resumed, a taken name not reused.
  EXPECT_THROW(resume_rl(exp, "run-a"), BadInput);
  EXPECT_THROW(run_rl(exp, "run-a", tiny_config()), BadInput);
}

TEST(RlTrain, StoppedAndResumedRunsAreBitIdenticalToTheUninterruptedRun) {
  Experiment exp = test::synthetic_experiment("rl-resume");
  const RlConfig c = tiny_config();
  run_rl(exp, "straight", c);

  // Stopped through the progress callback before step 5 (not a checkpoint step).
  EXPECT_THROW(run_rl(exp, "stopped", c, {}, stop_at(5)), Cancelled);
  {
    auto db = ExperimentDb::open_read_only(exp.db_path());
    auto run = db.find_run("stopped");
    EXPECT_EQ(run->status, RunStatus::Killed);
    EXPECT_EQ(db.read_metrics(run->id, "train/loss").size(), 5u);
  }
  EXPECT_FALSE(is_regular_file(exp.checkpoints_dir() + "/stopped.h5"));
  int64_t first = -1;
  resume_rl(exp, "stopped", {}, first_step(first));
  EXPECT_EQ(first, 5);  // continued, not restarted

  // Crashed after step 5 (an exception, as a kill -9 would leave it: the last checkpoint is at
  // step 3, the metrics of steps 4 and 5 are in the database) and resumed from the checkpoint.
  ProgressFn crash = [](const ProgressInfo& p) {
    if (p.stage == "rl" && p.detail.empty() && p.done == 5) throw std::runtime_error("simulated crash");
    return true;
  };
  EXPECT_THROW(run_rl(exp, "crashed", c, {}, crash), std::runtime_error);
  {
    auto db = ExperimentDb::open_read_only(exp.db_path());
    auto run = db.find_run("crashed");
    EXPECT_EQ(run->status, RunStatus::Failed);
    EXPECT_EQ(db.read_metrics(run->id, "train/loss").size(), 5u);
  }
  resume_rl(exp, "crashed", {}, first_step(first));
  EXPECT_EQ(first, 3);  // from the checkpoint at step 3

  // A run whose SFT checkpoint changed is not resumed (its KL would measure something else).
  EXPECT_THROW(run_rl(exp, "moved", c, {}, stop_at(2)), Cancelled);
  const std::string sft = exp.checkpoints_dir() + "/sft.h5";
  const auto sft_bytes = read_file_bytes(sft);
  test::write_random_policy(sft, GPTConfig::from_json(exp.config().at("model"), "smoke"), 123);
  EXPECT_THROW(resume_rl(exp, "moved"), BadInput);
  write_file_atomic(sft, sft_bytes.data(), sft_bytes.size());

  // Stopped before the first step and resumed.
  EXPECT_THROW(run_rl(exp, "early", c, {}, stop_at(0)), Cancelled);
  resume_rl(exp, "early", {}, first_step(first));
  EXPECT_EQ(first, 0);

  const auto want = metrics_of(exp, "straight");
  EXPECT_EQ(want.at("train/loss").size(), 7u);
  const auto want_policy = load_gpt_params(exp.checkpoints_dir() + "/straight.h5").params;
  const auto want_anchor = state_group(exp.checkpoints_dir() + "/straight-state.h5", "anchor.");
  const auto want_adam = state_group(exp.checkpoints_dir() + "/straight-state.h5", "adamw.");
  for (const std::string run : {"stopped", "crashed", "early"}) {
    EXPECT_EQ(metrics_of(exp, run), want) << run;
    expect_same_tensors(load_gpt_params(exp.checkpoints_dir() + "/" + run + ".h5").params, want_policy,
                        run + " policy");
    expect_same_tensors(state_group(exp.checkpoints_dir() + "/" + run + "-state.h5", "anchor."), want_anchor,
                        run + " anchor");
    expect_same_tensors(state_group(exp.checkpoints_dir() + "/" + run + "-state.h5", "adamw."), want_adam,
                        run + " optimizer");
    auto db = ExperimentDb::open_read_only(exp.db_path());
    EXPECT_EQ(db.find_run(run)->status, RunStatus::Finished) << run;
  }
}

// --record journal (the Slurm workers): the run, crashed after a checkpoint and resumed, writes
// nothing to experiment.db; imported, its journal gives the rows, checkpoints and status of the
// same run recorded in the database directly, and the same weights.
TEST(RlTrain, JournaledRunWritesNoDatabaseRowsAndImportsToTheSameRun) {
  Experiment exp = test::synthetic_experiment("rl-journal");
  const RlConfig c = tiny_config();
  run_rl(exp, "straight", c);
  auto counts = [&] {
    auto db = ExperimentDb::open_read_only(exp.db_path());
    std::vector<int64_t> n;
    for (const char* t : {"runs", "metrics", "checkpoints", "eval_values", "metric_keys"}) {
      Statement s(db.database(), std::string("SELECT count(*) || '/' || coalesce(max(rowid), 0) FROM ") + t);
      s.step();
      n.push_back(std::hash<std::string>{}(s.column_text(0)));
    }
    return n;
  };
  const auto before = counts();
  RlRunOptions ro;
  ro.journal = true;
  ProgressFn crash = [](const ProgressInfo& p) {
    if (p.stage == "rl" && p.detail.empty() && p.done == 5) throw std::runtime_error("simulated crash");
    return true;
  };
  EXPECT_THROW(run_rl(exp, "j", c, ro, crash), std::runtime_error);
  EXPECT_THROW(run_rl(exp, "j", c, ro), BadInput);  // exists (in its journal) though not imported
  int64_t first = -1;
  resume_rl(exp, "j", ro, first_step(first));
  EXPECT_EQ(first, 3);  // from the checkpoint at step 3, the rows of steps 4 and 5 dropped
  EXPECT_EQ(counts(), before) << "the journaled run wrote experiment.db";
  EXPECT_FALSE(ExperimentDb::open_read_only(exp.db_path()).find_run("j"));
  EXPECT_THROW(resume_rl(exp, "j", ro), BadInput);  // finished (its journal says so)

  {
    ExperimentDb db = ExperimentDb::open(exp.db_path());
    import_journals(db, exp.dir() + "/journals");
  }
  EXPECT_EQ(metrics_of(exp, "j"), metrics_of(exp, "straight"));
  expect_same_tensors(load_gpt_params(exp.checkpoints_dir() + "/j.h5").params,
                      load_gpt_params(exp.checkpoints_dir() + "/straight.h5").params, "journaled policy");
  auto db = ExperimentDb::open_read_only(exp.db_path());
  const RunRecord j = *db.find_run("j"), straight = *db.find_run("straight");
  EXPECT_EQ(j.status, RunStatus::Finished);
  EXPECT_EQ(j.kind, "train");
  EXPECT_EQ(j.init_checkpoint_id, straight.init_checkpoint_id);
  std::multiset<std::pair<std::string, int64_t>> kinds_j, kinds_s;
  for (const auto& k : db.list_checkpoints(j.id)) kinds_j.emplace(k.kind, k.step);
  for (const auto& k : db.list_checkpoints(straight.id)) kinds_s.emplace(k.kind, k.step);
  kinds_j.erase({"rl-resume", 5});  // the stop of the crashed attempt: none (it crashed), both have the periodic ones
  EXPECT_EQ(kinds_j, kinds_s);
  auto values = [&](int64_t run) {
    Statement s(db.database(),
                "SELECT group_concat(step || ':' || values_json, '|') FROM (SELECT * FROM eval_values "
                "WHERE run_id = ?1 ORDER BY step)");
    s.bind(1, run);
    s.step();
    return s.column_text(0);
  };
  EXPECT_EQ(values(j.id), values(straight.id));
}

TEST(RlTrain, RunsDifferByPromptSeedAndSamplingSeed) {
  Experiment exp = test::synthetic_experiment("rl-seeds");
  RlConfig c = tiny_config();
  c.steps = 2;
  c.eval_every = 2;
  run_rl(exp, "s1", c);
  c.prompt_seed = 2;
  run_rl(exp, "p2", c);
  c.prompt_seed = 1;
  c.seed = 2;
  run_rl(exp, "s2", c);
  const auto a = metrics_of(exp, "s1"), b = metrics_of(exp, "p2"), d = metrics_of(exp, "s2");
  EXPECT_NE(a.at("train/loss"), b.at("train/loss"));
  EXPECT_NE(a.at("train/loss"), d.at("train/loss"));
}

// The three anchors from an init other than θ_sft (WARP's second iteration on, or --init), so θ_init,
// θ_sft and the EMA are three different sets of weights and each anchor shows which it is.
class RlAnchor : public ::testing::TestWithParam<std::string> {};

TEST_P(RlAnchor, AnchorsAtTheWeightsItNamesWhenInitDiffersFromSft) {
  const std::string anchor = GetParam();
  Experiment exp = test::synthetic_experiment("rl-anchor-" + anchor);
  RlConfig c = tiny_config();
  c.anchor = anchor;
  c.steps = 4;
  const GPTConfig mc = GPTConfig::from_json(exp.config().at("model"), "smoke");
  test::write_random_policy(exp.checkpoints_dir() + "/other-init.h5", mc, 31);
  c.init = "checkpoints/other-init.h5";
  const NamedTensors init_params = load_gpt_params(exp.checkpoints_dir() + "/other-init.h5").params;
  const NamedTensors sft_params = load_gpt_params(exp.checkpoints_dir() + "/sft.h5").params;
  const RlResult r = run_rl(exp, "anchored", c);
  const NamedTensors anchor_params = state_group(r.state_checkpoint, "anchor.");
  auto same = [](const NamedTensors& a, const NamedTensors& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].first != b[i].first || !torch::equal(a[i].second, b[i].second)) return false;
    return true;
  };
  ASSERT_FALSE(same(init_params, sft_params));
  auto db = ExperimentDb::open_read_only(exp.db_path());
  auto run = db.find_run("anchored");
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(db.get_checkpoint(*run->init_checkpoint_id).path, "checkpoints/other-init.h5");
  const auto kl_anchor = db.read_metrics(run->id, "train/kl_anchor");
  const auto kl_sft = db.read_metrics(run->id, "train/kl_sft");
  ASSERT_EQ(kl_anchor.size(), kl_sft.size());
  ASSERT_FALSE(kl_anchor.empty());
  // The policy starts at θ_init, which is not θ_sft: the first step's KL to SFT is not 0.
  EXPECT_NE(kl_sft.front().value, 0.0);
  if (anchor == "sft") {
    // The anchor is θ_sft bit for bit, whatever the init; KL to the anchor is KL to SFT at every step.
    expect_same_tensors(anchor_params, sft_params, "sft anchor");
    for (size_t i = 0; i < kl_anchor.size(); ++i) EXPECT_EQ(kl_anchor[i].value, kl_sft[i].value) << "step " << i;
    EXPECT_FALSE(is_regular_file(exp.checkpoints_dir() + "/anchored-ema.h5"));
  } else if (anchor == "init") {
    // The anchor stays θ_init bit for bit; KL to it starts at 0 (policy = θ_init), KL to SFT does not.
    expect_same_tensors(anchor_params, init_params, "init anchor");
    EXPECT_EQ(kl_anchor.front().value, 0.0);
    EXPECT_FALSE(is_regular_file(exp.checkpoints_dir() + "/anchored-ema.h5"));
  } else {
    // θ_ema starts at θ_init (KL to it is 0 at the first step) and moves: after 4 steps it is neither
    // θ_init nor θ_sft, and it is the run's -ema.h5 file.
    EXPECT_EQ(kl_anchor.front().value, 0.0);
    EXPECT_FALSE(same(anchor_params, init_params));
    EXPECT_FALSE(same(anchor_params, sft_params));
    expect_same_tensors(load_gpt_params(exp.checkpoints_dir() + "/anchored-ema.h5").params, anchor_params, "ema file");
  }
}

INSTANTIATE_TEST_SUITE_P(Anchors, RlAnchor, ::testing::Values("ema", "sft", "init"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// A run keeps the anchor it started with: one recorded before --anchor sft meant θ_sft (no
// anchor_sha256 in its stored config: it anchored at θ_init) is not resumed at θ_sft; an --anchor init
// or ema run of then resumes as before.
TEST(RlTrain, ResumeKeepsTheAnchorTheRunStartedWith) {
  Experiment exp = test::synthetic_experiment("rl-anchor-resume");
  const GPTConfig mc = GPTConfig::from_json(exp.config().at("model"), "smoke");
  test::write_random_policy(exp.checkpoints_dir() + "/other-init.h5", mc, 31);
  auto forget_anchor = [&](const std::string& run) {  // the stored config as written before
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(exp.db_path().c_str(), &db), SQLITE_OK);
    const std::string sql =
        "UPDATE runs SET config_json = json_remove(config_json, '$.anchor_sha256') WHERE name = '" + run + "'";
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    EXPECT_EQ(sqlite3_changes(db), 1);
    sqlite3_close(db);
  };
  for (const std::string anchor : {"sft", "init"}) {
    RlConfig c = tiny_config();
    c.anchor = anchor;
    c.steps = 4;
    c.init = "checkpoints/other-init.h5";
    EXPECT_THROW(run_rl(exp, "old-" + anchor, c, {}, stop_at(2)), Cancelled);
    {
      auto db = ExperimentDb::open_read_only(exp.db_path());
      const auto j = nlohmann::json::parse(db.find_run("old-" + anchor)->config_json);
      EXPECT_EQ(j.at("anchor_sha256"), j.at(anchor == "sft" ? "sft_sha256" : "init_sha256")) << anchor;
    }
    forget_anchor("old-" + anchor);
    if (anchor == "sft") {
      try {
        resume_rl(exp, "old-sft");
        ADD_FAILURE() << "resumed at another anchor";
      } catch (const BadInput& e) {
        EXPECT_NE(std::string(e.what()).find("--anchor init"), std::string::npos) << e.what();
      }
    } else {
      EXPECT_EQ(resume_rl(exp, "old-init").steps, 4);
      EXPECT_EQ(ExperimentDb::open_read_only(exp.db_path()).find_run("old-init")->status, RunStatus::Finished);
    }
  }
}

TEST(RlTrain, DivergenceKeepsTheLastGoodCheckpoint) {
  Experiment exp = test::synthetic_experiment("rl-diverge");
  class LateNan : public Reward {
   public:
    std::vector<double> score(const RewardBatch& b) override {
      ++calls_;
      return std::vector<double>(b.size(), calls_ > 5 ? std::nan("") : 1.0 * calls_);
    }
    using Reward::score;
    std::string name() const override { return "late-nan"; }

   private:
    int calls_ = 0;
  };
  RlRunOptions ro;
  ro.make_reward = [] { return std::make_unique<LateNan>(); };
  RlConfig c = tiny_config();
  c.eval_every = 100;  // the trainer's reward is also called at evaluations (step 0 here)
  c.ckpt_every = 2;
  // Calls: eval at 0 (1), steps 1..4 (2..5), step 5 gets NaN.
  EXPECT_THROW(run_rl(exp, "boom", c, ro), Error);
  auto db = ExperimentDb::open_read_only(exp.db_path());
  auto run = db.find_run("boom");
  EXPECT_EQ(run->status, RunStatus::Diverged);
  EXPECT_NE(run->message.find("step 5"), std::string::npos) << run->message;
  for (auto& [name, t] : load_checkpoint(exp.checkpoints_dir() + "/boom-state.h5").state)
    if (name == "rl.step") {
      EXPECT_EQ(t.item<int64_t>(), 4);
    }
  EXPECT_FALSE(is_regular_file(exp.checkpoints_dir() + "/boom.h5"));
}

TEST(RlTrain, RefusesBadInputBeforeStarting) {
  Experiment exp = test::synthetic_experiment("rl-refuse");
  RlConfig c = tiny_config();
  EXPECT_THROW(validate_run_name("../x"), BadInput);
  EXPECT_THROW(validate_run_name("a-state"), BadInput);
  EXPECT_THROW(run_rl(exp, "bad name", c), BadInput);
  c.beta = -1;
  EXPECT_THROW(run_rl(exp, "neg-beta", c), BadInput);
  c = tiny_config();
  c.init = "checkpoints/missing.h5";
  EXPECT_THROW(run_rl(exp, "no-init", c), BadInput);
  c = tiny_config();
  c.max_new_tokens = 60;  // smoke n_ctx is 64: no room for the prompts
  EXPECT_THROW(run_rl(exp, "too-long", c), BadInput);
  c = tiny_config();
  c.reward = "nonsense";
  EXPECT_THROW(run_rl(exp, "bad-reward", c), BadInput);
  EXPECT_THROW(resume_rl(exp, "never-ran"), BadInput);
  // Nothing was recorded for any of them.
  auto db = ExperimentDb::open_read_only(exp.db_path());
  EXPECT_TRUE(db.list_runs().empty());
}

TEST(RlTrain, ConfigLayersDefaultsWarpSectionAndRlSection) {
  Experiment exp = test::synthetic_experiment("rl-config");
  nlohmann::json cfg = exp.config();
  cfg["warp"]["beta"] = 0.2;
  cfg["rl"] = {{"mu", 0.05}, {"steps", 11}};
  exp.save_config(cfg);
  const RlConfig c = rl_config_for(Experiment::open(exp.dir()));
  EXPECT_EQ(c.beta, 0.2);  // from "warp"
  EXPECT_EQ(c.mu, 0.05);   // "rl" wins over "warp"
  EXPECT_EQ(c.steps, 11);
  EXPECT_EQ(c.temperature, 0.9);
  cfg["rl"] = {{"mu", 2.0}};
  exp.save_config(cfg);
  EXPECT_THROW(rl_config_for(Experiment::open(exp.dir())), BadInput);
}
