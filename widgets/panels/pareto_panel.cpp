#include "panels/pareto_panel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include "plot/figure_plot.h"
#include "util/error.h"

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// Value of a series at `step`, NaN when not logged.
double valueAt(const MetricSeries* s, double step) {
  if (!s) return kNaN;
  auto it = std::lower_bound(s->steps.begin(), s->steps.end(), step);
  if (it == s->steps.end() || *it != step) return kNaN;
  return s->values[it - s->steps.begin()];
}

bool isFigureKey(const QString& key) {
  return key.startsWith(QLatin1String("eval/")) || key.startsWith(QLatin1String("front/"));
}

}  // namespace

ParetoPanel::ParetoPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  auto* header = new QHBoxLayout;
  m_summary = new QLabel(this);
  m_summary->setWordWrap(true);
  m_summary->setStyleSheet(QStringLiteral("color: #444;"));
  header->addWidget(m_summary, 1);
  m_exportButton = new QPushButton(tr("Export…"), this);
  m_exportButton->setToolTip(tr("Save the plot as PNG, PDF or SVG, or its points as CSV"));
  header->addWidget(m_exportButton);
  layout->addLayout(header);
  m_plot = new QCustomPlot(this);
  m_plot->setMinimumSize(320, 240);
  layout->addWidget(m_plot, 1);
  connect(m_exportButton, &QPushButton::clicked, this, &ParetoPanel::onExportClicked);

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

void ParetoPanel::onAppended(const QVector<MetricSeriesKey>& changed, int) {
  for (const MetricSeriesKey& k : changed) {
    if (!isFigureKey(k.key)) continue;
    for (const RunRef& run : m_runs) {
      if (run.id != k.runId) continue;
      if (!m_redrawTimer.isActive()) m_redrawTimer.start();
      return;
    }
  }
}

warp::Figure ParetoPanel::buildFigure(const MetricsFollower* followerPtr, const RunRefList& runs) {
  warp::Figure f;
  f.title = "KL-reward plane";
  f.x_label = "KL to SFT (eval/kl_sft)";
  f.y_label = "reward (eval/reward)";
  f.legend = "bottom-right";
  f.width = 800;
  f.height = 560;
  f.caption = "RL trajectories (eval/kl_sft, eval/reward by step) and WARP fronts per iteration "
              "(front/eta<η>/kl_sft, front/eta<η>/reward).";
  f.panels.resize(1);
  std::vector<warp::FigureSeries> fronts;
  static const QRegularExpression frontKey(QStringLiteral("^front/eta([0-9]+(?:\\.[0-9]+)?)/kl_sft$"));

  if (!followerPtr) return f;
  const MetricsFollower& follower = *followerPtr;
  for (const RunRef& run : runs) {
    // Trajectory points of a run (train runs log them; any run that has both keys is drawn).
    const MetricSeries* kl = follower.series(run.id, QStringLiteral("eval/kl_sft"));
    const MetricSeries* reward = follower.series(run.id, QStringLiteral("eval/reward"));
    if (kl && reward) {
      const MetricSeries* se = follower.series(run.id, QStringLiteral("eval/reward_se"));
      warp::FigureSeries s;
      s.name = run.name.toStdString();
      s.style = "line+markers";
      s.marker = "circle";
      bool anyErr = false;
      for (int i = 0; i < kl->steps.size(); ++i) {
        const double r = valueAt(reward, kl->steps[i]);
        if (std::isnan(r)) continue;
        s.x.push_back(kl->values[i]);
        s.y.push_back(r);
        const double e = valueAt(se, kl->steps[i]);
        anyErr = anyErr || !std::isnan(e);
        s.y_err.push_back(e);
      }
      if (!anyErr) s.y_err.clear();
      if (!s.x.empty()) f.panels[0].series.push_back(std::move(s));
    }
    // Fronts of a WARP driver: per η, the kl_sft and reward series have one point per iteration.
    std::map<double, std::pair<const MetricSeries*, const MetricSeries*>> byEta;
    std::map<double, QString> tags;
    for (const QString& key : follower.keys(run.id)) {
      QRegularExpressionMatch m = frontKey.match(key);
      if (!m.hasMatch()) continue;
      const QString tag = m.captured(1);
      const MetricSeries* r = follower.series(run.id, QStringLiteral("front/eta%1/reward").arg(tag));
      if (!r) continue;
      byEta[tag.toDouble()] = {follower.series(run.id, key), r};
      tags[tag.toDouble()] = tag;
    }
    std::map<qint64, warp::FigureSeries> perIteration;
    for (const auto& [eta, pair] : byEta) {
      const MetricSeries* kl = pair.first;
      for (int i = 0; i < kl->steps.size(); ++i) {
        const double r = valueAt(pair.second, kl->steps[i]);
        if (std::isnan(r) || std::isnan(kl->values[i])) continue;
        const qint64 iteration = static_cast<qint64>(kl->steps[i]);
        warp::FigureSeries& s = perIteration[iteration];
        s.x.push_back(kl->values[i]);
        s.y.push_back(r);
        s.labels.push_back(("η=" + tags[eta]).toStdString());
      }
    }
    for (auto& [iteration, s] : perIteration) {
      s.name = QStringLiteral("%1 · front, iteration %2").arg(run.name).arg(iteration).toStdString();
      s.style = "line+markers";
      s.marker = "diamond";
      s.dash = true;
      fronts.push_back(std::move(s));
    }
  }
  for (warp::FigureSeries& s : fronts) f.panels[0].series.push_back(std::move(s));
  return f;
}

void ParetoPanel::redraw() {
  m_redrawTimer.stop();
  m_figure = buildFigure(m_follower, m_runs);
  renderFigure(m_figure, m_plot);
  ++m_redrawCount;
  int trajectories = 0, fronts = 0;
  for (const warp::FigureSeries& s : m_figure.panels[0].series) (s.labels.empty() ? trajectories : fronts) += 1;
  if (trajectories + fronts == 0)
    m_summary->setText(m_runs.isEmpty()
                           ? tr("No runs selected.")
                           : tr("No evaluated points yet: RL runs log eval/kl_sft and eval/reward on the fixed "
                                "prompts every eval_every steps; `warp run` logs a front per iteration."));
  else
    m_summary->setText((trajectories == 1 ? tr("1 RL trajectory") : tr("%1 RL trajectories").arg(trajectories)) +
                       QStringLiteral(", ") +
                       (fronts == 1 ? tr("1 WARP front") : tr("%1 WARP fronts").arg(fronts)) +
                       tr(" (x: KL to SFT, y: reward, on the fixed evaluation prompts)"));
  m_exportButton->setEnabled(trajectories + fronts > 0);
}

void ParetoPanel::exportTo(const QString& path) const {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix == QLatin1String("csv")) {
    warp::write_csv(m_figure, path.toStdString());
    return;
  }
  saveFigure(m_figure, path);  // BadInput for an unknown suffix
}

void ParetoPanel::onExportClicked() {
  const QString start = (m_exportDir.isEmpty() ? QDir::homePath() : m_exportDir) + QStringLiteral("/pareto.png");
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Export the KL-reward plane"), start,
      tr("PNG image (*.png);;PDF document (*.pdf);;SVG image (*.svg);;CSV of the points (*.csv)"));
  if (path.isEmpty()) return;
  try {
    exportTo(path);
  } catch (const std::exception& e) {
    QMessageBox::critical(this, tr("Export failed"), QString::fromUtf8(e.what()));
  }
}
