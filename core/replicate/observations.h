#pragma once
// The six Observations of the WARP paper (Ramé et al. 2024, §3; reference/warp-paper-notes.txt),
// checked on measured points: each one gets the numbers it rests on and a verdict.
//
// A check compares two measured quantities. With d the measured difference (claim direction positive)
// and se its standard error:
//   held          d > 2·se
//   did not hold  d < −2·se
//   inconclusive  |d| ≤ 2·se (also: nothing to compare, e.g. fronts that share no KL range)
// An observation held when every one of its checks held, did not hold when any check did not hold,
// and is inconclusive otherwise. Observation 4 is an angle, not a noisy mean: held when the mean
// angle between the task vectors is within kOmegaToleranceDeg of 90°, did not hold otherwise.
//
// Paired statistics (the verdicts' se). Every point is evaluated on the same n prompts with the same
// per-prompt seeds (eval/evaluate.h), and its per-prompt values are stored (MeasuredPoint::values).
// A difference d is a fixed linear combination Σ_k w_k·x̄_k of point means (x̄_k the mean over prompts
// of point k's value x); its per-prompt counterpart is d_i = Σ_k w_k·x_{k,i}, whose mean over the
// prompts is d exactly, and the paired standard error is se = sd(d_1..d_n) / √n (sd with n − 1).
// Two points: d_i = x_{A,i} − x_{B,i}. Pairing needs every point's prompt indices and seeds to be the
// same list: otherwise BadInput (naming both points). A point without stored values (a database
// from before schema v5) makes the check fall back to the unpaired se, saying so.
// Beside it the unpaired figure is kept: √(Σ_k w_k²·se_k²) for point differences (the points taken
// as independent), and for fronts the root-mean-square figure below.
//
// "Front A above front B" (compare_fronts): both point sets are reduced to their Pareto fronts in the
// (KL, value) plane (eval/pareto.h; value: the reward r unless said otherwise); over the KL range
// both cover, [max of the first KLs, min of the last KLs], on kFrontGridPoints evenly spaced KLs κ_g,
// d = mean_g (v_A(κ_g) − v_B(κ_g)) with v_X(κ) the linear interpolation of X's front between its two
// neighbouring front points (j, j+1) at κ: v_X(κ) = (1 − t)·x̄_j + t·x̄_{j+1}, t = (κ − KL_j) / (KL_{j+1}
// − KL_j), KL the points' mean KLs. Matched KL: the weights t come from the mean KLs and are held
// fixed; the same weights applied to the per-prompt values give d_i (so the paired se treats the KL
// positions of the front points as known, and measures the noise of the values at them). When that
// range is empty or a single KL (e.g. a run that never beat its step-0 point), the range becomes
// [max of the first KLs, max of the last KLs] with clamp_right (a front gives its best value beyond its
// last KL: "the best B reached with any KL budget"). Unpaired figure: √(sA² + sB²) with sX the root
// mean square of the standard errors of X's front points in that range (and the two around it).

#include <cstdint>
#include <limits>
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
  std::string label;  // "step 50", "λ=0.25", "η=0.3"
  double param = 0;   // the step, λ or η
  EvalPoint point;
  std::string run;         // trajectory points: the run
  std::string checkpoint;  // merged points: the file (relative to the experiment)
  std::string sha256;
  std::string lineage;  // how it was made, e.g. "slerp λ=0.5 of rep-smoke-ema-1, rep-smoke-ema-2 from sft.h5"
  PromptValues values;  // per prompt (empty: not stored, e.g. a point cached before schema v5)
};

// A value of a point that checks compare: "reward", "gold", "kl_sft", or "gold_minus_reward" (g − r,
// the negated hacking gap: higher is better).
MeanSe point_value(const EvalPoint& p, const std::string& value);  // gold_minus_reward: se √(se_g² + se_r²)
std::vector<double> prompt_value(const PromptValues& v, const std::string& value);

// Paired statistic of d_i = a_i − b_i: mean and sd(d)/√n (n − 1 in the sd; se 0 for n = 1).
// BadInput when the sizes differ or are 0.
struct PairedStat {
  double mean = 0;
  double se = 0;
  int64_t n = 0;
};
PairedStat paired_difference(const std::vector<double>& a, const std::vector<double>& b);

// One term w·x̄ of a linear combination of point means.
struct PointTerm {
  const MeasuredPoint* point = nullptr;
  double weight = 0;
};
// The paired statistic of Σ w_k·x_k per prompt (see the top of this file). nullopt when a point has no
// stored values; BadInput when two points' prompt indices or seeds differ (naming them and the first
// difference) or a point's values have another length than its prompt count.
std::optional<PairedStat> paired_combination(const std::vector<PointTerm>& terms, const std::string& value);

// A measured difference with both standard errors, decided on the paired one when there is one.
struct Difference {
  double d = std::numeric_limits<double>::quiet_NaN();
  double se = 0;           // the one the verdict uses: paired when `paired`, else the unpaired one
  double se_unpaired = 0;  // the unpaired figure, always
  bool paired = false;
  int64_t n = 0;  // prompts paired over
  Verdict verdict = Verdict::Inconclusive;
  // "+0.12 ± 0.03 (paired over 32 prompts; unpaired ± 0.05)" or "... (unpaired: per-prompt values not stored)"
  std::string describe() const;
};
// d = Σ w_k·x̄_k with its paired se (when all values are stored) and the unpaired √(Σ w_k²·se_k²).
Difference point_difference(const std::vector<PointTerm>& terms, const std::string& value);

// A series of points: a run's trajectory (by step), a merge along λ, a LITI front (by η).
struct Curve {
  std::string id;    // file-name-like: "sft-b0.01", "ema-1", "slerp-lambda", "liti-m2", "warp-i1"
  std::string name;  // display name: "SFT anchor β=0.01"
  std::string kind;  // trajectory | slerp | lerp | liti | warp
  std::vector<MeasuredPoint> points;
};

// Everything the observations are computed from.
struct Measurements {
  std::vector<double> sft_betas;                 // the SFT-anchor baselines' β, one per sft_anchor curve
  std::vector<Curve> sft_anchor;                 // Figure 3(a,b): trajectories with the static SFT anchor
  Curve ema;                                     // the EMA-anchored trajectory (the first EMA run)
  Curve slerp_lambda, lerp_lambda;               // Figure 3(c): param = λ (0 and 1 are the two runs)
  std::vector<double> omega_deg;                 // per-tensor Ω (degrees; NaN: undefined) of that SLERP
  std::vector<double> omega_layer_deg;           // per-layer Ω of the same task vectors (merge/merger.h layer_angles)
  std::vector<Curve> ema_runs;                   // trajectories of the EMA runs 1..N
  std::vector<int> liti_m;                       // M of each LITI front
  std::vector<Curve> liti_fronts;                // Figure 4(a,b): LITI of the SLERP of runs 1..M, param = η
  std::vector<Curve> warp_fronts;                // Figure 4(c): iteration i's LITI front
  std::vector<std::vector<Curve>> warp_workers;  // iteration i's worker trajectories
  std::vector<double> warp_omega_deg;            // iteration i's mean Ω
  bool reward_is_gold = false;                   // r is the gold reward itself (no reward model)
  // The WARM check (weight-averaged reward models, Ramé et al. 2024): EMA-anchored RL against one
  // reward model and against the uniform weight average of K (that one and K − 1 more trained alike).
  Curve warm_single, warm_average;  // trajectories; empty: not measured
  int64_t warm_members = 0;         // K
};

struct Check {
  std::string claim;     // "EMA front above the SFT-anchor β=0.01 front"
  std::string measured;  // the numbers, e.g. "mean reward gap +0.12 ± 0.03 (paired ...) over KL [0, 1.4]"
  Verdict verdict = Verdict::Inconclusive;
};

struct ObservationResult {
  int number = 0;           // 1..6
  std::string title;        // "EMA anchor"
  std::string paper_claim;  // the Observation as the paper states it (short)
  std::string figure;       // where it is shown: "fig3b_reward_vs_kl"
  std::vector<Check> checks;
  Verdict verdict = Verdict::Inconclusive;  // combine(checks)
};

struct FrontComparison {
  std::optional<double> gap;  // mean value gap A − B (nullopt: nothing to compare)
  double se = 0;              // the verdict's: paired when `paired`, else se_unpaired
  double se_unpaired = 0;     // the root-mean-square figure (see the top of this file)
  bool paired = false;
  int64_t n = 0;  // prompts paired over
  double kl_lo = 0, kl_hi = 0;
  bool clamped = false;  // the fallback range with clamp_right was used
  Verdict verdict = Verdict::Inconclusive;
  // "+0.120 ± 0.030 (paired over 32 prompts; unpaired ± 0.05) over KL [0, 1.4]" or "no common KL range"
  std::string describe() const;
};
// value: see point_value ("reward" by default).
FrontComparison compare_fronts(const std::vector<MeasuredPoint>& a, const std::vector<MeasuredPoint>& b,
                               const std::string& value = "reward");
// The same comparison at matched KL on the curves through all the points in KL order (not their Pareto
// fronts: for a value that is not what the runs optimize, e.g. gold − r), over the KL range both cover;
// no clamping (no common range: nothing to compare). Used by the WARM check.
FrontComparison compare_at_kl(const std::vector<MeasuredPoint>& a, const std::vector<MeasuredPoint>& b,
                              const std::string& value);

// The observations, in order 1..6. A part that was not measured (e.g. a single WARP iteration)
// gives an inconclusive check saying so.
ObservationResult observation_ema(const Measurements& m);            // 1
ObservationResult observation_slerp_reward(const Measurements& m);   // 2
ObservationResult observation_lerp_vs_slerp(const Measurements& m);  // 3
ObservationResult observation_orthogonal(const Measurements& m);     // 4
ObservationResult observation_liti(const Measurements& m);           // 5
ObservationResult observation_iterative(const Measurements& m);      // 6
std::vector<ObservationResult> evaluate_observations(const Measurements& m);
// The WARM check (numbered 7): at matched KL (compare_at_kl on the two RL trajectories), RL against the
// weight-averaged RM reaches a higher gold reward and hacks less (a higher g − r: a smaller gap between
// the learned reward it optimizes and the gold reward) than RL against a single RM. Inconclusive when
// not measured.
ObservationResult observation_warm(const Measurements& m);

// Gold vs learned reward (reward hacking) over a set of curves.
struct HackingSummary {
  bool reward_is_gold = false;
  int64_t points = 0;
  double correlation = 0;         // Pearson r(reward, gold) over the points (NaN for < 2 points or no spread)
  std::string best_reward_label;  // the point with the highest reward r
  double best_reward = 0, gold_at_best_reward = 0, gold_at_best_reward_se = 0;
  std::string best_gold_label;  // the point with the highest gold reward
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
