// MetricsPanel fed by a MetricsFollower over a real database: one graph per selected run holding
// exactly the run's series for each plot's key, the key picker listing the runs' keys, and
// coalesced replots (a burst of 1000 rows, polled one by one, replots a handful of times).
#include <QCheckBox>
#include <QComboBox>
#include <tuple>

#include <QElapsedTimer>
#include <QLabel>
#include <QMouseEvent>
#include <QTemporaryDir>
#include <QtTest>

#include <qcustomplot.h>

#include "gui_fixture.h"
#include "models/metrics_follower.h"
#include "panels/metrics_panel.h"

namespace {

QVector<double> keysOf(QCPGraph* g) {
  QVector<double> out;
  for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) out << it->key;
  return out;
}

QVector<double> valuesOf(QCPGraph* g) {
  QVector<double> out;
  for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) out << it->value;
  return out;
}

// Rows with explicit wall times: (step, value, wall time).
void appendTimed(warp::ExperimentDb& db, int64_t run, const std::string& key,
                 const std::vector<std::tuple<int64_t, double, double>>& points) {
  std::vector<warp::MetricRow> rows;
  for (const auto& [step, value, wall] : points) rows.emplace_back(step, key, value, wall);
  db.append_metrics(run, rows);
}

void setStartedAt(warp::ExperimentDb& db, int64_t run, double t) {
  warp::Statement s(db.database(), "UPDATE runs SET started_at = ? WHERE id = ?");
  s.bind(1, t).bind(2, run).run();
}

int plotIndex(const MetricsPanel& panel, const QString& key) {
  for (int i = 0; i < panel.plotCount(); ++i)
    if (panel.plotKey(i) == key) return i;
  return -1;
}

}  // namespace

class TestMetricsPanel : public QObject {
  Q_OBJECT

 private slots:
  void graphsHoldTheSeries_data();
  void graphsHoldTheSeries();
  void keyPicker();
  void defaultKeyFollowsRuns();
  void sparseCurvesShowDots();
  void replotsCoalesced();
  void wallTimeAxis();
  void logScaleSkipsNonPositive();
  void tracerText();
  void tracerFollowsMouse();
};

void TestMetricsPanel::graphsHoldTheSeries_data() {
  QTest::addColumn<QString>("key");
  QTest::newRow("reward") << "train/reward";
  QTest::newRow("gold") << "train/gold";
  QTest::newRow("kl anchor") << "train/kl_anchor";
  QTest::newRow("kl sft") << "train/kl_sft";
  QTest::newRow("eval reward") << "eval/reward";
}

void TestMetricsPanel::graphsHoldTheSeries() {
  QFETCH(QString, key);
  QTemporaryDir tmp;
  const QString dir = guitest::makeExperimentFolder(tmp);
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(dir));
  const int64_t a = guitest::createLiveRun(db, "ema-1");
  const int64_t b = guitest::createLiveRun(db, "ema-2");
  const int64_t other = guitest::createLiveRun(db, "not-selected");
  const std::string k = key.toStdString();
  guitest::appendSeries(db, a, k, {{0, 0.5}, {10, 1.5}, {20, 2.5}});
  guitest::appendSeries(db, b, k, {{0, -1.0}, {10, -2.0}});
  guitest::appendSeries(db, other, k, {{0, 100.0}});

  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(dir)));
  MetricsPanel panel;
  panel.resize(900, 600);
  panel.setFollower(&follower);
  panel.setRuns({RunRef{a, "ema-1", "train"}, RunRef{b, "ema-2", "train"}});
  follower.poll();
  const int p = plotIndex(panel, key);
  QVERIFY(p >= 0);
  QCustomPlot* plot = panel.plot(p);
  QCOMPARE(plot->graphCount(), 2);
  QTRY_COMPARE(keysOf(plot->graph(0)), (QVector<double>{0, 10, 20}));
  QCOMPARE(valuesOf(plot->graph(0)), (QVector<double>{0.5, 1.5, 2.5}));
  QCOMPARE(keysOf(plot->graph(1)), (QVector<double>{0, 10}));
  QCOMPARE(valuesOf(plot->graph(1)), (QVector<double>{-1.0, -2.0}));
  QCOMPARE(plot->graph(0)->name(), QStringLiteral("ema-1"));
  // The axes show all of it (not the unselected run's 100).
  QVERIFY(plot->xAxis->range().contains(0) && plot->xAxis->range().contains(20));
  QVERIFY(plot->yAxis->range().contains(-2.0) && plot->yAxis->range().contains(2.5));
  QVERIFY(!plot->yAxis->range().contains(100.0));

  // Live: a new point lands in the graph.
  guitest::appendSeries(db, a, k, {{30, 3.5}});
  follower.poll();
  QTRY_COMPARE(keysOf(plot->graph(0)).size(), 4);
  QCOMPARE(valuesOf(plot->graph(0)).back(), 3.5);

  // Deselecting a run removes its graph.
  panel.setRuns({RunRef{b, "ema-2", "train"}});
  QCOMPARE(plot->graphCount(), 1);
  QTRY_COMPARE(valuesOf(plot->graph(0)), (QVector<double>{-1.0, -2.0}));
}

void TestMetricsPanel::keyPicker() {
  QTemporaryDir tmp;
  const QString dir = guitest::makeExperimentFolder(tmp);
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(dir));
  const int64_t a = guitest::createLiveRun(db, "a");
  guitest::appendSeries(db, a, "train/loss", {{1, 4.0}, {2, 3.0}});
  guitest::appendSeries(db, a, "time/step_s", {{1, 0.2}});
  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(dir)));
  follower.poll();
  MetricsPanel panel;
  panel.setFollower(&follower);
  panel.setRuns({RunRef{a, "a", "train"}});
  QComboBox* picker = panel.keyPicker();
  QStringList items;
  for (int i = 0; i < picker->count(); ++i) items << picker->itemText(i);
  QVERIFY2(items.contains("train/loss") && items.contains("time/step_s"), qPrintable(items.join(',')));
  // A key written later is listed.
  guitest::appendSeries(db, a, "train/grad_norm", {{3, 0.7}});
  follower.poll();
  QVERIFY(picker->findText("train/grad_norm") >= 0);
  // Picking a key plots it in the last plot.
  picker->setCurrentText("train/loss");
  const int last = panel.plotCount() - 1;
  QCOMPARE(panel.plotKey(last), QStringLiteral("train/loss"));
  QTRY_COMPARE(valuesOf(panel.plot(last)->graph(0)), (QVector<double>{4.0, 3.0}));
}

void TestMetricsPanel::defaultKeyFollowsRuns() {
  QTemporaryDir tmp;
  const QString dir = guitest::makeExperimentFolder(tmp);
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(dir));
  // An SFT run writes no train/entropy (the RL default of the picker's plot), nor grad_norm yet.
  const int64_t sft = guitest::createLiveRun(db, "sft");
  guitest::appendSeries(db, sft, "train/loss", {{1, 4.0}, {2, 3.0}});
  guitest::appendSeries(db, sft, "time/step_s", {{1, 0.2}});
  guitest::appendSeries(db, sft, "train/tokens_per_s", {{1, 900.0}});
  guitest::appendSeries(db, sft, "train/lr", {{1, 1e-4}});
  guitest::appendSeries(db, sft, "train/accuracy", {{1, 0.25}, {2, 0.5}});
  const int64_t rl = guitest::createLiveRun(db, "rl");
  guitest::appendSeries(db, rl, "train/reward", {{1, 0.1}});
  guitest::appendSeries(db, rl, "train/entropy", {{1, 2.5}, {2, 2.4}});
  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(dir)));
  follower.poll();
  MetricsPanel panel;
  panel.setFollower(&follower);
  const int last = panel.plotCount() - 1;
  QCOMPARE(panel.plotKey(last), QStringLiteral("train/entropy"));

  // The SFT run: not an empty train/entropy plot, but a key it has that no fixed plot shows, timings
  // last (train/loss, tokens_per_s and lr are fixed SFT plots).
  panel.setRuns({RunRef{sft, "sft", "sft"}});
  QCOMPARE(panel.plotSet(), MetricsPanel::PlotSet::Sft);
  QCOMPARE(panel.plotKey(last), QStringLiteral("train/accuracy"));
  QCOMPARE(panel.keyPicker()->currentText(), QStringLiteral("train/accuracy"));
  QVERIFY(panel.keyPicker()->findText("train/entropy") < 0);
  QTRY_COMPARE(valuesOf(panel.plot(last)->graph(0)), (QVector<double>{0.25, 0.5}));
  // Its default curve, once written, takes the place.
  guitest::appendSeries(db, sft, "train/grad_norm", {{3, 0.7}});
  follower.poll();
  QCOMPARE(panel.plotKey(last), QStringLiteral("train/grad_norm"));
  QCOMPARE(panel.keyPicker()->currentText(), QStringLiteral("train/grad_norm"));
  QTRY_COMPARE(valuesOf(panel.plot(last)->graph(0)), (QVector<double>{0.7}));

  // An RL run: back to the entropy.
  panel.setRuns({RunRef{rl, "rl", "train"}});
  QCOMPARE(panel.plotKey(last), QStringLiteral("train/entropy"));
  QTRY_COMPARE(valuesOf(panel.plot(last)->graph(0)), (QVector<double>{2.5, 2.4}));

  // A key the user picks stays, whatever runs are selected next (even one that lacks it).
  panel.keyPicker()->setCurrentText("train/reward");
  panel.setRuns({RunRef{sft, "sft", "sft"}});
  QCOMPARE(panel.plotKey(last), QStringLiteral("train/reward"));
  QCOMPARE(panel.keyPicker()->currentText(), QStringLiteral("train/reward"));
}

void TestMetricsPanel::sparseCurvesShowDots() {
  QTemporaryDir tmp;
  const QString dir = guitest::makeExperimentFolder(tmp);
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(dir));
  const int64_t a = guitest::createLiveRun(db, "a");
  guitest::appendSeries(db, a, "eval/loss", {{100, 3.2}});  // one evaluation so far
  std::vector<std::pair<int64_t, double>> many;
  for (int i = 0; i <= MetricsPanel::kDotsMaxPoints; ++i) many.emplace_back(i, 4.0 - 0.01 * i);
  guitest::appendSeries(db, a, "train/loss", many);
  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(dir)));
  follower.poll();
  MetricsPanel panel;
  panel.resize(900, 600);
  panel.setFollower(&follower);
  panel.setRuns({RunRef{a, "a", "sft"}});
  QCPGraph* held = panel.plot(plotIndex(panel, "eval/loss"))->graph(0);
  QCPGraph* train = panel.plot(plotIndex(panel, "train/loss"))->graph(0);
  QTRY_COMPARE(held->data()->size(), 1);
  QTRY_COMPARE(train->data()->size(), MetricsPanel::kDotsMaxPoints + 1);
  // The single point is drawn as a dot in the run's colour; the dense curve as a line alone.
  QCOMPARE(held->scatterStyle().shape(), QCPScatterStyle::ssDisc);
  QCOMPARE(held->scatterStyle().size(), MetricsPanel::kDotSize);
  QCOMPARE(held->scatterStyle().pen().color(), panel.theme().series(0));  // a disc is filled with its pen
  QCOMPARE(train->scatterStyle().shape(), QCPScatterStyle::ssNone);
  // The lone dot stands in the middle of axes of its own: 10% of the step, 5% of the value each side.
  const QCPRange x = panel.plot(plotIndex(panel, "eval/loss"))->xAxis->range();
  const QCPRange y = panel.plot(plotIndex(panel, "eval/loss"))->yAxis->range();
  QCOMPARE(x.lower, 90.0);
  QCOMPARE(x.upper, 110.0);
  QVERIFY2(std::abs(y.lower - 3.04) < 1e-12 && std::abs(y.upper - 3.36) < 1e-12,
           qPrintable(QStringLiteral("%1..%2").arg(y.lower).arg(y.upper)));
  // The dense curve's range: the data's steps exactly, its values with 5% room.
  const QCPRange tx = panel.plot(plotIndex(panel, "train/loss"))->xAxis->range();
  QCOMPARE(tx.lower, 0.0);
  QCOMPARE(tx.upper, double(MetricsPanel::kDotsMaxPoints));
  // The dots go once the curve grows past the limit.
  std::vector<std::pair<int64_t, double>> more;
  for (int i = 1; i <= MetricsPanel::kDotsMaxPoints; ++i) more.emplace_back(100 + 100 * i, 3.2 - 0.01 * i);
  guitest::appendSeries(db, a, "eval/loss", more);
  follower.poll();
  QTRY_COMPARE(held->data()->size(), MetricsPanel::kDotsMaxPoints + 1);
  QCOMPARE(held->scatterStyle().shape(), QCPScatterStyle::ssNone);
}

void TestMetricsPanel::replotsCoalesced() {
  QTemporaryDir tmp;
  const QString dir = guitest::makeExperimentFolder(tmp);
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(dir));
  const int64_t a = guitest::createLiveRun(db, "a");
  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(dir)));
  MetricsPanel panel;
  panel.resize(900, 600);
  panel.show();
  panel.setFollower(&follower);
  panel.setRuns({RunRef{a, "a", "train"}});
  QTest::qWait(100);
  QCustomPlot* reward = panel.plot(plotIndex(panel, "train/reward"));
  QSignalSpy replots(reward, &QCustomPlot::afterReplot);
  const int flushesBefore = panel.replotCount();

  // 1000 rows, each appended, polled and its events processed on its own, as if they trickled in.
  QElapsedTimer clock;
  clock.start();
  for (int i = 1; i <= 1000; ++i) {
    guitest::appendSeries(db, a, "train/reward", {{i, 0.001 * i}});
    follower.poll();
    QCoreApplication::processEvents();
  }
  QTest::qWait(3 * MetricsPanel::kReplotIntervalMs);
  const qint64 ms = clock.elapsed();
  const int flushes = panel.replotCount() - flushesBefore;
  // At most one replot per 40 ms window (plus the last one), and far fewer than the 1000 updates.
  const int bound = static_cast<int>(ms / MetricsPanel::kReplotIntervalMs) + 2;
  qInfo("1000 rows in %lld ms: %d flushes, %d replots of the reward plot", ms, flushes, int(replots.count()));
  QVERIFY2(flushes >= 1 && flushes <= bound, qPrintable(QStringLiteral("%1 flushes in %2 ms").arg(flushes).arg(ms)));
  QVERIFY2(replots.count() <= bound && replots.count() < 200,
           qPrintable(QStringLiteral("%1 replots in %2 ms").arg(replots.count()).arg(ms)));
  QCOMPARE(reward->graph(0)->data()->size(), 1000);
  QCOMPARE(reward->graph(0)->data()->at(999)->value, 1.0);
}

void TestMetricsPanel::wallTimeAxis() {
  QTemporaryDir tmp;
  const QString dir = guitest::makeExperimentFolder(tmp);
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(dir));
  const int64_t a = guitest::createLiveRun(db, "a");
  const int64_t b = guitest::createLiveRun(db, "b");
  setStartedAt(db, a, 1000.0);
  appendTimed(db, a, "train/reward", {{0, 1.0, 1010.0}, {5, 2.0, 1025.5}, {9, 3.0, 1100.0}});
  // b's rows arrive first for another key: its origin without a start is its earliest row, any key.
  appendTimed(db, b, "train/gold", {{0, 0.0, 1990.0}});
  appendTimed(db, b, "train/reward", {{0, 4.0, 2000.0}, {1, 5.0, 2060.0}});
  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(dir)));
  follower.poll();
  MetricsPanel panel;
  panel.resize(900, 600);
  panel.setFollower(&follower);
  // a with the database's start, b without one (NaN): b's origin is its first metric's wall time.
  panel.setRuns({RunRef{a, "a", "train", 1000.0}, RunRef{b, "b", "train"}});
  const int p = plotIndex(panel, "train/reward");
  QCustomPlot* plot = panel.plot(p);
  QTRY_COMPARE(keysOf(plot->graph(0)), (QVector<double>{0, 5, 9}));
  // The combo switches the axis: x = each row's wall time minus the run's start.
  panel.xAxisPicker()->setCurrentIndex(1);
  QCOMPARE(panel.xAxis(), MetricsPanel::XAxis::WallTime);
  QTRY_COMPARE(keysOf(plot->graph(0)), (QVector<double>{10.0, 25.5, 100.0}));
  QCOMPARE(valuesOf(plot->graph(0)), (QVector<double>{1.0, 2.0, 3.0}));
  QCOMPARE(keysOf(plot->graph(1)), (QVector<double>{10.0, 70.0}));
  QVERIFY(qSharedPointerDynamicCast<QCPAxisTickerTime>(plot->xAxis->ticker()));
  QVERIFY(plot->xAxis->label().contains("h:mm:ss"));
  const MetricSeries* s = follower.series(a, "train/reward");
  QVERIFY(s);
  QCOMPARE(MetricsPanel::xValues(*s, MetricsPanel::XAxis::WallTime, 1000.0), (QVector<double>{10.0, 25.5, 100.0}));
  QCOMPARE(MetricsPanel::xValues(*s, MetricsPanel::XAxis::Step, 1000.0), (QVector<double>{0, 5, 9}));
  // Back to steps.
  panel.setXAxis(MetricsPanel::XAxis::Step);
  QCOMPARE(panel.xAxisPicker()->currentIndex(), 0);
  QTRY_COMPARE(keysOf(plot->graph(0)), (QVector<double>{0, 5, 9}));
  QVERIFY(!qSharedPointerDynamicCast<QCPAxisTickerTime>(plot->xAxis->ticker()));
}

void TestMetricsPanel::logScaleSkipsNonPositive() {
  QTemporaryDir tmp;
  const QString dir = guitest::makeExperimentFolder(tmp);
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(dir));
  const int64_t a = guitest::createLiveRun(db, "a");
  guitest::appendSeries(db, a, "train/kl_sft", {{0, -1.0}, {1, 0.0}, {2, 0.5}, {3, 2.0}});
  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(dir)));
  follower.poll();
  MetricsPanel panel;
  panel.resize(900, 600);
  panel.setFollower(&follower);
  panel.setRuns({RunRef{a, "a", "train"}});
  const int p = plotIndex(panel, "train/kl_sft");
  QCustomPlot* plot = panel.plot(p);
  QTRY_COMPARE(keysOf(plot->graph(0)).size(), 4);
  panel.logYCheck()->setChecked(true);
  QVERIFY(panel.logY());
  QTRY_COMPARE(keysOf(plot->graph(0)), (QVector<double>{2, 3}));
  QCOMPARE(valuesOf(plot->graph(0)), (QVector<double>{0.5, 2.0}));
  QCOMPARE(plot->yAxis->scaleType(), QCPAxis::stLogarithmic);
  QVERIFY(plot->yAxis->range().lower > 0);
  QVERIFY(plot->yAxis->range().contains(0.5) && plot->yAxis->range().contains(2.0));
  QCOMPARE(panel.skippedNonPositive(p), 2);
  QVERIFY2(plot->toolTip().contains("2 values") && plot->toolTip().contains("train/kl_sft"),
           qPrintable(plot->toolTip()));
  QVERIFY(!panel.logNote()->isHidden());
  QCOMPARE(panel.logNote()->text(), QStringLiteral("2 values ≤ 0 not drawn"));
  // With smoothing over all raw values: s = (-1, -1/3, 1/7, 17/15); the non-positive ones left out.
  panel.setSmoothing(0.5);
  QCOMPARE(plot->graphCount(), 2);
  QTRY_COMPARE(keysOf(plot->graph(1)), (QVector<double>{2, 3}));
  QCOMPARE(valuesOf(plot->graph(1)).size(), 2);
  QVERIFY(std::abs(valuesOf(plot->graph(1))[0] - 1.0 / 7.0) < 1e-12);
  QVERIFY(std::abs(valuesOf(plot->graph(1))[1] - 17.0 / 15.0) < 1e-12);
  // All of it non-positive: nothing drawn, no crash.
  const int64_t b = guitest::createLiveRun(db, "b");
  guitest::appendSeries(db, b, "train/kl_sft", {{0, -3.0}, {1, 0.0}});
  follower.poll();
  panel.setRuns({RunRef{b, "b", "train"}});
  QTRY_COMPARE(panel.skippedNonPositive(p), 2);
  QVERIFY(plot->graph(0)->data()->isEmpty());
  // Linear again: every point back, nothing skipped, the note gone.
  panel.setLogY(false);
  QVERIFY(!panel.logYCheck()->isChecked());
  QTRY_COMPARE(keysOf(plot->graph(0)), (QVector<double>{0, 1}));
  QCOMPARE(panel.skippedNonPositive(p), 0);
  QCOMPARE(plot->yAxis->scaleType(), QCPAxis::stLinear);
  QVERIFY(panel.logNote()->isHidden());
  QVERIFY(plot->toolTip().isEmpty());
}

void TestMetricsPanel::tracerText() {
  QTemporaryDir tmp;
  const QString dir = guitest::makeExperimentFolder(tmp);
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(dir));
  const int64_t a = guitest::createLiveRun(db, "a");
  const int64_t b = guitest::createLiveRun(db, "b");
  setStartedAt(db, a, 100.0);
  setStartedAt(db, b, 100.0);
  appendTimed(db, a, "train/reward", {{0, 1.0, 100.0}, {10, 2.0, 125.0}, {20, 3.0, 3825.0}});
  appendTimed(db, b, "train/reward", {{0, 5.0, 101.0}, {10, 6.0, 131.0}});
  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(dir)));
  follower.poll();
  MetricsPanel panel;
  panel.setFollower(&follower);
  panel.setRuns({RunRef{a, "a", "train", 100.0}, RunRef{b, "b", "train", 100.0}});
  const int p = plotIndex(panel, "train/reward");
  QCOMPARE(panel.tracerText(p, 11.0), QStringLiteral("step 10\na: 2\nb: 6"));
  // Past b's last point: b's nearest point is named with its own step.
  QCOMPARE(panel.tracerText(p, 19.0), QStringLiteral("step 20\na: 3\nb: 6 · step 10"));
  // Smoothed (w = 0.5) first, raw in parentheses: a at step 10 is (0.25 + 1) / 0.75 = 1.6667.
  panel.setSmoothing(0.5);
  QCOMPARE(panel.tracerText(p, 10.0), QStringLiteral("step 10\na: 1.6667 (raw 2)\nb: 5.6667 (raw 6)"));
  panel.setSmoothing(0.0);
  // Wall time: seconds since the start as h:mm:ss.
  panel.setXAxis(MetricsPanel::XAxis::WallTime);
  QCOMPARE(panel.tracerText(p, 3700.0), QStringLiteral("time 1:02:05\na: 3\nb: 6 · time 0:00:31"));
  QCOMPARE(panel.tracerText(p, 24.0), QStringLiteral("time 0:00:25\na: 2\nb: 6 · time 0:00:31"));
  // A plot whose key no run has: no text.
  QVERIFY(panel.tracerText(plotIndex(panel, "train/gold"), 10.0).isEmpty());
}

void TestMetricsPanel::tracerFollowsMouse() {
  QTemporaryDir tmp;
  const QString dir = guitest::makeExperimentFolder(tmp);
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(dir));
  const int64_t a = guitest::createLiveRun(db, "a");
  guitest::appendSeries(db, a, "train/reward", {{0, 1.0}, {10, 2.0}, {20, 3.0}});
  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(dir)));
  follower.poll();
  MetricsPanel panel;
  panel.resize(900, 600);
  panel.setFollower(&follower);
  panel.setRuns({RunRef{a, "a", "train"}});
  panel.show();
  QVERIFY(QTest::qWaitForWindowExposed(&panel));
  const int p = plotIndex(panel, "train/reward");
  QCustomPlot* plot = panel.plot(p);
  QTRY_COMPARE(keysOf(plot->graph(0)).size(), 3);
  QVERIFY(!panel.tracerLabel(p)->visible());
  const int replotsBefore = panel.replotCount();
  const QPointF at(plot->xAxis->coordToPixel(9.0), plot->axisRect()->center().y());
  QMouseEvent move(QEvent::MouseMove, at, plot->mapToGlobal(at), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
  QApplication::sendEvent(plot, &move);
  QVERIFY(panel.tracerLabel(p)->visible());
  QCOMPARE(panel.tracerLabel(p)->text(), QStringLiteral("step 10\na: 2"));
  QCOMPARE(panel.replotCount(), replotsBefore);  // the overlay only, not a data replot
  QEvent leave(QEvent::Leave);
  QApplication::sendEvent(plot, &leave);
  QVERIFY(!panel.tracerLabel(p)->visible());
}

QTEST_MAIN(TestMetricsPanel)
#include "test_metrics_panel.moc"
