// Worker journals and their importer (db/journal.h, docs/formats.md "Worker journals"): the line
// format with its checks, torn last lines (not read; cut off by the next writer), corrupt lines
// (an error naming the file and byte), and the import's exactly-once guarantee with real kill -9 of
// importer and writer processes at random moments (label fault).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <random>
#include <thread>

#include "db/experiment_db.h"
#include "db/journal.h"
#include "db/liveness.h"
#include "test_support.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/sha256.h"

using namespace warp;

namespace {

void append_raw(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << bytes;
}

int64_t scalar(ExperimentDb& db, const std::string& sql) {
  Statement s(db.database(), sql);
  return s.step() ? s.column_int64(0) : -1;
}

nlohmann::json metrics_record(const std::string& run, int64_t step) {
  return {{"t", "metrics"},
          {"run", run},
          {"rows", {{step, "a", 0.5 * static_cast<double>(step), 1.0}, {step, "b", nullptr, 1.0}}}};
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Journal, LinesCarryChecksAndATornLastLineIsNotRead) {
  const std::string dir = test::scratch_dir("journal-lines");
  const std::string path = dir + "/journals/r.wj";
  {
    JournalWriter w(path);
    EXPECT_EQ(w.append({{"t", "heartbeat"}, {"run", "r"}}), 1);
    EXPECT_EQ(w.append(metrics_record("r", 1)), 2);
    w.sync();
  }
  EXPECT_EQ(journal_line(7, {{"t", "x"}}).substr(0, 2), "7 ");
  auto recs = read_journal(path, 0, 1, 100);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].seq, 2);
  EXPECT_EQ(recs[1].body.at("rows").size(), 2u);
  EXPECT_EQ(recs[1].end_offset, static_cast<int64_t>(read_file_text(path).size()));
  // A writer killed mid-line: the part is not a record.
  const std::string third = journal_line(3, metrics_record("r", 2));
  append_raw(path, third.substr(0, third.size() / 2));
  EXPECT_EQ(read_journal(path, 0, 1, 100).size(), 2u);
  EXPECT_TRUE(read_journal(path, recs[1].end_offset, 3, 100).empty());
  // The next writer cuts the torn line off and continues the seq.
  {
    JournalWriter w(path);
    EXPECT_EQ(w.last_seq(), 2);
    EXPECT_EQ(w.append(metrics_record("r", 2)), 3);
  }
  recs = read_journal(path, 0, 1, 100);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[2].body.at("rows")[0][0], 2);
  EXPECT_TRUE(read_journal(dir + "/journals/none.wj", 0, 1, 10).empty());  // no file, no records
}

TEST(Journal, CorruptLineStopsNamingTheFileAndByte) {
  const std::string dir = test::scratch_dir("journal-corrupt");
  const std::string path = dir + "/r.wj";
  {
    JournalWriter w(path);
    w.append(metrics_record("r", 1));
  }
  const int64_t first_end = static_cast<int64_t>(read_file_text(path).size());
  std::string line = journal_line(2, metrics_record("r", 2));
  line[line.size() - 5] = '7';  // a changed value: the check no longer matches
  append_raw(path, line);
  const std::string msg = error_of([&] { read_journal(path, 0, 1, 100); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(
      msg.find("corrupt journal record at byte " + std::to_string(first_end) + " (seq 2 expected): check mismatch"),
      std::string::npos)
      << msg;
  // A seq out of order is refused too (a record lost or written twice).
  const std::string dir2 = test::scratch_dir("journal-seq");
  append_raw(dir2 + "/r.wj", journal_line(1, metrics_record("r", 1)) + journal_line(3, metrics_record("r", 3)));
  EXPECT_NE(error_of([&] { read_journal(dir2 + "/r.wj", 0, 1, 100); }).find("seq 3 out of order"), std::string::npos);
  // Import: the good records before it are imported, then the error; nothing past it.
  ExperimentDb db = ExperimentDb::open(dir + "/experiment.db");
  db.create_run({"r", "train"});
  EXPECT_NE(error_of([&] { import_journal(db, path); }).find("check mismatch"), std::string::npos);
  EXPECT_EQ(db.count_metrics(), 2);
  EXPECT_EQ(scalar(db, "SELECT seq FROM journal_imports WHERE journal = 'r.wj'"), 1);
}

TEST(Journal, ImportIsIncrementalAndIdempotent) {
  const std::string dir = test::scratch_dir("journal-import");
  ExperimentDb db = ExperimentDb::open(dir + "/experiment.db");
  const int64_t run = db.create_run({"w-i1-r1", "train"});
  const std::string path = dir + "/journals/w-i1-r1.wj";
  auto w_holder = std::make_unique<JournalWriter>(path);
  JournalWriter& w = *w_holder;
  w.append({{"t", "status"}, {"run", "w-i1-r1"}, {"status", "running"}, {"message", ""}, {"at", 100.0}});
  for (int64_t s = 1; s <= 5; ++s) w.append(metrics_record("w-i1-r1", s));
  w.append({{"t", "heartbeat"}, {"run", "w-i1-r1"}, {"at", 123.5}, {"host", "node7"}, {"pid", 4242}});
  JournalImport a = import_journals(db, dir + "/journals", 3);  // batches of 3 records
  EXPECT_EQ(a.records, 7);
  EXPECT_EQ(a.metric_rows, 10);
  EXPECT_EQ(db.count_metrics(run), 10);
  const RunRecord r = db.get_run(run);
  EXPECT_EQ(r.status, RunStatus::Running);
  EXPECT_EQ(r.host, "node7");
  EXPECT_EQ(r.pid, std::optional<int64_t>(4242));
  EXPECT_EQ(r.heartbeat_at, std::optional<double>(123.5));
  const auto series = db.read_metrics(run, "b");
  ASSERT_EQ(series.size(), 5u);
  EXPECT_TRUE(std::isnan(series[0].value));  // null = NaN
  EXPECT_EQ(db.read_metrics(run, "a")[4].value, 2.5);
  // Again: nothing new, nothing twice.
  EXPECT_EQ(import_journal(db, path).records, 0);
  EXPECT_EQ(db.count_metrics(run), 10);
  // A torn line waits until it is complete.
  const std::string next = journal_line(8, metrics_record("w-i1-r1", 6));
  append_raw(path, next.substr(0, 10));
  EXPECT_EQ(import_journal(db, path).records, 0);
  append_raw(path, next.substr(10));
  EXPECT_EQ(import_journal(db, path).records, 1);
  EXPECT_EQ(db.count_metrics(run), 12);
  // A resume drops the rows past its state, the run ends (its writer, once the first one is gone).
  w_holder.reset();
  JournalWriter w2(path);
  w2.append({{"t", "drop_after"}, {"run", "w-i1-r1"}, {"step", 4}});
  w2.append({{"t", "status"}, {"run", "w-i1-r1"}, {"status", "finished"}, {"message", "done"}, {"at", 200.0}});
  EXPECT_EQ(import_journal(db, path).records, 2);
  EXPECT_EQ(db.count_metrics(run), 8);
  EXPECT_EQ(db.get_run(run).status, RunStatus::Finished);
  EXPECT_EQ(db.get_run(run).ended_at, std::optional<double>(200.0));
  // Bad records name the journal and the record.
  JournalWriter w3(dir + "/journals/x.wj");
  w3.append(metrics_record("nobody", 1));
  const std::string msg = error_of([&] { import_journal(db, dir + "/journals/x.wj"); });
  EXPECT_NE(msg.find("x.wj: record 1: names run 'nobody'"), std::string::npos) << msg;
  w2.append({{"t", "gossip"}, {"run", "w-i1-r1"}});
  EXPECT_NE(error_of([&] { import_journal(db, path); }).find("unknown record type 'gossip'"), std::string::npos);
}

// kill -9 of importers (and of the writer) at random moments: every record is imported exactly once.
TEST(JournalFault, ImporterAndWriterKilled9LoseAndDuplicateNothing) {
  const std::string dir = test::scratch_dir("journal-kill9");
  const std::string db_path = dir + "/experiment.db";
  const std::string path = dir + "/journals/r.wj";
  int64_t run = 0;
  {
    ExperimentDb db = ExperimentDb::open(db_path);
    run = db.create_run({"r", "train"});
  }
  const int64_t records = 8000;
  // The writer: a child process appending records (step = seq) until `records`; killed -9 at random,
  // then started again (it continues after the last complete record).
  auto start_writer = [&] {
    const pid_t pid = ::fork();
    if (pid == 0) {
      try {
        JournalWriter w(path);
        while (w.last_seq() < records) w.append(metrics_record("r", w.last_seq() + 1));
        ::_exit(0);
      } catch (...) {
        ::_exit(3);
      }
    }
    return pid;
  };
  // An importer: a child process importing in small transactions until it has everything.
  auto start_importer = [&] {
    const pid_t pid = ::fork();
    if (pid == 0) {
      try {
        ExperimentDb db = ExperimentDb::open(db_path);
        for (;;) {
          const JournalImport r = import_journal(db, path, 50);
          if (r.seq >= records) ::_exit(0);
          if (r.records == 0) ::usleep(1000);
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "importer: %s\n", e.what());
        ::_exit(3);
      }
    }
    return pid;
  };
  std::mt19937 rng(20261204);
  std::uniform_int_distribution<int> delay_ms(1, 40);
  int kills = 0, writer_kills = 0;
  pid_t writer = start_writer();
  bool writer_done = false;
  for (int round = 0; round < 120; ++round) {
    const pid_t importer = start_importer();
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    int st = 0;
    if (::waitpid(importer, &st, WNOHANG) == 0) {
      ::kill(importer, SIGKILL);
      ::waitpid(importer, &st, 0);
      ++kills;
    } else {
      ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "importer failed, status " << st;
      if (writer_done) break;
    }
    if (!writer_done) {
      if (::waitpid(writer, &st, WNOHANG) == writer) {
        ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "writer failed, status " << st;
        writer_done = true;
      } else if (round % 3 == 1) {
        ::kill(writer, SIGKILL);
        ::waitpid(writer, &st, 0);
        ++writer_kills;
        writer = start_writer();
      }
    }
  }
  if (!writer_done) {
    int st = 0;
    ::waitpid(writer, &st, 0);
    ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  // A last importer, not killed, finishes.
  ExperimentDb db = ExperimentDb::open(db_path);
  import_journal(db, path);
  std::printf("journal kill -9: %d importers and %d writers killed\n", kills, writer_kills);
  EXPECT_GE(kills, 5);
  EXPECT_EQ(db.count_metrics(run), 2 * records);
  EXPECT_EQ(scalar(db, "SELECT count(DISTINCT step || '/' || key_id) FROM metrics"), 2 * records);
  EXPECT_EQ(scalar(db, "SELECT min(step) FROM metrics"), 1);
  EXPECT_EQ(scalar(db, "SELECT max(step) FROM metrics"), records);
  EXPECT_EQ(scalar(db, "SELECT seq FROM journal_imports WHERE journal = 'r.wj'"), records);
  EXPECT_EQ(scalar(db, "SELECT byte_offset FROM journal_imports WHERE journal = 'r.wj'"),
            static_cast<int64_t>(read_file_text(path).size()));
}

// One writer per journal: a second writer, of this process or of another, is refused while the
// first holds it; the lock goes with the first writer (or its process).
TEST(Journal, ASecondWriterIsRefused) {
  const std::string dir = test::scratch_dir("journal-lock");
  const std::string path = dir + "/journals/r.wj";
  auto first = std::make_unique<JournalWriter>(path);
  first->append({{"t", "heartbeat"}, {"run", "r"}});
  const std::string msg = error_of([&] { JournalWriter second(path); });
  EXPECT_NE(msg.find("r.wj: another process is writing this journal"), std::string::npos) << msg;
  EXPECT_THROW(JournalWriter again(path), BadInput);
  const pid_t pid = ::fork();
  if (pid == 0) {
    try {
      JournalWriter other(path);
      ::_exit(0);
    } catch (const BadInput&) {
      ::_exit(7);
    } catch (...) {
      ::_exit(3);
    }
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 7) << "status " << st;
  first.reset();
  JournalWriter next(path);
  EXPECT_EQ(next.last_seq(), 1);
}

// JournalRunLog (a worker recording its run in its journal) and the import of every record type
// it writes: the run's row with its lineage and init checkpoint, metrics, checkpoints, per-prompt
// values, heartbeats with the process identity, status; a resume's drop_after.
TEST(Journal, RunLogRecordsARunThatTheImporterCreates) {
  const std::string dir = test::scratch_dir("journal-runlog");
  ExperimentDb db = ExperimentDb::open(dir + "/experiment.db");
  const int64_t driver = db.create_run({"drv", "warp"});
  make_dirs(dir + "/checkpoints");
  write_file_atomic(dir + "/checkpoints/init.h5", "init weights");
  write_file_atomic(dir + "/checkpoints/w-state.h5", "state");
  const std::string init_sha = sha256_file(dir + "/checkpoints/init.h5");
  JournalRunSpec spec;
  spec.name = "w";
  spec.kind = "train";
  spec.config_json = R"({"rl":{"steps":4}})";
  spec.parent = "drv";
  spec.iteration = 1;
  spec.init_path = "checkpoints/init.h5";
  spec.init_sha256 = init_sha;
  {
    JournalRunLog log(dir, spec, /*resume=*/false);
    EXPECT_EQ(log.path(), dir + "/journals/w.wj");
    // The run is not in the database until imported, but its journal says it exists.
    EXPECT_FALSE(db.find_run("w"));
    const JournalRunView v = read_journal_run(log.path());
    EXPECT_TRUE(v.created);
    EXPECT_EQ(v.kind, "train");
    EXPECT_EQ(v.config_json, spec.config_json);
    EXPECT_EQ(v.status, std::optional<RunStatus>(RunStatus::Running));
    // One writer per run: a second process (or a second resume here) is refused while this one runs.
    const std::string second = error_of([&] { JournalRunLog other(dir, spec, /*resume=*/true); });
    EXPECT_NE(second.find("w.wj: another process is writing this journal"), std::string::npos) << second;
    for (int64_t step = 1; step <= 4; ++step) {
      log.metric(step, "train/reward", 0.25 * static_cast<double>(step));
      log.metric(step, "train/loss", step == 3 ? NAN : 1.0);
    }
    log.flush();
    log.add_checkpoint(dir + "/checkpoints/w-state.h5", 4, "rl-resume");
    log.eval_values(4, {{"reward", {1.0, 2.0}}});
    // Imported while the run goes on.
    EXPECT_EQ(import_journals(db, dir + "/journals").metric_rows, 8);
    const RunRecord r = db.find_run("w").value();
    EXPECT_EQ(r.status, RunStatus::Running);
    EXPECT_EQ(r.parent_run_id, std::optional<int64_t>(driver));
    EXPECT_EQ(r.iteration, std::optional<int64_t>(1));
    EXPECT_EQ(r.config_json, spec.config_json);
    EXPECT_EQ(r.pid, std::optional<int64_t>(::getpid()));
    EXPECT_EQ(r.host, this_host());
    EXPECT_TRUE(is_alive(r, 0.0));  // pid + start identity: alive now, dead once the process is
    ASSERT_TRUE(r.init_checkpoint_id);
    const CheckpointRecord init = db.get_checkpoint(*r.init_checkpoint_id);
    EXPECT_EQ(init.kind, "import");
    EXPECT_EQ(init.path, "checkpoints/init.h5");
    EXPECT_EQ(init.sha256, init_sha);
    log.finish(RunStatus::Finished, "done");
  }
  import_journals(db, dir + "/journals");
  const int64_t run = db.find_run("w").value().id;
  EXPECT_EQ(db.get_run(run).status, RunStatus::Finished);
  EXPECT_EQ(db.get_run(run).message, "done");
  EXPECT_EQ(db.count_metrics(run), 8);
  EXPECT_TRUE(std::isnan(db.read_metrics(run, "train/loss")[2].value));
  const auto ckpts = db.list_checkpoints(run);
  ASSERT_EQ(ckpts.size(), 1u);
  EXPECT_EQ(ckpts[0].path, "checkpoints/w-state.h5");
  EXPECT_EQ(ckpts[0].step, 4);
  EXPECT_EQ(ckpts[0].kind, "rl-resume");
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM eval_values WHERE run_id = " + std::to_string(run) + " AND step = 4"), 1);
  // Finished: neither resumed nor started again under that name.
  EXPECT_NE(error_of([&] { JournalRunLog again(dir, spec, true); }).find("already finished"), std::string::npos);
  EXPECT_NE(error_of([&] { JournalRunLog again(dir, spec, false); }).find("has a journal already"), std::string::npos);
  // A second journal creating a run the database has is refused by the importer, naming both.
  JournalRunSpec other = spec;
  other.name = "x";
  { JournalRunLog x(dir, other, false); }
  std::rename((dir + "/journals/x.wj").c_str(), (dir + "/journals/y.wj").c_str());
  {
    // y.wj's records name run x: create it under x, then a copy creating x again.
    import_journal(db, dir + "/journals/y.wj");
    std::ifstream in(dir + "/journals/y.wj");
    std::string first;
    std::getline(in, first);
    append_raw(dir + "/journals/z.wj", first + "\n");
  }
  const std::string msg = error_of([&] { import_journal(db, dir + "/journals/z.wj"); });
  EXPECT_NE(msg.find("z.wj: record 1: creates run 'x', which"), std::string::npos) << msg;
}

TEST(Journal, AResumedRunDropsTheRowsPastItsState) {
  const std::string dir = test::scratch_dir("journal-resume");
  ExperimentDb db = ExperimentDb::open(dir + "/experiment.db");
  JournalRunSpec spec;
  spec.name = "w";
  spec.kind = "train";
  spec.config_json = "{}";
  {
    JournalRunLog log(dir, spec, false);
    for (int64_t step = 1; step <= 6; ++step) log.metric(step, "k", 1.0);
    log.flush();
    // killed here: no status record
  }
  import_journals(db, dir + "/journals");
  const int64_t run = db.find_run("w").value().id;
  EXPECT_EQ(db.count_metrics(run), 6);
  {
    JournalRunLog log(dir, spec, true);
    log.drop_metrics_after(4);
    log.metric(5, "k", 2.0);
    log.finish(RunStatus::Finished, "");
  }
  import_journals(db, dir + "/journals");
  const auto pts = db.read_metrics(run, "k");
  ASSERT_EQ(pts.size(), 5u);
  EXPECT_EQ(pts.back().step, 5);
  EXPECT_EQ(pts.back().value, 2.0);
  EXPECT_EQ(db.get_run(run).status, RunStatus::Finished);
  EXPECT_EQ(db.get_run(run).message, "");
}

// Non-finite metric values (a diverging run's loss) reach experiment.db through a journal as the
// same values a run writing the database directly stores: +inf, -inf and NaN (SQLite's NULL), not
// all NaN as when they were journaled as JSON null. Older journals' null still reads as NaN; any
// other string is refused naming the record.
TEST(Journal, NonFiniteValuesImportAsTheSameValuesLocalRunsStore) {
  const std::string dir = test::scratch_dir("journal-nonfinite");
  ExperimentDb db = ExperimentDb::open(dir + "/experiment.db");
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> values = {1.5, inf, -inf, std::numeric_limits<double>::quiet_NaN(), -2.5, 1e-310};
  const int64_t local = db.create_run({"local", "train"});
  std::vector<MetricRow> rows;
  for (size_t i = 0; i < values.size(); ++i) rows.emplace_back(static_cast<int64_t>(i), "loss", values[i], 1.0);
  db.append_metrics(local, rows);
  JournalRunSpec spec;
  spec.name = "j";
  spec.kind = "train";
  spec.config_json = "{}";
  {
    JournalRunLog log(dir, spec, /*resume=*/false);
    for (size_t i = 0; i < values.size(); ++i) log.metric(static_cast<int64_t>(i), "loss", values[i]);
    log.finish(RunStatus::Finished);
  }
  const std::string text = read_file_text(dir + "/journals/j.wj");
  EXPECT_NE(text.find(R"("inf")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("-inf")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("nan")"), std::string::npos) << text;
  import_journals(db, dir + "/journals");
  const auto a = db.read_metrics(local, "loss"), b = db.read_metrics(db.find_run("j")->id, "loss");
  ASSERT_EQ(a.size(), values.size());
  ASSERT_EQ(b.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i])) {
      EXPECT_TRUE(std::isnan(a[i].value) && std::isnan(b[i].value)) << i;
    } else {
      EXPECT_EQ(a[i].value, values[i]) << i;
      EXPECT_EQ(b[i].value, values[i]) << i;
    }
  }
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM metrics WHERE value IS NULL"), 2);  // NaN, as locally
  // An older journal's null: NaN. Another string: refused, naming the record.
  db.create_run({"old", "train"});
  {
    JournalWriter w(dir + "/journals/old.wj");
    w.append({{"t", "metrics"}, {"run", "old"}, {"rows", {{1, "loss", nullptr, 1.0}}}});
    import_journal(db, dir + "/journals/old.wj");
    w.append({{"t", "metrics"}, {"run", "old"}, {"rows", {{2, "loss", "infinity", 1.0}}}});
  }
  const std::string msg = error_of([&] { import_journal(db, dir + "/journals/old.wj"); });
  EXPECT_NE(msg.find("old.wj: record 2: a metric row is not"), std::string::npos) << msg;
  ASSERT_EQ(db.read_metrics(db.find_run("old")->id, "loss").size(), 1u);
  EXPECT_TRUE(std::isnan(db.read_metrics(db.find_run("old")->id, "loss")[0].value));
}

// Two importers at once (the driver and the desktop app, each with its own connection) on journals
// that a writer keeps appending to: every row once, none lost.
TEST(Journal, TwoImportersAtOnceImportEveryRowOnce) {
  const std::string dir = test::scratch_dir("journal-two-importers");
  const std::string db_path = dir + "/experiment.db";
  {
    ExperimentDb db = ExperimentDb::open(db_path);
    db.create_run({"r", "train"});
  }
  const int64_t records = 3000;
  std::atomic<bool> written{false};
  std::atomic<int> ready{0};
  std::thread writer([&] {
    JournalWriter w(dir + "/journals/r.wj");
    while (ready.load() < 2) std::this_thread::yield();  // both importers are there
    while (w.last_seq() < records) {
      w.append(metrics_record("r", w.last_seq() + 1));
      if (w.last_seq() % 10 == 0) std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
    written = true;
  });
  std::atomic<int64_t> imported[2] = {0, 0};
  auto importer = [&](int k) {
    ExperimentDb db = ExperimentDb::open(db_path);
    ++ready;
    for (;;) {
      const bool last = written.load();
      imported[k] += import_journals(db, dir + "/journals", 7).records;
      if (last) break;
    }
  };
  std::thread i1(importer, 0), i2(importer, 1);
  writer.join();
  i1.join();
  i2.join();
  ExperimentDb db = ExperimentDb::open(db_path);
  // How the rows split between the two is the scheduler's choice (under ASan one importer can take
  // them all): the invariant is that together they import each row exactly once.
  std::cout << "importers: " << imported[0].load() << " + " << imported[1].load() << " records\n";
  EXPECT_EQ(imported[0].load() + imported[1].load(), records);
  EXPECT_EQ(db.count_metrics(), 2 * records);
  EXPECT_EQ(scalar(db, "SELECT count(DISTINCT step || '/' || key_id) FROM metrics"), 2 * records);
}

// Compaction: a journal whose writer has ended and whose records are all imported shrinks to one
// base record carrying the last seq and what the run's view needs; the next writer (a resume)
// continues after that seq, the importer imports its records once, and a compaction killed between
// its rename and its commit is finished by the next import. Nothing while a writer holds it, nothing
// not yet imported, nothing twice.
TEST(Journal, CompactionKeepsEveryRowOnceAndTheRunsView) {
  const std::string dir = test::scratch_dir("journal-compact");
  ExperimentDb db = ExperimentDb::open(dir + "/experiment.db");
  JournalRunSpec spec;
  spec.name = "c";
  spec.kind = "train";
  spec.config_json = R"({"rl":{"steps":9}})";
  const std::string path = dir + "/journals/c.wj";
  {
    JournalRunLog log(dir, spec, /*resume=*/false);
    for (int64_t s = 1; s <= 50; ++s) {
      log.metric(s, "loss", 1.0 / static_cast<double>(s));
      log.flush();  // a heartbeat per flush: what makes journals long
    }
    EXPECT_FALSE(compact_journal(db, path, 0)) << "the writer holds it";
    log.finish(RunStatus::Killed, "stopped");
  }
  const int64_t before = static_cast<int64_t>(read_file_text(path).size());
  EXPECT_FALSE(compact_journal(db, path, before + 1)) << "shorter than min_bytes";
  // A record not imported yet is imported by the compaction first.
  ASSERT_TRUE(compact_journal(db, path, 0));
  const int64_t run = db.find_run("c")->id;
  EXPECT_EQ(db.count_metrics(run), 50);
  const std::string text = read_file_text(path);
  EXPECT_LT(static_cast<int64_t>(text.size()), 300) << text;
  EXPECT_NE(text.find(R"("t":"compacted")"), std::string::npos) << text;
  const auto base = read_journal(path, 0, 1, 10);
  ASSERT_EQ(base.size(), 1u);
  EXPECT_EQ(base[0].seq, scalar(db, "SELECT seq FROM journal_imports WHERE journal = 'c.wj'"));
  EXPECT_EQ(scalar(db, "SELECT byte_offset FROM journal_imports WHERE journal = 'c.wj'"),
            static_cast<int64_t>(text.size()));
  EXPECT_FALSE(compact_journal(db, path, 0)) << "only its base";
  // The run's view survives: a new run of that name is refused, a resume continues after the seq.
  const JournalRunView v = read_journal_run(path);
  EXPECT_TRUE(v.created);
  EXPECT_EQ(v.run, "c");
  EXPECT_EQ(v.config_json, spec.config_json);
  EXPECT_EQ(v.status, std::optional<RunStatus>(RunStatus::Killed));
  EXPECT_NE(error_of([&] { JournalRunLog again(dir, spec, false); }).find("has a journal already"), std::string::npos);
  {
    JournalRunLog log(dir, spec, /*resume=*/true);
    log.drop_metrics_after(40);
    for (int64_t s = 41; s <= 60; ++s) log.metric(s, "loss", 2.0);
    log.finish(RunStatus::Finished);
  }
  const auto after = read_journal(path, 0, 1, 1000);
  EXPECT_EQ(after[1].seq, base[0].seq + 1);
  import_journal(db, path);
  EXPECT_EQ(db.count_metrics(run), 60);
  EXPECT_EQ(db.get_run(run).status, RunStatus::Finished);
  // Killed between rename and commit: the file is compacted, the database still has the old offset.
  // Simulated by putting the old offset back (what a rollback leaves).
  const int64_t long_offset = static_cast<int64_t>(read_file_text(path).size());
  ASSERT_TRUE(compact_journal(db, path, 0));
  {
    Statement s(db.database(), "UPDATE journal_imports SET byte_offset = ?1 WHERE journal = 'c.wj'");
    s.bind(1, long_offset).run();
  }
  EXPECT_EQ(journals_with_news(db, dir + "/journals").size(), 1u);
  EXPECT_EQ(import_journal(db, path).records, 0);
  EXPECT_EQ(scalar(db, "SELECT byte_offset FROM journal_imports WHERE journal = 'c.wj'"),
            static_cast<int64_t>(read_file_text(path).size()));
  EXPECT_TRUE(journals_with_news(db, dir + "/journals").empty());
  // ... and a writer appended meanwhile: its records are imported from the base on, once.
  {
    Statement s(db.database(), "UPDATE journal_imports SET byte_offset = ?1 WHERE journal = 'c.wj'");
    s.bind(1, long_offset).run();
  }
  {
    JournalWriter w(path);
    w.append({{"t", "metrics"}, {"run", "c"}, {"rows", {{61, "loss", 3.0, 1.0}}}});
  }
  EXPECT_EQ(import_journal(db, path).records, 1);
  EXPECT_EQ(db.count_metrics(run), 61);
  // A database that never imported the compacted records is told, not silently short.
  ExperimentDb other = ExperimentDb::open(dir + "/other.db");
  other.create_run({"c", "train"});
  ASSERT_TRUE(compact_journal(db, path, 0));
  const std::string msg = error_of([&] { import_journal(other, path); });
  EXPECT_NE(msg.find("compacted through record"), std::string::npos) << msg;
}
