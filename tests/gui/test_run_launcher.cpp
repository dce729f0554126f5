// Starting and stopping runs from warp-studio (window/run_launcher.h, window/main_window.h): the
// run-name rule (core's), resume arguments, the enabled state of Stop / Resume for running, killed,
// crashed, finished and other-host runs, Duplicate with changes from the window, and Slurm workers:
// their job state in the run list (worker_jobs of a real database) and the scancel command Stop
// runs (Stop cancelling real jobs: tests/slurm/test_slurm_stop.cpp, label slurm). The dialogs' own
// tests: test_launch_dialogs.cpp.
#include <QComboBox>
#include <QLineEdit>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <QAction>
#include <QSignalSpy>

#include <nlohmann/json.hpp>

#include "config/rl_config.h"
#include "db/experiment_db.h"
#include "gui_fixture.h"
#include "models/run_list_model.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "window/launch_dialog.h"
#include "window/main_window.h"
#include "window/run_launcher.h"

namespace {
const QString kExp = QStringLiteral("/x/exp");

// A WARP driver with two Slurm workers in a real experiment database: drv-i1-r1 running on node n3
// (job 45_0), drv-i1-r2 pending (job 45_1), recorded through core's API as the Slurm launcher does.
struct SlurmRuns {
  int64_t driver = 0, r1 = 0, r2 = 0, job1 = 0, job2 = 0;
};
SlurmRuns addSlurmRuns(warp::ExperimentDb& db) {
  SlurmRuns s;
  s.driver = db.create_run(warp::RunSpec("drv", "warp"));
  for (int m = 1; m <= 2; ++m) {
    warp::RunSpec spec("drv-i1-r" + std::to_string(m), "train");
    spec.parent_run_id = s.driver;
    spec.iteration = 1;
    (m == 1 ? s.r1 : s.r2) = db.create_run(spec);
  }
  db.set_run_status(s.r1, warp::RunStatus::Running);
  db.set_run_process(s.r1, 777, "n3");
  warp::WorkerJobSpec job;
  job.driver_run_id = s.driver;
  job.launcher = "slurm";
  job.worker = "drv-i1-r1";
  job.job_id = "45_0";
  job.node = "n3";
  job.state = "RUNNING";
  job.log_path = "logs/drv-i1-r1.log";
  s.job1 = db.add_worker_job(job);
  job.worker = "drv-i1-r2";
  job.job_id = "45_1";
  job.node = "";
  job.state = "PENDING";
  job.log_path = "logs/drv-i1-r2.log";
  s.job2 = db.add_worker_job(job);
  return s;
}

int rowOf(const RunListModel& model, const QString& name) {
  for (int row = 0; row < model.rowCount(); ++row)
    if (QString::fromStdString(model.run(row).name) == name) return row;
  return -1;
}

}  // namespace

class TestRunLauncher : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void runNames_data();
  void runNames();
  void resumeArgs();
  void logTail();
  void actionsOfRuns();
  void windowActions();
  void windowDuplicate();
  void duplicateKeepsUnflaggedSettings();
  void slurmWorkers();

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
  if (valid) {
    QCOMPARE(trainArguments(kExp, name, {}).at(4), name);
  } else {
    QVERIFY_THROWS_EXCEPTION(warp::BadInput, trainArguments(kExp, name, {}));
    QVERIFY_THROWS_EXCEPTION(warp::BadInput, warpRunArguments(kExp, name, {}));
  }
}

void TestRunLauncher::resumeArgs() {
  QCOMPARE(resumeArguments(kExp, "ema-1", "train"), QStringList({"train", "--exp", "/x/exp", "--resume", "ema-1"}));
  QCOMPARE(resumeArguments(kExp, "warp", "warp"),
           QStringList({"run", "--exp", "/x/exp", "--resume", "--name", "warp"}));
  // A driver whose workers ran on Slurm resumes on Slurm (the launcher is not stored with the run).
  QCOMPARE(resumeArguments(kExp, "warp", "warp", "slurm"),
           QStringList({"run", "--exp", "/x/exp", "--resume", "--name", "warp", "--launcher", "slurm"}));
  warp::WorkerJobRecord job;
  job.launcher = "slurm";
  QCOMPARE(driverLauncher({}), QString());
  QCOMPARE(driverLauncher({job}), QStringLiteral("slurm"));
  QVERIFY_THROWS_EXCEPTION(warp::BadInput, resumeArguments(kExp, "sft", "sft"));
  QVERIFY_THROWS_EXCEPTION(warp::BadInput, resumeArguments(QString(), "ema-1", "train"));
  QCOMPARE(runLogPath(kExp, "ema-1"), QStringLiteral("/x/exp/logs/ema-1.log"));
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

void TestRunLauncher::windowDuplicate() {
  const QString dir = guitest::makeExperimentFolder(m_tmp, QStringLiteral("dup"));
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(dir));
  // The settings as `warp train` records them (runs.config_json, "rl").
  const int64_t id = db.create_run(warp::RunSpec("ema-1", "train", R"({"rl": {"init": "checkpoints/x.h5",
      "anchor": "sft", "beta": 0.1, "mu": 0.02, "steps": 40, "batch": 8, "samples_per_prompt": 2, "lr": 3e-05,
      "warmup": 5, "weight_decay": 0.0, "beta1": 0.9, "beta2": 0.999, "grad_clip": 1.0, "temperature": 0.8,
      "max_new_tokens": 16, "baseline": "rloo", "seed": 11, "prompt_seed": 12, "eval_every": 20,
      "eval_prompts": 8, "ckpt_every": 40, "reward": "gold", "threads": 2, "device": "cpu"}})"));
  db.set_run_status(id, warp::RunStatus::Running);
  db.set_run_status(id, warp::RunStatus::Finished);
  db.create_run(warp::RunSpec("ema-2", "train"));
  db.create_run(warp::RunSpec("sft", "sft"));

  MainWindow w;
  w.loadExperiment(dir);
  auto select = [&](const QString& name) {
    w.runView()->clearSelection();
    w.runView()->selectRow(rowOf(*w.runListModel(), name));
  };
  select("sft");
  QVERIFY(!w.duplicateAction()->isEnabled());
  select("ema-1");
  QVERIFY(w.duplicateAction()->isEnabled());
  QCOMPARE(w.duplicateAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_D));
  std::unique_ptr<RunDialog> d = w.duplicateDialog(w.selectedRecords().at(0));
  QCOMPARE(d->runName(), QStringLiteral("ema-3"));  // ema-2 is taken
  QCOMPARE(d->combo("--anchor")->currentData().toString(), QStringLiteral("sft"));
  d->lineEdit("--steps")->setText(QStringLiteral("80"));  // the one change
  // Hand-written: the original's every setting, steps changed, under the new name.
  QCOMPARE(d->arguments(), QStringList({"train",
                                        "--exp",
                                        dir,
                                        "--name",
                                        "ema-3",
                                        "--init",
                                        "checkpoints/x.h5",
                                        "--seed",
                                        "11",
                                        "--prompt-seed",
                                        "12",
                                        "--anchor",
                                        "sft",
                                        "--beta",
                                        "0.1",
                                        "--mu",
                                        "0.02",
                                        "--steps",
                                        "80",
                                        "--batch",
                                        "8",
                                        "--samples",
                                        "2",
                                        "--lr",
                                        "3e-05",
                                        "--warmup",
                                        "5",
                                        "--weight-decay",
                                        "0",
                                        "--adam-beta1",
                                        "0.9",
                                        "--adam-beta2",
                                        "0.999",
                                        "--grad-clip",
                                        "1",
                                        "--temperature",
                                        "0.8",
                                        "--max-new-tokens",
                                        "16",
                                        "--baseline",
                                        "rloo",
                                        "--reward",
                                        "gold",
                                        "--eval-every",
                                        "20",
                                        "--eval-prompts",
                                        "8",
                                        "--ckpt-every",
                                        "40",
                                        "--threads",
                                        "2",
                                        "--device",
                                        "cpu"}));
  // Unchanged, the duplicate reproduces the original: the settings core reads from these arguments
  // equal the recorded ones (but the name).
  d->lineEdit("--steps")->setText(QStringLiteral("40"));
  const LaunchValues again = d->values();
  QCOMPARE(again, launchValuesOfRun(w.selectedRecords().at(0)));
  // Every setting of the run is a field of the form (the Adam betas too): no settings file.
  QVERIFY(d->lineEdit("--config")->text().isEmpty());
  QVERIFY(!QFile::exists(dir + QStringLiteral("/exports/ema-1-settings.json")));
  QVERIFY_THROWS_EXCEPTION(warp::BadInput, w.duplicateDialog(w.runListModel()->run(rowOf(*w.runListModel(), "sft"))));
}

void TestRunLauncher::duplicateKeepsUnflaggedSettings() {
  // The runs were started with the defaults; since then config.json changed settings that `warp
  // run` has no flag for. The duplicate must run with its original's values: they travel in a
  // settings file (--config) that the dialog shows.
  const QString dir = guitest::makeExperimentFolder(m_tmp, QStringLiteral("dup-unflagged"));
  {
    QFile config(dir + QStringLiteral("/config.json"));
    QVERIFY(config.open(QIODevice::WriteOnly | QIODevice::Truncate));
    config.write(R"({"format": "warp-experiment", "version": 1, "preset": "test",
        "rl": {"warmup": 3, "beta2": 0.95, "grad_clip": 0.5, "lr": 2e-05}})");
  }
  const std::string rl = R"("rl": {"init": "", "anchor": "ema", "beta": 0.1, "mu": 0.01, "steps": 20, "batch": 8,
      "samples_per_prompt": 1, "lr": 1e-05, "warmup": 10, "weight_decay": 0.0, "beta1": 0.9, "beta2": 0.999,
      "grad_clip": 1.0, "temperature": 0.9, "max_new_tokens": 24, "baseline": "rloo", "seed": 1, "prompt_seed": 1,
      "eval_every": 10, "eval_prompts": 16, "ckpt_every": 100, "reward": "gold", "threads": 1, "device": "cpu"})";
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(dir));
  db.create_run(warp::RunSpec("ema-1", "train", "{" + rl + "}"));
  db.create_run(warp::RunSpec("warp", "warp",
                              R"({"warp": {"name": "warp", "init": "", "iterations": 2, "runs": 2,
      "steps": 20, "lambda": 0.5, "eta": 0.3, "eta_grid": [0.0, 1.0], "parallel": 0, "threads": 1, "seed": 4,
      "device": "cpu", "granularity": "tensor"}, )" +
                                  rl + R"(, "eval": {}, "eval_protocol_sha256": "x"})"));
  MainWindow w;
  w.loadExperiment(dir);
  auto record = [&](const QString& name) { return w.runListModel()->run(rowOf(*w.runListModel(), name)); };
  auto fileOf = [](const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? nlohmann::json::parse(f.readAll().toStdString(), nullptr, false)
                                       : nlohmann::json();
  };

  // warp train has a flag for every RL setting (the Adam betas included): the run's values are
  // fields, no settings file.
  std::unique_ptr<RunDialog> t = w.duplicateDialog(record("ema-1"));
  QVERIFY(t->lineEdit("--config")->text().isEmpty());
  QVERIFY(!QFile::exists(dir + QStringLiteral("/exports/ema-1-settings.json")));
  QCOMPARE(t->lineEdit("--adam-beta2")->text(), QStringLiteral("0.999"));  // the run's, not today's 0.95
  QCOMPARE(t->lineEdit("--warmup")->text(), QStringLiteral("10"));         // the run's, not today's 3
  const QStringList targs = t->arguments();
  QCOMPARE(targs.at(targs.indexOf(QStringLiteral("--adam-beta2")) + 1), QStringLiteral("0.999"));
  QVERIFY(!targs.contains(QStringLiteral("--config")));

  // warp run: the RL settings without a flag that today's config gives otherwise (warmup,
  // grad_clip), the baseline (rloo, today's default mean); not lr nor beta2 (fields) nor the run's name.
  std::unique_ptr<RunDialog> d = w.duplicateDialog(record("warp"));
  const QString warpFile = dir + QStringLiteral("/exports/warp-settings.json");
  QCOMPARE(d->lineEdit("--config")->text(), warpFile);
  QCOMPARE(fileOf(warpFile), nlohmann::json::parse(R"({"rl": {"steps": 20, "warmup": 10, "grad_clip": 1.0,
      "baseline": "rloo", "threads": 1, "device": "cpu"}})"));
  QCOMPARE(d->lineEdit("--lr")->text(), QStringLiteral("1e-05"));
  QCOMPARE(d->lineEdit("--adam-beta2")->text(), QStringLiteral("0.999"));
  const QStringList wargs = d->arguments();
  QCOMPARE(wargs.at(wargs.indexOf(QStringLiteral("--config")) + 1), warpFile);

  // Every stored RL setting reaches the copy: as a flag of the form, in the file, or as today's
  // config gives it.
  const nlohmann::json stored = nlohmann::json::parse("{" + rl + "}").at("rl");
  const nlohmann::json file = fileOf(warpFile).at("rl");
  const std::string configPath = (dir + QStringLiteral("/config.json")).toStdString();
  const nlohmann::json today =
      warp::rl_config_from_experiment_json(nlohmann::json::parse(warp::read_file_text(configPath)), configPath)
          .to_json();
  const LaunchValues values = d->values();
  for (auto it = stored.begin(); it != stored.end(); ++it) {
    QString flag;
    for (const LaunchOption& o : warpRunOptions())
      if (o.target == LaunchOption::Rl && o.key.toStdString() == it.key()) flag = o.flag;
    const bool viaFlag = !flag.isEmpty() && !values.value(flag).isEmpty();
    const bool viaFile = file.contains(it.key()) && file.at(it.key()) == it.value();
    QVERIFY2(viaFlag || viaFile || today.at(it.key()) == it.value(), it.key().c_str());
  }
}

void TestRunLauncher::slurmWorkers() {
  const QString dir = guitest::makeExperimentFolder(m_tmp, QStringLiteral("slurm"));
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(dir));
  const SlurmRuns s = addSlurmRuns(db);
  RunListModel model;
  model.open(QString::fromStdString(guitest::dbPath(dir)));
  QCOMPARE(model.headerData(RunListModel::Scheduler, Qt::Horizontal).toString(), QStringLiteral("Scheduler"));
  const int drv = rowOf(model, "drv"), r1 = rowOf(model, "drv-i1-r1"), r2 = rowOf(model, "drv-i1-r2");
  QVERIFY(drv >= 0 && r1 >= 0 && r2 >= 0);
  auto cell = [&](int row) { return model.data(model.index(row, RunListModel::Scheduler)).toString(); };
  QCOMPARE(cell(r1), QStringLiteral("RUNNING · job 45_0 · n3"));
  QCOMPARE(cell(r2), QStringLiteral("PENDING · job 45_1"));
  QCOMPARE(cell(drv), QStringLiteral("slurm: 1 PENDING, 1 RUNNING"));
  QCOMPARE(model.workerJob(model.run(r1))->job_id, std::string("45_0"));
  QVERIFY(!model.workerJob(model.run(drv)));
  QCOMPARE(driverLauncher(model.driverJobs(s.driver)), QStringLiteral("slurm"));

  // A Slurm worker runs on a node, not this host: Stop is still offered (scancel reaches it)
  // while its job lives, not once it ended.
  const QString here = thisHostName();
  QVERIFY(!runActions(model.run(r1), here).canStop);  // without its job: another host's run
  QVERIFY(runActions(model.run(r1), here, model.workerJob(model.run(r1))).canStop);
  QVERIFY(runActions(model.run(r2), here, model.workerJob(model.run(r2))).canStop);  // pending: leaves the queue
  // What Stop runs: core's rule (config/slurm_options.h), the one the driver's launcher uses.
  QCOMPARE(slurmStopCommand(*model.workerJob(model.run(r1))),
           QStringList({"scancel", "--batch", "--signal=TERM", "45_0"}));
  QCOMPARE(slurmStopCommand(*model.workerJob(model.run(r2))), QStringList({"scancel", "45_1"}));

  // The driver polls Slurm and records the new state: the cell follows at the next refresh.
  QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
  db.update_worker_job(s.job1, "COMPLETED", "", 0);
  model.refresh();
  QCOMPARE(cell(r1), QStringLiteral("COMPLETED · job 45_0 · n3"));
  QCOMPARE(cell(drv), QStringLiteral("slurm: 1 COMPLETED, 1 PENDING"));
  bool schedulerChanged = false;
  for (const auto& args : changed)
    if (args.at(0).toModelIndex().column() <= RunListModel::Scheduler &&
        args.at(1).toModelIndex().column() >= RunListModel::Scheduler && args.at(0).toModelIndex().row() == r1)
      schedulerChanged = true;
  QVERIFY(schedulerChanged);
  QVERIFY(!runActions(model.run(r1), here, model.workerJob(model.run(r1))).canStop);
  // A resubmitted worker (resume): its latest job is shown.
  warp::WorkerJobSpec again;
  again.driver_run_id = s.driver;
  again.launcher = "slurm";
  again.worker = "drv-i1-r1";
  again.job_id = "46_0";
  again.state = "PENDING";
  db.add_worker_job(again);
  model.refresh();
  QCOMPARE(cell(r1), QStringLiteral("PENDING · job 46_0"));
}

QTEST_MAIN(TestRunLauncher)
#include "test_run_launcher.moc"
