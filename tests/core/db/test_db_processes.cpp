// Tests of run liveness (dead pids, stale heartbeats) and of several writer processes on one database.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "db/experiment_db.h"
#include "db_test_support.h"
#include "test_support.h"
#include "util/error.h"

using namespace warp;

namespace {

// pid of a child that has exited and been collected: no process has it (until the pid is reused,
// which takes a full turn of the pid space).
int64_t dead_pid() {
  pid_t pid = test::spawn_child([] {});
  EXPECT_EQ(test::wait_child(pid), 0);
  return pid;
}

// Moves a run's last sign of life `seconds` into the past (what time passing without heartbeats does).
void age_heartbeat(ExperimentDb& db, int64_t run, double seconds) {
  Statement s(db.database(), "UPDATE runs SET heartbeat_at = heartbeat_at - ? WHERE id = ?");
  s.bind(1, seconds).bind(2, run).run();
}

RunRecord record(double heartbeat_at, std::optional<int64_t> pid, std::string host) {
  RunRecord r;
  r.status = RunStatus::Running;
  r.created_at = 0;
  r.heartbeat_at = heartbeat_at;
  r.pid = pid;
  r.host = std::move(host);
  return r;
}

}  // namespace

TEST(DbLiveness, PidAliveAndProcessIdentity) {
  EXPECT_TRUE(pid_alive(::getpid()));
  EXPECT_FALSE(pid_alive(0));   // kill(0, ...) would mean "my process group"
  EXPECT_FALSE(pid_alive(-1));  // ... and -1 "every process"
  EXPECT_FALSE(pid_alive(dead_pid()));
  // An exited child that nobody collected yet (a zombie) is not alive either.
  pid_t zombie = test::spawn_child([] {});
  ASSERT_GT(zombie, 0);
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(zombie), &info, WEXITED | WNOWAIT), 0);  // exited, not reaped
  EXPECT_EQ(::kill(zombie, 0), 0);  // kill() alone would call it alive
  EXPECT_FALSE(pid_alive(zombie));
  EXPECT_EQ(test::wait_child(zombie), 0);

  const std::string me = process_start_token(::getpid());
  EXPECT_FALSE(me.empty());
  EXPECT_EQ(me, process_start_token(::getpid()));  // stable
  // A process started later (start times count in clock ticks of 10 ms) has another identity.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t later = test::spawn_child([&] {
    ::close(ready[1]);
    char c;
    while (::read(ready[0], &c, 1) > 0) {}
  });
  ::close(ready[0]);
  const std::string other = process_start_token(later);
  EXPECT_FALSE(other.empty());
  EXPECT_NE(me, other);
  EXPECT_EQ(me.substr(0, me.find(':')), other.substr(0, other.find(':')));  // same boot
  ::close(ready[1]);
  EXPECT_EQ(test::wait_child(later), 0);
  EXPECT_EQ(process_start_token(dead_pid()), "");
  EXPECT_FALSE(this_host().empty());
}

TEST(DbLiveness, IsAliveHandCases) {
  const double now = 1000.0;
  const std::string here = this_host();
  const int64_t me = ::getpid();
  const int64_t gone = dead_pid();
  // Fresh heartbeat: alive whatever the pid says (the process may be on another host).
  EXPECT_TRUE(is_alive(record(990, gone, here), 60, now));
  EXPECT_TRUE(is_alive(record(940, gone, here), 60, now));  // exactly at the threshold
  // Stale heartbeat: the pid decides on this host ...
  EXPECT_FALSE(is_alive(record(939, gone, here), 60, now));
  EXPECT_TRUE(is_alive(record(100, me, here), 60, now));
  // ... and nothing can save a run on another host, or one without a pid.
  EXPECT_FALSE(is_alive(record(100, me, here + "-elsewhere"), 60, now));
  EXPECT_FALSE(is_alive(record(100, std::nullopt, here), 60, now));
  // A live pid that now belongs to another process (start identity differs): not the run's.
  RunRecord reused = record(100, me, here);
  reused.proc_start = "other-boot:12345";
  EXPECT_FALSE(is_alive(reused, 60, now));
  reused.proc_start = process_start_token(me);
  EXPECT_TRUE(is_alive(reused, 60, now));
  // No heartbeat yet: started_at, else created_at, is the last sign of life.
  RunRecord fresh = record(0, gone, here);
  fresh.heartbeat_at.reset();
  fresh.created_at = 990;
  EXPECT_TRUE(is_alive(fresh, 60, now));
  fresh.created_at = 10;
  fresh.started_at = 995;
  EXPECT_TRUE(is_alive(fresh, 60, now));
  fresh.started_at = 20;
  EXPECT_FALSE(is_alive(fresh, 60, now));
  // effective_status only changes running runs.
  EXPECT_EQ(effective_status(fresh, 60, now), RunStatus::Crashed);
  fresh.status = RunStatus::Finished;
  EXPECT_EQ(effective_status(fresh, 60, now), RunStatus::Finished);
}

TEST(DbLiveness, RefreshMarksOnlyDeadRunsCrashed) {
  auto dir = test::scratch_dir("edb-liveness");
  const std::string path = dir + "/experiment.db";
  ExperimentDb db = ExperimentDb::open(path);
  const std::string here = this_host();
  auto running = [&](const std::string& name) {
    RunSpec s{name, "train"};
    s.status = RunStatus::Running;
    return db.create_run(s);
  };
  const int64_t gone = dead_pid();
  int64_t dead_stale = running("dead-stale");
  db.set_run_process(dead_stale, gone, here);
  age_heartbeat(db, dead_stale, 600);
  int64_t dead_fresh = running("dead-fresh");  // died a moment ago: not stale yet
  db.set_run_process(dead_fresh, gone, here);
  int64_t live_stale = running("live-stale");  // this process: alive, however old its heartbeat
  age_heartbeat(db, live_stale, 600);
  int64_t remote_stale = running("remote-stale");
  db.set_run_process(remote_stale, ::getpid(), "some-gpu-server");
  age_heartbeat(db, remote_stale, 600);
  int64_t reused_stale = running("reused-stale");  // its pid now belongs to someone else
  {
    Statement s(db.database(), "UPDATE runs SET proc_start = 'earlier-boot:1' WHERE id = ?");
    s.bind(1, reused_stale).run();
  }
  age_heartbeat(db, reused_stale, 600);
  int64_t finished = running("finished");
  db.set_run_status(finished, RunStatus::Finished);
  db.set_run_process(finished, gone, here);
  age_heartbeat(db, finished, 600);

  // A read-only viewer sees the verdict without writing it.
  {
    ExperimentDb viewer = ExperimentDb::open_read_only(path);
    for (const RunRecord& r : viewer.list_runs(60.0)) {
      bool dead = r.id == dead_stale || r.id == remote_stale || r.id == reused_stale;
      EXPECT_EQ(r.presumed_crashed, dead) << r.name;
      EXPECT_EQ(r.status, dead ? RunStatus::Crashed : (r.id == finished ? RunStatus::Finished : RunStatus::Running))
          << r.name;
      if (dead) {
        EXPECT_NE(r.message.find("no heartbeat for"), std::string::npos) << r.message;
      }
    }
    for (const RunRecord& r : viewer.list_runs()) EXPECT_FALSE(r.presumed_crashed);
  }
  EXPECT_EQ(db.get_run(dead_stale).status, RunStatus::Running);  // still as stored

  auto marked = db.refresh_liveness(60.0);
  EXPECT_EQ(marked, (std::vector<int64_t>{dead_stale, remote_stale, reused_stale}));
  RunRecord d = db.get_run(dead_stale);
  EXPECT_EQ(d.status, RunStatus::Crashed);
  EXPECT_TRUE(d.ended_at.has_value());
  EXPECT_NE(d.message.find("process " + std::to_string(gone) + " is gone"), std::string::npos) << d.message;
  EXPECT_NE(db.get_run(remote_stale).message.find("some-gpu-server"), std::string::npos);
  EXPECT_EQ(db.get_run(dead_fresh).status, RunStatus::Running);
  EXPECT_EQ(db.get_run(live_stale).status, RunStatus::Running);
  EXPECT_EQ(db.get_run(finished).status, RunStatus::Finished);
  EXPECT_TRUE(db.refresh_liveness(60.0).empty());  // idempotent

  // Once stale, the run that died a moment ago goes the same way.
  age_heartbeat(db, dead_fresh, 120);
  EXPECT_EQ(db.refresh_liveness(60.0), (std::vector<int64_t>{dead_fresh}));

  // A heartbeat from a process that is in fact alive brings a crashed run back.
  db.heartbeat(remote_stale);
  RunRecord back = db.get_run(remote_stale);
  EXPECT_EQ(back.status, RunStatus::Running);
  EXPECT_EQ(back.message, "");
  EXPECT_FALSE(back.ended_at.has_value());
  EXPECT_EQ(back.pid, std::optional<int64_t>(::getpid()));
  EXPECT_EQ(back.host, here);
}

TEST(DbLiveness, RunOfAKilledWriterProcessBecomesCrashed) {
  auto dir = test::scratch_dir("edb-killed");
  const std::string path = dir + "/experiment.db";
  int64_t run = 0;
  { run = ExperimentDb::open(path).create_run({"victim", "train"}); }
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = test::spawn_child([&] {
    ExperimentDb db = ExperimentDb::open(path);
    db.set_run_status(run, RunStatus::Running);
    db.append_metrics(run, {{0, "loss", 1.0}});
    char c = 1;
    if (::write(ready[1], &c, 1) != 1) throw Error("pipe");
    for (;;) ::pause();  // until killed, like a run that hangs then gets killed -9
  });
  ASSERT_GT(child, 0);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  ::close(ready[1]);
  ExperimentDb db = ExperimentDb::open(path);
  EXPECT_EQ(db.get_run(run).pid, std::optional<int64_t>(child));
  age_heartbeat(db, run, 600);
  EXPECT_TRUE(db.refresh_liveness(60.0).empty());  // still alive: stale heartbeat is not enough
  ::kill(child, SIGKILL);
  EXPECT_EQ(test::wait_child(child), -1);
  EXPECT_EQ(db.refresh_liveness(60.0), (std::vector<int64_t>{run}));
  EXPECT_EQ(db.get_run(run).status, RunStatus::Crashed);
  EXPECT_EQ(db.count_metrics(run), 1);  // what it committed before dying is kept
}

namespace {

// Each writer process: claims its run, appends kBatches batches of kRows (one transaction each)
// with a heartbeat after every batch, then finishes the run.
constexpr int kWriters = 4, kBatches = 150, kRows = 100;

void writer_body(const std::string& path, const std::string& run_name, test::StartBarrier& barrier) {
  barrier.wait();  // all open at once (for a fresh file: all race to create and migrate it)
  ExperimentDb db = ExperimentDb::open(path);
  int64_t run = 0;
  if (auto r = db.find_run(run_name)) {
    run = r->id;
  } else {
    run = db.create_run({run_name, "train"});
  }
  db.set_run_status(run, RunStatus::Running);
  for (int b = 0; b < kBatches; ++b) {
    std::vector<MetricRow> rows;
    rows.reserve(kRows);
    for (int i = 0; i < kRows; ++i) {
      int64_t step = static_cast<int64_t>(b) * kRows + i;
      rows.push_back({step, i % 3 == 0 ? "reward" : i % 3 == 1 ? "kl" : "loss", static_cast<double>(step)});
    }
    db.append_metrics(run, rows);
    db.heartbeat(run);
  }
  db.set_run_status(run, RunStatus::Finished);
}

void check_writers_result(const std::string& path) {
  ExperimentDb db = ExperimentDb::open_read_only(path);
  EXPECT_EQ(db.count_metrics(), int64_t{kWriters} * kBatches * kRows);
  auto runs = db.list_runs();
  ASSERT_EQ(runs.size(), static_cast<size_t>(kWriters));
  for (const RunRecord& r : runs) {
    EXPECT_EQ(r.status, RunStatus::Finished) << r.name;
    EXPECT_EQ(db.count_metrics(r.id), int64_t{kBatches} * kRows) << r.name;
    EXPECT_TRUE(r.heartbeat_at.has_value());
    EXPECT_NE(r.pid, std::optional<int64_t>(::getpid()));  // written by its own process
    // Every step of every key exactly once, with its value.
    auto reward = db.read_metrics(r.id, "reward");
    ASSERT_EQ(reward.size(), static_cast<size_t>(kBatches * ((kRows + 2) / 3)));
    for (size_t i = 0; i < reward.size(); ++i) {
      int64_t step = static_cast<int64_t>(i / 34) * kRows + static_cast<int64_t>(i % 34) * 3;
      ASSERT_EQ(reward[i].step, step) << r.name << " row " << i;
      ASSERT_EQ(reward[i].value, static_cast<double>(step));
    }
  }
  Statement distinct(db.database(), "SELECT count(DISTINCT id) FROM metrics");
  ASSERT_TRUE(distinct.step());
  EXPECT_EQ(distinct.column_int64(0), int64_t{kWriters} * kBatches * kRows);
}

void run_writers(const std::string& path) {
  test::StartBarrier barrier;
  ASSERT_TRUE(barrier.ok());
  std::vector<pid_t> children;
  for (int w = 0; w < kWriters; ++w) {
    std::string name = "writer-" + std::to_string(w);
    pid_t pid = test::spawn_child([&path, name, &barrier] { writer_body(path, name, barrier); });
    ASSERT_GT(pid, 0);
    children.push_back(pid);
  }
  barrier.release();
  for (pid_t pid : children) EXPECT_EQ(test::wait_child(pid), 0) << "writer process " << pid << " failed (see stderr)";
}

}  // namespace

static_assert(kRows == 100, "the expected reward steps below assume 34 reward rows per batch of 100");

TEST(DbProcesses, FourWriterProcessesOnOneDatabase) {
  auto dir = test::scratch_dir("edb-4writers");
  const std::string path = dir + "/experiment.db";
  {
    ExperimentDb db = ExperimentDb::open(path);
    for (int w = 0; w < kWriters; ++w) db.create_run({"writer-" + std::to_string(w), "train"});
  }
  run_writers(path);
  check_writers_result(path);
}

TEST(DbProcesses, FourProcessesCreateAFreshDatabaseTogether) {
  // Nobody created the file: the four race to create it, switch it to WAL and migrate it.
  auto dir = test::scratch_dir("edb-4fresh");
  const std::string path = dir + "/experiment.db";
  run_writers(path);
  check_writers_result(path);
  EXPECT_EQ(ExperimentDb::open_read_only(path).schema_version(), latest_schema_version());
}

// Issue 14: claiming a run is one transaction. Eight processes claim one crashed run at the same
// moment; exactly one wins, the others are refused naming the run and the winner's pid, and the row
// names the winner. (Without the claim's transaction, check-then-set let several through.)
TEST(DbClaim, OfManyProcessesClaimingOneRunExactlyOneWins) {
  const std::string path = test::scratch_dir("db-claim-race") + "/experiment.db";
  int64_t run = 0;
  {
    ExperimentDb db = ExperimentDb::open(path);
    RunSpec spec("contested", "train", "{}");
    spec.status = RunStatus::Running;
    run = db.create_run(spec);
    db.set_run_process(run, dead_pid(), this_host());  // its process was killed with -9
  }
  const std::string dir = parent_dir(path);
  constexpr int kChildren = 8;
  for (int trial = 0; trial < 3; ++trial) {
    {
      ExperimentDb db = ExperimentDb::open(path);
      db.set_run_process(run, dead_pid(), this_host());
    }
    test::StartBarrier barrier;
    ASSERT_TRUE(barrier.ok());
    std::vector<pid_t> kids;
    for (int i = 0; i < kChildren; ++i) {
      kids.push_back(test::spawn_child([&, i] {
        ExperimentDb db = ExperimentDb::open(path);
        barrier.wait();
        std::string outcome;
        try {
          db.claim_run(run, "resumed");
          outcome = "won";
          // Hold the run (alive) until the parent has counted.
          ::sleep(1);
        } catch (const BadInput& e) {
          outcome = e.what();
        }
        write_file_atomic(dir + "/child-" + std::to_string(i), outcome);
      }));
      ASSERT_GT(kids.back(), 0);
    }
    barrier.release();
    for (pid_t k : kids) EXPECT_EQ(test::wait_child(k), 0);
    int won = 0;
    std::vector<std::string> refusals;
    for (int i = 0; i < kChildren; ++i) {
      const std::string s = read_file_text(dir + "/child-" + std::to_string(i));
      if (s == "won") {
        ++won;
      } else {
        refusals.push_back(s);
      }
    }
    EXPECT_EQ(won, 1) << "trial " << trial;
    const RunRecord row = ExperimentDb::open_read_only(path).get_run(run);
    for (const std::string& s : refusals) {
      EXPECT_NE(s.find("'contested'"), std::string::npos) << s;
      EXPECT_NE(s.find("pid " + std::to_string(*row.pid)), std::string::npos) << s;
    }
  }
}

TEST(DbClaim, LiveHolderRefusedDeadHolderClaimedAtOnceFinishedRefused) {
  const std::string path = test::scratch_dir("db-claim-rules") + "/experiment.db";
  ExperimentDb db = ExperimentDb::open(path);
  RunSpec spec("r", "train", "{}");
  spec.status = RunStatus::Running;
  const int64_t run = db.create_run(spec);  // held by this (live) process
  // Another process may not take it...
  pid_t child = test::spawn_child([&] {
    ExperimentDb other = ExperimentDb::open(path);
    try {
      other.claim_run(run);
    } catch (const BadInput& e) {
      const std::string m = e.what();
      if (m.find("'r'") != std::string::npos &&
          m.find("it is running (pid " + std::to_string(::getppid())) != std::string::npos)
        return;
      throw;
    }
    throw Error("claimed a run held by a live process");
  });
  EXPECT_EQ(test::wait_child(child), 0);
  // ... the same process may re-claim it ...
  EXPECT_NO_THROW(db.claim_run(run));
  // ... a dead holder of this host is claimed at once, though its heartbeat is fresh ...
  db.set_run_process(run, dead_pid(), this_host());
  const RunRecord before = db.claim_run(run, "resumed");
  EXPECT_EQ(before.status, RunStatus::Running);
  RunRecord now = db.get_run(run);
  EXPECT_EQ(*now.pid, ::getpid());
  EXPECT_EQ(now.message, "resumed");
  // ... a holder on another host with a fresh heartbeat is not ...
  child = test::spawn_child([&] {
    ExperimentDb other = ExperimentDb::open(path);
    other.set_run_process(run, 12345, "another-host.example");
    try {
      other.claim_run(run);
    } catch (const BadInput& e) {
      if (std::string(e.what()).find("on another-host.example") != std::string::npos) return;
      throw;
    }
    throw Error("claimed a run of another host with a fresh heartbeat");
  });
  EXPECT_EQ(test::wait_child(child), 0);
  // ... until its heartbeat is stale.
  age_heartbeat(db, run, 600);
  EXPECT_NO_THROW(db.claim_run(run));
  db.set_run_status(run, RunStatus::Finished);
  EXPECT_THROW(db.claim_run(run), BadInput);
}
