#include "plot/kl_reward_plane.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QMouseEvent>
#include <QPushButton>
#include <QSpinBox>
#include <QToolTip>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include "plot/figure_plot.h"
#include "util/error.h"

namespace {

constexpr int kHitRadiusPx = 8;
const QSize kDefaultExportSize(800, 560);

double yOf(const PlanePoint& p, KlRewardPlane::YAxis axis) {
  return axis == KlRewardPlane::YAxis::Gold ? p.gold : p.reward;
}

double ySeOf(const PlanePoint& p, KlRewardPlane::YAxis axis) {
  return axis == KlRewardPlane::YAxis::Gold ? p.goldSe : p.rewardSe;
}

QString number(double v) { return QString::number(v, 'f', 3); }

// "0.512 ± 0.031", "0.512" without an SE, "—" when unknown.
QString meanSe(double mean, double se) {
  if (!std::isfinite(mean)) return QStringLiteral("—");
  if (!std::isfinite(se)) return number(mean);
  return QStringLiteral("%1 ± %2").arg(number(mean), number(se));
}

// Asks the size of an exported image; false when cancelled.
bool askImageSize(QWidget* parent, QSize* size) {
  QDialog dialog(parent);
  dialog.setWindowTitle(KlRewardPlane::tr("Image size"));
  auto* form = new QFormLayout(&dialog);
  auto* width = new QSpinBox(&dialog);
  auto* height = new QSpinBox(&dialog);
  for (QSpinBox* box : {width, height}) {
    box->setRange(16, 20000);
    box->setSuffix(KlRewardPlane::tr(" px"));
  }
  width->setValue(size->width());
  height->setValue(size->height());
  form->addRow(KlRewardPlane::tr("Width:"), width);
  form->addRow(KlRewardPlane::tr("Height:"), height);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  form->addRow(buttons);
  QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  if (dialog.exec() != QDialog::Accepted) return false;
  *size = QSize(width->value(), height->value());
  return true;
}

}  // namespace

KlRewardPlane::KlRewardPlane(QWidget* parent) : QWidget(parent), m_tau(std::numeric_limits<double>::quiet_NaN()) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("y axis:"), this));
  m_yPicker = new QComboBox(this);
  m_yPicker->addItem(tr("learned reward r"));
  m_yPicker->addItem(tr("gold reward"));
  m_yPicker->setToolTip(
      tr("The reward RL optimised (r) or the gold reward of the same completions: "
         "their gap shows reward hacking"));
  bar->addWidget(m_yPicker);
  bar->addStretch(1);
  m_exportButton = new QPushButton(tr("Export plot…"), this);
  m_exportButton->setToolTip(tr("Save the plane as PNG, PDF or SVG at a chosen size, or its points as CSV"));
  bar->addWidget(m_exportButton);
  layout->addLayout(bar);
  m_plot = new QCustomPlot(this);
  m_plot->setMinimumSize(320, 240);
  m_plot->setMouseTracking(true);
  layout->addWidget(m_plot, 1);

  connect(m_yPicker, qOverload<int>(&QComboBox::currentIndexChanged), this,
          [this](int index) { setYAxis(index == 1 ? YAxis::Gold : YAxis::Reward); });
  connect(m_exportButton, &QPushButton::clicked, this, &KlRewardPlane::onExportClicked);
  connect(m_plot, &QCustomPlot::mouseMove, this, &KlRewardPlane::onMouseMove);
  connect(m_plot, &QCustomPlot::mouseRelease, this, &KlRewardPlane::onMouseRelease);
  redraw();
}

void KlRewardPlane::setSeries(const QVector<PlaneSeries>& series) {
  m_series = series;
  redraw();
}

void KlRewardPlane::setEvalTemperature(double tau) {
  if (tau == m_tau || (std::isnan(tau) && std::isnan(m_tau))) return;
  m_tau = tau;
  redraw();
}

void KlRewardPlane::setYAxis(YAxis axis) {
  if (axis == m_yAxis) return;
  m_yAxis = axis;
  {
    const QSignalBlocker block(m_yPicker);
    m_yPicker->setCurrentIndex(axis == YAxis::Gold ? 1 : 0);
  }
  redraw();
  Q_EMIT yAxisChanged(axis);
}

void KlRewardPlane::setCurrentId(const QString& id) {
  if (id == m_currentId) return;
  m_currentId = id;
  redraw();
}

void KlRewardPlane::setEstimate(const std::optional<PlanePoint>& estimate) {
  if (!estimate && !m_estimate) return;
  m_estimate = estimate;
  redraw();
}

const PlanePoint* KlRewardPlane::point(const QString& id) const {
  for (const PlaneSeries& s : m_series)
    for (const PlanePoint& p : s.points)
      if (p.id == id) return &p;
  return nullptr;
}

QString KlRewardPlane::xAxisLabel(double tau) {
  if (!std::isfinite(tau)) return tr("KL(π ‖ π_sft), sequence");
  return tr("KL(π ‖ π_sft), sequence, at τ = %1").arg(QString::number(tau, 'g', 4));
}

warp::Figure KlRewardPlane::buildFigure(const QVector<PlaneSeries>& series, YAxis axis, double tau) {
  warp::Figure f;
  f.title = tr("KL-reward plane").toStdString();
  f.x_label = xAxisLabel(tau).toStdString();
  f.y_label = (axis == YAxis::Gold ? tr("gold reward") : tr("reward r")).toStdString();
  f.legend = "best";  // the trajectories and fronts go up or down with KL: the emptier corner
  f.width = kDefaultExportSize.width();
  f.height = kDefaultExportSize.height();
  f.caption = tr("RL trajectories (eval/*), WARP fronts per iteration (front/eta<η>/*), Algorithm 1's output "
                 "front (output/eta<η>/*) and merged points, on the fixed evaluation prompts.")
                  .toStdString();
  f.panels.resize(1);
  for (const PlaneSeries& s : series) {
    warp::FigureSeries fs;
    fs.name = s.name.toStdString();
    switch (s.kind) {
      case PlaneSeries::Kind::Trajectory:
        fs.style = "line+markers";
        fs.marker = "circle";
        break;
      case PlaneSeries::Kind::IterationFront:
        fs.style = "line+markers";
        fs.marker = "diamond";
        fs.dash = true;
        break;
      case PlaneSeries::Kind::OutputFront:
        fs.style = "line+markers";
        fs.marker = "square";
        fs.dash = true;
        break;
      case PlaneSeries::Kind::MergePoints:
        fs.style = "markers";
        fs.marker = "triangle";
        break;
    }
    bool anyErr = false, anyLabel = false;
    for (const PlanePoint& p : s.points) {
      fs.x.push_back(p.kl);
      fs.y.push_back(yOf(p, axis));
      const double se = ySeOf(p, axis);
      anyErr = anyErr || std::isfinite(se);
      fs.y_err.push_back(std::isfinite(se) ? se : std::numeric_limits<double>::quiet_NaN());
      anyLabel = anyLabel || !p.label.isEmpty();
      fs.labels.push_back(p.label.toStdString());
    }
    if (!anyErr) fs.y_err.clear();
    if (!anyLabel) fs.labels.clear();
    if (!fs.x.empty()) f.panels[0].series.push_back(std::move(fs));
  }
  return f;
}

QVector<int> KlRewardPlane::nonDominatedIndices(const QVector<double>& kl, const QVector<double>& y) {
  QVector<int> order;
  for (int i = 0; i < kl.size(); ++i)
    if (std::isfinite(kl[i]) && std::isfinite(y[i])) order << i;
  // By KL ascending, then y descending: a point is non-dominated when its y beats every point of
  // lower (or equal) KL seen before it; an exact duplicate of the last kept point is kept too.
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    if (kl[a] != kl[b]) return kl[a] < kl[b];
    return y[a] > y[b];
  });
  QVector<int> front;
  for (int i : order) {
    if (front.isEmpty() || y[i] > y[front.back()]) {
      front << i;
    } else if (kl[i] == kl[front.back()] && y[i] == y[front.back()]) {
      front << i;
    }
  }
  return front;
}

QVector<PlanePoint> KlRewardPlane::nonDominated() const {
  QVector<const PlanePoint*> all;
  QVector<double> kl, y;
  for (const PlaneSeries& s : m_series)
    for (const PlanePoint& p : s.points) {
      all << &p;
      kl << p.kl;
      y << yOf(p, m_yAxis);
    }
  QVector<PlanePoint> front;
  for (int i : nonDominatedIndices(kl, y)) front << *all[i];
  return front;
}

QString KlRewardPlane::toolTipText(const PlanePoint& p, const QString& seriesName) {
  QStringList lines;
  lines << seriesName;
  lines << p.provenance;
  lines << tr("reward r: %1").arg(meanSe(p.reward, p.rewardSe));
  lines << tr("gold reward: %1").arg(meanSe(p.gold, p.goldSe));
  lines << tr("KL to θ_sft: %1").arg(meanSe(p.kl, p.klSe));
  return lines.join(QLatin1Char('\n'));
}

const PlanePoint* KlRewardPlane::pointAt(const QPoint& pos, QString* seriesName) const {
  if (m_plot->axisRectCount() == 0) return nullptr;
  QCPAxisRect* rect = m_plot->axisRect(0);
  QCPAxis* x = rect->axis(QCPAxis::atBottom);
  QCPAxis* y = rect->axis(QCPAxis::atLeft);
  const PlanePoint* best = nullptr;
  double bestDist = kHitRadiusPx * kHitRadiusPx;
  for (const PlaneSeries& s : m_series) {
    for (const PlanePoint& p : s.points) {
      const double py = yOf(p, m_yAxis);
      if (!std::isfinite(p.kl) || !std::isfinite(py)) continue;
      const double dx = x->coordToPixel(p.kl) - pos.x();
      const double dy = y->coordToPixel(py) - pos.y();
      const double d = dx * dx + dy * dy;
      if (d <= bestDist) {
        bestDist = d;
        best = &p;
        if (seriesName) *seriesName = s.name;
      }
    }
  }
  return best;
}

QPoint KlRewardPlane::pixelOf(const QString& id) const {
  const PlanePoint* p = point(id);
  if (!p || m_plot->axisRectCount() == 0) return QPoint(-1, -1);
  const double py = yOf(*p, m_yAxis);
  if (!std::isfinite(p->kl) || !std::isfinite(py)) return QPoint(-1, -1);
  QCPAxisRect* rect = m_plot->axisRect(0);
  return QPoint(qRound(rect->axis(QCPAxis::atBottom)->coordToPixel(p->kl)),
                qRound(rect->axis(QCPAxis::atLeft)->coordToPixel(py)));
}

void KlRewardPlane::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  // The system switched between light and dark (or the Appearance setting did): redraw in its colours.
  if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange) redraw();
}

PlotTheme KlRewardPlane::theme() const { return PlotTheme::fromPalette(palette()); }

void KlRewardPlane::redraw() {
  m_figure = buildFigure(m_series, m_yAxis, m_tau);
  renderFigure(m_figure, m_plot, theme());
  drawOverlays();
  m_plot->replot();
  ++m_redrawCount;
  m_exportButton->setEnabled(!m_figure.panels[0].series.empty());
}

void KlRewardPlane::drawOverlays() {
  if (m_plot->axisRectCount() == 0) return;
  QCPAxisRect* rect = m_plot->axisRect(0);
  QCPAxis* xAxis = rect->axis(QCPAxis::atBottom);
  QCPAxis* yAxis = rect->axis(QCPAxis::atLeft);
  auto plotCoords = [&](QCPItemPosition* position, double x, double y) {
    position->setAxes(xAxis, yAxis);
    position->setType(QCPItemPosition::ptPlotCoords);
    position->setCoords(x, y);
  };
  // The non-dominated set as a step line: the best y reachable within a KL budget.
  const PlotTheme look = theme();
  const QVector<PlanePoint> front = nonDominated();
  QPen stepPen(look.muted, 1.4);
  stepPen.setStyle(Qt::DotLine);
  auto segment = [&](double x0, double y0, double x1, double y1) {
    auto* line = new QCPItemLine(m_plot);
    line->setClipAxisRect(rect);
    line->setPen(stepPen);
    line->setSelectable(false);
    plotCoords(line->start, x0, y0);
    plotCoords(line->end, x1, y1);
  };
  for (int i = 0; i + 1 < front.size(); ++i) {
    const double y0 = yOf(front[i], m_yAxis), y1 = yOf(front[i + 1], m_yAxis);
    segment(front[i].kl, y0, front[i + 1].kl, y0);
    if (y1 != y0) segment(front[i + 1].kl, y0, front[i + 1].kl, y1);
  }
  // The current point: a ring.
  if (const PlanePoint* current = point(m_currentId)) {
    const double y = yOf(*current, m_yAxis);
    if (std::isfinite(current->kl) && std::isfinite(y)) {
      auto* ring = new QCPItemTracer(m_plot);
      ring->setClipAxisRect(rect);
      ring->setStyle(QCPItemTracer::tsCircle);
      ring->setSize(16);
      ring->setPen(QPen(look.ink, 2.2));
      ring->setBrush(Qt::NoBrush);
      ring->setSelectable(false);
      plotCoords(ring->position, current->kl, y);
    }
  }
  // The estimate of a point being evaluated: a dashed ring with its ± SE bars and a label.
  if (m_estimate) {
    const PlanePoint& e = *m_estimate;
    const double y = yOf(e, m_yAxis), ySe = m_yAxis == YAxis::Gold ? e.goldSe : e.rewardSe;
    if (std::isfinite(e.kl) && std::isfinite(y)) {
      const QColor c = look.readable(QColor(214, 120, 0), PlotTheme::kMinTextContrast);
      QPen bar(c, 1.4);
      auto line = [&](double x0, double y0, double x1, double y1) {
        auto* l = new QCPItemLine(m_plot);
        l->setClipAxisRect(rect);
        l->setPen(bar);
        l->setSelectable(false);
        plotCoords(l->start, x0, y0);
        plotCoords(l->end, x1, y1);
      };
      if (std::isfinite(ySe) && ySe > 0) line(e.kl, y - ySe, e.kl, y + ySe);
      if (std::isfinite(e.klSe) && e.klSe > 0) line(e.kl - e.klSe, y, e.kl + e.klSe, y);
      auto* ring = new QCPItemTracer(m_plot);
      ring->setClipAxisRect(rect);
      ring->setStyle(QCPItemTracer::tsCircle);
      ring->setSize(14);
      QPen ringPen(c, 2.0);
      ringPen.setStyle(Qt::DashLine);
      ring->setPen(ringPen);
      ring->setBrush(Qt::NoBrush);
      ring->setSelectable(false);
      plotCoords(ring->position, e.kl, y);
      if (!e.label.isEmpty()) {
        auto* text = new QCPItemText(m_plot);
        text->setClipAxisRect(rect);
        text->setText(e.label);
        text->setColor(c);
        text->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
        text->setSelectable(false);
        plotCoords(text->position, e.kl, y);
        text->setPadding(QMargins(10, 0, 0, 8));
      }
    }
  }
}

void KlRewardPlane::onMouseMove(QMouseEvent* event) {
  QString name;
  const PlanePoint* p = pointAt(event->pos(), &name);
  m_lastToolTip = p ? toolTipText(*p, name) : QString();
  if (p) QToolTip::showText(m_plot->mapToGlobal(event->pos()), m_lastToolTip, m_plot);
  else QToolTip::hideText();
}

void KlRewardPlane::onMouseRelease(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return;
  const PlanePoint* p = pointAt(event->pos());
  if (!p) return;
  const QString id = p->id;  // setCurrentId redraws; p stays valid (series unchanged) but copy anyway
  setCurrentId(id);
  Q_EMIT currentPointChanged(id);
}

void KlRewardPlane::exportTo(const QString& path, const QSize& size) const {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix == QLatin1String("csv")) {
    warp::write_csv(m_figure, path.toStdString());
    return;
  }
  warp::Figure f = m_figure;
  if (size.isValid()) {
    if (size.width() < 16 || size.height() < 16 || size.width() > 20000 || size.height() > 20000)
      throw warp::BadInput(path.toStdString() + ": image size must be 16..20000 pixels a side");
    f.width = size.width();
    f.height = size.height();
  }
  saveFigure(f, path);  // BadInput for an unknown suffix
}

void KlRewardPlane::onExportClicked() {
  const QString start =
      (m_exportDir.isEmpty() ? QDir::homePath() : m_exportDir) + QStringLiteral("/kl-reward-plane.png");
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Export the KL-reward plane"), start,
      tr("PNG image (*.png);;PDF document (*.pdf);;SVG image (*.svg);;CSV of the points (*.csv)"));
  if (path.isEmpty()) return;
  QSize size(m_figure.width, m_figure.height);
  if (QFileInfo(path).suffix().toLower() != QLatin1String("csv") && !askImageSize(this, &size)) return;
  try {
    exportTo(path, size);
  } catch (const std::exception& e) {
    QMessageBox::critical(this, tr("Export failed"), QString::fromUtf8(e.what()));
  }
}
