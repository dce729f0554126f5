// SFT pretraining at smoke scale: it learns (held-out loss falls), records its run in the DB, and a
// run stopped midway and resumed ends bit-identical to the uninterrupted run.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "db/experiment_db.h"
#include "experiment/experiment.h"
#include "experiment/task_data.h"
#include "store/checkpoint_h5.h"
#include "test_support.h"
#include "train/sft.h"
#include "util/error.h"

using namespace warp;

namespace {

SftConfig tiny_config() {
  SftConfig c;
  c.steps = 12;
  c.batch = 4;
  c.seq_len = 32;
  c.lr = 3e-3;
  c.warmup = 2;
  c.eval_every = 6;
  c.eval_windows = 8;
  c.ckpt_every = 4;
  c.threads = 1;
  c.device = "cpu";
  return c;
}

Experiment prepared(const std::string& name) {
  auto exp = Experiment::create(test::scratch_dir(name) + "/exp", "smoke");
  prepare_task_data(exp);
  return exp;
}

std::vector<MetricPoint> series(const Experiment& exp, const std::string& key) {
  auto db = ExperimentDb::open_read_only(exp.db_path());
  return db.read_metrics(db.find_run("sft")->id, key);
}

}  // namespace

TEST(Sft, TrainsAndRecordsTheRun) {
  auto exp = prepared("sft-run");
  auto c = tiny_config();
  c.steps = 40;
  c.eval_every = 20;
  auto r = run_sft(exp, c);
  EXPECT_FALSE(r.already_done);
  auto eval = series(exp, "eval/loss");
  ASSERT_EQ(eval.size(), 2u);
  // Held-out loss after 40 steps is well below the uniform-guess loss log(V) of step 0.
  EXPECT_LT(eval.back().value, std::log(512.0) - 0.5);
  auto db = ExperimentDb::open_read_only(exp.db_path());
  auto run = db.find_run("sft");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, RunStatus::Finished);
  EXPECT_EQ(db.read_metrics(run->id, "train/loss").size(), 40u);
  bool has_final = false;
  for (const auto& ck : db.list_checkpoints(run->id)) has_final |= ck.kind == "sft" && ck.path == "checkpoints/sft.h5";
  EXPECT_TRUE(has_final);
  auto ck = load_gpt_params(r.checkpoint);
  EXPECT_EQ(ck.header.kind, "sft");
  // A second call reports the finished run instead of training again.
  auto again = run_sft(exp, c);
  EXPECT_TRUE(again.already_done);
  EXPECT_EQ(db.read_metrics(run->id, "train/loss").size(), 40u);
}

TEST(Sft, StopAndResumeIsBitIdentical) {
  auto straight = prepared("sft-straight");
  auto stopped = prepared("sft-stopped");
  const auto c = tiny_config();
  run_sft(straight, c);

  // Stop when the loop is about to run step 6 (0-based): steps 0..5 are done.
  auto stop_at_6 = [](const ProgressInfo& info) { return !(info.detail.empty() && info.done == 6); };
  EXPECT_THROW(run_sft(stopped, c, stop_at_6), Cancelled);
  {
    auto db = ExperimentDb::open_read_only(stopped.db_path());
    EXPECT_EQ(db.find_run("sft")->status, RunStatus::Killed);
  }
  auto r = run_sft(stopped, c);
  EXPECT_FALSE(r.already_done);

  auto a = load_gpt_params(straight.checkpoints_dir() + "/sft.h5");
  auto b = load_gpt_params(stopped.checkpoints_dir() + "/sft.h5");
  ASSERT_EQ(a.params.size(), b.params.size());
  for (size_t i = 0; i < a.params.size(); ++i)
    EXPECT_TRUE(torch::equal(a.params[i].second, b.params[i].second)) << a.params[i].first;
  auto la = series(straight, "train/loss"), lb = series(stopped, "train/loss");
  ASSERT_EQ(la.size(), lb.size());
  for (size_t i = 0; i < la.size(); ++i) {
    EXPECT_EQ(la[i].step, lb[i].step);
    EXPECT_EQ(la[i].value, lb[i].value) << "step " << la[i].step;
  }
}

// Issue 14: a run that died (here: an error thrown from its progress callback, which records it
// failed with its rows flushed, as a kill -9 after a flush would leave them) is continued by running
// warp sft again: before its first checkpoint from step 0 (it used to be refused: "already exists"),
// after it from that checkpoint, deleting the rows past it (they used to be doubled). Every step is
// then present once, with the uninterrupted run's values and result.
TEST(Sft, RunThatDiedIsRerunWithEveryStepOnce) {
  auto straight = prepared("sft-straight-died");
  const auto c = tiny_config();  // checkpoints at steps 4 and 8
  run_sft(straight, c);
  for (int64_t die_at : {2, 7}) {
    SCOPED_TRACE("died after step " + std::to_string(die_at));
    auto exp = prepared("sft-died-" + std::to_string(die_at));
    auto die = [die_at](const ProgressInfo& info) {
      if (!info.detail.empty() && info.done == die_at) throw Error("simulated crash");
      return true;
    };
    EXPECT_THROW(run_sft(exp, c, die), Error);
    {
      auto db = ExperimentDb::open_read_only(exp.db_path());
      EXPECT_EQ(db.find_run("sft")->status, RunStatus::Failed);
    }
    auto r = run_sft(exp, c);
    EXPECT_FALSE(r.already_done);
    auto a = load_gpt_params(straight.checkpoints_dir() + "/sft.h5");
    auto b = load_gpt_params(exp.checkpoints_dir() + "/sft.h5");
    ASSERT_EQ(a.params.size(), b.params.size());
    for (size_t i = 0; i < a.params.size(); ++i)
      EXPECT_TRUE(torch::equal(a.params[i].second, b.params[i].second)) << a.params[i].first;
    for (const char* key : {"train/loss", "train/lr", "eval/loss"}) {
      auto la = series(straight, key), lb = series(exp, key);
      ASSERT_EQ(la.size(), lb.size()) << key;
      for (size_t i = 0; i < la.size(); ++i) {
        EXPECT_EQ(la[i].step, lb[i].step) << key;
        EXPECT_EQ(la[i].value, lb[i].value) << key << " step " << la[i].step;
      }
    }
    auto da = ExperimentDb::open_read_only(straight.db_path()), db = ExperimentDb::open_read_only(exp.db_path());
    EXPECT_EQ(db.count_metrics(db.find_run("sft")->id), da.count_metrics(da.find_run("sft")->id));
  }
}

TEST(Sft, RefusesBadOptionsNamingThem) {
  auto c = tiny_config();
  c.steps = 0;
  try {
    c.validate();
    FAIL();
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("steps"), std::string::npos);
  }
  EXPECT_THROW(SftConfig::from_json({{"stpes", 3}}, "config.json (sft)"), BadInput);
  EXPECT_THROW(SftConfig::from_json({{"lr", "fast"}}, "config.json (sft)"), BadInput);
  auto exp = Experiment::create(test::scratch_dir("sft-bad") + "/exp", "smoke");
  c = tiny_config();
  c.seq_len = 1000;  // > n_ctx of the smoke model
  EXPECT_THROW(run_sft(exp, c), BadInput);
}
