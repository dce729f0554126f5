// Starting and stopping runs from warp-studio (window/run_launcher.h, window/launch_dialog.h): the exact
// `warp` argument lists built from the dialogs' fields, the run-name rule (core's), values out of
// range refused naming the field, the dialogs keeping themselves open on a wrong field, and the
// enabled state of Stop / Resume for running, killed, crashed, finished and other-host runs.
#include <QComboBox>
#include <QLineEdit>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <QAction>

#include "window/launch_dialog.h"
#include "window/main_window.h"
#include "window/run_launcher.h"
#include "gui_fixture.h"
#include "models/run_list_model.h"
#include "util/error.h"

namespace {
const QString kExp = QStringLiteral("/x/exp");

template <class T>
std::optional<T> opt(const QVariant& v) {
  if (!v.isValid()) return std::nullopt;
  return v.value<T>();
}
}  // namespace

class TestRunLauncher : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void runNames_data();
  void runNames();
  void trainArgs_data();
  void trainArgs();
  void warpArgs_data();
  void warpArgs();
  void resumeArgs();
  void parseFields();
  void logTail();
  void rlDialog();
  void warpDialog();
  void actionsOfRuns();
  void windowActions();

 private:
  QTemporaryDir m_tmp;
};

void TestRunLauncher::initTestCase() {
  QStandardPaths::setTestModeEnabled(true);
  QCoreApplication::setOrganizationName(QStringLiteral("warp-studio-tests"));
  QCoreApplication::setApplicationName(QStringLiteral("test_run_launcher"));
}

void TestRunLauncher::runNames_data() {
  QTest::addColumn<QString>("name");
  QTest::addColumn<bool>("valid");
  QTest::newRow("simple") << "ema-1" << true;
  QTest::newRow("digit first") << "1run" << true;
  QTest::newRow("all chars") << "A.b_c-9" << true;
  QTest::newRow("64 chars") << QString(64, QLatin1Char('a')) << true;
  QTest::newRow("65 chars") << QString(65, QLatin1Char('a')) << false;
  QTest::newRow("empty") << "" << false;
  QTest::newRow("space") << "ema 1" << false;
  QTest::newRow("slash") << "a/b" << false;
  QTest::newRow("dot first") << ".hidden" << false;
  QTest::newRow("dash first") << "-x" << false;
  QTest::newRow("underscore first") << "_x" << false;
  QTest::newRow("non-ascii") << QStringLiteral("β1") << false;
  QTest::newRow("ends -state") << "run-state" << false;
  QTest::newRow("ends -ema") << "run-ema" << false;
  QTest::newRow("-ema inside") << "run-ema2" << true;
}

void TestRunLauncher::runNames() {
  QFETCH(QString, name);
  QFETCH(bool, valid);
  QCOMPARE(runNameError(name).isEmpty(), valid);
  RlRunRequest r;
  r.name = name;
  if (valid) {
    QCOMPARE(trainArguments(kExp, r).at(4), name);
  } else {
    QVERIFY_THROWS_EXCEPTION(warp::BadInput, trainArguments(kExp, r));
    WarpRunRequest w;
    w.name = name;
    QVERIFY_THROWS_EXCEPTION(warp::BadInput, warpRunArguments(kExp, w));
  }
}

void TestRunLauncher::trainArgs_data() {
  QTest::addColumn<QString>("anchor");
  QTest::addColumn<QVariant>("beta");
  QTest::addColumn<QVariant>("mu");
  QTest::addColumn<QVariant>("steps");
  QTest::addColumn<QVariant>("seed");
  QTest::addColumn<QVariant>("promptSeed");
  QTest::addColumn<QStringList>("expected");  // after "train --exp /x/exp --name r"; empty first = refused
  QTest::addColumn<QString>("errorField");
  const QVariant none;
  QTest::newRow("defaults only") << "" << none << none << none << none << none << QStringList{} << "";
  QTest::newRow("all set") << "sft" << QVariant(0.1) << QVariant(0.01) << QVariant(qint64(200))
                           << QVariant(quint64(7)) << QVariant(quint64(18446744073709551615ULL))
                           << QStringList{"--anchor", "sft", "--beta", "0.1", "--mu", "0.01", "--steps", "200",
                                          "--seed", "7", "--prompt-seed", "18446744073709551615"}
                           << "";
  QTest::newRow("ema, beta 0, mu 1") << "ema" << QVariant(0.0) << QVariant(1.0) << none << none << none
                                     << QStringList{"--anchor", "ema", "--beta", "0", "--mu", "1"} << "";
  QTest::newRow("small beta exact") << "" << QVariant(1e-5) << none << none << QVariant(quint64(0)) << none
                                    << QStringList{"--beta", "1e-05", "--seed", "0"} << "";
  QTest::newRow("init anchor") << "init" << none << none << none << none << none
                               << QStringList{"--anchor", "init"} << "";
  QTest::newRow("bad anchor") << "sft-init" << none << none << none << none << none << QStringList{"!"} << "anchor";
  QTest::newRow("negative beta") << "" << QVariant(-0.5) << none << none << none << none << QStringList{"!"}
                                 << "--beta";
  QTest::newRow("mu zero") << "" << none << QVariant(0.0) << none << none << none << QStringList{"!"} << "--mu";
  QTest::newRow("mu above 1") << "" << none << QVariant(1.5) << none << none << none << QStringList{"!"} << "--mu";
  QTest::newRow("zero steps") << "" << none << none << QVariant(qint64(0)) << none << none << QStringList{"!"}
                              << "--steps";
}

void TestRunLauncher::trainArgs() {
  QFETCH(QString, anchor);
  QFETCH(QVariant, beta);
  QFETCH(QVariant, mu);
  QFETCH(QVariant, steps);
  QFETCH(QVariant, seed);
  QFETCH(QVariant, promptSeed);
  QFETCH(QStringList, expected);
  QFETCH(QString, errorField);
  RlRunRequest r;
  r.name = QStringLiteral("r");
  r.anchor = anchor;
  r.beta = opt<double>(beta);
  r.mu = opt<double>(mu);
  r.steps = opt<qint64>(steps);
  r.seed = opt<quint64>(seed);
  r.promptSeed = opt<quint64>(promptSeed);
  if (!errorField.isEmpty()) {
    try {
      trainArguments(kExp, r);
      QFAIL("expected BadInput");
    } catch (const warp::BadInput& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(errorField), e.what());
    }
    return;
  }
  QCOMPARE(trainArguments(kExp, r), QStringList({"train", "--exp", "/x/exp", "--name", "r"}) + expected);
}

void TestRunLauncher::warpArgs_data() {
  QTest::addColumn<QString>("name");
  QTest::addColumn<QVariant>("iterations");
  QTest::addColumn<QVariant>("runs");
  QTest::addColumn<QVariant>("steps");
  QTest::addColumn<QStringList>("expected");
  QTest::addColumn<QString>("errorField");
  const QVariant none;
  QTest::newRow("defaults") << "warp" << none << none << none << QStringList{"run", "--exp", "/x/exp", "--name", "warp"}
                            << "";
  QTest::newRow("all set") << "w2" << QVariant(qint64(3)) << QVariant(qint64(4)) << QVariant(qint64(50))
                           << QStringList{"run", "--exp", "/x/exp", "--name", "w2", "--iterations", "3", "--runs", "4",
                                          "--steps", "50"}
                           << "";
  QTest::newRow("iterations 0") << "warp" << QVariant(qint64(0)) << none << none << QStringList{} << "--iterations";
  QTest::newRow("runs 1") << "warp" << none << QVariant(qint64(1)) << none << QStringList{} << "--runs";
  QTest::newRow("steps -3") << "warp" << none << none << QVariant(qint64(-3)) << QStringList{} << "--steps";
  QTest::newRow("bad name") << "w/1" << none << none << none << QStringList{} << "name";
}

void TestRunLauncher::warpArgs() {
  QFETCH(QString, name);
  QFETCH(QVariant, iterations);
  QFETCH(QVariant, runs);
  QFETCH(QVariant, steps);
  QFETCH(QStringList, expected);
  QFETCH(QString, errorField);
  WarpRunRequest r;
  r.name = name;
  r.iterations = opt<qint64>(iterations);
  r.runs = opt<qint64>(runs);
  r.steps = opt<qint64>(steps);
  if (!errorField.isEmpty()) {
    try {
      warpRunArguments(kExp, r);
      QFAIL("expected BadInput");
    } catch (const warp::BadInput& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(errorField), e.what());
    }
    return;
  }
  QCOMPARE(warpRunArguments(kExp, r), expected);
}

void TestRunLauncher::resumeArgs() {
  QCOMPARE(resumeArguments(kExp, "ema-1", "train"), QStringList({"train", "--exp", "/x/exp", "--resume", "ema-1"}));
  QCOMPARE(resumeArguments(kExp, "warp", "warp"), QStringList({"run", "--exp", "/x/exp", "--resume", "--name", "warp"}));
  QVERIFY_THROWS_EXCEPTION(warp::BadInput, resumeArguments(kExp, "sft", "sft"));
  QVERIFY_THROWS_EXCEPTION(warp::BadInput, resumeArguments(QString(), "ema-1", "train"));
  QCOMPARE(runLogPath(kExp, "ema-1"), QStringLiteral("/x/exp/logs/ema-1.log"));
}

void TestRunLauncher::parseFields() {
  QCOMPARE(parseOptionalDouble("  ", "β"), std::nullopt);
  QCOMPARE(parseOptionalDouble(" 0.25 ", "β"), std::optional<double>(0.25));
  QCOMPARE(parseOptionalDouble("1e-3", "β"), std::optional<double>(0.001));
  QCOMPARE(parseOptionalInt("-4", "steps"), std::optional<qint64>(-4));
  QCOMPARE(parseOptionalUInt("42", "seed"), std::optional<quint64>(42));
  try {
    parseOptionalDouble("abc", "β");
    QFAIL("expected BadInput");
  } catch (const warp::BadInput& e) {
    QCOMPARE(QString::fromUtf8(e.what()), QStringLiteral("β: 'abc' is not a number"));
  }
  QVERIFY_THROWS_EXCEPTION(warp::BadInput, parseOptionalInt("2.5", "steps"));
  QVERIFY_THROWS_EXCEPTION(warp::BadInput, parseOptionalUInt("-1", "seed"));
}

void TestRunLauncher::logTail() {
  const QString path = m_tmp.path() + QStringLiteral("/tail.log");
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write("one\ntwo\nstep 1/9\rstep 2/9\r\nwarp: run name 'x' already exists\n\n");
  f.close();
  QCOMPARE(tailOfFile(path, 2), QStringLiteral("step 2/9\nwarp: run name 'x' already exists"));
  QCOMPARE(tailOfFile(path, 10), QStringLiteral("one\ntwo\nstep 2/9\nwarp: run name 'x' already exists"));
  QCOMPARE(tailOfFile(m_tmp.path() + QStringLiteral("/missing.log")), QString());
}

void TestRunLauncher::rlDialog() {
  const QString dir = guitest::makeExperimentFolder(m_tmp, QStringLiteral("dlg"));
  {
    QFile config(dir + QStringLiteral("/config.json"));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write(R"({"format": "warp-experiment", "version": 1, "warp": {"beta": 0.1, "mu": 0.01},
                    "rl": {"steps": 10}})");
  }
  RlRunDialog d(dir);
  // Placeholders show the experiment's values; empty fields pass nothing.
  QCOMPARE(d.betaEdit()->placeholderText(), QStringLiteral("experiment: 0.1"));
  QCOMPARE(d.muEdit()->placeholderText(), QStringLiteral("experiment: 0.01"));
  QCOMPARE(d.stepsEdit()->placeholderText(), QStringLiteral("experiment: 10"));
  // No name: refused, the dialog stays open with the message.
  d.accept();
  QCOMPARE(d.result(), int(QDialog::Rejected));
  QVERIFY2(d.errorText().contains(QStringLiteral("name")), qPrintable(d.errorText()));
  d.nameEdit()->setText(QStringLiteral("ema-1"));
  d.muEdit()->setText(QStringLiteral("2"));
  d.accept();
  QCOMPARE(d.result(), int(QDialog::Rejected));
  QVERIFY2(d.errorText().contains(QStringLiteral("--mu")), qPrintable(d.errorText()));
  d.muEdit()->setText(QStringLiteral("0.05"));
  d.anchorCombo()->setCurrentIndex(d.anchorCombo()->findData(QStringLiteral("sft")));
  d.stepsEdit()->setText(QStringLiteral("30"));
  d.promptSeedEdit()->setText(QStringLiteral("3"));
  QCOMPARE(d.arguments(), QStringList({"train", "--exp", dir, "--name", "ema-1", "--anchor", "sft", "--mu", "0.05",
                                       "--steps", "30", "--prompt-seed", "3"}));
  d.accept();
  QCOMPARE(d.result(), int(QDialog::Accepted));
  QVERIFY(d.errorText().isEmpty());
}

void TestRunLauncher::warpDialog() {
  const QString dir = guitest::makeExperimentFolder(m_tmp, QStringLiteral("dlg2"));
  WarpRunDialog d(dir);
  QCOMPARE(d.arguments(), QStringList({"run", "--exp", dir, "--name", "warp"}));
  d.runsEdit()->setText(QStringLiteral("1"));
  d.accept();
  QCOMPARE(d.result(), int(QDialog::Rejected));
  QVERIFY2(d.errorText().contains(QStringLiteral("--runs")), qPrintable(d.errorText()));
  d.runsEdit()->setText(QStringLiteral("x"));
  d.accept();
  QVERIFY2(d.errorText().contains(QStringLiteral("runs M: 'x'")), qPrintable(d.errorText()));
  d.runsEdit()->setText(QStringLiteral("3"));
  d.iterationsEdit()->setText(QStringLiteral("2"));
  d.stepsEdit()->setText(QStringLiteral("20"));
  QCOMPARE(d.arguments(), QStringList({"run", "--exp", dir, "--name", "warp", "--iterations", "2", "--runs", "3",
                                       "--steps", "20"}));
  d.accept();
  QCOMPARE(d.result(), int(QDialog::Accepted));
}

void TestRunLauncher::actionsOfRuns() {
  const QString here = QStringLiteral("here");
  warp::RunRecord r;
  r.name = "ema-1";
  r.kind = "train";
  r.status = warp::RunStatus::Running;
  r.pid = 1234;
  r.host = "here";
  RunActions a = runActions(r, here);
  QVERIFY(a.canStop);
  QVERIFY(!a.canResume);
  QVERIFY(a.stopTip.isEmpty());
  QVERIFY(a.resumeTip.contains(QStringLiteral("running")));

  r.host = "gpu-box";  // running elsewhere: nothing to do from here
  a = runActions(r, here);
  QVERIFY(!a.canStop);
  QVERIFY(a.stopTip.contains(QStringLiteral("gpu-box")));
  QVERIFY_THROWS_EXCEPTION(warp::BadInput, stopRun(r, here));

  r.host = "here";
  r.pid.reset();  // no process recorded
  QVERIFY(!runActions(r, here).canStop);

  r.status = warp::RunStatus::Killed;
  a = runActions(r, here);
  QVERIFY(!a.canStop);
  QVERIFY(a.canResume);
  r.status = warp::RunStatus::Crashed;
  QVERIFY(runActions(r, here).canResume);
  r.host = "gpu-box";
  a = runActions(r, here);
  QVERIFY(!a.canResume);
  QVERIFY(a.resumeTip.contains(QStringLiteral("gpu-box")));
  r.host = "here";
  r.parent_run_id = 3;  // a WARP worker: its driver resumes it
  QVERIFY(!runActions(r, here).canResume);
  r.parent_run_id.reset();
  r.status = warp::RunStatus::Finished;
  QVERIFY(!runActions(r, here).canResume);
  r.status = warp::RunStatus::Killed;
  r.kind = "warp";
  QVERIFY(runActions(r, here).canResume);
  r.kind = "sft";
  a = runActions(r, here);
  QVERIFY(!a.canResume);
  QVERIFY(a.resumeTip.contains(QStringLiteral("train and warp")));
}

void TestRunLauncher::windowActions() {
  const QString dir = guitest::makeExperimentFolder(m_tmp, QStringLiteral("win"));
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(dir));
  guitest::createLiveRun(db, "live");  // this process, this host
  const int64_t killed = db.create_run(warp::RunSpec("stopped", "train"));
  db.set_run_status(killed, warp::RunStatus::Running);
  db.set_run_status(killed, warp::RunStatus::Killed);
  const int64_t remote = db.create_run(warp::RunSpec("remote", "train"));
  db.set_run_status(remote, warp::RunStatus::Running);
  db.set_run_process(remote, 4242, "some-other-host");

  MainWindow w;
  QVERIFY(!w.newRlRunAction()->isEnabled());  // no experiment yet
  w.loadExperiment(dir);
  QVERIFY(w.newRlRunAction()->isEnabled());
  QVERIFY(w.runWarpAction()->isEnabled());
  auto select = [&](const QString& name) {
    w.runView()->clearSelection();
    for (int row = 0; row < w.runListModel()->rowCount(); ++row)
      if (QString::fromStdString(w.runListModel()->run(row).name) == name) w.runView()->selectRow(row);
  };
  select("live");
  QVERIFY(w.stopAction()->isEnabled());
  QVERIFY(!w.resumeAction()->isEnabled());
  select("stopped");
  QVERIFY(!w.stopAction()->isEnabled());
  QVERIFY(w.resumeAction()->isEnabled());
  QVERIFY2(w.stopAction()->toolTip().contains(QStringLiteral("killed")), qPrintable(w.stopAction()->toolTip()));
  select("remote");
  QVERIFY(!w.stopAction()->isEnabled());
  QVERIFY(!w.resumeAction()->isEnabled());
  QVERIFY2(w.stopAction()->toolTip().contains(QStringLiteral("some-other-host")),
           qPrintable(w.stopAction()->toolTip()));
  // The same run seen from "some-other-host": it may be stopped there.
  w.setThisHost(QStringLiteral("some-other-host"));
  QVERIFY(w.stopAction()->isEnabled());
  w.setThisHost(thisHostName());
  w.runView()->selectAll();  // a mixed selection: each action for the runs it applies to
  QVERIFY(w.stopAction()->isEnabled());
  QVERIFY(w.resumeAction()->isEnabled());
  w.runView()->clearSelection();
  QVERIFY(!w.stopAction()->isEnabled());
  QVERIFY(!w.resumeAction()->isEnabled());
}

QTEST_MAIN(TestRunLauncher)
#include "test_run_launcher.moc"
