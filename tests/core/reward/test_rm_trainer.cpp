// `warp rm` at smoke scale: preference pairs sampled from a briefly trained SFT policy, labelled
// by the gold reward; the run is recorded in the database, writes a loadable reward model, is
// reported (not repeated) when finished, and a run stopped midway and resumed ends bit-identical
// to an uninterrupted one. WARM (--ensemble K): the weight average of K members, recorded in its
// meta, resumable, bit-exact averaging.
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
#include "util/seeds.h"
#include "util/sha256.h"

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
  for (const auto& ck : db.list_checkpoints(run->id))
    registered |= ck.kind == "reward_model" && ck.path == "checkpoints/rm.h5";
  EXPECT_TRUE(registered);

  // The checkpoint loads as a reward model and scores through the Reward interface; its rewards
  // are centred on the training completions.
  auto tok = BpeTokenizer::load_dir(task_data_paths(exp).tokenizer_dir);
  LearnedReward reward(r.checkpoint, tok, torch::kCPU);
  std::vector<std::string> prompts, completions;
  for (const auto& p : data.pairs)
    if (!p.heldout)
      prompts.push_back(p.prompt), prompts.push_back(p.prompt), completions.push_back(p.text_a),
          completions.push_back(p.text_b);
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
  auto stop_at_3 = [](const ProgressInfo& info) {
    return !(info.stage == "rm" && info.detail.empty() && info.done == 3);
  };
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

// ---------------------------------------------------------------------------------------------
// WARM: `warp rm --ensemble K`

namespace {

void expect_same_tensors(RewardModel& a, RewardModel& b) {
  auto pa = a->checkpoint_params(), pb = b->checkpoint_params();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_EQ(pa[i].first, pb[i].first);
    EXPECT_TRUE(torch::equal(pa[i].second, pb[i].second)) << pa[i].first;
  }
}

}  // namespace

TEST(RmEnsemble, AverageOfIdenticalModelsIsThatModelBitForBit) {
  const auto& exp = experiment();
  const auto one = run_rm(exp, tiny_rm(), "rm-avg-base");
  for (size_t k : {1u, 2u, 3u, 7u}) {
    const std::vector<std::string> paths(k, one.checkpoint);
    auto avg = average_reward_models(paths);
    auto orig = load_reward_model(one.checkpoint);
    expect_same_tensors(avg.model, orig.model);
    EXPECT_TRUE(avg.header.meta.is_null());
  }
  EXPECT_THROW(average_reward_models({}), BadInput);
  try {
    average_reward_models({one.checkpoint, exp.checkpoints_dir() + "/sft.h5"});
    FAIL() << "averaged a policy checkpoint into a reward model";
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("sft.h5"), std::string::npos) << e.what();
  }
}

TEST(RmEnsemble, TrainsMembersAveragesRecordsAndResumes) {
  const auto& exp = experiment();
  auto c = tiny_rm();
  c.ensemble = 2;
  // Stop in member 2 before its step 2: member 1 finished, member 2 and the ensemble left killed.
  auto stop = [](const ProgressInfo& info) {
    return !(info.stage == "rm" && info.detail.rfind("member 2/2", 0) == 0 && info.done == 2 &&
             info.detail.find(':') == std::string::npos);
  };
  EXPECT_THROW(run_rm(exp, c, "warm", stop), Cancelled);
  {
    auto db = ExperimentDb::open_read_only(exp.db_path());
    EXPECT_EQ(db.find_run("warm")->status, RunStatus::Killed);
    EXPECT_EQ(db.find_run("warm-m1")->status, RunStatus::Finished);
    EXPECT_EQ(db.find_run("warm-m2")->status, RunStatus::Killed);
  }
  EXPECT_FALSE(is_regular_file(exp.checkpoints_dir() + "/warm.h5"));
  const RmResult r = run_rm(exp, c, "warm");
  EXPECT_FALSE(r.already_done);
  EXPECT_EQ(r.checkpoint, exp.checkpoints_dir() + "/warm.h5");
  {
    auto db = ExperimentDb::open_read_only(exp.db_path());
    auto run = db.find_run("warm");
    EXPECT_EQ(run->status, RunStatus::Finished);
    EXPECT_EQ(db.find_run("warm-m2")->status, RunStatus::Finished);
    EXPECT_EQ(db.read_metrics(run->id, "ensemble/members_done").size(), 2u);
    bool registered = false;
    for (const auto& ck : db.list_checkpoints(run->id))
      registered |= ck.kind == "reward_model" && ck.path == "checkpoints/warm.h5";
    EXPECT_TRUE(registered);
  }
  // Both members trained on the one shared pairs file, in different batch orders.
  EXPECT_TRUE(is_regular_file(exp.dir() + "/data/warm-pairs.json"));
  EXPECT_FALSE(is_regular_file(exp.dir() + "/data/warm-m1-pairs.json"));

  // The members are recorded in the meta: names, files, seeds, hashes.
  auto avg = load_reward_model(r.checkpoint);
  const nlohmann::json& e = avg.header.meta.at("ensemble");
  EXPECT_EQ(e.at("k"), 2);
  ASSERT_EQ(e.at("members").size(), 2u);
  std::vector<std::string> member_paths;
  for (int k = 1; k <= 2; ++k) {
    const auto& m = e.at("members")[static_cast<size_t>(k - 1)];
    const std::string name = "warm-m" + std::to_string(k);
    EXPECT_EQ(m.at("run"), name);
    EXPECT_EQ(m.at("checkpoint"), "checkpoints/" + name + ".h5");
    EXPECT_EQ(m.at("order_seed").get<uint64_t>(), derive_seed(kSeedDomainRmMember, c.seed, {static_cast<uint64_t>(k)}));
    member_paths.push_back(exp.checkpoints_dir() + "/" + name + ".h5");
    EXPECT_EQ(m.at("sha256"), sha256_file(member_paths.back()));
  }
  EXPECT_EQ(avg.header.config.at("rm").at("ensemble"), 2);

  // K = 2: the average is the hand average of the two member checkpoints, (a + b) / 2 in float64
  // rounded to float32; the members differ (else the check would be vacuous).
  auto a = load_reward_model(member_paths[0]), b = load_reward_model(member_paths[1]);
  auto pa = a.model->checkpoint_params(), pb = b.model->checkpoint_params(), pv = avg.model->checkpoint_params();
  bool members_differ = false;
  for (size_t i = 0; i < pa.size(); ++i) {
    members_differ |= !torch::equal(pa[i].second, pb[i].second);
    const auto hand = ((pa[i].second.to(torch::kDouble) + pb[i].second.to(torch::kDouble)) / 2.0).to(torch::kFloat);
    EXPECT_TRUE(torch::equal(hand, pv[i].second)) << pv[i].first;
  }
  EXPECT_TRUE(members_differ);

  // It is a reward model like any: the Reward interface scores with it.
  auto tok = BpeTokenizer::load_dir(task_data_paths(exp).tokenizer_dir);
  LearnedReward reward(r.checkpoint, tok, torch::kCPU);
  EXPECT_EQ(reward.score({"the"}, {"good day"}).size(), 1u);

  // Finished: reported, not repeated; another K is another setting.
  const RmResult again = run_rm(exp, c, "warm");
  EXPECT_TRUE(again.already_done);
  EXPECT_FALSE(again.settings_differ);
  EXPECT_NEAR(again.pair_accuracy, r.pair_accuracy, 1e-12);
  auto three = c;
  three.ensemble = 3;
  EXPECT_TRUE(run_rm(exp, three, "warm").settings_differ);
}

TEST(RmEnsemble, RefusesABadEnsembleSize) {
  for (int64_t k : {0, -1, 17, 1000}) {
    auto c = tiny_rm();
    c.ensemble = k;
    try {
      c.validate();
      ADD_FAILURE() << "accepted ensemble " << k;
    } catch (const BadInput& e) {
      EXPECT_NE(std::string(e.what()).find("ensemble must be in 1..16"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(std::to_string(k)), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(RmConfig::from_json({{"ensemble", 17}}, "rm options"), BadInput);
  EXPECT_EQ(RmConfig::from_json({{"ensemble", 4}}, "rm options").ensemble, 4);
  // A single model's stored settings stay as they were (no ensemble or order_seed fields).
  EXPECT_FALSE(tiny_rm().to_json().contains("ensemble"));
  EXPECT_FALSE(tiny_rm().to_json().contains("order_seed"));
}
