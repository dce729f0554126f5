// warp replicate without training: the verdict rules, front comparisons and the six observations on
// hand-made points (numbers worked out by hand in the comments), the gold-vs-reward summary, the
// report's text and CSV, and the scales' validation.
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
  m.sft_anchor = {curve("sft-b0", {pt(0, 0), pt(4, 1), pt(8, 1.5)}), line("sft-b0.01", 0.5), line("sft-b0.1", 0.25, 0.01, 1)};
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
  EXPECT_NE(c.describe().find("+0.5 ± 0.014 over KL [0, 2]"), std::string::npos) << c.describe();
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
    EXPECT_EQ(obs[i].verdict, Verdict::Held) << "observation " << obs[i].number << ": " << obs[i].checks.front().measured;
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
  EXPECT_NE(obs[3].checks[0].measured.find("mean Ω 90° over 3 tensors"), std::string::npos) << obs[3].checks[0].measured;
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
       {"# WARP replication report", "## Summary", "## Setup", "### Runs", "## Figures", "## Observations",
        "## Gold vs learned reward (reward hacking)", "## Points", "## Notes", "## How verdicts are decided",
        "| RL steps T per run | 8 |", "`rep-smoke-ema-1`", "1.2 min", "Figure data: [figures/fig3b_reward_vs_kl.json]",
        "> Figures not rendered: warp-plot is not there", "### Observation 1: EMA anchor — **did not hold**",
        "This observation **did not hold** on this setup.", "### Observation 2: SLERP reward — **held**",
        "| 1 | EMA anchor | **did not hold** | ema front above the SFT-anchor β=0 front: mean reward gap -0.15 ± 0.014",
        "+0.5 ± 0.071", "Gold lost by picking the highest-r point | 0.5 |",
        "[points.csv](points.csv)", "Run `x` diverged."})
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
  EXPECT_NE(csv.find("liti-m2,\"LITI, M=2\",liti,η=0.3,0.29999999999999999,,checkpoints/x.h5,,,16,1.25,0.10000000000000001,"),
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
  EXPECT_EQ(format_grid_value(0.5), "0.5");
  EXPECT_EQ(format_grid_value(0.01), "0.01");
  EXPECT_EQ(format_grid_value(1.0), "1");
  EXPECT_EQ(format_grid_value(0.0), "0");
}
