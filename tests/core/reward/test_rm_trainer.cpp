// `warp rm` at smoke scale: preference pairs sampled from a briefly trained SFT policy, labelled
// by the gold reward; the run is recorded in the database, writes a loadable reward model, is
// reported (not repeated) when finished, and a run stopped midway and resumed ends bit-identical
// to an uninterrupted one.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "db/experiment_db.h"
#include "experiment/experiment.h"
#include "experiment/task_data.h"
#include "reward/learned_reward.h"
#include "reward/reward_model.h"
#include "reward/rm_trainer.h"
#include "reward/task_tokens.h"
#include "test_support.h"
#include "tokenizer/bpe.h"
#include "train/sft.h"
#include "util/error.h"
#include "util/fsutil.h"

using namespace warp;

namespace {

RmConfig tiny_rm() {
  RmConfig c;
  // The 40-step smoke policy writes mostly non-words: about 3% of its sample pairs differ in gold
  // reward (the rest are ties, dropped), so 16 pairs take a few hundred sampled prompts.
  c.pairs = 16;
  c.heldout_fraction = 0.25;
  c.max_attempts_factor = 100;
  c.max_new_tokens = 16;
  c.sample_batch = 16;
  c.steps = 6;
  c.batch = 8;
  c.warmup = 2;
  c.lr = 1e-3;
  c.eval_every = 3;
  c.ckpt_every = 2;
  c.threads = 1;
  c.device = "cpu";
  return c;
}

// One smoke experiment with a 40-step SFT policy (enough for word-like samples), shared by the tests of this file.
const Experiment& experiment() {
  static const Experiment exp = [] {
    auto e = Experiment::create(test::scratch_dir("rm-train") + "/exp", "smoke");
    prepare_task_data(e);
    SftConfig s;
    s.steps = 40;
    s.batch = 8;
    s.seq_len = 32;
    s.warmup = 2;
    s.eval_every = 40;
    s.eval_windows = 4;
    s.ckpt_every = 40;
    s.threads = 1;
    s.device = "cpu";
    run_sft(e, s);
    return e;
  }();
  return exp;
}

}  // namespace

TEST(RmTrainer, TrainsRecordsAndWritesAUsableRewardModel) {
  const auto& exp = experiment();
  const auto c = tiny_rm();
  auto r = run_rm(exp, c);
  EXPECT_FALSE(r.already_done);
  EXPECT_EQ(r.checkpoint, exp.checkpoints_dir() + "/rm.h5");
  EXPECT_EQ(r.pairs_train + r.pairs_heldout, 16);
  EXPECT_GT(r.pairs_heldout, 0);
  for (double v : {r.pair_accuracy, r.pair_accuracy_gold, r.label_gold_agreement}) {
    EXPECT_GE(v, 0.0);
    EXPECT_LE(v, 1.0);
  }
  EXPECT_TRUE(std::isfinite(r.eval_loss));

  // The pairs: two completions per training prompt, no ties, labels drawn.
  auto data = load_preference_data(exp.dir() + "/data/rm-pairs.json");
  ASSERT_EQ(data.pairs.size(), 16u);
  EXPECT_GT(data.ties_dropped, 0);
  for (const auto& p : data.pairs) {
    EXPECT_NE(p.gold_a, p.gold_b);
    EXPECT_FALSE(p.prompt.empty());
  }

  auto db = ExperimentDb::open_read_only(exp.db_path());
  auto run = db.find_run("rm");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->kind, "rm");
  EXPECT_EQ(run->status, RunStatus::Finished);
  EXPECT_TRUE(run->init_checkpoint_id.has_value());  // lineage: sft.h5
  EXPECT_EQ(db.read_metrics(run->id, "rm/loss").size(), 6u);
  EXPECT_EQ(db.read_metrics(run->id, "eval/pair_accuracy").size(), 3u);  // steps 0, 3, 6
  for (const char* key : {"rm/accuracy", "eval/pair_accuracy_gold", "eval/corr_gold", "eval/loss",
                          "data/label_gold_agreement", "data/pairs_train"})
    EXPECT_FALSE(db.read_metrics(run->id, key).empty()) << key;
  bool registered = false;
  for (const auto& ck : db.list_checkpoints(run->id)) registered |= ck.kind == "reward_model" && ck.path == "checkpoints/rm.h5";
  EXPECT_TRUE(registered);

  // The checkpoint loads as a reward model and scores through the Reward interface; its rewards
  // are centred on the training completions.
  auto tok = BpeTokenizer::load_dir(task_data_paths(exp).tokenizer_dir);
  LearnedReward reward(r.checkpoint, tok, torch::kCPU);
  std::vector<std::string> prompts, completions;
  for (const auto& p : data.pairs)
    if (!p.heldout) prompts.push_back(p.prompt), prompts.push_back(p.prompt), completions.push_back(p.text_a), completions.push_back(p.text_b);
  auto s = reward.score(prompts, completions);
  double mean = 0;
  for (double v : s) mean += v / static_cast<double>(s.size());
  EXPECT_LT(std::abs(mean), 0.05) << "mean reward over the training completions " << mean;

  // Finished: reported, not repeated.
  auto again = run_rm(exp, c);
  EXPECT_TRUE(again.already_done);
  EXPECT_FALSE(again.settings_differ);
  auto more = c;
  more.steps = 7;
  EXPECT_TRUE(run_rm(exp, more).settings_differ);
  EXPECT_NEAR(again.pair_accuracy, r.pair_accuracy, 1e-12);
  EXPECT_EQ(db.read_metrics(run->id, "rm/loss").size(), 6u);
}

TEST(RmTrainer, StopAndResumeIsBitIdentical) {
  const auto& exp = experiment();
  const auto c = tiny_rm();
  auto straight = run_rm(exp, c, "rm-straight");
  // Stop when the loop is about to run step 3 (0-based).
  auto stop_at_3 = [](const ProgressInfo& info) { return !(info.stage == "rm" && info.detail.empty() && info.done == 3); };
  EXPECT_THROW(run_rm(exp, c, "rm-stopped", stop_at_3), Cancelled);
  {
    auto db = ExperimentDb::open_read_only(exp.db_path());
    EXPECT_EQ(db.find_run("rm-stopped")->status, RunStatus::Killed);
  }
  EXPECT_TRUE(is_regular_file(exp.checkpoints_dir() + "/rm-stopped-last.h5"));
  // Other settings under the same name are refused, naming the run.
  auto other = c;
  other.lr = 5e-4;
  try {
    run_rm(exp, other, "rm-stopped");
    FAIL() << "resumed with other settings";
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("rm-stopped"), std::string::npos) << e.what();
  }
  auto resumed = run_rm(exp, c, "rm-stopped");
  EXPECT_FALSE(resumed.already_done);
  auto a = load_reward_model(straight.checkpoint), b = load_reward_model(resumed.checkpoint);
  auto pa = a.model->checkpoint_params(), pb = b.model->checkpoint_params();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i].second, pb[i].second)) << pa[i].first;
  EXPECT_EQ(straight.pair_accuracy, resumed.pair_accuracy);
  EXPECT_EQ(straight.corr_gold, resumed.corr_gold);
}

TEST(RmTrainer, RefusesBadInput) {
  const auto& exp = experiment();
  auto c = tiny_rm();
  c.init = "checkpoints/absent.h5";
  try {
    run_rm(exp, c, "rm-noinit");
    FAIL();
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("absent.h5"), std::string::npos) << e.what();
  }
  EXPECT_THROW(run_rm(exp, tiny_rm(), "bad/name"), BadInput);
  // A run name already used by another kind of run.
  EXPECT_THROW(run_rm(exp, tiny_rm(), "sft"), BadInput);
}
