#include "plot/figure_plot.h"

#include <cmath>
#include <limits>
#include <optional>

#include <QApplication>
#include <QFileInfo>
#include <QSvgGenerator>

#include <qcustomplot.h>

#include "report/figure.h"
#include "util/error.h"
#include "util/fsutil.h"

namespace {

// Pixel sizes at 1x (a 640 px wide figure ≈ matplotlib's 6.4 in at 100 dpi).
constexpr int kTitlePx = 16, kPanelTitlePx = 14, kAxisLabelPx = 14, kTickPx = 12, kLegendPx = 12, kPointLabelPx = 11;
constexpr double kLineWidth = 2.0, kMarkerSize = 7.0, kErrorBarWidth = 1.4, kWhiskerWidth = 7.0;
constexpr double kMargin = 0.05;
constexpr int kLabelGap = 4;  // pixels kept between a point label and the panel's border

QString qs(const std::string& s) { return QString::fromStdString(s); }

QFont plotFont(int pixelSize, bool bold = false) {
  QFont f;
  f.setFamilies({QStringLiteral("DejaVu Sans"), QStringLiteral("Liberation Sans"), QStringLiteral("Arial"),
                 QStringLiteral("Helvetica")});
  f.setStyleHint(QFont::SansSerif);
  f.setPixelSize(pixelSize);
  f.setBold(bold);
  return f;
}

// Min / max of the values an axis shows.
struct Extent {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v, bool log) {
    if (!std::isfinite(v) || (log && v <= 0)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
};

// The range an axis gets for `e` (rules in figure_plot.h).
QCPRange fitRange(const Extent& e, bool log) {
  if (!(e.lo <= e.hi)) return log ? QCPRange(1, 10) : QCPRange(0, 1);
  if (log) {
    double a = std::log10(e.lo), b = std::log10(e.hi);
    if (b - a < 1e-9) {
      a -= std::log10(2.0);
      b += std::log10(2.0);
    } else {
      const double span = b - a;
      a -= kMargin * span;
      b += kMargin * span;
    }
    // Less than a decade shows at most one labelled tick: widen to the enclosing decades.
    if (std::floor(b) - std::ceil(a) < 1) {
      a = std::floor(a);
      b = std::ceil(b);
      if (b - a < 1) b = a + 1;
    }
    return QCPRange(std::pow(10.0, a), std::pow(10.0, b));
  }
  const double scale = std::max(std::fabs(e.lo), std::fabs(e.hi));
  if (e.hi - e.lo <= 1e-12 * scale) {
    if (scale == 0) return QCPRange(-1, 1);
    return QCPRange(e.lo - 0.1 * scale, e.hi + 0.1 * scale);
  }
  const double span = e.hi - e.lo;
  return QCPRange(e.lo - kMargin * span, e.hi + kMargin * span);
}

void styleAxis(QCPAxis* axis, bool log, bool primary, const PlotTheme& theme) {
  const QPen ink(theme.ink, 1.0);
  axis->setBasePen(ink);
  axis->setTickPen(ink);
  axis->setSubTickPen(ink);
  axis->setTicks(primary);  // the top and right axes close the box, without ticks
  axis->setTickLength(0, 5);
  axis->setSubTickLength(0, 3);
  axis->setSubTicks(primary && log);
  axis->setTickLabels(primary);
  axis->setTickLabelFont(plotFont(kTickPx));
  axis->setTickLabelColor(theme.ink);
  axis->setTickLabelPadding(4);
  axis->setLabelFont(plotFont(kAxisLabelPx));
  axis->setLabelColor(theme.ink);
  axis->setLabelPadding(6);
  axis->grid()->setVisible(primary);
  axis->grid()->setPen(QPen(theme.grid, 1.0));
  axis->grid()->setZeroLinePen(Qt::NoPen);
  axis->grid()->setSubGridVisible(false);
  if (log) {
    axis->setScaleType(QCPAxis::stLogarithmic);
    QSharedPointer<QCPAxisTickerLog> ticker(new QCPAxisTickerLog);
    ticker->setLogBase(10);
    ticker->setSubTickCount(8);
    axis->setTicker(ticker);
    axis->setNumberFormat(QStringLiteral("eb"));  // 10ⁿ
    axis->setNumberPrecision(0);
  } else {
    axis->setScaleType(QCPAxis::stLinear);
    axis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    axis->setNumberFormat(QStringLiteral("g"));
    axis->setNumberPrecision(6);
  }
}

// The corners a legend may take, in the order "best" prefers them on a tie.
const Qt::Alignment kCorners[] = {Qt::AlignTop | Qt::AlignRight, Qt::AlignTop | Qt::AlignLeft,
                                  Qt::AlignBottom | Qt::AlignLeft, Qt::AlignBottom | Qt::AlignRight};

Qt::Alignment legendAlignment(const std::string& where) {
  if (where == "top-right") return Qt::AlignTop | Qt::AlignRight;
  if (where == "bottom-left") return Qt::AlignBottom | Qt::AlignLeft;
  if (where == "bottom-right") return Qt::AlignBottom | Qt::AlignRight;
  return Qt::AlignTop | Qt::AlignLeft;
}

// "best": puts each panel's legend in the corner where it covers the fewest drawn points (markers,
// error bar ends, and points along the lines between markers), after the layout gave the legend
// its size. Like matplotlib's loc="best", on the data as it is now. True when a legend moved.
bool placeLegends(QCustomPlot* plot) {
  bool moved = false;
  for (QCPAxisRect* rect : plot->axisRects()) {
    QCPLayoutInset* inset = rect->insetLayout();
    int index = -1;
    for (int i = 0; i < inset->elementCount(); ++i)
      if (qobject_cast<QCPLegend*>(inset->elementAt(i))) index = i;
    if (index < 0) continue;
    const QSize size = inset->elementAt(index)->outerRect().size();
    const QMargins m = inset->margins();
    const QRect area = rect->rect().marginsRemoved(m);
    // The drawn points in pixels.
    QVector<QPointF> points;
    QCPAxis* xAxis = rect->axis(QCPAxis::atBottom);
    QCPAxis* yAxis = rect->axis(QCPAxis::atLeft);
    auto pixel = [&](double x, double y) -> std::optional<QPointF> {
      if (!std::isfinite(x) || !std::isfinite(y)) return std::nullopt;
      return QPointF(xAxis->coordToPixel(x), yAxis->coordToPixel(y));
    };
    for (QCPAbstractPlottable* p : rect->plottables()) {
      QCPPlottableInterface1D* data = p->interface1D();
      if (!data) continue;
      const bool bars = qobject_cast<QCPErrorBars*>(p) != nullptr;
      const auto* graph = qobject_cast<QCPGraph*>(p);
      const auto* curve = qobject_cast<QCPCurve*>(p);
      const bool line =
          (graph && graph->lineStyle() != QCPGraph::lsNone) || (curve && curve->lineStyle() != QCPCurve::lsNone);
      std::optional<QPointF> previous;
      for (int k = 0; k < data->dataCount(); ++k) {
        const double x = data->dataMainKey(k);
        if (bars) {
          const QCPRange r = data->dataValueRange(k);
          for (double y : {r.lower, r.upper})
            if (const auto at = pixel(x, y)) points << *at;
          continue;
        }
        const std::optional<QPointF> at = pixel(x, data->dataMainValue(k));
        if (at) {
          points << *at;
          if (line && previous)  // along the drawn segment from the previous point (a gap breaks it)
            for (int t = 1; t < 8; ++t) points << *previous + (*at - *previous) * (t / 8.0);
        }
        previous = at;
      }
    }
    Qt::Alignment best = kCorners[0];
    qsizetype fewest = -1;
    for (Qt::Alignment corner : kCorners) {
      const int left = (corner & Qt::AlignLeft) ? area.left() : area.right() - size.width();
      const int top = (corner & Qt::AlignTop) ? area.top() : area.bottom() - size.height();
      const QRectF box(left, top, size.width(), size.height());
      qsizetype covered = 0;
      for (const QPointF& pt : points) covered += box.contains(pt) ? 1 : 0;
      if (fewest < 0 || covered < fewest) {
        fewest = covered;
        best = corner;
      }
    }
    if (inset->insetAlignment(index) != best) {
      inset->setInsetAlignment(index, best);
      moved = true;
    }
  }
  return moved;
}

QCPScatterStyle::ScatterShape markerShape(const std::string& marker) {
  if (marker == "square") return QCPScatterStyle::ssSquare;
  if (marker == "triangle") return QCPScatterStyle::ssTriangle;
  if (marker == "diamond") return QCPScatterStyle::ssDiamond;
  if (marker == "cross") return QCPScatterStyle::ssCross;
  return QCPScatterStyle::ssDisc;
}

QCPScatterStyle scatterStyle(const warp::FigureSeries& s, const QColor& color) {
  if (s.style == "line") return QCPScatterStyle(QCPScatterStyle::ssNone);
  const QCPScatterStyle::ScatterShape shape = markerShape(s.marker);
  if (shape == QCPScatterStyle::ssCross) return QCPScatterStyle(shape, QPen(color, 1.8), Qt::NoBrush, kMarkerSize);
  return QCPScatterStyle(shape, QPen(color, 1.0), QBrush(color),
                         shape == QCPScatterStyle::ssDisc ? kMarkerSize - 1 : kMarkerSize);
}

// The four places a point label may take around its point, in order of preference: right above
// (the default the ranges are fitted for), right below, left above, left below.
struct LabelPlace {
  Qt::Alignment alignment;
  QMargins padding;
};
constexpr int kLabelPlaces = 4;
const LabelPlace& labelPlace(int i) {
  static const LabelPlace places[kLabelPlaces] = {
      {Qt::AlignLeft | Qt::AlignBottom, QMargins(6, 0, 0, 4)},
      {Qt::AlignLeft | Qt::AlignTop, QMargins(6, 4, 0, 0)},
      {Qt::AlignRight | Qt::AlignBottom, QMargins(0, 0, 6, 4)},
      {Qt::AlignRight | Qt::AlignTop, QMargins(0, 4, 6, 0)},
  };
  return places[i];
}

void placeLabel(QCPItemText* text, int place) {
  text->setPositionAlignment(labelPlace(place).alignment);
  text->setPadding(labelPlace(place).padding);
}

// Draws one panel's series into `rect`, adding named ones to `legend` (may be null).
void drawSeries(QCustomPlot* plot, QCPAxisRect* rect, QCPLegend* legend, const warp::Figure& figure,
                const warp::FigurePanel& panel, const PlotTheme& theme) {
  QCPAxis* xAxis = rect->axis(QCPAxis::atBottom);
  QCPAxis* yAxis = rect->axis(QCPAxis::atLeft);
  for (size_t i = 0; i < panel.series.size(); ++i) {
    const warp::FigureSeries& s = panel.series[i];
    // The palette's colour moved away from the background where too close to it (plot_theme.h); a
    // colour the figure names is kept as given on the light background (documents), adjusted on a dark one.
    const QColor color = s.color.empty() ? theme.series(static_cast<int>(i))
                                         : (theme.dark ? theme.readable(QColor(qs(s.color))) : QColor(qs(s.color)));
    const int n = static_cast<int>(s.x.size());
    const double nan = std::numeric_limits<double>::quiet_NaN();
    QVector<double> xs(n), ys(n);
    bool sorted = true;
    for (int k = 0; k < n; ++k) {
      // On a log axis a non-positive value is a gap, as NaN is.
      xs[k] = figure.x_log && !(s.x[k] > 0) ? nan : s.x[k];
      ys[k] = figure.y_log && !(s.y[k] > 0) ? nan : s.y[k];
      if (!std::isfinite(xs[k]) || (k > 0 && xs[k] < xs[k - 1])) sorted = false;
    }

    QPen pen(color, kLineWidth);
    pen.setJoinStyle(Qt::RoundJoin);
    pen.setCapStyle(s.dash ? Qt::FlatCap : Qt::RoundCap);
    if (s.dash) pen.setDashPattern({3.7, 1.6});  // matplotlib's "--", in line widths
    const bool line = s.style != "markers";

    // A graph (fast, sampled) when x increases; a curve (keeps the order of the points) otherwise.
    QCPAbstractPlottable* plottable = nullptr;
    if (sorted) {
      auto* graph = new QCPGraph(xAxis, yAxis);
      graph->setData(xs, ys, true);
      graph->setLineStyle(line ? QCPGraph::lsLine : QCPGraph::lsNone);
      graph->setScatterStyle(scatterStyle(s, color));
      plottable = graph;
    } else {
      auto* curve = new QCPCurve(xAxis, yAxis);
      curve->setData(xs, ys);
      curve->setLineStyle(line ? QCPCurve::lsLine : QCPCurve::lsNone);
      curve->setScatterStyle(scatterStyle(s, color));
      plottable = curve;
    }
    plottable->setPen(pen);
    plottable->setBrush(Qt::NoBrush);
    plottable->setName(qs(s.name));
    if (legend && !s.name.empty()) plottable->addToLegend(legend);

    if (!s.y_err.empty()) {
      auto* bars = new QCPErrorBars(xAxis, yAxis);
      bars->setDataPlottable(plottable);
      QVector<double> err(n);
      for (int k = 0; k < n; ++k) err[k] = std::isfinite(s.y_err[k]) ? s.y_err[k] : nan;
      bars->setData(err);
      bars->setErrorType(QCPErrorBars::etValueError);
      bars->setPen(QPen(color, kErrorBarWidth));
      bars->setWhiskerWidth(kWhiskerWidth);
      bars->setSymbolGap(0);
      bars->setName(qs(s.name) + QStringLiteral(" (error)"));
    }

    for (int k = 0; k < static_cast<int>(s.labels.size()); ++k) {
      if (s.labels[k].empty() || !std::isfinite(xs[k]) || !std::isfinite(ys[k])) continue;
      auto* text = new QCPItemText(plot);
      text->setClipAxisRect(rect);
      text->setClipToAxisRect(false);
      text->position->setAxes(xAxis, yAxis);
      text->position->setType(QCPItemPosition::ptPlotCoords);
      text->position->setCoords(xs[k], ys[k]);
      text->setProperty("warpPointLabel", true);
      placeLabel(text, 0);
      text->setText(qs(s.labels[k]));
      text->setFont(plotFont(kPointLabelPx));
      text->setColor(theme.readable(theme.dark ? color.lighter(115) : color.darker(125), PlotTheme::kMinTextContrast));
    }
  }
}

void fitAxes(QCPAxisRect* rect, const warp::Figure& figure, const warp::FigurePanel& panel) {
  Extent ex, ey;
  for (const warp::FigureSeries& s : panel.series) {
    for (size_t k = 0; k < s.x.size(); ++k) {
      // A point counts when it is drawn: both coordinates usable on their axes.
      const bool xOk = std::isfinite(s.x[k]) && (!figure.x_log || s.x[k] > 0);
      const bool yOk = std::isfinite(s.y[k]) && (!figure.y_log || s.y[k] > 0);
      if (!xOk || !yOk) continue;
      ex.add(s.x[k], figure.x_log);
      ey.add(s.y[k], figure.y_log);
      if (k < s.y_err.size() && std::isfinite(s.y_err[k])) {
        ey.add(s.y[k] - s.y_err[k], figure.y_log);
        ey.add(s.y[k] + s.y_err[k], figure.y_log);
      }
    }
  }
  rect->axis(QCPAxis::atBottom)->setRange(fitRange(ex, figure.x_log));
  rect->axis(QCPAxis::atLeft)->setRange(fitRange(ey, figure.y_log));
}

// Where `coord` lies along `axis`, 0 at the range's lower end, 1 at its upper end (log axes in log).
double fraction(const QCPAxis* axis, double coord) {
  const QCPRange r = axis->range();
  if (axis->scaleType() == QCPAxis::stLogarithmic) return std::log(coord / r.lower) / std::log(r.upper / r.lower);
  return (coord - r.lower) / (r.upper - r.lower);
}

// Raises the upper end of `axis` by `factor` (its span times factor), keeping the span at most
// twice `fitted` (the range before labels). True when the range changed.
bool growUpper(QCPAxis* axis, double factor, const QCPRange& fitted) {
  if (!(factor > 1 + 1e-9)) return false;
  const QCPRange r = axis->range();
  double upper;
  if (axis->scaleType() == QCPAxis::stLogarithmic)
    upper =
        std::min(r.lower * std::pow(r.upper / r.lower, factor), r.lower * std::pow(fitted.upper / fitted.lower, 2.0));
  else upper = std::min(r.lower + (r.upper - r.lower) * factor, r.lower + 2 * (fitted.upper - fitted.lower));
  if (!(upper > r.upper)) return false;
  axis->setRange(r.lower, upper);
  return true;
}

// Point labels sit right of and above their points: widen the panels' x and y ranges so that every
// label stays inside its panel (needs the layout of a replot). True when a range changed.
bool fitLabels(QCustomPlot* plot, const QHash<QCPAxis*, QCPRange>& fitted) {
  bool changed = false;
  for (QCPAxisRect* rect : plot->axisRects()) {
    QCPAxis* xAxis = rect->axis(QCPAxis::atBottom);
    QCPAxis* yAxis = rect->axis(QCPAxis::atLeft);
    const double width = rect->width(), height = rect->height();
    double growX = 1, growY = 1;
    for (int i = 0; i < plot->itemCount(); ++i) {
      auto* text = qobject_cast<QCPItemText*>(plot->item(i));
      if (!text || text->clipAxisRect() != rect) continue;
      const QPointF point = text->position->pixelPosition();
      const double right = text->bottomRight->pixelPosition().x() - point.x() + kLabelGap;
      const double up = point.y() - text->topLeft->pixelPosition().y() + kLabelGap;
      const double fx = fraction(xAxis, text->position->key());
      const double fy = fraction(yAxis, text->position->value());
      if (right < width) growX = std::max(growX, fx * width / (width - right));
      if (up < height) growY = std::max(growY, fy * height / (height - up));
    }
    changed = growUpper(xAxis, growX, fitted.value(xAxis)) || changed;
    changed = growUpper(yAxis, growY, fitted.value(yAxis)) || changed;
  }
  return changed;
}

// Point labels must not cover one another (close points of several fronts, e.g. η = 0.3 of two
// iterations): each label, the later series first (drawn on top: the output front before the
// iteration fronts), takes the first of the four places whose box lies inside its panel and meets no
// label placed before it; a label with no free place is hidden (the point's tooltip still names it).
// Needs the layout of the plot's current size; run after every layout (afterLayout).
void declutterLabels(QCustomPlot* plot) {
  for (QCPAxisRect* rect : plot->axisRects()) {
    const QRectF area = QRectF(rect->rect()).adjusted(-1, -1, 1, 1);
    QVector<QRectF> taken;
    for (int i = plot->itemCount() - 1; i >= 0; --i) {
      auto* text = qobject_cast<QCPItemText*>(plot->item(i));
      if (!text || text->clipAxisRect() != rect || !text->property("warpPointLabel").toBool()) continue;
      if (!area.contains(text->position->pixelPosition())) {  // outside the range shown: nothing to place
        text->setVisible(false);
        continue;
      }
      int chosen = -1;
      for (int place = 0; place < kLabelPlaces && chosen < 0; ++place) {
        placeLabel(text, place);
        const QRectF box = QRectF(text->topLeft->pixelPosition(), text->bottomRight->pixelPosition()).normalized();
        bool free = area.contains(box) || place == 0;  // the default place may touch the border (fitLabels)
        for (const QRectF& other : taken) free = free && !box.intersects(other);
        if (free) {
          chosen = place;
          taken.push_back(box);
        }
      }
      if (chosen < 0) placeLabel(text, 0);
      text->setVisible(chosen >= 0);
    }
  }
}

}  // namespace

int visiblePointLabels(const QCustomPlot* plot) {
  int n = 0;
  for (int i = 0; i < plot->itemCount(); ++i) {
    auto* text = qobject_cast<QCPItemText*>(plot->item(i));
    if (text && text->property("warpPointLabel").toBool() && text->visible()) ++n;
  }
  return n;
}

void renderFigure(const warp::Figure& figure, QCustomPlot* plot, const PlotTheme& theme) {
  figure.validate();
  plot->setProperty("warpBestLegend", figure.legend == "best");  // for the afterLayout hook below
  plot->clearItems();
  plot->clearPlottables();
  plot->plotLayout()->clear();  // deletes the axis rects, their axes and legends
  plot->setAutoAddPlottableToLegend(false);
  plot->setBackground(theme.background);
  plot->setAntialiasedElements(QCP::aePlottables | QCP::aeItems | QCP::aeScatters | QCP::aeFills | QCP::aeLegendItems |
                               QCP::aeOther);
  plot->setNotAntialiasedElements(QCP::aeAxes | QCP::aeGrid | QCP::aeSubGrid | QCP::aeLegend | QCP::aeZeroLine);

  QCPLayoutGrid* root = plot->plotLayout();
  root->setRowSpacing(0);
  int row = 0;
  if (!figure.title.empty()) {
    auto* title = new QCPTextElement(plot, qs(figure.title), plotFont(kTitlePx, true));
    title->setTextColor(theme.ink);
    title->setMargins(QMargins(0, 8, 0, 0));
    root->addElement(row++, 0, title);
  }
  auto* grid = new QCPLayoutGrid;
  root->addElement(row, 0, grid);
  grid->setColumnSpacing(12);
  grid->setRowSpacing(0);

  bool panelTitles = false;
  for (const warp::FigurePanel& p : figure.panels) panelTitles = panelTitles || !p.title.empty();
  auto* marginGroup = new QCPMarginGroup(plot);

  for (size_t p = 0; p < figure.panels.size(); ++p) {
    const warp::FigurePanel& panel = figure.panels[p];
    const int col = static_cast<int>(p);
    if (panelTitles) {
      auto* title = new QCPTextElement(plot, qs(panel.title), plotFont(kPanelTitlePx));
      title->setTextColor(theme.ink);
      title->setMargins(QMargins(0, 6, 0, 0));
      grid->addElement(0, col, title);
    }
    auto* rect = new QCPAxisRect(plot, true);
    grid->addElement(panelTitles ? 1 : 0, col, rect);
    rect->setupFullAxesBox(true);
    rect->setMarginGroup(QCP::msTop | QCP::msBottom, marginGroup);
    rect->setMinimumMargins(QMargins(10, 10, 18, 10));
    for (QCPAxis* axis : rect->axes()) {
      const bool horizontal = axis->orientation() == Qt::Horizontal;
      const bool primary = axis->axisType() == QCPAxis::atBottom || axis->axisType() == QCPAxis::atLeft;
      styleAxis(axis, horizontal ? figure.x_log : figure.y_log, primary, theme);
    }
    rect->axis(QCPAxis::atBottom)->setLabel(qs(panel.x_label.empty() ? figure.x_label : panel.x_label));
    rect->axis(QCPAxis::atLeft)->setLabel(qs(panel.y_label.empty() ? figure.y_label : panel.y_label));

    QCPLegend* legend = nullptr;
    bool named = false;
    for (const warp::FigureSeries& s : panel.series) named = named || !s.name.empty();
    if (figure.legend != "none" && named) {
      legend = new QCPLegend;
      rect->insetLayout()->addElement(legend, legendAlignment(figure.legend));
      legend->setLayer(QStringLiteral("legend"));
      legend->setFont(plotFont(kLegendPx));
      legend->setTextColor(theme.ink);
      legend->setBrush(theme.legendBrush);
      legend->setBorderPen(QPen(theme.legendBorder, 1.0));
      legend->setIconSize(26, 12);
      legend->setIconTextPadding(6);
      legend->setRowSpacing(0);
      legend->setMargins(QMargins(7, 5, 9, 6));
      rect->insetLayout()->setMargins(QMargins(8, 8, 8, 8));
    }
    drawSeries(plot, rect, legend, figure, panel, theme);
    fitAxes(rect, figure, panel);
  }
  plot->replot();
  if (figure.legend == "best" && placeLegends(plot)) plot->replot();
  // Growing a range can change the tick labels and so the panel's width: fit again until it holds.
  QHash<QCPAxis*, QCPRange> fitted;
  for (QCPAxisRect* rect : plot->axisRects())
    for (QCPAxis* axis : rect->axes()) fitted.insert(axis, axis->range());
  for (int pass = 0; pass < 3 && plot->itemCount() > 0 && fitLabels(plot, fitted); ++pass) plot->replot();
  // Then keep the labels apart, now and after every later layout (a resized widget); and a "best"
  // legend, which depends on where the points fall in pixels, takes its corner again (the replot
  // that shows it moved is queued: the layout has already placed the legend's items this time).
  if (!plot->property("warpDeclutter").toBool()) {
    plot->setProperty("warpDeclutter", true);
    QObject::connect(plot, &QCustomPlot::afterLayout, plot, [plot] {
      declutterLabels(plot);
      if (plot->property("warpBestLegend").toBool() && placeLegends(plot)) plot->replot(QCustomPlot::rpQueuedReplot);
    });
  }
  plot->replot();
}

void saveFigure(const warp::Figure& figure, const QString& path, double scale) {
  const std::string where = path.toStdString();
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix != QLatin1String("png") && suffix != QLatin1String("pdf") && suffix != QLatin1String("svg"))
    throw warp::BadInput(warp::file_message(
        where, "unknown figure format '" + QFileInfo(path).suffix().toStdString() + "' (use .png, .pdf or .svg)"));
  if (!(scale > 0 && scale <= 10))
    throw warp::BadInput(warp::file_message(where, "scale must be in (0, 10], got " + std::to_string(scale)));
  figure.validate(where);
  if (!qobject_cast<QApplication*>(QCoreApplication::instance()))
    throw warp::Error(warp::file_message(where, "rendering a figure needs a QApplication"));

  const int w = figure.width, h = figure.height;
  QCustomPlot plot;
  plot.resize(w, h);
  renderFigure(figure, &plot, PlotTheme::document());  // files: light, colours as given (plot_theme.h)

  warp::AtomicFile file(where);
  const QString temp = QString::fromStdString(file.temp_path());
  bool ok = false;
  if (suffix == QLatin1String("png")) {
    ok = plot.savePng(temp, w, h, scale);
  } else if (suffix == QLatin1String("pdf")) {
    ok = plot.savePdf(temp, w, h, QCP::epNoCosmetic, QStringLiteral("WARP Studio"), qs(figure.title));
  } else {
    QSvgGenerator svg;
    svg.setFileName(temp);
    svg.setSize(QSize(w, h));
    svg.setViewBox(QRect(0, 0, w, h));
    svg.setTitle(qs(figure.title));
    svg.setDescription(qs(figure.caption));
    QCPPainter painter;
    if (painter.begin(&svg)) {
      painter.setMode(QCPPainter::pmVectorized);
      painter.setMode(QCPPainter::pmNoCaching);
      plot.toPainter(&painter, w, h);
      ok = painter.end();
    }
  }
  if (!ok || !warp::is_regular_file(file.temp_path()))
    throw warp::Error(warp::file_message(where, "could not write the " + suffix.toStdString() + " file"));
  file.commit();
}
