// MetricsFollower over a real experiment database: reads only the rows written since the last
// poll, keeps per-(run, key) series by step, replaces re-logged steps, spreads a large backlog over
// several polls, refuses a file that is not an experiment database.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "gui_fixture.h"
#include "models/metrics_follower.h"
#include "util/error.h"

class TestMetricsFollower : public QObject {
  Q_OBJECT

 private slots:
  void readsOnlyNewRows();
  void relogggedStepReplacesTail();
  void backlogSpreadOverPolls();
  void refusesForeignFile();
};

void TestMetricsFollower::readsOnlyNewRows() {
  QTemporaryDir tmp;
  const QString dir = guitest::makeExperimentFolder(tmp);
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(dir));
  const int64_t a = guitest::createLiveRun(db, "a");
  const int64_t b = guitest::createLiveRun(db, "b");
  guitest::appendSeries(db, a, "train/reward", {{1, 0.5}, {2, 0.75}});
  guitest::appendSeries(db, b, "train/kl_sft", {{1, 0.01}});

  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(dir)));
  QSignalSpy spy(&follower, &MetricsFollower::appended);
  follower.poll();
  QCOMPARE(spy.count(), 1);
  QCOMPARE(spy.at(0).at(1).toInt(), 3);
  const auto changed = spy.at(0).at(0).value<QVector<MetricSeriesKey>>();
  QCOMPARE(changed.size(), 2);
  QCOMPARE(changed[0].runId, a);
  QCOMPARE(changed[0].key, QStringLiteral("train/reward"));
  QCOMPARE(changed[1].runId, b);
  const MetricSeries* s = follower.series(a, QStringLiteral("train/reward"));
  QVERIFY(s);
  QCOMPARE(s->steps, (QVector<double>{1, 2}));
  QCOMPARE(s->values, (QVector<double>{0.5, 0.75}));
  QCOMPARE(follower.lastStep(a), std::optional<qint64>(2));
  QVERIFY(!follower.lastStep(12345));
  QCOMPARE(follower.series(a, QStringLiteral("nope")), nullptr);

  // Nothing new: no signal.
  follower.poll();
  QCOMPARE(spy.count(), 1);

  // Only the new rows arrive (the series grows by exactly them; the other series is not reported).
  guitest::appendSeries(db, a, "train/reward", {{3, 1.25}});
  guitest::appendSeries(db, a, "train/gold", {{3, -2.0}});
  follower.poll();
  QCOMPARE(spy.count(), 2);
  QCOMPARE(spy.at(1).at(1).toInt(), 2);
  const auto changed2 = spy.at(1).at(0).value<QVector<MetricSeriesKey>>();
  QCOMPARE(changed2.size(), 2);
  QCOMPARE(changed2[0].key, QStringLiteral("train/gold"));
  QCOMPARE(changed2[1].key, QStringLiteral("train/reward"));
  QCOMPARE(follower.series(a, QStringLiteral("train/reward"))->values, (QVector<double>{0.5, 0.75, 1.25}));
  QCOMPARE(follower.keys(a), (QStringList{"train/gold", "train/reward"}));
  QCOMPARE(follower.keys(b), (QStringList{"train/kl_sft"}));
  QCOMPARE(follower.rowsRead(), qint64(5));
  QCOMPARE(follower.lastId(), qint64(db.count_metrics()));
}

void TestMetricsFollower::relogggedStepReplacesTail() {
  QTemporaryDir tmp;
  const QString dir = guitest::makeExperimentFolder(tmp);
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(dir));
  const int64_t a = guitest::createLiveRun(db, "a");
  guitest::appendSeries(db, a, "train/loss", {{1, 1.0}, {2, 2.0}, {3, 3.0}, {4, 4.0}});
  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(dir)));
  follower.poll();
  // Resumed from the checkpoint of step 2: steps 3.. are logged again.
  guitest::appendSeries(db, a, "train/loss", {{3, 30.0}, {4, 40.0}, {5, 50.0}});
  follower.poll();
  const MetricSeries* s = follower.series(a, QStringLiteral("train/loss"));
  QCOMPARE(s->steps, (QVector<double>{1, 2, 3, 4, 5}));
  QCOMPARE(s->values, (QVector<double>{1.0, 2.0, 30.0, 40.0, 50.0}));
  QCOMPARE(follower.lastStep(a), std::optional<qint64>(5));
}

void TestMetricsFollower::backlogSpreadOverPolls() {
  QTemporaryDir tmp;
  const QString dir = guitest::makeExperimentFolder(tmp);
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(dir));
  const int64_t a = guitest::createLiveRun(db, "a");
  std::vector<std::pair<int64_t, double>> points;
  for (int i = 1; i <= 25; ++i) points.emplace_back(i, i * 0.5);
  guitest::appendSeries(db, a, "train/reward", points);
  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(dir)));
  follower.setMaxRowsPerPoll(10);
  follower.poll();
  QCOMPARE(follower.rowsRead(), qint64(10));
  follower.poll();
  follower.poll();
  QCOMPARE(follower.rowsRead(), qint64(25));
  const MetricSeries* s = follower.series(a, QStringLiteral("train/reward"));
  QCOMPARE(s->steps.size(), 25);
  QCOMPARE(s->values.back(), 12.5);
}

void TestMetricsFollower::refusesForeignFile() {
  QTemporaryDir tmp;
  QFile f(tmp.path() + QStringLiteral("/experiment.db"));
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write("this is not a database at all, just some bytes of text...........................");
  f.close();
  MetricsFollower follower;
  QVERIFY_THROWS_EXCEPTION(warp::Error, follower.open(f.fileName()));
  QVERIFY(!follower.isOpen());
  QVERIFY_THROWS_EXCEPTION(warp::BadInput, follower.open(tmp.path() + QStringLiteral("/missing.db")));
}

QTEST_GUILESS_MAIN(TestMetricsFollower)
#include "test_metrics_follower.moc"
