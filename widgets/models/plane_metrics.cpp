#include "models/plane_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <QCoreApplication>

#include "db/metric_keys.h"
#include "models/metrics_follower.h"

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// Value of a series at `step`, NaN when not logged.
double valueAt(const MetricSeries* s, double step) {
  if (!s) return kNaN;
  auto it = std::lower_bound(s->steps.begin(), s->steps.end(), step);
  if (it == s->steps.end() || *it != step) return kNaN;
  return s->values[it - s->steps.begin()];
}

PlaneSeries trajectory(const MetricsFollower& follower, const RunRef& run) {
  PlaneSeries s;
  s.kind = PlaneSeries::Kind::Trajectory;
  s.name = run.name;
  auto get = [&](const char* key) { return follower.series(run.id, QString::fromLatin1(key)); };
  const MetricSeries* kl = get("eval/kl_sft");
  const MetricSeries* reward = get("eval/reward");
  if (!kl || !reward) return s;
  const MetricSeries *klSe = get("eval/kl_sft_se"), *rewardSe = get("eval/reward_se");
  const MetricSeries *gold = get("eval/gold"), *goldSe = get("eval/gold_se");
  for (int i = 0; i < kl->steps.size(); ++i) {
    const double step = kl->steps[i];
    PlanePoint p;
    p.reward = valueAt(reward, step);
    if (std::isnan(p.reward)) continue;
    p.kl = kl->values[i];
    p.klSe = valueAt(klSe, step);
    p.rewardSe = valueAt(rewardSe, step);
    p.gold = valueAt(gold, step);
    p.goldSe = valueAt(goldSe, step);
    p.id = QStringLiteral("run %1 step %2").arg(run.id).arg(static_cast<qint64>(step));
    p.provenance << QCoreApplication::translate("PlaneMetrics", "RL run %1 (%2), step %3")
                        .arg(run.name, run.kind)
                        .arg(static_cast<qint64>(step));
    s.points << p;
  }
  return s;
}

// The fronts of one family of a driver, one series per step (iteration).
QVector<PlaneSeries> fronts(const MetricsFollower& follower, const RunRef& run, warp::FrontFamily family) {
  struct Eta {
    QString tag;
    const MetricSeries* kl = nullptr;
  };
  std::map<double, Eta> byEta;
  for (const QString& key : follower.keys(run.id)) {
    const auto parsed = warp::parse_front_metric_key(key.toStdString());
    if (!parsed || parsed->family != family || parsed->field != "kl_sft") continue;
    byEta[parsed->eta] = Eta{QString::fromStdString(parsed->eta_tag), follower.series(run.id, key)};
  }
  const bool output = family == warp::FrontFamily::Output;
  std::map<qint64, PlaneSeries> perStep;
  for (const auto& [eta, e] : byEta) {
    auto get = [&](const char* field) {
      return follower.series(run.id, QString::fromStdString(warp::front_metric_key(family, eta, field)));
    };
    const MetricSeries* reward = get("reward");
    if (!reward) continue;
    const MetricSeries *klSe = get("kl_sft_se"), *rewardSe = get("reward_se");
    const MetricSeries *gold = get("gold"), *goldSe = get("gold_se");
    for (int i = 0; i < e.kl->steps.size(); ++i) {
      const double step = e.kl->steps[i];
      PlanePoint p;
      p.kl = e.kl->values[i];
      p.reward = valueAt(reward, step);
      if (std::isnan(p.reward) || std::isnan(p.kl)) continue;
      p.klSe = valueAt(klSe, step);
      p.rewardSe = valueAt(rewardSe, step);
      p.gold = valueAt(gold, step);
      p.goldSe = valueAt(goldSe, step);
      const qint64 iteration = static_cast<qint64>(step);
      p.label = QStringLiteral("η=") + e.tag;
      p.id = QStringLiteral("%1 %2 i%3 eta%4")
                 .arg(output ? QStringLiteral("output") : QStringLiteral("front"))
                 .arg(run.id)
                 .arg(iteration)
                 .arg(e.tag);
      if (output) {
        p.provenance
            << QCoreApplication::translate("PlaneMetrics", "WARP driver %1: Algorithm 1's output after iteration %2")
                   .arg(run.name)
                   .arg(iteration)
            << QCoreApplication::translate("PlaneMetrics", "LITI η %1 toward θ_sft of the last SLERP").arg(e.tag);
      } else {
        p.provenance
            << QCoreApplication::translate("PlaneMetrics", "WARP driver %1, iteration %2").arg(run.name).arg(iteration)
            << QCoreApplication::translate("PlaneMetrics",
                                           "SLERP of the iteration's runs, then LITI η %1 toward its θ_init")
                   .arg(e.tag);
      }
      PlaneSeries& s = perStep[iteration];
      s.points << p;
    }
  }
  QVector<PlaneSeries> out;
  for (auto& [iteration, s] : perStep) {
    s.kind = output ? PlaneSeries::Kind::OutputFront : PlaneSeries::Kind::IterationFront;
    s.name = output
                 ? QCoreApplication::translate("PlaneMetrics", "%1 · output front").arg(run.name)
                 : QCoreApplication::translate("PlaneMetrics", "%1 · front, iteration %2").arg(run.name).arg(iteration);
    out << s;
  }
  return out;
}

}  // namespace

QVector<PlaneSeries> planeSeriesFromMetrics(const MetricsFollower* follower, const RunRefList& runs) {
  QVector<PlaneSeries> trajectories, iterationFronts, outputFronts;
  if (!follower) return {};
  for (const RunRef& run : runs) {
    PlaneSeries t = trajectory(*follower, run);
    if (!t.points.isEmpty()) trajectories << t;
    iterationFronts << fronts(*follower, run, warp::FrontFamily::Iteration);
    outputFronts << fronts(*follower, run, warp::FrontFamily::Output);
  }
  return trajectories + iterationFronts + outputFronts;
}
