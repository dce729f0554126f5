#pragma once
// The series of the KL-reward plane (plot/kl_reward_plane.h) that come from the metrics runs write
// (core/db/metric_keys.h), read from a MetricsFollower:
//   - an RL run: its trajectory, eval/kl_sft joined by step with eval/reward (a step without a
//     reward is left out), eval/gold, eval/reward_se, eval/gold_se, eval/kl_sft_se when logged;
//   - a WARP driver: one front per iteration i, the points front/eta<η>/{kl_sft, reward, gold, *_se}
//     logged at step i, by η ascending, labelled "η=<tag>";
//   - a WARP driver that finished: Algorithm 1's output front, output/eta<η>/* (LITI toward θ_sft),
//     labelled the same way.
// Order: every trajectory (in run order), then the iteration fronts, then the output fronts.

#include <QVector>

#include "models/run_ref.h"
#include "plot/kl_reward_plane.h"

class MetricsFollower;

QVector<PlaneSeries> planeSeriesFromMetrics(const MetricsFollower* follower, const RunRefList& runs);
