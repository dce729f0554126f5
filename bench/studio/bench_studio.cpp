// bench_studio: does the desktop app's GUI thread stay responsive while the Merge tab works?
//
// The real MainWindow on a demo-size experiment (demo preset model: 4 layers, 128 wide, vocab 4096;
// the demo evaluation protocol: 256 prompts, 24 new tokens, reward model + gold + KL to θ_sft),
// with the Merge tab open on WARP iteration 1 (M = 2), while two `warp train` processes write
// metrics into the same experiment database that the window follows. The two runs are started as
// the app starts runs, at the CPU priority of its Preferences (background, SCHED_IDLE, by default;
// --load-priority low or normal for the others, normal as for runs started from a terminal). Measured:
//   - the longest event-loop stall: the largest gap between ticks of a 1 ms timer on the GUI thread,
//     minus the 1 ms (goal < 50 ms), per phase, with the 99th percentile;
//   - slider-to-point latency: from moving the η slider to the point being current on the plane,
//     for uncached points (merge + evaluation on the worker thread; goal < 1.5 s on 2 cores) and
//     cached ones (read from the experiment's merge cache; goal < 50 ms, the 25 ms debounce included).
// For the uncached walks it also prints where a point's time went: the worker's phases (cache look-up,
// merge, loading the weights, the evaluation and its parts: sampling with the KV cache, θ_sft's
// forward for the exact KL, the KL, decoding, reward model, gold lexicon; the cache write, the
// conversion to Qt values) as median wall and CPU (user+sys, all threads) milliseconds per point,
// the rest of the latency (debounce, GUI-thread look-up, queued signals), and the CPU per point.
// Phases: (1) 20 η positions one at a time, each waited for (uncached); (2) the same 20 again
// (cached); (3) a continuous drag, 20 positions 16 ms apart on another λ (uncached, superseding),
// until the last point lands. Phase 1 is repeated without the two runs for comparison.
//
//   bench_studio [--exp DIR [--driver NAME]] [--positions N] [--no-load | --load-priority P] [--trace-slow MS]
// With --exp it works on a copy of DIR whose merge cache is emptied. Without --exp it builds the experiment in a
// temporary folder with the `warp` CLI (about a minute: init --preset demo, 30 SFT steps, a small reward model, one
// WARP iteration of 4 RL steps): the latency depends on the sizes, not on how well the policies are trained.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

#include <QAbstractEventDispatcher>
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QSlider>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include "../bench_paths.h"
#include "db/sqlite_handle.h"
#include "merge/merge_panel.h"
#include "merge/merge_session.h"
#include "util/compute_env.h"
#include "window/app_settings.h"
#include "window/main_window.h"
#include "window/run_launcher.h"

namespace {

// The `warp` CLI of the same build: <build>/app/warp, two folders up from <build>/bench/studio.
QString warpCli() {
  return QDir::cleanPath(QString::fromStdString(warp::bench::executable_dir()) + QStringLiteral("/../../app/warp"));
}

// Gaps between ticks of a 1 ms precise timer on the GUI thread: a long gap is a stall.
class StallMonitor : public QObject {
 public:
  StallMonitor() {
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(1);
    QObject::connect(&m_timer, &QTimer::timeout, this, [this] {
      const qint64 now = m_clock.nsecsElapsed();
      if (m_last >= 0) m_gaps.push_back(double(now - m_last) / 1e6);
      m_last = now;
    });
  }
  void start() {
    m_gaps.clear();
    m_last = -1;
    m_clock.start();
    m_timer.start();
  }
  void stop() { m_timer.stop(); }
  // The longest stall and the 99th percentile (ms beyond the 1 ms tick).
  std::pair<double, double> stalls() const {
    if (m_gaps.empty()) return {0, 0};
    std::vector<double> g = m_gaps;
    std::sort(g.begin(), g.end());
    const double p99 = g[std::min(g.size() - 1, size_t(0.99 * double(g.size())))];
    return {std::max(0.0, g.back() - 1), std::max(0.0, p99 - 1)};
  }
  size_t ticks() const { return m_gaps.size(); }

 private:
  QTimer m_timer;
  QElapsedTimer m_clock;
  qint64 m_last = -1;
  std::vector<double> m_gaps;
};

// The slow event deliveries on the GUI thread (--trace-slow MS): every top-level event whose handling
// (QApplication::notify, the slots of a queued signal or a timer included) took longer than the
// threshold, with the receiver's class, its parent's and the event type, so that a stall names the
// work that made it. Nested deliveries (sent from within a handler) count in their top-level one.
class TracingApplication : public QApplication {
 public:
  using QApplication::QApplication;
  void setThresholdMs(double ms) { m_thresholdMs = ms; }
  void setPhase(const char* phase) { m_phase = phase; }
  bool notify(QObject* receiver, QEvent* event) override {
    if (m_thresholdMs <= 0 || m_depth > 0 || QThread::currentThread() != thread())
      return QApplication::notify(receiver, event);
    ++m_depth;
    QElapsedTimer t;
    t.start();
    // What the receiver is, read before delivery (the handler may delete it).
    const char* cls = receiver->metaObject()->className();
    const QObject* parent = receiver->parent();
    const QByteArray parentCls = parent ? QByteArray(parent->metaObject()->className()) : QByteArray("-");
    const QString name = receiver->objectName();
    const int type = int(event->type());
    bool handled = false;
    try {
      handled = QApplication::notify(receiver, event);
    } catch (...) {
      --m_depth;
      throw;
    }
    --m_depth;
    const double ms = double(t.nsecsElapsed()) / 1e6;
    if (ms >= m_thresholdMs)
      std::printf("  slow event [%s] %6.1f ms: %s%s%s (parent %s) event type %d\n", m_phase, ms, cls,
                  name.isEmpty() ? "" : " ", qPrintable(name), parentCls.constData(), type);
    return handled;
  }

 private:
  double m_thresholdMs = 0;
  int m_depth = 0;
  const char* m_phase = "setup";
};

// Copies a folder tree (an experiment: config, database, checkpoints, data).
void copyTree(const QString& from, const QString& to) {
  QDir().mkpath(to);
  QDirIterator it(from, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDirIterator::Subdirectories);
  while (it.hasNext()) {
    const QString path = it.next();
    const QString target = to + path.mid(from.size());
    if (it.fileInfo().isDir()) QDir().mkpath(target);
    else QFile::copy(path, target);
  }
}

void die(const QString& message) {
  std::fprintf(stderr, "bench_studio: %s\n", qPrintable(message));
  std::exit(1);
}

// Runs the warp CLI to completion (setup), failing loudly.
void warp(const QStringList& args) {
  QElapsedTimer t;
  t.start();
  QProcess p;
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(warpCli(), args);
  if (!p.waitForFinished(30 * 60 * 1000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
    die(QStringLiteral("warp %1 failed:\n%2").arg(args.join(u' '), QString::fromLocal8Bit(p.readAll())));
  std::printf("  setup: warp %-8s %6.1f s\n", qPrintable(args.first()), double(t.elapsed()) / 1000);
  std::fflush(stdout);
}

void buildExperiment(const QString& dir) {
  std::printf("building a demo-size experiment in %s\n", qPrintable(dir));
  warp({QStringLiteral("init"), dir, QStringLiteral("--preset"), QStringLiteral("demo")});
  warp({QStringLiteral("sft"), QStringLiteral("--exp"), dir, QStringLiteral("--steps"), QStringLiteral("30"),
        QStringLiteral("--eval-every"), QStringLiteral("30"), QStringLiteral("--ckpt-every"), QStringLiteral("30")});
  warp({QStringLiteral("rm"), QStringLiteral("--exp"), dir, QStringLiteral("--pairs"), QStringLiteral("256"),
        QStringLiteral("--steps"), QStringLiteral("20"), QStringLiteral("--eval-every"), QStringLiteral("20"),
        QStringLiteral("--ckpt-every"), QStringLiteral("20")});
  warp({QStringLiteral("run"), QStringLiteral("--exp"), dir, QStringLiteral("--name"), QStringLiteral("w"),
        QStringLiteral("--iterations"), QStringLiteral("1"), QStringLiteral("--runs"), QStringLiteral("2"),
        QStringLiteral("--steps"), QStringLiteral("4"), QStringLiteral("--eval-every"), QStringLiteral("4"),
        QStringLiteral("--eta-grid"), QStringLiteral("0,1"), QStringLiteral("--reward"),
        QStringLiteral("rm:checkpoints/rm.h5")});
}

// Runs the event loop until `done` (checked every millisecond) or the timeout; false on timeout.
// The loop sleeps between checks, so waiting takes no CPU from the work being measured.
template <class F>
bool waitUntil(F done, int timeoutMs) {
  if (done()) return true;
  QEventLoop loop;
  QTimer check;
  check.setTimerType(Qt::PreciseTimer);
  QObject::connect(&check, &QTimer::timeout, &loop, [&] {
    if (done()) loop.quit();
  });
  QTimer::singleShot(timeoutMs, &loop, [&] { loop.exit(1); });
  check.start(1);
  return loop.exec() == 0;
}

void pause(int ms) {
  QEventLoop loop;
  QTimer::singleShot(ms, Qt::PreciseTimer, &loop, &QEventLoop::quit);
  loop.exec();
}

bool currentIs(const MergePanel& panel, double lambda, double eta) {
  const std::optional<MergedPoint> p = panel.currentPoint();
  return p && std::abs(p->recipe.lambda - lambda) < 1e-9 && std::abs(p->recipe.eta - eta) < 1e-9;
}

// Moves λ and η together (one request) and waits for that point.
void moveTo(MergePanel& panel, double lambda, double eta) {
  MergeRecipeSpec r = panel.recipe();
  r.lambda = lambda;
  r.eta = eta;
  panel.setRecipe(r);
  if (!waitUntil([&] { return currentIs(panel, lambda, eta); }, 120000))
    die(QStringLiteral("no point for λ %1 η %2 within 120 s").arg(lambda).arg(eta));
}

struct Summary {
  double median = 0, max = 0;
  int cached = 0;
};

Summary summarize(std::vector<double> ms, int cached) {
  std::sort(ms.begin(), ms.end());
  Summary s;
  if (!ms.empty()) {
    s.median = ms[ms.size() / 2];
    s.max = ms.back();
  }
  s.cached = cached;
  return s;
}

double medianOf(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// The process's CPU time (all threads: GUI, worker, LibTorch's), seconds.
double processCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// Where the uncached points' time went (MergedPoint::phases): per phase the median over the points
// of its wall and CPU milliseconds; "(rest)" is the latency minus the worker's top-level phases (the
// debounce, the cache look-up on the GUI thread, the queued signals, the panel's own work).
void printPhases(const std::vector<MergedPoint>& points, const std::vector<double>& latenciesMs,
                 const std::vector<double>& cpuMs) {
  if (points.empty()) return;
  static const QStringList topLevel = {QStringLiteral("lookup"), QStringLiteral("merge"), QStringLiteral("load"),
                                       QStringLiteral("eval"),   QStringLiteral("store"), QStringLiteral("convert")};
  QStringList names;
  for (const MergedPoint& p : points)
    for (const PointPhase& ph : p.phases)
      if (!names.contains(ph.name)) names << ph.name;
  std::printf(
      "  phases of the %zu uncached points (median wall / median CPU per point, ms; CPU = user+sys, all threads):\n",
      points.size());
  std::vector<double> rest;
  for (size_t i = 0; i < points.size(); ++i) {
    double top = 0;
    for (const PointPhase& ph : points[i].phases)
      if (topLevel.contains(ph.name)) top += ph.wallSeconds * 1000;
    rest.push_back(latenciesMs[i] - top);
  }
  for (const QString& name : names) {
    std::vector<double> wall, cpu;
    for (const MergedPoint& p : points)
      for (const PointPhase& ph : p.phases)
        if (ph.name == name) {
          wall.push_back(ph.wallSeconds * 1000);
          cpu.push_back(ph.cpuSeconds * 1000);
        }
    std::printf("    %-2s%-12s %8.1f / %8.1f\n", topLevel.contains(name) ? "" : "  ", qPrintable(name), medianOf(wall),
                medianOf(cpu));
  }
  std::printf("    %-14s %8.1f\n", "(rest)", medianOf(rest));
  std::printf("    %-14s %8.1f / %8.1f\n", "(point)", medianOf(latenciesMs), medianOf(cpuMs));
}

// Moves η through `positions` (slider steps) at λ, waiting for each point; returns the latencies.
Summary stepThrough(MergePanel& panel, double lambda, const std::vector<int>& positions, StallMonitor& stalls,
                    const char* phase) {
  std::vector<double> latencies, firstEstimates;
  std::vector<MergedPoint> uncachedPoints;
  std::vector<double> uncachedLatencies, uncachedCpu;
  int cached = 0;
  QElapsedTimer t;
  bool estimated = false;
  // The first estimate of an uncached point (after the first evaluation batch), as the panel gets it.
  const QMetaObject::Connection c =
      QObject::connect(panel.session(), &MergeSession::estimateReady, &panel, [&](const MergedPoint&) {
        if (!estimated) firstEstimates.push_back(double(t.nsecsElapsed()) / 1e6);
        estimated = true;
      });
  static_cast<TracingApplication*>(qApp)->setPhase(phase);
  stalls.start();
  for (int pos : positions) {
    const double eta = pos * 0.05;
    estimated = false;
    const double cpu0 = processCpuSeconds();
    t.start();
    panel.etaSlider()->setValue(pos);
    if (!waitUntil([&] { return currentIs(panel, lambda, eta); }, 120000))
      die(QStringLiteral("%1: no point for λ %2 η %3 within 120 s").arg(QString::fromUtf8(phase)).arg(lambda).arg(eta));
    latencies.push_back(double(t.nsecsElapsed()) / 1e6);
    cached += panel.currentPoint()->cached ? 1 : 0;
    if (!panel.currentPoint()->cached) {
      uncachedPoints.push_back(*panel.currentPoint());
      uncachedLatencies.push_back(latencies.back());
      uncachedCpu.push_back((processCpuSeconds() - cpu0) * 1000);
    }
  }
  stalls.stop();
  static_cast<TracingApplication*>(qApp)->setPhase("between phases");
  QObject::disconnect(c);
  const Summary s = summarize(latencies, cached);
  const auto [stall, p99] = stalls.stalls();
  std::printf("%-34s latency median %7.1f ms  max %7.1f ms  (%d/%zu cached)  stall max %6.1f ms  p99 %5.1f ms\n", phase,
              s.median, s.max, cached, positions.size(), stall, p99);
  if (!firstEstimates.empty()) {
    const Summary e = summarize(firstEstimates, 0);
    std::printf("%-34s first estimate median %7.1f ms  max %7.1f ms  (%zu points)\n", "", e.median, e.max,
                firstEstimates.size());
  }
  printPhases(uncachedPoints, uncachedLatencies, uncachedCpu);
  std::fflush(stdout);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  warp::ensure_compute_env(argv);  // as warp-studio does
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  TracingApplication app(argc, argv);
  QCoreApplication::setOrganizationName(QStringLiteral("warp-studio-bench"));
  QCoreApplication::setApplicationName(QStringLiteral("bench_studio"));
  QStandardPaths::setTestModeEnabled(true);  // settings of its own, not the user's

  QCommandLineParser cli;
  cli.setApplicationDescription(QStringLiteral("GUI-thread stalls and slider-to-point latency of the Merge tab"));
  cli.addHelpOption();
  QCommandLineOption expOpt(QStringLiteral("exp"),
                            QStringLiteral("Experiment with a finished WARP driver (see --driver)"),
                            QStringLiteral("DIR"));
  QCommandLineOption driverOpt(QStringLiteral("driver"),
                               QStringLiteral("The WARP driver of --exp whose iteration 1 is merged (default w)"),
                               QStringLiteral("NAME"), QStringLiteral("w"));
  QCommandLineOption positionsOpt(QStringLiteral("positions"), QStringLiteral("η positions per phase (default 20)"),
                                  QStringLiteral("N"), QStringLiteral("20"));
  QCommandLineOption noLoadOpt(QStringLiteral("no-load"), QStringLiteral("Without the two background warp train runs"));
  QCommandLineOption loadPriorityOpt(
      QStringLiteral("load-priority"),
      QStringLiteral("The CPU priority of the two warp train runs: background (the app's default), low or normal"),
      QStringLiteral("P"), QStringLiteral("background"));
  QCommandLineOption traceOpt(
      QStringLiteral("trace-slow"),
      QStringLiteral("Print every GUI-thread event delivery that took at least MS milliseconds (what it was for)"),
      QStringLiteral("MS"), QStringLiteral("0"));
  cli.addOptions({expOpt, driverOpt, positionsOpt, noLoadOpt, loadPriorityOpt, traceOpt});
  cli.process(app);
  app.setThresholdMs(cli.value(traceOpt).toDouble());
  const int n = std::clamp(cli.value(positionsOpt).toInt(), 2, 20);
  const QString loadPriority = cli.value(loadPriorityOpt);
  if (loadPriority != QLatin1String("background") && loadPriority != QLatin1String("low") &&
      loadPriority != QLatin1String("normal"))
    die(QStringLiteral("--load-priority: '%1' is not background, low or normal").arg(loadPriority));

  QTemporaryDir tmp;
  QString dir = cli.value(expOpt);
  if (dir.isEmpty()) {
    dir = tmp.path() + QStringLiteral("/demo");
    buildExperiment(dir);
  }
  dir = QDir(dir).absolutePath();
  if (cli.isSet(expOpt)) {
    // A copy whose merge cache is empty, so the uncached phases measure merges and evaluations.
    const QString copy = tmp.path() + QStringLiteral("/copy");
    copyTree(dir, copy);
    warp::Database db((copy + QStringLiteral("/experiment.db")).toStdString(), warp::OpenMode::ReadWrite, 10000);
    db.exec("DELETE FROM merge_points");
    dir = copy;
  }

  MainWindow window;
  window.setWarpExecutable(warpCli());
  window.resize(1400, 900);
  window.show();
  window.loadExperiment(dir);
  MergePanel* panel = window.mergePanel();
  if (auto* tabs = window.findChild<QTabWidget*>()) tabs->setCurrentWidget(panel);
  panel->setDebounceMs(25);

  MergeInputSpec inputs;
  inputs.source = MergeInputSpec::Source::Iteration;
  inputs.driver = cli.value(driverOpt);
  inputs.iteration = 1;
  panel->openInputs(inputs);
  if (!waitUntil([&] { return panel->isOpen(); }, 120000))
    die(QStringLiteral("the Merge tab did not open iteration %1/1").arg(inputs.driver));
  if (!waitUntil([&] { return panel->referencePoint().has_value(); }, 600000))
    die(QStringLiteral("no θ_sft reference point within 600 s"));
  panel->requestCurrentPoint();  // the recipe the controls show (λ 0.5, η 1), the walks' start
  if (!waitUntil([&] { return panel->currentPoint().has_value(); }, 600000))
    die(QStringLiteral("no first point within 600 s"));
  std::printf("merge tab open on %s: %d evaluation prompts, M = %d, %d tensors per policy\n",
              qPrintable(panel->workbenchInfo().description), int(panel->workbenchInfo().prompts.size()),
              panel->workbenchInfo().numModels, int(panel->workbenchInfo().omega.size()));

  // Two RL runs writing metrics (one thread each, at the app's run priority, as the app launches
  // them on a 2-core machine).
  std::vector<QProcess*> runs;
  if (!cli.isSet(noLoadOpt)) {
    for (int r = 1; r <= 2; ++r) {
      auto* p = new QProcess(&app);
      p->setStandardOutputFile(QProcess::nullDevice());
      p->setStandardErrorFile(QProcess::nullDevice());
      p->start(warpCli(),
               withRunPriority(
                   {QStringLiteral("train"), QStringLiteral("--exp"), dir, QStringLiteral("--name"),
                    QStringLiteral("load-%1-%2").arg(QCoreApplication::applicationPid()).arg(r),
                    QStringLiteral("--steps"), QStringLiteral("100000"), QStringLiteral("--eval-every"),
                    QStringLiteral("5"), QStringLiteral("--reward"), QStringLiteral("rm:checkpoints/rm.h5"),
                    QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("--seed"), QString::number(r)},
                   loadPriority));
      if (!p->waitForStarted()) die(QStringLiteral("cannot start warp train"));
      runs.push_back(p);
    }
    pause(5000);  // both past their setup, writing step rows
    for (QProcess* p : runs)
      if (p->state() != QProcess::Running)
        die(QStringLiteral("a background warp train ended early (exit %1)").arg(p->exitCode()));
    std::printf("two `warp train` runs writing metrics (1 thread each, eval every 5 steps, %s priority)\n",
                qPrintable(loadPriority));
  }

  StallMonitor stalls;
  std::vector<int> down;  // η from 0.95 down (η 1.00 is the point the tab opened on)
  for (int k = 0; k < n; ++k) down.push_back(19 - k);
  const double lambda = panel->recipe().lambda;
  const Summary uncached = stepThrough(*panel, lambda, down, stalls, "1 uncached, one at a time");
  const Summary cached = stepThrough(*panel, lambda, down, stalls, "2 cached, one at a time");

  // A continuous drag on λ + 0.1 (uncached): every move supersedes the previous request. Both
  // controls move at once to (λ + 0.1, η 1), one request after the debounce.
  const double lambda2 = std::min(1.0, lambda + 0.1);
  moveTo(*panel, lambda2, 1.0);
  app.setPhase("3 continuous drag, uncached");
  stalls.start();
  QElapsedTimer drag;
  drag.start();
  for (int pos : down) {
    panel->etaSlider()->setValue(pos);
    pause(16);
  }
  const double lastEta = down.back() * 0.05;
  if (!waitUntil([&] { return currentIs(*panel, lambda2, lastEta); }, 120000))
    die(QStringLiteral("drag: no last point"));
  stalls.stop();
  app.setPhase("between phases");
  const auto [dragStall, dragP99] = stalls.stalls();
  std::printf(
      "%-34s last point %7.1f ms after the drag began (%d positions, 16 ms apart)  stall max %6.1f ms  p99 %5.1f ms\n",
      "3 continuous drag, uncached", double(drag.nsecsElapsed()) / 1e6, n, dragStall, dragP99);

  for (QProcess* p : runs) {
    p->terminate();  // SIGTERM: the run stops cleanly (status "stopped", resumable)
    if (!p->waitForFinished(60000)) p->kill();
  }
  if (!runs.empty()) {
    // The same walk without the two runs, on λ − 0.1 (uncached), for comparison.
    const double lambda3 = std::max(0.0, lambda - 0.1);
    moveTo(*panel, lambda3, 1.0);
    stepThrough(*panel, lambda3, down, stalls, "4 uncached, no runs writing");
  }
  std::printf(
      "goals: stall < 50 ms; cached point < 50 ms (median %.1f, max %.1f); uncached < 1500 ms (median %.1f, max "
      "%.1f)\n",
      cached.median, cached.max, uncached.median, uncached.max);
  return 0;
}
