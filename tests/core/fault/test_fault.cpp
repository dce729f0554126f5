// The fault suite of issue 14, with real `warp` processes at the smoke scale (no mocks):
//   - kill -9 at a random moment of `warp sft`, `warp rm`, `warp train` and `warp run`, then the
//     command that continues it: the resume succeeds, every metric (run, key, step) is present
//     exactly once (the uninterrupted run's set), PRAGMA integrity_check is ok, no AtomicFile
//     temporary is left, and the final checkpoints equal the uninterrupted run's bit for bit;
//   - two resumes of one run started together (both orders): exactly one trains, the other is
//     refused naming the run and the holder's pid; the same for sft, rm and two `warp run`;
//   - a full disk (a small tmpfs, mounted here: the test needs root and fails, never skips, without
//     it) that fills during a run: nothing committed is lost and the run's end is recorded.
//
// Trials: WARP_FAULT_TRIALS per command (default 5, i.e. 20 kill trials); WARP_FAULT_SEED fixes the
// base seed (default: the clock). Every trial prints its seed and kill delay, so a failure can be
// reproduced with WARP_FAULT_SEED=<seed> WARP_FAULT_TRIALS=1. WARP_FAULT_EXE=<path> runs it against
// another `warp` executable.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <thread>

#include "db/experiment_db.h"
#include "experiment/experiment.h"
#include "experiment/task_data.h"
#include "store/checkpoint_h5.h"
#include "test_env.h"
#include "test_support.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "warp/worker_process.h"

using namespace warp;

namespace {

using Clock = std::chrono::steady_clock;
using Args = std::vector<std::string>;

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

uint64_t base_seed() {
  static const uint64_t seed = [] {
    const char* v = std::getenv("WARP_FAULT_SEED");
    const uint64_t s =
        v && *v ? std::strtoull(v, nullptr, 10)
                : static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) % 1000000007ull;
    std::printf("fault suite: WARP_FAULT_SEED=%llu\n", static_cast<unsigned long long>(s));
    return s;
  }();
  return seed;
}

void sh(const std::string& cmd) { ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd; }

std::string copy_of(const std::string& src_exp, const std::string& name) {
  const std::string dir = test::scratch_dir(name);
  const std::string cmd = "cp -a '" + src_exp + "' '" + dir + "/exp'";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return dir + "/exp";
}

// Options of every command: one compute thread, the CPU, small sizes.
Args sft_args(const std::string& exp) {
  return {"sft",          "--exp", exp,         "--steps", "12",       "--ckpt-every", "4",
          "--eval-every", "6",     "--threads", "1",       "--device", "cpu"};
}
Args rm_args(const std::string& exp) {
  return {"rm", "--exp",        exp, "--pairs",      "24", "--steps",
          "12", "--ckpt-every", "4", "--eval-every", "6",  "--max-new-tokens",
          "8",  "--threads",    "1", "--device",     "cpu"};
}
Args train_args(const std::string& exp) {
  return {"train", "--exp",        exp, "--name",           "t",  "--steps",
          "6",     "--batch",      "2", "--max-new-tokens", "8",  "--ckpt-every",
          "2",     "--eval-every", "3", "--eval-prompts",   "4",  "--reward",
          "gold",  "--threads",    "1", "--device",         "cpu"};
}
Args train_resume_args(const std::string& exp) { return {"train", "--exp", exp, "--resume", "t", "--threads", "1"}; }
Args run_args(const std::string& exp) {
  return {"run", "--exp",        exp, "--name",         "w", "--iterations",     "1",    "--runs",
          "2",   "--steps",      "4", "--batch",        "2", "--max-new-tokens", "8",    "--ckpt-every",
          "2",   "--eval-every", "4", "--eval-prompts", "4", "--eta-grid",       "0,1",  "--eta",
          "1",   "--parallel",   "2", "--threads",      "1", "--reward",         "gold", "--device",
          "cpu"};
}
Args run_resume_args(const std::string& exp) { return {"run", "--exp", exp, "--name", "w", "--resume"}; }

struct Done {
  int code = -1;
  double seconds = 0;
  std::string log;
};

// WARP_FAULT_EXE runs the suite against another build of `warp` (e.g. an older one, to see it fail).
std::string warp_exe() {
  const char* v = std::getenv("WARP_FAULT_EXE");
  return v && *v ? std::string(v) : warp::test::env_path("WARP_EXE");
}

WorkerProcess start(const Args& args, const std::string& log) { return WorkerProcess::start(warp_exe(), args, log); }

Done run_to_end(const Args& args, const std::string& log) {
  const auto t0 = Clock::now();
  WorkerProcess p = start(args, log);
  Done d;
  d.code = p.wait();
  d.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  d.log = file_tail(log, 4000);
  return d;
}

std::optional<RunRecord> row(const std::string& exp, const std::string& name) {
  if (!is_regular_file(exp + "/experiment.db")) return std::nullopt;
  try {
    return ExperimentDb::open_read_only(exp + "/experiment.db").find_run(name);
  } catch (const std::exception&) {
    return std::nullopt;  // created this moment, not migrated yet
  }
}

// (run name, key, step) → number of rows.
std::map<std::tuple<std::string, std::string, int64_t>, int> metric_counts(const std::string& exp) {
  ExperimentDb db = ExperimentDb::open_read_only(exp + "/experiment.db");
  std::map<int64_t, std::string> names;
  for (const RunRecord& r : db.list_runs()) names[r.id] = r.name;
  std::map<std::tuple<std::string, std::string, int64_t>, int> out;
  int64_t last = 0;
  for (;;) {
    auto rows = db.read_metrics_since(last, 100000);
    if (rows.empty()) break;
    for (const MetricRecord& m : rows) ++out[{names[m.run_id], m.key, m.step}];
    last = rows.back().id;
  }
  return out;
}

std::string integrity(const std::string& exp) {
  Database d(exp + "/experiment.db", OpenMode::ReadOnly);
  Statement s(d, "PRAGMA integrity_check");
  std::string out;
  while (s.step()) out += s.column_text(0);
  return out;
}

std::vector<std::string> temp_files(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    const std::string p = dir + "/" + n;
    if (is_directory(p)) {
      for (auto& f : temp_files(p)) out.push_back(f);
    } else if (atomic_temp_pid(n) != 0) {
      out.push_back(p);
    }
  }
  ::closedir(d);
  return out;
}

void expect_same_params(const std::string& a, const std::string& b) {
  ASSERT_TRUE(is_regular_file(a)) << a;
  const CheckpointData ca = load_checkpoint(a), cb = load_checkpoint(b);
  ASSERT_EQ(ca.params.size(), cb.params.size()) << a;
  for (size_t i = 0; i < ca.params.size(); ++i) {
    EXPECT_EQ(ca.params[i].first, cb.params[i].first) << a;
    EXPECT_TRUE(torch::equal(ca.params[i].second, cb.params[i].second))
        << a << " vs " << b << ": " << ca.params[i].first;
  }
}

// ---- shared experiments (each computed once, copied per trial)

const std::string& prepared() {
  static const std::string dir = [] {
    Experiment e = Experiment::create(test::scratch_dir("fault-prepared") + "/exp", "smoke");
    prepare_task_data(e);
    return e.dir();
  }();
  return dir;
}

// A command's uninterrupted run on a copy of `from`: the reference of its trials.
struct Reference {
  std::string exp;
  double seconds = 0;
};

Reference reference(const std::string& from, const std::string& name,
                    const std::function<Args(const std::string&)>& args) {
  Reference r;
  r.exp = copy_of(from, name);
  const Done d = run_to_end(args(r.exp), r.exp + "/../ref.log");
  EXPECT_EQ(d.code, 0) << d.log;
  r.seconds = d.seconds;
  std::printf("fault suite: uninterrupted %s takes %.1f s\n", name.c_str(), d.seconds);
  return r;
}

const Reference& sft_ref() {
  static const Reference r = reference(prepared(), "fault-ref-sft", sft_args);
  return r;
}
const Reference& rm_ref() {
  static const Reference r = reference(sft_ref().exp, "fault-ref-rm", rm_args);
  return r;
}
const Reference& train_ref() {
  static const Reference r = reference(sft_ref().exp, "fault-ref-train", train_args);
  return r;
}
const Reference& run_ref() {
  static const Reference r = reference(sft_ref().exp, "fault-ref-run", run_args);
  return r;
}

struct Command {
  std::string kind;
  const Reference& (*ref)();
  std::string base;                                      // experiment the trials start from
  std::function<Args(const std::string&)> first, again;  // start; continue (given the experiment)
  std::vector<std::string> finals;                       // checkpoints compared bit for bit
  std::vector<std::string> runs;                         // run rows whose processes are killed too
  std::string run;                                       // the command's own run row
};

// kill -9 the command (and, for warp run, its workers the same moment) after `delay` seconds, then
// continue until it ends well; the invariants of issue 14 must hold.
void kill_trial(const Command& c, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const double t_ref = c.ref().seconds;
  const double delay = std::uniform_real_distribution<double>(0.0, t_ref)(rng);
  SCOPED_TRACE("kind " + c.kind + ", seed " + std::to_string(seed) + ", kill after " + std::to_string(delay) + " s");
  std::printf("fault suite: %s seed %llu kill after %.2f s\n", c.kind.c_str(), static_cast<unsigned long long>(seed),
              delay);
  const std::string exp = copy_of(c.base, "fault-" + c.kind + "-" + std::to_string(seed));
  WorkerProcess p = start(c.first(exp), exp + "/../first.log");
  const auto until = Clock::now() + std::chrono::duration<double>(delay);
  while (Clock::now() < until && !p.poll()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::vector<int64_t> workers;
  if (!p.poll()) {
    p.kill();
    for (const auto& name : c.runs)
      if (auto r = row(exp, name); r && r->status == RunStatus::Running && r->pid && *r->pid != p.pid()) {
        ::kill(static_cast<pid_t>(*r->pid), SIGKILL);
      }
  }
  const int first_code = p.wait();
  ASSERT_TRUE(first_code == 0 || first_code == 128 + SIGKILL) << file_tail(exp + "/../first.log");
  if (first_code != 0) {
    // Workers killed with the driver are not ours to reap: wait until they are gone.
    for (int i = 0; i < 500; ++i) {
      bool any = false;
      for (const auto& name : c.runs)
        if (auto r = row(exp, name); r && r->status == RunStatus::Running && r->pid && pid_alive(*r->pid)) any = true;
      if (!any) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // Killed between recording "finished" and exiting: nothing to continue.
    const auto r = row(exp, c.run);
    if (!r || r->status != RunStatus::Finished) {
      const Done d = run_to_end(c.again(exp), exp + "/../again.log");
      ASSERT_EQ(d.code, 0) << d.log;
    }
  }
  EXPECT_EQ(integrity(exp), "ok");
  EXPECT_EQ(temp_files(exp), std::vector<std::string>{});
  const auto got = metric_counts(exp), want = metric_counts(c.ref().exp);
  for (const auto& [k, n] : got)
    EXPECT_EQ(n, 1) << "run " << std::get<0>(k) << " key " << std::get<1>(k) << " step " << std::get<2>(k)
                    << " is there " << n << " times";
  for (const auto& [k, n] : want)
    EXPECT_TRUE(got.count(k)) << "run " << std::get<0>(k) << " key " << std::get<1>(k) << " step " << std::get<2>(k)
                              << " is missing";
  EXPECT_EQ(got.size(), want.size());
  for (const auto& f : c.finals) expect_same_params(exp + "/checkpoints/" + f, c.ref().exp + "/checkpoints/" + f);
  if (!::testing::Test::HasFailure()) sh("rm -rf '" + parent_dir(exp) + "'");
}

std::vector<Command> commands() {
  auto again_train = [](const std::string& exp) { return row(exp, "t") ? train_resume_args(exp) : train_args(exp); };
  auto again_run = [](const std::string& exp) { return row(exp, "w") ? run_resume_args(exp) : run_args(exp); };
  return {
      {"sft", sft_ref, prepared(), sft_args, sft_args, {"sft.h5"}, {}, "sft"},
      {"rm", rm_ref, sft_ref().exp, rm_args, rm_args, {"rm.h5"}, {}, "rm"},
      {"train", train_ref, sft_ref().exp, train_args, again_train, {"t.h5", "t-ema.h5"}, {}, "t"},
      {"run",
       run_ref,
       sft_ref().exp,
       run_args,
       again_run,
       {"w-i1-r1.h5", "w-i1-r2.h5", "w-i1-eta1.00.h5"},
       {"w-i1-r1", "w-i1-r2"},
       "w"},
  };
}

void kill_trials(const std::string& kind) {
  const int trials = std::max(1, env_int("WARP_FAULT_TRIALS", 5));
  for (const Command& c : commands()) {
    if (c.kind != kind) continue;
    for (int i = 0; i < trials; ++i) {
      kill_trial(c, base_seed() * 1000003ull + std::hash<std::string>()(kind) % 1000 * 100 + static_cast<uint64_t>(i));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

}  // namespace

TEST(FaultKill9, Sft) { kill_trials("sft"); }
TEST(FaultKill9, Rm) { kill_trials("rm"); }
TEST(FaultKill9, Train) { kill_trials("train"); }
TEST(FaultKill9, Run) { kill_trials("run"); }

// ---- one writer per run

namespace {

// Starts `a` and `b` (b `gap_ms` after a), waits for both; exactly one must end 0 and the other 2
// with a refusal naming the run and the winner's pid. Returns the winner's index (0 or 1).
// `idempotent`: the command (`warp sft`, `warp rm`) answers a finished run with "<kind> already
// finished" and exit 0 by design, so when the winner finishes before the loser even looks (a
// loaded machine can start the first process late), both end 0 and exactly one says so.
int race(const Args& a, const Args& b, int gap_ms, const std::string& dir, const std::string& run,
         bool idempotent = false) {
  WorkerProcess pa = start(a, dir + "/race-a.log");
  if (gap_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
  WorkerProcess pb = start(b, dir + "/race-b.log");
  const int ca = pa.wait(), cb = pb.wait();
  const std::string la = file_tail(dir + "/race-a.log", 100000), lb = file_tail(dir + "/race-b.log", 100000);
  if (idempotent && ca == 0 && cb == 0) {
    const std::string said = run + " already finished: ";
    const bool a_late = la.find(said) != std::string::npos, b_late = lb.find(said) != std::string::npos;
    EXPECT_NE(a_late, b_late) << "both ended 0; exactly one must have found the run finished\n--- a:\n"
                              << la << "\n--- b:\n"
                              << lb;
    return a_late ? 1 : 0;
  }
  EXPECT_TRUE((ca == 0 && cb == 2) || (ca == 2 && cb == 0)) << "exit codes " << ca << " and " << cb << "\n--- a:\n"
                                                            << la << "\n--- b:\n"
                                                            << lb;
  const bool a_won = ca == 0;
  const std::string& loser = a_won ? lb : la;
  const int64_t winner_pid = a_won ? pa.pid() : pb.pid();
  EXPECT_NE(loser.find("'" + run + "'"), std::string::npos) << loser;
  // Refused while the winner holds the run (naming it), or, when the winner was quicker than the
  // loser's start, because the run has finished meanwhile.
  EXPECT_TRUE(loser.find("pid " + std::to_string(winner_pid)) != std::string::npos ||
              loser.find("has already finished") != std::string::npos)
      << loser;
  return a_won ? 0 : 1;
}

// An experiment where `args` was killed with -9 once its run row exists and it has checkpointed
// (`state` exists), or, with no state file named, once the row exists.
std::string killed_after(const std::string& base, const std::string& name,
                         const std::function<Args(const std::string&)>& args, const std::string& run,
                         const std::string& state) {
  const std::string exp = copy_of(base, name);
  WorkerProcess p = start(args(exp), exp + "/../killed.log");
  for (int i = 0; i < 6000; ++i) {
    auto r = row(exp, run);
    if (r && (state.empty() || is_regular_file(exp + "/checkpoints/" + state))) break;
    if (p.poll()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_FALSE(p.poll().has_value()) << "ended before it could be killed: " << file_tail(exp + "/../killed.log");
  p.kill();
  p.wait();
  return exp;
}

void expect_each_metric_once(const std::string& exp, const std::string& ref_exp) {
  EXPECT_EQ(integrity(exp), "ok");
  const auto got = metric_counts(exp), want = metric_counts(ref_exp);
  for (const auto& [k, n] : got)
    EXPECT_EQ(n, 1) << std::get<0>(k) << " " << std::get<1>(k) << " step " << std::get<2>(k);
  EXPECT_EQ(got.size(), want.size());
}

}  // namespace

// Ten pairs of `warp train --resume t` on a run killed with -9, started together (which of the two
// starts first alternates; a random gap of 0-40 ms): exactly one trains, its result is the
// uninterrupted run's, and no metric is doubled (before the claim was one transaction, both trained).
TEST(FaultConcurrency, TwoTrainResumesExactlyOneTrains) {
  const std::string tmpl = killed_after(sft_ref().exp, "fault-race-train-template", train_args, "t", "t-state.h5");
  std::mt19937_64 rng(base_seed() + 17);
  const int trials = std::max(10, env_int("WARP_FAULT_TRIALS", 5) * 2);
  for (int i = 0; i < trials; ++i) {
    const int gap = static_cast<int>(rng() % 41);
    SCOPED_TRACE("trial " + std::to_string(i) + ", gap " + std::to_string(gap) + " ms");
    const std::string exp = copy_of(tmpl, "fault-race-train-" + std::to_string(i));
    const std::string dir = exp + "/..";
    const Args x = train_resume_args(exp), y = train_resume_args(exp);
    if (i % 2 == 0) race(x, y, gap, dir, "t");
    else race(y, x, gap, dir, "t");
    expect_each_metric_once(exp, train_ref().exp);
    expect_same_params(exp + "/checkpoints/t.h5", train_ref().exp + "/checkpoints/t.h5");
    if (::testing::Test::HasFailure()) return;
    sh("rm -rf '" + parent_dir(exp) + "'");
  }
}

// The same for `warp sft` and `warp rm` (which continue an unfinished run by themselves), two
// `warp run` with one driver name, and two `warp run --resume`.
TEST(FaultConcurrency, SftRmAndRunOneWriterEach) {
  {
    const std::string exp = killed_after(prepared(), "fault-race-sft", sft_args, "sft", "sft-last.h5");
    race(sft_args(exp), sft_args(exp), 0, exp + "/..", "sft", true);
    expect_each_metric_once(exp, sft_ref().exp);
    expect_same_params(exp + "/checkpoints/sft.h5", sft_ref().exp + "/checkpoints/sft.h5");
  }
  {
    const std::string exp = killed_after(sft_ref().exp, "fault-race-rm", rm_args, "rm", "rm-last.h5");
    race(rm_args(exp), rm_args(exp), 5, exp + "/..", "rm", true);
    expect_each_metric_once(exp, rm_ref().exp);
    expect_same_params(exp + "/checkpoints/rm.h5", rm_ref().exp + "/checkpoints/rm.h5");
  }
  {
    const std::string exp = copy_of(sft_ref().exp, "fault-race-run-new");
    race(run_args(exp), run_args(exp), 0, exp + "/..", "w");
    expect_each_metric_once(exp, run_ref().exp);
  }
  {
    const std::string exp = killed_after(sft_ref().exp, "fault-race-run-resume", run_args, "w", "w-i1-r1-state.h5");
    for (const char* worker : {"w-i1-r1", "w-i1-r2"})
      if (auto r = row(exp, worker); r && r->status == RunStatus::Running && r->pid)
        ::kill(static_cast<pid_t>(*r->pid), SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    race(run_resume_args(exp), run_resume_args(exp), 0, exp + "/..", "w");
    expect_each_metric_once(exp, run_ref().exp);
  }
}

// ---- full disk

// The experiment on a small tmpfs; once `warp train` has checkpointed, the rest of the tmpfs is
// filled. The run fails on its next write; its committed rows must be intact (the same values as the
// uninterrupted run's), the database sound, its end recorded (failed, with the reason) or, where not
// even the status row fitted, presumed crashed; and once space is freed the run resumes to the
// uninterrupted run's result with every metric once.
TEST(FaultFullDisk, RunOnAFullTmpfs) {
  ASSERT_EQ(::geteuid(), 0u) << "this test mounts a tmpfs and needs root (CI runs as root); it fails rather "
                                "than skip";
  const std::string dir = test::scratch_dir("fault-full-disk");
  const std::string mnt = dir + "/mnt";
  make_dirs(mnt);
  ASSERT_EQ(::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=64m"), 0) << "mount tmpfs: " << std::strerror(errno);
  struct Unmount {
    std::string at;
    ~Unmount() { ::umount2(at.c_str(), MNT_DETACH); }
  } unmount{mnt};
  const std::string exp = mnt + "/exp";
  sh("cp -a '" + sft_ref().exp + "' '" + exp + "'");
  WorkerProcess p = start(train_args(exp), dir + "/train.log");
  bool checkpointed = false;
  for (int i = 0; i < 6000 && !checkpointed && !p.poll(); ++i) {
    checkpointed = is_regular_file(exp + "/checkpoints/t-state.h5");
    if (!checkpointed) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_TRUE(checkpointed) << file_tail(dir + "/train.log");
  // The run is held while the disk fills: its few remaining steps take less time than filling 64 MiB,
  // and a run left going finished on a disk not yet full (CI, under load). Stopped, its next write
  // is certain to meet the full disk whatever the machine's speed.
  ASSERT_EQ(::kill(static_cast<pid_t>(p.pid()), SIGSTOP), 0) << std::strerror(errno);
  // Fills every byte that is left (into `name`), or writes `bytes` of it.
  const auto fill = [&mnt](const std::string& name, size_t bytes) {
    const int fd = ::open((mnt + "/" + name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    std::vector<char> block(1 << 16, 'x');
    size_t written = 0;
    ssize_t n = 0;
    while (written < bytes && (n = ::write(fd, block.data(), std::min(block.size(), bytes - written))) > 0)
      written += n;
    for (size_t k = 4096; k > 0 && written < bytes; k /= 2)
      while (written < bytes && (n = ::write(fd, block.data(), std::min(k, bytes - written))) > 0) written += n;
    ::close(fd);
  };
  // A reserve, so that this test can read the database while the run's disk is full: a reader of a
  // WAL database may have to extend its -shm file, which on a full tmpfs fails ("disk I/O error").
  fill("reserve", 1 << 20);
  fill("filler", SIZE_MAX);
  // What was committed the moment the disk filled: read in the reserve's space, then full again.
  ::unlink((mnt + "/reserve").c_str());
  const auto committed = metric_counts(exp);
  fill("filler2", SIZE_MAX);
  ASSERT_EQ(::kill(static_cast<pid_t>(p.pid()), SIGCONT), 0) << std::strerror(errno);
  const int code = p.wait();
  // The run has ended: what it left is judged with room to open the database.
  ::unlink((mnt + "/filler").c_str());
  ::unlink((mnt + "/filler2").c_str());
  const std::string log = file_tail(dir + "/train.log", 4000);
  EXPECT_NE(code, 0) << "the run finished on a full disk?\n" << log;
  EXPECT_TRUE(log.find("No space left on device") != std::string::npos || log.find("disk is full") != std::string::npos)
      << log;
  EXPECT_EQ(integrity(exp), "ok");
  {
    ExperimentDb db = ExperimentDb::open_read_only(exp + "/experiment.db");
    const auto runs = db.list_runs(kDefaultStaleAfterSeconds);
    std::optional<RunRecord> t;
    for (const auto& r : runs)
      if (r.name == "t") t = r;
    ASSERT_TRUE(t);
    // Recorded, with the reason (the disk), not left "running".
    EXPECT_EQ(t->status, RunStatus::Failed) << to_string(t->status) << ": " << t->message;
    EXPECT_TRUE(t->message.find("No space left on device") != std::string::npos ||
                t->message.find("disk is full") != std::string::npos)
        << t->message;
    std::printf("fault suite: full disk: run t ended %s: %s\n", to_string(t->status), t->message.c_str());
  }
  const auto after = metric_counts(exp);
  for (const auto& [k, n] : committed)
    EXPECT_TRUE(after.count(k)) << std::get<1>(k) << " step " << std::get<2>(k) << " was lost";
  // Values of the deterministic series equal the uninterrupted run's.
  {
    ExperimentDb a = ExperimentDb::open_read_only(exp + "/experiment.db");
    ExperimentDb b = ExperimentDb::open_read_only(train_ref().exp + "/experiment.db");
    for (const char* key : {"train/reward", "train/loss", "eval/reward"}) {
      const auto got = a.read_metrics(a.find_run("t")->id, key), want = b.read_metrics(b.find_run("t")->id, key);
      ASSERT_LE(got.size(), want.size()) << key;
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].step, want[i].step) << key;
        EXPECT_EQ(got[i].value, want[i].value) << key << " step " << got[i].step;
      }
    }
  }
  // Space again (freed above): the run resumes to the uninterrupted result.
  const Done d = run_to_end(train_resume_args(exp), dir + "/resume.log");
  ASSERT_EQ(d.code, 0) << d.log;
  expect_each_metric_once(exp, train_ref().exp);
  EXPECT_EQ(temp_files(exp), std::vector<std::string>{});
  expect_same_params(exp + "/checkpoints/t.h5", train_ref().exp + "/checkpoints/t.h5");
}
