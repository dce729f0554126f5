#pragma once
// Live curves of the selected runs, five fixed plots chosen by what the runs are (PlotSet) and one
// key of the user's choice. RL runs (train, warp): RM reward (train/reward), gold reward
// (train/gold), KL to the anchor (train/kl_anchor), KL to the SFT policy (train/kl_sft), the
// evaluation reward on the fixed prompts (eval/reward). An SFT run: training and held-out loss,
// held-out perplexity, throughput (tokens/s), learning rate. A reward-model run: training loss and
// pair accuracy, held-out loss and pair accuracy (learned and gold labels). Each against the step, one graph per run
// (Okabe-Ito palette by selection order). Data come from a MetricsFollower; graphs are refilled
// and replotted at most once per replot interval (40 ms, DESIGN §6) whatever the number of rows
// that arrived, never once per point.

#include <QHash>
#include <QSet>
#include <QPointer>
#include <QTimer>
#include <QVector>
#include <QWidget>

#include "models/metrics_follower.h"
#include "models/run_ref.h"

class QComboBox;
class QSlider;
class QCustomPlot;
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

 signals:
  // The user moved the smoothing slider (not emitted by setSmoothing).
  void smoothingChanged(double weight);

 public:

  // The plots, in grid order; the last one shows the key picked in keyPicker().
  int plotCount() const { return m_plots.size(); }
  QCustomPlot* plot(int i) const { return m_plots.at(i).plot; }
  QString plotKey(int i) const { return m_plots.at(i).key; }
  QComboBox* keyPicker() const { return m_keyPicker; }
  // The line shown above the plots while no run is selected.
  void setEmptyHint(const QString& text);
  QString emptyHint() const;
  // Shows `key` in the last plot (added to the picker if not listed yet).
  void setCustomKey(const QString& key);

  static constexpr int kReplotIntervalMs = 40;
  // Replots done since construction (all plots of one flush count once).
  int replotCount() const { return m_replotCount; }

 private slots:
  void onAppended(const QVector<MetricSeriesKey>& changed, int rows);
  void flush();

 private:
  struct PlotSlot {
    QString key;
    QCustomPlot* plot = nullptr;
    QLabel* title = nullptr;  // null for the picker's plot
  };
  void rebuildGraphs();
  void fillPlot(PlotSlot& slot);
  void updateKeyPicker();
  void scheduleFlush();

  QPointer<MetricsFollower> m_follower;
  RunRefList m_runs;
  PlotSet m_set = PlotSet::Rl;
  double m_smoothing = 0.0;
  QVector<PlotSlot> m_plots;
  QSet<int> m_dirty;  // plots to refill at the next flush
  QComboBox* m_keyPicker = nullptr;
  QSlider* m_smoothingSlider = nullptr;
  QLabel* m_smoothingValue = nullptr;
  QLabel* m_hint = nullptr;
  QLabel* m_legend = nullptr;  // run names in their colours
  QTimer m_flushTimer;
  int m_replotCount = 0;
};
