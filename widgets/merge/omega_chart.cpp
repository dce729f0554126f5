#include "merge/omega_chart.h"

#include <cmath>
#include <limits>

#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QRegularExpression>
#include <QToolTip>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include "plot/plot_theme.h"

namespace {

constexpr int kHitRadiusPx = 7;
const QColor kShades[2] = {QColor(0x00, 0x72, 0xB2), QColor(0x56, 0xB4, 0xE9)};  // Okabe-Ito blues
const QColor kFallback(0xD5, 0x5E, 0x00);                                        // vermillion

}  // namespace

OmegaChart::OmegaChart(QWidget* parent) : QWidget(parent), m_mean(std::numeric_limits<double>::quiet_NaN()) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* top = new QHBoxLayout;
  m_summary = new QLabel(this);
  m_summary->setWordWrap(true);
  top->addWidget(m_summary, 1);
  m_viewCombo = new QComboBox(this);
  m_viewCombo->addItem(tr("Per tensor"));
  m_viewCombo->addItem(tr("Per layer"));
  m_viewCombo->setToolTip(
      tr("Ω per tensor, or one Ω per layer group over its concatenated task vectors "
         "(the angle a layer SLERP uses)"));
  top->addWidget(m_viewCombo);
  layout->addLayout(top);
  connect(m_viewCombo, qOverload<int>(&QComboBox::currentIndexChanged), this,
          [this](int i) { setView(i == 1 ? View::Layer : View::Tensor); });
  m_plot = new QCustomPlot(this);
  m_plot->setMinimumSize(240, 160);
  m_plot->setMouseTracking(true);
  layout->addWidget(m_plot, 1);
  connect(m_plot, &QCustomPlot::mouseMove, this, &OmegaChart::onMouseMove);
  redraw();
}

QString OmegaChart::layerGroup(const QString& tensorName) {
  static const QRegularExpression layer(QStringLiteral("^(?:transformer\\.)?h\\.(\\d+)\\."));
  const QRegularExpressionMatch m = layer.match(tensorName);
  if (m.hasMatch()) return tr("layer %1").arg(m.captured(1));
  QString name = tensorName;
  if (name.startsWith(QLatin1String("transformer."))) name = name.mid(12);
  if (name.startsWith(QLatin1String("wte.")) || name.startsWith(QLatin1String("wpe."))) return tr("embeddings");
  if (name.startsWith(QLatin1String("ln_f."))) return QStringLiteral("ln_f");
  return tr("other");
}

QString OmegaChart::groupLabel(const QString& groupName) {
  static const QRegularExpression layer(QStringLiteral("^(?:transformer\\.)?h\\.(\\d+)$"));
  const QRegularExpressionMatch m = layer.match(groupName);
  if (m.hasMatch()) return tr("layer %1").arg(m.captured(1));
  if (groupName == QLatin1String("embeddings") || groupName == QLatin1String("transformer.embeddings"))
    return tr("embeddings");
  return groupName;
}

double OmegaChart::meanOf(const QVector<OmegaEntry>& entries) {
  double sum = 0;
  int n = 0;
  for (const OmegaEntry& e : entries) {
    if (!std::isfinite(e.omegaDeg)) continue;
    sum += e.omegaDeg;
    ++n;
  }
  return n ? sum / n : std::numeric_limits<double>::quiet_NaN();
}

void OmegaChart::setEntries(const QVector<OmegaEntry>& entries) {
  m_tensorEntries = entries;
  m_mean = meanOf(this->entries());
  redraw();
}

void OmegaChart::setLayerEntries(const QVector<OmegaEntry>& entries) {
  m_layerEntries = entries;
  m_mean = meanOf(this->entries());
  redraw();
}

void OmegaChart::setView(View view) {
  if (m_viewCombo->currentIndex() != (view == View::Layer ? 1 : 0)) {
    m_viewCombo->setCurrentIndex(view == View::Layer ? 1 : 0);  // comes back here through the signal
    return;
  }
  if (m_view == view) return;
  m_view = view;
  m_mean = meanOf(entries());
  redraw();
}

QVector<int> OmegaChart::regularIndices() const {
  QVector<int> out;
  for (int i = 0; i < entries().size(); ++i)
    if (!entries()[i].fallback && std::isfinite(entries()[i].omegaDeg)) out << i;
  return out;
}

QVector<int> OmegaChart::fallbackIndices() const {
  QVector<int> out;
  for (int i = 0; i < entries().size(); ++i)
    if (entries()[i].fallback || !std::isfinite(entries()[i].omegaDeg)) out << i;
  return out;
}

double OmegaChart::plottedY(int index) const {
  const double v = entries()[index].omegaDeg;
  return std::isfinite(v) ? v : 0.0;
}

QString OmegaChart::toolTipText(const OmegaEntry& e) {
  const QString name = e.tensors.isEmpty() ? e.name : tr("%1 (tensors: %2)").arg(e.name).arg(e.tensors.size());
  QString text = std::isfinite(e.omegaDeg) ? tr("%1: Ω = %2°").arg(name, QString::number(e.omegaDeg, 'f', 2))
                                           : tr("%1: Ω undefined (zero task vector)").arg(name);
  if (e.fallback) text += tr("; LERP fallback");
  return text;
}

QString OmegaChart::summary() const {
  if (entries().isEmpty()) return tr("No task vectors measured yet.");
  const int fallbacks = fallbackIndices().size();
  if (m_view == View::Layer)
    return tr("Ω between the task vectors δ1 and δ2 per layer group (%1 groups, over each group's concatenated "
              "tensors): mean %2°, %3 with LERP fallback")
        .arg(entries().size())
        .arg(std::isfinite(m_mean) ? QString::number(m_mean, 'f', 2) : QStringLiteral("—"))
        .arg(fallbacks);
  return tr("Ω between the task vectors δ1 and δ2 per tensor (%1 tensors): mean %2°, %3 with LERP fallback")
      .arg(entries().size())
      .arg(std::isfinite(m_mean) ? QString::number(m_mean, 'f', 2) : QStringLiteral("—"))
      .arg(fallbacks);
}

void OmegaChart::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange)
    redraw();  // light ↔ dark
}

void OmegaChart::redraw() {
  const PlotTheme theme = PlotTheme::fromPalette(palette());
  applyPlotTheme(m_plot, theme);
  m_plot->clearPlottables();
  m_plot->clearItems();
  m_summary->setText(summary());
  QCPAxis* x = m_plot->xAxis;
  QCPAxis* y = m_plot->yAxis;
  y->setLabel(tr("Ω (degrees)"));
  const bool layers = m_view == View::Layer;
  x->setLabel(layers ? tr("layer group (θ_init's order)") : tr("tensor (θ_init's order), by layer"));

  // Two shades alternating by layer group, so the grouping shows; fallbacks on their own graph.
  QCPGraph* shade[2];
  for (int k = 0; k < 2; ++k) {
    shade[k] = m_plot->addGraph();
    shade[k]->setLineStyle(QCPGraph::lsNone);
    const QColor c = theme.readable(kShades[k]);
    shade[k]->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, c, c, 6));
    shade[k]->setName(layers ? tr("Ω per layer") : tr("Ω per tensor"));
  }
  QCPGraph* fallback = m_plot->addGraph();
  fallback->setLineStyle(QCPGraph::lsNone);
  fallback->setScatterStyle(
      QCPScatterStyle(QCPScatterStyle::ssCross, QPen(theme.readable(kFallback), 2), Qt::NoBrush, 8));
  fallback->setName(tr("LERP fallback"));

  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  QString group;
  int groupIndex = -1;
  for (int i = 0; i < entries().size(); ++i) {
    const QString g = layers ? groupLabel(entries()[i].name) : layerGroup(entries()[i].name);
    if (g != group) {
      group = g;
      ++groupIndex;
      ticker->addTick(i, g);
    }
    if (entries()[i].fallback || !std::isfinite(entries()[i].omegaDeg)) fallback->addData(i, plottedY(i));
    else shade[groupIndex % 2]->addData(i, plottedY(i));
  }
  x->setTicker(ticker);
  x->setTickLabelRotation(-40);
  x->setRange(-1, std::max(1, static_cast<int>(entries().size())));
  y->setRange(0, 180);
  QSharedPointer<QCPAxisTickerFixed> degrees(new QCPAxisTickerFixed);
  degrees->setTickStep(30);
  y->setTicker(degrees);

  if (std::isfinite(m_mean)) {
    auto* mean = new QCPItemStraightLine(m_plot);
    QPen pen(theme.muted, 1.2);
    pen.setStyle(Qt::DashLine);
    mean->setPen(pen);
    mean->point1->setCoords(0, m_mean);
    mean->point2->setCoords(1, m_mean);
    auto* label = new QCPItemText(m_plot);
    label->position->setType(QCPItemPosition::ptAxisRectRatio);
    label->position->setCoords(0.99, 0.02);
    label->setPositionAlignment(Qt::AlignRight | Qt::AlignTop);
    label->setText(tr("mean Ω %1°").arg(QString::number(m_mean, 'f', 2)));
    label->setColor(theme.ink);
  }
  m_plot->replot();
}

int OmegaChart::entryAt(const QPoint& pos) const {
  int best = -1;
  double bestDist = kHitRadiusPx * kHitRadiusPx;
  for (int i = 0; i < entries().size(); ++i) {
    const double dx = m_plot->xAxis->coordToPixel(i) - pos.x();
    const double dy = m_plot->yAxis->coordToPixel(plottedY(i)) - pos.y();
    if (dx * dx + dy * dy <= bestDist) {
      bestDist = dx * dx + dy * dy;
      best = i;
    }
  }
  return best;
}

void OmegaChart::onMouseMove(QMouseEvent* event) {
  const int i = entryAt(event->pos());
  m_lastToolTip = i >= 0 ? toolTipText(entries()[i]) : QString();
  if (i >= 0) QToolTip::showText(m_plot->mapToGlobal(event->pos()), m_lastToolTip, m_plot);
  else QToolTip::hideText();
}
