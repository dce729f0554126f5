// End to end, with the real `warp` executable: a smoke experiment (warp init --preset smoke,
// warp sft), a `warp train` started detached the way the New RL run dialog does (trainArguments +
// launchWarp), seen "running" in the database, stopped with stopRun (SIGTERM: it checkpoints and
// ends "killed"), resumed with resumeArguments (`warp train --resume`) and followed to "finished";
// its output went to logs/<name>.log, one header per start. And a start the CLI refuses (a name
// already used) gets a message box with the end of the log. Stop on a run of a WARP driver asks, then
// stops the driver (all its runs end killed, the driver resumable) rather than failing it. Resume of
// a run whose stored config names an external: reward command shows the command and asks first.
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageBox>
#include <QProcess>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <functional>

#include "db/experiment_db.h"
#include "db/liveness.h"
#include "models/run_list_model.h"
#include "test_env.h"
#include "util/error.h"
#include "util/process.h"
#include "window/main_window.h"
#include "window/run_launcher.h"

namespace {

// The built `warp` CLI (WARP_EXE, set by CTest: tests/core/test_env.h).
QString warpExe() { return QString::fromStdString(warp::test::env_path("WARP_EXE")); }

// Runs `warp args` to the end; fails the test on a non-zero exit.
bool runWarp(const QStringList& args, int timeoutMs = 120000) {
  QProcess p;
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(warpExe(), args);
  if (!p.waitForFinished(timeoutMs * warp::test::wait_scale())) {
    qWarning() << "warp" << args << "did not finish";
    p.kill();
    p.waitForFinished();
    return false;
  }
  if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
    qWarning().noquote() << "warp" << args.join(' ') << "exit" << p.exitCode() << "\n" << p.readAll();
    return false;
  }
  return true;
}

std::optional<warp::RunRecord> findRun(const QString& dir, const std::string& name) {
  warp::ExperimentDb db = warp::ExperimentDb::open_read_only((dir + QStringLiteral("/experiment.db")).toStdString());
  for (const warp::RunRecord& r : db.list_runs(warp::kDefaultStaleAfterSeconds))
    if (r.name == name) return r;
  return std::nullopt;
}

// Polls until `done` holds (true) or `ms` pass (false; `ms` times 4 in a sanitizer build).
bool waitFor(const std::function<bool()>& done, int ms) {
  ms *= warp::test::wait_scale();
  QElapsedTimer t;
  t.start();
  while (t.elapsed() < ms) {
    if (done()) return true;
    QTest::qWait(50);
  }
  return done();
}

}  // namespace

class TestRunControl : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void startStopResume();
  void launchFailsClearly();
  void refusedStartShowsLog();
  void workerStopStopsItsDriver();
  void resumeAsksBeforeAnExternalReward();

 private:
  QTemporaryDir m_tmp;
  QString m_dir;
};

void TestRunControl::initTestCase() {
  QVERIFY(m_tmp.isValid());
  m_dir = m_tmp.path() + QStringLiteral("/exp");
  QVERIFY(runWarp({"init", m_dir, "--preset", "smoke"}));
  QVERIFY(runWarp({"sft", "--exp", m_dir}));
  // Fewer evaluations and checkpoints than the smoke preset's and larger batches: 200 steps take a
  // few seconds, long enough to be stopped while running, short enough for a quick test.
  QFile f(m_dir + QStringLiteral("/config.json"));
  QVERIFY(f.open(QIODevice::ReadOnly));
  QJsonObject config = QJsonDocument::fromJson(f.readAll()).object();
  f.close();
  QJsonObject rl = config.value(QStringLiteral("rl")).toObject();
  rl[QStringLiteral("eval_every")] = 100;
  rl[QStringLiteral("eval_prompts")] = 8;
  rl[QStringLiteral("ckpt_every")] = 100;
  rl[QStringLiteral("batch")] = 32;
  rl[QStringLiteral("max_new_tokens")] = 24;
  config[QStringLiteral("rl")] = rl;
  QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
  f.write(QJsonDocument(config).toJson());
}

void TestRunControl::startStopResume() {
  const std::string name = "gui-1";
  const QString runName = QString::fromStdString(name);
  // Long enough to be stopped while running (about 20 s); a sanitizer build's steps are about four
  // times slower, so a quarter of them last as long.
  const LaunchValues values{{QStringLiteral("--steps"), QString::number(200 / warp::test::wait_scale())},
                            {QStringLiteral("--seed"), QStringLiteral("3")}};
  const qint64 pid = launchWarp(warpExe(), m_dir, trainArguments(m_dir, runName, values), runName);
  QVERIFY(pid > 0);

  // Running, with its process recorded and a metric logged (its stop handlers are installed).
  QVERIFY2(waitFor(
               [&] {
                 auto r = findRun(m_dir, name);
                 if (!r || r->status != warp::RunStatus::Running || !r->pid) return false;
                 warp::ExperimentDb db = warp::ExperimentDb::open_read_only((m_dir + "/experiment.db").toStdString());
                 return !db.metric_keys(r->id).empty();
               },
               20000),
           qPrintable(tailOfFile(runLogPath(m_dir, runName))));
  warp::RunRecord running = *findRun(m_dir, name);
  QCOMPARE(*running.pid, pid);  // the detached process is the run itself
  QCOMPARE(QString::fromStdString(running.host), thisHostName());
  QVERIFY(runActions(running, thisHostName()).canStop);

  stopRun(running, thisHostName());
  QVERIFY2(waitFor([&] { return findRun(m_dir, name)->status == warp::RunStatus::Killed; }, 20000),
           qPrintable(tailOfFile(runLogPath(m_dir, runName))));
  const warp::RunRecord killed = *findRun(m_dir, name);
  QVERIFY(!runActions(killed, thisHostName()).canStop);
  QVERIFY(runActions(killed, thisHostName()).canResume);
  QVERIFY(QFile::exists(m_dir + QStringLiteral("/checkpoints/gui-1-state.h5")));

  launchWarp(warpExe(), m_dir, resumeArguments(m_dir, runName, "train"), runName);
  QVERIFY2(waitFor([&] { return findRun(m_dir, name)->status == warp::RunStatus::Finished; }, 60000),
           qPrintable(tailOfFile(runLogPath(m_dir, runName))));
  QVERIFY(QFile::exists(m_dir + QStringLiteral("/checkpoints/gui-1.h5")));
  QVERIFY(!runActions(*findRun(m_dir, name), thisHostName()).canResume);

  QFile log(runLogPath(m_dir, runName));
  QVERIFY(log.open(QIODevice::ReadOnly));
  const QString text = QString::fromUtf8(log.readAll());
  QCOMPARE(text.count(QStringLiteral("=== warp-studio started: warp ")), 2);
  QVERIFY(text.contains(QStringLiteral("--resume gui-1")));
}

void TestRunControl::launchFailsClearly() {
  try {
    launchWarp(m_tmp.path() + QStringLiteral("/no-such-warp"), m_dir, {"--help"}, "x");
    QFAIL("expected warp::Error");
  } catch (const warp::Error& e) {
    QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("no-such-warp")), e.what());
  }
}

void TestRunControl::refusedStartShowsLog() {
  QStandardPaths::setTestModeEnabled(true);
  MainWindow window;
  window.loadExperiment(m_dir);
  window.setWarpExecutable(warpExe());
  window.setStartCheckDelay(1500);
  const QString runName = QStringLiteral("gui-1");  // the run of startStopResume
  window.startRun(trainArguments(m_dir, runName, {}), QStringLiteral("gui-1-again"), runName);
  QMessageBox* box = nullptr;
  QTRY_VERIFY_WITH_TIMEOUT((box = window.findChild<QMessageBox*>(QStringLiteral("startFailedBox"))) != nullptr, 15000);
  const QString boxText = box->text();
  box->accept();
  QVERIFY2(boxText.contains(QStringLiteral("already exists")), qPrintable(boxText));
  QVERIFY2(boxText.contains(QStringLiteral("gui-1-again.log")), qPrintable(boxText));
}

void TestRunControl::workerStopStopsItsDriver() {
  QStandardPaths::setTestModeEnabled(true);
  const QStringList args{QStringLiteral("run"),     QStringLiteral("--exp"),  m_dir,
                         QStringLiteral("--name"),  QStringLiteral("drv"),    QStringLiteral("--iterations"),
                         QStringLiteral("1"),       QStringLiteral("--runs"), QStringLiteral("2"),
                         QStringLiteral("--steps"), QStringLiteral("400"),    QStringLiteral("--threads"),
                         QStringLiteral("1")};
  // At the CPU priority a window gives its runs by default (Preferences: background, SCHED_IDLE).
  QVERIFY(launchWarp(warpExe(), m_dir, withRunPriority(args, QStringLiteral("background")), QStringLiteral("drv")) > 0);
  auto running = [&](const std::string& name) {
    auto r = findRun(m_dir, name);
    return r && r->status == warp::RunStatus::Running && r->pid;
  };
  QVERIFY2(waitFor([&] { return running("drv") && running("drv-i1-r1") && running("drv-i1-r2"); }, 30000),
           qPrintable(tailOfFile(runLogPath(m_dir, QStringLiteral("drv")))));
  // Every thread of the driver runs under SCHED_IDLE (policy 5), and so does every thread of its
  // workers (inherited).
  for (const std::string name : {"drv", "drv-i1-r1", "drv-i1-r2"}) {
    const qint64 pid = *findRun(m_dir, name)->pid;
    const QStringList tids =
        QDir(QStringLiteral("/proc/%1/task").arg(pid)).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    QVERIFY2(!tids.isEmpty(), name.c_str());
    for (const QString& tid : tids) {
      const std::optional<int> policy = warp::scheduling_policy_of(tid.toLongLong());
      if (!policy) continue;  // a thread that ended meanwhile
      QVERIFY2(*policy == 5,
               qPrintable(QStringLiteral("%1 thread %2 has policy %3").arg(name.c_str(), tid).arg(*policy)));
    }
  }

  MainWindow window;
  window.loadExperiment(m_dir);
  window.setWarpExecutable(warpExe());
  QStringList questions;
  bool answer = false;
  window.setConfirmHandler([&](const QString&, const QString& text) {
    questions << text;
    return answer;
  });
  auto selectOnly = [&](const std::string& name) {
    window.refreshNow();
    RunListModel* model = window.runListModel();
    for (int row = 0; row < model->rowCount(); ++row) {
      if (model->run(row).name == name) {
        window.runView()->selectionModel()->select(window.runView()->model()->index(row, 0),
                                                   QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        return true;
      }
    }
    return false;
  };

  // Asked, declined: nothing is stopped.
  QVERIFY(selectOnly("drv-i1-r1"));
  QVERIFY(window.stopAction()->isEnabled());
  window.stopSelected();
  QCOMPARE(questions.size(), 1);
  QVERIFY2(
      questions[0].contains(QStringLiteral("drv-i1-r1")) && questions[0].contains(QStringLiteral("WARP driver drv")),
      qPrintable(questions[0]));
  QTest::qWait(500);
  QVERIFY(running("drv") && running("drv-i1-r1") && running("drv-i1-r2"));

  // Asked, accepted: the driver is stopped; it stops its runs, all end killed, and it can be resumed.
  answer = true;
  QVERIFY(selectOnly("drv-i1-r1"));
  window.stopSelected();
  QCOMPARE(questions.size(), 2);
  auto killed = [&](const std::string& name) {
    auto r = findRun(m_dir, name);
    return r && r->status == warp::RunStatus::Killed;
  };
  QVERIFY2(waitFor([&] { return killed("drv") && killed("drv-i1-r1") && killed("drv-i1-r2"); }, 60000),
           qPrintable(tailOfFile(runLogPath(m_dir, QStringLiteral("drv")))));
  QVERIFY(runActions(*findRun(m_dir, "drv"), thisHostName()).canResume);
}

void TestRunControl::resumeAsksBeforeAnExternalReward() {
  QStandardPaths::setTestModeEnabled(true);
  // What the desktop app reads out of a stored config.
  QCOMPARE(externalRewardCommands(R"({"rl": {"reward": "external:./score.sh --fast"}, "eval": {"reward": "gold"}})"),
           QStringList{QStringLiteral("./score.sh --fast")});
  QCOMPARE(externalRewardCommands(R"({"eval": {"reward": "external:a"}, "rl": {"reward": "external:a"}})"),
           QStringList{QStringLiteral("a")});
  QCOMPARE(externalRewardCommands(R"({"rl": {"reward": "rm:checkpoints/rm.h5"}})"), QStringList{});
  QCOMPARE(externalRewardCommands("not json"), QStringList{});

  // A killed run whose config (as a database from elsewhere could hold) runs a command on resume.
  const QString marker = m_tmp.path() + QStringLiteral("/ran-the-command");
  const std::string config = R"({"rl": {"reward": "external:touch )" + marker.toStdString() + R"("}})";
  {
    warp::ExperimentDb db = warp::ExperimentDb::open((m_dir + QStringLiteral("/experiment.db")).toStdString());
    const int64_t id = db.create_run(warp::RunSpec("ext-1", "train", config));
    db.set_run_status(id, warp::RunStatus::Running);
    db.set_run_status(id, warp::RunStatus::Killed);
  }
  MainWindow window;
  window.loadExperiment(m_dir);
  window.setWarpExecutable(warpExe());
  QStringList questions;
  window.setConfirmHandler([&](const QString&, const QString& text) {
    questions << text;
    return false;
  });
  window.refreshNow();
  RunListModel* model = window.runListModel();
  int row = -1;
  for (int r = 0; r < model->rowCount(); ++r)
    if (model->run(r).name == "ext-1") row = r;
  QVERIFY(row >= 0);
  window.runView()->selectionModel()->select(window.runView()->model()->index(row, 0),
                                             QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  QVERIFY(window.resumeAction()->isEnabled());
  window.resumeSelected();
  QCOMPARE(questions.size(), 1);
  QVERIFY2(questions[0].contains(QStringLiteral("touch ") + marker), qPrintable(questions[0]));
  QVERIFY2(questions[0].contains(thisHostName()), qPrintable(questions[0]));
  // Declined: nothing was started.
  QTest::qWait(300);
  QVERIFY(!QFile::exists(runLogPath(m_dir, QStringLiteral("ext-1"))));
  QVERIFY(!QFile::exists(marker));
}

QTEST_MAIN(TestRunControl)
#include "test_run_control.moc"
