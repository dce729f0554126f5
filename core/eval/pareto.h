#pragma once
// Pareto helpers for the KL-reward plane (DESIGN §5): a point is better when its KL to π_sft is
// lower and its reward higher. Used by the WARP driver (choosing and reporting fronts), by
// `warp replicate` (comparing fronts: "reward at a given KL") and by the desktop app's Pareto view.
//
// Conventions
//   - Dominance: a dominates b when a.kl <= b.kl and a.reward >= b.reward with at least one strict.
//     Equal points do not dominate each other: both are kept (in input order).
//   - NaN in kl or reward: the point is never on a front and never dominates.
//   - A front is returned sorted by kl ascending; along it reward strictly increases (exact
//     duplicates aside).
//   - reward_at_kl interpolates linearly between the two front points around `kl`; outside
//     [first.kl, last.kl] there is no value (nullopt), except that a kl beyond the last point
//     gives the last point's reward when `clamp_right` is true (more KL budget than any point
//     used: the best reward on the front is reachable).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace warp {

struct ParetoPoint {
  double kl = 0;       // KL(π ‖ π_sft), lower is better
  double reward = 0;   // higher is better
  int64_t index = -1;  // the caller's id for the point (e.g. its position in the input)
  std::string label;   // e.g. "η=0.3", "step 100"
};

// True when a dominates b (see above).
bool dominates(const ParetoPoint& a, const ParetoPoint& b);

// The non-dominated points of `points`, sorted by kl ascending. O(n log n).
std::vector<ParetoPoint> pareto_front(const std::vector<ParetoPoint>& points);

// Reward along `front` (any set of points: its pareto_front is used) at `kl`, by linear
// interpolation between neighbouring front points; see the conventions above. A kl equal to a front
// point's gives that point's reward exactly; a NaN kl or an empty front gives nullopt.
std::optional<double> reward_at_kl(const std::vector<ParetoPoint>& front, double kl, bool clamp_right = false);

// Mean over `kls` of reward_at_kl(a, kl, clamp_right) - reward_at_kl(b, kl, clamp_right), over the kls
// where both are defined; nullopt when none is. The report's "front A is above front B" number.
std::optional<double> mean_reward_gap(const std::vector<ParetoPoint>& a, const std::vector<ParetoPoint>& b,
                                      const std::vector<double>& kls, bool clamp_right = false);

}  // namespace warp
