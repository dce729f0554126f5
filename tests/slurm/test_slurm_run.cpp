// `warp run --launcher slurm` on the real single-node cluster (label slurm, docs/slurm.md), with the
// smoke preset, I = 2, M = 2, one thread per worker, on the CPU:
//   - the same final policies (every parameter bit for bit) and the same fronts as --launcher local;
//     each iteration's workers are one job array, whose job ids, node, states and exit codes are
//     in worker_jobs;
//   - a task cancelled with scancel stops the iteration with a message naming the task and the
//     worker's log; `warp run --resume --launcher slurm` then submits only that worker again, which
//     continues its run (resume from its checkpoint is bitwise tested with the local launcher in
//     tests/core/warp/test_warp_process.cpp), and finishes;
//   - a task requeued with `scontrol requeue` while it trains (what preemption does) checkpoints on
//     SIGTERM, runs again as the same task and continues from that checkpoint, not from step 0; the
//     driver keeps following it and ends with the local launcher's policies bit for bit;
//   - the workers record their runs in their journals (<exp>/journals/<worker>.wj, `warp train
//     --record journal`), never in experiment.db: every metric row of a worker's journal is in the
//     database exactly once after the driver ends, also when the driver (the importer) was killed
//     with -9 while it imported them and then resumed;
//   - a driver submitted with --submit-driver and requeued (scontrol requeue) continues its run
//     (warp run --resume) and finishes it, submitting no worker while an earlier job of it lives.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <chrono>
#include <ctime>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "db/experiment_db.h"
#include "db/journal.h"
#include "experiment/experiment.h"
#include "experiment/task_data.h"
#include "slurm_test_support.h"
#include "store/checkpoint_h5.h"
#include "test_env.h"
#include "test_support.h"
#include "util/fsutil.h"
#include "warp/worker_process.h"

using namespace warp;
using namespace warp::test;

namespace {

using Args = std::vector<std::string>;

Args run_args(const std::string& exp, int64_t steps, int64_t iterations = 2) {
  return {"run",
          "--exp",
          exp,
          "--name",
          "w",
          "--iterations",
          std::to_string(iterations),
          "--runs",
          "2",
          "--steps",
          std::to_string(steps),
          "--batch",
          "2",
          "--max-new-tokens",
          "8",
          "--ckpt-every",
          "2",
          "--eval-every",
          "4",
          "--eval-prompts",
          "4",
          "--eta-grid",
          "0,1",
          "--eta",
          "0.5",
          "--threads",
          "1",
          "--reward",
          "gold",
          "--device",
          "cpu"};
}

struct Done {
  int code = -1;
  double seconds = 0;
  std::string log;
};

Done warp_cmd(const Args& args, const std::string& log) {
  const auto t0 = std::chrono::steady_clock::now();
  WorkerProcess p = WorkerProcess::start(warp::test::env_path("WARP_EXE"), args, log);
  Done d;
  d.code = p.wait();
  d.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  d.log = file_tail(log, 6000);
  return d;
}

// The smoke experiment with its SFT policy, made once.
const std::string& prepared() {
  static const std::string dir = [] {
    Experiment e = Experiment::create(scratch_dir("slurm-prepared") + "/exp", "smoke");
    prepare_task_data(e);
    const Done d = warp_cmd({"sft", "--exp", e.dir(), "--steps", "12", "--ckpt-every", "4", "--eval-every", "6",
                             "--threads", "1", "--device", "cpu"},
                            e.dir() + "/../sft.log");
    EXPECT_EQ(d.code, 0) << d.log;
    return e.dir();
  }();
  return dir;
}

std::string copy_of(const std::string& name) {
  const std::string dir = scratch_dir(name);
  const Shell c = sh("cp -a '" + prepared() + "' '" + dir + "/exp'");
  EXPECT_EQ(c.code, 0) << c.out;
  return dir + "/exp";
}

void expect_same_params(const std::string& a, const std::string& b) {
  ASSERT_TRUE(is_regular_file(a)) << a;
  ASSERT_TRUE(is_regular_file(b)) << b;
  const CheckpointData ca = load_checkpoint(a), cb = load_checkpoint(b);
  ASSERT_EQ(ca.params.size(), cb.params.size()) << a;
  for (size_t i = 0; i < ca.params.size(); ++i) {
    EXPECT_EQ(ca.params[i].first, cb.params[i].first) << a;
    EXPECT_TRUE(torch::equal(ca.params[i].second, cb.params[i].second))
        << a << " vs " << b << ": " << ca.params[i].first;
  }
}

const std::vector<std::string> kFinals = {"w-i1-r1",         "w-i1-r2",      "w-i1-slerp",       "w-i1-eta0.50",
                                          "w-i2-r1",         "w-i2-r2",      "w-i2-slerp",       "w-i2-eta0.00",
                                          "w-i2-eta0.50",    "w-i2-eta1.00", "w-output-eta0.00", "w-output-eta0.50",
                                          "w-output-eta1.00"};

void expect_same_finals(const std::string& exp, const std::string& ref) {
  for (const auto& f : kFinals)
    expect_same_params(exp + "/checkpoints/" + f + ".h5", ref + "/checkpoints/" + f + ".h5");
}

// The driver run's front and output metrics: key → (step → value).
std::map<std::string, std::map<int64_t, double>> fronts(const std::string& exp) {
  ExperimentDb db = ExperimentDb::open_read_only(exp + "/experiment.db");
  const RunRecord w = *db.find_run("w");
  std::map<std::string, std::map<int64_t, double>> out;
  for (const auto& key : db.metric_keys(w.id))
    for (const auto& p : db.read_metrics(w.id, key)) out[key][p.step] = p.value;
  return out;
}

// A worker recorded its run in its journal only, and the driver imported all of it exactly once:
// the (step, key, wall time) of every metric row its journal holds (less those a resume's drop_after
// removed) are the worker's rows in experiment.db, each once; the import reached the journal's last
// record. (A worker that also wrote the database would have each row twice; one that did not journal
// its metrics would have none in its journal.)
void expect_journal_imported(const std::string& exp, const std::string& worker) {
  const std::string path = exp + "/journals/" + worker + ".wj";
  ASSERT_TRUE(is_regular_file(path)) << path;
  using Row = std::tuple<int64_t, std::string, double>;
  std::multiset<Row> journal;
  const auto records = read_journal(path, 0, 1, 1000000);
  ASSERT_FALSE(records.empty()) << path;
  bool created = false;
  for (const auto& r : records) {
    const std::string t = r.body.at("t").get<std::string>();
    ASSERT_EQ(r.body.at("run").get<std::string>(), worker) << path;
    if (t == "create") created = true;
    if (t == "metrics")
      for (const auto& row : r.body.at("rows"))
        journal.emplace(row[0].get<int64_t>(), row[1].get<std::string>(), row[3].get<double>());
    if (t == "drop_after") {
      const int64_t after = r.body.at("step").get<int64_t>();
      for (auto it = journal.begin(); it != journal.end();)
        it = std::get<0>(*it) > after ? journal.erase(it) : std::next(it);
    }
  }
  EXPECT_TRUE(created) << path << ": the worker's run was created through its journal";
  ExperimentDb db = ExperimentDb::open_read_only(exp + "/experiment.db");
  const auto run = db.find_run(worker);
  ASSERT_TRUE(run) << worker;
  std::multiset<Row> rows;
  for (const auto& key : db.metric_keys(run->id))
    for (const auto& p : db.read_metrics(run->id, key)) rows.emplace(p.step, key, p.wall_time);
  EXPECT_GT(rows.size(), 0u) << worker;
  EXPECT_EQ(rows.size(), journal.size()) << worker << ": rows in experiment.db vs in its journal";
  EXPECT_TRUE(rows == journal) << worker << ": the database's rows are not the journal's";
  std::set<Row> distinct(rows.begin(), rows.end());
  EXPECT_EQ(distinct.size(), rows.size()) << worker << ": duplicate rows";
  Statement q(db.database(), "SELECT seq FROM journal_imports WHERE journal = ?1");
  q.bind(1, worker + ".wj");
  ASSERT_TRUE(q.step()) << worker << ": never imported";
  EXPECT_EQ(q.column_int64(0), records.back().seq) << worker << ": not imported to its end";
  EXPECT_EQ(run->status, RunStatus::Finished) << worker;
}

// The local launcher's run, once.
const std::string& local_ref() {
  static const std::string dir = [] {
    const std::string exp = copy_of("slurm-local-ref");
    const Done d = warp_cmd(run_args(exp, 4), exp + "/../run.log");
    EXPECT_EQ(d.code, 0) << d.log;
    std::printf("slurm tests: warp run --launcher local took %.1f s\n", d.seconds);
    return exp;
  }();
  return dir;
}

// Long enough runs (I = 1) to act on a worker while it trains; the local launcher's run, once.
constexpr int64_t kLongSteps = 96;
const std::string& local_ref_long() {
  static const std::string dir = [] {
    const std::string exp = copy_of("slurm-local-ref-long");
    const Done d = warp_cmd(run_args(exp, kLongSteps, 1), exp + "/../run.log");
    EXPECT_EQ(d.code, 0) << d.log;
    return exp;
  }();
  return dir;
}

const std::vector<std::string> kLongFinals = {"w-i1-r1",      "w-i1-r2",      "w-i1-slerp",
                                              "w-i1-eta0.00", "w-i1-eta0.50", "w-i1-eta1.00"};

}  // namespace

TEST(SlurmRun, SameFinalsAndFrontsAsTheLocalLauncher) {
  ASSERT_FALSE(slurm_conf().empty());
  ASSERT_TRUE(wait_idle()) << sh("squeue").out;
  const std::string& ref = local_ref();
  const std::string exp = copy_of("slurm-run");
  Args args = run_args(exp, 4);
  args.push_back("--launcher");
  args.push_back("slurm");
  const Done d = warp_cmd(args, exp + "/../run.log");
  ASSERT_EQ(d.code, 0) << d.log;
  std::printf("slurm tests: warp run --launcher slurm took %.1f s\n", d.seconds);
  expect_same_finals(exp, ref);
  const auto f = fronts(exp);
  EXPECT_EQ(f, fronts(ref));
  EXPECT_TRUE(f.count("output/eta0.50/kl_sft")) << "no output front";

  // One job array per iteration, each task one worker, recorded with its node and exit code.
  ExperimentDb db = ExperimentDb::open_read_only(exp + "/experiment.db");
  const auto jobs = db.list_worker_jobs(db.find_run("w")->id);
  ASSERT_EQ(jobs.size(), 4u);
  const std::string host = sh("hostname -s").out;
  std::map<std::string, std::string> array_of;
  for (const auto& j : jobs) {
    EXPECT_EQ(j.launcher, "slurm");
    EXPECT_EQ(j.state, "COMPLETED") << j.worker;
    EXPECT_EQ(j.exit_code, std::optional<int>(0)) << j.worker;
    EXPECT_EQ(j.node, host) << j.worker;
    EXPECT_EQ(j.log_path, exp + "/logs/" + j.worker + ".log");
    const auto us = j.job_id.find('_');
    ASSERT_NE(us, std::string::npos) << j.job_id;
    array_of[j.worker] = j.job_id.substr(0, us);
    // Task r<m> of the batch is m - 1.
    EXPECT_EQ(j.job_id.substr(us + 1), std::to_string(j.worker.back() - '1')) << j.worker;
  }
  EXPECT_EQ(array_of["w-i1-r1"], array_of["w-i1-r2"]);
  EXPECT_EQ(array_of["w-i2-r1"], array_of["w-i2-r2"]);
  EXPECT_NE(array_of["w-i1-r1"], array_of["w-i2-r1"]);
  // The workers recorded their runs in their journals, imported by the driver; the local launcher's
  // workers wrote experiment.db themselves (no journals).
  for (const char* w : {"w-i1-r1", "w-i1-r2", "w-i2-r1", "w-i2-r2"}) expect_journal_imported(exp, w);
  EXPECT_FALSE(is_directory(ref + "/journals"));
  // The worker's log says where it ran.
  EXPECT_NE(
      file_tail(exp + "/logs/w-i1-r2.log", 100000).find("(slurm job " + array_of["w-i1-r2"] + "_1 on " + host + ")"),
      std::string::npos);
}

TEST(SlurmRun, CancelledTaskStopsTheIterationNamingItThenResumeFinishes) {
  ASSERT_FALSE(slurm_conf().empty());
  ASSERT_TRUE(wait_idle()) << sh("squeue").out;
  const std::string exp = copy_of("slurm-cancel");
  Args args = run_args(exp, 16);  // long enough a run to be cancelled while it trains
  args.push_back("--launcher");
  args.push_back("slurm");
  WorkerProcess driver = WorkerProcess::start(warp::test::env_path("WARP_EXE"), args, exp + "/../run.log");
  // Once worker 2 of iteration 1 trains: scancel its task. Watched in its journal as it writes it
  // (the database has its rows only after the driver's next import, up to 0.5 s later: on an idle
  // machine the run could end before that); the job id is in the database from its submission.
  std::string job;
  for (int i = 0; i < 6000 && job.empty(); ++i) {
    ASSERT_FALSE(driver.poll().has_value()) << file_tail(exp + "/../run.log");
    try {
      int64_t last_step = 0;
      bool ended = false;
      for (const auto& r : read_journal(exp + "/journals/w-i1-r2.wj", 0, 1, 1000000)) {
        const std::string t = r.body.at("t").get<std::string>();
        if (t == "metrics")
          for (const auto& row : r.body.at("rows")) last_step = std::max(last_step, row[0].get<int64_t>());
        if (t == "status" && r.body.at("status") != "running") ended = true;
      }
      if (!ended && last_step >= 1 && last_step < 16 - 4) {
        ExperimentDb db = ExperimentDb::open_read_only(exp + "/experiment.db");
        if (auto w = db.find_run("w"))
          for (const auto& j : db.list_worker_jobs(w->id))
            if (j.worker == "w-i1-r2") job = j.job_id;
      }
    } catch (const std::exception&) {}
    if (job.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(job.empty()) << file_tail(exp + "/../run.log");
  const Shell c = sh("scancel " + job);
  ASSERT_EQ(c.code, 0) << c.out;
  const int code = driver.wait();
  const std::string out = file_tail(exp + "/../run.log", 20000);
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("run w-i1-r2 failed"), std::string::npos) << out;
  EXPECT_NE(out.find("slurm job " + job), std::string::npos) << out;
  EXPECT_NE(out.find(exp + "/logs/w-i1-r2.log"), std::string::npos) << out;
  {
    ExperimentDb db = ExperimentDb::open_read_only(exp + "/experiment.db");
    EXPECT_EQ(db.find_run("w")->status, RunStatus::Failed);
    bool seen = false;
    for (const auto& j : db.list_worker_jobs(db.find_run("w")->id))
      if (j.job_id == job) {
        seen = true;
        EXPECT_EQ(j.state, "CANCELLED");
      }
    EXPECT_TRUE(seen);
  }
  const Done r =
      warp_cmd({"run", "--exp", exp, "--name", "w", "--resume", "--launcher", "slurm"}, exp + "/../resume.log");
  ASSERT_EQ(r.code, 0) << r.log;
  ExperimentDb db = ExperimentDb::open_read_only(exp + "/experiment.db");
  EXPECT_EQ(db.find_run("w")->status, RunStatus::Finished);
  EXPECT_EQ(db.find_run("w-i1-r2")->status, RunStatus::Finished);
  // Only the cancelled worker was submitted again (a new job), and it continued its run.
  std::map<std::string, int> submissions;
  for (const auto& j : db.list_worker_jobs(db.find_run("w")->id)) ++submissions[j.worker];
  EXPECT_EQ(submissions["w-i1-r2"], 2);
  EXPECT_EQ(submissions["w-i1-r1"], 1);
  EXPECT_EQ(submissions["w-i2-r1"], 1);
  EXPECT_NE(file_tail(exp + "/logs/w-i1-r2.log", 100000).find("warp run w resumes (slurm job"), std::string::npos);
  EXPECT_TRUE(is_regular_file(exp + "/checkpoints/w-output-eta0.50.h5"));
}

// The driver killed with -9 while its tasks wait in the queue (a job holding the whole node keeps
// them pending): `warp run --resume --launcher slurm` follows those jobs by their recorded ids and
// submits nothing twice; the result equals the local launcher's bit for bit.
TEST(SlurmRun, DriverKilledWhileTasksPendReattachesOnResume) {
  ASSERT_FALSE(slurm_conf().empty());
  ASSERT_TRUE(wait_idle()) << sh("squeue").out;
  const Shell blocker = sh("sbatch --parsable --exclusive --job-name=warp-blocker -o /dev/null --wrap 'sleep 300'");
  ASSERT_EQ(blocker.code, 0) << blocker.out;
  struct Cancel {
    std::string id;
    ~Cancel() { sh("scancel " + id); }
  } cancel{blocker.out};
  for (int i = 0; i < 300 && sh("squeue -h -j " + blocker.out + " -o %T").out != "RUNNING"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(sh("squeue -h -j " + blocker.out + " -o %T").out, "RUNNING");

  const std::string exp = copy_of("slurm-reattach");
  Args args = run_args(exp, 4);
  args.push_back("--launcher");
  args.push_back("slurm");
  WorkerProcess driver = WorkerProcess::start(warp::test::env_path("WARP_EXE"), args, exp + "/../run.log");
  auto jobs_of = [&] {
    ExperimentDb db = ExperimentDb::open_read_only(exp + "/experiment.db");
    return db.list_worker_jobs(db.find_run("w")->id);
  };
  size_t submitted = 0;
  for (int i = 0; i < 600 && submitted < 2; ++i) {
    ASSERT_FALSE(driver.poll().has_value()) << file_tail(exp + "/../run.log");
    if (is_regular_file(exp + "/experiment.db")) {
      try {
        submitted = jobs_of().size();
      } catch (const std::exception&) {}
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(submitted, 2u);
  driver.kill();
  driver.wait();
  for (const auto& j : jobs_of()) EXPECT_EQ(sh("squeue -h -j " + j.job_id + " -o %T").out, "PENDING") << j.job_id;

  WorkerProcess resumed = WorkerProcess::start(warp::test::env_path("WARP_EXE"),
                                               {"run", "--exp", exp, "--name", "w", "--resume", "--launcher", "slurm"},
                                               exp + "/../resume.log");
  // Once the resumed driver follows the pending tasks (its progress line shows their state), free the node.
  for (int i = 0; i < 600 && file_tail(exp + "/../resume.log", 100000).find("PENDING") == std::string::npos; ++i) {
    ASSERT_FALSE(resumed.poll().has_value()) << file_tail(exp + "/../resume.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(file_tail(exp + "/../resume.log", 100000).find("PENDING"), std::string::npos);
  sh("scancel " + blocker.out);
  ASSERT_EQ(resumed.wait(), 0) << file_tail(exp + "/../resume.log");

  const auto jobs = jobs_of();
  ASSERT_EQ(jobs.size(), 4u);  // iteration 1's two tasks (the first driver's), iteration 2's two
  std::map<std::string, int> per_worker;
  for (const auto& j : jobs) {
    ++per_worker[j.worker];
    EXPECT_EQ(j.state, "COMPLETED") << j.job_id;
  }
  for (const char* w : {"w-i1-r1", "w-i1-r2", "w-i2-r1", "w-i2-r2"}) EXPECT_EQ(per_worker[w], 1) << w;
  expect_same_finals(exp, local_ref());
  EXPECT_EQ(fronts(exp), fronts(local_ref()));
}

// Preemption: `scontrol requeue` of a running task (Slurm sends SIGTERM, the worker checkpoints and
// ends "killed", the task goes back to the queue and starts again with SLURM_RESTART_COUNT = 1). The
// driver does not take the first attempt's end for a failure; the second attempt continues the run
// from its checkpoint (its metric rows up to that step keep the first attempt's wall times), and the
// policies equal an uninterrupted local run's bit for bit.
TEST(SlurmRun, RequeuedTaskContinuesFromItsCheckpoint) {
  ASSERT_FALSE(slurm_conf().empty());
  ASSERT_TRUE(wait_idle()) << sh("squeue").out;
  const int64_t steps = kLongSteps;
  const std::string& ref = local_ref_long();

  const std::string exp = copy_of("slurm-requeue");
  Args args = run_args(exp, steps, 1);
  args.push_back("--launcher");
  args.push_back("slurm");
  WorkerProcess driver = WorkerProcess::start(warp::test::env_path("WARP_EXE"), args, exp + "/../run.log");
  // Once worker 2 has written a resumable checkpoint and trains on: requeue its task.
  std::string job;
  int64_t ckpt_step = 0;
  for (int i = 0; i < 2400 && job.empty(); ++i) {
    ASSERT_FALSE(driver.poll().has_value()) << file_tail(exp + "/../run.log");
    // Watched in the worker's journal, as it writes it (the database has it after the driver's
    // next import, up to 0.5 s later: too late for a window this short).
    try {
      int64_t state_step = 0, last_step = 0;
      bool ended = false;
      for (const auto& r : read_journal(exp + "/journals/w-i1-r2.wj", 0, 1, 1000000)) {
        const std::string t = r.body.at("t").get<std::string>();
        if (t == "checkpoint" && r.body.at("kind") == "rl-resume") state_step = r.body.at("step").get<int64_t>();
        if (t == "metrics")
          for (const auto& row : r.body.at("rows")) last_step = std::max(last_step, row[0].get<int64_t>());
        if (t == "status" && r.body.at("status") != "running") ended = true;
      }
      if (!ended && state_step >= 2 && state_step < steps - 4 && last_step >= state_step) {
        ckpt_step = state_step;
        ExperimentDb db = ExperimentDb::open_read_only(exp + "/experiment.db");
        for (const auto& j : db.list_worker_jobs(db.find_run("w")->id))
          if (j.worker == "w-i1-r2") job = j.job_id;
      }
    } catch (const std::exception&) {}
    if (job.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(job.empty()) << file_tail(exp + "/../run.log");
  const double requeued_at = static_cast<double>(std::time(nullptr));
  SlurmStateRecorder states(job);
  const Shell q = sh("scontrol requeue " + job);
  ASSERT_EQ(q.code, 0) << q.out;
  // Slurm holds a requeued job back for its credential lifetime (cred_expire, 120 s by default,
  // Reason=BeginTime): once it pends again, let it start now.
  bool pending = false;
  for (int i = 0; i < 600 && !pending; ++i) {
    pending = sh("squeue -h -j " + job + " -o %T").out == "PENDING";
    if (!pending) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (pending) sh("scontrol update JobId=" + job + " StartTime=now");
  const int code = driver.wait();
  states.stop();
  const std::string out = file_tail(exp + "/../run.log", 20000);
  ASSERT_EQ(code, 0) << out << (pending ? "" : "\n(the task was not seen PENDING again)") << states.timeline()
                     << slurm_job_trace(job);
  EXPECT_EQ(out.find("failed"), std::string::npos) << out;

  ExperimentDb db = ExperimentDb::open_read_only(exp + "/experiment.db");
  const RunRecord r2 = *db.find_run("w-i1-r2");
  EXPECT_EQ(r2.status, RunStatus::Finished);
  // The same task, started twice: one submission, Slurm counts one restart.
  const auto jobs = db.list_worker_jobs(db.find_run("w")->id);
  ASSERT_EQ(jobs.size(), 2u);
  for (const auto& j : jobs) EXPECT_EQ(j.state, "COMPLETED") << j.job_id;
  EXPECT_NE(sh("scontrol show job -o " + job).out.find("Restarts=1"), std::string::npos)
      << sh("scontrol show job -o " + job).out;
  const std::string log = file_tail(exp + "/logs/w-i1-r2.log", 200000);
  EXPECT_NE(log.find("warp run w resumes after requeue 1 (slurm job " + job), std::string::npos) << log;
  EXPECT_NE(log.find("run w-i1-r2 exists: continuing it (--or-resume)"), std::string::npos) << log;
  // Continued from the checkpoint: the first attempt's rows up to its step are kept (written before
  // the requeue), every step is there once, the later ones written by the second attempt.
  const auto pts = db.read_metrics(r2.id, "train/reward");
  ASSERT_EQ(pts.size(), static_cast<size_t>(steps)) << "steps logged once each";
  for (size_t k = 0; k < pts.size(); ++k) EXPECT_EQ(pts[k].step, static_cast<int64_t>(k + 1));
  EXPECT_LE(pts[static_cast<size_t>(ckpt_step - 1)].wall_time, requeued_at + 1)
      << "step " << ckpt_step << " was redone";
  EXPECT_GE(pts.back().wall_time, requeued_at);
  for (const auto& f : kLongFinals)
    expect_same_params(exp + "/checkpoints/" + f + ".h5", ref + "/checkpoints/" + f + ".h5");
  EXPECT_EQ(fronts(exp), fronts(ref));
}

// `--submit-driver`: the driver itself runs as a batch job (the same command without the flag); the
// command prints the job id and ends; the job's driver submits the workers and ends with the local
// launcher's policies and fronts.
TEST(SlurmRun, SubmitDriverRunsTheDriverAsAJob) {
  ASSERT_FALSE(slurm_conf().empty());
  ASSERT_TRUE(wait_idle()) << sh("squeue").out;
  const std::string exp = copy_of("slurm-submit");
  Args args = run_args(exp, 4);
  args.insert(args.end(), {"--launcher", "slurm", "--submit-driver"});
  const Done d = warp_cmd(args, exp + "/../submit.log");
  ASSERT_EQ(d.code, 0) << d.log;
  const std::string job = d.log.substr(d.log.rfind('\n') + 1);
  ASSERT_FALSE(job.empty());
  ASSERT_EQ(job.find_first_not_of("0123456789"), std::string::npos) << d.log;
  EXPECT_NE(d.log.find("as Slurm job " + job), std::string::npos) << d.log;
  for (int i = 0; i < 3000 && !sh("squeue -h -j " + job + " -o %T").out.empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string out = file_tail(exp + "/logs/slurm/w-driver-" + job + ".out", 20000);
  EXPECT_NE(sh("scontrol show job -o " + job).out.find("JobState=COMPLETED"), std::string::npos) << out;
  ASSERT_NE(out.find("warp run w finished"), std::string::npos) << out;
  ExperimentDb db = ExperimentDb::open_read_only(exp + "/experiment.db");
  ASSERT_TRUE(db.find_run("w"));
  EXPECT_EQ(db.find_run("w")->status, RunStatus::Finished);
  EXPECT_EQ(db.list_worker_jobs(db.find_run("w")->id).size(), 4u);
  expect_same_finals(exp, local_ref());
  EXPECT_EQ(fronts(exp), fronts(local_ref()));
}

// The importer (the driver) killed with -9 while it imports its workers' journals, their tasks still
// training: the resumed driver imports the rest (the workers went on meanwhile) and every row is in
// the database once; nothing was submitted twice and the results equal the local launcher's.
TEST(SlurmRun, ImporterKilled9MidRunLosesAndDuplicatesNoRow) {
  ASSERT_FALSE(slurm_conf().empty());
  ASSERT_TRUE(wait_idle()) << sh("squeue").out;
  const std::string& ref = local_ref_long();
  const std::string exp = copy_of("slurm-import-kill");
  Args args = run_args(exp, kLongSteps, 1);
  args.push_back("--launcher");
  args.push_back("slurm");
  WorkerProcess driver = WorkerProcess::start(warp::test::env_path("WARP_EXE"), args, exp + "/../run.log");
  // Once the driver has imported training rows of a worker that still trains.
  bool importing = false;
  for (int i = 0; i < 3000 && !importing; ++i) {
    ASSERT_FALSE(driver.poll().has_value()) << file_tail(exp + "/../run.log");
    if (is_regular_file(exp + "/experiment.db")) {
      try {
        ExperimentDb db = ExperimentDb::open_read_only(exp + "/experiment.db");
        for (const char* w : {"w-i1-r1", "w-i1-r2"}) {
          auto r = db.find_run(w);
          if (!r || r->status != RunStatus::Running) continue;
          const auto pts = db.read_metrics(r->id, "train/reward");
          importing = importing || (!pts.empty() && pts.back().step < kLongSteps - 2);
        }
      } catch (const std::exception&) {}
    }
    if (!importing) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(importing) << file_tail(exp + "/../run.log");
  driver.kill();
  driver.wait();
  const Done r =
      warp_cmd({"run", "--exp", exp, "--name", "w", "--resume", "--launcher", "slurm"}, exp + "/../resume.log");
  ASSERT_EQ(r.code, 0) << r.log;
  for (const char* w : {"w-i1-r1", "w-i1-r2"}) expect_journal_imported(exp, w);
  ExperimentDb db = ExperimentDb::open_read_only(exp + "/experiment.db");
  std::map<std::string, int> per_worker;
  for (const auto& j : db.list_worker_jobs(db.find_run("w")->id)) ++per_worker[j.worker];
  for (const char* w : {"w-i1-r1", "w-i1-r2"}) EXPECT_EQ(per_worker[w], 1) << w;
  for (const auto& f : kLongFinals)
    expect_same_params(exp + "/checkpoints/" + f + ".h5", ref + "/checkpoints/" + f + ".h5");
  EXPECT_EQ(fronts(exp), fronts(ref));
}

// A driver job requeued before its first attempt created the run's row (preempted while it
// started, a node failure): the job's script runs again with SLURM_RESTART_COUNT > 0, which must
// start the run rather than fail "no such run". Here the job is held back by a job that takes the
// node, cancelled while pending (no row), and its kept script run as Slurm runs a requeued job.
TEST(SlurmRun, DriverJobRequeuedBeforeItsRunExistedStartsIt) {
  ASSERT_FALSE(slurm_conf().empty());
  ASSERT_TRUE(wait_idle()) << sh("squeue").out;
  const std::string exp = copy_of("slurm-driver-requeue-early");
  {
    const Shell blocker = sh("sbatch --parsable --exclusive --job-name=warp-blocker -o /dev/null --wrap 'sleep 300'");
    ASSERT_EQ(blocker.code, 0) << blocker.out;
    struct Cancel {
      std::string id;
      ~Cancel() { sh("scancel " + id); }
    } cancel{blocker.out};
    for (int i = 0; i < 300 && sh("squeue -h -j " + blocker.out + " -o %T").out != "RUNNING"; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_EQ(sh("squeue -h -j " + blocker.out + " -o %T").out, "RUNNING");
    Args args = run_args(exp, 4);
    args.insert(args.end(), {"--launcher", "slurm", "--submit-driver"});
    const Done d = warp_cmd(args, exp + "/../submit.log");
    ASSERT_EQ(d.code, 0) << d.log;
    const std::string job = d.log.substr(d.log.rfind('\n') + 1);
    ASSERT_EQ(sh("squeue -h -j " + job + " -o %T").out, "PENDING");
    ASSERT_EQ(sh("scancel " + job).code, 0);
  }
  ASSERT_TRUE(wait_idle()) << sh("squeue").out;
  ASSERT_FALSE(ExperimentDb::open_read_only(exp + "/experiment.db").find_run("w"));
  const Shell again =
      sh("SLURM_RESTART_COUNT=1 bash '" + exp + "/logs/slurm/w-driver-1.sh' > '" + exp + "/../requeued.out' 2>&1");
  const std::string out = file_tail(exp + "/../requeued.out", 20000);
  ASSERT_EQ(again.code, 0) << out;
  EXPECT_NE(out.find("driver job requeued (1): continuing the run"), std::string::npos) << out;
  EXPECT_EQ(out.find("no such run"), std::string::npos) << out;
  ASSERT_NE(out.find("warp run w finished"), std::string::npos) << out;
  expect_same_finals(exp, local_ref());
  EXPECT_EQ(fronts(exp), fronts(local_ref()));
}

// A driver submitted with --submit-driver and requeued (scontrol requeue: what preemption or a node
// failure does to it) runs again with --or-resume, which resumes it (with its stored settings, though the
// experiment's config changed meanwhile) and finishes its run: all iterations, every
// worker finished with each step once, and no worker submitted while an earlier job of it was alive.
TEST(SlurmRun, RequeuedDriverJobResumesItsRun) {
  ASSERT_FALSE(slurm_conf().empty());
  ASSERT_TRUE(wait_idle()) << sh("squeue").out;
  const int64_t steps = kLongSteps;
  const std::string exp = copy_of("slurm-driver-requeue");
  Args args = run_args(exp, steps, 1);
  args.insert(args.end(), {"--launcher", "slurm", "--submit-driver"});
  const Done d = warp_cmd(args, exp + "/../submit.log");
  ASSERT_EQ(d.code, 0) << d.log;
  const std::string job = d.log.substr(d.log.rfind('\n') + 1);
  ASSERT_EQ(job.find_first_not_of("0123456789"), std::string::npos) << d.log;
  // Once its workers train: requeue the driver's job. Watched in worker 1's journal as it writes it:
  // the database has the rows only after the driver's next import (up to 0.5 s later), and on an
  // idle machine the 32 steps, the merge and the front took under 5 s, so the imported rows came
  // too late to catch the driver still running.
  bool training = false;
  for (int i = 0; i < 6000 && !training; ++i) {
    try {
      int64_t last_step = 0;
      bool ended = false;
      for (const auto& r : read_journal(exp + "/journals/w-i1-r1.wj", 0, 1, 1000000)) {
        const std::string t = r.body.at("t").get<std::string>();
        if (t == "metrics")
          for (const auto& row : r.body.at("rows")) last_step = std::max(last_step, row[0].get<int64_t>());
        if (t == "status" && r.body.at("status") != "running") ended = true;
      }
      training = !ended && last_step >= 1 && last_step < steps - 4;
    } catch (const std::exception&) {}
    if (!training) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(training) << sh("scontrol show job -o " + job).out;
  const Shell q = sh("scontrol requeue " + job);
  ASSERT_EQ(q.code, 0) << q.out;
  // Held back after a requeue (Reason=BeginTime, see RequeuedTaskContinuesFromItsCheckpoint): start it now.
  bool pending = false;
  for (int i = 0; i < 1200 && !pending; ++i) {
    pending = sh("squeue -h -j " + job + " -o %T").out == "PENDING";
    if (!pending) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(pending) << sh("scontrol show job -o " + job).out;
  // Meanwhile the experiment's settings changed (someone tunes the next run): the same command again
  // would now describe another run and be refused ("already exists ... with other settings"); the
  // requeued job continues this one with its stored settings.
  {
    nlohmann::json config = nlohmann::json::parse(read_file_text(exp + "/config.json"));
    config["rl"]["lr"] = 2 * config["rl"].value("lr", 1e-3);
    write_file_atomic(exp + "/config.json", config.dump(2) + "\n");
  }
  sh("scontrol update JobId=" + job + " StartTime=now");
  for (int i = 0; i < 3000 && !sh("squeue -h -j " + job + " -o %T").out.empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string show = sh("scontrol show job -o " + job).out;
  const std::string out = file_tail(exp + "/logs/slurm/w-driver-" + job + ".out", 20000);
  EXPECT_NE(show.find("Restarts=1"), std::string::npos) << show;
  EXPECT_NE(show.find("JobState=COMPLETED"), std::string::npos) << show << "\n" << out;
  EXPECT_NE(out.find("driver job requeued (1): continuing the run"), std::string::npos) << out;
  ASSERT_NE(out.find("warp run w finished"), std::string::npos) << out;
  ExperimentDb db = ExperimentDb::open_read_only(exp + "/experiment.db");
  EXPECT_EQ(db.find_run("w")->status, RunStatus::Finished);
  EXPECT_TRUE(is_regular_file(exp + "/checkpoints/w-i1-slerp.h5"));
  std::map<std::string, std::vector<WorkerJobRecord>> jobs;
  for (const auto& j : db.list_worker_jobs(db.find_run("w")->id)) jobs[j.worker].push_back(j);
  for (const char* w : {"w-i1-r1", "w-i1-r2"}) {
    ASSERT_FALSE(jobs[w].empty()) << w;
    EXPECT_LE(jobs[w].size(), 2u) << w;
    EXPECT_EQ(jobs[w].back().state, "COMPLETED") << w;
    // Each job of a worker ended before the next one was submitted.
    for (size_t k = 1; k < jobs[w].size(); ++k)
      EXPECT_LE(jobs[w][k - 1].updated_at, jobs[w][k].submitted_at) << w << ": two jobs at once";
    const RunRecord run = *db.find_run(w);
    EXPECT_EQ(run.status, RunStatus::Finished) << w;
    const auto pts = db.read_metrics(run.id, "train/reward");
    ASSERT_EQ(pts.size(), static_cast<size_t>(steps)) << w << ": every step once";
    for (size_t k = 0; k < pts.size(); ++k) EXPECT_EQ(pts[k].step, static_cast<int64_t>(k + 1)) << w;
    expect_journal_imported(exp, w);
  }
  // Stopped by the first driver (SIGTERM: checkpoint), continued by the second: bit for bit.
  for (const auto& f : kLongFinals)
    expect_same_params(exp + "/checkpoints/" + f + ".h5", local_ref_long() + "/checkpoints/" + f + ".h5");
  EXPECT_EQ(fronts(exp), fronts(local_ref_long()));
}
