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
//
// A second view (the "Per layer" choice above the chart, issue 12) shows one angle per layer group
// instead: Ω over each group's concatenated task vectors, the grouping of a layer SLERP
// (merge/layer_groups.h: the embeddings, each transformer block h.N, the final norm ln_f), as
// MergeWorkbench::omega_group_records measures it (the values a `warp merge --granularity layer`
// meta records under "groups"). The mean line is then the mean over the groups (the meta's
// mean_omega_deg of a layer merge); groups whose SLERP fell back to LERP are red crosses.

#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>

class QComboBox;
class QCustomPlot;
class QLabel;
class QMouseEvent;

struct OmegaEntry {
  QString name;
  qint64 numel = 0;
  double omegaDeg = 0;    // NaN when a task vector is zero
  bool fallback = false;  // SLERP used LERP for this tensor (or this group)
  QStringList tensors;    // a layer group's tensors (empty for a tensor)
};

class OmegaChart : public QWidget {
  Q_OBJECT

 public:
  enum class View { Tensor, Layer };

  explicit OmegaChart(QWidget* parent = nullptr);

  // The per-tensor and the per-layer-group angles (either may be empty).
  void setEntries(const QVector<OmegaEntry>& entries);
  void setLayerEntries(const QVector<OmegaEntry>& entries);
  const QVector<OmegaEntry>& tensorEntries() const { return m_tensorEntries; }
  const QVector<OmegaEntry>& layerEntries() const { return m_layerEntries; }
  // The entries of the view shown (what the indices below refer to).
  const QVector<OmegaEntry>& entries() const { return m_view == View::Layer ? m_layerEntries : m_tensorEntries; }
  void setView(View view);
  View view() const { return m_view; }
  QComboBox* viewCombo() const { return m_viewCombo; }

  // "embeddings", "layer 3", "ln_f", "other" for a tensor name ("transformer." prefixes ignored).
  static QString layerGroup(const QString& tensorName);
  // "layer 3" for a group "h.3", "embeddings", "ln_f"; other names as they are.
  static QString groupLabel(const QString& groupName);
  // Mean of the defined angles of the view shown (NaN when none).
  double meanOmega() const { return m_mean; }
  // The tensor indices drawn as regular markers and as fallback markers.
  QVector<int> regularIndices() const;
  QVector<int> fallbackIndices() const;
  // "h.0.attn.c_attn.weight: Ω = 89.71°" (or "Ω undefined (zero task vector)"; "LERP fallback"); a
  // group says how many tensors it concatenates.
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
  static double meanOf(const QVector<OmegaEntry>& entries);

  QVector<OmegaEntry> m_tensorEntries;
  QVector<OmegaEntry> m_layerEntries;
  View m_view = View::Tensor;
  double m_mean;
  QComboBox* m_viewCombo = nullptr;
  QCustomPlot* m_plot = nullptr;
  QLabel* m_summary = nullptr;
  QString m_lastToolTip;
};
