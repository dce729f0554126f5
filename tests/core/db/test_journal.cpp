// Worker journals and their importer (db/journal.h, docs/formats.md "Worker journals"): the line
// format with its checks, torn last lines (not read; cut off by the next writer), corrupt lines
// (an error naming the file and byte), and the import's exactly-once guarantee with real kill -9 of
// importer and writer processes at random moments (label fault).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include "db/experiment_db.h"
#include "db/journal.h"
#include "test_support.h"
#include "util/error.h"
#include "util/fsutil.h"

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
  EXPECT_NE(msg.find("corrupt journal record at byte " + std::to_string(first_end) + " (seq 2 expected): check mismatch"),
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
  JournalWriter w(path);
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
  // A resume drops the rows past its state, the run ends.
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
