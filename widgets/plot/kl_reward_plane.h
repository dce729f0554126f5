#pragma once
// The KL-reward plane (DESIGN §1 steps 3 and 4), shared by the Pareto tab and the Merge tab:
// x = KL(π ‖ π_sft) of the sequence at the evaluation temperature τ, y = the learned reward r or the
// gold reward (a toggle), every point measured on the experiment's fixed evaluation prompts.
//
// It draws series of points (PlaneSeries), in this order:
//   Trajectory      an RL run's eval/* points by step (line + markers, SE bars)
//   IterationFront  a WARP iteration's LITI front front/eta<η>/* (dashed, η labels)
//   OutputFront     Algorithm 1's output front output/eta<η>/* (dashed, η labels)
//   MergePoints     points evaluated in the Merge tab (markers)
// plus two overlays that are not data series (so not in figure() nor the CSV): the non-dominated
// set of every shown point (lower KL, higher y; conventions of core/eval/pareto.h) as a step line
// (grey, "best y within a KL budget"), and a ring around the current point.
//
// Hover over a point: a tooltip with its provenance and numbers (reward ± SE, gold ± SE, KL ± SE).
// Click on a point: it becomes the current point (currentPointChanged). The series are a
// warp::Figure (figure()) drawn with renderFigure, so the plane looks like the report's figures and
// exports as PNG / PDF / SVG at a chosen size (saveFigure) or CSV (warp::write_csv).

#include <optional>

#include <QSize>
#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include "plot/plot_theme.h"
#include "report/figure.h"

class QComboBox;
class QCustomPlot;
class QLabel;
class QMouseEvent;
class QPushButton;

// One point of the plane. Unknown values are NaN.
struct PlanePoint {
  QString id;  // unique on the plane: "run 3 step 100", "front 7 i2 η0.30", a merge recipe key
  double kl = 0, klSe = 0;
  double reward = 0, rewardSe = 0;
  double gold = 0, goldSe = 0;
  QString label;           // drawn beside the point (e.g. "η=0.30"); may be empty
  QStringList provenance;  // tooltip lines: where the point comes from (run / inputs, method, λ, η, checkpoint)
};

struct PlaneSeries {
  enum class Kind { Trajectory, IterationFront, OutputFront, MergePoints };
  Kind kind = Kind::Trajectory;
  QString name;
  QVector<PlanePoint> points;
};

class KlRewardPlane : public QWidget {
  Q_OBJECT

 public:
  enum class YAxis { Reward, Gold };

  explicit KlRewardPlane(QWidget* parent = nullptr);

  // Replaces the series drawn (and redraws). The current point stays current while its id is shown.
  void setSeries(const QVector<PlaneSeries>& series);
  const QVector<PlaneSeries>& series() const { return m_series; }
  // The evaluation temperature τ named in the x axis label (NaN: not named).
  void setEvalTemperature(double tau);
  double evalTemperature() const { return m_tau; }
  void setYAxis(YAxis axis);
  YAxis yAxis() const { return m_yAxis; }
  // The current point (ringed); an id not shown rings nothing. Does not emit currentPointChanged.
  void setCurrentId(const QString& id);
  QString currentId() const { return m_currentId; }
  // A provisional point (a merge being evaluated: the estimate from the prompts done so far), drawn
  // as a dashed ring with ± SE bars; not part of the series, the exports or the non-dominated set.
  // nullopt removes it.
  void setEstimate(const std::optional<PlanePoint>& estimate);
  const std::optional<PlanePoint>& estimate() const { return m_estimate; }
  // The point with this id, nullptr when none is shown.
  const PlanePoint* point(const QString& id) const;
  // Where the export dialog starts (the experiment's exports/ folder).
  void setExportDir(const QString& dir) { m_exportDir = dir; }

  // The figure drawn: the series with y = reward or gold (y_err its SE), x = kl, labels.
  const warp::Figure& figure() const { return m_figure; }
  static warp::Figure buildFigure(const QVector<PlaneSeries>& series, YAxis axis, double tau);
  // "KL(π ‖ π_sft), sequence, at τ = 0.9"
  static QString xAxisLabel(double tau);

  // The non-dominated points of everything shown (lower KL, higher y of the current axis), by KL
  // ascending; points with a NaN coordinate are never on it.
  QVector<PlanePoint> nonDominated() const;
  // The indices of the non-dominated (kl, y) pairs, by kl ascending; equal points are all kept.
  static QVector<int> nonDominatedIndices(const QVector<double>& kl, const QVector<double>& y);

  // The tooltip of a point: its series, provenance lines and numbers.
  static QString toolTipText(const PlanePoint& point, const QString& seriesName);
  // The point nearest to `pos` (plot() pixels) within a few pixels, nullptr when none.
  const PlanePoint* pointAt(const QPoint& pos, QString* seriesName = nullptr) const;
  // Where a point is drawn in plot() pixels (after a replot); (-1, -1) when it is not shown.
  QPoint pixelOf(const QString& id) const;
  // The tooltip shown by the last hover (empty when the mouse was over no point).
  QString lastToolTip() const { return m_lastToolTip; }

  // Writes the figure to `path`: .csv → its points (warp::write_csv); .png / .pdf / .svg → the plot
  // at `size` pixels (default: the figure's 800 × 560). Throws warp::BadInput for another suffix or
  // size, warp::Error when the file cannot be written.
  void exportTo(const QString& path, const QSize& size = QSize()) const;

  QCustomPlot* plot() const { return m_plot; }
  QComboBox* yAxisPicker() const { return m_yPicker; }
  QPushButton* exportButton() const { return m_exportButton; }
  int redrawCount() const { return m_redrawCount; }
  // The colours drawn on screen: the widget's palette (light or dark, plot/plot_theme.h); the
  // exports are always light.
  PlotTheme theme() const;

 public Q_SLOTS:
  void redraw();

 Q_SIGNALS:
  // The user clicked a point: it is now the current one.
  void currentPointChanged(const QString& id);
  void yAxisChanged(KlRewardPlane::YAxis axis);

 private Q_SLOTS:
  void onMouseMove(QMouseEvent* event);
  void onMouseRelease(QMouseEvent* event);
  void onExportClicked();

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void drawOverlays();

  QVector<PlaneSeries> m_series;
  std::optional<PlanePoint> m_estimate;
  warp::Figure m_figure;
  double m_tau;
  YAxis m_yAxis = YAxis::Reward;
  QString m_currentId;
  QString m_lastToolTip;
  QString m_exportDir;
  QCustomPlot* m_plot = nullptr;
  QComboBox* m_yPicker = nullptr;
  QPushButton* m_exportButton = nullptr;
  int m_redrawCount = 0;
};
