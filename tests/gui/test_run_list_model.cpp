// RunListModel over a real experiment database: shows the runs with their columns (a running run
// whose process is dead shows as crashed), picks up runs created later and status changes in
// place (rows inserted, dataChanged; never a model reset), keeps a view's selection, fills the Step
// column from a MetricsFollower.
#include <memory>

#include <QItemSelectionModel>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include "gui_fixture.h"
#include "models/metrics_follower.h"
#include "models/run_list_model.h"
#include "util/error.h"

class TestRunListModel : public QObject {
  Q_OBJECT

 private slots:
  void init();
  void showsRuns_data();
  void showsRuns();
  void followsChangesWithoutReset();
  void removedRunKeepsSelection();
  void stepFromFollower();
  void refusesMissingDatabase();

 private:
  std::unique_ptr<QTemporaryDir> m_tmp;  // the current test's experiment folder
  QString m_dir;
  int64_t m_sft = 0, m_train = 0, m_dead = 0, m_failed = 0;
};

void TestRunListModel::init() {
  m_tmp = std::make_unique<QTemporaryDir>();
  m_dir = guitest::makeExperimentFolder(*m_tmp);
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
  m_sft = db.create_run(warp::RunSpec("sft", "sft"));
  db.set_run_status(m_sft, warp::RunStatus::Running);
  db.set_run_status(m_sft, warp::RunStatus::Finished);
  warp::RunSpec worker("warp-i1-r1", "train");
  worker.iteration = 1;
  m_train = db.create_run(worker);
  db.set_run_status(m_train, warp::RunStatus::Running);
  m_dead = guitest::createDeadRunningRun(db, "killed-9");
  m_failed = db.create_run(warp::RunSpec("broken", "train"));
  db.set_run_status(m_failed, warp::RunStatus::Running);
  db.set_run_status(m_failed, warp::RunStatus::Failed, "reward model missing: checkpoints/rm.h5");
}

void TestRunListModel::showsRuns_data() {
  QTest::addColumn<int>("row");
  QTest::addColumn<QString>("name");
  QTest::addColumn<QString>("kind");
  QTest::addColumn<QString>("status");
  QTest::addColumn<QVariant>("iteration");
  QTest::addColumn<QString>("messageContains");
  QTest::newRow("finished sft") << 0 << "sft"
                                << "sft"
                                << "finished" << QVariant() << "";
  QTest::newRow("running worker") << 1 << "warp-i1-r1"
                                  << "train"
                                  << "running" << QVariant(qlonglong(1)) << "";
  QTest::newRow("dead process") << 2 << "killed-9"
                                << "train"
                                << "crashed" << QVariant() << "presumed crashed";
  QTest::newRow("failed") << 3 << "broken"
                          << "train"
                          << "failed" << QVariant() << "reward model missing";
}

void TestRunListModel::showsRuns() {
  QFETCH(int, row);
  QFETCH(QString, name);
  QFETCH(QString, kind);
  QFETCH(QString, status);
  QFETCH(QVariant, iteration);
  QFETCH(QString, messageContains);
  RunListModel model;
  model.open(QString::fromStdString(guitest::dbPath(m_dir)));
  QCOMPARE(model.rowCount(), 4);
  QCOMPARE(model.columnCount(), int(RunListModel::ColumnCount));
  QCOMPARE(model.data(model.index(row, RunListModel::Name)).toString(), name);
  QCOMPARE(model.data(model.index(row, RunListModel::Kind)).toString(), kind);
  QCOMPARE(model.data(model.index(row, RunListModel::Status)).toString(), status);
  QCOMPARE(model.data(model.index(row, 0), RunListModel::StatusRole).toString(), status);
  QCOMPARE(model.data(model.index(row, RunListModel::Iteration)), iteration);
  const QString message = model.data(model.index(row, RunListModel::Message)).toString();
  if (messageContains.isEmpty()) QVERIFY2(message.isEmpty(), qPrintable(message));
  else QVERIFY2(message.contains(messageContains), qPrintable(message));
  // Started / elapsed: set for runs that started, elapsed as h:mm:ss.
  const QString elapsed = model.data(model.index(row, RunListModel::Elapsed)).toString();
  QVERIFY2(QRegularExpression(QStringLiteral("^\\d+:\\d\\d:\\d\\d$")).match(elapsed).hasMatch(), qPrintable(elapsed));
  QVERIFY(!model.data(model.index(row, RunListModel::Started)).toString().isEmpty());
  if (status == QLatin1String("crashed")) {
    QVERIFY(model.run(row).presumed_crashed);
    QCOMPARE(elapsed, QStringLiteral("0:01:40"));  // started 3700 s ago, last heartbeat 3600 s ago
  }
  QCOMPARE(model.countWithStatus(warp::RunStatus::Crashed), 1);
  QCOMPARE(model.countWithStatus(warp::RunStatus::Running), 1);
}

void TestRunListModel::followsChangesWithoutReset() {
  RunListModel model;
  model.open(QString::fromStdString(guitest::dbPath(m_dir)));
  QTableView view;
  view.setModel(&model);
  view.setSelectionBehavior(QAbstractItemView::SelectRows);
  view.selectRow(1);
  QCOMPARE(view.selectionModel()->selectedRows().size(), 1);

  QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
  QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
  QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

  // Nothing changed in the database: no signal but the elapsed time of the running run.
  model.refresh();
  for (const QList<QVariant>& args : changed) {
    const QModelIndex tl = args.at(0).toModelIndex(), br = args.at(1).toModelIndex();
    QCOMPARE(tl.row(), 1);
    QCOMPARE(tl.column(), int(RunListModel::Elapsed));
    QCOMPARE(br.column(), int(RunListModel::Elapsed));
  }
  changed.clear();

  // Another process (another connection) adds a run and finishes the running one.
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
    db.create_run(warp::RunSpec("warp-i1-r2", "train"));
    db.set_run_status(m_train, warp::RunStatus::Finished);
  }
  model.refresh();
  QCOMPARE(resets.count(), 0);
  QCOMPARE(inserted.count(), 1);
  QCOMPARE(inserted.at(0).at(1).toInt(), 4);
  QCOMPARE(inserted.at(0).at(2).toInt(), 4);
  QCOMPARE(model.rowCount(), 5);
  QCOMPARE(model.data(model.index(4, RunListModel::Name)).toString(), QStringLiteral("warp-i1-r2"));
  QCOMPARE(model.data(model.index(4, RunListModel::Status)).toString(), QStringLiteral("queued"));
  QCOMPARE(model.data(model.index(1, RunListModel::Status)).toString(), QStringLiteral("finished"));
  bool statusSignalled = false;
  for (const QList<QVariant>& args : changed) {
    const QModelIndex tl = args.at(0).toModelIndex(), br = args.at(1).toModelIndex();
    QCOMPARE(tl.row(), 1);  // only the finished run's row changed
    statusSignalled = statusSignalled || (tl.column() <= RunListModel::Status && br.column() >= RunListModel::Status);
  }
  QVERIFY(statusSignalled);
  // The selection survived.
  const QModelIndexList selected = view.selectionModel()->selectedRows();
  QCOMPARE(selected.size(), 1);
  QCOMPARE(selected.first().row(), 1);
  QCOMPARE(selected.first().data(RunListModel::RunIdRole).toLongLong(), m_train);

  // The timer does the same by itself.
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
    db.create_run(warp::RunSpec("warp-i1-r3", "train"));
  }
  model.start(50);
  QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 6, 3000);
  QCOMPARE(resets.count(), 0);
  QCOMPARE(view.selectionModel()->selectedRows().first().row(), 1);
}

void TestRunListModel::removedRunKeepsSelection() {
  // Core never deletes runs, but another tool may: the row goes, the selection of others stays.
  RunListModel model;
  model.open(QString::fromStdString(guitest::dbPath(m_dir)));
  QTableView view;
  view.setModel(&model);
  view.setSelectionBehavior(QAbstractItemView::SelectRows);
  view.selectRow(3);  // "broken"
  QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
  QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
    warp::Statement s(db.database(), "DELETE FROM runs WHERE id = ?");
    s.bind(1, m_train).run();
  }
  model.refresh();
  QCOMPARE(resets.count(), 0);
  QCOMPARE(removed.count(), 1);
  QCOMPARE(removed.at(0).at(1).toInt(), 1);
  QCOMPARE(model.rowCount(), 3);
  QCOMPARE(model.rowOfRun(m_train), -1);
  const QModelIndexList selected = view.selectionModel()->selectedRows();
  QCOMPARE(selected.size(), 1);
  QCOMPARE(selected.first().data(RunListModel::RunIdRole).toLongLong(), m_failed);
}

void TestRunListModel::stepFromFollower() {
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
    guitest::appendSeries(db, m_train, "train/reward", {{1, 0.1}, {2, 0.2}, {7, 0.3}});
    guitest::appendSeries(db, m_train, "eval/reward", {{5, 0.1}});
  }
  RunListModel model;
  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(m_dir)));
  model.open(QString::fromStdString(guitest::dbPath(m_dir)));
  model.setMetricsFollower(&follower);
  QVERIFY(!model.data(model.index(1, RunListModel::Step)).isValid());  // nothing read yet
  QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
  follower.poll();
  QVERIFY(changed.count() >= 1);
  QCOMPARE(model.data(model.index(1, RunListModel::Step)).toLongLong(), 7);
  QVERIFY(!model.data(model.index(0, RunListModel::Step)).isValid());
}

void TestRunListModel::refusesMissingDatabase() {
  RunListModel model;
  QVERIFY_THROWS_EXCEPTION(warp::BadInput, model.open(m_tmp->path() + QStringLiteral("/nothing/experiment.db")));
  QVERIFY(!model.isOpen());
  QCOMPARE(model.rowCount(), 0);
}

QTEST_MAIN(TestRunListModel)
#include "test_run_list_model.moc"
