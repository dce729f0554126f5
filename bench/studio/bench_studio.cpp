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
// --trace-slow MS prints, for each phase, every GUI-thread event that took MS or more and every stall of MS or more,
// each with the GUI thread's CPU time and context switches in it, and a sample of the GUI thread's stack and system
// call taken MS into each stall (StallSampler), and every wake-up of a separate sleeping process MS or more late
// (sleepProbe: the machine paused, not the app), all stamped with the wall clock.
#include <cxxabi.h>
#include <execinfo.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
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
#include <QTime>
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

// The steady clock in nanoseconds (the stall monitor's ticks and the sampler's checks).
qint64 steadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The milliseconds the calling thread has waited runnable for a CPU so far
// (/proc/self/task/TID/schedstat, kept open per thread); 0 where the kernel does not say.
double runQueueWaitMs() {
  static thread_local const int schedstat =
      ::open(QStringLiteral("/proc/self/task/%1/schedstat").arg(pid_t(syscall(SYS_gettid))).toLocal8Bit().constData(),
             O_RDONLY | O_CLOEXEC);
  char text[96] = {};
  unsigned long long ranNs = 0, waitedNs = 0;
  if (schedstat >= 0 && ::pread(schedstat, text, sizeof text - 1, 0) > 0)
    std::sscanf(text, "%llu %llu", &ranNs, &waitedNs);
  return double(waitedNs) / 1e6;
}

// The calling thread's CPU milliseconds so far, the milliseconds it waited runnable for a CPU
// (/proc/self/task/TID/schedstat), its involuntary and voluntary context switches and its page
// faults that read the disk (getrusage): over a stall, the time it neither ran nor waited for a
// CPU it slept (on a lock, the disk, or in the event loop's poll).
struct ThreadUsage {
  double cpuMs = 0, runQueueMs = 0;
  long involuntary = 0, voluntary = 0, majorFaults = 0;
  static ThreadUsage now() {
    rusage r{};
    getrusage(RUSAGE_THREAD, &r);
    return {(r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e3 + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e3,
            runQueueWaitMs(), r.ru_nivcsw, r.ru_nvcsw, r.ru_majflt};
  }
  // "GUI thread CPU 4.1 ms, waiting for a CPU 0.3 ms, switches 3 involuntary / 1 voluntary, 0 major
  // faults" from `before` to this.
  std::string since(const ThreadUsage& before) const {
    char text[200];
    std::snprintf(text, sizeof text,
                  "GUI thread CPU %.1f ms, waiting for a CPU %.1f ms, switches %ld involuntary / %ld voluntary, %ld "
                  "major faults",
                  cpuMs - before.cpuMs, runQueueMs - before.runQueueMs, involuntary - before.involuntary,
                  voluntary - before.voluntary, majorFaults - before.majorFaults);
    return text;
  }
};

// Under --trace-slow: a thread that looks at the GUI thread whenever it has not ticked for the
// threshold, once per stall, and prints what it was doing then: the system call it sat in
// (/proc/self/task/TID/syscall: "running" when none) and its own stack, which a signal makes it
// record (backtrace() in the handler; frames without a dynamic symbol print as module+offset, for
// addr2line). A stall on a lock, a sleep or the disk names its caller; one spent computing names
// the work. When the GUI thread waits for a lock, every other thread's stack follows (the holder
// is among them). The signal cuts a sleep or a wait short, so a sampled stall can end sooner than it would have.
class StallSampler {
 public:
  // On the GUI thread.
  explicit StallSampler(double thresholdMs)
      : m_thresholdNs(qint64(thresholdMs * 1e6)), m_guiTid(pid_t(syscall(SYS_gettid))) {
    void* warm[4];
    backtrace(warm, 4);  // loads the unwinder now, not in the signal handler
    struct sigaction sa {};
    sa.sa_handler = &StallSampler::record;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(signalNumber(), &sa, nullptr);
    m_thread = std::thread([this] { run(); });
  }
  ~StallSampler() {
    m_stop = true;
    m_thread.join();
  }
  StallSampler(const StallSampler&) = delete;
  StallSampler& operator=(const StallSampler&) = delete;
  // Each tick of the GUI thread (StallMonitor), and when it stops (-1: nothing to watch).
  void tick(qint64 nowNs) { m_lastTick = nowNs; }

 private:
  static int signalNumber() { return SIGRTMIN + 3; }  // used by nothing else in the app
  static inline void* s_frames[96];
  static inline std::atomic<int> s_count{-1};
  static void record(int) { s_count = backtrace(s_frames, 96); }

  static std::string frameText(const char* raw) {
    // "/path/libX.so(mangled+0x1f) [0x...]" -> "libX.so: demangled+0x1f"
    std::string line(raw);
    const size_t open = line.find('('), plus = line.find('+', open), close = line.find(')', open);
    std::string module = line.substr(0, open);
    module = module.substr(module.rfind('/') + 1);
    if (open == std::string::npos || close == std::string::npos) return line;
    std::string name = line.substr(open + 1, (plus < close ? plus : close) - open - 1);
    const std::string offset = plus < close ? line.substr(plus, close - plus) : std::string();
    if (!name.empty()) {
      int status = 0;
      char* demangled = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
      if (status == 0 && demangled) name = demangled;
      std::free(demangled);
      if (name.size() > 110) name = name.substr(0, 110) + "…";
    }
    return module + ": " + name + offset;
  }
  // The stack of thread `tid` of this process (a signal makes it record it): the innermost `inner`
  // frames and, when there are more, the outermost `outer`.
  std::string stackOf(pid_t tid, int inner, int outer) const {
    s_count = -1;
    if (syscall(SYS_tgkill, getpid(), tid, signalNumber()) != 0) return "\n      (gone)";
    for (int i = 0; i < 100 && s_count < 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const int n = s_count;
    if (n <= 2) return "\n      (no stack)";
    std::string text;
    char** symbols = backtrace_symbols(s_frames, n);
    // Frame 0 is the handler, 1 the signal trampoline.
    for (int i = 2; i < n; ++i) {
      if (i == 2 + inner && n > 2 + inner + outer) {
        text += "\n      …";
        i = n - outer;
      }
      text += "\n      " + frameText(symbols[i]);
    }
    std::free(symbols);
    return text;
  }
  std::string blockedIn(pid_t tid) const {
    QFile f(QStringLiteral("/proc/self/task/%1/syscall").arg(tid));
    if (!f.open(QIODevice::ReadOnly)) return "?";
    const QByteArray first = f.readLine().trimmed().split(' ').value(0);
    static const std::map<QByteArray, const char*> names = {{"0", "read"},         {"1", "write"},
                                                            {"3", "close"},        {"7", "poll"},
                                                            {"9", "mmap"},         {"11", "munmap"},
                                                            {"17", "pread64"},     {"18", "pwrite64"},
                                                            {"28", "madvise"},     {"35", "nanosleep"},
                                                            {"74", "fsync"},       {"75", "fdatasync"},
                                                            {"202", "futex"},      {"230", "clock_nanosleep"},
                                                            {"232", "epoll_wait"}, {"257", "openat"},
                                                            {"262", "newfstatat"}, {"271", "ppoll"}};
    const auto it = names.find(first);
    return it != names.end() ? std::string(it->second) : first.toStdString();
  }
  void run() {
    const pid_t self = pid_t(syscall(SYS_gettid));
    qint64 sampled = -1;
    while (!m_stop) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      const qint64 last = m_lastTick;
      if (last < 0 || last == sampled || steadyNs() - last < m_thresholdNs) continue;
      sampled = last;
      const double ms = double(steadyNs() - last) / 1e6;
      const std::string gui = stackOf(m_guiTid, 14, 12);
      std::string text = "  sample after " + std::to_string(int(ms)) + " ms without a tick: GUI thread in " +
                         blockedIn(m_guiTid) + gui;
      // Waiting for a lock: who else is doing what (the holder is among them).
      if (gui.find("lock_wait") != std::string::npos || gui.find("futex") != std::string::npos) {
        for (const QString& entry :
             QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
          const pid_t tid = pid_t(entry.toInt());
          if (tid == m_guiTid || tid == self) continue;
          QFile comm(QStringLiteral("/proc/self/task/%1/comm").arg(tid));
          const QByteArray name = comm.open(QIODevice::ReadOnly) ? comm.readAll().trimmed() : QByteArray("?");
          text += "\n    thread " + std::to_string(tid) + " " + name.toStdString() + " in " + blockedIn(tid) +
                  stackOf(tid, 8, 4);
        }
      }
      std::printf("%s\n", text.c_str());
      std::fflush(stdout);
    }
  }

  const qint64 m_thresholdNs;
  const pid_t m_guiTid;
  std::atomic<qint64> m_lastTick{-1};
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

// "HH:mm:ss.zzz" of the wall clock now: stall and probe lines of the same moment match.
std::string wallClock() { return QTime::currentTime().toString(QStringLiteral("HH:mm:ss.zzz")).toStdString(); }

// `bench_studio --sleep-probe MS` (started by --trace-slow): a separate process that does nothing but
// sleep 1 ms at a time and prints every wake-up at least MS late. It shares no lock, memory or event
// loop with the app, so when it is late at the same moment as a stall, the whole machine paused (a
// virtual machine's CPUs not run by their host), not the app. Ends with its parent.
int sleepProbe(double thresholdMs) {
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() == 1) return 0;
  using Clock = std::chrono::steady_clock;
  for (;;) {
    const auto t0 = Clock::now();
    const double w0 = runQueueWaitMs();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const double late = std::chrono::duration<double, std::milli>(Clock::now() - t0).count() - 1.0;
    if (late >= thresholdMs) {
      std::printf("  probe: a separate process slept 1 ms and woke %.1f ms late (ended %s; %.1f ms of it runnable)\n",
                  late, wallClock().c_str(), runQueueWaitMs() - w0);
      std::fflush(stdout);
    }
  }
}

// Gaps between ticks of a 1 ms precise timer on the GUI thread: a long gap is a stall.
class StallMonitor : public QObject {
 public:
  StallMonitor() {
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(1);
    QObject::connect(&m_timer, &QTimer::timeout, this, [this] {
      const qint64 now = m_clock.nsecsElapsed();
      const ThreadUsage usage = m_traceMs > 0 ? ThreadUsage::now() : ThreadUsage{};
      if (m_last >= 0) {
        const double gap = double(now - m_last) / 1e6;
        m_gaps.push_back(gap);
        // Under --trace-slow: every long gap, and whether the thread worked through it or waited (a
        // gap with no slow event in it is time between events: waiting for a core, or many short ones).
        if (m_traceMs > 0 && gap - 1 >= m_traceMs)
          std::printf("  stall %6.1f ms (ended %s): %s\n", gap - 1, wallClock().c_str(),
                      usage.since(m_lastUsage).c_str());
      }
      m_last = now;
      m_lastUsage = usage;
      if (m_sampler) m_sampler->tick(steadyNs());
    });
  }
  void setTraceMs(double ms) {
    m_traceMs = ms;
    m_sampler = ms > 0 ? std::make_unique<StallSampler>(ms) : nullptr;
  }
  void start() {
    m_gaps.clear();
    m_last = -1;
    m_clock.start();
    m_timer.start();
  }
  void stop() {
    m_timer.stop();
    if (m_sampler) m_sampler->tick(-1);
  }
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
  double m_traceMs = 0;
  ThreadUsage m_lastUsage;
  std::unique_ptr<StallSampler> m_sampler;
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
    const ThreadUsage before = ThreadUsage::now();
    bool handled = false;
    try {
      handled = QApplication::notify(receiver, event);
    } catch (...) {
      --m_depth;
      throw;
    }
    --m_depth;
    const double ms = double(t.nsecsElapsed()) / 1e6;
    // Whether the GUI thread worked all that time or waited: its own CPU time in the event, the
    // times the kernel took the core from it (involuntary switches) or it slept (voluntary: a lock,
    // I/O), and the page faults that went to the disk.
    if (ms >= m_thresholdMs)
      std::printf("  slow event [%s] %6.1f ms: %s%s%s (parent %s) event type %d; %s\n", m_phase, ms, cls,
                  name.isEmpty() ? "" : " ", qPrintable(name), parentCls.constData(), type,
                  ThreadUsage::now().since(before).c_str());
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
  if (argc == 3 && std::strcmp(argv[1], "--sleep-probe") == 0) return sleepProbe(std::atof(argv[2]));
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
      QStringLiteral("Print every GUI-thread event delivery that took at least MS milliseconds (what it was for) and "
                     "every stall that long, each with the GUI thread's CPU time, context switches and major faults"),
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
  stalls.setTraceMs(cli.value(traceOpt).toDouble());
  QProcess probe;
  if (cli.value(traceOpt).toDouble() > 0) {
    probe.setProcessChannelMode(QProcess::ForwardedChannels);
    probe.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--sleep-probe"), cli.value(traceOpt)});
    if (!probe.waitForStarted()) die(QStringLiteral("cannot start the sleep probe"));
  }
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
  if (probe.state() != QProcess::NotRunning) {
    probe.kill();
    probe.waitForFinished();
  }
  return 0;
}
