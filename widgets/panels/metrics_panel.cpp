#include "panels/metrics_panel.h"

#include <algorithm>
#include <cmath>

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include "models/smoothing.h"
#include "report/figure.h"

namespace {

struct FixedPlot {
  const char* key;
  const char* title;
};

// The five fixed plots of each set (MetricsPanel::PlotSet), in grid order.
constexpr int kFixedCount = 5;
const FixedPlot kRlPlots[kFixedCount] = {
    {"train/reward", QT_TRANSLATE_NOOP("MetricsPanel", "Reward (reward model)")},
    {"train/gold", QT_TRANSLATE_NOOP("MetricsPanel", "Gold reward")},
    {"train/kl_anchor", QT_TRANSLATE_NOOP("MetricsPanel", "KL to anchor")},
    {"train/kl_sft", QT_TRANSLATE_NOOP("MetricsPanel", "KL to SFT")},
    {"eval/reward", QT_TRANSLATE_NOOP("MetricsPanel", "Eval reward (fixed prompts)")},
};
// warp sft (core/train/sft.cpp): training and held-out loss, perplexity, throughput, learning rate.
const FixedPlot kSftPlots[kFixedCount] = {
    {"train/loss", QT_TRANSLATE_NOOP("MetricsPanel", "Training loss")},
    {"eval/loss", QT_TRANSLATE_NOOP("MetricsPanel", "Held-out loss")},
    {"eval/ppl", QT_TRANSLATE_NOOP("MetricsPanel", "Held-out perplexity")},
    {"train/tokens_per_s", QT_TRANSLATE_NOOP("MetricsPanel", "Throughput (tokens/s)")},
    {"train/lr", QT_TRANSLATE_NOOP("MetricsPanel", "Learning rate")},
};
// warp rm (core/reward/rm_trainer.cpp): loss and pair accuracy, training and held-out pairs.
const FixedPlot kRmPlots[kFixedCount] = {
    {"rm/loss", QT_TRANSLATE_NOOP("MetricsPanel", "Training loss")},
    {"rm/accuracy", QT_TRANSLATE_NOOP("MetricsPanel", "Training pair accuracy")},
    {"eval/loss", QT_TRANSLATE_NOOP("MetricsPanel", "Held-out loss")},
    {"eval/pair_accuracy", QT_TRANSLATE_NOOP("MetricsPanel", "Held-out pair accuracy")},
    {"eval/pair_accuracy_gold", QT_TRANSLATE_NOOP("MetricsPanel", "Held-out pair accuracy (gold labels)")},
};

const FixedPlot* plotsOf(MetricsPanel::PlotSet set) {
  switch (set) {
    case MetricsPanel::PlotSet::Sft: return kSftPlots;
    case MetricsPanel::PlotSet::RewardModel: return kRmPlots;
    case MetricsPanel::PlotSet::Rl: break;
  }
  return kRlPlots;
}

QCustomPlot* makePlot(QWidget* parent) {
  auto* plot = new QCustomPlot(parent);
  plot->setMinimumSize(220, 160);
  plot->setNoAntialiasingOnDrag(true);
  plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  QFont small = plot->font();
  small.setPointSizeF(8.5);
  for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
    axis->setTickLabelFont(small);
    axis->setLabelFont(small);
    axis->grid()->setPen(QPen(QColor(225, 225, 225), 0));
    axis->setTickLengthIn(0);
    axis->setTickLengthOut(4);
  }
  plot->xAxis->setLabel(QObject::tr("step"));
  plot->axisRect()->setupFullAxesBox(false);
  return plot;
}

}  // namespace

MetricsPanel::MetricsPanel(QWidget* parent) : QWidget(parent) {
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(4, 4, 4, 4);
  m_hint = new QLabel(tr("Select runs in the list to plot their metrics (Ctrl+click for several)."), this);
  m_hint->setWordWrap(true);
  m_hint->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_hint->setStyleSheet(QStringLiteral("color: #666;"));
  outer->addWidget(m_hint);
  m_legend = new QLabel(this);
  m_legend->setWordWrap(true);
  m_legend->setTextFormat(Qt::RichText);
  {
    // The legend, and on the right the smoothing of all curves (debiased EMA, models/smoothing.h).
    auto* top = new QHBoxLayout;
    top->addWidget(m_legend, 1);
    auto* label = new QLabel(tr("Smoothing:"), this);
    m_smoothingSlider = new QSlider(Qt::Horizontal, this);
    m_smoothingSlider->setRange(0, 99);
    m_smoothingSlider->setFixedWidth(140);
    m_smoothingSlider->setToolTip(
        tr("Exponential moving average of the curves, debiased at the start (0: raw); the raw curve stays faint behind"));
    label->setBuddy(m_smoothingSlider);
    m_smoothingValue = new QLabel(QStringLiteral("0.00"), this);
    m_smoothingValue->setMinimumWidth(m_smoothingValue->fontMetrics().horizontalAdvance(QStringLiteral("0.000")));
    top->addWidget(label);
    top->addWidget(m_smoothingSlider);
    top->addWidget(m_smoothingValue);
    outer->addLayout(top);
    connect(m_smoothingSlider, &QSlider::valueChanged, this, [this](int v) {
      const double w = v / 100.0;
      if (w == m_smoothing) return;
      m_smoothing = w;
      m_smoothingValue->setText(QString::number(w, 'f', 2));
      rebuildGraphs();
      emit smoothingChanged(w);
    });
  }
  auto* grid = new QGridLayout;
  grid->setSpacing(6);
  outer->addLayout(grid, 1);

  const int columns = 3;
  int i = 0;
  for (const FixedPlot* fp = kRlPlots; fp != kRlPlots + kFixedCount; ++fp) {
    auto* cell = new QVBoxLayout;
    cell->setSpacing(0);
    auto* title = new QLabel(tr(fp->title), this);
    title->setStyleSheet(QStringLiteral("font-weight: bold;"));
    cell->addWidget(title);
    PlotSlot slot;
    slot.key = QString::fromLatin1(fp->key);
    slot.title = title;
    slot.plot = makePlot(this);
    cell->addWidget(slot.plot, 1);
    m_plots.append(slot);
    grid->addLayout(cell, i / columns, i % columns);
    ++i;
  }
  {
    auto* cell = new QVBoxLayout;
    cell->setSpacing(0);
    auto* header = new QHBoxLayout;
    auto* label = new QLabel(tr("Metric:"), this);
    label->setStyleSheet(QStringLiteral("font-weight: bold;"));
    header->addWidget(label);
    m_keyPicker = new QComboBox(this);
    m_keyPicker->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_keyPicker->setToolTip(tr("Any metric key the selected runs have written"));
    header->addWidget(m_keyPicker, 1);
    cell->addLayout(header);
    PlotSlot slot;
    slot.key = QStringLiteral("train/entropy");
    slot.plot = makePlot(this);
    cell->addWidget(slot.plot, 1);
    m_plots.append(slot);
    grid->addLayout(cell, i / columns, i % columns);
    connect(m_keyPicker, &QComboBox::currentTextChanged, this, [this](const QString& key) {
      if (key.isEmpty() || key == m_plots.last().key) return;
      m_plots.last().key = key;
      m_dirty.insert(m_plots.size() - 1);
      scheduleFlush();
    });
  }

  m_flushTimer.setSingleShot(true);
  m_flushTimer.setInterval(kReplotIntervalMs);
  connect(&m_flushTimer, &QTimer::timeout, this, &MetricsPanel::flush);
  rebuildGraphs();
}

void MetricsPanel::setFollower(MetricsFollower* follower) {
  if (m_follower) disconnect(m_follower, nullptr, this, nullptr);
  m_follower = follower;
  if (follower) connect(follower, &MetricsFollower::appended, this, &MetricsPanel::onAppended);
  rebuildGraphs();
}

MetricsPanel::PlotSet MetricsPanel::plotSetFor(const RunRefList& runs) {
  // RL curves whenever an RL run is selected (as before); else the first selected run's kind.
  for (const RunRef& r : runs)
    if (r.kind == QLatin1String("train") || r.kind == QLatin1String("warp")) return PlotSet::Rl;
  if (!runs.isEmpty() && runs.first().kind == QLatin1String("sft")) return PlotSet::Sft;
  if (!runs.isEmpty() && runs.first().kind == QLatin1String("rm")) return PlotSet::RewardModel;
  return PlotSet::Rl;
}

void MetricsPanel::setSmoothing(double weight) {
  const double w = std::isfinite(weight) && weight > 0.0 ? std::min(weight, 0.999) : 0.0;
  if (w == m_smoothing) return;
  m_smoothing = w;
  {
    const QSignalBlocker block(m_smoothingSlider);
    m_smoothingSlider->setValue(static_cast<int>(std::lround(std::min(w, 0.99) * 100.0)));
  }
  m_smoothingValue->setText(QString::number(w, 'f', 2));
  rebuildGraphs();
}

QString MetricsPanel::plotTitle(int i) const { return m_plots.at(i).title ? m_plots.at(i).title->text() : QString(); }

void MetricsPanel::setRuns(const RunRefList& runs) {
  if (runs == m_runs) return;
  m_runs = runs;
  const PlotSet set = plotSetFor(runs);
  if (set != m_set) {
    m_set = set;
    const FixedPlot* fixed = plotsOf(set);
    for (int i = 0; i < kFixedCount; ++i) {
      m_plots[i].key = QString::fromLatin1(fixed[i].key);
      m_plots[i].title->setText(tr(fixed[i].title));
    }
  }
  rebuildGraphs();
}

void MetricsPanel::setEmptyHint(const QString& text) {
  m_hint->setText(text);
}

QString MetricsPanel::emptyHint() const {
  return m_hint->text();
}

void MetricsPanel::setCustomKey(const QString& key) {
  if (m_keyPicker->findText(key) < 0) m_keyPicker->addItem(key);
  m_keyPicker->setCurrentText(key);
}

void MetricsPanel::rebuildGraphs() {
  m_hint->setVisible(m_runs.isEmpty());
  // One legend for all plots: the runs in their colours.
  QStringList entries;
  for (int r = 0; r < m_runs.size(); ++r)
    entries << QStringLiteral("<span style=\"color:%1; font-size:large;\">&#9632;</span>&nbsp;%2")
                   .arg(QString::fromStdString(warp::palette_color(r)), m_runs[r].name.toHtmlEscaped());
  m_legend->setText(entries.join(QStringLiteral("&nbsp;&nbsp;&nbsp; ")));
  m_legend->setVisible(!m_runs.isEmpty());
  for (int p = 0; p < m_plots.size(); ++p) {
    QCustomPlot* plot = m_plots[p].plot;
    plot->clearGraphs();
    const bool smooth = m_smoothing > 0.0;
    for (int r = 0; r < m_runs.size(); ++r) {
      QCPGraph* graph = plot->addGraph();
      graph->setName(m_runs[r].name);
      QColor colour(QString::fromStdString(warp::palette_color(r)));
      if (smooth) colour.setAlphaF(0.25);  // the raw curve, faint behind the smoothed one
      graph->setPen(QPen(colour, smooth ? 1.0 : 1.6));
      graph->setAdaptiveSampling(true);
    }
    if (smooth) {
      for (int r = 0; r < m_runs.size(); ++r) {
        QCPGraph* graph = plot->addGraph();
        graph->setName(m_runs[r].name);
        graph->setPen(QPen(QColor(QString::fromStdString(warp::palette_color(r))), 1.6));
        graph->setAdaptiveSampling(true);
      }
    }
    m_dirty.insert(p);
  }
  updateKeyPicker();
  scheduleFlush();
}

void MetricsPanel::updateKeyPicker() {
  QStringList keys;
  if (m_follower)
    for (const RunRef& run : m_runs) keys += m_follower->keys(run.id);
  keys.removeDuplicates();
  keys.sort();
  const QString current = m_plots.last().key;
  if (!keys.contains(current)) keys.prepend(current);
  QStringList listed;
  for (int i = 0; i < m_keyPicker->count(); ++i) listed << m_keyPicker->itemText(i);
  if (listed == keys) return;
  const QSignalBlocker block(m_keyPicker);
  m_keyPicker->clear();
  m_keyPicker->addItems(keys);
  m_keyPicker->setCurrentText(current);
}

void MetricsPanel::onAppended(const QVector<MetricSeriesKey>& changed, int) {
  bool newKey = false;
  for (const MetricSeriesKey& k : changed) {
    bool shown = false;
    for (const RunRef& run : m_runs) shown = shown || run.id == k.runId;
    if (!shown) continue;
    for (int p = 0; p < m_plots.size(); ++p)
      if (m_plots[p].key == k.key) m_dirty.insert(p);
    newKey = newKey || m_keyPicker->findText(k.key) < 0;
  }
  if (newKey) updateKeyPicker();
  if (!m_dirty.isEmpty()) scheduleFlush();
}

void MetricsPanel::scheduleFlush() {
  // Single shot, not restarted while pending: a steady stream of rows still replots every 40 ms.
  if (!m_flushTimer.isActive()) m_flushTimer.start();
}

void MetricsPanel::fillPlot(PlotSlot& slot) {
  QCustomPlot* plot = slot.plot;
  bool any = false;
  const int n = static_cast<int>(m_runs.size());
  const bool smooth = m_smoothing > 0.0 && plot->graphCount() == 2 * n;
  for (int r = 0; r < n && r < plot->graphCount(); ++r) {
    const MetricSeries* s = m_follower ? m_follower->series(m_runs[r].id, slot.key) : nullptr;
    if (s) {
      plot->graph(r)->setData(s->steps, s->values, true);
      if (smooth) plot->graph(n + r)->setData(s->steps, debiasedEma(s->values, m_smoothing), true);
      any = any || !s->steps.isEmpty();
    } else {
      plot->graph(r)->data()->clear();
      if (smooth) plot->graph(n + r)->data()->clear();
    }
  }
  if (any) {
    plot->rescaleAxes();
    // A little room around the curves, as in the report's figures.
    QCPRange y = plot->yAxis->range();
    const double pad = y.size() > 0 ? 0.05 * y.size() : (y.center() != 0 ? 0.1 * std::abs(y.center()) : 1.0);
    plot->yAxis->setRange(y.lower - pad, y.upper + pad);
  }
  plot->yAxis->setLabel(slot.key);
}

void MetricsPanel::flush() {
  if (m_dirty.isEmpty()) return;
  for (int p : m_dirty) fillPlot(m_plots[p]);
  for (int p : m_dirty) m_plots[p].plot->replot();
  m_dirty.clear();
  ++m_replotCount;
}
