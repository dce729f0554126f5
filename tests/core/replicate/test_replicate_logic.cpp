// warp replicate without training: the verdict rules, front comparisons and the six observations on
// hand-made points (numbers worked out by hand in the comments), the gold-vs-reward summary, the
// report's text and CSV, and the scales' validation; paired statistics on per-prompt values worked
// by hand, and the WARM check.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "replicate/observations.h"
#include "replicate/replicate_config.h"
#include "replicate/report_writer.h"
#include "util/error.h"

using namespace warp;

namespace {

MeasuredPoint pt(double kl, double reward, double se = 0.01, double param = 0, const std::string& label = "") {
  MeasuredPoint p;
  p.point.prompts = 16;
  p.point.kl_sft = {kl, se};
  p.point.reward = {reward, se};
  p.point.gold = {reward, se};
  p.param = param;
  p.label = label.empty() ? "p" + std::to_string(static_cast<int>(param)) : label;
  return p;
}

Curve curve(const std::string& id, std::vector<MeasuredPoint> pts) {
  Curve c;
  c.id = id;
  c.name = id;
  c.kind = "trajectory";
  c.points = std::move(pts);
  return c;
}

// reward = slope · kl on kl = 0, 1, 2.
Curve line(const std::string& id, double slope, double se = 0.01, double max_kl = 2) {
  std::vector<MeasuredPoint> pts;
  for (int k = 0; k <= static_cast<int>(max_kl); ++k) pts.push_back(pt(k, slope * k, se, k));
  return curve(id, pts);
}

// A measurement set where every observation holds.
Measurements good() {
  Measurements m;
  m.sft_betas = {0.0, 0.01, 0.1};
  // β=0: low reward for its KL but the largest final KL (8).
  m.sft_anchor = {curve("sft-b0", {pt(0, 0), pt(4, 1), pt(8, 1.5)}), line("sft-b0.01", 0.5),
                  line("sft-b0.1", 0.25, 0.01, 1)};
  m.ema = line("ema", 1.0);
  m.ema_runs = {line("ema-1", 1.0), line("ema-2", 1.0), line("ema-3", 1.0)};
  m.slerp_lambda = curve("slerp", {pt(2, 2, 0.05, 0), pt(2.5, 2.6, 0.05, 0.5), pt(2, 2.1, 0.05, 1)});
  m.lerp_lambda = curve("lerp", {pt(2, 2, 0.05, 0), pt(1.2, 2.05, 0.05, 0.5), pt(2, 2.1, 0.05, 1)});
  m.slerp_lambda.points[1].param = 0.5;
  m.lerp_lambda.points[1].param = 0.5;
  m.slerp_lambda.points[2].param = 1;
  m.lerp_lambda.points[2].param = 1;
  m.omega_deg = {85, 95, 90, std::nan("")};
  m.liti_m = {2, 3};
  m.liti_fronts = {line("liti-m2", 2.0), line("liti-m3", 2.5)};
  m.warp_fronts = {line("warp-i1", 2.0), curve("warp-i2", {pt(1, 3), pt(2, 5), pt(3, 6)})};
  m.warp_workers = {{line("w11", 1.0), line("w12", 1.0)}, {curve("w21", {pt(1, 3), pt(2, 3.5)})}};
  m.warp_omega_deg = {88, 91};
  return m;
}

}  // namespace

TEST(Verdicts, DecideAndCombine) {
  EXPECT_EQ(decide(0.3, 0.1), Verdict::Held);
  EXPECT_EQ(decide(-0.3, 0.1), Verdict::DidNotHold);
  EXPECT_EQ(decide(0.2, 0.1), Verdict::Inconclusive);  // exactly 2 se: not beyond
  EXPECT_EQ(decide(-0.19, 0.1), Verdict::Inconclusive);
  EXPECT_EQ(decide(0.0, 0.0), Verdict::Inconclusive);
  EXPECT_EQ(decide(1e-9, 0.0), Verdict::Held);
  EXPECT_EQ(decide(std::nan(""), 0.1), Verdict::Inconclusive);
  EXPECT_EQ(combine({Verdict::Held, Verdict::Held}), Verdict::Held);
  EXPECT_EQ(combine({Verdict::Held, Verdict::Inconclusive}), Verdict::Inconclusive);
  EXPECT_EQ(combine({Verdict::Held, Verdict::DidNotHold, Verdict::Inconclusive}), Verdict::DidNotHold);
  EXPECT_EQ(combine({}), Verdict::Inconclusive);
  EXPECT_STREQ(to_string(Verdict::DidNotHold), "did not hold");
}

TEST(CompareFronts, MeanGapOverTheCommonRange) {
  // A: r = kl, B: r = kl/2 on [0, 2]; the mean of kl/2 over 21 evenly spaced kls in [0, 2] is 0.5.
  // se: √(0.01² + 0.01²) = 0.01414.
  FrontComparison c = compare_fronts(line("a", 1.0).points, line("b", 0.5).points);
  ASSERT_TRUE(c.gap);
  EXPECT_NEAR(*c.gap, 0.5, 1e-12);
  EXPECT_NEAR(c.se, std::sqrt(2.0) * 0.01, 1e-12);
  EXPECT_EQ(c.kl_lo, 0.0);
  EXPECT_EQ(c.kl_hi, 2.0);
  EXPECT_FALSE(c.clamped);
  EXPECT_EQ(c.verdict, Verdict::Held);
  EXPECT_NE(c.describe().find("+0.5 ± 0.014 (unpaired: per-prompt values not stored) over KL [0, 2]"),
            std::string::npos)
      << c.describe();
  // Reversed: did not hold.
  c = compare_fronts(line("b", 0.5).points, line("a", 1.0).points);
  EXPECT_NEAR(*c.gap, -0.5, 1e-12);
  EXPECT_EQ(c.verdict, Verdict::DidNotHold);
  // Large standard errors: inconclusive.
  c = compare_fronts(line("a", 1.0, 0.3).points, line("b", 0.5, 0.3).points);
  EXPECT_EQ(c.verdict, Verdict::Inconclusive);
  // Only the range both cover counts: B stops at kl 1 where it equals A.
  c = compare_fronts(line("a", 1.0).points, line("b", 1.0, 0.01, 1).points);
  EXPECT_NEAR(*c.gap, 0.0, 1e-12);
  EXPECT_EQ(c.kl_hi, 1.0);
  EXPECT_EQ(c.verdict, Verdict::Inconclusive);
  // Dominated points are ignored: B's (1, -1) is below its step-0 point, so B's front is {(0, 0)}.
  // No common range: from kl 0 to 2, B gives its best reward (0), A averages 1.
  c = compare_fronts(line("a", 1.0).points, {pt(0, 0), pt(1, -1)});
  ASSERT_TRUE(c.gap);
  EXPECT_TRUE(c.clamped);
  EXPECT_NEAR(*c.gap, 1.0, 1e-12);
  EXPECT_EQ(c.verdict, Verdict::Held);
  // Nothing to compare.
  c = compare_fronts({}, line("b", 1.0).points);
  EXPECT_FALSE(c.gap);
  EXPECT_EQ(c.verdict, Verdict::Inconclusive);
}

TEST(Observations, AllHoldOnAGoodSet) {
  const auto obs = evaluate_observations(good());
  ASSERT_EQ(obs.size(), 6u);
  for (size_t i = 0; i < obs.size(); ++i) {
    EXPECT_EQ(obs[i].number, static_cast<int>(i) + 1);
    EXPECT_EQ(obs[i].verdict, Verdict::Held)
        << "observation " << obs[i].number << ": " << obs[i].checks.front().measured;
  }
  // Observation 1: three front checks and the β=0 check; β=0's final KL 8 vs the next largest (ema, 2).
  ASSERT_EQ(obs[0].checks.size(), 4u);
  EXPECT_NE(obs[0].checks[3].measured.find("difference +6"), std::string::npos) << obs[0].checks[3].measured;
  // Observation 2: λ=0.5 reward 2.6 vs the better endpoint 2.1: +0.5 ± √(0.05²+0.05²) = 0.071.
  EXPECT_NE(obs[1].checks[0].measured.find("+0.5 ± 0.071"), std::string::npos) << obs[1].checks[0].measured;
  // Observation 3: KL 2.5 vs 1.2 (+1.3), reward 2.6 vs 2.05 (+0.55).
  EXPECT_NE(obs[2].checks[0].measured.find("+1.3"), std::string::npos) << obs[2].checks[0].measured;
  EXPECT_NE(obs[2].checks[1].measured.find("+0.55"), std::string::npos) << obs[2].checks[1].measured;
  // Observation 4: mean of 85, 95, 90 (NaN skipped) = 90; 3 tensors.
  EXPECT_NE(obs[3].checks[0].measured.find("mean Ω 90° over 3 tensors"), std::string::npos)
      << obs[3].checks[0].measured;
  // Observation 5: two LITI fronts and two WARP iterations.
  EXPECT_EQ(obs[4].checks.size(), 4u);
  // Observation 6: one pair of iterations.
  EXPECT_EQ(obs[5].checks.size(), 1u);
}

TEST(Observations, Ema) {
  Measurements m = good();
  // EMA equal to the β=0.01 run within noise: that check and the observation are inconclusive.
  m.ema = line("ema", 0.5);
  m.sft_anchor[0] = curve("sft-b0", {pt(0, 0), pt(8, 1)});
  ObservationResult r = observation_ema(m);
  EXPECT_EQ(r.checks[1].verdict, Verdict::Inconclusive);
  EXPECT_EQ(r.verdict, Verdict::Inconclusive);
  // β=0 ends with a smaller KL than the EMA run: did not hold, said so.
  m = good();
  m.sft_anchor[0] = curve("sft-b0", {pt(0, 0), pt(0.5, 0.1)});
  r = observation_ema(m);
  EXPECT_EQ(r.checks[3].verdict, Verdict::DidNotHold);
  EXPECT_EQ(r.verdict, Verdict::DidNotHold);
  // EMA below the SFT anchor β=0.1's front.
  m = good();
  m.ema = line("ema", 0.1);
  EXPECT_EQ(observation_ema(m).checks[2].verdict, Verdict::DidNotHold);
  // Nothing measured.
  EXPECT_EQ(observation_ema(Measurements{}).verdict, Verdict::Inconclusive);
}

TEST(Observations, SlerpReward) {
  Measurements m = good();
  m.slerp_lambda.points[1].point.reward.mean = 2.15;  // +0.05 ± 0.071: inconclusive
  EXPECT_EQ(observation_slerp_reward(m).verdict, Verdict::Inconclusive);
  m.slerp_lambda.points[1].point.reward.mean = 1.8;  // −0.3: did not hold
  EXPECT_EQ(observation_slerp_reward(m).verdict, Verdict::DidNotHold);
  m.slerp_lambda.points.pop_back();  // no λ=1
  EXPECT_EQ(observation_slerp_reward(m).verdict, Verdict::Inconclusive);
}

TEST(Observations, LerpVsSlerp) {
  Measurements m = good();
  m.lerp_lambda.points[1].point.kl_sft.mean = 3.0;  // LERP's KL above SLERP's: did not hold
  ObservationResult r = observation_lerp_vs_slerp(m);
  EXPECT_EQ(r.checks[0].verdict, Verdict::DidNotHold);
  EXPECT_EQ(r.checks[1].verdict, Verdict::Held);
  EXPECT_EQ(r.verdict, Verdict::DidNotHold);
  m = good();
  m.lerp_lambda.points[1].point.reward.mean = 2.58;  // +0.02 ± 0.071
  EXPECT_EQ(observation_lerp_vs_slerp(m).checks[1].verdict, Verdict::Inconclusive);
  m.lerp_lambda.points[1].param = 0.25;  // no λ in common
  EXPECT_EQ(observation_lerp_vs_slerp(m).verdict, Verdict::Inconclusive);
}

TEST(Observations, OrthogonalTaskVectors) {
  Measurements m = good();
  m.warp_omega_deg.clear();
  m.omega_deg = {40, 50};
  ObservationResult r = observation_orthogonal(m);
  EXPECT_EQ(r.verdict, Verdict::DidNotHold);
  EXPECT_NE(r.checks[0].measured.find("mean Ω 45°"), std::string::npos) << r.checks[0].measured;
  EXPECT_NE(r.checks[0].measured.find("0% within"), std::string::npos) << r.checks[0].measured;
  m.omega_deg = {std::nan(""), std::nan("")};
  EXPECT_EQ(observation_orthogonal(m).verdict, Verdict::Inconclusive);
  m.omega_deg = {81, 99};
  EXPECT_EQ(observation_orthogonal(m).verdict, Verdict::Held);
  m.warp_omega_deg = {70};
  EXPECT_EQ(observation_orthogonal(m).verdict, Verdict::DidNotHold);
  // Per layer as well, when measured: one more check, with its own mean.
  m.warp_omega_deg.clear();
  const size_t per_tensor_checks = observation_orthogonal(m).checks.size();
  m.omega_layer_deg = {60, 70, std::nan("")};
  r = observation_orthogonal(m);
  ASSERT_EQ(r.checks.size(), per_tensor_checks + 1);
  EXPECT_NE(r.checks[1].claim.find("per-layer"), std::string::npos) << r.checks[1].claim;
  EXPECT_NE(r.checks[1].measured.find("mean Ω 65° over 2 layers"), std::string::npos) << r.checks[1].measured;
  EXPECT_EQ(r.checks[1].verdict, Verdict::DidNotHold);
  EXPECT_EQ(r.verdict, Verdict::DidNotHold);
  m.omega_layer_deg = {88, 93};
  EXPECT_EQ(observation_orthogonal(m).verdict, Verdict::Held);
  m.omega_layer_deg.clear();
  const AngleStats s = angle_stats({80, 100, 60, std::nan("")});
  EXPECT_EQ(s.count, 3);
  EXPECT_NEAR(s.mean, 80.0, 1e-12);
  EXPECT_EQ(s.min, 60);
  EXPECT_EQ(s.max, 100);
  EXPECT_NEAR(s.within_tolerance, 2.0 / 3.0, 1e-12);
}

TEST(Observations, Liti) {
  Measurements m = good();
  m.liti_fronts[1] = line("liti-m3", 0.5);  // below the runs' r = kl
  ObservationResult r = observation_liti(m);
  EXPECT_EQ(r.checks[0].verdict, Verdict::Held);
  EXPECT_EQ(r.checks[1].verdict, Verdict::DidNotHold);
  EXPECT_EQ(r.verdict, Verdict::DidNotHold);
  EXPECT_NE(r.checks[1].claim.find("M=3"), std::string::npos);
  m.liti_fronts[1] = line("liti-m3", 1.0);  // equal: inconclusive
  m.warp_fronts.clear();
  m.warp_workers.clear();
  EXPECT_EQ(observation_liti(m).verdict, Verdict::Inconclusive);
}

TEST(Observations, Iterative) {
  Measurements m = good();
  m.warp_fronts.pop_back();
  ObservationResult r = observation_iterative(m);
  EXPECT_EQ(r.verdict, Verdict::Inconclusive);
  EXPECT_NE(r.checks[0].measured.find("fewer than two"), std::string::npos);
  m = good();
  // Iteration 2 below iteration 1 on [1, 2]: r = kl vs 2·kl → −1.5 mean gap.
  m.warp_fronts[1] = curve("warp-i2", {pt(1, 1), pt(2, 2)});
  r = observation_iterative(m);
  EXPECT_EQ(r.verdict, Verdict::DidNotHold);
  EXPECT_NE(r.checks[0].measured.find("-1.5"), std::string::npos) << r.checks[0].measured;
  // Iteration 2 starts right of where iteration 1 ends: compared with iteration 1's best reward.
  m.warp_fronts[1] = curve("warp-i2", {pt(3, 5), pt(4, 6)});
  r = observation_iterative(m);
  EXPECT_EQ(r.verdict, Verdict::Held);
  EXPECT_NE(r.checks[0].measured.find("best reward 6 vs 4"), std::string::npos) << r.checks[0].measured;
}

TEST(Hacking, Summary) {
  // r = 1, 2, 3; gold = 1, 3, 2: correlation 0.5; the highest r (3) has gold 2, the best gold is 3.
  Curve c = curve("x", {pt(0, 1, 0.1, 0, "a"), pt(1, 2, 0.1, 1, "b"), pt(2, 3, 0.1, 2, "c")});
  c.points[1].point.gold.mean = 3;
  c.points[2].point.gold.mean = 2;
  const HackingSummary h = summarize_hacking({c}, false);
  EXPECT_EQ(h.points, 3);
  EXPECT_NEAR(h.correlation, 0.5, 1e-12);
  EXPECT_EQ(h.best_reward, 3);
  EXPECT_EQ(h.gold_at_best_reward, 2);
  EXPECT_EQ(h.best_gold, 3);
  EXPECT_EQ(h.gold_lost, 1);
  EXPECT_EQ(h.best_reward_label, "x, c");
  EXPECT_EQ(h.best_gold_label, "x, b");
  EXPECT_TRUE(std::isnan(summarize_hacking({curve("y", {pt(0, 1)})}, true).correlation));
}

TEST(ReportWriter, SectionsNumbersAndVerdicts) {
  Measurements m = good();
  m.ema = line("ema", 0.1);  // Observation 1 did not hold
  ReportInputs in;
  in.setup = {{"Scale", "smoke"}, {"RL steps T per run", "8"}};
  in.runs = {{"rep-smoke-ema-1", "EMA anchor #1", "anchor ema, β 0.1", "finished", "trained now", 75.0}};
  in.figures = {{"fig3b_reward_vs_kl", "Figure 3(b): reward vs KL", "The runs in the KL-reward plane."}};
  in.observations = evaluate_observations(m);
  Curve h = curve("x", {pt(0, 1), pt(1, 2)});
  h.points[1].point.gold.mean = 0.5;
  in.hacking = summarize_hacking({h}, false);
  in.figures_rendered = false;
  in.render_note = "Figures not rendered: warp-plot is not there. Render them later with: warp-plot x.json";
  in.notes = {"Run `x` diverged."};
  const std::string md = render_report(in);
  for (const std::string s :
       {"# WARP replication report",
        "## Summary",
        "## Setup",
        "### Runs",
        "## Figures",
        "## Observations",
        "## Gold vs learned reward (reward hacking)",
        "## Points",
        "## Notes",
        "## How verdicts are decided",
        "| RL steps T per run | 8 |",
        "`rep-smoke-ema-1`",
        "1.2 min",
        "Figure data: [figures/fig3b_reward_vs_kl.json]",
        "> Figures not rendered: warp-plot is not there",
        "### Observation 1: EMA anchor — **did not hold**",
        "This observation **did not hold** on this setup.",
        "### Observation 2: SLERP reward — **held**",
        "| 1 | EMA anchor | **did not hold** | ema front above the SFT-anchor β=0 front: mean reward gap -0.15 ± 0.014",
        "+0.5 ± 0.071",
        "Gold lost by picking the highest-r point | 0.5 |",
        "[points.csv](points.csv)",
        "Run `x` diverged."})
    EXPECT_NE(md.find(s), std::string::npos) << "missing: " << s;
  EXPECT_EQ(md.find("![Figure 3(b)"), std::string::npos);
  // Rendered: embedded PNG and PDF links; gold as the reward: no hacking numbers.
  in.figures_rendered = true;
  in.hacking = summarize_hacking({h}, true);
  const std::string md2 = render_report(in);
  EXPECT_NE(md2.find("![Figure 3(b): reward vs KL](figures/fig3b_reward_vs_kl.png)"), std::string::npos);
  EXPECT_NE(md2.find("[PDF](figures/fig3b_reward_vs_kl.pdf)"), std::string::npos);
  EXPECT_NE(md2.find("reward hacking cannot be measured"), std::string::npos);
  EXPECT_EQ(md2.find("Figures not rendered"), std::string::npos);
}

TEST(ReportWriter, PointsCsv) {
  Curve c = curve("liti-m2", {pt(0.5, 1.25, 0.1, 0.3, "η=0.3"), pt(1, 2, 0.1, 1, "a,\"b\"")});
  c.name = "LITI, M=2";
  c.kind = "liti";
  c.points[0].checkpoint = "checkpoints/x.h5";
  c.points[1].point.length.mean = std::nan("");
  const std::string csv = points_csv({c});
  const std::string header =
      "curve,curve_name,kind,label,param,run,checkpoint,sha256,lineage,prompts,reward,reward_se,gold,gold_se,"
      "kl_sft,kl_sft_se,kl_sft_sampled,kl_sft_sampled_se,length,length_se\n";
  ASSERT_EQ(csv.rfind(header, 0), 0u);
  EXPECT_NE(
      csv.find("liti-m2,\"LITI, M=2\",liti,η=0.3,0.29999999999999999,,checkpoints/x.h5,,,16,1.25,0.10000000000000001,"),
      std::string::npos)
      << csv;
  EXPECT_NE(csv.find("\"a,\"\"b\"\"\""), std::string::npos) << csv;
  EXPECT_NE(csv.find(",nan,0\n"), std::string::npos) << csv;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
}

TEST(Scales, KnownScalesAndValidation) {
  for (const std::string name : {"smoke", "demo", "full", "test"}) {
    const ReplicateScale s = replicate_scale(name);
    EXPECT_EQ(s.name, name);
    EXPECT_NO_THROW(s.validate());
    EXPECT_EQ(s.sft_betas, (std::vector<double>{0.0, 0.01, 0.1}));
    EXPECT_GE(s.ema_runs, 2);
  }
  EXPECT_EQ(replicate_scale("smoke").lambda_grid, (std::vector<double>{0.0, 0.5, 1.0}));
  EXPECT_EQ(replicate_scale("smoke").iterations, 2);
  EXPECT_LT(replicate_scale("smoke").steps, replicate_scale("demo").steps);
  EXPECT_LT(replicate_scale("demo").steps, replicate_scale("full").steps);
  EXPECT_THROW(replicate_scale("huge"), BadInput);
  try {
    replicate_scale("huge");
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("smoke, demo, full"), std::string::npos) << e.what();
  }
  // The WARM check: K = 2 below full, 4 at full; 0 turns it off; 1 or more than 16 is refused.
  EXPECT_EQ(replicate_scale("smoke").warm_members, 2);
  EXPECT_EQ(replicate_scale("full").warm_members, 4);
  auto refused = [](ReplicateScale s, const std::string& field) {
    try {
      s.validate();
      ADD_FAILURE() << "accepted a bad " << field;
    } catch (const BadInput& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  };
  ReplicateScale s = replicate_scale("smoke");
  s.steps = 0;
  refused(s, "steps");
  s = replicate_scale("smoke");
  s.eval_prompts = -1;
  refused(s, "eval_prompts");
  s = replicate_scale("smoke");
  s.lambda_grid = {0.0, 1.0};
  refused(s, "lambda_grid");
  s.lambda_grid = {0.5, 1.0, 0.0};
  refused(s, "lambda_grid");
  s = replicate_scale("smoke");
  s.eta_grid = {0.0, 0.5, 0.5};
  refused(s, "eta_grid");
  s.eta_grid = {0.0, 1.5};
  refused(s, "eta_grid");
  s = replicate_scale("smoke");
  s.ema_runs = 1;
  refused(s, "ema_runs");
  s = replicate_scale("smoke");
  s.iterations = 0;
  refused(s, "iterations");
  s = replicate_scale("smoke");
  s.sft_betas = {0.1, 0.01};
  refused(s, "sft_betas");
  s = replicate_scale("smoke");
  s.warm_members = 0;
  EXPECT_NO_THROW(s.validate());
  for (int64_t k : {1, 17, -2}) {
    s.warm_members = k;
    refused(s, "warm_members");
  }
  s = replicate_scale("smoke");
  s.warm_rm = nlohmann::json::array();
  refused(s, "warm_rm");
  EXPECT_EQ(format_grid_value(0.5), "0.5");
  EXPECT_EQ(format_grid_value(0.01), "0.01");
  EXPECT_EQ(format_grid_value(1.0), "1");
  EXPECT_EQ(format_grid_value(0.0), "0");
}

// ---------------------------------------------------------------------------------------------
// paired statistics

namespace {

// A point whose per-prompt values are `reward` (gold the same, KL `kl` on every prompt), its means and
// standard errors computed from them; prompts 0..n-1 with seeds 100 + i (or `seed0` + i).
MeasuredPoint valued(double kl, const std::vector<double>& reward, double param = 0, uint64_t seed0 = 100,
                     const std::vector<double>& gold = {}) {
  MeasuredPoint p;
  p.param = param;
  p.label = "v" + std::to_string(static_cast<int>(param * 100));
  const size_t n = reward.size();
  for (size_t i = 0; i < n; ++i) {
    p.values.prompt_index.push_back(static_cast<int64_t>(i));
    p.values.seed.push_back(seed0 + i);
  }
  p.values.reward = reward;
  p.values.gold = gold.empty() ? reward : gold;
  p.values.kl_sft.assign(n, kl);
  p.values.kl_sft_sampled.assign(n, kl);
  p.values.length.assign(n, 10.0);
  p.point.prompts = static_cast<int64_t>(n);
  p.point.reward = mean_and_se(p.values.reward);
  p.point.gold = mean_and_se(p.values.gold);
  p.point.kl_sft = mean_and_se(p.values.kl_sft);
  p.point.kl_sft_sampled = p.point.kl_sft;
  p.point.length = {10.0, 0.0};
  return p;
}

}  // namespace

TEST(PairedStats, HandComputedStandardError) {
  // a − b = {0.5, 1.0, 0.5, 1.0}: mean 0.75, deviations ±0.25, Σ dev² = 0.25, sd² = 0.25 / 3,
  // sd = 0.2886751, se = sd / √4 = 0.1443376.
  const PairedStat s = paired_difference({1, 2, 3, 4}, {0.5, 1.0, 2.5, 3.0});
  EXPECT_EQ(s.n, 4);
  EXPECT_NEAR(s.mean, 0.75, 1e-12);
  EXPECT_NEAR(s.se, 0.14433756729740643, 1e-12);
  // One prompt: se 0 (no spread to measure).
  const PairedStat one = paired_difference({2}, {1.5});
  EXPECT_NEAR(one.mean, 0.5, 1e-12);
  EXPECT_EQ(one.se, 0.0);
  EXPECT_THROW(paired_difference({1, 2}, {1}), BadInput);
  EXPECT_THROW(paired_difference({}, {}), BadInput);

  // The same through point_difference, with the unpaired figure beside it:
  // se_a = sd{1,2,3,4}/2 = 1.2909944/2 = 0.6454972; se_b = sd{0.5,1,2.5,3}/2: mean 1.75, Σ dev² =
  // 1.5625 + 0.5625 + 0.5625 + 1.5625 = 4.25, sd = √(4.25/3) = 1.1902381, se_b = 0.5951190;
  // unpaired = √(0.6454972² + 0.5951190²) = √(0.4166667 + 0.3541667) = 0.8779711.
  const MeasuredPoint a = valued(1, {1, 2, 3, 4}), b = valued(1, {0.5, 1.0, 2.5, 3.0});
  const Difference d = point_difference({{&a, 1.0}, {&b, -1.0}}, "reward");
  EXPECT_TRUE(d.paired);
  EXPECT_EQ(d.n, 4);
  EXPECT_NEAR(d.d, 0.75, 1e-12);
  EXPECT_NEAR(d.se, 0.14433756729740643, 1e-12);
  EXPECT_NEAR(d.se_unpaired, 0.87797114, 1e-7);
  EXPECT_EQ(d.verdict, Verdict::Held);  // 0.75 > 2 · 0.144
  EXPECT_NE(d.describe().find("paired over 4 prompts; unpaired ± 0.88"), std::string::npos) << d.describe();
}

TEST(PairedStats, PairedDecidesWhereUnpairedCannot) {
  // SLERP λ=0.5 vs the better endpoint. Per prompt: mid {1, 2, 3, 4}, endpoint {0.6, 1.4, 2.6, 3.4}:
  // d = {0.4, 0.6, 0.4, 0.6}, mean 0.5, Σ dev² = 4 · 0.01, sd = √(0.04/3) = 0.1154701, paired se =
  // 0.0577350: 0.5 > 2 · 0.058, held. Unpaired: se_mid = 0.6454972, se_end = √(4.64/3)/2 = 0.6218253,
  // √(0.4166667 + 0.3866667) = 0.8962886: 0.5 < 2 · 0.896, inconclusive.
  Measurements m;
  m.slerp_lambda = curve("slerp", {valued(2, {0.6, 1.4, 2.6, 3.4}, 0), valued(2.5, {1, 2, 3, 4}, 0.5),
                                   valued(2, {0.5, 1.3, 2.5, 3.3}, 1)});
  const ObservationResult r = observation_slerp_reward(m);
  ASSERT_EQ(r.checks.size(), 1u);
  EXPECT_EQ(r.checks[0].verdict, Verdict::Held) << r.checks[0].measured;
  EXPECT_NE(r.checks[0].measured.find("+0.5 ± 0.058 (paired over 4 prompts; unpaired ± 0.9)"), std::string::npos)
      << r.checks[0].measured;
  // Without the per-prompt values the same means are inconclusive (the unpaired se decides).
  for (auto& p : m.slerp_lambda.points) p.values = {};
  const ObservationResult u = observation_slerp_reward(m);
  EXPECT_EQ(u.checks[0].verdict, Verdict::Inconclusive) << u.checks[0].measured;
  EXPECT_NE(u.checks[0].measured.find("unpaired: per-prompt values not stored"), std::string::npos)
      << u.checks[0].measured;
}

TEST(PairedStats, FrontsAtMatchedKl) {
  // Fronts at KL 0 and 2. B: {0, 1, 2, 3} (mean 1.5) and {2, 3, 4, 5} (3.5); A = B + {0.2, 0.4, 0.2, 0.4}
  // at KL 0 (mean 1.8), B + {0.2, 0.4, 0.4, 0.6} at KL 2 (mean 3.9). On the 21-point grid over [0, 2]
  // the interpolation weight t = k/20 averages 0.5, so d_i = 0.5 · (A0 − B0)_i + 0.5 · (A2 − B2)_i =
  // {0.2, 0.4, 0.3, 0.5}: mean 0.35 (= the gap of the means, 0.5 · 0.3 + 0.5 · 0.4), Σ dev² = 0.0225 +
  // 0.0025 + 0.0025 + 0.0225 = 0.05, sd = √(0.05/3) = 0.1290994, paired se = 0.0645497.
  const std::vector<MeasuredPoint> a = {valued(0, {0.2, 1.4, 2.2, 3.4}, 0), valued(2, {2.2, 3.4, 4.4, 5.6}, 1)};
  const std::vector<MeasuredPoint> b = {valued(0, {0, 1, 2, 3}, 0), valued(2, {2, 3, 4, 5}, 1)};
  const FrontComparison c = compare_fronts(a, b);
  ASSERT_TRUE(c.gap);
  EXPECT_NEAR(*c.gap, 0.35, 1e-12);
  EXPECT_TRUE(c.paired);
  EXPECT_EQ(c.n, 4);
  EXPECT_NEAR(c.se, 0.06454972243679028, 1e-9);
  EXPECT_GT(c.se_unpaired, 0.5);  // the front points' own standard errors are ~0.65
  EXPECT_EQ(c.verdict, Verdict::Held);
  // Unpaired alone could not decide it.
  EXPECT_EQ(decide(*c.gap, c.se_unpaired), Verdict::Inconclusive);
}

TEST(PairedStats, MismatchedPromptSetsAreRefused) {
  const MeasuredPoint a = valued(1, {1, 2, 3, 4});
  MeasuredPoint b = valued(1, {1, 2, 3, 4}, 0, 200);  // the same prompts with other seeds
  b.run = "rep-x-ema-2";
  b.label = "step 10";
  try {
    point_difference({{&a, 1.0}, {&b, -1.0}}, "reward");
    FAIL() << "accepted points evaluated with other per-prompt seeds";
  } catch (const BadInput& e) {
    const std::string w = e.what();
    EXPECT_NE(w.find("different prompts or per-prompt seeds"), std::string::npos) << w;
    EXPECT_NE(w.find("rep-x-ema-2 step 10"), std::string::npos) << w;
    EXPECT_NE(w.find("row 0: prompt 0 seed 100 vs prompt 0 seed 200"), std::string::npos) << w;
  }
  const MeasuredPoint c = valued(1, {1, 2, 3});  // fewer prompts
  try {
    compare_fronts({a}, {c});
    FAIL() << "accepted fronts evaluated on different prompt sets";
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("4 vs 3 prompts"), std::string::npos) << e.what();
  }
  // Values that do not cover the point's prompts.
  MeasuredPoint d = valued(1, {1, 2, 3, 4});
  d.point.prompts = 8;
  EXPECT_THROW(point_difference({{&a, 1.0}, {&d, -1.0}}, "reward"), BadInput);
}

TEST(Observations, WarmCheck) {
  Measurements m;
  const ObservationResult none = observation_warm(m);
  EXPECT_EQ(none.number, 7);
  EXPECT_EQ(none.verdict, Verdict::Inconclusive);
  ASSERT_EQ(none.checks.size(), 2u);
  EXPECT_NE(none.checks[0].measured.find("not measured"), std::string::npos);
  // Single RM: learned r {1, 2, 3, 4} + 1 above its gold at KL 1; WARM: gold 0.3 higher per prompt
  // (± 0.1) and r closer to gold. Both fronts: KL 0 (the SFT point, equal) and KL 1.
  m.warm_members = 2;
  const std::vector<double> g0 = {0, 1, 2, 3};
  m.warm_single = curve("warm-single", {valued(0, g0, 0, 100, g0), valued(1, {2, 3, 4, 5}, 1, 100, {1, 2, 3, 4})});
  m.warm_average =
      curve("warm-average", {valued(0, g0, 0, 100, g0), valued(1, {1.6, 2.8, 3.6, 4.8}, 1, 100, {1.2, 2.4, 3.2, 4.4})});
  const ObservationResult r = observation_warm(m);
  ASSERT_EQ(r.checks.size(), 2u);
  EXPECT_EQ(r.checks[0].verdict, Verdict::Held) << r.checks[0].measured;
  EXPECT_EQ(r.checks[1].verdict, Verdict::Held) << r.checks[1].measured;
  EXPECT_EQ(r.verdict, Verdict::Held);
  EXPECT_NE(r.checks[0].measured.find("paired over 4 prompts"), std::string::npos) << r.checks[0].measured;
  // Swapped: WARM hacks more — did not hold.
  std::swap(m.warm_single, m.warm_average);
  EXPECT_EQ(observation_warm(m).verdict, Verdict::DidNotHold);
}

TEST(PromptValuesJson, RoundTripAndRefusals) {
  const MeasuredPoint a = valued(1, {1, std::nan(""), 3});
  const PromptValues back = PromptValues::from_json(a.values.to_json(), "t");
  EXPECT_EQ(back.prompt_index, a.values.prompt_index);
  EXPECT_EQ(back.seed, a.values.seed);
  EXPECT_TRUE(std::isnan(back.reward[1]));
  EXPECT_EQ(back.reward[2], 3.0);
  nlohmann::json j = a.values.to_json();
  j["gold"].erase(0);
  EXPECT_THROW(PromptValues::from_json(j, "t"), BadInput);
  j = a.values.to_json();
  j.erase("seed");
  EXPECT_THROW(PromptValues::from_json(j, "t"), BadInput);
}
