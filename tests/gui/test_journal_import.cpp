// The desktop app imports worker journals itself (models/metrics_follower.h): a run recorded by a real
// `warp train --record journal` of the smoke preset (what a Slurm worker runs) is shown with its
// status and metrics, equal to its journal's rows, with no `warp run` driver running; while a live
// driver holds the experiment the app leaves the import to it, and imports once the driver is gone.
// The import runs on the follower's importer thread: a poll starts it and returns; its rows are read
// at once when it reports back. A corrupt journal is said once (readFailed, naming the file).
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <map>

#include "db/experiment_db.h"
#include "db/journal.h"
#include "gui_fixture.h"
#include "models/metrics_follower.h"
#include "models/run_list_model.h"
#include "test_env.h"
#include "window/main_window.h"

namespace {

QString warpExe() { return QString::fromStdString(warp::test::env_path("WARP_EXE")); }

bool runWarp(const QStringList& args, int timeoutMs = 180000) {
  QProcess p;
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(warpExe(), args);
  if (!p.waitForFinished(timeoutMs)) {
    p.kill();
    p.waitForFinished();
    qWarning() << "warp" << args << "did not finish";
    return false;
  }
  if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
    qWarning().noquote() << "warp" << args.join(' ') << "exit" << p.exitCode() << "\n" << p.readAll();
    return false;
  }
  return true;
}

QStringList trainJournaled(const QString& dir, const QString& name) {
  return {"train", "--exp",     dir, "--name",           name,  "--record",     "journal", "--steps",
          "4",     "--batch",   "2", "--max-new-tokens", "8",   "--eval-every", "4",       "--eval-prompts",
          "4",     "--threads", "1", "--device",         "cpu", "--reward",     "gold"};
}

// The journal's metric rows of `key`: step → value (NaN for "nan").
std::map<qint64, double> journalSeries(const QString& path, const std::string& key) {
  std::map<qint64, double> out;
  for (const auto& r : warp::read_journal(path.toStdString(), 0, 1, 1000000)) {
    if (r.body.value("t", std::string()) != "metrics") continue;
    for (const auto& row : r.body.at("rows"))
      if (row[1].get<std::string>() == key) out[row[0].get<qint64>()] = row[2].is_number() ? row[2].get<double>() : NAN;
  }
  return out;
}

std::optional<warp::RunRecord> findRun(const QString& dir, const std::string& name) {
  return warp::ExperimentDb::open_read_only(guitest::dbPath(dir)).find_run(name);
}

}  // namespace

class TestJournalImport : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void appShowsAJournaledRunWithoutADriver();
  void aLiveDriverImportsItselfTheAppAfterIt();
  void corruptJournalSaidOnce();

 private:
  QTemporaryDir m_tmp;
  QString m_dir;
};

void TestJournalImport::initTestCase() {
  QVERIFY(m_tmp.isValid());
  m_dir = m_tmp.path() + QStringLiteral("/exp");
  QVERIFY(runWarp({"init", m_dir, "--preset", "smoke"}));
  QVERIFY(runWarp({"sft", "--exp", m_dir, "--steps", "12", "--threads", "1", "--device", "cpu"}));
}

void TestJournalImport::appShowsAJournaledRunWithoutADriver() {
  QVERIFY(runWarp(trainJournaled(m_dir, QStringLiteral("j1"))));
  const QString journal = m_dir + QStringLiteral("/journals/j1.wj");
  QVERIFY(QFileInfo::exists(journal));
  QVERIFY2(!findRun(m_dir, "j1"), "the run is in its journal only: nothing imported it yet");
  const auto reward = journalSeries(journal, "train/reward");
  QCOMPARE(reward.size(), size_t(4));

  MainWindow window;
  QSignalSpy imported(window.metricsFollower(), &MetricsFollower::journalsImported);
  window.loadExperiment(m_dir);
  // The first poll started the import on the importer's thread, the GUI thread went on.
  QVERIFY(window.metricsFollower()->importingJournals());
  QVERIFY(imported.wait(30000));
  QVERIFY(imported.first().at(0).toInt() > 0);
  // Once imported, at once (no timer tick): the run is listed, finished, with its journal's rows.
  const auto run = findRun(m_dir, "j1");
  QVERIFY(run);
  QCOMPARE(run->status, warp::RunStatus::Finished);
  RunListModel* model = window.runListModel();
  bool listed = false;
  for (int row = 0; row < model->rowCount(); ++row)
    listed = listed || model->data(model->index(row, 0)).toString() == QStringLiteral("j1");
  QVERIFY(listed);
  const MetricSeries* s = window.metricsFollower()->series(run->id, QStringLiteral("train/reward"));
  QVERIFY(s);
  QCOMPARE(s->steps.size(), 4);
  for (int i = 0; i < s->steps.size(); ++i) {
    const qint64 step = static_cast<qint64>(s->steps[i]);
    QVERIFY(reward.count(step));
    QCOMPARE(s->values[i], reward.at(step));
  }
  // Idempotent: more polls import nothing twice.
  const qint64 rows = warp::ExperimentDb::open_read_only(guitest::dbPath(m_dir)).count_metrics(run->id);
  for (int i = 0; i < 2; ++i) {
    QTRY_VERIFY(!window.metricsFollower()->importingJournals());
    window.refreshNow();
  }
  QTRY_VERIFY(!window.metricsFollower()->importingJournals());
  QCOMPARE(imported.size(), 1);
  QCOMPARE(warp::ExperimentDb::open_read_only(guitest::dbPath(m_dir)).count_metrics(run->id), rows);
}

void TestJournalImport::aLiveDriverImportsItselfTheAppAfterIt() {
  int64_t driver = 0;
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
    driver = guitest::createLiveRun(db, "drv", "warp");  // running, this process: live
  }
  QVERIFY(runWarp(trainJournaled(m_dir, QStringLiteral("j2"))));
  MainWindow window;
  QSignalSpy imported(window.metricsFollower(), &MetricsFollower::journalsImported);
  window.loadExperiment(m_dir);
  // Two import passes ended (the first poll's and refreshNow's), each leaving the journal alone.
  QTRY_VERIFY(!window.metricsFollower()->importingJournals());
  window.refreshNow();
  QVERIFY(window.metricsFollower()->importingJournals());
  QTRY_VERIFY(!window.metricsFollower()->importingJournals());
  QVERIFY2(!findRun(m_dir, "j2"), "a live driver imports its workers' journals: the app leaves them");
  QCOMPARE(imported.size(), 0);
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
    db.set_run_status(driver, warp::RunStatus::Killed, "gone");
  }
  window.refreshNow();
  QVERIFY(imported.wait(30000));
  const auto run = findRun(m_dir, "j2");
  QVERIFY(run);
  QCOMPARE(run->status, warp::RunStatus::Finished);
  const MetricSeries* s = window.metricsFollower()->series(run->id, QStringLiteral("train/reward"));
  QVERIFY(s);
  QCOMPARE(s->steps.size(), 4);
}

void TestJournalImport::corruptJournalSaidOnce() {
  // A complete line that is no record: the importer stops there with core's error naming the file.
  const QString bad = m_dir + QStringLiteral("/journals/zz-corrupt.wj");
  {
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("this is not a journal record\n");
  }
  MetricsFollower follower;
  follower.open(QString::fromStdString(guitest::dbPath(m_dir)));
  QSignalSpy failed(&follower, &MetricsFollower::readFailed);
  follower.poll();
  QVERIFY(follower.importingJournals());  // on the importer's thread, the poll went on
  QTRY_VERIFY_WITH_TIMEOUT(!follower.importingJournals(), 30000);
  QCOMPARE(failed.size(), 1);
  const QString message = failed.first().at(0).toString();
  QVERIFY2(message.contains(QStringLiteral("zz-corrupt.wj")), qPrintable(message));
  // Tried again at the next poll, said once.
  follower.poll();
  QTRY_VERIFY_WITH_TIMEOUT(!follower.importingJournals(), 30000);
  QCOMPARE(failed.size(), 1);
  // Gone: the import goes through again, nothing more is said.
  QVERIFY(QFile::remove(bad));
  follower.poll();
  QTRY_VERIFY_WITH_TIMEOUT(!follower.importingJournals(), 30000);
  QCOMPARE(failed.size(), 1);
}

QTEST_MAIN(TestJournalImport)
#include "test_journal_import.moc"
