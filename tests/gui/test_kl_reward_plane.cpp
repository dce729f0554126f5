// KlRewardPlane: the series drawn as a figure (x = KL, y = reward or gold with their SE), the
// non-dominated set against hand-made cases (and drawn as a step line), the tooltip of a point
// (exact text) shown on hover, a click making a point current (signal, ring), the y toggle, the
// x axis label naming τ, and export at a chosen size.
#include <cmath>
#include <limits>

#include <QComboBox>
#include <QFile>
#include <QImage>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <qcustomplot.h>

#include "plot/kl_reward_plane.h"
#include "util/error.h"

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

PlanePoint makePoint(const QString& id, double kl, double reward, double gold, const QString& label = QString()) {
  PlanePoint p;
  p.id = id;
  p.kl = kl;
  p.klSe = 0.01;
  p.reward = reward;
  p.rewardSe = 0.05;
  p.gold = gold;
  p.goldSe = 0.02;
  p.label = label;
  return p;
}

// A trajectory (3 points), an iteration front (3 points, η labels), an output front (2 points) and
// two merged points. By reward the non-dominated set is t0 (0, 0), f1 (0.5, 1.2), m1 (1.0, 1.6),
// f2 (1.5, 2.0); by gold it is t0 (0, 0.5), t1 (0.4, 0.9), o1 (1.2, 1.5).
QVector<PlaneSeries> sampleSeries() {
  PlaneSeries t{PlaneSeries::Kind::Trajectory, QStringLiteral("ema-1"), {}};
  t.points << makePoint("t0", 0.0, 0.0, 0.5) << makePoint("t1", 0.4, -0.2, 0.9) << makePoint("t2", 2.0, 1.9, 0.7);
  PlaneSeries f{PlaneSeries::Kind::IterationFront, QStringLiteral("warp · front, iteration 1"), {}};
  f.points << makePoint("f0", 0.1, -0.1, 0.1, "η=0.00") << makePoint("f1", 0.5, 1.2, 0.2, "η=0.30")
           << makePoint("f2", 1.5, 2.0, 0.3, "η=1.00");
  PlaneSeries o{PlaneSeries::Kind::OutputFront, QStringLiteral("warp · output front"), {}};
  o.points << makePoint("o0", 0.6, 1.0, 0.4, "η=0.30") << makePoint("o1", 1.2, 1.5, 1.5, "η=1.00");
  PlaneSeries m{PlaneSeries::Kind::MergePoints, QStringLiteral("merged points"), {}};
  PlanePoint m0 = makePoint("m0", 0.8, 1.1, 0.6);
  PlanePoint m1 = makePoint("m1", 1.0, 1.6, 0.8);
  m1.provenance << QStringLiteral("warp iteration 1 (warp-i1-r1, warp-i1-r2)")
                << QStringLiteral("SLERP λ 0.50 → LITI η 0.35 toward θ_init");
  m.points << m0 << m1;
  return {t, f, o, m};
}

QStringList ids(const QVector<PlanePoint>& points) {
  QStringList out;
  for (const PlanePoint& p : points) out << p.id;
  return out;
}

int countItems(QCustomPlot* plot, const char* className) {
  int n = 0;
  for (int i = 0; i < plot->itemCount(); ++i)
    n += QString::fromLatin1(plot->item(i)->metaObject()->className()) == QLatin1String(className);
  return n;
}

}  // namespace

class TestKlRewardPlane : public QObject {
  Q_OBJECT

 private slots:
  void figureOfSeries();
  void nonDominatedIndices_data();
  void nonDominatedIndices();
  void nonDominatedDrawnAsSteps();
  void toolTipOnHover();
  void clickMakesCurrent();
  void yToggle();
  void axisLabelNamesTemperature();
  void exportAtSize();
};

void TestKlRewardPlane::figureOfSeries() {
  KlRewardPlane plane;
  plane.setSeries(sampleSeries());
  const warp::Figure& f = plane.figure();
  QCOMPARE(int(f.panels[0].series.size()), 4);
  const warp::FigureSeries& t = f.panels[0].series[0];
  QCOMPARE(QString::fromStdString(t.name), QStringLiteral("ema-1"));
  QCOMPARE(t.x, (std::vector<double>{0.0, 0.4, 2.0}));
  QCOMPARE(t.y, (std::vector<double>{0.0, -0.2, 1.9}));
  QCOMPARE(t.y_err, (std::vector<double>{0.05, 0.05, 0.05}));
  QVERIFY(t.labels.empty());
  const warp::FigureSeries& o = f.panels[0].series[2];
  QCOMPARE(o.labels, (std::vector<std::string>{"η=0.30", "η=1.00"}));
  QVERIFY(o.dash);
  QCOMPARE(QString::fromStdString(f.panels[0].series[3].style), QStringLiteral("markers"));
  // One graph or curve per series, and the five η labels.
  QCustomPlot* plot = plane.plot();
  int drawn = 0;
  for (int i = 0; i < plot->plottableCount(); ++i)
    drawn += qobject_cast<QCPGraph*>(plot->plottable(i)) || qobject_cast<QCPCurve*>(plot->plottable(i));
  QCOMPARE(drawn, 4);
  QCOMPARE(countItems(plot, "QCPItemText"), 5);
  QVERIFY(plane.point(QStringLiteral("m1")));
  QVERIFY(!plane.point(QStringLiteral("nope")));
}

void TestKlRewardPlane::nonDominatedIndices_data() {
  QTest::addColumn<QVector<double>>("kl");
  QTest::addColumn<QVector<double>>("y");
  QTest::addColumn<QVector<int>>("expected");
  QTest::newRow("empty") << QVector<double>{} << QVector<double>{} << QVector<int>{};
  QTest::newRow("one") << QVector<double>{1} << QVector<double>{2} << QVector<int>{0};
  // (2, 1) is dominated by (1, 1): same reward, more KL.
  QTest::newRow("staircase") << QVector<double>{3, 1, 2, 0.5, 2} << QVector<double>{3, 1, 2, 0, 1}
                             << QVector<int>{3, 1, 2, 0};
  // Same KL: only the higher reward; exact duplicates are both kept (input order).
  QTest::newRow("ties") << QVector<double>{1, 1, 1, 2} << QVector<double>{0.5, 0.7, 0.7, 0.6} << QVector<int>{1, 2};
  QTest::newRow("NaN never on it") << QVector<double>{kNaN, 1, 2} << QVector<double>{9, 1, kNaN} << QVector<int>{1};
  QTest::newRow("all dominated by one") << QVector<double>{0, 1, 2} << QVector<double>{5, 4, 3} << QVector<int>{0};
}

void TestKlRewardPlane::nonDominatedIndices() {
  QFETCH(QVector<double>, kl);
  QFETCH(QVector<double>, y);
  QFETCH(QVector<int>, expected);
  QCOMPARE(KlRewardPlane::nonDominatedIndices(kl, y), expected);
}

void TestKlRewardPlane::nonDominatedDrawnAsSteps() {
  KlRewardPlane plane;
  plane.setSeries(sampleSeries());
  QCOMPARE(ids(plane.nonDominated()), (QStringList{"t0", "f1", "m1", "f2"}));
  // Three steps of a horizontal and a vertical segment each.
  QCOMPARE(countItems(plane.plot(), "QCPItemLine"), 6);
  // Not data: neither in the figure nor its CSV.
  QCOMPARE(int(plane.figure().panels[0].series.size()), 4);
}

void TestKlRewardPlane::toolTipOnHover() {
  const QString expected = QStringLiteral(
      "merged points\n"
      "warp iteration 1 (warp-i1-r1, warp-i1-r2)\n"
      "SLERP λ 0.50 → LITI η 0.35 toward θ_init\n"
      "reward r: 1.600 ± 0.050\n"
      "gold reward: 0.800 ± 0.020\n"
      "KL to θ_sft: 1.000 ± 0.010");
  const QVector<PlaneSeries> series = sampleSeries();
  QCOMPARE(KlRewardPlane::toolTipText(series[3].points[1], series[3].name), expected);
  PlanePoint unknown = makePoint("u", 1.0, 2.0, kNaN);
  unknown.rewardSe = kNaN;
  QCOMPARE(KlRewardPlane::toolTipText(unknown, QStringLiteral("s")),
           QStringLiteral("s\nreward r: 2.000\ngold reward: —\nKL to θ_sft: 1.000 ± 0.010"));

  KlRewardPlane plane;
  plane.resize(800, 600);
  plane.setSeries(series);
  plane.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plane));
  plane.redraw();
  const QPoint at = plane.pixelOf(QStringLiteral("m1"));
  QVERIFY(at.x() >= 0);
  QString name;
  QCOMPARE(plane.pointAt(at + QPoint(3, -2), &name)->id, QStringLiteral("m1"));
  QCOMPARE(name, QStringLiteral("merged points"));
  QVERIFY(!plane.pointAt(at + QPoint(40, 40)));
  QTest::mouseMove(plane.plot(), at);
  QTRY_COMPARE(plane.lastToolTip(), expected);
  QTest::mouseMove(plane.plot(), QPoint(2, 2));
  QTRY_COMPARE(plane.lastToolTip(), QString());
}

void TestKlRewardPlane::clickMakesCurrent() {
  KlRewardPlane plane;
  plane.resize(800, 600);
  plane.setSeries(sampleSeries());
  plane.show();
  QVERIFY(QTest::qWaitForWindowExposed(&plane));
  plane.redraw();
  QCOMPARE(countItems(plane.plot(), "QCPItemTracer"), 0);
  QSignalSpy spy(&plane, &KlRewardPlane::currentPointChanged);
  QTest::mouseClick(plane.plot(), Qt::LeftButton, Qt::NoModifier, plane.pixelOf(QStringLiteral("o0")));
  QCOMPARE(spy.count(), 1);
  QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("o0"));
  QCOMPARE(plane.currentId(), QStringLiteral("o0"));
  QCOMPARE(countItems(plane.plot(), "QCPItemTracer"), 1);
  // A click beside every point changes nothing.
  QTest::mouseClick(plane.plot(), Qt::LeftButton, Qt::NoModifier, QPoint(3, 3));
  QCOMPARE(spy.count(), 1);
  QCOMPARE(plane.currentId(), QStringLiteral("o0"));
  // Set from code: ringed, no signal; an id not shown rings nothing.
  plane.setCurrentId(QStringLiteral("t1"));
  QCOMPARE(countItems(plane.plot(), "QCPItemTracer"), 1);
  plane.setCurrentId(QStringLiteral("gone"));
  QCOMPARE(countItems(plane.plot(), "QCPItemTracer"), 0);
  QCOMPARE(spy.count(), 1);
}

void TestKlRewardPlane::yToggle() {
  KlRewardPlane plane;
  plane.setSeries(sampleSeries());
  QSignalSpy spy(&plane, &KlRewardPlane::yAxisChanged);
  plane.yAxisPicker()->setCurrentIndex(1);
  QCOMPARE(spy.count(), 1);
  QVERIFY(plane.yAxis() == KlRewardPlane::YAxis::Gold);
  const warp::Figure& f = plane.figure();
  QCOMPARE(QString::fromStdString(f.y_label), QStringLiteral("gold reward"));
  QCOMPARE(f.panels[0].series[0].y, (std::vector<double>{0.5, 0.9, 0.7}));
  QCOMPARE(f.panels[0].series[0].y_err, (std::vector<double>{0.02, 0.02, 0.02}));
  QCOMPARE(ids(plane.nonDominated()), (QStringList{"t0", "t1", "o1"}));
  plane.setYAxis(KlRewardPlane::YAxis::Reward);
  QCOMPARE(plane.yAxisPicker()->currentIndex(), 0);
  QCOMPARE(QString::fromStdString(plane.figure().y_label), QStringLiteral("reward r"));
  QCOMPARE(spy.count(), 2);
}

void TestKlRewardPlane::axisLabelNamesTemperature() {
  KlRewardPlane plane;
  QCOMPARE(QString::fromStdString(plane.figure().x_label), QStringLiteral("KL(π ‖ π_sft), sequence"));
  plane.setEvalTemperature(0.9);
  QCOMPARE(QString::fromStdString(plane.figure().x_label), QStringLiteral("KL(π ‖ π_sft), sequence, at τ = 0.9"));
  QCOMPARE(plane.plot()->axisRect(0)->axis(QCPAxis::atBottom)->label(),
           QStringLiteral("KL(π ‖ π_sft), sequence, at τ = 0.9"));
}

void TestKlRewardPlane::exportAtSize() {
  QTemporaryDir tmp;
  KlRewardPlane plane;
  plane.setSeries(sampleSeries());
  const QString png = tmp.filePath(QStringLiteral("plane.png"));
  plane.exportTo(png, QSize(400, 300));
  QImage image(png);
  QCOMPARE(image.size(), QSize(400, 300));
  const QString csv = tmp.filePath(QStringLiteral("plane.csv"));
  plane.exportTo(csv);
  QFile file(csv);
  QVERIFY(file.open(QIODevice::ReadOnly));
  const QList<QByteArray> lines = file.readAll().split('\n');
  QCOMPARE(lines.at(0), QByteArray("panel,series,x,y,y_err,label"));
  QCOMPARE(lines.size(), 1 + 10 + 1);  // header, 10 points, the empty string after the last newline
  QCOMPARE(lines.at(10), QByteArray("0,merged points,1,1.6,0.05,"));
  QVERIFY_THROWS_EXCEPTION(warp::BadInput, plane.exportTo(tmp.filePath(QStringLiteral("plane.svg")), QSize(5, 5)));
  QVERIFY_THROWS_EXCEPTION(warp::BadInput, plane.exportTo(tmp.filePath(QStringLiteral("plane.gif"))));
}

QTEST_MAIN(TestKlRewardPlane)
#include "test_kl_reward_plane.moc"
