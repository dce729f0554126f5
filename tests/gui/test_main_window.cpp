// MainWindow: opens a real experiment folder (runs listed, counts in the status bar, the running
// run selected and plotted), refuses what is not an experiment with a clear error (and a message
// box from openExperiment, never a crash), keeps the experiment shown after a failed reopen, and
// reopens another experiment.
#include <QApplication>
#include <QFile>
#include <QItemSelectionModel>
#include <QMessageBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include "gui_fixture.h"
#include "merge/merge_panel.h"
#include "models/metrics_follower.h"
#include "models/run_list_model.h"
#include "panels/metrics_panel.h"
#include "panels/pareto_panel.h"
#include "util/error.h"
#include "window/main_window.h"

class TestMainWindow : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void opensExperiment();
  void refusesNonExperiment_data();
  void refusesNonExperiment();
  void errorShownInMessageBox();
  void reopensAnother();
  void emptyExperimentAndClose();

 private:
  QTemporaryDir m_tmp;
  QString m_dir;
  int64_t m_live = 0;
};

void TestMainWindow::initTestCase() {
  QStandardPaths::setTestModeEnabled(true);  // QSettings of the window go to a test location
  QCoreApplication::setOrganizationName(QStringLiteral("warp-studio-tests"));
  QCoreApplication::setApplicationName(QStringLiteral("test_main_window"));
  m_dir = guitest::makeExperimentFolder(m_tmp);
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
  const int64_t sft = db.create_run(warp::RunSpec("sft", "sft"));
  db.set_run_status(sft, warp::RunStatus::Running);
  db.set_run_status(sft, warp::RunStatus::Finished);
  m_live = guitest::createLiveRun(db, "ema-1");
  guitest::createDeadRunningRun(db, "ema-2");
  guitest::appendSeries(db, m_live, "train/reward", {{1, 0.5}, {2, 0.6}});
  guitest::appendSeries(db, m_live, "eval/kl_sft", {{0, 0.0}});
  guitest::appendSeries(db, m_live, "eval/reward", {{0, -0.5}});
}

void TestMainWindow::opensExperiment() {
  MainWindow window;
  window.loadExperiment(m_dir);
  QCOMPARE(window.experimentDir(), QFileInfo(m_dir).absoluteFilePath());
  QCOMPARE(window.runListModel()->rowCount(), 3);
  QCOMPARE(window.countsText(), QStringLiteral("3 runs: 1 running, 1 crashed, 1 finished · 4 metric rows"));
  QVERIFY(window.windowTitle().contains(QStringLiteral("exp")));
  // The running run is selected and plotted; the Pareto tab shows its trajectory point.
  const QModelIndexList selected = window.runView()->selectionModel()->selectedRows();
  QCOMPARE(selected.size(), 1);
  QCOMPARE(selected.first().data(RunListModel::RunIdRole).toLongLong(), m_live);
  QCOMPARE(window.metricsPanel()->runs().size(), 1);
  QCOMPARE(window.paretoPanel()->figure().panels[0].series.size(), size_t(1));
  QCOMPARE(window.tabs()->count(), 4);
  QCOMPARE(window.tabs()->tabText(3), QStringLiteral("Log"));
  QCOMPARE(window.tabs()->tabText(0), QStringLiteral("Metrics"));
  QCOMPARE(window.tabs()->tabText(1), QStringLiteral("Pareto"));
  QCOMPARE(window.tabs()->tabText(2), QStringLiteral("Merge"));
  // The Merge tab follows the experiment (no WARP iteration in it: nothing to open).
  QCOMPARE(window.mergePanel()->experimentDir(), QFileInfo(m_dir).absoluteFilePath());
  QVERIFY(!window.mergePanel()->isOpen());

  // Live: a run started by another process appears with the counts.
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
    const int64_t id = db.create_run(warp::RunSpec("ema-3", "train"));
    guitest::appendSeries(db, id, "train/reward", {{1, 0.1}});
  }
  window.refreshNow();
  QCOMPARE(window.runListModel()->rowCount(), 4);
  QCOMPARE(window.countsText(), QStringLiteral("4 runs: 1 running, 1 queued, 1 crashed, 1 finished · 5 metric rows"));
  QCOMPARE(window.runView()->selectionModel()->selectedRows().first().data(RunListModel::RunIdRole).toLongLong(),
           m_live);
}

void TestMainWindow::refusesNonExperiment_data() {
  QTest::addColumn<QString>("setup");
  QTest::addColumn<QString>("messageContains");
  QTest::newRow("missing folder") << "missing"
                                  << "no such folder";
  QTest::newRow("empty folder") << "empty"
                                << "no config.json";
  QTest::newRow("a file") << "file"
                          << "is a file";
  QTest::newRow("foreign config") << "foreign"
                                  << "expected \"warp-experiment\"";
  QTest::newRow("config not json") << "badjson"
                                   << "not valid JSON";
  QTest::newRow("no database") << "nodb"
                               << "experiment.db: missing";
  QTest::newRow("garbage database") << "garbagedb"
                                    << "experiment.db";
}

void TestMainWindow::refusesNonExperiment() {
  QFETCH(QString, setup);
  QFETCH(QString, messageContains);
  QTemporaryDir tmp;
  QString dir = tmp.path() + QStringLiteral("/x");
  auto write = [](const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
  };
  if (setup != QLatin1String("missing") && setup != QLatin1String("file")) QDir().mkpath(dir);
  if (setup == QLatin1String("file")) write(dir, "hello");
  if (setup == QLatin1String("foreign")) write(dir + "/config.json", R"({"format": "something-else"})");
  if (setup == QLatin1String("badjson")) write(dir + "/config.json", "{not json");
  if (setup == QLatin1String("nodb") || setup == QLatin1String("garbagedb"))
    write(dir + "/config.json", R"({"format": "warp-experiment", "version": 1})");
  if (setup == QLatin1String("garbagedb")) write(dir + "/experiment.db", QByteArray(4096, 'x'));

  MainWindow window;
  try {
    window.loadExperiment(dir);
    QFAIL("loadExperiment accepted a folder that is not an experiment");
  } catch (const warp::Error& e) {
    QVERIFY2(QString::fromUtf8(e.what()).contains(messageContains), e.what());
  }
  QVERIFY(window.experimentDir().isEmpty());
  QCOMPARE(window.runListModel()->rowCount(), 0);
}

void TestMainWindow::errorShownInMessageBox() {
  MainWindow window;
  window.show();
  QVERIFY(window.openExperiment(m_dir));
  QTemporaryDir other;
  QString boxText;
  QTimer::singleShot(0, this, [&boxText] {
    QTRY_VERIFY(QApplication::activeModalWidget() != nullptr);
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    if (!box) return;
    boxText = box->text();
    box->accept();
  });
  QVERIFY(!window.openExperiment(other.path()));
  QVERIFY2(boxText.contains(QStringLiteral("not a WARP experiment")), qPrintable(boxText));
  // What was shown stays.
  QCOMPARE(window.experimentDir(), QFileInfo(m_dir).absoluteFilePath());
  QVERIFY(window.runListModel()->rowCount() >= 3);
}

void TestMainWindow::reopensAnother() {
  QTemporaryDir tmp;
  const QString second = guitest::makeExperimentFolder(tmp, QStringLiteral("second"));
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(second));
    db.create_run(warp::RunSpec("only", "train"));
  }
  MainWindow window;
  window.loadExperiment(m_dir);
  window.loadExperiment(second);
  QCOMPARE(window.runListModel()->rowCount(), 1);
  QCOMPARE(window.runListModel()->data(window.runListModel()->index(0, 0)).toString(), QStringLiteral("only"));
  QCOMPARE(window.metricsFollower()->rowsRead(), qint64(0));
  QCOMPARE(window.countsText(), QStringLiteral("1 run: 1 queued · 0 metric rows"));
  QVERIFY(window.metricsPanel()->runs().isEmpty());
}

void TestMainWindow::emptyExperimentAndClose() {
  QTemporaryDir tmp;
  const QString empty = guitest::makeExperimentFolder(tmp, QStringLiteral("empty"));
  MainWindow window;
  QVERIFY(window.metricsPanel()->emptyHint().contains(QStringLiteral("No experiment open")));
  window.loadExperiment(empty);
  QCOMPARE(window.countsText(), QStringLiteral("0 runs · 0 metric rows"));
  QVERIFY2(window.metricsPanel()->emptyHint().contains(QStringLiteral("warp train --exp")),
           qPrintable(window.metricsPanel()->emptyHint()));
  // A run started after opening is selected and plotted as it appears, until the user picks runs.
  int64_t started = 0;
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(empty));
    started = guitest::createLiveRun(db, "late-1");
    guitest::appendSeries(db, started, "train/reward", {{1, 0.25}});
  }
  window.refreshNow();
  QModelIndexList selected = window.runView()->selectionModel()->selectedRows();
  QCOMPARE(selected.size(), 1);
  QCOMPARE(selected.first().data(RunListModel::RunIdRole).toLongLong(), started);
  QCOMPARE(window.metricsPanel()->runs().size(), 1);
  window.runView()->clearSelection();  // the user's choice: nothing selected
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(empty));
    guitest::createLiveRun(db, "late-2");
  }
  window.refreshNow();
  QCOMPARE(window.runListModel()->rowCount(), 2);
  QVERIFY(window.runView()->selectionModel()->selectedRows().isEmpty());
  // Closing the window leaves the runs of the experiment it showed as they are.
  window.loadExperiment(m_dir);
  window.show();
  QVERIFY(window.close());
  warp::ExperimentDb db = warp::ExperimentDb::open_read_only(guitest::dbPath(m_dir));
  QCOMPARE(db.get_run(m_live).status, warp::RunStatus::Running);
}

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
