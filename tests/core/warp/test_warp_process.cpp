// The WARP driver with real `warp train` child processes (the default launcher) and the `warp run`
// command itself: the process launcher; a stop in the middle of an iteration (SIGTERM to the
// workers, which checkpoint) and its resume; `warp run` killed with -9 together with its worker and
// resumed from the command line; a failing worker's message; refused options. Final weights are
// compared bitwise with an uninterrupted in-process driver (CPU, one thread per run).
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "db/experiment_db.h"
#include "test_env.h"
#include "util/sha256.h"
#include "warp/worker_process.h"
#include "warp_test_support.h"

using namespace warp;
using namespace warp::test;

namespace {

RlConfig process_rl() {
  RlConfig c = tiny_rl();
  c.steps = 8;
  return c;
}

WarpConfig process_warp() {
  WarpConfig w = tiny_warp();
  w.parallel = 1;  // one run at a time: a stop finds run 1 finished and run 2 going
  return w;
}

// The uninterrupted driver, in process, computed once.
const Experiment& reference() {
  static Experiment ref = [] {
    Experiment e = synthetic_experiment("warp-proc-ref");
    InProcessWorkers w(e);
    w.stand_in_reward = false;  // the `warp train` processes score with the config's gold reward
    run_warp(e, process_warp(), process_rl(), w.options());
    return e;
  }();
  return ref;
}

void expect_same_finals(const Experiment& exp) {
  for (const char* f :
       {"w-i1-r1", "w-i1-r2", "w-i2-r1", "w-i2-r2", "w-i1-eta0.30", "w-i2-slerp", "w-i2-eta0.30", "w-i2-eta0.50"})
    expect_bitwise_equal(exp.checkpoints_dir() + "/" + f + ".h5", reference().checkpoints_dir() + "/" + f + ".h5");
}

WarpDriverOptions real_workers() {
  WarpDriverOptions o;
  o.warp_executable = warp::test::env_path("WARP_EXE");
  o.poll_interval_ms = 20;
  return o;
}

std::optional<RunRecord> row(const Experiment& exp, const std::string& name) {
  return ExperimentDb::open_read_only(exp.db_path()).find_run(name);
}

std::string shell_quote(const std::string& s) { return "'" + s + "'"; }

}  // namespace

TEST(WorkerProcess, StartsPollsAndStopsChildren) {
  const std::string dir = scratch_dir("warp-proc-launcher");
  WorkerProcess p = WorkerProcess::start("/bin/sh", {"-c", "echo started; echo oops >&2; exit 3"}, dir + "/logs/a.log");
  EXPECT_GT(p.pid(), 0);
  EXPECT_EQ(p.wait(), 3);
  EXPECT_EQ(p.poll(), 3);
  EXPECT_EQ(file_tail(dir + "/logs/a.log"), "started\noops");
  // Appends; a stopped child reports 128 + SIGTERM; its process group is its own.
  WorkerProcess q = WorkerProcess::start("/bin/sh", {"-c", "echo again; exec sleep 30"}, dir + "/logs/a.log");
  std::optional<int> code;
  for (int i = 0; i < 100 && file_tail(dir + "/logs/a.log").find("again") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(::getpgid(static_cast<pid_t>(q.pid())), static_cast<pid_t>(q.pid()));
  EXPECT_FALSE(q.poll().has_value());
  q.terminate();
  EXPECT_EQ(q.wait(), 128 + SIGTERM);
  EXPECT_EQ(file_tail(dir + "/logs/a.log"), "started\noops\nagain");
  EXPECT_EQ(file_tail(dir + "/logs/a.log", 8), "again");  // whole lines only
  EXPECT_THROW(WorkerProcess::start(dir + "/no-such-exe", {}, dir + "/logs/b.log"), Error);
  // Progress lines redrawn with carriage returns keep what was drawn last.
  write_file_atomic(dir + "/p.log", std::string("step 1\rstep 2\rstep 3\ndone\n"));
  EXPECT_EQ(file_tail(dir + "/p.log"), "step 3\ndone");
}

TEST(WarpProcess, StopInTheMiddleOfAnIterationAndResume) {
  Experiment exp = synthetic_experiment("warp-proc-stop");
  // Stop (as SIGTERM to the driver would) once run 2 of iteration 2 has started.
  bool stopping = false;
  const ProgressFn progress = [&](const ProgressInfo& p) {
    if (p.stage == "train" && !stopping) {
      auto r = row(exp, "w-i2-r2");
      stopping = r && r->status == RunStatus::Running;
    }
    return !stopping;
  };
  EXPECT_THROW(run_warp(exp, process_warp(), process_rl(), real_workers(), progress), Cancelled);
  ASSERT_TRUE(stopping);
  EXPECT_EQ(row(exp, "w")->status, RunStatus::Killed);
  EXPECT_EQ(row(exp, "w-i2-r1")->status, RunStatus::Finished);
  const RunStatus stopped = row(exp, "w-i2-r2")->status;
  // The worker checkpointed and ended killed (or, if it was quicker than the signal, finished).
  EXPECT_TRUE(stopped == RunStatus::Killed || stopped == RunStatus::Finished) << to_string(stopped);
  EXPECT_TRUE(is_regular_file(exp.dir() + "/logs/w-i2-r2.log"));
  const double ended_r1 = *row(exp, "w-i2-r1")->ended_at;
  const std::string sha_r1 = sha256_file(exp.checkpoints_dir() + "/w-i2-r1.h5");

  const WarpResult r = resume_warp(exp, "w", real_workers());
  EXPECT_EQ(r.status, RunStatus::Finished);
  EXPECT_EQ(*row(exp, "w-i2-r1")->ended_at, ended_r1);
  EXPECT_EQ(sha256_file(exp.checkpoints_dir() + "/w-i2-r1.h5"), sha_r1);
  EXPECT_EQ(row(exp, "w-i2-r2")->status, RunStatus::Finished);
  EXPECT_NE(file_tail(exp.dir() + "/logs/w-i2-r2.log", 100000).find("resumes"), std::string::npos);
  expect_same_finals(exp);
}

TEST(WarpProcess, CommandKilledWithMinus9AndResumedFromTheCommandLine) {
  Experiment exp = synthetic_experiment("warp-proc-kill9");
  const nlohmann::json cfg = {{"warp", process_warp().to_json()}, {"rl", process_rl().to_json()}};
  write_file_atomic(exp.dir() + "/run.json", cfg.dump());
  WorkerProcess driver =
      WorkerProcess::start(warp::test::env_path("WARP_EXE"),
                           {"run", "--exp", exp.dir(), "--config", exp.dir() + "/run.json"}, exp.dir() + "/driver.log");
  // Once run 2 of iteration 1 is going: kill -9 the driver and the worker (everything at once; the
  // driver first, so it cannot record anything).
  std::optional<RunRecord> w;
  for (int i = 0; i < 3000; ++i) {
    if (is_regular_file(exp.db_path())) {
      w = row(exp, "w-i1-r2");
      if (w && w->status == RunStatus::Running && w->pid) break;
    }
    ASSERT_FALSE(driver.poll().has_value()) << file_tail(exp.dir() + "/driver.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(w && w->pid);
  driver.kill();
  ::kill(static_cast<pid_t>(*w->pid), SIGKILL);
  EXPECT_EQ(driver.wait(), 128 + SIGKILL);
  for (int i = 0; i < 500 && pid_alive(*w->pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(row(exp, "w")->status, RunStatus::Running);  // as left: nobody could say otherwise

  // The first command again with --or-resume (what a requeued --submit-driver job runs): the run
  // named by its --config exists, so it continues with its stored settings.
  const std::string cmd = shell_quote(warp::test::env_path("WARP_EXE")) + " run --exp " + shell_quote(exp.dir()) +
                          " --config " + shell_quote(exp.dir() + "/run.json") + " --or-resume > " +
                          shell_quote(exp.dir() + "/resume.log") + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << file_tail(exp.dir() + "/resume.log");
  EXPECT_EQ(row(exp, "w")->status, RunStatus::Finished);
  EXPECT_NE(read_file_text(exp.dir() + "/resume.log").find("warp run w exists: continuing it (--or-resume)"),
            std::string::npos)
      << file_tail(exp.dir() + "/resume.log");
  EXPECT_NE(file_tail(exp.dir() + "/resume.log").find("warp run w finished"), std::string::npos);
  expect_same_finals(exp);
}

TEST(WarpProcess, AFailingWorkerAndRefusedOptions) {
  Experiment exp = synthetic_experiment("warp-proc-fail");
  RlConfig rl = process_rl();
  rl.reward = "external:/bin/false";
  WarpConfig wc = process_warp();
  wc.iterations = 1;
  try {
    run_warp(exp, wc, rl, real_workers());
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("iteration 1/1: run w-i1-r1 failed: "), std::string::npos) << what;
    EXPECT_EQ(what, row(exp, "w")->message);
  }
  EXPECT_EQ(row(exp, "w")->status, RunStatus::Failed);

  // The command refuses out-of-range options before anything starts, naming the option (exit 2).
  const std::string base =
      shell_quote(warp::test::env_path("WARP_EXE")) + " run --exp " + shell_quote(exp.dir()) + " --name other ";
  const std::string out = exp.dir() + "/refused.log";
  EXPECT_EQ(WEXITSTATUS(std::system((base + "--lambda 1.5 > " + out + " 2>&1").c_str())), 2);
  EXPECT_NE(file_tail(out).find("lambda (--lambda)"), std::string::npos) << file_tail(out);
  EXPECT_EQ(WEXITSTATUS(std::system((base + "--eta-grid 0,x > " + out + " 2>&1").c_str())), 2);
  EXPECT_NE(file_tail(out).find("eta_grid (--eta-grid)"), std::string::npos) << file_tail(out);
  EXPECT_EQ(WEXITSTATUS(std::system((base + "--batch 0 > " + out + " 2>&1").c_str())), 2);
  EXPECT_NE(file_tail(out).find("batch (--batch)"), std::string::npos) << file_tail(out);
  EXPECT_EQ(WEXITSTATUS(std::system((base + "--granularity block > " + out + " 2>&1").c_str())), 2);
  EXPECT_NE(file_tail(out).find("granularity (--granularity) must be tensor or layer, got 'block'"), std::string::npos)
      << file_tail(out);
  EXPECT_EQ(WEXITSTATUS(std::system((base + "--anchor static > " + out + " 2>&1").c_str())), 2);
  EXPECT_NE(file_tail(out).find("anchor (--anchor) must be ema, sft or init, got 'static'"), std::string::npos)
      << file_tail(out);
  EXPECT_EQ(WEXITSTATUS(std::system((base + "--resume --steps 3 > " + out + " 2>&1").c_str())), 2);
  EXPECT_FALSE(row(exp, "other").has_value());
}
