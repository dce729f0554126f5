#pragma once
// The six Observations of the WARP paper (Ramé et al. 2024, §3; reference/warp-paper-notes.txt),
// checked on measured points: each one gets the numbers it rests on and a verdict.
//
// A check compares two measured quantities with standard errors (eval/eval_point.h: se = s/√n over
// the evaluation prompts). With d the measured difference (claim direction positive) and se its
// standard error:
//   held          d > 2·se
//   did not hold  d < −2·se
//   inconclusive  |d| ≤ 2·se (also: nothing to compare, e.g. fronts that share no KL range)
// An observation held when every one of its checks held, did not hold when any check did not hold,
// and is inconclusive otherwise. Observation 4 is an angle, not a noisy mean: held when the mean
// angle between the task vectors is within kOmegaToleranceDeg of 90°, did not hold otherwise.
//
// "Front A above front B" (compare_fronts): both point sets are reduced to their Pareto fronts
// (eval/pareto.h); over the KL range both cover, [max of the first KLs, min of the last KLs], on
// kFrontGridPoints evenly spaced KLs, d = mean_reward_gap(A, B). When that range is empty or a single
// KL (e.g. a run that never beat its step-0 point), the range becomes [max of the first KLs, max of
// the last KLs] with clamp_right (a front gives its best reward beyond its last KL: "the best B reached
// with any KL budget"). se = √(sA² + sB²) with sX the root mean square of the reward standard errors
// of X's front points in that range (and the two around it): a conservative figure, since
// evaluations share prompts and random numbers (their difference varies less than this says).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eval/eval_point.h"

namespace warp {

constexpr int kFrontGridPoints = 21;
constexpr double kOmegaToleranceDeg = 10.0;
constexpr double kVerdictSigmas = 2.0;

enum class Verdict { Held, DidNotHold, Inconclusive };
// "held" / "did not hold" / "inconclusive"
const char* to_string(Verdict v);
// Verdict of a difference d (positive = the claim) with standard error se, see above.
Verdict decide(double d, double se);
// All held → held; any did not hold → did not hold; else (or no checks) inconclusive.
Verdict combine(const std::vector<Verdict>& verdicts);

// One evaluated policy: a trajectory point of a run, or a merged / interpolated checkpoint.
struct MeasuredPoint {
  std::string label;       // "step 50", "λ=0.25", "η=0.3"
  double param = 0;        // the step, λ or η
  EvalPoint point;
  std::string run;         // trajectory points: the run
  std::string checkpoint;  // merged points: the file (relative to the experiment)
  std::string sha256;
  std::string lineage;     // how it was made, e.g. "slerp λ=0.5 of rep-smoke-ema-1, rep-smoke-ema-2 from sft.h5"
};

// A series of points: a run's trajectory (by step), a merge along λ, a LITI front (by η).
struct Curve {
  std::string id;      // file-name-like: "sft-b0.01", "ema-1", "slerp-lambda", "liti-m2", "warp-i1"
  std::string name;    // display name: "SFT anchor β=0.01"
  std::string kind;    // trajectory | slerp | lerp | liti | warp
  std::vector<MeasuredPoint> points;
};

// Everything the observations are computed from.
struct Measurements {
  std::vector<double> sft_betas;            // the SFT-anchor baselines' β, one per sft_anchor curve
  std::vector<Curve> sft_anchor;            // Figure 3(a,b): trajectories with the static SFT anchor
  Curve ema;                                // the EMA-anchored trajectory (the first EMA run)
  Curve slerp_lambda, lerp_lambda;          // Figure 3(c): param = λ (0 and 1 are the two runs)
  std::vector<double> omega_deg;            // per-tensor Ω (degrees; NaN: undefined) of that SLERP
  std::vector<double> omega_layer_deg;      // per-layer Ω of the same task vectors (merge/merger.h layer_angles)
  std::vector<Curve> ema_runs;              // trajectories of the EMA runs 1..N
  std::vector<int> liti_m;                  // M of each LITI front
  std::vector<Curve> liti_fronts;           // Figure 4(a,b): LITI of the SLERP of runs 1..M, param = η
  std::vector<Curve> warp_fronts;           // Figure 4(c): iteration i's LITI front
  std::vector<std::vector<Curve>> warp_workers;  // iteration i's worker trajectories
  std::vector<double> warp_omega_deg;       // iteration i's mean Ω
  bool reward_is_gold = false;              // r is the gold reward itself (no reward model)
};

struct Check {
  std::string claim;     // "EMA front above the SFT-anchor β=0.01 front"
  std::string measured;  // the numbers, e.g. "mean reward gap +0.12 ± 0.03 over KL [0, 1.4]"
  Verdict verdict = Verdict::Inconclusive;
};

struct ObservationResult {
  int number = 0;            // 1..6
  std::string title;         // "EMA anchor"
  std::string paper_claim;   // the Observation as the paper states it (short)
  std::string figure;        // where it is shown: "fig3b_reward_vs_kl"
  std::vector<Check> checks;
  Verdict verdict = Verdict::Inconclusive;  // combine(checks)
};

struct FrontComparison {
  std::optional<double> gap;  // mean reward gap A − B (nullopt: nothing to compare)
  double se = 0;
  double kl_lo = 0, kl_hi = 0;
  bool clamped = false;       // the fallback range with clamp_right was used
  Verdict verdict = Verdict::Inconclusive;
  std::string describe() const;  // "+0.120 ± 0.030 over KL [0, 1.4]" or "no common KL range"
};
FrontComparison compare_fronts(const std::vector<MeasuredPoint>& a, const std::vector<MeasuredPoint>& b);

// The observations, in order 1..6. A part that was not measured (e.g. a single WARP iteration)
// gives an inconclusive check saying so.
ObservationResult observation_ema(const Measurements& m);            // 1
ObservationResult observation_slerp_reward(const Measurements& m);   // 2
ObservationResult observation_lerp_vs_slerp(const Measurements& m);  // 3
ObservationResult observation_orthogonal(const Measurements& m);     // 4
ObservationResult observation_liti(const Measurements& m);           // 5
ObservationResult observation_iterative(const Measurements& m);      // 6
std::vector<ObservationResult> evaluate_observations(const Measurements& m);

// Gold vs learned reward (reward hacking) over a set of curves.
struct HackingSummary {
  bool reward_is_gold = false;
  int64_t points = 0;
  double correlation = 0;       // Pearson r(reward, gold) over the points (NaN for < 2 points or no spread)
  std::string best_reward_label;  // the point with the highest reward r
  double best_reward = 0, gold_at_best_reward = 0, gold_at_best_reward_se = 0;
  std::string best_gold_label;    // the point with the highest gold reward
  double best_gold = 0, best_gold_se = 0;
  // best_gold − gold_at_best_reward (≥ 0): gold lost by picking the point r prefers.
  double gold_lost = 0;
};
HackingSummary summarize_hacking(const std::vector<Curve>& curves, bool reward_is_gold);

// Mean, and the smallest / largest defined value, of per-tensor angles (NaN skipped; count 0: all NaN).
struct AngleStats {
  int64_t count = 0;
  double mean = 0, min = 0, max = 0;
  double within_tolerance = 0;  // fraction of the defined angles within kOmegaToleranceDeg of 90°
};
AngleStats angle_stats(const std::vector<double>& omega_deg);

}  // namespace warp
