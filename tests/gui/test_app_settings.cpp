// Settings and the product comforts of the main window: AppSettings' round trip through a settings
// file, its defaults for missing or hand-broken values, the recent experiments (order, duplicates,
// limit, File > Open Recent opening one and dropping a vanished one), the window's geometry saved on
// close, threads per run passed to started runs, and the About box naming the linked versions.
#include <algorithm>
#include <cmath>

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <qcustomplot.h>

#include "gui_fixture.h"
#include "models/run_list_model.h"
#include "models/smoothing.h"
#include "panels/log_tail_panel.h"
#include "panels/metrics_panel.h"
#include "window/about_dialog.h"
#include "window/app_settings.h"
#include "window/main_window.h"
#include "window/preferences_dialog.h"
#include "window/run_launcher.h"
#include "workbench/versions.h"

class TestAppSettings : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void init();
  void defaultsWhenEmpty();
  void roundTrip();
  void badValuesReadAsDefaults();
  void everyKeyIsListed();
  void recentOrderAndLimit();
  void preferencesDialogWrites();
  void openRecentMenu();
  void geometrySavedOnClose();
  void threadsPerRunPassedToRuns();
  void aboutNamesVersions();
  void metricsFollowRunKinds();
  void runsStartedLaterJoinTheSelection();
  void smoothingHandComputed();
  void progressOfRunningRuns();
  void logTailFollowsAGrowingFile();
  void smoothedCurvesInThePanel();
  void axisChoicesRestoredOnStart();

 private:
  QTemporaryDir m_tmp;
  QString ini() const { return m_tmp.path() + QStringLiteral("/settings.ini"); }
};

void TestAppSettings::initTestCase() {
  QStandardPaths::setTestModeEnabled(true);  // the window's own QSettings go to a test location
  QCoreApplication::setOrganizationName(QStringLiteral("warp-studio-tests"));
  QCoreApplication::setApplicationName(QStringLiteral("test_app_settings"));
}

void TestAppSettings::init() {
  QFile::remove(ini());
  QSettings().clear();
}

void TestAppSettings::defaultsWhenEmpty() {
  QSettings s(ini(), QSettings::IniFormat);
  const AppSettings a(&s);
  QVERIFY(a.windowGeometry().isEmpty());
  QVERIFY(a.splitterState().isEmpty());
  QVERIFY(a.lastExperiment().isEmpty());
  QVERIFY(a.recentExperiments().isEmpty());
  QCOMPARE(a.language(), QString());
  QCOMPARE(a.threadsPerRun(), 0);
  QCOMPARE(a.runPriority(), QStringLiteral("background"));  // runs started from the app yield the cores to it
  QCOMPARE(a.plotSmoothing(), AppSettings::kDefaultSmoothing);
  QCOMPARE(a.plotXAxis(), QStringLiteral("step"));
  QCOMPARE(a.plotLogY(), false);
  QCOMPARE(a.appearance(), QStringLiteral("system"));
}

void TestAppSettings::roundTrip() {
  {
    QSettings s(ini(), QSettings::IniFormat);
    AppSettings a(&s);
    a.setWindowGeometry(QByteArray("geo\x01\x02", 5));
    a.setSplitterState(QByteArray("split"));
    a.noteOpened(m_tmp.path() + QStringLiteral("/b"));
    a.noteOpened(m_tmp.path() + QStringLiteral("/a"));
    a.setLanguage(QStringLiteral("ko"));
    a.setThreadsPerRun(3);
    a.setRunPriority(QStringLiteral("low"));
    a.setPlotSmoothing(0.85);
    a.setPlotXAxis(QStringLiteral("wall"));
    a.setPlotLogY(true);
    a.setAppearance(QStringLiteral("dark"));
    a.sync();
  }
  QSettings s(ini(), QSettings::IniFormat);  // a fresh reader of the same file
  const AppSettings a(&s);
  QCOMPARE(a.windowGeometry(), QByteArray("geo\x01\x02", 5));
  QCOMPARE(a.splitterState(), QByteArray("split"));
  QCOMPARE(a.lastExperiment(), m_tmp.path() + QStringLiteral("/a"));
  QCOMPARE(a.recentExperiments(),
           QStringList({m_tmp.path() + QStringLiteral("/a"), m_tmp.path() + QStringLiteral("/b")}));
  QCOMPARE(a.language(), QStringLiteral("ko"));
  QCOMPARE(a.threadsPerRun(), 3);
  QCOMPARE(a.runPriority(), QStringLiteral("low"));
  QCOMPARE(a.plotSmoothing(), 0.85);
  QCOMPARE(a.plotXAxis(), QStringLiteral("wall"));
  QCOMPARE(a.plotLogY(), true);
  QCOMPARE(a.appearance(), QStringLiteral("dark"));
}

void TestAppSettings::badValuesReadAsDefaults() {
  QFile f(ini());
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(
      "[General]\nlanguage=fr\nrecentExperiments=\nappearance=purple\n[runs]\nthreadsPerRun=-3\npriority=realtime\n"
      "[plot]\nsmoothing=7\nxAxis=epoch\nlogY=maybe\n");
  f.close();
  {
    QSettings s(ini(), QSettings::IniFormat);
    const AppSettings a(&s);
    QCOMPARE(a.language(), QString());  // not a language of translations/: the system's
    QCOMPARE(a.threadsPerRun(), 0);
    QCOMPARE(a.runPriority(), QStringLiteral("background"));  // not one of the three
    QCOMPARE(a.plotSmoothing(), AppSettings::kDefaultSmoothing);
    QCOMPARE(a.plotXAxis(), QStringLiteral("step"));
    QCOMPARE(a.plotLogY(), false);
    QCOMPARE(a.appearance(), QStringLiteral("system"));
    QVERIFY(a.recentExperiments().isEmpty());
  }
  QSettings s(ini(), QSettings::IniFormat);
  s.setValue(QStringLiteral("runs/threadsPerRun"), QStringLiteral("many"));
  s.setValue(QStringLiteral("plot/smoothing"), QStringLiteral("nan"));
  s.setValue(QStringLiteral("runs/priority"), 5);
  AppSettings a(&s);
  QCOMPARE(a.threadsPerRun(), 0);
  QCOMPARE(a.runPriority(), QStringLiteral("background"));
  QCOMPARE(a.plotSmoothing(), AppSettings::kDefaultSmoothing);
  // The setters refuse what the getters would refuse.
  a.setThreadsPerRun(-1);
  a.setRunPriority(QStringLiteral("high"));
  a.setPlotSmoothing(1.5);
  a.setLanguage(QStringLiteral("xx"));
  QCOMPARE(s.value(QStringLiteral("runs/threadsPerRun")).toInt(), 0);
  QCOMPARE(s.value(QStringLiteral("runs/priority")).toString(), QStringLiteral("background"));
  QCOMPARE(s.value(QStringLiteral("plot/smoothing")).toDouble(), AppSettings::kDefaultSmoothing);
  QCOMPARE(s.value(QStringLiteral("language")).toString(), QString());
}

void TestAppSettings::everyKeyIsListed() {
  QSettings s(ini(), QSettings::IniFormat);
  AppSettings a(&s);
  a.setWindowGeometry("g");
  a.setSplitterState("s");
  a.noteOpened(m_tmp.path());
  a.setLanguage(QStringLiteral("de"));
  a.setThreadsPerRun(2);
  a.setRunPriority(QStringLiteral("normal"));
  a.setPlotSmoothing(0.1);
  a.setPlotXAxis(QStringLiteral("wall"));
  a.setPlotLogY(true);
  a.setAppearance(QStringLiteral("light"));
  a.sync();
  QStringList listed;
  for (const SettingKeyInfo& k : AppSettings::keys()) listed << QString::fromLatin1(k.name);
  QCOMPARE(listed.size(), 11);
  for (const QString& key : s.allKeys())
    QVERIFY2(listed.contains(key), qPrintable(key + QStringLiteral(" is not in keys()")));
  QCOMPARE(s.allKeys().size(), listed.size());
}

void TestAppSettings::recentOrderAndLimit() {
  QSettings s(ini(), QSettings::IniFormat);
  AppSettings a(&s);
  const QString base = m_tmp.path() + QStringLiteral("/e");
  for (int i = 0; i < 14; ++i) a.noteOpened(base + QString::number(i));
  QStringList r = a.recentExperiments();
  QCOMPARE(r.size(), AppSettings::kMaxRecent);
  QCOMPARE(r.first(), base + QStringLiteral("13"));
  QCOMPARE(r.last(), base + QStringLiteral("4"));
  // Opening one again moves it to the front; the same folder spelt differently is the same entry.
  a.noteOpened(base + QStringLiteral("7/"));
  a.noteOpened(m_tmp.path() + QStringLiteral("/x/../e7"));
  r = a.recentExperiments();
  QCOMPARE(r.size(), AppSettings::kMaxRecent);
  QCOMPARE(r.first(), base + QStringLiteral("7"));
  QCOMPARE(r.count(base + QStringLiteral("7")), 1);
  QCOMPARE(a.lastExperiment(), base + QStringLiteral("7"));
  a.removeRecentExperiment(base + QStringLiteral("7"));
  QVERIFY(!a.recentExperiments().contains(base + QStringLiteral("7")));
  a.clearRecentExperiments();
  QVERIFY(a.recentExperiments().isEmpty());
}

void TestAppSettings::preferencesDialogWrites() {
  QSettings s(ini(), QSettings::IniFormat);
  AppSettings a(&s);
  PreferencesDialog d(a);
  QCOMPARE(d.languageBox()->currentData().toString(), QString());  // system default
  d.languageBox()->setCurrentIndex(d.languageBox()->findData(QStringLiteral("de")));
  d.threadsBox()->setValue(4);
  QCOMPARE(d.priorityBox()->currentData().toString(), QStringLiteral("background"));
  QCOMPARE(d.priorityBox()->count(), 3);
  d.priorityBox()->setCurrentIndex(d.priorityBox()->findData(QStringLiteral("low")));
  d.smoothingBox()->setValue(0.9);
  QCOMPARE(d.appearanceBox()->currentData().toString(), QStringLiteral("system"));
  d.appearanceBox()->setCurrentIndex(d.appearanceBox()->findData(QStringLiteral("dark")));
  d.apply();
  QCOMPARE(a.language(), QStringLiteral("de"));
  QCOMPARE(a.threadsPerRun(), 4);
  QCOMPARE(a.runPriority(), QStringLiteral("low"));
  QCOMPARE(a.plotSmoothing(), 0.9);
  QCOMPARE(a.appearance(), QStringLiteral("dark"));
  PreferencesDialog again(a);  // opens with what is stored
  QCOMPARE(again.appearanceBox()->currentData().toString(), QStringLiteral("dark"));
}

void TestAppSettings::openRecentMenu() {
  const QString exp = guitest::makeExperimentFolder(m_tmp, QStringLiteral("recent-exp"));
  const QString gone = m_tmp.path() + QStringLiteral("/gone-exp");
  {
    AppSettings a;  // the window's settings (test location)
    a.noteOpened(exp);
    a.noteOpened(gone);
  }
  MainWindow window;
  window.rebuildRecentMenu();
  QList<QAction*> entries;
  for (QAction* act : window.recentMenu()->actions())
    if (!act->data().toString().isEmpty()) entries << act;
  QCOMPARE(entries.size(), 2);
  QCOMPARE(entries[0]->data().toString(), gone);
  QCOMPARE(entries[1]->data().toString(), exp);
  QCOMPARE(entries[1]->text(), QStringLiteral("&2 recent-exp"));
  // A vanished folder: a warning (closed here) and it leaves the list.
  QTimer::singleShot(0, [] {
    for (QWidget* w : QApplication::topLevelWidgets())
      if (auto* box = qobject_cast<QMessageBox*>(w)) box->accept();
  });
  entries[0]->trigger();
  QCOMPARE(AppSettings().recentExperiments(), QStringList({exp}));
  QVERIFY(window.experimentDir().isEmpty());
  entries[1]->trigger();
  QCOMPARE(window.experimentDir(), exp);
  QCOMPARE(AppSettings().lastExperiment(), exp);
  // The File menu holds it, with the other comforts' menus.
  QStringList menus;
  for (QAction* m : window.menuBar()->actions()) menus << m->text();
  QCOMPARE(menus, QStringList({QStringLiteral("&File"), QStringLiteral("&Runs"), QStringLiteral("&Settings"),
                               QStringLiteral("&Help")}));
}

void TestAppSettings::geometrySavedOnClose() {
  {
    MainWindow window;
    window.resize(900, 600);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.close();
  }
  const AppSettings a;
  QVERIFY(!a.windowGeometry().isEmpty());
  QVERIFY(!a.splitterState().isEmpty());
  MainWindow again;
  QCOMPARE(again.size(), QSize(900, 600));
}

void TestAppSettings::threadsPerRunPassedToRuns() {
  const QString exp = guitest::makeExperimentFolder(m_tmp, QStringLiteral("threads-exp"));
  AppSettings().setThreadsPerRun(3);
  MainWindow window;
  window.loadExperiment(exp);
  window.setWarpExecutable(QStringLiteral("/bin/true"));  // a real process that starts and ends
  window.setStartCheckDelay(60000);
  window.startRun({QStringLiteral("train"), QStringLiteral("--name"), QStringLiteral("t1")}, QStringLiteral("t1"),
                  QStringLiteral("t1"));
  window.startRun({QStringLiteral("train"), QStringLiteral("--threads"), QStringLiteral("1")}, QStringLiteral("t2"),
                  QStringLiteral("t2"));
  QFile log1(exp + QStringLiteral("/logs/t1.log")), log2(exp + QStringLiteral("/logs/t2.log"));
  QVERIFY(log1.open(QIODevice::ReadOnly));
  QVERIFY(log2.open(QIODevice::ReadOnly));
  // The priority of Preferences (background unless changed) goes before the subcommand, a global
  // option of warp (test_run_control checks that the processes run at it).
  QVERIFY2(log1.readAll().contains("warp --sched-idle train --name t1 --threads 3"), "threads per run not passed");
  const QByteArray two = log2.readAll();
  QVERIFY(two.contains("warp --sched-idle train --threads 1"));
  QVERIFY(!two.contains("--threads 3"));  // the caller's choice wins
  AppSettings().setRunPriority(QStringLiteral("low"));
  window.startRun({QStringLiteral("train")}, QStringLiteral("t3"), QStringLiteral("t3"));
  AppSettings().setRunPriority(QStringLiteral("normal"));  // no option
  window.startRun({QStringLiteral("train")}, QStringLiteral("t4"), QStringLiteral("t4"));
  QFile log3(exp + QStringLiteral("/logs/t3.log")), log4(exp + QStringLiteral("/logs/t4.log"));
  QVERIFY(log3.open(QIODevice::ReadOnly));
  QVERIFY(log4.open(QIODevice::ReadOnly));
  const QByteArray three = log3.readAll(), four = log4.readAll();
  QVERIFY2(three.contains("warp --nice 10 train --threads 3"), three.constData());
  QVERIFY2(four.contains("warp train --threads 3") && !four.contains("--nice") && !four.contains("--sched-idle"),
           four.constData());
  // A caller's own priority stays.
  QCOMPARE(withRunPriority({QStringLiteral("--nice"), QStringLiteral("3"), QStringLiteral("train")},
                           QStringLiteral("background")),
           QStringList({QStringLiteral("--nice"), QStringLiteral("3"), QStringLiteral("train")}));
  AppSettings().setThreadsPerRun(0);
  AppSettings().setRunPriority(QStringLiteral("background"));
}

void TestAppSettings::aboutNamesVersions() {
  const warp::EngineInfo e = warp::engine_info();
  QVERIFY(!e.torch.empty());
  QVERIFY(!e.hdf5.empty());
  QVERIFY(!e.sqlite.empty());
  QVERIFY(e.device.rfind("cpu", 0) == 0 || e.device.rfind("cuda", 0) == 0);
  AboutDialog about;
  const QString text = about.text();
  for (const std::string& v : {e.torch, e.hdf5, e.sqlite, e.device})
    QVERIFY2(text.contains(QString::fromStdString(v).toHtmlEscaped()), v.c_str());
  QVERIFY(text.contains(QString::fromLatin1(qVersion())));
  QVERIFY(text.contains(QStringLiteral("LibTorch")));
  // The icons are compiled in (resources/warp-studio.qrc): the app icon, its PNG sizes, the actions'.
  for (const char* path : {":/icons/warp-studio.svg", ":/icons/warp-studio-128.png", ":/icons/actions/open.svg",
                           ":/icons/actions/stop.svg"})
    QVERIFY2(QFile::exists(QString::fromLatin1(path)), path);
  const QList<QLabel*> labels = about.findChildren<QLabel*>();
  QVERIFY(std::any_of(labels.begin(), labels.end(), [](QLabel* l) { return !l->pixmap().isNull(); }));
  MainWindow window;
  QVERIFY(!window.windowIcon().isNull());
}

void TestAppSettings::metricsFollowRunKinds() {
  using Set = MetricsPanel::PlotSet;
  QCOMPARE(MetricsPanel::plotSetFor({}), Set::Rl);
  QCOMPARE(MetricsPanel::plotSetFor({RunRef{1, QStringLiteral("sft"), QStringLiteral("sft")}}), Set::Sft);
  QCOMPARE(MetricsPanel::plotSetFor({RunRef{2, QStringLiteral("rm"), QStringLiteral("rm")}}), Set::RewardModel);
  // An RL run among them: the RL curves (the SFT run has none of them, the RL run is what moves).
  QCOMPARE(MetricsPanel::plotSetFor({RunRef{1, QStringLiteral("sft"), QStringLiteral("sft")},
                                     RunRef{3, QStringLiteral("warp"), QStringLiteral("warp")}}),
           Set::Rl);

  MetricsPanel panel;
  panel.setRuns({RunRef{1, QStringLiteral("sft"), QStringLiteral("sft")}});
  QCOMPARE(panel.plotSet(), Set::Sft);
  QStringList keys, titles;
  for (int i = 0; i < 5; ++i) keys << panel.plotKey(i), titles << panel.plotTitle(i);
  QCOMPARE(keys, QStringList({QStringLiteral("train/loss"), QStringLiteral("eval/loss"), QStringLiteral("eval/ppl"),
                              QStringLiteral("train/tokens_per_s"), QStringLiteral("train/lr")}));
  QCOMPARE(titles.at(2), QStringLiteral("Held-out perplexity"));
  panel.setRuns({RunRef{2, QStringLiteral("rm"), QStringLiteral("rm")}});
  QCOMPARE(panel.plotKey(0), QStringLiteral("rm/loss"));
  QCOMPARE(panel.plotKey(3), QStringLiteral("eval/pair_accuracy"));
  QCOMPARE(panel.plotTitle(3), QStringLiteral("Held-out pair accuracy"));
  panel.setRuns({RunRef{4, QStringLiteral("ema-1"), QStringLiteral("train")}});
  QCOMPARE(panel.plotKey(0), QStringLiteral("train/reward"));
  QCOMPARE(panel.plotTitle(0), QStringLiteral("Reward (reward model)"));
}

void TestAppSettings::runsStartedLaterJoinTheSelection() {
  const QString exp = guitest::makeExperimentFolder(m_tmp, QStringLiteral("follow-exp"));
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(exp));
  const int64_t sft = guitest::createLiveRun(db, "sft", "sft");
  guitest::appendSeries(db, sft, "train/loss", {{1, 5.0}, {2, 4.0}});
  MainWindow window;
  window.loadExperiment(exp);
  QCOMPARE(window.metricsPanel()->runs().size(), 1);
  QCOMPARE(window.metricsPanel()->plotSet(), MetricsPanel::PlotSet::Sft);
  // The SFT run ends and a WARP driver starts: it joins the plots without a click.
  db.set_run_status(sft, warp::RunStatus::Finished);
  const int64_t warpRun = guitest::createLiveRun(db, "warp", "warp");
  window.refreshNow();
  QTRY_COMPARE(window.metricsPanel()->runs().size(), 2);
  QCOMPARE(window.metricsPanel()->runs().last().id, warpRun);
  QCOMPARE(window.metricsPanel()->plotSet(), MetricsPanel::PlotSet::Rl);
  // Once the user picks runs by hand, later runs no longer join.
  window.runView()->selectRow(0);
  QCOMPARE(window.metricsPanel()->runs().size(), 1);
  guitest::createLiveRun(db, "ema-9", "train");
  window.refreshNow();
  QTest::qWait(50);
  QCOMPARE(window.runListModel()->rowCount(), 3);
  QCOMPARE(window.metricsPanel()->runs().size(), 1);
}

void TestAppSettings::smoothingHandComputed() {
  // w = 0.5 over 1, 2, 3: a = 0.5, 1.25, 2.125; debiased by 1 − 0.5^k = 0.5, 0.75, 0.875.
  const QVector<double> s = debiasedEma({1.0, 2.0, 3.0}, 0.5);
  QCOMPARE(s.size(), 3);
  QCOMPARE(s[0], 1.0);  // the first point is itself, not pulled toward 0
  QVERIFY(qAbs(s[1] - 1.25 / 0.75) < 1e-12);
  QVERIFY(qAbs(s[2] - 2.125 / 0.875) < 1e-12);
  // w = 0.9 over a constant: the constant (without debiasing it would start at 0.1·c).
  for (double v : debiasedEma({4.0, 4.0, 4.0, 4.0}, 0.9)) QVERIFY(qAbs(v - 4.0) < 1e-12);
  // A NaN point stays NaN and does not disturb the average; w = 0 is the raw curve.
  const QVector<double> n = debiasedEma({2.0, std::nan(""), 4.0}, 0.5);
  QCOMPARE(n[0], 2.0);
  QVERIFY(std::isnan(n[1]));
  QVERIFY(qAbs(n[2] - (0.25 * 2.0 + 0.5 * 4.0) / 0.75) < 1e-12);
  QCOMPARE(debiasedEma({1.0, 5.0}, 0.0), (QVector<double>{1.0, 5.0}));
}

void TestAppSettings::axisChoicesRestoredOnStart() {
  // The Metrics tab's x axis and Log y: the user's choice is stored, and a new window (the next
  // start) shows it again.
  {
    MainWindow window;
    MetricsPanel* panel = window.metricsPanel();
    QCOMPARE(panel->xAxis(), MetricsPanel::XAxis::Step);
    QCOMPARE(panel->logY(), false);
    panel->xAxisPicker()->setCurrentIndex(1);
    panel->logYCheck()->setChecked(true);
    QCOMPARE(panel->xAxis(), MetricsPanel::XAxis::WallTime);
  }
  QCOMPARE(AppSettings().plotXAxis(), QStringLiteral("wall"));
  QCOMPARE(AppSettings().plotLogY(), true);
  {
    MainWindow window;
    MetricsPanel* panel = window.metricsPanel();
    QCOMPARE(panel->xAxis(), MetricsPanel::XAxis::WallTime);
    QCOMPARE(panel->logY(), true);
    QCOMPARE(panel->xAxisPicker()->currentIndex(), 1);
    QVERIFY(panel->logYCheck()->isChecked());
    // Back to step and linear: stored too.
    panel->xAxisPicker()->setCurrentIndex(0);
    panel->logYCheck()->setChecked(false);
  }
  QCOMPARE(AppSettings().plotXAxis(), QStringLiteral("step"));
  QCOMPARE(AppSettings().plotLogY(), false);
  MainWindow window;
  QCOMPARE(window.metricsPanel()->xAxis(), MetricsPanel::XAxis::Step);
  QCOMPARE(window.metricsPanel()->logY(), false);
}

void TestAppSettings::smoothedCurvesInThePanel() {
  const QString exp = guitest::makeExperimentFolder(m_tmp, QStringLiteral("smooth-exp"));
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(exp));
  const int64_t run = guitest::createLiveRun(db, "ema-1");
  guitest::appendSeries(db, run, "train/reward", {{1, 1.0}, {2, 2.0}, {3, 3.0}});
  AppSettings().setPlotSmoothing(0.5);
  MainWindow window;
  window.loadExperiment(exp);
  MetricsPanel* panel = window.metricsPanel();
  QCOMPARE(panel->smoothing(), 0.5);
  QCustomPlot* plot = panel->plot(0);
  QCOMPARE(plot->graphCount(), 2);  // raw (faint) + smoothed
  QTRY_COMPARE(plot->graph(1)->data()->size(), 3);
  QCOMPARE(plot->graph(0)->data()->at(2)->value, 3.0);
  QVERIFY(qAbs(plot->graph(1)->data()->at(2)->value - 2.125 / 0.875) < 1e-12);
  QVERIFY(plot->graph(0)->pen().color().alphaF() < 0.5);
  QCOMPARE(panel->smoothingSlider()->value(), 50);
  // The slider: the curves follow and the setting is saved.
  panel->smoothingSlider()->setValue(90);
  QCOMPARE(panel->smoothing(), 0.9);
  QCOMPARE(AppSettings().plotSmoothing(), 0.9);
  QTRY_COMPARE(plot->graph(1)->data()->size(), 3);
  QVERIFY(qAbs(plot->graph(1)->data()->at(0)->value - 1.0) < 1e-12);  // debiased: the first point itself
  QVERIFY(qAbs(plot->graph(1)->data()->at(1)->value - (0.09 * 1.0 + 0.1 * 2.0) / (1 - 0.81)) < 1e-12);
  panel->smoothingSlider()->setValue(0);
  QCOMPARE(plot->graphCount(), 1);
  QCOMPARE(AppSettings().plotSmoothing(), 0.0);
  AppSettings().setPlotSmoothing(AppSettings::kDefaultSmoothing);
}

void TestAppSettings::progressOfRunningRuns() {
  warp::RunRecord r;
  r.kind = "train";
  r.config_json = R"({"rl": {"steps": 30, "batch": 4}})";
  r.status = warp::RunStatus::Running;
  r.started_at = 1000.0;
  QCOMPARE(RunListModel::totalSteps(r), qint64(30));
  // 15 of 30 steps in 30 s: 30 s left.
  QCOMPARE(RunListModel::progressText(r, 15, 1030.0), QStringLiteral("15/30 50% ETA 0:00:30"));
  QCOMPARE(RunListModel::progressText(r, 0, 1030.0), QStringLiteral("0/30 0%"));  // no rate yet
  QCOMPARE(RunListModel::progressText(r, std::nullopt, 1030.0), QString());
  r.status = warp::RunStatus::Finished;
  QCOMPARE(RunListModel::progressText(r, 30, 5000.0), QStringLiteral("30/30 100%"));
  r.kind = "sft";
  r.config_json = R"({"sft": {"steps": 2000}})";
  QCOMPARE(RunListModel::totalSteps(r), qint64(2000));
  r.kind = "rm";
  r.config_json = R"({"rm": {"steps": 20}})";
  QCOMPARE(RunListModel::totalSteps(r), qint64(20));
  for (const char* bad : {"{}", "not json", R"({"rm": {"steps": "many"}})", R"({"rm": {"steps": -3}})"}) {
    r.config_json = bad;
    QCOMPARE(RunListModel::totalSteps(r), qint64(0));
    QCOMPARE(RunListModel::progressText(r, 5, 5000.0), QString());
  }
  r.kind = "warp";  // a driver: its runs have the steps
  r.config_json = R"({"rl": {"steps": 30}})";
  QCOMPARE(RunListModel::totalSteps(r), qint64(0));

  // In the window's run list, from the database and the metrics.
  const QString exp = guitest::makeExperimentFolder(m_tmp, QStringLiteral("progress-exp"));
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(exp));
  warp::RunSpec spec("ema-1", "train", R"({"rl": {"steps": 40}})");
  spec.status = warp::RunStatus::Running;
  const int64_t id = db.create_run(spec);
  guitest::appendSeries(db, id, "train/reward", {{1, 0.1}, {10, 0.2}});
  MainWindow window;
  window.loadExperiment(exp);
  const QString text = window.runListModel()->data(window.runListModel()->index(0, RunListModel::Progress)).toString();
  QVERIFY2(text.startsWith(QStringLiteral("10/40 25% ETA ")), qPrintable(text));
  QCOMPARE(window.runListModel()->headerData(RunListModel::Progress, Qt::Horizontal).toString(),
           QStringLiteral("Progress"));
}

void TestAppSettings::logTailFollowsAGrowingFile() {
  const QString path = m_tmp.path() + QStringLiteral("/tail.log");
  LogTailPanel panel;
  panel.setInterval(3600 * 1000);  // polled by hand here
  panel.setFile(path);
  QVERIFY(panel.status().contains(QStringLiteral("does not exist")));
  QVERIFY(panel.text().isEmpty());
  auto append = [&](const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::Append));
    f.write(bytes);
  };
  append("=== warp-studio started: warp train\nstep 1\n");
  panel.pollNow();  // appeared
  QCOMPARE(panel.text(), QStringLiteral("=== warp-studio started: warp train\nstep 1"));
  QCOMPARE(panel.status(), QDir::toNativeSeparators(path));
  append("step 2\nstep 3 (half a li");
  panel.pollNow();  // whole lines only
  QCOMPARE(panel.text(), QStringLiteral("=== warp-studio started: warp train\nstep 1\nstep 2"));
  append("ne)\n");
  panel.pollNow();
  QVERIFY(panel.text().endsWith(QStringLiteral("step 2\nstep 3 (half a line)")));
  // Rewritten shorter: read again from the start.
  {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write("fresh\n");
  }
  panel.pollNow();
  QCOMPARE(panel.text(), QStringLiteral("fresh"));
  // A big file: only its end is read, from a whole line.
  {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    for (int i = 0; i < 40000; ++i) f.write(QStringLiteral("line %1\n").arg(i).toUtf8());
  }
  panel.setFile(path);
  QVERIFY(panel.text().endsWith(QStringLiteral("line 39999")));
  QVERIFY(panel.text().startsWith(QStringLiteral("line ")));
  QVERIFY(!panel.text().contains(QStringLiteral("line 100\n")));
  // Live with the timer.
  panel.setInterval(20);
  panel.setFile(path);
  append("line 40000\n");
  QTRY_VERIFY(panel.text().endsWith(QStringLiteral("line 40000")));

  // The window's Log tab follows the selected run's logs/<name>.log.
  const QString exp = guitest::makeExperimentFolder(m_tmp, QStringLiteral("log-exp"));
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(exp));
  guitest::createLiveRun(db, "ema-1");
  QDir().mkpath(exp + QStringLiteral("/logs"));
  QFile log(exp + QStringLiteral("/logs/ema-1.log"));
  QVERIFY(log.open(QIODevice::WriteOnly));
  log.write("hello from ema-1\n");
  log.close();
  MainWindow window;
  window.loadExperiment(exp);
  QCOMPARE(window.logPanel()->file(), exp + QStringLiteral("/logs/ema-1.log"));
  QCOMPARE(window.logPanel()->text(), QStringLiteral("hello from ema-1"));
}

QTEST_MAIN(TestAppSettings)
#include "test_app_settings.moc"
