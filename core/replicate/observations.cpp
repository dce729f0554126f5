#include "replicate/observations.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "eval/pareto.h"
#include "replicate/replicate_config.h"
#include "util/format.h"

namespace warp {

namespace {

// Report numbers: four significant digits (signed for differences), "n/a" for a value that could
// not be measured (NaN); standard errors with two.
std::string fmt(double v) { return std::isnan(v) ? "n/a" : format_significant(v, 4); }
std::string signed_fmt(double v) { return std::isnan(v) ? "n/a" : format_significant(v, 4, true); }
std::string se_fmt(double v) { return format_significant(v, 2); }

std::string mean_se(const MeanSe& m) { return fmt(m.mean) + " ± " + se_fmt(m.se); }

std::vector<ParetoPoint> to_pareto(const std::vector<MeasuredPoint>& pts) {
  std::vector<ParetoPoint> out;
  out.reserve(pts.size());
  for (size_t i = 0; i < pts.size(); ++i)
    out.push_back({pts[i].point.kl_sft.mean, pts[i].point.reward.mean, static_cast<int64_t>(i), pts[i].label});
  return out;
}

// Root mean square of the reward standard errors of the front points in [lo, hi] and the two around it.
double rms_se(const std::vector<ParetoPoint>& front, const std::vector<MeasuredPoint>& pts, double lo, double hi) {
  std::vector<size_t> use;
  for (size_t i = 0; i < front.size(); ++i) {
    const double kl = front[i].kl;
    const bool inside = kl >= lo && kl <= hi;
    const bool left_neighbour = kl < lo && (i + 1 < front.size() && front[i + 1].kl >= lo);
    const bool right_neighbour = kl > hi && (i > 0 && front[i - 1].kl <= hi);
    if (inside || left_neighbour || right_neighbour) use.push_back(i);
  }
  if (use.empty())
    for (size_t i = 0; i < front.size(); ++i) use.push_back(i);
  double s = 0;
  for (size_t i : use) {
    const double se = pts[static_cast<size_t>(front[i].index)].point.reward.se;
    s += se * se;
  }
  return use.empty() ? 0.0 : std::sqrt(s / static_cast<double>(use.size()));
}

const MeasuredPoint* find_param(const Curve& c, double param) {
  for (const auto& p : c.points)
    if (std::fabs(p.param - param) < 1e-9) return &p;
  return nullptr;
}

std::vector<MeasuredPoint> union_points(const std::vector<Curve>& curves, size_t count) {
  std::vector<MeasuredPoint> out;
  for (size_t i = 0; i < std::min(count, curves.size()); ++i)
    out.insert(out.end(), curves[i].points.begin(), curves[i].points.end());
  return out;
}

Check not_measured(const std::string& claim, const std::string& why) { return {claim, why, Verdict::Inconclusive}; }

Check front_check(const std::string& claim, const std::vector<MeasuredPoint>& a, const std::vector<MeasuredPoint>& b) {
  const FrontComparison c = compare_fronts(a, b);
  return {claim, "mean reward gap " + c.describe(), c.verdict};
}

ObservationResult finish(ObservationResult r) {
  std::vector<Verdict> v;
  for (const auto& c : r.checks) v.push_back(c.verdict);
  r.verdict = combine(v);
  return r;
}

}  // namespace

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::Held:
      return "held";
    case Verdict::DidNotHold:
      return "did not hold";
    case Verdict::Inconclusive:
      return "inconclusive";
  }
  return "inconclusive";
}

Verdict decide(double d, double se) {
  if (!std::isfinite(d) || std::isnan(se)) return Verdict::Inconclusive;
  const double margin = kVerdictSigmas * std::fabs(se);
  if (d > margin) return Verdict::Held;
  if (d < -margin) return Verdict::DidNotHold;
  return Verdict::Inconclusive;
}

Verdict combine(const std::vector<Verdict>& verdicts) {
  if (verdicts.empty()) return Verdict::Inconclusive;
  bool all_held = true;
  for (Verdict v : verdicts) {
    if (v == Verdict::DidNotHold) return Verdict::DidNotHold;
    if (v != Verdict::Held) all_held = false;
  }
  return all_held ? Verdict::Held : Verdict::Inconclusive;
}

std::string FrontComparison::describe() const {
  if (!gap) return "n/a (the fronts share no KL range)";
  std::string s = signed_fmt(*gap) + " ± " + se_fmt(se) + " over KL [" + fmt(kl_lo) + ", " + fmt(kl_hi) + "]";
  if (clamped) s += " (beyond a front's last point: its best reward)";
  return s;
}

FrontComparison compare_fronts(const std::vector<MeasuredPoint>& a, const std::vector<MeasuredPoint>& b) {
  FrontComparison out;
  const std::vector<ParetoPoint> fa = pareto_front(to_pareto(a));
  const std::vector<ParetoPoint> fb = pareto_front(to_pareto(b));
  if (fa.empty() || fb.empty()) return out;
  double lo = std::max(fa.front().kl, fb.front().kl);
  double hi = std::min(fa.back().kl, fb.back().kl);
  if (!(hi - lo > 1e-9 * std::max(1.0, std::fabs(hi)))) {
    hi = std::max(fa.back().kl, fb.back().kl);
    out.clamped = true;
    if (hi < lo) hi = lo;
  }
  std::vector<double> kls;
  if (hi == lo) {
    kls.push_back(lo);
  } else {
    for (int k = 0; k < kFrontGridPoints; ++k)
      kls.push_back(lo + (hi - lo) * static_cast<double>(k) / static_cast<double>(kFrontGridPoints - 1));
  }
  out.kl_lo = lo;
  out.kl_hi = hi;
  out.gap = mean_reward_gap(fa, fb, kls, out.clamped);
  if (!out.gap) return out;
  const double sa = rms_se(fa, a, lo, hi), sb = rms_se(fb, b, lo, hi);
  out.se = std::sqrt(sa * sa + sb * sb);
  out.verdict = decide(*out.gap, out.se);
  return out;
}

ObservationResult observation_ema(const Measurements& m) {
  ObservationResult r;
  r.number = 1;
  r.title = "EMA anchor";
  r.paper_claim =
      "An EMA anchor anneals the KL regularization automatically: its KL-reward front is above those of the "
      "static SFT anchor (any β), and without regularization (β = 0) the KL explodes.";
  r.figure = "fig3b_reward_vs_kl";
  if (m.ema.points.empty()) {
    r.checks.push_back(not_measured("EMA front above the SFT-anchor fronts", "no EMA trajectory was measured"));
    return finish(r);
  }
  const std::string ema_name = m.ema.name.empty() ? "EMA anchor" : m.ema.name;
  for (size_t i = 0; i < m.sft_anchor.size(); ++i) {
    const std::string beta = i < m.sft_betas.size() ? format_grid_value(m.sft_betas[i]) : "?";
    r.checks.push_back(
        front_check(ema_name + " front above the SFT-anchor β=" + beta + " front", m.ema.points, m.sft_anchor[i].points));
  }
  // β = 0: the KL blow-up.
  int zero = -1;
  for (size_t i = 0; i < m.sft_betas.size() && i < m.sft_anchor.size(); ++i)
    if (m.sft_betas[i] == 0.0 && !m.sft_anchor[i].points.empty()) zero = static_cast<int>(i);
  const std::string claim0 = "β=0 (no KL regularization): the largest final KL of all anchor runs";
  if (zero < 0) {
    r.checks.push_back(not_measured(claim0, "no β=0 run was measured"));
  } else {
    const EvalPoint& p0 = m.sft_anchor[static_cast<size_t>(zero)].points.back().point;
    const EvalPoint* other = &m.ema.points.back().point;
    std::string other_name = ema_name;
    for (size_t i = 0; i < m.sft_anchor.size(); ++i) {
      if (static_cast<int>(i) == zero || m.sft_anchor[i].points.empty()) continue;
      const EvalPoint& q = m.sft_anchor[i].points.back().point;
      if (q.kl_sft.mean > other->kl_sft.mean) {
        other = &q;
        other_name = m.sft_anchor[i].name;
      }
    }
    const double d = p0.kl_sft.mean - other->kl_sft.mean;
    const double se = std::sqrt(p0.kl_sft.se * p0.kl_sft.se + other->kl_sft.se * other->kl_sft.se);
    r.checks.push_back({claim0,
                        "final KL " + mean_se(p0.kl_sft) + " vs " + mean_se(other->kl_sft) + " (" + other_name +
                            ", the largest of the others): difference " + signed_fmt(d) + " ± " + se_fmt(se),
                        decide(d, se)});
  }
  return finish(r);
}

ObservationResult observation_slerp_reward(const Measurements& m) {
  ObservationResult r;
  r.number = 2;
  r.title = "SLERP reward";
  r.paper_claim =
      "SLERP of the task vectors of independently rewarded policies reaches a higher reward than the merged "
      "policies themselves (the reward is concave-up along λ: interior λ beats both endpoints).";
  r.figure = "fig3c_slerp_vs_lerp";
  const std::string claim = "SLERP at the middle λ has a higher reward than both endpoints (λ=0, λ=1)";
  const MeasuredPoint* p0 = find_param(m.slerp_lambda, 0.0);
  const MeasuredPoint* p1 = find_param(m.slerp_lambda, 1.0);
  const MeasuredPoint* mid = nullptr;
  const MeasuredPoint* best = nullptr;
  for (const auto& p : m.slerp_lambda.points) {
    if (p.param <= 0.0 || p.param >= 1.0) continue;
    if (!mid || std::fabs(p.param - 0.5) < std::fabs(mid->param - 0.5)) mid = &p;
    if (!best || p.point.reward.mean > best->point.reward.mean) best = &p;
  }
  if (!p0 || !p1 || !mid) {
    r.checks.push_back(not_measured(claim, "the SLERP curve lacks λ=0, λ=1 or an interior λ"));
    return finish(r);
  }
  const MeasuredPoint* end = p0->point.reward.mean >= p1->point.reward.mean ? p0 : p1;
  const double d = mid->point.reward.mean - end->point.reward.mean;
  const double se = std::sqrt(mid->point.reward.se * mid->point.reward.se + end->point.reward.se * end->point.reward.se);
  std::string measured = "reward at λ=" + format_grid_value(mid->param) + " " + mean_se(mid->point.reward) +
                         "; λ=0 " + mean_se(p0->point.reward) + ", λ=1 " + mean_se(p1->point.reward) +
                         "; difference to the better endpoint " + signed_fmt(d) + " ± " + se_fmt(se);
  if (best != mid)
    measured += " (best interior: λ=" + format_grid_value(best->param) + " " + mean_se(best->point.reward) + ")";
  r.checks.push_back({claim, measured, decide(d, se)});
  return finish(r);
}

ObservationResult observation_lerp_vs_slerp(const Measurements& m) {
  ObservationResult r;
  r.number = 3;
  r.title = "LERP vs SLERP";
  r.paper_claim =
      "LERP has less impact on reward than SLERP but reduces the KL (it pulls the merge towards the init, "
      "the more so as the task vectors are orthogonal).";
  r.figure = "fig3c_slerp_vs_lerp";
  double dk = 0, dr = 0, sk = 0, sr = 0;
  int n = 0;
  for (const auto& s : m.slerp_lambda.points) {
    if (s.param <= 0.0 || s.param >= 1.0) continue;
    const MeasuredPoint* l = find_param(m.lerp_lambda, s.param);
    if (!l) continue;
    dk += s.point.kl_sft.mean - l->point.kl_sft.mean;
    dr += s.point.reward.mean - l->point.reward.mean;
    sk += s.point.kl_sft.se * s.point.kl_sft.se + l->point.kl_sft.se * l->point.kl_sft.se;
    sr += s.point.reward.se * s.point.reward.se + l->point.reward.se * l->point.reward.se;
    ++n;
  }
  const std::string ck = "LERP has a lower KL than SLERP (mean over interior λ of KL_slerp − KL_lerp > 0)";
  const std::string cr = "LERP has a smaller reward than SLERP (mean over interior λ of r_slerp − r_lerp > 0)";
  if (n == 0) {
    r.checks.push_back(not_measured(ck, "no interior λ measured with both SLERP and LERP"));
    r.checks.push_back(not_measured(cr, "no interior λ measured with both SLERP and LERP"));
    return finish(r);
  }
  dk /= n;
  dr /= n;
  sk = std::sqrt(sk / n);
  sr = std::sqrt(sr / n);
  const std::string over = " over " + std::to_string(n) + " interior λ";
  r.checks.push_back({ck, "KL difference " + signed_fmt(dk) + " ± " + se_fmt(sk) + over, decide(dk, sk)});
  r.checks.push_back({cr, "reward difference " + signed_fmt(dr) + " ± " + se_fmt(sr) + over, decide(dr, sr)});
  return finish(r);
}

AngleStats angle_stats(const std::vector<double>& omega_deg) {
  AngleStats s;
  double sum = 0;
  int64_t within = 0;
  s.min = std::numeric_limits<double>::infinity();
  s.max = -std::numeric_limits<double>::infinity();
  for (double a : omega_deg) {
    if (std::isnan(a)) continue;
    ++s.count;
    sum += a;
    s.min = std::min(s.min, a);
    s.max = std::max(s.max, a);
    if (std::fabs(a - 90.0) <= kOmegaToleranceDeg) ++within;
  }
  if (s.count == 0) {
    s.min = s.max = s.mean = std::nan("");
    return s;
  }
  s.mean = sum / static_cast<double>(s.count);
  s.within_tolerance = static_cast<double>(within) / static_cast<double>(s.count);
  return s;
}

ObservationResult observation_orthogonal(const Measurements& m) {
  ObservationResult r;
  r.number = 4;
  r.title = "Orthogonal task vectors";
  r.paper_claim =
      "The task vectors of independently fine-tuned policies are nearly orthogonal (Ω ≈ 90° per tensor), "
      "which is why LERP shrinks them and SLERP keeps their norm.";
  r.figure = "fig3c_slerp_vs_lerp";
  const std::string tol = format_grid_value(kOmegaToleranceDeg);
  const AngleStats s = angle_stats(m.omega_deg);
  const std::string claim = "per-tensor angle Ω between the two EMA runs' task vectors: mean within " + tol + "° of 90°";
  if (s.count == 0) {
    r.checks.push_back(not_measured(claim, "no angle is defined (a task vector is zero)"));
  } else {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.0f%%", 100.0 * s.within_tolerance);
    r.checks.push_back({claim,
                        "mean Ω " + fmt(s.mean) + "° over " + std::to_string(s.count) + " tensors (min " + fmt(s.min) +
                            "°, max " + fmt(s.max) + "°; " + buf + " within " + tol + "° of 90°)",
                        std::fabs(s.mean - 90.0) <= kOmegaToleranceDeg ? Verdict::Held : Verdict::DidNotHold});
  }
  // The same per layer (one angle per transformer block over its tensors' concatenated task vectors,
  // the granularity the paper's SLERP uses), when measured.
  const AngleStats l = angle_stats(m.omega_layer_deg);
  if (!m.omega_layer_deg.empty()) {
    const std::string lclaim = "per-layer angle Ω (one per transformer block, embeddings, final norm): mean within " +
                               tol + "° of 90°";
    if (l.count == 0) {
      r.checks.push_back(not_measured(lclaim, "no angle is defined (a task vector is zero)"));
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.0f%%", 100.0 * l.within_tolerance);
      r.checks.push_back({lclaim,
                          "mean Ω " + fmt(l.mean) + "° over " + std::to_string(l.count) + " layers (min " + fmt(l.min) +
                              "°, max " + fmt(l.max) + "°; " + buf + " within " + tol + "° of 90°)",
                          std::fabs(l.mean - 90.0) <= kOmegaToleranceDeg ? Verdict::Held : Verdict::DidNotHold});
    }
  }
  for (size_t i = 0; i < m.warp_omega_deg.size(); ++i) {
    const double a = m.warp_omega_deg[i];
    const std::string c = "WARP iteration " + std::to_string(i + 1) + ": mean Ω within " + tol + "° of 90°";
    if (std::isnan(a))
      r.checks.push_back(not_measured(c, "undefined"));
    else
      r.checks.push_back({c, "mean Ω " + fmt(a) + "°",
                          std::fabs(a - 90.0) <= kOmegaToleranceDeg ? Verdict::Held : Verdict::DidNotHold});
  }
  return finish(r);
}

ObservationResult observation_liti(const Measurements& m) {
  ObservationResult r;
  r.number = 5;
  r.title = "LITI";
  r.paper_claim =
      "Interpolating the merged weights towards the initialization (LITI, sliding η) reveals a better Pareto "
      "front than the one revealed during RL fine-tuning.";
  r.figure = "fig4a_liti_vs_rl";
  for (size_t k = 0; k < m.liti_fronts.size(); ++k) {
    const int M = k < m.liti_m.size() ? m.liti_m[k] : static_cast<int>(k) + 2;
    r.checks.push_back(front_check("LITI front of the SLERP of M=" + std::to_string(M) +
                                       " EMA runs above those runs' RL trajectories",
                                   m.liti_fronts[k].points, union_points(m.ema_runs, static_cast<size_t>(M))));
  }
  for (size_t i = 0; i < m.warp_fronts.size() && i < m.warp_workers.size(); ++i)
    r.checks.push_back(front_check("WARP iteration " + std::to_string(i + 1) +
                                       ": LITI front above its workers' RL trajectories",
                                   m.warp_fronts[i].points, union_points(m.warp_workers[i], m.warp_workers[i].size())));
  if (r.checks.empty()) r.checks.push_back(not_measured("LITI front above the RL trajectories", "no LITI front measured"));
  return finish(r);
}

ObservationResult observation_iterative(const Measurements& m) {
  ObservationResult r;
  r.number = 6;
  r.title = "Iterative WARP";
  r.paper_claim = "Applying WARP iteratively improves results: each iteration's front is above the previous one's.";
  r.figure = "fig4c_iterative";
  if (m.warp_fronts.size() < 2) {
    r.checks.push_back(not_measured("iteration i+1's front above iteration i's",
                                    "fewer than two WARP iterations were measured"));
    return finish(r);
  }
  for (size_t i = 0; i + 1 < m.warp_fronts.size(); ++i) {
    Check c = front_check("iteration " + std::to_string(i + 2) + "'s front above iteration " + std::to_string(i + 1) + "'s",
                          m.warp_fronts[i + 1].points, m.warp_fronts[i].points);
    double best_a = -std::numeric_limits<double>::infinity(), best_b = best_a;
    for (const auto& p : m.warp_fronts[i + 1].points) best_a = std::max(best_a, p.point.reward.mean);
    for (const auto& p : m.warp_fronts[i].points) best_b = std::max(best_b, p.point.reward.mean);
    c.measured += "; best reward " + fmt(best_a) + " vs " + fmt(best_b);
    r.checks.push_back(c);
  }
  return finish(r);
}

std::vector<ObservationResult> evaluate_observations(const Measurements& m) {
  return {observation_ema(m),         observation_slerp_reward(m), observation_lerp_vs_slerp(m),
          observation_orthogonal(m),  observation_liti(m),         observation_iterative(m)};
}

HackingSummary summarize_hacking(const std::vector<Curve>& curves, bool reward_is_gold) {
  HackingSummary h;
  h.reward_is_gold = reward_is_gold;
  double sr = 0, sg = 0, srr = 0, sgg = 0, srg = 0;
  const MeasuredPoint* best_r = nullptr;
  const MeasuredPoint* best_g = nullptr;
  std::string best_r_curve, best_g_curve;
  for (const auto& c : curves)
    for (const auto& p : c.points) {
      const double x = p.point.reward.mean, y = p.point.gold.mean;
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      ++h.points;
      sr += x;
      sg += y;
      srr += x * x;
      sgg += y * y;
      srg += x * y;
      if (!best_r || x > best_r->point.reward.mean) {
        best_r = &p;
        best_r_curve = c.name;
      }
      if (!best_g || y > best_g->point.gold.mean) {
        best_g = &p;
        best_g_curve = c.name;
      }
    }
  h.correlation = std::nan("");
  if (h.points >= 2) {
    const double n = static_cast<double>(h.points);
    const double cov = srg / n - (sr / n) * (sg / n);
    const double vr = srr / n - (sr / n) * (sr / n), vg = sgg / n - (sg / n) * (sg / n);
    if (vr > 0 && vg > 0) h.correlation = cov / std::sqrt(vr * vg);
  }
  if (best_r) {
    h.best_reward_label = best_r_curve + ", " + best_r->label;
    h.best_reward = best_r->point.reward.mean;
    h.gold_at_best_reward = best_r->point.gold.mean;
    h.gold_at_best_reward_se = best_r->point.gold.se;
    h.best_gold_label = best_g_curve + ", " + best_g->label;
    h.best_gold = best_g->point.gold.mean;
    h.best_gold_se = best_g->point.gold.se;
    h.gold_lost = h.best_gold - h.gold_at_best_reward;
  }
  return h;
}

}  // namespace warp
