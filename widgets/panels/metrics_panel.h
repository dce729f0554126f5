#pragma once
// Live curves of the selected runs, five fixed plots chosen by what the runs are (PlotSet) and one
// key of the user's choice. RL runs (train, warp): RM reward (train/reward), gold reward
// (train/gold), KL to the anchor (train/kl_anchor), KL to the SFT policy (train/kl_sft), the
// evaluation reward on the fixed prompts (eval/reward). An SFT run: training and held-out loss,
// held-out perplexity, throughput (tokens/s), learning rate. A reward-model run: training loss and
// pair accuracy, held-out loss and pair accuracy (learned and gold labels). Each against the step
// or the wall time since the run's start (XAxis), one graph per run (Okabe-Ito palette by selection
// order, made readable on the palette's light or dark background: plot/plot_theme.h), the y axis
// linear or logarithmic. Data come from a MetricsFollower; graphs are refilled and replotted at
// most once per replot interval (40 ms, DESIGN §6) whatever the number of rows
// that arrived, never once per point. Moving the mouse over a plot shows a tracer: a vertical line
// at the nearest point, a dot on each run's curve and a label with the step (or time) and each
// run's value there, smoothed and raw (only the plot's overlay layer is redrawn for it).

#include <QHash>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <QVector>
#include <QWidget>

#include "models/metrics_follower.h"
#include "models/run_ref.h"
#include "plot/plot_theme.h"

class QCheckBox;
class QComboBox;
class QSlider;
class QCustomPlot;
class QCPItemStraightLine;
class QCPItemText;
class QCPItemTracer;
class QLabel;

class MetricsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit MetricsPanel(QWidget* parent = nullptr);

  void setFollower(MetricsFollower* follower);
  // The runs to plot (order = colour order). Replots when they changed.
  void setRuns(const RunRefList& runs);
  const RunRefList& runs() const { return m_runs; }

  // Which fixed plots are shown: RL curves whenever an RL run (kind train or warp) is selected, else
  // those of the first selected run's kind (sft, rm); RL for none.
  enum class PlotSet { Rl, Sft, RewardModel };
  static PlotSet plotSetFor(const RunRefList& runs);
  PlotSet plotSet() const { return m_set; }
  // The title above plot i.
  QString plotTitle(int i) const;

  // EMA smoothing weight of the curves (models/smoothing.h; the plot/smoothing setting). 0 (the
  // default): one raw graph per run. Above 0: graphs 0..n-1 stay the raw curves, drawn faint, and
  // graphs n..2n-1 are the smoothed curves of the same runs, drawn over them.
  // The slider above the plots (0..99 hundredths) sets it too and emits smoothingChanged.
  void setSmoothing(double weight);
  double smoothing() const { return m_smoothing; }
  QSlider* smoothingSlider() const { return m_smoothingSlider; }

  // The x axis of every plot: the step, or the wall time since the run's start in seconds (shown
  // as h:mm:ss): each metric row's wall_time minus the run's started_at (runs table), or minus the
  // run's earliest metric wall time when the database has no start. The X axis combo sets it too.
  enum class XAxis { Step, WallTime };
  void setXAxis(XAxis axis);
  XAxis xAxis() const { return m_xAxis; }
  QComboBox* xAxisPicker() const { return m_xAxisPicker; }
  // The x values of `series` on `axis`: its steps, or its rows' wall times minus `runStart`.
  static QVector<double> xValues(const MetricSeries& series, XAxis axis, double runStart);
  // The wall-time origin of `run` (see setXAxis); NaN when neither is known yet.
  double runStart(const RunRef& run) const;

  // Logarithmic y axes (the Log y check box). Values <= 0 have no place on them: they are left out
  // of the drawn curves (raw and smoothed separately; smoothing runs over all raw values first) and
  // counted: skippedNonPositive(i) for plot i, said in the plot's tooltip and beside the check box.
  void setLogY(bool on);
  bool logY() const { return m_logY; }
  QCheckBox* logYCheck() const { return m_logYCheck; }
  int skippedNonPositive(int plot) const { return m_plots.at(plot).skipped; }
  QLabel* logNote() const { return m_logNote; }

  // The tracer's text for plot `plot` at x coordinate `x` (step, or seconds since the start): the
  // nearest point's x (of the first run with data), then one line per selected run with data: its
  // value at its nearest point, smoothed first with the raw value in parentheses when smoothing is
  // on, and the run's own x when it differs. Empty when no run has data in that plot.
  QString tracerText(int plot, double x) const;
  // Shows / hides plot `plot`'s tracer as the mouse does (x in axis coordinates).
  void showTracer(int plot, double x);
  void hideTracer(int plot);
  QCPItemText* tracerLabel(int plot) const { return m_plots.at(plot).tracerLabel; }

 signals:
  // The user moved the smoothing slider (not emitted by setSmoothing).
  void smoothingChanged(double weight);
  // The user picked another x axis / toggled Log y (not emitted by setXAxis / setLogY); the main
  // window stores them in the settings (plot/xAxis, plot/logY).
  void xAxisChanged(MetricsPanel::XAxis axis);
  void logYChanged(bool on);

 public:
  // The plots, in grid order; the last one shows the key picked in keyPicker().
  int plotCount() const { return m_plots.size(); }
  QCustomPlot* plot(int i) const { return m_plots.at(i).plot; }
  QString plotKey(int i) const { return m_plots.at(i).key; }
  QComboBox* keyPicker() const { return m_keyPicker; }
  // The line shown above the plots while no run is selected.
  void setEmptyHint(const QString& text);
  QString emptyHint() const;
  // Shows `key` in the last plot (added to the picker if not listed yet), as picking it does. Until
  // a key is picked the last plot shows the plot set's default extra curve (train/entropy for RL,
  // train/grad_norm for SFT, eval/corr_gold for a reward model), or when the selected runs have not
  // written it, the first of their keys that no fixed plot shows (time/ keys last), if any.
  void setCustomKey(const QString& key);

  // The plots' colours: the panel's palette (light or dark), re-read when it changes.
  const PlotTheme& theme() const { return m_theme; }

  static constexpr int kReplotIntervalMs = 40;
  // A run's curve with at most this many points (drawn) shows them as dots of kDotSize pixels.
  static constexpr int kDotsMaxPoints = 12;
  static constexpr double kDotSize = 5.0;
  // Replots done since construction (all plots of one flush count once).
  int replotCount() const { return m_replotCount; }

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;
  void changeEvent(QEvent* event) override;

 private slots:
  void onAppended(const QVector<MetricSeriesKey>& changed, int rows);
  void flush();

 private:
  struct PlotSlot {
    QString key;
    QCustomPlot* plot = nullptr;
    QLabel* title = nullptr;  // null for the picker's plot
    int skipped = 0;          // values <= 0 left out on the log scale
    // The tracer (on the plot's "overlay" layer; recreated with the graphs).
    QCPItemStraightLine* tracerLine = nullptr;
    QCPItemText* tracerLabel = nullptr;
    QVector<QCPItemTracer*> tracerDots;
    double tracerX = 0;
  };
  void applyTheme();
  void rebuildGraphs();
  void fillPlot(PlotSlot& slot);
  void applyAxes(PlotSlot& slot);
  void updateLogNote();
  QString formatX(double x) const;
  void updateKeyPicker();
  void scheduleFlush();

  QPointer<MetricsFollower> m_follower;
  RunRefList m_runs;
  PlotSet m_set = PlotSet::Rl;
  double m_smoothing = 0.0;
  XAxis m_xAxis = XAxis::Step;
  bool m_logY = false;
  PlotTheme m_theme = PlotTheme::light();
  QVector<PlotSlot> m_plots;
  QSet<int> m_dirty;  // plots to refill at the next flush
  QComboBox* m_keyPicker = nullptr;
  bool m_keyPicked = false;  // the user picked the last plot's key (else it follows the runs)
  QSlider* m_smoothingSlider = nullptr;
  QLabel* m_smoothingValue = nullptr;
  QComboBox* m_xAxisPicker = nullptr;
  QCheckBox* m_logYCheck = nullptr;
  QLabel* m_logNote = nullptr;
  QLabel* m_hint = nullptr;
  QLabel* m_legend = nullptr;  // run names in their colours
  QTimer m_flushTimer;
  int m_replotCount = 0;
};
