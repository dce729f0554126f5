#include "eval/pareto.h"

#include <algorithm>
#include <cmath>

namespace warp {

namespace {

bool has_nan(const ParetoPoint& p) { return std::isnan(p.kl) || std::isnan(p.reward); }

}  // namespace

bool dominates(const ParetoPoint& a, const ParetoPoint& b) {
  if (has_nan(a) || has_nan(b)) return false;
  return a.kl <= b.kl && a.reward >= b.reward && (a.kl < b.kl || a.reward > b.reward);
}

std::vector<ParetoPoint> pareto_front(const std::vector<ParetoPoint>& points) {
  // Sort the finite-comparable points by kl ascending, then reward descending (stable: equal points
  // keep their input order). Sweeping left to right, a point is on the front iff its reward beats every
  // reward seen at a lower-or-equal kl, or it repeats exactly the last point kept.
  std::vector<size_t> order;
  order.reserve(points.size());
  for (size_t i = 0; i < points.size(); ++i)
    if (!has_nan(points[i])) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const ParetoPoint& p = points[a];
    const ParetoPoint& q = points[b];
    if (p.kl != q.kl) return p.kl < q.kl;
    return p.reward > q.reward;
  });
  std::vector<ParetoPoint> front;
  for (size_t i : order) {
    const ParetoPoint& p = points[i];
    if (front.empty() || p.reward > front.back().reward) {
      front.push_back(p);
    } else if (p.kl == front.back().kl && p.reward == front.back().reward) {
      front.push_back(p);  // an exact duplicate of a front point: neither dominates the other
    }
  }
  return front;
}

std::optional<double> reward_at_kl(const std::vector<ParetoPoint>& points, double kl, bool clamp_right) {
  if (std::isnan(kl)) return std::nullopt;
  const std::vector<ParetoPoint> front = pareto_front(points);
  if (front.empty()) return std::nullopt;
  if (kl < front.front().kl) return std::nullopt;
  if (kl > front.back().kl) return clamp_right ? std::optional<double>(front.back().reward) : std::nullopt;
  // First front point with kl >= the asked kl (exists: kl <= last.kl).
  auto it = std::lower_bound(front.begin(), front.end(), kl, [](const ParetoPoint& p, double k) { return p.kl < k; });
  if (it->kl == kl) return it->reward;
  const ParetoPoint& hi = *it;
  const ParetoPoint& lo = *(it - 1);  // exists: kl > first.kl here
  const double t = (kl - lo.kl) / (hi.kl - lo.kl);
  return lo.reward + t * (hi.reward - lo.reward);
}

std::optional<double> mean_reward_gap(const std::vector<ParetoPoint>& a, const std::vector<ParetoPoint>& b,
                                      const std::vector<double>& kls, bool clamp_right) {
  double sum = 0;
  int64_t n = 0;
  for (double kl : kls) {
    const auto ra = reward_at_kl(a, kl, clamp_right);
    const auto rb = reward_at_kl(b, kl, clamp_right);
    if (!ra || !rb) continue;
    sum += *ra - *rb;
    ++n;
  }
  if (n == 0) return std::nullopt;
  return sum / static_cast<double>(n);
}

}  // namespace warp
