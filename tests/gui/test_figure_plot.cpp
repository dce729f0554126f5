// Tests of widgets/plot/figure_plot (renderFigure, saveFigure) and of the warp-plot tool, headless
// (QT_QPA_PLATFORM=offscreen): the plot objects built for a figure, the auto ranges (hand-computed),
// the files written (PNG size and pixels, PDF, SVG), the errors.
#include <cmath>
#include <functional>
#include <limits>

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <qcustomplot.h>

#include "plot/figure_plot.h"
#include "report/figure.h"
#include "test_env.h"
#include "util/error.h"

Q_DECLARE_METATYPE(warp::Figure)
Q_DECLARE_METATYPE(std::vector<double>)

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// tests/gui/data of the source tree (WARP_SOURCE_DIR, set by CTest: tests/core/test_env.h).
QString dataDir() {
  return QString::fromStdString(warp::test::env_path("WARP_SOURCE_DIR")) + QStringLiteral("/tests/gui/data");
}
QString dataFile(const char* name) { return dataDir() + QLatin1Char('/') + QLatin1String(name); }

warp::Figure readData(const char* name) { return warp::Figure::read_json(dataFile(name).toStdString()); }

warp::FigureSeries series(std::vector<double> x, std::vector<double> y, std::string name = "",
                          std::string style = "line") {
  warp::FigureSeries s;
  s.name = std::move(name);
  s.style = std::move(style);
  s.x = std::move(x);
  s.y = std::move(y);
  return s;
}

warp::Figure onePanel(std::vector<warp::FigureSeries> s) {
  warp::Figure f;
  f.panels.resize(1);
  f.panels[0].series = std::move(s);
  return f;
}

QCPLegend* legendOf(QCPAxisRect* rect) {
  for (int i = 0; i < rect->insetLayout()->elementCount(); ++i)
    if (auto* legend = qobject_cast<QCPLegend*>(rect->insetLayout()->elementAt(i))) return legend;
  return nullptr;
}

template <typename T>
int countPlottables(QCustomPlot& plot) {
  int n = 0;
  for (int i = 0; i < plot.plottableCount(); ++i) n += qobject_cast<T*>(plot.plottable(i)) != nullptr;
  return n;
}

int countColor(const QImage& image, QColor want, int tolerance) {
  int n = 0;
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x) {
      const QColor c = image.pixelColor(x, y);
      if (std::abs(c.red() - want.red()) <= tolerance && std::abs(c.green() - want.green()) <= tolerance &&
          std::abs(c.blue() - want.blue()) <= tolerance)
        ++n;
    }
  return n;
}

QByteArray readAll(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return f.readAll();
}

bool closeTo(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::max(std::fabs(a), std::fabs(b)));
}

}  // namespace

class TestFigurePlot : public QObject {
  Q_OBJECT

 private slots:
  void renderBuildsThePlot_data();
  void renderBuildsThePlot();
  void seriesStyle_data();
  void seriesStyle();
  void axesTakeLabelsAndScales();
  void autoRanges_data();
  void autoRanges();
  void labelsStayInsideTheirPanel();
  void bestLegendAvoidsTheData_data();
  void bestLegendAvoidsTheData();
  void bestLegendFollowsAResize();
  void labelsNeverOverlap();
  void renderReplacesThePreviousFigure();
  void savePngHasTheScaledSize_data();
  void savePngHasTheScaledSize();
  void pngShowsTheSeriesColours();
  void savePdfAndSvg();
  void saveErrors_data();
  void saveErrors();
  void warpPlotTool_data();
  void warpPlotTool();
};

void TestFigurePlot::renderBuildsThePlot_data() {
  QTest::addColumn<warp::Figure>("figure");
  QTest::addColumn<int>("rects");
  QTest::addColumn<int>("graphs");
  QTest::addColumn<int>("curves");
  QTest::addColumn<int>("errorBars");
  QTest::addColumn<int>("labels");
  QTest::addColumn<QList<int>>("legendItems");  // per panel; -1: no legend

  // fronts.json: panel 0 has an RL trajectory whose x goes back (a curve), error bars on two series.
  QTest::newRow("fronts.json") << readData("fronts.json") << 2 << 7 << 1 << 2 << 6 << QList<int>{4, 4};
  // kl_log.json: five of six labels are empty (not drawn).
  QTest::newRow("kl_log.json") << readData("kl_log.json") << 1 << 4 << 0 << 1 << 1 << QList<int>{4};
  warp::Figure none = readData("fronts.json");
  none.legend = "none";
  QTest::newRow("legend none") << none << 2 << 7 << 1 << 2 << 6 << QList<int>{-1, -1};
  QTest::newRow("unnamed series: no legend")
      << onePanel({series({1, 2}, {1, 2})}) << 1 << 1 << 0 << 0 << 0 << QList<int>{-1};
  QTest::newRow("only named series in the legend")
      << onePanel({series({1, 2}, {1, 2}, "a"), series({1, 2}, {2, 1}), series({1, 2}, {3, 3}, "c")}) << 1 << 3 << 0
      << 0 << 0 << QList<int>{2};
  warp::Figure empty = onePanel({series({0, 1}, {0, 1}, "a")});
  empty.panels.insert(empty.panels.begin(), warp::FigurePanel{});
  QTest::newRow("empty panel") << empty << 2 << 1 << 0 << 0 << 0 << QList<int>{-1, 1};
  QTest::newRow("NaN in x: a curve") << onePanel({series({0, kNaN, 2}, {1, 2, 3}, "a")}) << 1 << 0 << 1 << 0 << 0
                                     << QList<int>{1};
  QTest::newRow("x going back: a curve") << onePanel({series({0, 2, 1}, {1, 2, 3})}) << 1 << 0 << 1 << 0 << 0
                                         << QList<int>{-1};
  warp::Figure labelsNaN = onePanel({series({0, 1, 2}, {1, kNaN, 3})});
  labelsNaN.panels[0].series[0].labels = {"a", "b", "c"};  // no label on the gap
  QTest::newRow("label of a gap not drawn") << labelsNaN << 1 << 1 << 0 << 0 << 2 << QList<int>{-1};
}

void TestFigurePlot::renderBuildsThePlot() {
  QFETCH(warp::Figure, figure);
  QFETCH(int, rects);
  QFETCH(int, graphs);
  QFETCH(int, curves);
  QFETCH(int, errorBars);
  QFETCH(int, labels);
  QFETCH(QList<int>, legendItems);

  QCustomPlot plot;
  plot.resize(figure.width, figure.height);
  renderFigure(figure, &plot);
  QCOMPARE(plot.axisRects().size(), rects);
  QCOMPARE(plot.graphCount(), graphs);
  QCOMPARE(countPlottables<QCPGraph>(plot), graphs);
  QCOMPARE(countPlottables<QCPCurve>(plot), curves);
  QCOMPARE(countPlottables<QCPErrorBars>(plot), errorBars);
  QCOMPARE(plot.plottableCount(), graphs + curves + errorBars);
  QCOMPARE(plot.itemCount(), labels);
  for (int p = 0; p < rects; ++p) {
    QCPLegend* legend = legendOf(plot.axisRects().at(p));
    if (legendItems.at(p) < 0) {
      QVERIFY2(!legend, qPrintable(QStringLiteral("panel %1 has a legend").arg(p)));
    } else {
      QVERIFY(legend);
      QCOMPARE(legend->itemCount(), legendItems.at(p));
      // Items in series order, with the series' names.
      int k = 0;
      for (const auto& s : figure.panels[p].series)
        if (!s.name.empty()) {
          auto* item = qobject_cast<QCPPlottableLegendItem*>(legend->item(k++));
          QVERIFY(item);
          QCOMPARE(item->plottable()->name(), QString::fromStdString(s.name));
        }
    }
  }
}

void TestFigurePlot::seriesStyle_data() {
  QTest::addColumn<QString>("style");
  QTest::addColumn<QString>("marker");
  QTest::addColumn<QString>("color");
  QTest::addColumn<bool>("dash");
  QTest::addColumn<int>("lineStyle");  // QCPGraph::LineStyle
  QTest::addColumn<int>("shape");      // QCPScatterStyle::ScatterShape
  QTest::addColumn<QString>("expectedColor");

  QTest::newRow("line, palette 1") << "line"
                                   << "circle"
                                   << "" << false << int(QCPGraph::lsLine) << int(QCPScatterStyle::ssNone) << "#d55e00";
  QTest::newRow("markers circle") << "markers"
                                  << "circle"
                                  << "#123456" << false << int(QCPGraph::lsNone) << int(QCPScatterStyle::ssDisc)
                                  << "#123456";
  QTest::newRow("line+markers square dashed")
      << "line+markers"
      << "square"
      << "" << true << int(QCPGraph::lsLine) << int(QCPScatterStyle::ssSquare) << "#d55e00";
  QTest::newRow("triangle") << "markers"
                            << "triangle"
                            << "" << false << int(QCPGraph::lsNone) << int(QCPScatterStyle::ssTriangle) << "#d55e00";
  QTest::newRow("diamond") << "line+markers"
                           << "diamond"
                           << "#abcdef" << false << int(QCPGraph::lsLine) << int(QCPScatterStyle::ssDiamond)
                           << "#abcdef";
  QTest::newRow("cross") << "markers"
                         << "cross"
                         << "" << false << int(QCPGraph::lsNone) << int(QCPScatterStyle::ssCross) << "#d55e00";
}

void TestFigurePlot::seriesStyle() {
  QFETCH(QString, style);
  QFETCH(QString, marker);
  QFETCH(QString, color);
  QFETCH(bool, dash);
  QFETCH(int, lineStyle);
  QFETCH(int, shape);
  QFETCH(QString, expectedColor);

  // The styled series is the second one (index 1: palette colour #d55e00 when it has none).
  warp::FigureSeries s = series({0, 1, 2}, {0, 1, 4}, "styled", style.toStdString());
  s.marker = marker.toStdString();
  s.color = color.toStdString();
  s.dash = dash;
  warp::Figure f = onePanel({series({0, 1}, {0, 1}, "first"), s});
  QCustomPlot plot;
  renderFigure(f, &plot);
  QCOMPARE(plot.graphCount(), 2);
  QCOMPARE(plot.graph(0)->pen().color(), QColor(QString::fromStdString(warp::palette_color(0))));
  QCPGraph* g = plot.graph(1);
  QCOMPARE(int(g->lineStyle()), lineStyle);
  QCOMPARE(int(g->scatterStyle().shape()), shape);
  QCOMPARE(g->pen().color(), QColor(expectedColor));
  QCOMPARE(g->pen().style(), dash ? Qt::CustomDashLine : Qt::SolidLine);
  if (shape != QCPScatterStyle::ssNone) QCOMPARE(g->scatterStyle().pen().color(), QColor(expectedColor));
  QCOMPARE(g->name(), QStringLiteral("styled"));
  QCOMPARE(g->dataCount(), 3);
}

void TestFigurePlot::axesTakeLabelsAndScales() {
  warp::Figure f = readData("fronts.json");
  f.y_log = true;
  QCustomPlot plot;
  renderFigure(f, &plot);
  QCPAxisRect* left = plot.axisRects().at(0);
  QCPAxisRect* right = plot.axisRects().at(1);
  // Panel 0 has no labels of its own: the figure's; panel 1 has its own y label.
  QCOMPARE(left->axis(QCPAxis::atBottom)->label(), QStringLiteral("KL(π ‖ π_sft)"));
  QCOMPARE(left->axis(QCPAxis::atLeft)->label(), QStringLiteral("reward"));
  QCOMPARE(right->axis(QCPAxis::atLeft)->label(), QStringLiteral("gold reward"));
  QCOMPARE(left->axis(QCPAxis::atBottom)->scaleType(), QCPAxis::stLinear);
  QCOMPARE(left->axis(QCPAxis::atLeft)->scaleType(), QCPAxis::stLogarithmic);
  QCOMPARE(right->axis(QCPAxis::atLeft)->scaleType(), QCPAxis::stLogarithmic);
  // A closed box: all four axes visible, tick labels only bottom and left.
  QVERIFY(left->axis(QCPAxis::atTop)->visible());
  QVERIFY(left->axis(QCPAxis::atRight)->visible());
  QVERIFY(!left->axis(QCPAxis::atTop)->tickLabels());
  QVERIFY(left->axis(QCPAxis::atBottom)->tickLabels());
  QVERIFY(left->axis(QCPAxis::atBottom)->grid()->visible());
  // Titles: the figure's and the panels'.
  QStringList texts;
  std::function<void(QCPLayoutElement*)> walk = [&](QCPLayoutElement* e) {
    if (auto* t = qobject_cast<QCPTextElement*>(e)) texts << t->text();
    for (QCPLayoutElement* child : e->elements(false))
      if (child) walk(child);
  };
  walk(plot.plotLayout());
  QVERIFY2(texts.contains(QStringLiteral("WARP on the demo task")), qPrintable(texts.join('|')));
  QVERIFY2(texts.contains(QStringLiteral("learned reward")), qPrintable(texts.join('|')));
  QVERIFY2(texts.contains(QStringLiteral("gold reward (AFINN)")), qPrintable(texts.join('|')));
}

void TestFigurePlot::autoRanges_data() {
  QTest::addColumn<warp::Figure>("figure");
  QTest::addColumn<double>("xLo");
  QTest::addColumn<double>("xHi");
  QTest::addColumn<double>("yLo");
  QTest::addColumn<double>("yHi");

  // x in [0, 10] → ±0.5; y with errors: 1 ± 0.5 and 3 ± 0 → [0.5, 3], span 2.5 → ±0.125.
  warp::FigureSeries e = series({0, 10}, {1, 3});
  e.y_err = {0.5, 0};
  QTest::newRow("linear with error bars") << onePanel({e}) << -0.5 << 10.5 << 0.375 << 3.125;
  // NaN is a gap and does not count; two series pool their extents.
  QTest::newRow("NaN ignored, series pooled")
      << onePanel({series({0, kNaN, 4}, {2, 100, kNaN}), series({-4, 0}, {2, 6})}) << -4.2 << 0.2 << 1.8 << 6.2;
  QTest::newRow("single value") << onePanel({series({2}, {-5})}) << 1.8 << 2.2 << -5.5 << -4.5;
  QTest::newRow("zero") << onePanel({series({0}, {0})}) << -1.0 << 1.0 << -1.0 << 1.0;
  QTest::newRow("no data") << onePanel({}) << 0.0 << 1.0 << 0.0 << 1.0;
  // log x over [1, 1000]: log10 [0, 3], ±0.15 decades. Non-positive x values are gaps.
  warp::Figure logx = onePanel({series({-1, 0, 1, 1000}, {5, 5, 0, 10})});
  logx.x_log = true;
  QTest::newRow("log x") << logx << std::pow(10.0, -0.15) << std::pow(10.0, 3.15) << -0.5 << 10.5;
  // log y within a decade [2, 5]: widened to [1, 10].
  warp::Figure logy = onePanel({series({0, 1}, {2, 5})});
  logy.y_log = true;
  QTest::newRow("log y within a decade") << logy << -0.05 << 1.05 << 1.0 << 10.0;
  // log y single value 3: [1.5, 6] holds no power of ten inside → [1, 10].
  warp::Figure logOne = onePanel({series({1}, {3})});
  logOne.y_log = true;
  QTest::newRow("log y single value") << logOne << 0.9 << 1.1 << 1.0 << 10.0;
  // log y over [0.01, 100] with an error bar reaching below zero (only y + err counts): [0.01, 120].
  warp::FigureSeries le = series({0, 1}, {0.01, 100});
  le.y_err = {0.05, 20};
  warp::Figure logErr = onePanel({le});
  logErr.y_log = true;
  const double a = -2, b = std::log10(120.0), span = b - a;
  QTest::newRow("log y with error bars") << logErr << -0.05 << 1.05 << std::pow(10.0, a - 0.05 * span)
                                         << std::pow(10.0, b + 0.05 * span);
  QTest::newRow("log y no positive data") << [] {
    warp::Figure f = onePanel({series({0, 1}, {-1, 0})});
    f.y_log = true;
    return f;
  }() << 0.0 << 1.0 << 1.0 << 10.0;
}

void TestFigurePlot::autoRanges() {
  QFETCH(warp::Figure, figure);
  QFETCH(double, xLo);
  QFETCH(double, xHi);
  QFETCH(double, yLo);
  QFETCH(double, yHi);
  QCustomPlot plot;
  plot.resize(figure.width, figure.height);
  renderFigure(figure, &plot);
  const QCPRange x = plot.axisRects().at(0)->axis(QCPAxis::atBottom)->range();
  const QCPRange y = plot.axisRects().at(0)->axis(QCPAxis::atLeft)->range();
  QVERIFY2(closeTo(x.lower, xLo) && closeTo(x.upper, xHi),
           qPrintable(QStringLiteral("x [%1, %2], expected [%3, %4]").arg(x.lower).arg(x.upper).arg(xLo).arg(xHi)));
  QVERIFY2(closeTo(y.lower, yLo) && closeTo(y.upper, yHi),
           qPrintable(QStringLiteral("y [%1, %2], expected [%3, %4]").arg(y.lower).arg(y.upper).arg(yLo).arg(yHi)));
  // The box's top and right axes follow.
  QCOMPARE(plot.axisRects().at(0)->axis(QCPAxis::atTop)->range(), x);
  QCOMPARE(plot.axisRects().at(0)->axis(QCPAxis::atRight)->range(), y);
}

void TestFigurePlot::bestLegendAvoidsTheData_data() {
  QTest::addColumn<std::vector<double>>("xs");
  QTest::addColumn<std::vector<double>>("ys");
  QTest::addColumn<std::vector<double>>("errors");  // empty: none
  QTest::addColumn<QString>("style");
  QTest::addColumn<int>("corner");  // the Qt::Alignment expected
  const std::vector<double> steps{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  // Rising: top-right is taken, top-left is the first free corner in the order of preference.
  QTest::newRow("rising") << steps << std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10} << std::vector<double>{}
                          << "line+markers" << int(Qt::AlignTop | Qt::AlignLeft);
  // Falling (a trajectory losing reward): top-right is free.
  QTest::newRow("falling") << steps << std::vector<double>{10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0} << std::vector<double>{}
                           << "line+markers" << int(Qt::AlignTop | Qt::AlignRight);
  // Markers in the left corners; the right one's error bar reaches up into the top-right corner:
  // only bottom-right is free (without the bar, top-right would win the tie).
  QTest::newRow("error bars count") << std::vector<double>{0, 0, 10} << std::vector<double>{0, 10, 7}
                                    << std::vector<double>{0, 0, 3} << "markers"
                                    << int(Qt::AlignBottom | Qt::AlignRight);
}

void TestFigurePlot::bestLegendAvoidsTheData() {
  QFETCH(std::vector<double>, xs);
  QFETCH(std::vector<double>, ys);
  QFETCH(std::vector<double>, errors);
  QFETCH(QString, style);
  QFETCH(int, corner);
  warp::FigureSeries s = series(xs, ys, "a run with a long legend entry", style.toStdString());
  s.y_err = errors;
  warp::Figure f = onePanel({s});
  f.legend = "best";
  QCustomPlot plot;
  plot.resize(f.width, f.height);
  renderFigure(f, &plot);
  QCPAxisRect* rect = plot.axisRect(0);
  QCPLegend* legend = legendOf(rect);
  QVERIFY(legend);
  QCOMPARE(int(rect->insetLayout()->insetAlignment(0)), corner);
  // No marker under it.
  const QRect box = legend->outerRect();
  for (size_t i = 0; i < xs.size(); ++i) {
    const QPointF at(rect->axis(QCPAxis::atBottom)->coordToPixel(xs[i]),
                     rect->axis(QCPAxis::atLeft)->coordToPixel(ys[i]));
    QVERIFY2(!box.contains(at.toPoint()), qPrintable(QStringLiteral("point %1 under the legend").arg(i)));
  }
  // A fixed corner stays where it is told.
  f.legend = "bottom-right";
  renderFigure(f, &plot);
  QCOMPARE(int(plot.axisRect(0)->insetLayout()->insetAlignment(0)), int(Qt::AlignBottom | Qt::AlignRight));
}

void TestFigurePlot::bestLegendFollowsAResize() {
  // Markers at the top and bottom centre (they set the y range), high near both sides and low on the
  // left. On a tall plot the side ones are far from the corners, and top-right is free; squashed,
  // a legend in a corner covers the one on its side, except at the bottom right, the one free
  // corner. The on-screen plot is resized, not rendered again.
  warp::FigureSeries s =
      series({5, 5, 0.5, 9.5, 0.5}, {10, 0, 8.5, 8.5, 1.5}, "a run with a long legend entry", "markers");
  warp::Figure f = onePanel({s});
  f.legend = "best";
  QCustomPlot plot;
  plot.resize(1200, 600);
  renderFigure(f, &plot);
  plot.show();
  QCPLayoutInset* inset = plot.axisRect(0)->insetLayout();
  QTRY_COMPARE(plot.height(), 600);
  QCOMPARE(int(inset->insetAlignment(0)), int(Qt::AlignTop | Qt::AlignRight));
  plot.resize(1200, 150);
  QTRY_COMPARE(int(inset->insetAlignment(0)), int(Qt::AlignBottom | Qt::AlignRight));
  // Drawn there, with its items (the queued replot): no marker under it.
  QCPAxisRect* rect = plot.axisRect(0);
  QTRY_VERIFY(legendOf(rect)->outerRect().bottom() > rect->center().y());
  const QRect box = legendOf(rect)->item(0)->outerRect();
  QVERIFY(box.top() > rect->center().y());
  for (size_t i = 0; i < s.x.size(); ++i)
    QVERIFY(!legendOf(rect)->outerRect().contains(
        QPointF(rect->axis(QCPAxis::atBottom)->coordToPixel(s.x[i]), rect->axis(QCPAxis::atLeft)->coordToPixel(s.y[i]))
            .toPoint()));
  plot.resize(1200, 600);
  QTRY_COMPARE(int(inset->insetAlignment(0)), int(Qt::AlignTop | Qt::AlignRight));
  // A fixed corner does not move on a resize.
  f.legend = "top-right";
  renderFigure(f, &plot);
  plot.resize(1200, 150);
  QTRY_COMPARE(plot.height(), 150);
  QTest::qWait(100);
  QCOMPARE(int(plot.axisRect(0)->insetLayout()->insetAlignment(0)), int(Qt::AlignTop | Qt::AlignRight));
}

void TestFigurePlot::labelsStayInsideTheirPanel() {
  // A long label on the highest point of the last panel, plus the fronts' η labels.
  warp::Figure f = readData("fronts.json");
  f.panels[1].series[0].labels = {"", "", "", "", "", "the longest label here"};
  const double xMax = 8.6;  // the panel's largest x: without labels its range ends at 5 % past it
  QCustomPlot plot;
  plot.resize(f.width, f.height);
  renderFigure(f, &plot);
  QCOMPARE(plot.itemCount(), 7);
  for (int i = 0; i < plot.itemCount(); ++i) {
    auto* text = qobject_cast<QCPItemText*>(plot.item(i));
    QVERIFY(text);
    const QRectF panel = text->clipAxisRect()->rect();
    const QRectF label(text->topLeft->pixelPosition(), text->bottomRight->pixelPosition());
    QVERIFY2(panel.contains(label), qPrintable(text->text()));
  }
  const QCPRange x = plot.axisRects().at(1)->axis(QCPAxis::atBottom)->range();
  QVERIFY2(x.upper > xMax + 0.05 * (xMax - 0.0) + 1.0, qPrintable(QString::number(x.upper)));
}

// The boxes of the visible point labels of `plot`.
QVector<QRectF> visibleLabelBoxes(QCustomPlot& plot) {
  QVector<QRectF> boxes;
  for (int i = 0; i < plot.itemCount(); ++i)
    if (auto* text = qobject_cast<QCPItemText*>(plot.item(i)); text && text->visible())
      boxes.push_back(QRectF(text->topLeft->pixelPosition(), text->bottomRight->pixelPosition()).normalized());
  return boxes;
}

void TestFigurePlot::labelsNeverOverlap() {
  // Ten series through the same middle point, each labelling it (as the η = 0.3 points of several
  // fronts can nearly coincide): four places around the point, so exactly four labels are shown,
  // each in its own place, and the six others are hidden.
  std::vector<warp::FigureSeries> s;
  for (int k = 0; k < 10; ++k) {
    s.push_back(series({0, 5, 10}, {0, 5, 10}, "s" + std::to_string(k)));
    s.back().labels = {"", "η=0.30 of s" + std::to_string(k), ""};
  }
  warp::Figure f = onePanel(std::move(s));
  f.legend = "none";
  QCustomPlot plot;
  plot.resize(f.width, f.height);
  renderFigure(f, &plot);
  QCOMPARE(plot.itemCount(), 10);
  auto check = [&](int expectVisible) {
    const QVector<QRectF> boxes = visibleLabelBoxes(plot);
    QCOMPARE(int(boxes.size()), expectVisible);
    QCOMPARE(visiblePointLabels(&plot), expectVisible);
    for (int a = 0; a < boxes.size(); ++a)
      for (int b = a + 1; b < boxes.size(); ++b)
        QVERIFY2(!boxes[a].intersects(boxes[b]), qPrintable(QStringLiteral("%1 %2").arg(a).arg(b)));
  };
  check(4);
  // The later series first: s9 keeps the default place (right of and above the point).
  auto* last = qobject_cast<QCPItemText*>(plot.item(9));
  QVERIFY(last->visible());
  QCOMPARE(last->positionAlignment(), Qt::AlignLeft | Qt::AlignBottom);
  QVERIFY(!qobject_cast<QCPItemText*>(plot.item(0))->visible());

  // Two labels on points far apart both keep their default place.
  warp::Figure apart = onePanel({series({0, 10}, {0, 10})});
  apart.panels[0].series[0].labels = {"a", "b"};
  renderFigure(apart, &plot);
  check(2);
  for (int i = 0; i < 2; ++i)
    QCOMPARE(qobject_cast<QCPItemText*>(plot.item(i))->positionAlignment(), Qt::AlignLeft | Qt::AlignBottom);

  // After a resize (the widget in the app) the labels are placed again at the new size.
  renderFigure(f, &plot);
  plot.resize(f.width / 2, f.height / 2);
  plot.replot();
  check(4);
}

void TestFigurePlot::renderReplacesThePreviousFigure() {
  QCustomPlot plot;
  renderFigure(readData("fronts.json"), &plot);
  QVERIFY(plot.itemCount() > 0);
  renderFigure(onePanel({series({0, 1}, {1, 0}, "only")}), &plot);
  QCOMPARE(plot.axisRects().size(), 1);
  QCOMPARE(plot.plottableCount(), 1);
  QCOMPARE(plot.itemCount(), 0);
  QCOMPARE(legendOf(plot.axisRects().at(0))->itemCount(), 1);
  // An invalid figure is refused before anything is drawn.
  warp::Figure bad = onePanel({series({0, 1}, {1})});
  QVERIFY_THROWS_EXCEPTION(warp::BadInput, renderFigure(bad, &plot));
  QCOMPARE(plot.plottableCount(), 1);
}

void TestFigurePlot::savePngHasTheScaledSize_data() {
  QTest::addColumn<QString>("file");
  QTest::addColumn<double>("scale");
  QTest::addColumn<QSize>("size");
  QTest::newRow("fronts 1x") << "fronts.json" << 1.0 << QSize(880, 380);
  QTest::newRow("fronts 2x") << "fronts.json" << 2.0 << QSize(1760, 760);
  QTest::newRow("kl_log 1.5x") << "kl_log.json" << 1.5 << QSize(840, 600);
  QTest::newRow("kl_log 0.5x") << "kl_log.json" << 0.5 << QSize(280, 200);
}

void TestFigurePlot::savePngHasTheScaledSize() {
  QFETCH(QString, file);
  QFETCH(double, scale);
  QFETCH(QSize, size);
  QTemporaryDir dir;
  const QString path = dir.filePath(QStringLiteral("out.png"));
  saveFigure(warp::Figure::read_json(dataFile(file.toLatin1().constData()).toStdString()), path, scale);
  QVERIFY(readAll(path).startsWith("\x89PNG\r\n\x1a\n"));
  QImage image(path);
  QVERIFY(!image.isNull());
  QCOMPARE(image.size(), size);
  // White background in the corners.
  QCOMPARE(image.pixelColor(0, 0), QColor(Qt::white));
  QCOMPARE(image.pixelColor(size.width() - 1, size.height() - 1), QColor(Qt::white));
  // Only the target in the folder (written atomically, no temp left).
  QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("out.png")});
}

void TestFigurePlot::pngShowsTheSeriesColours() {
  // A thick magenta diagonal and palette colour 1 (#d55e00) markers: both show; green never does.
  warp::FigureSeries magenta = series({0, 1, 2, 3}, {0, 1, 2, 3}, "magenta");
  magenta.color = "#ff00ff";
  warp::FigureSeries palette = series({0, 1, 2, 3}, {3, 2, 1, 0}, "palette", "markers");
  palette.marker = "square";
  warp::Figure with = onePanel({magenta, palette});
  warp::Figure without = onePanel({series({0, 1}, {0, 1}, "blue"), palette});
  QTemporaryDir dir;
  saveFigure(with, dir.filePath(QStringLiteral("with.png")));
  saveFigure(without, dir.filePath(QStringLiteral("without.png")));
  const QImage a(dir.filePath(QStringLiteral("with.png")));
  const QImage b(dir.filePath(QStringLiteral("without.png")));
  QCOMPARE(a.size(), QSize(640, 420));
  const QColor pink(0xff, 0x00, 0xff), orange(0xd5, 0x5e, 0x00), green(0x00, 0xff, 0x00), blue(0x00, 0x72, 0xb2);
  // The magenta line crosses ~500 px of plot at 2 px width (more counting the legend icon).
  QVERIFY2(countColor(a, pink, 12) > 500, qPrintable(QString::number(countColor(a, pink, 12))));
  QCOMPARE(countColor(b, pink, 60), 0);
  // Four 7 px squares and the legend icon: well over 100 px of #d55e00 in both.
  QVERIFY(countColor(a, orange, 12) > 100);
  QVERIFY(countColor(b, orange, 12) > 100);
  QCOMPARE(countColor(a, green, 60), 0);
  // The first series of `without` (no colour given) takes palette colour 0 (a third of the width).
  QVERIFY2(countColor(b, blue, 12) > 150, qPrintable(QString::number(countColor(b, blue, 12))));
  QCOMPARE(countColor(a, blue, 12), 0);
}

void TestFigurePlot::savePdfAndSvg() {
  warp::Figure f = readData("fronts.json");
  f.panels[0].series[0].color = "#ff00ff";
  QTemporaryDir dir;
  const QString pdf = dir.filePath(QStringLiteral("fig.pdf")), svg = dir.filePath(QStringLiteral("fig.SVG"));
  saveFigure(f, pdf);
  saveFigure(f, svg);
  const QByteArray p = readAll(pdf);
  QVERIFY(p.startsWith("%PDF-"));
  QVERIFY(p.trimmed().endsWith("%%EOF"));
  // One page with the figure's aspect (880 × 380).
  const QRegularExpressionMatch box =
      QRegularExpression(QStringLiteral("/MediaBox \\[0 0 ([0-9.]+) ([0-9.]+)\\]")).match(QString::fromLatin1(p));
  QVERIFY2(box.hasMatch(), "no MediaBox");
  QVERIFY(std::fabs(box.captured(1).toDouble() / box.captured(2).toDouble() - 880.0 / 380.0) < 0.01);

  const QByteArray s = readAll(svg);
  QVERIFY(s.startsWith("<?xml"));
  QVERIFY(s.contains("<svg"));
  QVERIFY(s.contains("viewBox=\"0 0 880 380\""));
  QVERIFY(s.contains("<title>WARP on the demo task</title>"));
  QVERIFY(s.contains("stroke=\"#ff00ff\""));
  QVERIFY(s.contains("gold reward (AFINN)") || s.contains("gold reward"));
  QVERIFY(s.trimmed().endsWith("</svg>"));
}

void TestFigurePlot::saveErrors_data() {
  QTest::addColumn<QString>("path");
  QTest::addColumn<double>("scale");
  QTest::addColumn<bool>("validFigure");
  QTest::addColumn<bool>("badInput");  // BadInput, else Error
  QTest::addColumn<QString>("message");

  QTest::newRow("unknown suffix") << "fig.jpg" << 1.0 << true << true << "unknown figure format 'jpg'";
  QTest::newRow("no suffix") << "fig" << 1.0 << true << true << "unknown figure format ''";
  QTest::newRow("scale 0") << "fig.png" << 0.0 << true << true << "scale must be in (0, 10]";
  QTest::newRow("scale 11") << "fig.png" << 11.0 << true << true << "scale";
  QTest::newRow("invalid figure") << "fig.svg" << 1.0 << false << true << "panels[0].series[0].y";
  QTest::newRow("missing folder") << "no/such/folder/fig.png" << 1.0 << true << false << "could not write the png";
  QTest::newRow("missing folder pdf") << "no/such/folder/fig.pdf" << 1.0 << true << false << "could not write";
  QTest::newRow("missing folder svg") << "no/such/folder/fig.svg" << 1.0 << true << false << "could not write";
}

void TestFigurePlot::saveErrors() {
  QFETCH(QString, path);
  QFETCH(double, scale);
  QFETCH(bool, validFigure);
  QFETCH(bool, badInput);
  QFETCH(QString, message);
  QTemporaryDir dir;
  const QString target = dir.filePath(path);
  const warp::Figure f = validFigure ? readData("kl_log.json") : onePanel({series({0, 1}, {1})});
  QString got;
  bool gotBadInput = false;
  try {
    saveFigure(f, target, scale);
  } catch (const warp::BadInput& e) {
    got = QString::fromUtf8(e.what());
    gotBadInput = true;
  } catch (const warp::Error& e) {
    got = QString::fromUtf8(e.what());
  }
  QVERIFY2(!got.isEmpty(), "no error");
  QCOMPARE(gotBadInput, badInput);
  QVERIFY2(got.startsWith(target + QStringLiteral(": ")), qPrintable(got));  // names the file
  QVERIFY2(got.contains(message), qPrintable(got));
  QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::NoDotAndDotDot), QStringList{});
}

void TestFigurePlot::warpPlotTool_data() {
  QTest::addColumn<QStringList>("args");  // $DIR: a fresh folder, $DATA: tests/gui/data
  QTest::addColumn<int>("exitCode");
  QTest::addColumn<QStringList>("written");  // files expected in $DIR
  QTest::addColumn<QStringList>("errors");   // one stderr line each (substrings)

  const QString fronts = QStringLiteral("$DATA/fronts.json"), kl = QStringLiteral("$DATA/kl_log.json");
  QTest::newRow("two figures, three formats")
      << QStringList{fronts, kl, "--format", "png,pdf,svg", "--out-dir", "$DIR/figs"} << 0
      << QStringList{"figs/fronts.png", "figs/fronts.pdf", "figs/fronts.svg",
                     "figs/kl_log.png", "figs/kl_log.pdf", "figs/kl_log.svg"}
      << QStringList{};
  QTest::newRow("default png beside the JSON")
      << QStringList{"$DIR/copy.json"} << 0 << QStringList{"copy.png"} << QStringList{};
  QTest::newRow("--opt=value form") << QStringList{kl, "--format=SVG", "--out-dir=$DIR", "--scale=2"} << 0
                                    << QStringList{"kl_log.svg"} << QStringList{};
  QTest::newRow("not JSON") << QStringList{"$DIR/broken.json", "--out-dir", "$DIR"} << 2 << QStringList{}
                            << QStringList{"broken.json: not valid JSON"};
  QTest::newRow("one bad among good") << QStringList{"$DIR/broken.json", kl, "--out-dir", "$DIR"} << 2
                                      << QStringList{"kl_log.png"} << QStringList{"broken.json: not valid JSON"};
  QTest::newRow("missing file") << QStringList{"$DIR/none.json"} << 2 << QStringList{} << QStringList{"none.json"};
  QTest::newRow("unknown format") << QStringList{kl, "--format", "png,jpg"} << 2 << QStringList{}
                                  << QStringList{"unknown format 'jpg'"};
  QTest::newRow("bad scale") << QStringList{kl, "--scale", "x"} << 2 << QStringList{}
                             << QStringList{"--scale must be a number"};
  QTest::newRow("no file") << QStringList{"--format", "png"} << 2 << QStringList{}
                           << QStringList{"no figure file given"};
  QTest::newRow("unknown option") << QStringList{kl, "--dpi", "3"} << 2 << QStringList{}
                                  << QStringList{"unknown option '--dpi'"};
  QTest::newRow("value missing") << QStringList{kl, "--out-dir"} << 2 << QStringList{}
                                 << QStringList{"--out-dir needs a value"};
  QTest::newRow("help") << QStringList{"--help"} << 0 << QStringList{} << QStringList{};
}

void TestFigurePlot::warpPlotTool() {
  QFETCH(QStringList, args);
  QFETCH(int, exitCode);
  QFETCH(QStringList, written);
  QFETCH(QStringList, errors);
  QTemporaryDir dir;
  QFile::copy(dataFile("fronts.json"), dir.filePath(QStringLiteral("copy.json")));
  {
    QFile broken(dir.filePath(QStringLiteral("broken.json")));
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write("{\"format\": \"warp-figure\",");
  }
  for (QString& a : args) {
    a.replace(QStringLiteral("$DIR"), dir.path());
    a.replace(QStringLiteral("$DATA"), dataDir());
  }
  QProcess process;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.remove(QStringLiteral("QT_QPA_PLATFORM"));  // the tool chooses offscreen itself
  env.remove(QStringLiteral("DISPLAY"));
  env.remove(QStringLiteral("WAYLAND_DISPLAY"));
  process.setProcessEnvironment(env);
  process.start(QString::fromStdString(warp::test::env_path("WARP_PLOT_EXE")), args);
  QVERIFY(process.waitForFinished(60000));
  const QString err = QString::fromUtf8(process.readAllStandardError());
  const QString out = QString::fromUtf8(process.readAllStandardOutput());
  QCOMPARE(process.exitStatus(), QProcess::NormalExit);
  QVERIFY2(process.exitCode() == exitCode,
           qPrintable(QStringLiteral("exit %1, stderr: %2").arg(process.exitCode()).arg(err)));
  const QStringList lines = err.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
  QCOMPARE(lines.size(), errors.size());
  for (int i = 0; i < errors.size(); ++i) {
    QVERIFY2(lines[i].startsWith(QStringLiteral("warp-plot: error: ")), qPrintable(lines[i]));
    QVERIFY2(lines[i].contains(errors[i]), qPrintable(lines[i]));
  }
  for (const QString& w : written) {
    const QString path = dir.filePath(w);
    QVERIFY2(QFileInfo(path).size() > 1000, qPrintable(path));
    QVERIFY2(out.contains(path), qPrintable(out));  // each written file is printed
  }
  if (args.contains(QStringLiteral("--scale=2")))
    QCOMPARE(readAll(dir.filePath(QStringLiteral("kl_log.svg"))).left(5), QByteArray("<?xml"));
  if (args.contains(QStringLiteral("--help"))) QVERIFY(out.startsWith(QStringLiteral("Usage: warp-plot")));
  // Nothing else was written to the folder.
  QStringList expected = written;
  for (QString& w : expected) w = QFileInfo(dir.filePath(w)).fileName();
  expected << QStringLiteral("copy.json") << QStringLiteral("broken.json");
  QStringList all;
  QDirIterator it(dir.path(), QDir::Files, QDirIterator::Subdirectories);
  while (it.hasNext()) all << QFileInfo(it.next()).fileName();
  all.sort();
  expected.sort();
  QCOMPARE(all, expected);
}

QTEST_MAIN(TestFigurePlot)
#include "test_figure_plot.moc"
