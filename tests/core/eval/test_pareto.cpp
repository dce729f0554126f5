// Pareto helpers of the KL-reward plane (core/eval/pareto.h) on hand-computed cases: dominance,
// the front of small sets (duplicates, NaN, a single point, ties in kl or reward), reward at a KL by
// linear interpolation (values worked out by hand), clamp_right, and the mean gap of two fronts.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "eval/pareto.h"

using namespace warp;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<ParetoPoint> pts(std::initializer_list<std::pair<double, double>> kr) {
  std::vector<ParetoPoint> out;
  int64_t i = 0;
  for (const auto& [kl, r] : kr) out.push_back({kl, r, i++, ""});
  return out;
}

std::vector<int64_t> indices(const std::vector<ParetoPoint>& front) {
  std::vector<int64_t> out;
  for (const auto& p : front) out.push_back(p.index);
  return out;
}

}  // namespace

TEST(Pareto, Dominance) {
  const ParetoPoint a{1.0, 2.0, 0, ""};
  EXPECT_TRUE(dominates(a, {2.0, 2.0, 1, ""}));   // same reward, lower kl
  EXPECT_TRUE(dominates(a, {1.0, 1.5, 1, ""}));   // same kl, higher reward
  EXPECT_TRUE(dominates(a, {3.0, 0.0, 1, ""}));   // both better
  EXPECT_FALSE(dominates(a, {1.0, 2.0, 1, ""}));  // equal points do not dominate each other
  EXPECT_FALSE(dominates(a, {0.5, 1.0, 1, ""}));  // a trade-off
  EXPECT_FALSE(dominates(a, {2.0, 3.0, 1, ""}));
  EXPECT_FALSE(dominates({kNaN, 5.0, 0, ""}, {2.0, 1.0, 1, ""}));  // NaN never dominates
  EXPECT_FALSE(dominates({0.0, kNaN, 0, ""}, {2.0, 1.0, 1, ""}));
  EXPECT_FALSE(dominates(a, {kNaN, 0.0, 1, ""}));
}

TEST(Pareto, FrontOfSmallSets) {
  // Points (kl, reward): 0:(0,0) 1:(1,1) 2:(2,0.5) dominated by 1, 3:(3,2) 4:(1,0.8) dominated by 1,
  // 5:(4,2) dominated by 3 (same reward, more kl), 6:(0.5,-1) dominated by 0.
  const auto front = pareto_front(pts({{0, 0}, {1, 1}, {2, 0.5}, {3, 2}, {1, 0.8}, {4, 2}, {0.5, -1}}));
  EXPECT_EQ(indices(front), (std::vector<int64_t>{0, 1, 3}));
  // Input order does not matter; the front comes sorted by kl.
  const auto shuffled = pareto_front(pts({{3, 2}, {0, 0}, {2, 0.5}, {1, 1}}));
  EXPECT_EQ(indices(shuffled), (std::vector<int64_t>{1, 3, 0}));
  // Empty, single point.
  EXPECT_TRUE(pareto_front({}).empty());
  EXPECT_EQ(indices(pareto_front(pts({{0.3, -2}}))), (std::vector<int64_t>{0}));
  // All on one vertical line: only the best reward; on one horizontal line: only the lowest kl.
  EXPECT_EQ(indices(pareto_front(pts({{1, 0}, {1, 2}, {1, 1}}))), (std::vector<int64_t>{1}));
  EXPECT_EQ(indices(pareto_front(pts({{2, 1}, {1, 1}, {3, 1}}))), (std::vector<int64_t>{1}));
}

TEST(Pareto, DuplicatesAreKeptInInputOrder) {
  // 0 and 2 are the same point; 1 is dominated by it; 3 is a duplicate of a dominated point.
  const auto front = pareto_front(pts({{1, 1}, {1, 0.5}, {1, 1}, {1, 0.5}, {2, 3}}));
  EXPECT_EQ(indices(front), (std::vector<int64_t>{0, 2, 4}));
}

TEST(Pareto, NaNPointsAreNeverOnTheFront) {
  const auto front = pareto_front(pts({{kNaN, 10}, {1, 1}, {0, kNaN}, {2, 2}}));
  EXPECT_EQ(indices(front), (std::vector<int64_t>{1, 3}));
  EXPECT_TRUE(pareto_front(pts({{kNaN, kNaN}})).empty());
}

TEST(Pareto, RewardAtKlInterpolatesLinearly) {
  // Front (0,0) (1,1) (3,2); point (2,0.5) is dominated and must be ignored.
  const auto p = pts({{0, 0}, {1, 1}, {2, 0.5}, {3, 2}});
  EXPECT_DOUBLE_EQ(*reward_at_kl(p, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(*reward_at_kl(p, 0.25), 0.25);
  EXPECT_DOUBLE_EQ(*reward_at_kl(p, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(*reward_at_kl(p, 2.0), 1.5);  // halfway between (1,1) and (3,2), not 0.5
  EXPECT_DOUBLE_EQ(*reward_at_kl(p, 2.5), 1.75);
  EXPECT_DOUBLE_EQ(*reward_at_kl(p, 3.0), 2.0);
  // Outside the front.
  EXPECT_FALSE(reward_at_kl(p, -0.1).has_value());
  EXPECT_FALSE(reward_at_kl(p, 3.5).has_value());
  EXPECT_DOUBLE_EQ(*reward_at_kl(p, 3.5, /*clamp_right=*/true), 2.0);
  EXPECT_FALSE(reward_at_kl(p, -0.1, /*clamp_right=*/true).has_value());  // clamping is on the right only
  EXPECT_FALSE(reward_at_kl(p, kNaN, true).has_value());
  EXPECT_FALSE(reward_at_kl({}, 1.0, true).has_value());
}

TEST(Pareto, RewardAtKlOfASinglePointAndDuplicates) {
  const auto one = pts({{0.5, 3}});
  EXPECT_DOUBLE_EQ(*reward_at_kl(one, 0.5), 3.0);
  EXPECT_FALSE(reward_at_kl(one, 0.6).has_value());
  EXPECT_DOUBLE_EQ(*reward_at_kl(one, 7.0, true), 3.0);
  EXPECT_FALSE(reward_at_kl(one, 0.4, true).has_value());
  // Duplicated front points do not break the interpolation: (0,1) twice, (2,3).
  const auto dup = pts({{0, 1}, {0, 1}, {2, 3}});
  EXPECT_DOUBLE_EQ(*reward_at_kl(dup, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(*reward_at_kl(dup, 0.5), 1.5);
}

TEST(Pareto, MeanRewardGap) {
  // a: (0,0) (2,2): reward = kl on [0,2]. b: (0,-1) (1,0): reward = kl - 1 on [0,1].
  const auto a = pts({{0, 0}, {2, 2}});
  const auto b = pts({{0, -1}, {1, 0}});
  // kl 0.5: 0.5 - (-0.5) = 1; kl 1: 1 - 0 = 1; kl 1.5: b undefined (skipped); kl 3: neither.
  EXPECT_DOUBLE_EQ(*mean_reward_gap(a, b, {0.5, 1.0, 1.5, 3.0}), 1.0);
  // With clamp_right, kl 1.5: 1.5 - 0 = 1.5 and kl 3: 2 - 0 = 2 -> mean of 1, 1, 1.5, 2 = 1.375.
  EXPECT_DOUBLE_EQ(*mean_reward_gap(a, b, {0.5, 1.0, 1.5, 3.0}, true), 1.375);
  EXPECT_DOUBLE_EQ(*mean_reward_gap(b, a, {0.5}), -1.0);
  EXPECT_FALSE(mean_reward_gap(a, b, {5.0}).has_value());
  EXPECT_FALSE(mean_reward_gap(a, b, {}).has_value());
}
