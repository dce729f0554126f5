// MetricsPanel fed by a MetricsFollower over a real database: one graph per selected run holding
// exactly the run's series for each plot's key, the key picker listing the runs' keys, and
// coalesced replots (a burst of 1000 rows, polled one by one, replots a handful of times).
#include <QComboBox>
#include <QElapsedTimer>
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
  void replotsCoalesced();
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

QTEST_MAIN(TestMetricsPanel)
#include "test_metrics_panel.moc"
