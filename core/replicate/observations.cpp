#include "replicate/observations.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "eval/pareto.h"
#include "replicate/replicate_config.h"
#include "util/error.h"
#include "util/format.h"

namespace warp {

namespace {

// Report numbers: four significant digits (signed for differences), "n/a" for a value that could
// not be measured (NaN); standard errors with two.
std::string fmt(double v) { return std::isnan(v) ? "n/a" : format_significant(v, 4); }
std::string signed_fmt(double v) { return std::isnan(v) ? "n/a" : format_significant(v, 4, true); }
std::string se_fmt(double v) { return format_significant(v, 2); }

std::string mean_se(const MeanSe& m) { return fmt(m.mean) + " ± " + se_fmt(m.se); }

std::vector<ParetoPoint> to_pareto(const std::vector<MeasuredPoint>& pts, const std::string& value) {
  std::vector<ParetoPoint> out;
  out.reserve(pts.size());
  for (size_t i = 0; i < pts.size(); ++i)
    out.push_back(
        {pts[i].point.kl_sft.mean, point_value(pts[i].point, value).mean, static_cast<int64_t>(i), pts[i].label});
  return out;
}

// The interpolation weights of reward_at_kl (eval/pareto.h) on a front sorted by KL: (front index,
// weight) pairs whose weighted values give the front's value at kl; empty where it has none.
std::vector<std::pair<size_t, double>> front_weights(const std::vector<ParetoPoint>& front, double kl,
                                                     bool clamp_right) {
  if (front.empty() || std::isnan(kl) || kl < front.front().kl) return {};
  if (kl > front.back().kl) {
    if (!clamp_right) return {};
    return {{front.size() - 1, 1.0}};
  }
  size_t j = 0;
  while (front[j].kl < kl) ++j;  // first with kl >= the asked kl (exists: kl <= last.kl)
  if (front[j].kl == kl) return {{j, 1.0}};
  const double t = (kl - front[j - 1].kl) / (front[j].kl - front[j - 1].kl);
  return {{j - 1, 1.0 - t}, {j, t}};
}

// Root mean square of the value standard errors of the front points in [lo, hi] and the two around it.
double rms_se(const std::vector<ParetoPoint>& front, const std::vector<MeasuredPoint>& pts, double lo, double hi,
              const std::string& value) {
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
    const double se = point_value(pts[static_cast<size_t>(front[i].index)].point, value).se;
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

Check front_check(const std::string& claim, const std::vector<MeasuredPoint>& a, const std::vector<MeasuredPoint>& b,
                  const std::string& value = "reward") {
  const FrontComparison c = compare_fronts(a, b, value);
  const std::string what = value == "reward"              ? "reward"
                           : value == "gold"              ? "gold reward"
                           : value == "gold_minus_reward" ? "(gold − r)"
                                                          : value;
  return {claim, "mean " + what + " gap " + c.describe(), c.verdict};
}

std::string point_name(const MeasuredPoint& p) {
  if (!p.run.empty()) return p.run + " " + p.label;
  if (!p.checkpoint.empty()) return p.checkpoint;
  return p.label;
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

MeanSe point_value(const EvalPoint& p, const std::string& value) {
  if (value == "reward") return p.reward;
  if (value == "gold") return p.gold;
  if (value == "kl_sft") return p.kl_sft;
  if (value == "gold_minus_reward")
    return {p.gold.mean - p.reward.mean, std::sqrt(p.gold.se * p.gold.se + p.reward.se * p.reward.se)};
  throw BadInput("observations: unknown value '" + value + "'");
}

std::vector<double> prompt_value(const PromptValues& v, const std::string& value) {
  if (value == "gold_minus_reward") {
    std::vector<double> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) out[i] = v.gold[i] - v.reward[i];
    return out;
  }
  return v.column(value);
}

PairedStat paired_difference(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size() || a.empty())
    throw BadInput("paired difference: the two value lists have " + std::to_string(a.size()) + " and " +
                   std::to_string(b.size()) + " entries; they must be as many, and at least one");
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  const MeanSe m = mean_and_se(d);
  return {m.mean, m.se, static_cast<int64_t>(d.size())};
}

std::optional<PairedStat> paired_combination(const std::vector<PointTerm>& terms, const std::string& value) {
  if (terms.empty()) return std::nullopt;
  for (const auto& t : terms)
    if (!t.point || t.point->values.empty()) return std::nullopt;
  const MeasuredPoint& first = *terms.front().point;
  for (const auto& t : terms) {
    const MeasuredPoint& p = *t.point;
    if (p.point.prompts > 0 && static_cast<int64_t>(p.values.size()) != p.point.prompts)
      throw BadInput("paired comparison: point '" + point_name(p) + "' has per-prompt values for " +
                     std::to_string(p.values.size()) + " prompts but was evaluated on " +
                     std::to_string(p.point.prompts));
    if (p.values.prompt_index == first.values.prompt_index && p.values.seed == first.values.seed) continue;
    std::string why;
    if (p.values.size() != first.values.size()) {
      why = std::to_string(first.values.size()) + " vs " + std::to_string(p.values.size()) + " prompts";
    } else {
      for (size_t i = 0; i < p.values.size(); ++i)
        if (p.values.prompt_index[i] != first.values.prompt_index[i] || p.values.seed[i] != first.values.seed[i]) {
          why = "row " + std::to_string(i) + ": prompt " + std::to_string(first.values.prompt_index[i]) + " seed " +
                std::to_string(first.values.seed[i]) + " vs prompt " + std::to_string(p.values.prompt_index[i]) +
                " seed " + std::to_string(p.values.seed[i]);
          break;
        }
    }
    throw BadInput("paired comparison: points '" + point_name(first) + "' and '" + point_name(p) +
                   "' were evaluated on different prompts or per-prompt seeds (" + why +
                   "); evaluate them under the same protocol (prompts, eval seed, prompt count)");
  }
  std::vector<double> d(first.values.size(), 0.0);
  for (const auto& t : terms) {
    const std::vector<double> x = prompt_value(t.point->values, value);
    for (size_t i = 0; i < d.size(); ++i) d[i] += t.weight * x[i];
  }
  const MeanSe m = mean_and_se(d);
  return PairedStat{m.mean, m.se, static_cast<int64_t>(d.size())};
}

std::string Difference::describe() const {
  std::string s = signed_fmt(d) + " ± " + se_fmt(se);
  if (paired) s += " (paired over " + std::to_string(n) + " prompts; unpaired ± " + se_fmt(se_unpaired) + ")";
  else s += " (unpaired: per-prompt values not stored)";
  return s;
}

Difference point_difference(const std::vector<PointTerm>& terms, const std::string& value) {
  Difference out;
  double d = 0, var = 0;
  for (const auto& t : terms) {
    const MeanSe m = point_value(t.point->point, value);
    d += t.weight * m.mean;
    var += t.weight * t.weight * m.se * m.se;
  }
  out.d = d;
  out.se_unpaired = std::sqrt(var);
  out.se = out.se_unpaired;
  if (auto p = paired_combination(terms, value)) {
    out.paired = true;
    out.n = p->n;
    out.se = p->se;
  }
  out.verdict = decide(out.d, out.se);
  return out;
}

std::string FrontComparison::describe() const {
  if (!gap) return "n/a (no common KL range)";
  std::string s = signed_fmt(*gap) + " ± " + se_fmt(se);
  if (paired) s += " (paired over " + std::to_string(n) + " prompts; unpaired ± " + se_fmt(se_unpaired) + ")";
  else s += " (unpaired: per-prompt values not stored)";
  s += " over KL [" + fmt(kl_lo) + ", " + fmt(kl_hi) + "]";
  if (clamped) s += " (beyond a front's last point: its best value)";
  return s;
}

namespace {

// Points sorted by KL (NaN dropped) without reducing them to a front.
std::vector<ParetoPoint> kl_sorted(const std::vector<ParetoPoint>& pts) {
  std::vector<ParetoPoint> out;
  for (const auto& p : pts)
    if (!std::isnan(p.kl) && !std::isnan(p.reward)) out.push_back(p);
  std::stable_sort(out.begin(), out.end(), [](const ParetoPoint& x, const ParetoPoint& y) { return x.kl < y.kl; });
  return out;
}

// compare_fronts (pareto) and compare_at_kl (curves through the points in KL order, no clamping).
FrontComparison compare_impl(const std::vector<MeasuredPoint>& a, const std::vector<MeasuredPoint>& b,
                             const std::string& value, bool pareto) {
  FrontComparison out;
  const std::vector<ParetoPoint> fa = pareto ? pareto_front(to_pareto(a, value)) : kl_sorted(to_pareto(a, value));
  const std::vector<ParetoPoint> fb = pareto ? pareto_front(to_pareto(b, value)) : kl_sorted(to_pareto(b, value));
  if (fa.empty() || fb.empty()) return out;
  double lo = std::max(fa.front().kl, fb.front().kl);
  double hi = std::min(fa.back().kl, fb.back().kl);
  if (!(hi - lo > 1e-9 * std::max(1.0, std::fabs(hi)))) {
    if (!pareto) return out;  // curves: no common KL range, nothing to compare
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
  // The gap as a linear combination of point means: per KL where both have a value, (A's
  // interpolation weights) − (B's), averaged over those KLs.
  // (In first-use order, so the sums run in the same order on every run.)
  std::vector<std::pair<const MeasuredPoint*, double>> w;
  auto add = [&w](const MeasuredPoint* p, double t) {
    for (auto& e : w)
      if (e.first == p) {
        e.second += t;
        return;
      }
    w.emplace_back(p, t);
  };
  int64_t used = 0;
  for (double kl : kls) {
    const auto wa = front_weights(fa, kl, out.clamped), wb = front_weights(fb, kl, out.clamped);
    if (wa.empty() || wb.empty()) continue;
    ++used;
    for (const auto& [j, t] : wa) add(&a[static_cast<size_t>(fa[j].index)], t);
    for (const auto& [j, t] : wb) add(&b[static_cast<size_t>(fb[j].index)], -t);
  }
  if (used == 0) return out;
  std::vector<PointTerm> terms;
  double gap = 0;
  for (const auto& [p, t] : w) {
    terms.push_back({p, t / static_cast<double>(used)});
    gap += terms.back().weight * point_value(p->point, value).mean;
  }
  out.gap = gap;
  const double sa = rms_se(fa, a, lo, hi, value), sb = rms_se(fb, b, lo, hi, value);
  out.se_unpaired = std::sqrt(sa * sa + sb * sb);
  out.se = out.se_unpaired;
  if (auto p = paired_combination(terms, value)) {
    out.paired = true;
    out.n = p->n;
    out.se = p->se;
  }
  out.verdict = decide(*out.gap, out.se);
  return out;
}

}  // namespace

FrontComparison compare_fronts(const std::vector<MeasuredPoint>& a, const std::vector<MeasuredPoint>& b,
                               const std::string& value) {
  return compare_impl(a, b, value, true);
}

FrontComparison compare_at_kl(const std::vector<MeasuredPoint>& a, const std::vector<MeasuredPoint>& b,
                              const std::string& value) {
  return compare_impl(a, b, value, false);
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
    r.checks.push_back(front_check(ema_name + " front above the SFT-anchor β=" + beta + " front", m.ema.points,
                                   m.sft_anchor[i].points));
  }
  // β = 0: the KL blow-up.
  int zero = -1;
  for (size_t i = 0; i < m.sft_betas.size() && i < m.sft_anchor.size(); ++i)
    if (m.sft_betas[i] == 0.0 && !m.sft_anchor[i].points.empty()) zero = static_cast<int>(i);
  const std::string claim0 = "β=0 (no KL regularization): the largest final KL of all anchor runs";
  if (zero < 0) {
    r.checks.push_back(not_measured(claim0, "no β=0 run was measured"));
  } else {
    const MeasuredPoint* p0 = &m.sft_anchor[static_cast<size_t>(zero)].points.back();
    const MeasuredPoint* other = &m.ema.points.back();
    std::string other_name = ema_name;
    for (size_t i = 0; i < m.sft_anchor.size(); ++i) {
      if (static_cast<int>(i) == zero || m.sft_anchor[i].points.empty()) continue;
      const MeasuredPoint* q = &m.sft_anchor[i].points.back();
      if (q->point.kl_sft.mean > other->point.kl_sft.mean) {
        other = q;
        other_name = m.sft_anchor[i].name;
      }
    }
    const Difference d = point_difference({{p0, 1.0}, {other, -1.0}}, "kl_sft");
    r.checks.push_back({claim0,
                        "final KL " + mean_se(p0->point.kl_sft) + " vs " + mean_se(other->point.kl_sft) + " (" +
                            other_name + ", the largest of the others): difference " + d.describe(),
                        d.verdict});
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
  const Difference d = point_difference({{mid, 1.0}, {end, -1.0}}, "reward");
  std::string measured = "reward at λ=" + format_grid_value(mid->param) + " " + mean_se(mid->point.reward) + "; λ=0 " +
                         mean_se(p0->point.reward) + ", λ=1 " + mean_se(p1->point.reward) +
                         "; difference to the better endpoint " + d.describe();
  if (best != mid)
    measured += " (best interior: λ=" + format_grid_value(best->param) + " " + mean_se(best->point.reward) + ")";
  r.checks.push_back({claim, measured, d.verdict});
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
  // Mean over interior λ of (SLERP − LERP): the combination (1/n)·Σ_λ (x̄_slerp(λ) − x̄_lerp(λ)).
  std::vector<PointTerm> terms_k, terms_r;
  int n = 0;
  for (const auto& s : m.slerp_lambda.points) {
    if (s.param <= 0.0 || s.param >= 1.0) continue;
    const MeasuredPoint* l = find_param(m.lerp_lambda, s.param);
    if (!l) continue;
    terms_k.push_back({&s, 1.0});
    terms_k.push_back({l, -1.0});
    ++n;
  }
  const std::string ck = "LERP has a lower KL than SLERP (mean over interior λ of KL_slerp − KL_lerp > 0)";
  const std::string cr = "LERP has a smaller reward than SLERP (mean over interior λ of r_slerp − r_lerp > 0)";
  if (n == 0) {
    r.checks.push_back(not_measured(ck, "no interior λ measured with both SLERP and LERP"));
    r.checks.push_back(not_measured(cr, "no interior λ measured with both SLERP and LERP"));
    return finish(r);
  }
  for (auto& t : terms_k) t.weight /= n;
  terms_r = terms_k;
  const Difference dk = point_difference(terms_k, "kl_sft"), dr = point_difference(terms_r, "reward");
  const std::string over = " over " + std::to_string(n) + " interior λ";
  r.checks.push_back({ck, "KL difference " + dk.describe() + over, dk.verdict});
  r.checks.push_back({cr, "reward difference " + dr.describe() + over, dr.verdict});
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
  const std::string claim =
      "per-tensor angle Ω between the two EMA runs' task vectors: mean within " + tol + "° of 90°";
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
    const std::string lclaim =
        "per-layer angle Ω (one per transformer block, embeddings, final norm): mean within " + tol + "° of 90°";
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
    if (std::isnan(a)) r.checks.push_back(not_measured(c, "undefined"));
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
    r.checks.push_back(
        front_check("LITI front of the SLERP of M=" + std::to_string(M) + " EMA runs above those runs' RL trajectories",
                    m.liti_fronts[k].points, union_points(m.ema_runs, static_cast<size_t>(M))));
  }
  for (size_t i = 0; i < m.warp_fronts.size() && i < m.warp_workers.size(); ++i)
    r.checks.push_back(
        front_check("WARP iteration " + std::to_string(i + 1) + ": LITI front above its workers' RL trajectories",
                    m.warp_fronts[i].points, union_points(m.warp_workers[i], m.warp_workers[i].size())));
  if (r.checks.empty())
    r.checks.push_back(not_measured("LITI front above the RL trajectories", "no LITI front measured"));
  return finish(r);
}

ObservationResult observation_iterative(const Measurements& m) {
  ObservationResult r;
  r.number = 6;
  r.title = "Iterative WARP";
  r.paper_claim = "Applying WARP iteratively improves results: each iteration's front is above the previous one's.";
  r.figure = "fig4c_iterative";
  if (m.warp_fronts.size() < 2) {
    r.checks.push_back(
        not_measured("iteration i+1's front above iteration i's", "fewer than two WARP iterations were measured"));
    return finish(r);
  }
  for (size_t i = 0; i + 1 < m.warp_fronts.size(); ++i) {
    Check c =
        front_check("iteration " + std::to_string(i + 2) + "'s front above iteration " + std::to_string(i + 1) + "'s",
                    m.warp_fronts[i + 1].points, m.warp_fronts[i].points);
    double best_a = -std::numeric_limits<double>::infinity(), best_b = best_a;
    for (const auto& p : m.warp_fronts[i + 1].points) best_a = std::max(best_a, p.point.reward.mean);
    for (const auto& p : m.warp_fronts[i].points) best_b = std::max(best_b, p.point.reward.mean);
    c.measured += "; best reward " + fmt(best_a) + " vs " + fmt(best_b);
    r.checks.push_back(c);
  }
  return finish(r);
}

ObservationResult observation_warm(const Measurements& m) {
  ObservationResult r;
  r.number = 7;
  r.title = "WARM (weight-averaged reward models)";
  r.paper_claim =
      "Not in the WARP paper (it had no oracle): RL against the weight average of K reward models (WARM, Ramé et "
      "al. 2024) hacks less than RL against a single reward model: at the same KL, a higher gold reward and a "
      "smaller gap between the learned reward and the gold reward.";
  r.figure = "warm_single_vs_average";
  const std::string k = std::to_string(m.warm_members);
  const std::string cg =
      "at matched KL, RL against the WARM RM (K=" + k + ") has a higher gold reward than against a single RM";
  const std::string ch =
      "at matched KL, RL against the WARM RM has a higher gold − r (a smaller hacking gap) than against a single RM";
  if (m.warm_single.points.empty() || m.warm_average.points.empty()) {
    const std::string why = "not measured (no WARM runs)";
    r.checks.push_back(not_measured(cg, why));
    r.checks.push_back(not_measured(ch, why));
    return finish(r);
  }
  const FrontComparison g = compare_at_kl(m.warm_average.points, m.warm_single.points, "gold");
  const FrontComparison h = compare_at_kl(m.warm_average.points, m.warm_single.points, "gold_minus_reward");
  r.checks.push_back({cg, "mean gold gap " + g.describe(), g.verdict});
  r.checks.push_back({ch, "mean (gold − r) gap " + h.describe(), h.verdict});
  return finish(r);
}

std::vector<ObservationResult> evaluate_observations(const Measurements& m) {
  return {observation_ema(m),        observation_slerp_reward(m), observation_lerp_vs_slerp(m),
          observation_orthogonal(m), observation_liti(m),         observation_iterative(m)};
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
