// warp replicate end to end at the hidden "test" scale on a synthetic experiment (random tiny SFT
// policy, byte tokenizer, gold reward): a stop in the middle of a run, then the whole command (the
// stopped run resumed), the report, figures and CSV with the expected series; then a second
// invocation that reuses everything: no new runs, no merges, every evaluation from the cache, the
// same verdicts. The WARM check runs too (two tiny reward models, two RL runs), and the verdicts use
// paired standard errors from the stored per-prompt values.
#include <gtest/gtest.h>

#include <filesystem>

#include <fstream>
#include <sstream>

#include "db/experiment_db.h"
#include "eval/eval_cache.h"
#include "eval/synthetic_experiment.h"
#include "replicate/replicate.h"
#include "report/figure.h"
#include "test_env.h"
#include "util/error.h"
#include "util/fsutil.h"

using namespace warp;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> series_names(const Figure& f, size_t panel = 0) {
  std::vector<std::string> out;
  for (const auto& s : f.panels.at(panel).series) out.push_back(s.name);
  return out;
}

}  // namespace

TEST(ReplicateE2E, RunsResumesReportsAndReuses) {
  Experiment exp = test::synthetic_experiment("replicate-e2e", 8, 24);
  ReplicateOptions o;
  o.scale = "test";
  o.out_dir = parent_dir(exp.dir()) + "/report";
  o.threads = 1;
  o.warp_executable = warp::test::env_path("WARP_EXE");
  o.plot_executable = parent_dir(exp.dir()) + "/no-such-warp-plot";
  ASSERT_TRUE(is_regular_file(o.warp_executable)) << o.warp_executable;

  // Stop while the second SFT-anchor run trains: Cancelled, that run left killed.
  const ProgressFn stop = [](const ProgressInfo& p) {
    return !(p.stage == "rep-test-sft-b0.01: rl" && p.detail.empty() && p.done == 2);
  };
  EXPECT_THROW(replicate(exp, o, stop), Cancelled);
  {
    auto db = ExperimentDb::open_read_only(exp.db_path());
    ASSERT_TRUE(db.find_run("rep-test-sft-b0"));
    EXPECT_EQ(db.find_run("rep-test-sft-b0")->status, RunStatus::Finished);
    EXPECT_EQ(db.find_run("rep-test-sft-b0.01")->status, RunStatus::Killed);
    EXPECT_FALSE(db.find_run("rep-test-sft-b0.1"));
  }

  const ReplicateSummary s1 = replicate(exp, o);
  EXPECT_EQ(s1.runs_reused, 1);                   // sft-b0
  EXPECT_EQ(s1.runs_resumed, 1);                  // sft-b0.01
  EXPECT_EQ(s1.runs_trained, 1 + 4 + 1 + 1 + 2);  // sft-b0.1, ema-1..4, the WARP driver, WARM: the RMs, 2 RL runs
  EXPECT_GT(s1.merges_written, 0);
  EXPECT_FALSE(s1.figures_rendered);
  EXPECT_NE(s1.render_note.find("no-such-warp-plot"), std::string::npos) << s1.render_note;
  ASSERT_EQ(s1.observations.size(), 7u);  // the six and the WARM check
  EXPECT_EQ(s1.observations[6].number, 7);

  // The report.
  const std::string md = slurp(o.out_dir + "/report.md");
  for (const std::string s :
       {"## Summary", "## Setup", "### Runs", "## Observations", "### Observation 1: EMA anchor",
        "### Observation 6: Iterative WARP", "Figures not rendered", "rep-test-warp-i2-r2",
        "reward hacking cannot be measured", "| Scale | test |",
        "### Observation 7: WARM (weight-averaged reward models)", "paired over 4 prompts; unpaired ±",
        "| KL(π‖π_sft) measured as | at the evaluation temperature τ", "| Standard errors | verdicts: paired",
        "rep-test-warm-single", "rep-test-warm-average"})
    EXPECT_NE(md.find(s), std::string::npos) << "report.md lacks: " << s;
  // The report is shared: it names the experiment folder, never its path on this machine.
  std::filesystem::path dir = std::filesystem::path(exp.dir()).lexically_normal();
  if (dir.filename().empty()) dir = dir.parent_path();
  EXPECT_NE(md.find("| Experiment | `" + dir.filename().string() + "` (the folder given with --exp) |"),
            std::string::npos);
  EXPECT_EQ(md.find(dir.string()), std::string::npos) << "report.md holds the experiment's path";

  // The figures and their series.
  for (const std::string stem :
       {"fig3a_reward_vs_step", "fig3b_reward_vs_kl", "fig3c_slerp_vs_lerp", "fig4a_liti_vs_rl", "fig4b_liti_m",
        "fig4c_iterative", "hacking_gold_vs_reward", "warm_single_vs_average"})
    EXPECT_TRUE(is_regular_file(o.out_dir + "/figures/" + stem + ".json")) << stem;
  const Figure fw = Figure::read_json(o.out_dir + "/figures/warm_single_vs_average.json");
  ASSERT_EQ(fw.panels.size(), 2u);
  EXPECT_EQ(series_names(fw), (std::vector<std::string>{"WARM check: one reward model (member 1)",
                                                        "WARM check: weight average of 2 reward models"}));
  EXPECT_EQ(fw.panels[0].series[0].x.size(), 2u);
  {
    // The WARM reward models: two members and their average, recorded in its meta; every trajectory
    // point's per-prompt values are stored.
    auto db = ExperimentDb::open_read_only(exp.db_path());
    for (const char* run :
         {"rep-test-warm", "rep-test-warm-m1", "rep-test-warm-m2", "rep-test-warm-single", "rep-test-warm-average"})
      EXPECT_EQ(db.find_run(run)->status, RunStatus::Finished) << run;
    EXPECT_TRUE(is_regular_file(exp.checkpoints_dir() + "/rep-test-warm.h5"));
    EXPECT_EQ(read_trajectory_values(db, db.find_run("rep-test-ema-1")->id).size(), 2u);  // steps 0 and 3
  }
  const Figure f3b = Figure::read_json(o.out_dir + "/figures/fig3b_reward_vs_kl.json");
  EXPECT_EQ(series_names(f3b), (std::vector<std::string>{"SFT anchor β=0", "SFT anchor β=0.01", "SFT anchor β=0.1",
                                                         "EMA anchor (β=0.1, μ=0.01)"}));
  // Test scale: 3 steps, points every 3 steps: steps 0 and 3.
  EXPECT_EQ(f3b.panels[0].series[0].x.size(), 2u);
  const Figure f3c = Figure::read_json(o.out_dir + "/figures/fig3c_slerp_vs_lerp.json");
  ASSERT_EQ(f3c.panels.size(), 2u);
  EXPECT_EQ(series_names(f3c), (std::vector<std::string>{"SLERP", "LERP"}));
  EXPECT_EQ(f3c.panels[0].series[0].x, (std::vector<double>{0.0, 0.5, 1.0}));
  const Figure f4b = Figure::read_json(o.out_dir + "/figures/fig4b_liti_m.json");
  EXPECT_EQ(series_names(f4b),
            (std::vector<std::string>{"LITI, M=2", "LITI, M=3", "LITI, M=4", "RL trajectories (EMA runs 1–4)"}));
  EXPECT_EQ(f4b.panels[0].series[0].labels, (std::vector<std::string>{"η=0", "η=0.3", "η=1"}));
  const Figure f4c = Figure::read_json(o.out_dir + "/figures/fig4c_iterative.json");
  EXPECT_EQ(f4c.panels[0].series.size(), 2u + 4u);  // 2 fronts, 2 × 2 worker trajectories
  EXPECT_EQ(f4c.panels[0].series[0].name, "WARP iteration 1");
  EXPECT_EQ(f4c.panels[0].series[1].name, "WARP iteration 2");
  EXPECT_FALSE(f4c.panels[0].series[1].x.empty());

  // Every point in the CSV: trajectories 3 + 4 runs × 2 points, λ 2 × 3, LITI 3 × 3, WARP 2 fronts
  // (the driver's η points: the grid with the chosen η) and 4 workers × 2 points.
  const std::string csv = slurp(s1.points_csv);
  for (const std::string id : {"\nsft-b0,", "\nema-4,", "\nslerp-lambda,", "\nlerp-lambda,", "\nliti-m4,", "\nwarp-i2,",
                               "\nwarp-i2-r2,", "\nwarm-single,", "\nwarm-average,"})
    EXPECT_NE(csv.find(id), std::string::npos) << id;
  const auto rows = std::count(csv.begin(), csv.end(), '\n') - 1;
  EXPECT_GE(rows, 14 + 6 + 9 + 2 * 3 + 8);

  // Second invocation: everything reused.
  int64_t runs_before = 0, ckpts_before = 0;
  {
    auto db = ExperimentDb::open_read_only(exp.db_path());
    runs_before = static_cast<int64_t>(db.list_runs().size());
    ckpts_before = static_cast<int64_t>(db.list_checkpoints().size());
  }
  const ReplicateSummary s2 = replicate(exp, o);
  EXPECT_EQ(s2.runs_trained, 0);
  EXPECT_EQ(s2.runs_resumed, 0);
  EXPECT_EQ(s2.runs_reused, 3 + 4 + 1 + 3);
  EXPECT_EQ(s2.merges_written, 0);
  EXPECT_EQ(s2.merges_reused, s1.merges_written + s1.merges_reused);
  EXPECT_EQ(s2.evaluations_cached, s2.evaluations);
  EXPECT_LT(s2.wall_s, s1.wall_s);
  {
    auto db = ExperimentDb::open_read_only(exp.db_path());
    EXPECT_EQ(static_cast<int64_t>(db.list_runs().size()), runs_before);
    EXPECT_EQ(static_cast<int64_t>(db.list_checkpoints().size()), ckpts_before);
  }
  ASSERT_EQ(s2.observations.size(), s1.observations.size());
  for (size_t i = 0; i < s1.observations.size(); ++i) {
    EXPECT_EQ(s2.observations[i].verdict, s1.observations[i].verdict) << i;
    ASSERT_EQ(s2.observations[i].checks.size(), s1.observations[i].checks.size());
    for (size_t k = 0; k < s1.observations[i].checks.size(); ++k)
      EXPECT_EQ(s2.observations[i].checks[k].measured, s1.observations[i].checks[k].measured);
  }
  EXPECT_EQ(slurp(s2.points_csv), csv);
}

TEST(ReplicateE2E, RefusesWhatItCannotDo) {
  Experiment exp = test::synthetic_experiment("replicate-refuse", 8, 24);
  ReplicateOptions o;
  o.scale = "tiny";
  o.out_dir = parent_dir(exp.dir()) + "/report";
  o.warp_executable = warp::test::env_path("WARP_EXE");
  EXPECT_THROW(replicate(exp, o), BadInput);  // unknown scale
  o.scale = "test";
  o.out_dir.clear();
  EXPECT_THROW(replicate(exp, o), BadInput);  // no report folder
  o.out_dir = parent_dir(exp.dir()) + "/report";
  std::remove((exp.checkpoints_dir() + "/sft.h5").c_str());
  EXPECT_THROW(replicate(exp, o), BadInput);  // no SFT policy
  auto db = ExperimentDb::open_read_only(exp.db_path());
  EXPECT_TRUE(db.list_runs().empty());
}

TEST(ReplicatePlan, NamesSeedsAndOnlyTheBudgetOverridden) {
  Experiment exp = test::synthetic_experiment("replicate-plan", 8, 24);
  const RlConfig exp_rl = rl_config_for(exp);
  const ReplicatePlan p = plan_replication(exp, replicate_scale("smoke"), 2);
  EXPECT_EQ(p.prefix, "rep-smoke");
  ASSERT_EQ(p.sft_runs.size(), 3u);
  EXPECT_EQ(p.sft_runs[1].name, "rep-smoke-sft-b0.01");
  EXPECT_EQ(p.sft_runs[1].config.anchor, "sft");
  EXPECT_EQ(p.sft_runs[1].config.beta, 0.01);
  ASSERT_EQ(p.ema_runs.size(), 4u);
  for (size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(p.ema_runs[k].name, "rep-smoke-ema-" + std::to_string(k + 1));
    EXPECT_EQ(p.ema_runs[k].config.anchor, "ema");
    EXPECT_EQ(p.ema_runs[k].config.beta, exp_rl.beta);
    EXPECT_EQ(p.ema_runs[k].config.seed, exp_rl.seed + k);
    EXPECT_EQ(p.ema_runs[k].config.prompt_seed, exp_rl.prompt_seed + k);
  }
  // The scale's budget; the experiment's everything else.
  EXPECT_EQ(p.base.steps, 30);
  EXPECT_EQ(p.base.batch, 8);
  EXPECT_EQ(p.base.eval_every, 10);
  EXPECT_EQ(p.base.eval_prompts, 32);
  EXPECT_EQ(p.base.lr, exp_rl.lr);
  EXPECT_EQ(p.base.mu, exp_rl.mu);
  EXPECT_EQ(p.base.max_new_tokens, exp_rl.max_new_tokens);
  EXPECT_EQ(p.base.reward, "gold");  // no reward model in this experiment
  EXPECT_EQ(p.base.threads, 2);
  EXPECT_EQ(p.warp.name, "rep-smoke-warp");
  EXPECT_EQ(p.warp.iterations, 2);
  EXPECT_EQ(p.warp.runs, 2);
  EXPECT_EQ(p.warp.steps, 30);
  EXPECT_EQ(p.warp.threads, 1);
  EXPECT_EQ(p.eta_grid, (std::vector<double>{0.0, 0.1, 0.3, 0.5, 0.8, 1.0}));
  // Merged points are evaluated like the trajectory points.
  EXPECT_EQ(p.eval.max_prompts, 32);
  EXPECT_EQ(p.eval.reward, "gold");
  EXPECT_EQ(p.eval.max_new_tokens, eval_config_for(exp).max_new_tokens);
  // The WARM check: K = 2 reward models with the smoke budget, two RL runs as EMA run 1 but for the reward.
  EXPECT_EQ(p.warm_name, "rep-smoke-warm");
  EXPECT_EQ(p.warm_rm.ensemble, 2);
  EXPECT_EQ(p.warm_rm.steps, 20);
  EXPECT_EQ(p.warm_rm.pairs, 48);
  EXPECT_EQ(p.warm_rm.threads, 2);
  ASSERT_EQ(p.warm_runs.size(), 2u);
  EXPECT_EQ(p.warm_runs[0].name, "rep-smoke-warm-single");
  EXPECT_EQ(p.warm_runs[0].config.reward, "rm:checkpoints/rep-smoke-warm-m1.h5");
  EXPECT_EQ(p.warm_runs[1].name, "rep-smoke-warm-average");
  EXPECT_EQ(p.warm_runs[1].config.reward, "rm:checkpoints/rep-smoke-warm.h5");
  for (const auto& r : p.warm_runs) {
    EXPECT_EQ(r.config.anchor, "ema");
    EXPECT_EQ(r.config.seed, p.ema_runs[0].config.seed);
    EXPECT_EQ(r.config.prompt_seed, p.ema_runs[0].config.prompt_seed);
  }
}
