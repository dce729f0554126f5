#include "panels/metrics_panel.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
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

// The picker's plot until the user picks a key: a curve each kind of run writes that no fixed plot
// shows (policy entropy; SFT gradient norm; the RM's correlation with the gold labels).
const char* defaultExtraKey(MetricsPanel::PlotSet set) {
  switch (set) {
    case MetricsPanel::PlotSet::Sft:
      return "train/grad_norm";
    case MetricsPanel::PlotSet::RewardModel:
      return "eval/corr_gold";
    case MetricsPanel::PlotSet::Rl:
      break;
  }
  return "train/entropy";
}

const FixedPlot* plotsOf(MetricsPanel::PlotSet set) {
  switch (set) {
    case MetricsPanel::PlotSet::Sft:
      return kSftPlots;
    case MetricsPanel::PlotSet::RewardModel:
      return kRmPlots;
    case MetricsPanel::PlotSet::Rl:
      break;
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
    axis->grid()->setPen(QPen(QColor(225, 225, 225), 0));  // its colour: MetricsPanel::applyTheme
    axis->setTickLengthIn(0);
    axis->setTickLengthOut(4);
  }
  plot->xAxis->setLabel(QObject::tr("step"));
  plot->axisRect()->setupFullAxesBox(false);
  // The tracer's items live on QCustomPlot's buffered "overlay" layer: following the mouse redraws only it.
  plot->layer(QStringLiteral("overlay"))->setMode(QCPLayer::lmBuffered);
  plot->setMouseTracking(true);
  return plot;
}

// Index of the value of `xs` nearest to x (the first of equals); -1 for none.
int nearestIndex(const QVector<double>& xs, double x) {
  int best = -1;
  double bestDist = 0;
  for (int i = 0; i < xs.size(); ++i) {
    const double d = std::abs(xs[i] - x);
    if (!std::isfinite(d)) continue;
    if (best < 0 || d < bestDist) {
      best = i;
      bestDist = d;
    }
  }
  return best;
}

QString formatValue(double v) { return QString::number(v, 'g', 5); }

}  // namespace

MetricsPanel::MetricsPanel(QWidget* parent) : QWidget(parent) {
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(4, 4, 4, 4);
  m_hint = new QLabel(tr("Select runs in the list to plot their metrics (Ctrl+click for several)."), this);
  m_hint->setWordWrap(true);
  m_hint->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_hint->setForegroundRole(QPalette::PlaceholderText);  // greyed, in the light and the dark palette
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
    m_smoothingSlider->setToolTip(tr(
        "Exponential moving average of the curves, debiased at the start (0: raw); the raw curve stays faint behind"));
    label->setBuddy(m_smoothingSlider);
    m_smoothingValue = new QLabel(QStringLiteral("0.00"), this);
    m_smoothingValue->setMinimumWidth(m_smoothingValue->fontMetrics().horizontalAdvance(QStringLiteral("0.000")));
    // The x axis (step or wall time) and the log scale of the y axes.
    auto* xLabel = new QLabel(tr("&X axis:"), this);
    m_xAxisPicker = new QComboBox(this);
    m_xAxisPicker->addItem(tr("Step"));
    m_xAxisPicker->addItem(tr("Wall time"));
    m_xAxisPicker->setToolTip(tr("Plot against the step or the wall time since each run's start (h:mm:ss)"));
    xLabel->setBuddy(m_xAxisPicker);
    m_logYCheck = new QCheckBox(tr("&Log y"), this);
    m_logYCheck->setToolTip(tr("Logarithmic y axes; values ≤ 0 cannot be drawn on them and are left out"));
    m_logNote = new QLabel(this);
    m_logNote->hide();
    top->addWidget(xLabel);
    top->addWidget(m_xAxisPicker);
    top->addWidget(m_logYCheck);
    top->addWidget(m_logNote);
    top->addSpacing(12);
    top->addWidget(label);
    top->addWidget(m_smoothingSlider);
    top->addWidget(m_smoothingValue);
    outer->addLayout(top);
    connect(m_xAxisPicker, &QComboBox::currentIndexChanged, this, [this](int i) {
      setXAxis(i == 1 ? XAxis::WallTime : XAxis::Step);
      emit xAxisChanged(m_xAxis);
    });
    connect(m_logYCheck, &QCheckBox::toggled, this, [this](bool on) {
      setLogY(on);
      emit logYChanged(on);
    });
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
    slot.key = QString::fromLatin1(defaultExtraKey(PlotSet::Rl));
    slot.plot = makePlot(this);
    cell->addWidget(slot.plot, 1);
    m_plots.append(slot);
    grid->addLayout(cell, i / columns, i % columns);
    connect(m_keyPicker, &QComboBox::currentTextChanged, this, [this](const QString& key) {
      if (key.isEmpty() || key == m_plots.last().key) return;
      m_keyPicked = true;  // the user's choice: kept whatever runs are selected next
      m_plots.last().key = key;
      m_dirty.insert(m_plots.size() - 1);
      scheduleFlush();
    });
  }

  for (int p = 0; p < m_plots.size(); ++p) {
    QCustomPlot* plot = m_plots[p].plot;
    plot->installEventFilter(this);  // Leave hides the tracer
    connect(plot, &QCustomPlot::mouseMove, this, [this, p, plot](QMouseEvent* e) {
      if (plot->axisRect()->rect().contains(e->pos())) showTracer(p, plot->xAxis->pixelToCoord(e->pos().x()));
      else hideTracer(p);
    });
  }

  m_flushTimer.setSingleShot(true);
  m_flushTimer.setInterval(kReplotIntervalMs);
  connect(&m_flushTimer, &QTimer::timeout, this, &MetricsPanel::flush);
  applyTheme();
}

void MetricsPanel::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  // The system (or the Appearance setting) switched between light and dark: recolour every plot.
  if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange) applyTheme();
}

void MetricsPanel::applyTheme() {
  m_theme = PlotTheme::fromPalette(palette());
  for (PlotSlot& slot : m_plots) applyPlotTheme(slot.plot, m_theme);
  m_logNote->setStyleSheet(
      QStringLiteral("color: %1;").arg(m_theme.readable(QColor(0xd5, 0x5e, 0x00), PlotTheme::kMinTextContrast).name()));
  rebuildGraphs();  // the run colours, the tracer's, and a replot
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
    if (!m_keyPicked) m_plots.last().key = QString::fromLatin1(defaultExtraKey(set));
  }
  rebuildGraphs();
}

void MetricsPanel::setEmptyHint(const QString& text) { m_hint->setText(text); }

QString MetricsPanel::emptyHint() const { return m_hint->text(); }

void MetricsPanel::setCustomKey(const QString& key) {
  m_keyPicked = true;
  if (m_keyPicker->findText(key) < 0) m_keyPicker->addItem(key);
  m_keyPicker->setCurrentText(key);
}

void MetricsPanel::rebuildGraphs() {
  m_hint->setVisible(m_runs.isEmpty());
  // One legend for all plots: the runs in their colours.
  QStringList entries;
  for (int r = 0; r < m_runs.size(); ++r)
    entries << QStringLiteral("<span style=\"color:%1; font-size:large;\">&#9632;</span>&nbsp;%2")
                   .arg(m_theme.series(r).name(), m_runs[r].name.toHtmlEscaped());
  m_legend->setText(entries.join(QStringLiteral("&nbsp;&nbsp;&nbsp; ")));
  m_legend->setVisible(!m_runs.isEmpty());
  for (int p = 0; p < m_plots.size(); ++p) {
    QCustomPlot* plot = m_plots[p].plot;
    plot->clearItems();  // the tracer, tied to the graphs
    plot->clearGraphs();
    const bool smooth = m_smoothing > 0.0;
    for (int r = 0; r < m_runs.size(); ++r) {
      QCPGraph* graph = plot->addGraph();
      graph->setName(m_runs[r].name);
      QColor colour = m_theme.series(r);
      if (smooth) colour.setAlphaF(m_theme.dark ? 0.35 : 0.25);  // the raw curve, faint behind the smoothed one
      graph->setPen(QPen(colour, smooth ? 1.0 : 1.6));
      graph->setAdaptiveSampling(true);
    }
    if (smooth) {
      for (int r = 0; r < m_runs.size(); ++r) {
        QCPGraph* graph = plot->addGraph();
        graph->setName(m_runs[r].name);
        graph->setPen(QPen(m_theme.series(r), 1.6));
        graph->setAdaptiveSampling(true);
      }
    }
    {
      // The tracer: a vertical line, a dot on each run's (smoothed) curve, the label; hidden until
      // the mouse comes.
      PlotSlot& slot = m_plots[p];
      QCPLayer* overlay = plot->layer(QStringLiteral("overlay"));
      slot.tracerLine = new QCPItemStraightLine(plot);
      slot.tracerLine->setLayer(overlay);
      slot.tracerLine->setPen(QPen(m_theme.muted, 0, Qt::DashLine));
      slot.tracerLine->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
      slot.tracerLine->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
      slot.tracerLine->setVisible(false);
      slot.tracerDots.clear();
      for (int r = 0; r < m_runs.size(); ++r) {
        auto* dot = new QCPItemTracer(plot);
        dot->setLayer(overlay);
        dot->setInterpolating(false);  // its graph is set while shown (an idle tracer reads no data)
        dot->setStyle(QCPItemTracer::tsCircle);
        dot->setSize(6);
        const QColor colour = m_theme.series(r);
        dot->setPen(QPen(colour, 1.2));
        dot->setBrush(colour);
        dot->setVisible(false);
        slot.tracerDots.append(dot);
      }
      slot.tracerLabel = new QCPItemText(plot);
      slot.tracerLabel->setLayer(overlay);
      slot.tracerLabel->position->setType(QCPItemPosition::ptAxisRectRatio);
      slot.tracerLabel->setTextAlignment(Qt::AlignLeft);
      slot.tracerLabel->setPadding(QMargins(4, 2, 4, 2));
      slot.tracerLabel->setColor(palette().color(QPalette::ToolTipText));
      QColor bg = palette().color(QPalette::ToolTipBase);
      bg.setAlpha(225);
      slot.tracerLabel->setBrush(bg);
      slot.tracerLabel->setPen(QPen(m_theme.legendBorder, 0));
      QFont small = plot->font();
      small.setPointSizeF(8.0);
      slot.tracerLabel->setFont(small);
      slot.tracerLabel->setVisible(false);
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
  QString current = m_plots.last().key;
  if (!m_keyPicked && !keys.isEmpty()) {
    // Until the user picks: the set's default curve once the runs have it; before that (or when they
    // never write it, as an SFT run logs no entropy) one they have rather than an empty plot: the
    // first that no fixed plot shows, timings last (none: the default stays, no plot twice).
    const QString preferred = QString::fromLatin1(defaultExtraKey(m_set));
    QString pick = keys.contains(preferred) ? preferred : current;
    if (!keys.contains(pick)) {
      auto fixedShows = [this](const QString& key) {
        for (int p = 0; p + 1 < m_plots.size(); ++p)
          if (m_plots[p].key == key) return true;
        return false;
      };
      pick.clear();
      for (bool timings : {false, true})
        for (const QString& key : keys)
          if (pick.isEmpty() && !fixedShows(key) && key.startsWith(QLatin1String("time/")) == timings) pick = key;
      if (pick.isEmpty()) pick = current;
    }
    if (pick != current) {
      current = pick;
      m_plots.last().key = current;
      m_dirty.insert(m_plots.size() - 1);
      scheduleFlush();
    }
  }
  if (!keys.contains(current)) keys.prepend(current);
  QStringList listed;
  for (int i = 0; i < m_keyPicker->count(); ++i) listed << m_keyPicker->itemText(i);
  const QSignalBlocker block(m_keyPicker);
  if (listed != keys) {
    m_keyPicker->clear();
    m_keyPicker->addItems(keys);
  }
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
  bool any = false, dots = false;
  const int n = static_cast<int>(m_runs.size());
  const bool smooth = m_smoothing > 0.0 && plot->graphCount() == 2 * n;
  slot.skipped = 0;
  for (int r = 0; r < n && r < plot->graphCount(); ++r) {
    const MetricSeries* s = m_follower ? m_follower->series(m_runs[r].id, slot.key) : nullptr;
    if (!s) {
      plot->graph(r)->data()->clear();
      if (smooth) plot->graph(n + r)->data()->clear();
      continue;
    }
    const QVector<double> xs = xValues(*s, m_xAxis, runStart(m_runs[r]));
    // Steps come sorted; wall times almost always, but a clock set back must not scramble a curve.
    const bool sorted = m_xAxis == XAxis::Step;
    QVector<double> smoothed;
    if (smooth) smoothed = debiasedEma(s->values, m_smoothing);  // over every raw value, as drawn linear
    if (!m_logY) {
      plot->graph(r)->setData(xs, s->values, sorted);
      if (smooth) plot->graph(n + r)->setData(xs, smoothed, sorted);
    } else {
      // Log scale: values <= 0 have no place; leave them out (NaN stays a gap) and count them.
      QVector<double> rx, ry, sx, sy;
      for (int i = 0; i < xs.size(); ++i) {
        const double v = s->values[i];
        if (v <= 0) {
          ++slot.skipped;
        } else {
          rx.append(xs[i]);
          ry.append(v);
        }
        if (smooth && !(smoothed[i] <= 0)) {
          sx.append(xs[i]);
          sy.append(smoothed[i]);
        }
      }
      plot->graph(r)->setData(rx, ry, sorted);
      if (smooth) plot->graph(n + r)->setData(sx, sy, sorted);
    }
    // A sparse curve (held-out loss after the first evaluations) shows its points as dots: a
    // single point has no line to draw, and a few are easier to read as dots.
    const int count = plot->graph(r)->data()->size();
    plot->graph(r)->setScatterStyle(count <= kDotsMaxPoints
                                        ? QCPScatterStyle(QCPScatterStyle::ssDisc, m_theme.series(r), kDotSize)
                                        : QCPScatterStyle());
    any = any || count > 0;
    dots = dots || (count > 0 && count <= kDotsMaxPoints);
  }
  applyAxes(slot);
  // The data's extent over all graphs (NaN left out); QCustomPlot's rescaleAxes would keep the old
  // range's width around a single step or value, which is why it is not used.
  QCPRange keys, values;
  bool haveKeys = false, haveValues = false;
  auto unite = [](QCPRange& into, bool& have, const QCPRange& r) {
    into = have ? QCPRange(std::min(into.lower, r.lower), std::max(into.upper, r.upper)) : r;
    have = true;
  };
  for (int g = 0; any && g < plot->graphCount(); ++g) {
    bool found = false;
    const QCPRange k = plot->graph(g)->getKeyRange(found);
    if (found) unite(keys, haveKeys, k);
    found = false;
    const QCPRange v = plot->graph(g)->getValueRange(found);
    if (found) unite(values, haveValues, v);
  }
  if (haveKeys && haveValues) {
    // Dots at the ends are not cut in half by the axis box; a single step (or time) gets room of its own.
    const double xPad =
        keys.size() > 0 ? (dots ? 0.03 * keys.size() : 0.0) : std::max(1.0, 0.1 * std::abs(keys.center()));
    plot->xAxis->setRange(keys.lower - xPad, keys.upper + xPad);
    // A little room around the curves, as in the report's figures (in decades on the log scale).
    if (m_logY) {
      const double span = std::log10(values.upper / values.lower);
      const double pad = span > 0 ? 0.05 * span : 0.5;
      plot->yAxis->setRange(values.lower / std::pow(10.0, pad), values.upper * std::pow(10.0, pad));
    } else {
      const double pad =
          values.size() > 0 ? 0.05 * values.size() : (values.center() != 0 ? 0.05 * std::abs(values.center()) : 1.0);
      plot->yAxis->setRange(values.lower - pad, values.upper + pad);
    }
  }
  plot->yAxis->setLabel(slot.key);
  plot->setToolTip(slot.skipped > 0 ? tr("Log scale: %1 values ≤ 0 of %2 are not drawn").arg(slot.skipped).arg(slot.key)
                                    : QString());
  // A tracer on show follows the new data.
  if (slot.tracerLabel && slot.tracerLabel->visible()) {
    for (int p = 0; p < m_plots.size(); ++p)
      if (&m_plots[p] == &slot) showTracer(p, slot.tracerX);
  }
}

void MetricsPanel::applyAxes(PlotSlot& slot) {
  QCustomPlot* plot = slot.plot;
  const bool wall = m_xAxis == XAxis::WallTime;
  if (wall != static_cast<bool>(qSharedPointerDynamicCast<QCPAxisTickerTime>(plot->xAxis->ticker()))) {
    if (wall) {
      auto ticker = QSharedPointer<QCPAxisTickerTime>::create();
      ticker->setTimeFormat(QStringLiteral("%h:%m:%s"));
      plot->xAxis->setTicker(ticker);
      plot->xAxis->setLabel(tr("wall time since start (h:mm:ss)"));
    } else {
      plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
      plot->xAxis->setLabel(QObject::tr("step"));
    }
  }
  const QCPAxis::ScaleType scale = m_logY ? QCPAxis::stLogarithmic : QCPAxis::stLinear;
  if (plot->yAxis->scaleType() != scale) {
    plot->yAxis->setScaleType(scale);
    if (m_logY) plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    else plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
  }
}

QVector<double> MetricsPanel::xValues(const MetricSeries& series, XAxis axis, double runStart) {
  if (axis == XAxis::Step) return series.steps;
  QVector<double> out;
  out.reserve(series.wallTimes.size());
  for (double t : series.wallTimes) out.append(t - runStart);
  return out;
}

double MetricsPanel::runStart(const RunRef& run) const {
  if (std::isfinite(run.startedAt)) return run.startedAt;
  if (m_follower)
    if (std::optional<double> first = m_follower->firstWallTime(run.id)) return *first;
  return std::numeric_limits<double>::quiet_NaN();
}

void MetricsPanel::setXAxis(XAxis axis) {
  if (axis == m_xAxis) return;
  m_xAxis = axis;
  {
    const QSignalBlocker block(m_xAxisPicker);
    m_xAxisPicker->setCurrentIndex(axis == XAxis::WallTime ? 1 : 0);
  }
  for (int p = 0; p < m_plots.size(); ++p) {
    hideTracer(p);
    m_dirty.insert(p);
  }
  scheduleFlush();
}

void MetricsPanel::setLogY(bool on) {
  if (on == m_logY) return;
  m_logY = on;
  {
    const QSignalBlocker block(m_logYCheck);
    m_logYCheck->setChecked(on);
  }
  for (int p = 0; p < m_plots.size(); ++p) m_dirty.insert(p);
  scheduleFlush();
}

void MetricsPanel::updateLogNote() {
  int skipped = 0;
  for (const PlotSlot& slot : m_plots) skipped += slot.skipped;
  m_logNote->setVisible(m_logY && skipped > 0);
  m_logNote->setText(tr("%1 values ≤ 0 not drawn").arg(skipped));
  m_logNote->setToolTip(
      tr("The logarithmic scale cannot show values ≤ 0; hover a plot to see how many of its values are left out"));
}

QString MetricsPanel::formatX(double x) const {
  if (m_xAxis == XAxis::Step) return tr("step %1").arg(static_cast<qlonglong>(std::llround(x)));
  const qint64 s = static_cast<qint64>(std::llround(x));
  const qint64 a = std::abs(s);
  return tr("time %1").arg(QStringLiteral("%1%2:%3:%4")
                               .arg(s < 0 ? QStringLiteral("-") : QString())
                               .arg(a / 3600)
                               .arg((a / 60) % 60, 2, 10, QLatin1Char('0'))
                               .arg(a % 60, 2, 10, QLatin1Char('0')));
}

QString MetricsPanel::tracerText(int plot, double x) const {
  if (!m_follower || plot < 0 || plot >= m_plots.size()) return QString();
  const QString& key = m_plots.at(plot).key;
  const bool smooth = m_smoothing > 0.0;
  QString header;
  double headerX = 0;
  QStringList lines;
  for (const RunRef& run : m_runs) {
    const MetricSeries* s = m_follower->series(run.id, key);
    if (!s || s->values.isEmpty()) continue;
    const QVector<double> xs = xValues(*s, m_xAxis, runStart(run));
    const int i = nearestIndex(xs, x);
    if (i < 0) continue;
    if (header.isEmpty()) {
      headerX = xs[i];
      header = formatX(xs[i]);
    }
    QString line = run.name + QStringLiteral(": ");
    if (smooth)
      line += tr("%1 (raw %2)").arg(formatValue(debiasedEma(s->values, m_smoothing)[i]), formatValue(s->values[i]));
    else line += formatValue(s->values[i]);
    if (xs[i] != headerX) line += QStringLiteral(" · ") + formatX(xs[i]);
    lines << line;
  }
  if (header.isEmpty()) return QString();
  return header + QLatin1Char('\n') + lines.join(QLatin1Char('\n'));
}

void MetricsPanel::showTracer(int p, double x) {
  PlotSlot& slot = m_plots[p];
  if (!slot.tracerLabel) return;
  slot.tracerX = x;
  const QString text = tracerText(p, x);
  if (text.isEmpty()) {
    hideTracer(p);
    return;
  }
  // The line at the nearest point's x (the header's), the label on the side away from the mouse.
  double snapped = x;
  for (const RunRef& run : m_runs) {
    const MetricSeries* s = m_follower ? m_follower->series(run.id, slot.key) : nullptr;
    if (!s || s->values.isEmpty()) continue;
    const QVector<double> xs = xValues(*s, m_xAxis, runStart(run));
    const int i = nearestIndex(xs, x);
    if (i >= 0) {
      snapped = xs[i];
      break;
    }
  }
  slot.tracerLine->point1->setCoords(snapped, 0);
  slot.tracerLine->point2->setCoords(snapped, 1);
  slot.tracerLine->setVisible(true);
  const int n = static_cast<int>(m_runs.size());
  const bool smooth = slot.plot->graphCount() == 2 * n && n > 0;
  for (int r = 0; r < slot.tracerDots.size(); ++r) {
    QCPItemTracer* dot = slot.tracerDots[r];
    QCPGraph* graph = r < slot.plot->graphCount() ? slot.plot->graph(smooth ? n + r : r) : nullptr;
    const bool has = graph && !graph->data()->isEmpty();
    dot->setGraph(has ? graph : nullptr);
    dot->setGraphKey(x);
    dot->setVisible(has);
  }
  const bool left = slot.plot->xAxis->coordToPixel(snapped) > slot.plot->axisRect()->center().x();
  slot.tracerLabel->setPositionAlignment(Qt::AlignTop | (left ? Qt::AlignLeft : Qt::AlignRight));
  slot.tracerLabel->position->setCoords(left ? 0.02 : 0.98, 0.03);
  slot.tracerLabel->setText(text);
  slot.tracerLabel->setVisible(true);
  slot.plot->layer(QStringLiteral("overlay"))->replot();
}

void MetricsPanel::hideTracer(int p) {
  PlotSlot& slot = m_plots[p];
  if (!slot.tracerLabel || !slot.tracerLabel->visible()) return;
  slot.tracerLabel->setVisible(false);
  slot.tracerLine->setVisible(false);
  for (QCPItemTracer* dot : slot.tracerDots) {
    dot->setVisible(false);
    dot->setGraph(nullptr);
  }
  slot.plot->layer(QStringLiteral("overlay"))->replot();
}

bool MetricsPanel::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() == QEvent::Leave)
    for (int p = 0; p < m_plots.size(); ++p)
      if (m_plots[p].plot == watched) hideTracer(p);
  return QWidget::eventFilter(watched, event);
}

void MetricsPanel::flush() {
  if (m_dirty.isEmpty()) return;
  for (int p : m_dirty) fillPlot(m_plots[p]);
  for (int p : m_dirty) m_plots[p].plot->replot();
  m_dirty.clear();
  updateLogNote();
  ++m_replotCount;
}
