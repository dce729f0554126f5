#include "panels/pareto_panel.h"

#include <limits>

#include <QLabel>
#include <QVBoxLayout>

#include "db/metric_keys.h"
#include "models/plane_metrics.h"
#include "plot/kl_reward_plane.h"

ParetoPanel::ParetoPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  m_summary = new QLabel(this);
  m_summary->setWordWrap(true);
  // The palette's text colour: readable in the light and the dark look.
  layout->addWidget(m_summary);
  m_plane = new KlRewardPlane(this);
  layout->addWidget(m_plane, 1);

  m_redrawTimer.setSingleShot(true);
  m_redrawTimer.setInterval(40);
  connect(&m_redrawTimer, &QTimer::timeout, this, &ParetoPanel::redraw);
  redraw();
}

void ParetoPanel::setFollower(MetricsFollower* follower) {
  if (m_follower) disconnect(m_follower, nullptr, this, nullptr);
  m_follower = follower;
  if (follower) connect(follower, &MetricsFollower::appended, this, &ParetoPanel::onAppended);
  redraw();
}

void ParetoPanel::setRuns(const RunRefList& runs) {
  if (runs == m_runs) return;
  m_runs = runs;
  redraw();
}

void ParetoPanel::setExportDir(const QString& dir) { m_plane->setExportDir(dir); }

void ParetoPanel::setEvalTemperature(double tau) { m_plane->setEvalTemperature(tau); }

const warp::Figure& ParetoPanel::figure() const { return m_plane->figure(); }

QCustomPlot* ParetoPanel::plot() const { return m_plane->plot(); }

void ParetoPanel::onAppended(const QVector<MetricSeriesKey>& changed, int) {
  for (const MetricSeriesKey& k : changed) {
    if (!warp::is_plane_metric_key(k.key.toStdString())) continue;
    for (const RunRef& run : m_runs) {
      if (run.id != k.runId) continue;
      if (!m_redrawTimer.isActive()) m_redrawTimer.start();
      return;
    }
  }
}

warp::Figure ParetoPanel::buildFigure(const MetricsFollower* follower, const RunRefList& runs) {
  return KlRewardPlane::buildFigure(planeSeriesFromMetrics(follower, runs), KlRewardPlane::YAxis::Reward,
                                    std::numeric_limits<double>::quiet_NaN());
}

void ParetoPanel::redraw() {
  m_redrawTimer.stop();
  const QVector<PlaneSeries> series = planeSeriesFromMetrics(m_follower, m_runs);
  m_plane->setSeries(series);
  ++m_redrawCount;
  int trajectories = 0, fronts = 0, outputs = 0;
  for (const PlaneSeries& s : series) {
    if (s.kind == PlaneSeries::Kind::Trajectory) ++trajectories;
    else if (s.kind == PlaneSeries::Kind::IterationFront) ++fronts;
    else if (s.kind == PlaneSeries::Kind::OutputFront) ++outputs;
  }
  if (series.isEmpty()) {
    m_summary->setText(m_runs.isEmpty()
                           ? tr("No runs selected.")
                           : tr("No evaluated points yet: RL runs log eval/kl_sft and eval/reward on the fixed "
                                "prompts every eval_every steps; `warp run` logs a front per iteration."));
    return;
  }
  QString text = (trajectories == 1 ? tr("1 RL trajectory") : tr("%1 RL trajectories").arg(trajectories)) +
                 QStringLiteral(", ") + (fronts == 1 ? tr("1 WARP front") : tr("%1 WARP fronts").arg(fronts));
  if (outputs > 0)
    text += QStringLiteral(", ") + (outputs == 1 ? tr("1 output front") : tr("%1 output fronts").arg(outputs));
  m_summary->setText(text + tr(" on the fixed evaluation prompts; hover a point for its provenance, the dotted "
                               "step line is the non-dominated set"));
}

void ParetoPanel::exportTo(const QString& path) const { m_plane->exportTo(path); }
