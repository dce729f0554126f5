#pragma once
// The Pareto tab: the KL-reward plane (plot/kl_reward_plane.h; DESIGN §1 step 4) of the selected
// runs, from the metrics they log (models/plane_metrics.h):
//   - each RL run ("train"): its trajectory points, eval/kl_sft and eval/reward joined by step,
//     drawn as a line with markers (error bars from eval/reward_se when logged);
//   - each WARP driver ("warp"): its fronts, one per iteration i, from the metrics
//     front/eta<η>/kl_sft and front/eta<η>/reward at step i (core/warp/driver.h), by η ascending,
//     each point labelled with its η; and Algorithm 1's output front (output/eta<η>/*) once logged;
//   - the non-dominated set of all of them as a step line, tooltips with provenance, a toggle of the
//     y axis between the learned reward r and the gold reward (the plane's own controls).
// The plot is a warp::Figure (figure()) drawn with renderFigure, so it looks like the report's
// figures, and exports as PNG / PDF / SVG (saveFigure) or CSV of the points (warp::write_csv).
// Redrawn at most once per 40 ms when the follower reports evaluation or front metrics.

#include <QPointer>
#include <QTimer>
#include <QWidget>

#include "models/metrics_follower.h"
#include "models/run_ref.h"
#include "report/figure.h"

class KlRewardPlane;
class QCustomPlot;
class QLabel;

class ParetoPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ParetoPanel(QWidget* parent = nullptr);

  void setFollower(MetricsFollower* follower);
  // The runs whose trajectories / fronts are drawn (other kinds are ignored).
  void setRuns(const RunRefList& runs);
  const RunRefList& runs() const { return m_runs; }
  // Where the export dialog starts (the experiment's exports/ folder).
  void setExportDir(const QString& dir);
  // The evaluation temperature named on the x axis.
  void setEvalTemperature(double tau);

  // The figure currently drawn.
  const warp::Figure& figure() const;
  QCustomPlot* plot() const;
  KlRewardPlane* plane() const { return m_plane; }
  // Builds the figure of `runs` from the follower's series (what the panel draws with the y axis on
  // the reward); no series without a follower.
  static warp::Figure buildFigure(const MetricsFollower* follower, const RunRefList& runs);

  // Writes the figure to `path`: .csv → the points (warp::write_csv), .png/.pdf/.svg → the plot
  // (saveFigure). Throws warp::BadInput for another suffix, warp::Error when it cannot be written.
  void exportTo(const QString& path) const;

  // Redraws since construction.
  int redrawCount() const { return m_redrawCount; }

 public slots:
  // Rebuilds and redraws the figure now.
  void redraw();

 private slots:
  void onAppended(const QVector<MetricSeriesKey>& changed, int rows);

 private:
  QPointer<MetricsFollower> m_follower;
  RunRefList m_runs;
  KlRewardPlane* m_plane = nullptr;
  QLabel* m_summary = nullptr;
  QTimer m_redrawTimer;
  int m_redrawCount = 0;
};
