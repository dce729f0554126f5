#pragma once
// The angle Ω between the task vectors δ1 = θ1 − θ_init and δ2 = θ2 − θ_init of each tensor
// (DESIGN §5 stage 2; the paper observes them near-orthogonal, Ω ≈ 90°), as the merge workbench
// measures it (MergeWorkbench::omega_records: the first SLERP fold step).
//
// A scatter by tensor index (θ_init's order), grouped by layer: h.N.* is layer N ("L N" under the
// axis), the embeddings (wte, wpe) and the final layer norm (ln_f) are groups of their own; groups
// alternate two shades of blue. Tensors whose SLERP fell back to LERP (a zero task vector: Ω
// undefined, drawn at 0°; or (anti)parallel task vectors: sin Ω tiny) are drawn as red crosses. A
// dashed line marks the mean Ω over the tensors with a defined angle, the number the WARP driver
// logs as warp/mean_omega_deg (merge/merger.h mean_omega_deg). Hover a marker: tensor name and Ω.

#include <QString>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QLabel;
class QMouseEvent;

struct OmegaEntry {
  QString name;
  qint64 numel = 0;
  double omegaDeg = 0;    // NaN when a task vector is zero
  bool fallback = false;  // SLERP used LERP for this tensor
};

class OmegaChart : public QWidget {
  Q_OBJECT

 public:
  explicit OmegaChart(QWidget* parent = nullptr);

  void setEntries(const QVector<OmegaEntry>& entries);
  const QVector<OmegaEntry>& entries() const { return m_entries; }

  // "embeddings", "layer 3", "ln_f", "other" for a tensor name ("transformer." prefixes ignored).
  static QString layerGroup(const QString& tensorName);
  // Mean of the defined angles (NaN when none).
  double meanOmega() const { return m_mean; }
  // The tensor indices drawn as regular markers and as fallback markers.
  QVector<int> regularIndices() const;
  QVector<int> fallbackIndices() const;
  // "h.0.attn.c_attn.weight: Ω = 89.71°" (or "Ω undefined (zero task vector)"; "LERP fallback").
  static QString toolTipText(const OmegaEntry& entry);
  // The index of the marker nearest `pos` (plot() pixels) within a few pixels, -1 when none.
  int entryAt(const QPoint& pos) const;
  QString lastToolTip() const { return m_lastToolTip; }
  QCustomPlot* plot() const { return m_plot; }
  QString summary() const;

 private Q_SLOTS:
  void onMouseMove(QMouseEvent* event);

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void redraw();
  double plottedY(int index) const;

  QVector<OmegaEntry> m_entries;
  double m_mean;
  QCustomPlot* m_plot = nullptr;
  QLabel* m_summary = nullptr;
  QString m_lastToolTip;
};
