// Tests of the experiment database: schema and migrations, runs, metrics, checkpoints, read-only use.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>

#include "db/experiment_db.h"
#include "db_test_support.h"
#include "test_support.h"
#include "util/error.h"
#include "util/fsutil.h"

using namespace warp;

namespace {

int64_t scalar(Database& db, const std::string& sql) {
  Statement s(db, sql);
  EXPECT_TRUE(s.step()) << sql;
  return s.column_int64(0);
}

std::set<std::string> schema_names(Database& db) {
  Statement s(db, "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'");
  std::set<std::string> out;
  while (s.step()) out.insert(s.column_text(0));
  return out;
}

bool has_column(Database& db, const std::string& table, const std::string& column) {
  Statement s(db, "SELECT 1 FROM pragma_table_info(?) WHERE name = ?");
  s.bind(1, table).bind(2, column);
  return s.step();
}

// What the message of an exception thrown by f says ("" when it throws nothing).
template <typename Ex, typename F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const Ex& e) {
    return e.what();
  }
  return "";
}

// A fake schema v2 on top of the real list: what a later migration (merges) would look like.
// The code's schema version, and the one a fake next migration takes a database to.
int latest() { return latest_schema_version(); }
int next() { return latest_schema_version() + 1; }
std::string version_text(int v) { return "version " + std::to_string(v); }

// The code's migrations plus a fake next one (version latest() + 1).
std::vector<Migration> with_fake_v2(const std::string& bad_statement = "") {
  std::vector<Migration> list = schema_migrations();
  Migration v2;
  v2.version = next();
  v2.description = "merges (test)";
  v2.statements = {"CREATE TABLE merges(id INTEGER PRIMARY KEY, method TEXT NOT NULL, lambda REAL)",
                   "ALTER TABLE runs ADD COLUMN merge_id INTEGER REFERENCES merges(id)"};
  if (!bad_statement.empty()) v2.statements.push_back(bad_statement);
  // A data step: every existing run gets a merge row (exercises Migration::code).
  v2.code = [](Database& db) { db.exec("INSERT INTO merges(method, lambda) SELECT 'slerp', 0.5 FROM runs"); };
  list.push_back(v2);
  return list;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// schema

TEST(ExperimentDbSchema, CreatesAndReopens) {
  auto dir = test::scratch_dir("edb-create");
  const std::string path = dir + "/experiment.db";
  int64_t run_id = 0;
  {
    ExperimentDb db = ExperimentDb::open(path);
    EXPECT_EQ(db.schema_version(), 7);
    EXPECT_EQ(latest_schema_version(), 7);
    EXPECT_EQ(scalar(db.database(), "PRAGMA user_version"), 7);
    EXPECT_EQ(scalar(db.database(), "PRAGMA application_id"), kWarpApplicationId);
    auto names = schema_names(db.database());
    for (const char* t : {"experiments", "runs", "metrics", "metric_keys", "checkpoints", "metric_rows", "eval_points",
                          "merge_points", "merge_points_by_inputs", "worker_jobs", "worker_jobs_by_driver",
                          "eval_values", "run_notes", "journal_imports"})
      EXPECT_TRUE(names.count(t)) << "missing " << t;
    int64_t first = db.ensure_experiment("demo", R"({"a":1})");
    EXPECT_EQ(db.ensure_experiment("demo", "{}"), first);
    run_id = db.create_run({"sft-1", "sft"});
    db.append_metrics(run_id, {{0, "loss", 3.5}, {1, "loss", 2.5}});
  }
  ExperimentDb db = ExperimentDb::open(path);
  EXPECT_EQ(db.schema_version(), 7);
  auto experiments = db.list_experiments();
  ASSERT_EQ(experiments.size(), 1u);
  EXPECT_EQ(experiments[0].name, "demo");
  EXPECT_EQ(experiments[0].config_json, R"({"a":1})");  // the first config stays
  EXPECT_EQ(db.get_run(run_id).name, "sft-1");
  EXPECT_EQ(db.read_metrics(run_id, "loss").size(), 2u);
  // The metric_rows view resolves keys (for the sqlite3 shell).
  EXPECT_EQ(scalar(db.database(), "SELECT count(*) FROM metric_rows WHERE key = 'loss'"), 2);
}

TEST(ExperimentDbSchema, MigratesFromV1ToFakeV2KeepingData) {
  auto dir = test::scratch_dir("edb-migrate");
  const std::string path = dir + "/experiment.db";
  int64_t run_id = 0;
  {
    ExperimentDb db = ExperimentDb::open(path);
    run_id = db.create_run({"rl-1", "train"});
    db.append_metrics(run_id, {{5, "reward", 0.25}});
  }
  const auto v2 = with_fake_v2();
  ExperimentDbOptions o;
  o.migrations = &v2;
  {
    ExperimentDb db = ExperimentDb::open(path, o);
    EXPECT_EQ(db.schema_version(), next());
    EXPECT_EQ(scalar(db.database(), "PRAGMA user_version"), next());
    EXPECT_TRUE(schema_names(db.database()).count("merges"));
    EXPECT_TRUE(has_column(db.database(), "runs", "merge_id"));
    EXPECT_EQ(scalar(db.database(), "SELECT count(*) FROM merges"), 1);  // the data step ran once
    EXPECT_EQ(db.get_run(run_id).name, "rl-1");
    auto series = db.read_metrics(run_id, "reward");
    ASSERT_EQ(series.size(), 1u);
    EXPECT_EQ(series[0].step, 5);
    EXPECT_EQ(series[0].value, 0.25);
  }
  {  // Reopening at v2 runs nothing again.
    ExperimentDb db = ExperimentDb::open(path, o);
    EXPECT_EQ(scalar(db.database(), "SELECT count(*) FROM merges"), 1);
  }
  // A fresh database goes straight through v1 and v2.
  ExperimentDb fresh = ExperimentDb::open(dir + "/fresh.db", o);
  EXPECT_EQ(fresh.schema_version(), next());
  EXPECT_TRUE(has_column(fresh.database(), "runs", "merge_id"));
}

// Databases of builds before schema v2 were at version 1 and got the eval_points table from the
// evaluation cache on first use; the v2 migration must keep those rows.
TEST(ExperimentDbSchema, V2KeepsAnEvalPointsTableCreatedBeforeIt) {
  auto dir = test::scratch_dir("edb-v2-legacy");
  const std::string path = dir + "/experiment.db";
  const std::vector<Migration> v1_only = {schema_migrations().at(0)};
  ExperimentDbOptions o;
  o.migrations = &v1_only;
  {
    ExperimentDb db = ExperimentDb::open(path, o);
    ASSERT_EQ(db.schema_version(), 1);
    db.database().exec(R"(CREATE TABLE eval_points(
      id INTEGER PRIMARY KEY,
      checkpoint_sha256 TEXT NOT NULL CHECK (length(checkpoint_sha256) = 64),
      protocol_sha256 TEXT NOT NULL CHECK (length(protocol_sha256) = 64),
      checkpoint_path TEXT NOT NULL, protocol_json TEXT NOT NULL, prompts INTEGER NOT NULL,
      reward REAL, gold REAL, kl_sft REAL, kl_sft_sampled REAL, length REAL,
      result_json TEXT NOT NULL, created_at REAL NOT NULL,
      UNIQUE (checkpoint_sha256, protocol_sha256)))");
    db.database().exec(
        "INSERT INTO eval_points(checkpoint_sha256, protocol_sha256, checkpoint_path, protocol_json, "
        "prompts, reward, result_json, created_at) VALUES (printf('%064d', 1), printf('%064d', 2), "
        "'a.h5', '{}', 8, 0.5, '{}', 1.0)");
  }
  ExperimentDb db = ExperimentDb::open(path);
  EXPECT_EQ(db.schema_version(), latest());
  EXPECT_EQ(scalar(db.database(), "SELECT count(*) FROM eval_points WHERE checkpoint_path = 'a.h5'"), 1);
  // A database created at v2 has the table too.
  EXPECT_EQ(scalar(ExperimentDb::open(dir + "/fresh.db").database(), "SELECT count(*) FROM eval_points"), 0);
}

// A database of a build at schema v2 (runs, metrics, cached evaluations) upgrades to v3 (the merge
// workbench's merge_points) with every row kept, and the new table takes points.
TEST(ExperimentDbSchema, V3FromAV2DatabaseKeepsRowsAndAddsMergePoints) {
  auto dir = test::scratch_dir("edb-v3-from-v2");
  const std::string path = dir + "/experiment.db";
  const std::vector<Migration> v1_v2 = {schema_migrations().at(0), schema_migrations().at(1)};
  ExperimentDbOptions o;
  o.migrations = &v1_v2;
  int64_t run_id = 0;
  {
    ExperimentDb db = ExperimentDb::open(path, o);
    ASSERT_EQ(db.schema_version(), 2);
    EXPECT_FALSE(schema_names(db.database()).count("merge_points"));
    run_id = db.create_run({"rl-1", "train"});
    db.append_metrics(run_id, {{3, "eval/reward", 0.75}});
    db.database().exec(
        "INSERT INTO eval_points(checkpoint_sha256, protocol_sha256, checkpoint_path, protocol_json, "
        "prompts, reward, result_json, created_at) VALUES (printf('%064d', 1), printf('%064d', 2), "
        "'a.h5', '{}', 8, 0.5, '{}', 1.0)");
  }
  ExperimentDb db = ExperimentDb::open(path);
  EXPECT_EQ(db.schema_version(), latest());
  EXPECT_EQ(db.get_run(run_id).name, "rl-1");
  const auto series = db.read_metrics(run_id, "eval/reward");
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].value, 0.75);
  EXPECT_EQ(scalar(db.database(), "SELECT count(*) FROM eval_points WHERE checkpoint_path = 'a.h5'"), 1);
  for (const char* c : {"recipe_sha256", "protocol_sha256", "inputs_sha256", "recipe_json", "prompts", "reward", "gold",
                        "kl_sft", "kl_sft_sampled", "length", "result_json", "rows_json", "created_at"})
    EXPECT_TRUE(has_column(db.database(), "merge_points", c)) << c;
  EXPECT_TRUE(schema_names(db.database()).count("merge_points_by_inputs"));
  db.database().exec(
      "INSERT INTO merge_points(recipe_sha256, protocol_sha256, inputs_sha256, recipe_json, prompts, "
      "result_json, rows_json, created_at) VALUES (printf('%064d', 3), printf('%064d', 2), NULL, '{}', "
      "8, '{}', '[]', 1.0)");
  // One point per (recipe, protocol).
  EXPECT_THROW(db.database().exec("INSERT INTO merge_points(recipe_sha256, protocol_sha256, recipe_json, prompts, "
                                  "result_json, rows_json, created_at) VALUES (printf('%064d', 3), printf('%064d', 2), "
                                  "'{}', 8, '{}', '[]', 2.0)"),
               Error);
  EXPECT_EQ(scalar(db.database(), "SELECT count(*) FROM merge_points"), 1);
  // Reopened read-only (the version the code expects): the rows are there.
  ExperimentDb ro = ExperimentDb::open_read_only(path);
  EXPECT_EQ(scalar(ro.database(), "SELECT count(*) FROM eval_points"), 1);
}

// A database of a build at schema v3 upgrades to v4 (worker_jobs of warp run's Slurm workers) with
// its rows kept; jobs are recorded, updated and listed per driver; bad ones are refused.
TEST(ExperimentDbSchema, V4FromAV3DatabaseKeepsRowsAndRecordsWorkerJobs) {
  auto dir = test::scratch_dir("edb-v4-from-v3");
  const std::string path = dir + "/experiment.db";
  const std::vector<Migration> v1_v3 = {schema_migrations().at(0), schema_migrations().at(1),
                                        schema_migrations().at(2)};
  ExperimentDbOptions o;
  o.migrations = &v1_v3;
  int64_t driver = 0;
  {
    ExperimentDb db = ExperimentDb::open(path, o);
    ASSERT_EQ(db.schema_version(), 3);
    EXPECT_FALSE(schema_names(db.database()).count("worker_jobs"));
    driver = db.create_run({"w", "warp"});
    db.append_metrics(driver, {{1, "warp/mean_omega_deg", 12.5}});
  }
  ExperimentDb db = ExperimentDb::open(path);
  EXPECT_EQ(db.schema_version(), latest());
  EXPECT_EQ(db.read_metrics(driver, "warp/mean_omega_deg").at(0).value, 12.5);
  EXPECT_TRUE(db.list_worker_jobs(driver).empty());
  WorkerJobSpec j;
  j.driver_run_id = driver;
  j.worker = "w-i1-r1";
  j.launcher = "slurm";
  j.job_id = "41_0";
  j.state = "PENDING";
  j.log_path = "/x/logs/w-i1-r1.log";
  const int64_t a = db.add_worker_job(j);
  j.worker = "w-i1-r2";
  j.job_id = "41_1";
  const int64_t b = db.add_worker_job(j);
  db.update_worker_job(a, "RUNNING", "node7", std::nullopt);
  db.update_worker_job(a, "COMPLETED", "", 0);  // "" keeps the node
  db.update_worker_job(b, "FAILED", "node8", 1);
  const auto jobs = ExperimentDb::open_read_only(path).list_worker_jobs(driver);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].worker, "w-i1-r1");
  EXPECT_EQ(jobs[0].job_id, "41_0");
  EXPECT_EQ(jobs[0].node, "node7");
  EXPECT_EQ(jobs[0].state, "COMPLETED");
  EXPECT_EQ(jobs[0].exit_code, std::optional<int>(0));
  EXPECT_EQ(jobs[0].log_path, "/x/logs/w-i1-r1.log");
  EXPECT_GE(jobs[0].updated_at, jobs[0].submitted_at);
  EXPECT_EQ(jobs[1].state, "FAILED");
  EXPECT_EQ(jobs[1].exit_code, std::optional<int>(1));
  // A job id twice, an unknown driver, empty fields, an unknown row: refused, nothing written.
  EXPECT_THROW(db.add_worker_job(j), BadInput);
  j.job_id = "42_0";
  j.driver_run_id = driver + 100;
  EXPECT_THROW(db.add_worker_job(j), BadInput);
  j.driver_run_id = driver;
  j.worker = "";
  EXPECT_THROW(db.add_worker_job(j), BadInput);
  EXPECT_THROW(db.update_worker_job(b + 100, "RUNNING", "", std::nullopt), BadInput);
  EXPECT_EQ(db.list_worker_jobs(driver).size(), 2u);
}

// A database of a build at schema v5 upgrades to the latest (v6 run_notes, v7 journal_imports) with its rows kept;
// notes and tags round-trip, are replaced, cleared, seen by read-only readers; bad ones are refused, nothing written.
TEST(ExperimentDbSchema, V6FromAV5DatabaseKeepsRowsAndStoresRunNotes) {
  auto dir = test::scratch_dir("edb-v6-from-v5");
  const std::string path = dir + "/experiment.db";
  const std::vector<Migration> v1_v5(schema_migrations().begin(), schema_migrations().begin() + 5);
  ASSERT_EQ(v1_v5.back().version, 5);
  ExperimentDbOptions o;
  o.migrations = &v1_v5;
  int64_t a = 0, b = 0;
  {
    ExperimentDb db = ExperimentDb::open(path, o);
    ASSERT_EQ(db.schema_version(), 5);
    EXPECT_FALSE(schema_names(db.database()).count("run_notes"));
    a = db.create_run({"ema-1", "train"});
    b = db.create_run({"ema-2", "train"});
    db.append_metrics(a, {{3, "train/reward", 0.25}});
  }
  // A read-only viewer refuses the older file until upgrade_if_older migrates it.
  EXPECT_THROW(ExperimentDb::open_read_only(path), BadInput);
  EXPECT_EQ(ExperimentDb::upgrade_if_older(path), 7);
  EXPECT_EQ(ExperimentDb::upgrade_if_older(path), 7);  // at the latest: nothing to do
  ExperimentDb db = ExperimentDb::open(path);
  EXPECT_EQ(db.schema_version(), latest());
  EXPECT_EQ(db.read_metrics(a, "train/reward").at(0).value, 0.25);
  EXPECT_TRUE(db.list_run_notes().empty());
  RunNotes none = db.get_run_notes(a);
  EXPECT_EQ(none.run_id, a);
  EXPECT_EQ(none.note, "");
  EXPECT_TRUE(none.tags.empty());
  EXPECT_EQ(none.updated_at, 0.0);

  const double before = unix_now();
  db.set_run_notes(a, "β = 0.1 diverged after step 40\nsecond line", {" baseline ", "β-sweep", "baseline"});
  db.set_run_notes(b, "", {"한국어", "Größe"});
  RunNotes na = ExperimentDb::open_read_only(path).get_run_notes(a);
  EXPECT_EQ(na.note, "β = 0.1 diverged after step 40\nsecond line");
  EXPECT_EQ(na.tags, (std::vector<std::string>{"baseline", "β-sweep"}));  // trimmed, each once, in order
  EXPECT_GE(na.updated_at, before);
  std::vector<RunNotes> all = ExperimentDb::open_read_only(path).list_run_notes();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].run_id, a);
  EXPECT_EQ(all[1].run_id, b);
  EXPECT_EQ(all[1].tags, (std::vector<std::string>{"한국어", "Größe"}));
  EXPECT_EQ(scalar(db.database(), "SELECT count(*) FROM run_notes WHERE tags_json = '[\"baseline\",\"β-sweep\"]'"), 1);
  // Replaced, not appended.
  db.set_run_notes(a, "kept", {});
  EXPECT_EQ(db.get_run_notes(a).note, "kept");
  EXPECT_TRUE(db.get_run_notes(a).tags.empty());
  // Empty note and no tags: the row goes.
  db.set_run_notes(b, "", {});
  EXPECT_EQ(scalar(db.database(), "SELECT count(*) FROM run_notes WHERE run_id = " + std::to_string(b)), 0);

  // Refused, naming what is wrong; the stored notes stay.
  EXPECT_NE(message_of<BadInput>([&] { db.set_run_notes(a + 100, "x", {}); }).find("no run with id"),
            std::string::npos);
  EXPECT_NE(message_of<BadInput>([&] { db.set_run_notes(a, "x", {"a,b"}); }).find("'a,b'"), std::string::npos);
  EXPECT_NE(message_of<BadInput>([&] { db.set_run_notes(a, "x", {"  "}); }).find("empty"), std::string::npos);
  EXPECT_NE(message_of<BadInput>([&] { db.set_run_notes(a, "x", {std::string(65, 't')}); }).find("at most 64"),
            std::string::npos);
  EXPECT_NE(message_of<BadInput>([&] { db.set_run_notes(a, "x", {"tab\there"}); }).find("control character"),
            std::string::npos);
  EXPECT_NE(message_of<BadInput>([&] {
              db.set_run_notes(a, std::string(kMaxRunNoteBytes + 1, 'n'), {});
            }).find("at most 65536"),
            std::string::npos);
  EXPECT_THROW(db.get_run_notes(a + 100), BadInput);
  EXPECT_EQ(db.get_run_notes(a).note, "kept");
  // Read-only connections cannot write.
  EXPECT_THROW(ExperimentDb::open_read_only(path).set_run_notes(a, "x", {}), Error);

  // Stored tags that are not a JSON array of strings (a hand-edited file): named, not guessed.
  db.database().exec("UPDATE run_notes SET tags_json = '[1, 2]' WHERE run_id = " + std::to_string(a));
  const std::string msg = message_of<BadInput>([&] { db.list_run_notes(); });
  EXPECT_NE(msg.find("run_notes.tags_json of run " + std::to_string(a)), std::string::npos) << msg;
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_THROW(db.get_run_notes(a), BadInput);
}

TEST(ExperimentDbSchema, UpgradeIfOlderLeavesOtherFilesAlone) {
  auto dir = test::scratch_dir("edb-upgrade-other");
  // An empty file is not an experiment database yet: left as it is (0 bytes).
  const std::string empty = dir + "/empty.db";
  { std::ofstream(empty).flush(); }
  EXPECT_EQ(ExperimentDb::upgrade_if_older(empty), 0);
  struct stat st {};
  ASSERT_EQ(::stat(empty.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 0);
  // A database at the latest version is only read.
  const std::string current = dir + "/current.db";
  ExperimentDb::open(current);
  EXPECT_EQ(ExperimentDb::upgrade_if_older(current), latest());
}

TEST(ExperimentDbRuns, TagsTypedAsText) {
  EXPECT_EQ(parse_run_tags(" baseline, β-sweep ,,baseline, "), (std::vector<std::string>{"baseline", "β-sweep"}));
  EXPECT_TRUE(parse_run_tags("").empty());
  EXPECT_TRUE(parse_run_tags(" , ,").empty());
  EXPECT_THROW(parse_run_tags("ok, " + std::string(65, 'x')), BadInput);
  EXPECT_THROW(parse_run_tags("bell\a"), BadInput);
}

TEST(ExperimentDbSchema, FailedMigrationLeavesPreviousVersion) {
  auto dir = test::scratch_dir("edb-migrate-fail");
  const std::string path = dir + "/experiment.db";
  { ExperimentDb::open(path).create_run({"r", "train"}); }
  const auto broken = with_fake_v2("CREATE TABLE oops(");  // a syntax error after two good steps
  ExperimentDbOptions o;
  o.migrations = &broken;
  std::string msg = message_of<Error>([&] { ExperimentDb::open(path, o); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("schema " + version_text(next())), std::string::npos) << msg;
  EXPECT_NE(msg.find("left at " + version_text(latest())), std::string::npos) << msg;
  ExperimentDb db = ExperimentDb::open(path);
  EXPECT_EQ(db.schema_version(), latest());
  EXPECT_FALSE(schema_names(db.database()).count("merges"));  // the whole step was rolled back
  EXPECT_FALSE(has_column(db.database(), "runs", "merge_id"));
  EXPECT_TRUE(db.find_run("r").has_value());
}

TEST(ExperimentDbSchema, RefusesNewerVersionNamingFileAndVersions) {
  auto dir = test::scratch_dir("edb-newer");
  const std::string path = dir + "/experiment.db";
  const auto v2 = with_fake_v2();
  ExperimentDbOptions o;
  o.migrations = &v2;
  { ExperimentDb::open(path, o); }
  for (OpenMode mode : {OpenMode::ReadWrite, OpenMode::ReadOnly}) {
    ExperimentDbOptions current;
    current.mode = mode;
    std::string msg = message_of<BadInput>([&] { ExperimentDb::open(path, current); });
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(version_text(next())), std::string::npos) << msg;
    EXPECT_NE(msg.find(version_text(latest())), std::string::npos) << msg;
    EXPECT_NE(msg.find("newer"), std::string::npos) << msg;
  }
  // Nothing was changed by the refusals.
  ExperimentDb db = ExperimentDb::open(path, o);
  EXPECT_EQ(db.schema_version(), next());
}

TEST(ExperimentDbSchema, ReadOnlyRefusesOlderOrEmptyDatabase) {
  auto dir = test::scratch_dir("edb-ro-old");
  const std::string path = dir + "/experiment.db";
  { ExperimentDb::open(path); }
  const auto v2 = with_fake_v2();
  ExperimentDbOptions ro;
  ro.mode = OpenMode::ReadOnly;
  ro.migrations = &v2;
  std::string msg = message_of<BadInput>([&] { ExperimentDb::open(path, ro); });
  EXPECT_NE(msg.find("older"), std::string::npos) << msg;
  EXPECT_EQ(ExperimentDb::open(path).schema_version(), latest());  // untouched

  write_file_atomic(dir + "/empty.db", std::string());
  msg = message_of<BadInput>([&] { ExperimentDb::open_read_only(dir + "/empty.db"); });
  EXPECT_NE(msg.find("empty"), std::string::npos) << msg;
}

TEST(ExperimentDbSchema, RejectsMalformedMigrationLists) {
  auto dir = test::scratch_dir("edb-badlist");
  std::vector<Migration> gap = schema_migrations();
  gap.push_back(Migration{next() + 1, "skips a version", {"SELECT 1"}, nullptr});
  ExperimentDbOptions o;
  o.migrations = &gap;
  EXPECT_THROW(ExperimentDb::open(dir + "/a.db", o), Error);
  std::vector<Migration> empty;
  o.migrations = &empty;
  EXPECT_THROW(ExperimentDb::open(dir + "/b.db", o), Error);
}

TEST(ExperimentDbSchema, BadFilesGiveBadInputNamingThePath) {
  auto dir = test::scratch_dir("edb-badfiles");
  // A text file: refused, and left exactly as it was (no WAL switch, no tables).
  const std::string text = dir + "/notes.txt";
  const std::string content = "This is a text file that someone picked by mistake in the open dialog.\n";
  write_file_atomic(text, content);
  for (OpenMode mode : {OpenMode::ReadWrite, OpenMode::ReadOnly}) {
    ExperimentDbOptions o;
    o.mode = mode;
    std::string msg = message_of<BadInput>([&] { ExperimentDb::open(text, o); });
    EXPECT_NE(msg.find(text), std::string::npos) << msg;
    EXPECT_NE(msg.find("not a database"), std::string::npos) << msg;
  }
  EXPECT_EQ(read_file_text(text), content);
  EXPECT_FALSE(is_regular_file(text + "-wal"));

  // A folder.
  std::string msg = message_of<BadInput>([&] { ExperimentDb::open(dir); });
  EXPECT_NE(msg.find(dir), std::string::npos) << msg;
  EXPECT_NE(msg.find("folder"), std::string::npos) << msg;
  msg = message_of<BadInput>([&] { ExperimentDb::open_read_only(dir); });
  EXPECT_NE(msg.find(dir), std::string::npos) << msg;

  // A missing file, read-only.
  msg = message_of<BadInput>([&] { ExperimentDb::open_read_only(dir + "/nope.db"); });
  EXPECT_NE(msg.find(dir + "/nope.db"), std::string::npos) << msg;
  EXPECT_FALSE(is_regular_file(dir + "/nope.db"));

  // Another program's SQLite database (tables of its own, no version): refused, not altered.
  const std::string other = dir + "/other.sqlite";
  {
    Database db(other, OpenMode::ReadWrite);
    db.exec("CREATE TABLE runs(x)");
  }
  msg = message_of<BadInput>([&] { ExperimentDb::open(other); });
  EXPECT_NE(msg.find(other), std::string::npos) << msg;
  EXPECT_NE(msg.find("not a WARP experiment database"), std::string::npos) << msg;
  {
    Database db(other, OpenMode::ReadWrite);
    db.exec("PRAGMA application_id = 1234");
    db.exec("DROP TABLE runs");
  }
  msg = message_of<BadInput>([&] { ExperimentDb::open(other); });
  EXPECT_NE(msg.find("another application"), std::string::npos) << msg;
}

// ---------------------------------------------------------------------------------------------
// runs

TEST(ExperimentDbRuns, StatusNamesRoundTrip) {
  for (RunStatus s : {RunStatus::Queued, RunStatus::Running, RunStatus::Finished, RunStatus::Failed,
                      RunStatus::Diverged, RunStatus::Killed, RunStatus::Crashed})
    EXPECT_EQ(parse_run_status(to_string(s)), s);
  EXPECT_STREQ(to_string(RunStatus::Diverged), "diverged");
  std::string msg = message_of<BadInput>([] { parse_run_status("done"); });
  EXPECT_NE(msg.find("'done'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("crashed"), std::string::npos) << msg;
  EXPECT_FALSE(is_terminal(RunStatus::Queued));
  EXPECT_FALSE(is_terminal(RunStatus::Running));
  EXPECT_TRUE(is_terminal(RunStatus::Killed));
}

TEST(ExperimentDbRuns, Lifecycle) {
  auto dir = test::scratch_dir("edb-runs");
  ExperimentDb db = ExperimentDb::open(dir + "/experiment.db");
  const double t0 = unix_now();

  RunSpec driver_spec;
  driver_spec.name = "warp-driver";
  driver_spec.kind = "warp";
  driver_spec.config_json = R"({"M":2,"I":3})";
  int64_t driver = db.create_run(driver_spec);
  RunRecord d = db.get_run(driver);
  EXPECT_EQ(d.status, RunStatus::Queued);
  EXPECT_EQ(d.kind, "warp");
  EXPECT_EQ(d.config_json, R"({"M":2,"I":3})");
  EXPECT_FALSE(d.pid.has_value());
  EXPECT_FALSE(d.started_at.has_value());
  EXPECT_GE(d.created_at, t0 - 1);
  EXPECT_LE(d.created_at, unix_now() + 1);

  int64_t init_ckpt = db.add_checkpoint({std::nullopt, "checkpoints/sft.h5", 0, std::string(64, 'a'), "sft", "{}"});
  RunSpec spec;
  spec.name = "iter1-run2";
  spec.kind = "train";
  spec.parent_run_id = driver;
  spec.init_checkpoint_id = init_ckpt;
  spec.iteration = 1;
  int64_t run = db.create_run(spec);
  EXPECT_NE(run, driver);

  // queued → running: the calling process claims the run.
  db.set_run_status(run, RunStatus::Running);
  RunRecord r = db.get_run(run);
  EXPECT_EQ(r.status, RunStatus::Running);
  EXPECT_EQ(r.pid, std::optional<int64_t>(::getpid()));
  EXPECT_EQ(r.host, this_host());
  EXPECT_EQ(r.proc_start, process_start_token(::getpid()));
  ASSERT_TRUE(r.started_at && r.heartbeat_at);
  EXPECT_EQ(r.parent_run_id, std::optional<int64_t>(driver));
  EXPECT_EQ(r.init_checkpoint_id, std::optional<int64_t>(init_ckpt));
  EXPECT_EQ(r.iteration, std::optional<int64_t>(1));
  const double started = *r.started_at;

  db.heartbeat(run);
  RunRecord h = db.get_run(run);
  EXPECT_GE(*h.heartbeat_at, *r.heartbeat_at);
  EXPECT_EQ(*h.started_at, started);

  // running → diverged, with the reason; ended_at set.
  db.set_run_status(run, RunStatus::Diverged, "loss is NaN at step 120");
  RunRecord e = db.get_run(run);
  EXPECT_EQ(e.status, RunStatus::Diverged);
  EXPECT_EQ(e.message, "loss is NaN at step 120");
  ASSERT_TRUE(e.ended_at.has_value());
  EXPECT_GE(*e.ended_at, started);

  // Resumed: running again keeps the first start, clears the end and the message.
  db.set_run_status(run, RunStatus::Running);
  RunRecord again = db.get_run(run);
  EXPECT_EQ(*again.started_at, started);
  EXPECT_FALSE(again.ended_at.has_value());
  EXPECT_EQ(again.message, "");
  db.set_run_status(run, RunStatus::Finished);

  // find / list.
  ASSERT_TRUE(db.find_run("iter1-run2").has_value());
  EXPECT_EQ(db.find_run("iter1-run2")->id, run);
  EXPECT_FALSE(db.find_run("nope").has_value());
  auto all = db.list_runs();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, driver);
  EXPECT_EQ(all[1].status, RunStatus::Finished);

  // A run created as running belongs to this process at once.
  RunSpec live;
  live.name = "live";
  live.kind = "eval";
  live.status = RunStatus::Running;
  RunRecord lr = db.get_run(db.create_run(live));
  EXPECT_EQ(lr.pid, std::optional<int64_t>(::getpid()));
  EXPECT_TRUE(lr.heartbeat_at.has_value());
}

TEST(ExperimentDbRuns, BadInputIsRefusedWithContext) {
  auto dir = test::scratch_dir("edb-runs-bad");
  const std::string path = dir + "/experiment.db";
  ExperimentDb db = ExperimentDb::open(path);
  db.create_run({"a", "train"});
  std::string msg = message_of<BadInput>([&] { db.create_run({"a", "train"}); });
  EXPECT_NE(msg.find("'a' already exists"), std::string::npos) << msg;
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_THROW(db.create_run({"", "train"}), BadInput);
  EXPECT_THROW(db.create_run({"b", ""}), BadInput);
  EXPECT_THROW(db.create_run({"b\n", "train"}), BadInput);
  EXPECT_THROW(db.create_run({std::string(300, 'x'), "train"}), BadInput);
  RunSpec bad_json{"b", "train", "{not json"};
  msg = message_of<BadInput>([&] { db.create_run(bad_json); });
  EXPECT_NE(msg.find("'b'"), std::string::npos) << msg;
  RunSpec orphan{"b", "train"};
  orphan.parent_run_id = 999;
  msg = message_of<BadInput>([&] { db.create_run(orphan); });
  EXPECT_NE(msg.find("no run with id 999"), std::string::npos) << msg;
  RunSpec no_ckpt{"b", "train"};
  no_ckpt.init_checkpoint_id = 5;
  msg = message_of<BadInput>([&] { db.create_run(no_ckpt); });
  EXPECT_NE(msg.find("no checkpoint with id 5"), std::string::npos) << msg;
  EXPECT_THROW(db.set_run_status(42, RunStatus::Finished), BadInput);
  EXPECT_THROW(db.heartbeat(42), BadInput);
  EXPECT_THROW(db.get_run(42), BadInput);
  EXPECT_THROW(db.set_run_process(1, 0, "host"), BadInput);
  EXPECT_EQ(db.list_runs().size(), 1u);  // nothing half-created
  // The CHECK constraint guards the status column against writers that bypass this API.
  EXPECT_THROW(db.database().exec("UPDATE runs SET status = 'done'"), Error);
}

// ---------------------------------------------------------------------------------------------
// metrics

TEST(ExperimentDbMetrics, BatchInsertAndReadSeries) {
  auto dir = test::scratch_dir("edb-metrics");
  ExperimentDb db = ExperimentDb::open(dir + "/experiment.db");
  int64_t a = db.create_run({"a", "train"});
  int64_t b = db.create_run({"b", "train"});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const double before = unix_now();
  // Steps out of order on purpose; interleaved keys; two runs.
  db.append_metrics(a, {{2, "reward", 0.5}, {2, "kl", 0.01}, {0, "reward", -0.25}, {1, "reward", 0.125}});
  db.append_metrics(b, {{0, "reward", 9.0}});
  db.append_metrics(a, {{3, "reward", nan}, {4, "reward", -inf}, {1, "kl", 0.02, 1234.5}});
  const double after = unix_now();

  auto reward = db.read_metrics(a, "reward");
  ASSERT_EQ(reward.size(), 5u);
  const int64_t steps[] = {0, 1, 2, 3, 4};
  const double values[] = {-0.25, 0.125, 0.5, nan, -inf};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(reward[i].step, steps[i]);
    if (std::isnan(values[i])) EXPECT_TRUE(std::isnan(reward[i].value));
    else EXPECT_EQ(reward[i].value, values[i]);
    EXPECT_GE(reward[i].wall_time, before);
    EXPECT_LE(reward[i].wall_time, after);
  }
  auto kl = db.read_metrics(a, "kl");
  ASSERT_EQ(kl.size(), 2u);
  EXPECT_EQ(kl[0].step, 1);
  EXPECT_EQ(kl[0].wall_time, 1234.5);  // an explicit wall time is kept
  EXPECT_EQ(kl[1].value, 0.01);
  EXPECT_EQ(db.read_metrics(b, "reward").size(), 1u);
  EXPECT_TRUE(db.read_metrics(b, "kl").empty());
  EXPECT_TRUE(db.read_metrics(a, "never-written").empty());
  EXPECT_EQ(db.metric_keys(a), (std::vector<std::string>{"kl", "reward"}));
  EXPECT_EQ(db.metric_keys(b), (std::vector<std::string>{"reward"}));
  EXPECT_EQ(db.count_metrics(a), 7);
  EXPECT_EQ(db.count_metrics(), 8);
  // Keys are interned: two distinct keys, each stored once.
  EXPECT_EQ(scalar(db.database(), "SELECT count(*) FROM metric_keys"), 2);

  // Refused batches store nothing.
  EXPECT_THROW(db.append_metrics(99, {{0, "reward", 1.0}}), BadInput);
  EXPECT_THROW(db.append_metrics(a, {{5, "reward", 1.0}, {6, "", 1.0}}), BadInput);
  db.append_metrics(a, {});
  EXPECT_EQ(db.count_metrics(), 8);
}

TEST(ExperimentDbMetrics, FailedBatchRollsBackWholeIncludingNewKeys) {
  auto dir = test::scratch_dir("edb-metrics-rollback");
  ExperimentDb db = ExperimentDb::open(dir + "/experiment.db");
  int64_t run = db.create_run({"a", "train"});
  // A trigger that fails the insert of step 13, after a row with a new key went in.
  db.database().exec(
      "CREATE TEMP TRIGGER boom BEFORE INSERT ON metrics WHEN NEW.step = 13 "
      "BEGIN SELECT RAISE(ABORT, 'step 13 refused'); END");
  std::string msg = message_of<Error>([&] { db.append_metrics(run, {{12, "fresh/key", 1.0}, {13, "loss", 2.0}}); });
  EXPECT_NE(msg.find("step 13 refused"), std::string::npos) << msg;
  EXPECT_EQ(db.count_metrics(), 0);
  EXPECT_EQ(scalar(db.database(), "SELECT count(*) FROM metric_keys"), 0);
  db.database().exec("DROP TRIGGER boom");
  // The key id handed out inside the failed transaction must not be reused from a cache.
  db.append_metrics(run, {{14, "fresh/key", 3.0}});
  auto series = db.read_metrics(run, "fresh/key");
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].step, 14);
  EXPECT_EQ(series[0].value, 3.0);
}

TEST(ExperimentDbMetrics, IncrementalReadsPageByIdInInsertionOrder) {
  auto dir = test::scratch_dir("edb-since");
  ExperimentDb db = ExperimentDb::open(dir + "/experiment.db");
  int64_t a = db.create_run({"a", "train"});
  int64_t b = db.create_run({"b", "train"});
  std::vector<std::pair<int64_t, int64_t>> expected;  // (run, step) in insertion order
  for (int batch = 0; batch < 3; ++batch) {
    for (int64_t run : {a, b}) {
      std::vector<MetricRow> rows;
      for (int i = 0; i < 5; ++i) {
        int64_t step = batch * 5 + i;
        rows.push_back({step, i % 2 ? "kl" : "reward", static_cast<double>(step) / 4});
        expected.emplace_back(run, step);
      }
      db.append_metrics(run, rows);
    }
  }
  std::vector<MetricRecord> got;
  int64_t last = 0;
  int pages = 0;
  for (;;) {
    auto page = db.read_metrics_since(last, 4);
    if (page.empty()) break;
    EXPECT_LE(page.size(), 4u);
    for (const auto& r : page) {
      EXPECT_GT(r.id, last);
      last = r.id;
      got.push_back(r);
    }
    ++pages;
  }
  EXPECT_EQ(pages, 8);  // 30 rows in pages of 4
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].run_id, expected[i].first);
    EXPECT_EQ(got[i].step, expected[i].second);
    EXPECT_EQ(got[i].key, got[i].step % 5 % 2 ? "kl" : "reward");
    EXPECT_EQ(got[i].value, static_cast<double>(got[i].step) / 4);
  }
  EXPECT_TRUE(db.read_metrics_since(last, 100).empty());
  EXPECT_THROW(db.read_metrics_since(0, 0), BadInput);
}

TEST(ExperimentDbMetrics, IncrementalReadsFollowAConcurrentWriterProcess) {
  auto dir = test::scratch_dir("edb-follow");
  const std::string path = dir + "/experiment.db";
  int64_t run = 0;
  { run = ExperimentDb::open(path).create_run({"live", "train"}); }
  constexpr int kBatches = 400, kBatch = 25;
  test::StartBarrier barrier;
  ASSERT_TRUE(barrier.ok());
  pid_t writer = test::spawn_child([&] {
    ExperimentDb db = ExperimentDb::open(path);
    barrier.wait();
    for (int b = 0; b < kBatches; ++b) {
      std::vector<MetricRow> rows;
      for (int i = 0; i < kBatch; ++i) rows.push_back({b * kBatch + i, "reward", 1.0 * i});
      db.append_metrics(run, rows);
    }
  });
  ASSERT_GT(writer, 0);
  ExperimentDb reader = ExperimentDb::open_read_only(path);
  barrier.release();
  int64_t last = 0, seen = 0, reads = 0;
  bool whole_batches = true, in_order = true;
  const double deadline = unix_now() + 30;
  while (seen < kBatches * kBatch && unix_now() < deadline) {
    // The limit is above the total: a read returns everything committed so far, so it must end on
    // a batch boundary (a batch is one transaction: readers never see part of it).
    auto rows = reader.read_metrics_since(last, 2 * kBatches * kBatch);
    for (const auto& r : rows) {
      in_order = in_order && r.id > last && r.step == seen;
      last = r.id;
      ++seen;
    }
    whole_batches = whole_batches && seen % kBatch == 0;
    ++reads;
  }
  EXPECT_EQ(test::wait_child(writer), 0);
  EXPECT_EQ(seen, kBatches * kBatch);
  EXPECT_TRUE(in_order);
  EXPECT_TRUE(whole_batches);
  EXPECT_GT(reads, 1);
  EXPECT_TRUE(reader.read_metrics_since(last, 10).empty());
}

// ---------------------------------------------------------------------------------------------
// read-only use while a writer is active

TEST(ExperimentDbReadOnly, ReadsCommittedDataWhileWriterHoldsTheLock) {
  auto dir = test::scratch_dir("edb-readonly");
  const std::string path = dir + "/experiment.db";
  ExperimentDb writer = ExperimentDb::open(path);
  int64_t run = writer.create_run({"a", "train"});
  writer.append_metrics(run, {{0, "loss", 1.0}});
  {
    // The writer is in the middle of a write transaction with uncommitted rows.
    Transaction tx(writer.database(), TxnMode::Immediate);
    Statement(writer.database(), "INSERT INTO metrics(run_id, step, key_id, value, wall_time) VALUES (1, 1, 1, 2.0, 0)")
        .run();

    ExperimentDbOptions o;
    o.mode = OpenMode::ReadOnly;
    o.busy_timeout_ms = 100;  // a reader that had to wait for the writer would fail, not pass slowly
    ExperimentDb reader = ExperimentDb::open(path, o);
    EXPECT_TRUE(reader.read_only());
    EXPECT_EQ(reader.read_metrics(run, "loss").size(), 1u);  // committed rows only
    EXPECT_EQ(reader.list_runs().size(), 1u);
    std::string msg = message_of<Error>([&] { reader.append_metrics(run, {{2, "loss", 3.0}}); });
    EXPECT_NE(msg.find("read-only"), std::string::npos) << msg;
    EXPECT_THROW(reader.create_run({"b", "train"}), Error);
    EXPECT_THROW(reader.heartbeat(run), Error);
    EXPECT_THROW(reader.refresh_liveness(), Error);
    tx.commit();
    EXPECT_EQ(reader.read_metrics(run, "loss").size(), 2u);
  }
}

TEST(ExperimentDbReadOnly, OpensAClosedDatabase) {
  auto dir = test::scratch_dir("edb-readonly-closed");
  const std::string path = dir + "/experiment.db";
  {
    ExperimentDb db = ExperimentDb::open(path);
    db.append_metrics(db.create_run({"a", "train"}), {{0, "loss", 1.0}});
  }
  ExperimentDb reader = ExperimentDb::open_read_only(path);
  EXPECT_EQ(reader.count_metrics(), 1);
  EXPECT_EQ(reader.schema_version(), latest());
}

// ---------------------------------------------------------------------------------------------
// checkpoints

TEST(ExperimentDbCheckpoints, AddListFind) {
  auto dir = test::scratch_dir("edb-ckpt");
  ExperimentDb db = ExperimentDb::open(dir + "/experiment.db");
  int64_t run = db.create_run({"a", "train"});
  const std::string sha1(64, 'b');
  const std::string sha2 = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
  int64_t c1 = db.add_checkpoint({run, "checkpoints/a-100.h5", 100, sha1, "policy", R"({"ema":false})"});
  int64_t c2 = db.add_checkpoint({run, "checkpoints/a-100-ema.h5", 100, sha2, "ema", "{}"});
  int64_t c3 = db.add_checkpoint({std::nullopt, "imports/gpt2.safetensors", 0, sha1, "import", "{}"});

  auto mine = db.list_checkpoints(run);
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].id, c1);
  EXPECT_EQ(mine[0].path, "checkpoints/a-100.h5");
  EXPECT_EQ(mine[0].step, 100);
  EXPECT_EQ(mine[0].kind, "policy");
  EXPECT_EQ(mine[0].meta_json, R"({"ema":false})");
  EXPECT_EQ(mine[1].sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");  // lower case
  EXPECT_EQ(db.list_checkpoints().size(), 3u);
  EXPECT_FALSE(db.get_checkpoint(c3).run_id.has_value());

  auto found = db.find_checkpoint_by_sha256(sha1);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, c1);  // the first registered with that digest
  auto found2 = db.find_checkpoint_by_sha256("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ASSERT_TRUE(found2.has_value());
  EXPECT_EQ(found2->id, c2);
  EXPECT_FALSE(db.find_checkpoint_by_sha256(std::string(64, '0')).has_value());

  EXPECT_THROW(db.add_checkpoint({run, "x.h5", 0, "abc", "policy", "{}"}), BadInput);
  EXPECT_THROW(db.add_checkpoint({run, "x.h5", 0, std::string(64, 'g'), "policy", "{}"}), BadInput);
  EXPECT_THROW(db.add_checkpoint({run, "", 0, sha1, "policy", "{}"}), BadInput);
  EXPECT_THROW(db.add_checkpoint({run, "x.h5", 0, sha1, "", "{}"}), BadInput);
  EXPECT_THROW(db.add_checkpoint({run, "x.h5", 0, sha1, "policy", "[1,"}), BadInput);
  EXPECT_THROW(db.add_checkpoint({77, "x.h5", 0, sha1, "policy", "{}"}), BadInput);
  EXPECT_THROW(db.get_checkpoint(77), BadInput);
  EXPECT_THROW(db.find_checkpoint_by_sha256("xyz"), BadInput);
  EXPECT_EQ(db.list_checkpoints().size(), 3u);
}
