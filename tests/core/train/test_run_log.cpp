// RunLog's ends under faults (issue 14): when the database is full (SQLITE_FULL), the catch path's
// own flush fails; the run must still end with its status recorded, every committed row intact; a
// run whose rows could not all be written is never recorded as finished. The full database is real
// SQLite: PRAGMA max_page_count stops the file from growing, as a full disk does, while updates of
// existing pages (the run's status row) still fit.
#include <unistd.h>

#include <gtest/gtest.h>

#include "db/experiment_db.h"
#include "test_support.h"
#include "train/run_log.h"
#include "util/error.h"

using namespace warp;

namespace {

void fill_database(RunLog& log) {
  Statement count(log.db().database(), "PRAGMA page_count");
  ASSERT_TRUE(count.step());
  const int64_t pages = count.column_int64(0);
  log.db().database().exec("PRAGMA max_page_count = " + std::to_string(pages));
}

}  // namespace

TEST(RunLog, FullDatabaseStillRecordsHowTheRunEnded) {
  const std::string db_path = test::scratch_dir("run-log-full") + "/experiment.db";
  RunLog log(db_path, RunSpec("r", "train", "{}"), false);
  for (int64_t s = 1; s <= 3; ++s) log.metric(s, "train/loss", 1.0 / static_cast<double>(s));
  log.flush();  // committed: must survive
  fill_database(log);
  for (int64_t s = 4; s <= 2000; ++s) log.metric(s, "train/loss", 1.0 / static_cast<double>(s));
  EXPECT_THROW(log.flush(), Error);  // SQLITE_FULL: the batch does not fit
  // The catch path of a trainer: its flush fails again, yet the status is recorded, naming the loss.
  EXPECT_NO_THROW(log.finish(RunStatus::Failed, "disk full"));
  ExperimentDb db = ExperimentDb::open_read_only(db_path);
  const RunRecord run = *db.find_run("r");
  EXPECT_EQ(run.status, RunStatus::Failed);
  EXPECT_NE(run.message.find("disk full"), std::string::npos) << run.message;
  EXPECT_NE(run.message.find("1997 buffered metric rows could not be written"), std::string::npos) << run.message;
  const auto rows = db.read_metrics(run.id, "train/loss");
  ASSERT_EQ(rows.size(), 3u);
  for (int64_t s = 1; s <= 3; ++s)
    EXPECT_DOUBLE_EQ(rows[static_cast<size_t>(s - 1)].value, 1.0 / static_cast<double>(s));
}

TEST(RunLog, RunWithUnwrittenRowsIsNotRecordedFinished) {
  const std::string db_path = test::scratch_dir("run-log-full-finish") + "/experiment.db";
  RunLog log(db_path, RunSpec("r", "train", "{}"), false);
  fill_database(log);
  for (int64_t s = 1; s <= 2000; ++s) log.metric(s, "train/loss", 0.5);
  EXPECT_THROW(log.finish(RunStatus::Finished, "done"), Error);
  EXPECT_EQ(ExperimentDb::open_read_only(db_path).find_run("r")->status, RunStatus::Running);
  // ... and the trainer's catch path then records the failure.
  EXPECT_NO_THROW(log.finish(RunStatus::Failed, "SQLITE_FULL"));
  EXPECT_EQ(ExperimentDb::open_read_only(db_path).find_run("r")->status, RunStatus::Failed);
}

// Resume drops the rows past the state it continues from (SFT and RM as RL does).
TEST(RunLog, DropMetricsAfterAStep) {
  const std::string db_path = test::scratch_dir("run-log-drop") + "/experiment.db";
  {
    RunLog log(db_path, RunSpec("r", "sft", "{}"), false);
    for (int64_t s = 0; s <= 9; ++s) log.metric(s, "train/loss", 1.0);
    log.flush();
  }  // killed: still "running", its process (this one) alive: a resume from this process may claim it
  RunLog again(db_path, RunSpec("r", "sft", "{}"), true);
  again.drop_metrics_after(4);
  EXPECT_EQ(again.db().read_metrics(again.run_id(), "train/loss").size(), 5u);
  again.drop_metrics_after(-1);
  EXPECT_EQ(again.db().count_metrics(again.run_id()), 0);
}

// A holder of the run that died before removing its reserve (a worker ended by its driver's death
// before its stop handler was installed) left "experiment.db-reserve.tmp-<pid>-<run id>". Claiming the
// run proves that holder gone, so the resume removes that file at once, whatever the pid (a resume
// started while the old process was still exiting saw it alive when the experiment was opened), and
// leaves the reserves of other runs and other files alone; it makes its own.
TEST(RunLog, ResumeRemovesTheReservesOfEarlierHoldersOfTheRun) {
  const std::string dir = test::scratch_dir("run-log-reserve");
  const std::string db_path = dir + "/experiment.db";
  int64_t id = 0;
  {
    RunLog log(db_path, RunSpec("r", "train", "{}"), false);
    id = log.run_id();
  }  // killed: still "running"; this process may claim it again
  const std::string stale = db_path + "-reserve.tmp-" + std::to_string(::getppid()) + "-" + std::to_string(id);
  const std::string other_run = db_path + "-reserve.tmp-12345-" + std::to_string(id + 1);
  const std::string not_ours = db_path + "-reserve.tmp-abc-" + std::to_string(id);
  for (const std::string& f : {stale, other_run, not_ours}) write_file_atomic(f, "x");
  RunLog again(db_path, RunSpec("r", "train", "{}"), true);
  EXPECT_FALSE(is_regular_file(stale));
  EXPECT_TRUE(is_regular_file(other_run));
  EXPECT_TRUE(is_regular_file(not_ours));
  EXPECT_TRUE(is_regular_file(db_path + "-reserve.tmp-" + std::to_string(::getpid()) + "-" + std::to_string(id)));
  again.finish(RunStatus::Finished, "");
  EXPECT_FALSE(is_regular_file(db_path + "-reserve.tmp-" + std::to_string(::getpid()) + "-" + std::to_string(id)));
}
