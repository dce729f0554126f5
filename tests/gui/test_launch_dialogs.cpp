// The launch dialogs and their argument builders (window/launch_dialog.h, window/run_launcher.h),
// linked without LibTorch (warp_widgets + core/config): every option of `warp train` / `warp run`
// on a form, the exact argument lists of filled forms, core's validation message shown for a bad
// field (it names the field and flag), the experiment's values as placeholders, the Slurm fields
// enabled only with launcher slurm, and the values that duplicate a recorded run.
#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "config/slurm_options.h"
#include "util/error.h"
#include "window/launch_dialog.h"
#include "window/run_launcher.h"

namespace {

const QString kExp = QStringLiteral("/x/exp");  // no config.json there: core's defaults

QString makeExperiment(const QTemporaryDir& tmp, const QString& name, const QByteArray& config) {
  const QString dir = tmp.path() + QLatin1Char('/') + name;
  QDir().mkpath(dir);
  QFile f(dir + QStringLiteral("/config.json"));
  f.open(QIODevice::WriteOnly);
  f.write(config);
  return dir;
}

// The message of the BadInput `fn` throws ("" when it throws none).
template <class Fn>
QString refusal(Fn fn) {
  try {
    fn();
  } catch (const warp::BadInput& e) {
    return QString::fromUtf8(e.what());
  }
  return QString();
}

}  // namespace

class TestLaunchDialogs : public QObject {
  Q_OBJECT

 private slots:
  void noLibTorch();
  void everyCliOptionOnTheForm();
  void trainArgs();
  void coreMessages_data();
  void coreMessages();
  void warpArgs();
  void slurmArgs();
  void rlDialog();
  void warpDialogSlurmFields();
  void duplicateValues();
  void duplicateNames();

 private:
  QTemporaryDir m_tmp;
};

void TestLaunchDialogs::noLibTorch() {
  // The dialogs check settings with core's rules from a Torch-free library: no LibTorch is mapped
  // into this process (/proc/self/maps lists every shared object loaded).
  QFile maps(QStringLiteral("/proc/self/maps"));
  QVERIFY(maps.open(QIODevice::ReadOnly));
  const QByteArray text = maps.readAll();
  QVERIFY(text.contains("libQt6Widgets"));  // the check reads the right thing
  QVERIFY2(!text.contains("libtorch") && !text.contains("libc10"), "LibTorch is loaded by the launch dialogs' test");
}

void TestLaunchDialogs::everyCliOptionOnTheForm() {
  // Every option of app/cli/cmd_train.cpp and cmd_run.cpp but --exp, --name, --resume and the
  // workers' lineage options (hand-written from the CLI's declarations).
  const QStringList train{"--init",       "--config",       "--seed",           "--prompt-seed", "--anchor",
                          "--beta",       "--mu",           "--steps",          "--batch",       "--samples",
                          "--lr",         "--warmup",       "--weight-decay",   "--adam-beta1",  "--adam-beta2",
                          "--grad-clip",  "--temperature",  "--max-new-tokens", "--baseline",    "--reward",
                          "--eval-every", "--eval-prompts", "--ckpt-every",     "--threads",     "--device"};
  const QStringList run{"--init",
                        "--config",
                        "--seed",
                        "--iterations",
                        "--runs",
                        "--steps",
                        "--lambda",
                        "--granularity",
                        "--eta",
                        "--eta-grid",
                        "--anchor",
                        "--beta",
                        "--mu",
                        "--lr",
                        "--adam-beta1",
                        "--adam-beta2",
                        "--batch",
                        "--max-new-tokens",
                        "--reward",
                        "--eval-every",
                        "--eval-prompts",
                        "--ckpt-every",
                        "--parallel",
                        "--threads",
                        "--device",
                        "--launcher",
                        "--slurm-partition",
                        "--slurm-account",
                        "--slurm-time",
                        "--slurm-cpus-per-task",
                        "--slurm-gpus-per-task",
                        "--slurm-mem",
                        "--slurm-signal-before",
                        "--slurm-extra"};
  QStringList got;
  for (const LaunchOption& o : trainOptions()) got << o.flag;
  QCOMPARE(got, train);
  got.clear();
  for (const LaunchOption& o : warpRunOptions()) got << o.flag;
  QCOMPARE(got, run);
  RlRunDialog rl(kExp);
  WarpRunDialog w(kExp);
  for (const QString& flag : train) QVERIFY2(rl.field(flag), qPrintable(flag));
  for (const QString& flag : run) QVERIFY2(w.field(flag), qPrintable(flag));
  QCOMPARE(rl.tabs()->count(), 4);  // Run, RL, Evaluation, Resources
  QCOMPARE(w.tabs()->count(), 5);   // and WARP
}

void TestLaunchDialogs::trainArgs() {
  QCOMPARE(trainArguments(kExp, "r", {}), QStringList({"train", "--exp", "/x/exp", "--name", "r"}));
  const LaunchValues v{{"--anchor", "sft"},
                       {"--beta", "0.1"},
                       {"--mu", " 1e-2 "},
                       {"--steps", "200"},
                       {"--seed", "18446744073709551615"},
                       {"--prompt-seed", "0"},
                       {"--batch", "8"},
                       {"--samples", "2"},
                       {"--lr", "1e-5"},
                       {"--warmup", "0"},
                       {"--weight-decay", "0.01"},
                       {"--adam-beta1", "0.85"},
                       {"--adam-beta2", "0.95"},
                       {"--grad-clip", "0"},
                       {"--temperature", "0.7"},
                       {"--max-new-tokens", "24"},
                       {"--baseline", "rloo"},
                       {"--reward", "gold"},
                       {"--eval-every", "10"},
                       {"--eval-prompts", "0"},
                       {"--ckpt-every", "50"},
                       {"--threads", "2"},
                       {"--device", "cpu"},
                       {"--init", "checkpoints/a.h5"},
                       {"--config", "more.json"},
                       {"--launcher", "slurm"}};  // not an option of train: ignored
  QCOMPARE(trainArguments(kExp, "r", v), QStringList({"train",
                                                      "--exp",
                                                      "/x/exp",
                                                      "--name",
                                                      "r",
                                                      "--init",
                                                      "checkpoints/a.h5",
                                                      "--config",
                                                      "more.json",
                                                      "--seed",
                                                      "18446744073709551615",
                                                      "--prompt-seed",
                                                      "0",
                                                      "--anchor",
                                                      "sft",
                                                      "--beta",
                                                      "0.1",
                                                      "--mu",
                                                      "0.01",
                                                      "--steps",
                                                      "200",
                                                      "--batch",
                                                      "8",
                                                      "--samples",
                                                      "2",
                                                      "--lr",
                                                      "1e-05",
                                                      "--warmup",
                                                      "0",
                                                      "--weight-decay",
                                                      "0.01",
                                                      "--adam-beta1",
                                                      "0.85",
                                                      "--adam-beta2",
                                                      "0.95",
                                                      "--grad-clip",
                                                      "0",
                                                      "--temperature",
                                                      "0.7",
                                                      "--max-new-tokens",
                                                      "24",
                                                      "--baseline",
                                                      "rloo",
                                                      "--reward",
                                                      "gold",
                                                      "--eval-every",
                                                      "10",
                                                      "--eval-prompts",
                                                      "0",
                                                      "--ckpt-every",
                                                      "50",
                                                      "--threads",
                                                      "2",
                                                      "--device",
                                                      "cpu"}));
}

void TestLaunchDialogs::coreMessages_data() {
  QTest::addColumn<QString>("command");
  QTest::addColumn<QString>("name");
  QTest::addColumn<QString>("flag");
  QTest::addColumn<QString>("value");
  QTest::addColumn<QString>("expected");  // core's message (RlConfig / WarpConfig / SlurmOptions / run name)
  QTest::newRow("beta < 0") << "train"
                            << "r"
                            << "--beta"
                            << "-1"
                            << "train options: rl: beta (--beta) must be >= 0, got -1";
  QTest::newRow("mu > 1") << "train"
                          << "r"
                          << "--mu"
                          << "1.5"
                          << "train options: rl: mu (--mu) must be in (0, 1], got 1.5";
  QTest::newRow("steps 0") << "train"
                           << "r"
                           << "--steps"
                           << "0"
                           << "train options: rl: steps (--steps) must be > 0, got 0";
  QTest::newRow("rloo alone") << "train"
                              << "r"
                              << "--baseline"
                              << "rloo"
                              << "";  // batch 16 x 1 >= 2: fine (see the next row)
  QTest::newRow("anchor") << "train"
                          << "r"
                          << "--anchor"
                          << "theta"
                          << "train options: rl: anchor (--anchor) must be ema, sft or init, got 'theta'";
  QTest::newRow("not a number") << "train"
                                << "r"
                                << "--lr"
                                << "fast"
                                << "lr (--lr): 'fast' is not a number";
  QTest::newRow("seed -1") << "train"
                           << "r"
                           << "--seed"
                           << "-1"
                           << "seed (--seed): '-1' is not a non-negative whole number";
  QTest::newRow("bad name") << "train"
                            << "a/b"
                            << "--beta"
                            << "0.1"
                            << "run name 'a/b' is not valid: use 1-64 characters of A-Z a-z 0-9 _ . - starting with a "
                               "letter or digit";
  QTest::newRow("M < 2") << "run"
                         << "warp"
                         << "--runs"
                         << "1"
                         << "warp: runs (--runs) must be in 2..64, got 1";
  QTest::newRow("I 0") << "run"
                       << "warp"
                       << "--iterations"
                       << "0"
                       << "warp: iterations (--iterations) must be in 1..1000, got 0";
  QTest::newRow("lambda") << "run"
                          << "warp"
                          << "--lambda"
                          << "2"
                          << "warp: lambda (--lambda) must be in [0, 1], got 2";
  QTest::newRow("granularity") << "run"
                               << "warp"
                               << "--granularity"
                               << "block"
                               << "warp: granularity (--granularity) must be tensor or layer, got 'block'";
  QTest::newRow("grid twice") << "run"
                              << "warp"
                              << "--eta-grid"
                              << "0.3,0.30"
                              << "warp: eta_grid (--eta-grid) must be a list of distinct values, got 0.30 twice";
  QTest::newRow("run beta") << "run"
                            << "warp"
                            << "--beta"
                            << "-0.5"
                            << "run options: rl: beta (--beta) must be >= 0, got -0.5";
  QTest::newRow("adam beta1") << "train"
                              << "r"
                              << "--adam-beta1"
                              << "1"
                              << "train options: rl: beta1 (--adam-beta1) must be in [0, 1), got 1";
  QTest::newRow("run adam beta2") << "run"
                                  << "warp"
                                  << "--adam-beta2"
                                  << "-0.1"
                                  << "run options: rl: beta2 (--adam-beta2) must be in [0, 1), got -0.1";
  QTest::newRow("warp name") << "run"
                             << "w/1"
                             << "--runs"
                             << "2"
                             << "warp: name (--name): run name 'w/1' is not valid: use 1-64 characters of A-Z a-z 0-9 "
                                "_ . - starting with a letter or digit";
}

void TestLaunchDialogs::coreMessages() {
  QFETCH(QString, command);
  QFETCH(QString, name);
  QFETCH(QString, flag);
  QFETCH(QString, value);
  QFETCH(QString, expected);
  const LaunchValues v{{flag, value}};
  const QString got = refusal([&] {
    if (command == QStringLiteral("train")) trainArguments(kExp, name, v);
    else warpRunArguments(kExp, name, v);
  });
  QCOMPARE(got, expected);
  // The dialog shows the same message, and the field it names has the focus on its tab.
  std::unique_ptr<RunDialog> d;
  if (command == QStringLiteral("train")) d = std::make_unique<RlRunDialog>(kExp);
  else d = std::make_unique<WarpRunDialog>(kExp);
  if (auto* choice = d->combo(flag); choice && !choice->isEditable()) {
    // A choice field cannot hold a value core refuses: it offers none.
    if (choice->findData(value) < 0) {
      QVERIFY(!expected.isEmpty());
      return;
    }
  }
  d->setRunName(name);
  d->setValues(v);
  d->accept();
  if (expected.isEmpty()) {
    QCOMPARE(d->result(), int(QDialog::Accepted));
    return;
  }
  QCOMPARE(d->result(), int(QDialog::Rejected));
  QCOMPARE(d->errorText(), expected);
  QWidget* target = expected.contains(QStringLiteral("(%1)").arg(flag)) ? d->field(flag) : d->nameEdit();
  QVERIFY(d->tabs()->currentWidget()->isAncestorOf(target));
}

void TestLaunchDialogs::warpArgs() {
  QCOMPARE(warpRunArguments(kExp, "warp", {}), QStringList({"run", "--exp", "/x/exp", "--name", "warp"}));
  const LaunchValues v{{"--iterations", "3"},
                       {"--runs", "4"},
                       {"--steps", "0"},
                       {"--lambda", "0.5"},
                       {"--granularity", "layer"},
                       {"--eta", "0.25"},
                       {"--eta-grid", "0, 0.25,1"},
                       {"--parallel", "2"},
                       {"--threads", "1"},
                       {"--seed", "9"},
                       {"--anchor", "init"},
                       {"--beta", "0.05"},
                       {"--reward", "rm:checkpoints/rm.h5"},
                       {"--launcher", "local"},
                       {"--slurm-partition", "gpu"}};  // only passed with launcher slurm
  QCOMPARE(warpRunArguments(kExp, "w2", v), QStringList({"run",
                                                         "--exp",
                                                         "/x/exp",
                                                         "--name",
                                                         "w2",
                                                         "--seed",
                                                         "9",
                                                         "--iterations",
                                                         "3",
                                                         "--runs",
                                                         "4",
                                                         "--steps",
                                                         "0",
                                                         "--lambda",
                                                         "0.5",
                                                         "--granularity",
                                                         "layer",
                                                         "--eta",
                                                         "0.25",
                                                         "--eta-grid",
                                                         "0, 0.25,1",
                                                         "--anchor",
                                                         "init",
                                                         "--beta",
                                                         "0.05",
                                                         "--reward",
                                                         "rm:checkpoints/rm.h5",
                                                         "--parallel",
                                                         "2",
                                                         "--threads",
                                                         "1",
                                                         "--launcher",
                                                         "local"}));
}

void TestLaunchDialogs::slurmArgs() {
  const LaunchValues v{
      {"--launcher", "slurm"},     {"--slurm-partition", "gpu"},     {"--slurm-account", "lab"},
      {"--slurm-time", "1-02:00"}, {"--slurm-cpus-per-task", "4"},   {"--slurm-gpus-per-task", "1"},
      {"--slurm-mem", "8G"},       {"--slurm-signal-before", "300"}, {"--slurm-extra", "--qos=low --constraint='a b'"}};
  QCOMPARE(warpRunArguments(kExp, "warp", v), QStringList({"run",
                                                           "--exp",
                                                           "/x/exp",
                                                           "--name",
                                                           "warp",
                                                           "--launcher",
                                                           "slurm",
                                                           "--slurm-partition",
                                                           "gpu",
                                                           "--slurm-account",
                                                           "lab",
                                                           "--slurm-time",
                                                           "1-02:00",
                                                           "--slurm-cpus-per-task",
                                                           "4",
                                                           "--slurm-gpus-per-task",
                                                           "1",
                                                           "--slurm-mem",
                                                           "8G",
                                                           "--slurm-signal-before",
                                                           "300",
                                                           "--slurm-extra",
                                                           "--qos=low --constraint='a b'"}));
  // Core's Slurm rules (config/slurm_options.h).
  QCOMPARE(refusal([] {
             warpRunArguments(kExp, "warp", {{"--launcher", "slurm"}, {"--slurm-mem", "lots"}});
           }),
           QStringLiteral("slurm: mem (--slurm-mem) must be a memory size: a number with an optional K, M, G or T "
                          "suffix (e.g. 8G), got 'lots'"));
  QCOMPARE(refusal([] {
             warpRunArguments(kExp, "warp", {{"--launcher", "slurm"}, {"--slurm-gpus-per-task", "-1"}});
           }),
           QStringLiteral("slurm: gpus_per_task (--slurm-gpus-per-task) must be in 0..64 (0: none asked for), got -1"));
  QCOMPARE(refusal([] {
             warpRunArguments(kExp, "warp", {{"--launcher", "slurm"}, {"--slurm-signal-before", "70000"}});
           }),
           QString::fromStdString([] {
             warp::SlurmOptions o;
             o.signal_before = 70000;
             try {
               o.validate();
             } catch (const std::exception& e) {
               return std::string(e.what());
             }
             return std::string("accepted");
           }()));
  QCOMPARE(refusal([] {
             warpRunArguments(kExp, "warp", {{"--launcher", "slurm"}, {"--slurm-extra", "'open"}});
           }),
           QStringLiteral("--slurm-extra: unterminated ' in ''open'"));
  QCOMPARE(refusal([] {
             warpRunArguments(kExp, "warp", {{"--launcher", "pbs"}});
           }),
           QStringLiteral("launcher (--launcher) must be local, slurm, got 'pbs'"));
}

void TestLaunchDialogs::rlDialog() {
  const QString dir = makeExperiment(m_tmp, QStringLiteral("rl"), R"({"format": "warp-experiment", "version": 1,
      "warp": {"beta": 0.2}, "rl": {"steps": 10, "baseline": "rloo", "reward": "gold"}})");
  RlRunDialog d(dir);
  // Placeholders: the experiment's value where config.json sets it (β from its "warp" section), else
  // core's default; a choice's first entry says which value it stands for.
  QCOMPARE(d.lineEdit("--beta")->placeholderText(), QStringLiteral("experiment: 0.2"));
  QCOMPARE(d.lineEdit("--steps")->placeholderText(), QStringLiteral("experiment: 10"));
  QCOMPARE(d.lineEdit("--mu")->placeholderText(), QStringLiteral("default: 0.01"));
  QCOMPARE(d.lineEdit("--init")->placeholderText(), QStringLiteral("default: checkpoints/sft.h5"));
  QCOMPARE(d.combo("--baseline")->itemText(0), QStringLiteral("default (rloo)"));
  QCOMPARE(d.combo("--anchor")->itemText(0), QStringLiteral("default (ema)"));
  QCOMPARE(d.combo("--reward")->lineEdit()->placeholderText(), QStringLiteral("experiment: gold"));
  // Empty form, no name: refused with core's name rule, the Run tab shown again.
  d.tabs()->setCurrentIndex(1);
  d.accept();
  QCOMPARE(d.result(), int(QDialog::Rejected));
  QCOMPARE(d.errorText(), QStringLiteral("a run name is required"));
  QVERIFY(d.tabs()->currentWidget()->isAncestorOf(d.nameEdit()));
  d.nameEdit()->setText(QStringLiteral("ema-1"));
  d.combo("--anchor")->setCurrentIndex(d.combo("--anchor")->findData(QStringLiteral("sft")));
  d.lineEdit("--mu")->setText(QStringLiteral("0.05"));
  d.lineEdit("--batch")->setText(QStringLiteral("4"));
  d.combo("--reward")->setEditText(QStringLiteral("rm:checkpoints/rm.h5"));
  d.combo("--device")->setCurrentIndex(d.combo("--device")->findText(QStringLiteral("cpu")));
  d.lineEdit("--eval-every")->setText(QStringLiteral("5"));
  QCOMPARE(d.arguments(),
           QStringList({"train", "--exp", dir, "--name", "ema-1", "--anchor", "sft", "--mu", "0.05", "--batch", "4",
                        "--reward", "rm:checkpoints/rm.h5", "--eval-every", "5", "--device", "cpu"}));
  d.accept();
  QCOMPARE(d.result(), int(QDialog::Accepted));
  QVERIFY(d.errorText().isEmpty());
}

void TestLaunchDialogs::warpDialogSlurmFields() {
  const QString dir = makeExperiment(m_tmp, QStringLiteral("slurm"), R"({"format": "warp-experiment", "version": 1,
      "warp": {"runs": 3}, "slurm": {"partition": "cpu", "time": "30", "cpus_per_task": 2, "signal_before": 90}})");
  WarpRunDialog d(dir);
  QCOMPARE(d.runName(), QStringLiteral("warp"));
  QCOMPARE(d.lineEdit("--runs")->placeholderText(), QStringLiteral("experiment: 3"));
  QCOMPARE(d.lineEdit("--iterations")->placeholderText(), QStringLiteral("default: 2"));
  QCOMPARE(d.lineEdit("--eta-grid")->placeholderText(), QStringLiteral("default: 0,0.1,0.3,0.5,0.8,1"));
  QCOMPARE(d.combo("--granularity")->itemText(0), QStringLiteral("default (tensor)"));
  QCOMPARE(d.combo("--launcher")->itemText(0), QStringLiteral("default (local)"));
  // The Slurm fields show the config's "slurm" section and are enabled only with launcher slurm.
  QCOMPARE(d.lineEdit("--slurm-partition")->placeholderText(), QStringLiteral("experiment: cpu"));
  QCOMPARE(d.lineEdit("--slurm-cpus-per-task")->placeholderText(), QStringLiteral("experiment: 2"));
  QCOMPARE(d.lineEdit("--slurm-gpus-per-task")->placeholderText(), QStringLiteral("default: 0"));
  QCOMPARE(d.lineEdit("--slurm-signal-before")->placeholderText(), QStringLiteral("experiment: 90"));
  const QStringList slurmFlags{"--slurm-partition",     "--slurm-account",       "--slurm-time",
                               "--slurm-cpus-per-task", "--slurm-gpus-per-task", "--slurm-mem",
                               "--slurm-signal-before", "--slurm-extra"};
  for (const QString& f : slurmFlags) QVERIFY2(!d.field(f)->isEnabled(), qPrintable(f));
  d.lineEdit("--slurm-mem")->setText(QStringLiteral("4G"));  // typed, then launcher local: not passed
  d.combo("--launcher")->setCurrentIndex(d.combo("--launcher")->findData(QStringLiteral("local")));
  for (const QString& f : slurmFlags) QVERIFY2(!d.field(f)->isEnabled(), qPrintable(f));
  QCOMPARE(d.arguments(), QStringList({"run", "--exp", dir, "--name", "warp", "--launcher", "local"}));
  d.combo("--launcher")->setCurrentIndex(d.combo("--launcher")->findData(QStringLiteral("slurm")));
  for (const QString& f : slurmFlags) QVERIFY2(d.field(f)->isEnabled(), qPrintable(f));
  d.lineEdit("--slurm-time")->setText(QStringLiteral("soon"));
  d.accept();
  QCOMPARE(d.result(), int(QDialog::Rejected));
  QVERIFY2(d.errorText().startsWith(QStringLiteral("slurm: time (--slurm-time) must be a Slurm time limit")),
           qPrintable(d.errorText()));
  d.lineEdit("--slurm-time")->setText(QStringLiteral("02:00:00"));
  d.lineEdit("--slurm-signal-before")->setText(QStringLiteral("-5"));  // core's rule, its message
  d.accept();
  QCOMPARE(d.result(), int(QDialog::Rejected));
  QVERIFY2(d.errorText().startsWith(QStringLiteral("slurm: signal_before (--slurm-signal-before) must be")),
           qPrintable(d.errorText()));
  d.lineEdit("--slurm-signal-before")->setText(QStringLiteral("0"));
  d.lineEdit("--slurm-gpus-per-task")->setText(QStringLiteral("1"));
  QCOMPARE(d.arguments(),
           QStringList({"run", "--exp", dir, "--name", "warp", "--launcher", "slurm", "--slurm-time", "02:00:00",
                        "--slurm-gpus-per-task", "1", "--slurm-mem", "4G", "--slurm-signal-before", "0"}));
  d.accept();
  QCOMPARE(d.result(), int(QDialog::Accepted));
}

void TestLaunchDialogs::duplicateValues() {
  // A train run as `warp train` stores it (rl/trainer.cpp: config_json {"rl": RlConfig, ...}).
  warp::RunRecord train;
  train.name = "ema-1";
  train.kind = "train";
  train.config_json = R"({"run": "ema-1", "model": {}, "rl": {"init": "", "anchor": "ema", "beta": 0.1, "mu": 0.01,
      "steps": 30, "batch": 16, "samples_per_prompt": 1, "lr": 1e-05, "warmup": 10, "weight_decay": 0.0,
      "beta1": 0.9, "beta2": 0.999, "grad_clip": 1.0, "temperature": 0.9, "max_new_tokens": 32,
      "baseline": "mean", "seed": 1, "prompt_seed": 7, "eval_every": 10, "eval_prompts": 0, "ckpt_every": 100,
      "reward": "rm:checkpoints/rm.h5", "threads": 0, "device": "auto"}})";
  RlRunDialog d(kExp);
  d.setValues(launchValuesOfRun(train));
  d.setRunName(suggestDuplicateName(QStringLiteral("ema-1"), {QStringLiteral("ema-1"), QStringLiteral("ema-2")}));
  d.lineEdit("--beta")->setText(QStringLiteral("0.3"));  // the one change
  // Hand-written: every field the run was started with is passed (so the copy does not depend on
  // the experiment's config.json of today), with β changed; init "" stays the experiment's default.
  QCOMPARE(d.arguments(), QStringList({"train",
                                       "--exp",
                                       "/x/exp",
                                       "--name",
                                       "ema-3",
                                       "--seed",
                                       "1",
                                       "--prompt-seed",
                                       "7",
                                       "--anchor",
                                       "ema",
                                       "--beta",
                                       "0.3",
                                       "--mu",
                                       "0.01",
                                       "--steps",
                                       "30",
                                       "--batch",
                                       "16",
                                       "--samples",
                                       "1",
                                       "--lr",
                                       "1e-05",
                                       "--warmup",
                                       "10",
                                       "--weight-decay",
                                       "0",
                                       "--adam-beta1",
                                       "0.9",
                                       "--adam-beta2",
                                       "0.999",
                                       "--grad-clip",
                                       "1",
                                       "--temperature",
                                       "0.9",
                                       "--max-new-tokens",
                                       "32",
                                       "--baseline",
                                       "mean",
                                       "--reward",
                                       "rm:checkpoints/rm.h5",
                                       "--eval-every",
                                       "10",
                                       "--eval-prompts",
                                       "0",
                                       "--ckpt-every",
                                       "100",
                                       "--threads",
                                       "0",
                                       "--device",
                                       "auto"}));

  // A driver as `warp run` stores it (warp/driver.h: {"warp": WarpConfig, "rl": ..., "eval": ...}).
  warp::RunRecord driver;
  driver.name = "warp";
  driver.kind = "warp";
  driver.config_json = R"({"warp": {"name": "warp", "init": "", "iterations": 2, "runs": 3, "steps": 20,
      "lambda": 0.5, "eta": 0.3, "eta_grid": [0.0, 0.5, 1.0], "parallel": 0, "threads": 1, "seed": 4,
      "device": "cpu", "granularity": "layer"},
      "rl": {"init": "", "anchor": "sft", "beta": 0.05, "mu": 0.01, "steps": 20, "batch": 8, "samples_per_prompt": 1,
      "lr": 1e-05, "warmup": 10, "weight_decay": 0.0, "beta1": 0.9, "beta2": 0.999, "grad_clip": 1.0,
      "temperature": 0.9, "max_new_tokens": 24, "baseline": "mean", "seed": 1, "prompt_seed": 1, "eval_every": 10,
      "eval_prompts": 16, "ckpt_every": 100, "reward": "gold", "threads": 1, "device": "cpu"},
      "eval": {}, "eval_protocol_sha256": "x"})";
  WarpRunDialog w(kExp);
  w.setValues(launchValuesOfRun(driver));
  w.setRunName(suggestDuplicateName(QStringLiteral("warp"), {QStringLiteral("warp")}));
  w.lineEdit("--runs")->setText(QStringLiteral("4"));
  QCOMPARE(w.arguments(), QStringList({"run",  "--exp",        "/x/exp",  "--name",        "warp-2", "--seed",
                                       "4",    "--iterations", "2",       "--runs",        "4",      "--steps",
                                       "20",   "--lambda",     "0.5",     "--granularity", "layer",  "--eta",
                                       "0.3",  "--eta-grid",   "0,0.5,1", "--anchor",      "sft",    "--beta",
                                       "0.05", "--mu",         "0.01",    "--lr",          "1e-05",  "--adam-beta1",
                                       "0.9",  "--adam-beta2", "0.999",   "--batch",       "8",      "--max-new-tokens",
                                       "24",   "--reward",     "gold",    "--eval-every",  "10",     "--eval-prompts",
                                       "16",   "--ckpt-every", "100",     "--parallel",    "0",      "--threads",
                                       "1",    "--device",     "cpu"}));

  warp::RunRecord sft;
  sft.name = "sft";
  sft.kind = "sft";
  sft.config_json = "{}";
  QVERIFY(refusal([&] { launchValuesOfRun(sft); }).contains(QStringLiteral("only train and warp runs")));
  train.config_json = "not json";
  QVERIFY(refusal([&] { launchValuesOfRun(train); }).contains(QStringLiteral("cannot be read")));
}

void TestLaunchDialogs::duplicateNames() {
  QCOMPARE(suggestDuplicateName("ema-1", {"ema-1"}), QStringLiteral("ema-2"));
  QCOMPARE(suggestDuplicateName("ema-1", {"ema-1", "ema-2", "ema-3"}), QStringLiteral("ema-4"));
  QCOMPARE(suggestDuplicateName("warp", {"warp"}), QStringLiteral("warp-2"));
  QCOMPARE(suggestDuplicateName("b0.1", {"b0.1"}), QStringLiteral("b0.1-2"));
  QCOMPARE(suggestDuplicateName("run-ema", {}), QStringLiteral("run-ema-2"));
  const QString longName(64, QLatin1Char('a'));
  const QString copy = suggestDuplicateName(longName, {longName});
  QCOMPARE(copy.size(), 64);
  QVERIFY(copy.endsWith(QStringLiteral("-2")));
  QVERIFY(runNameError(copy).isEmpty());
}

QTEST_MAIN(TestLaunchDialogs)
#include "test_launch_dialogs.moc"
