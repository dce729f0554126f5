#include "db/schema.h"

#include "util/error.h"

namespace warp {

namespace {

// Schema v1: experiments, runs (status, process, heartbeat, lineage), metrics (keys interned in
// metric_keys; AUTOINCREMENT ids never reused, so "rows since id N" cannot miss rows), checkpoints.
Migration schema_v1() {
  Migration m;
  m.version = 1;
  m.description = "experiments, runs, metrics, checkpoints";
  m.statements = {
      R"(CREATE TABLE experiments(
           id          INTEGER PRIMARY KEY,
           name        TEXT NOT NULL UNIQUE,
           created_at  REAL NOT NULL,
           config_json TEXT NOT NULL DEFAULT '{}'))",
      R"(CREATE TABLE runs(
           id                 INTEGER PRIMARY KEY,
           name               TEXT NOT NULL UNIQUE,
           kind               TEXT NOT NULL,
           status             TEXT NOT NULL DEFAULT 'queued'
                              CHECK (status IN ('queued','running','finished','failed','diverged','killed','crashed')),
           config_json        TEXT NOT NULL DEFAULT '{}',
           pid                INTEGER,
           host               TEXT NOT NULL DEFAULT '',
           proc_start         TEXT NOT NULL DEFAULT '',
           heartbeat_at       REAL,
           created_at         REAL NOT NULL,
           started_at         REAL,
           ended_at           REAL,
           parent_run_id      INTEGER REFERENCES runs(id),
           init_checkpoint_id INTEGER REFERENCES checkpoints(id),
           iteration          INTEGER,
           message            TEXT NOT NULL DEFAULT ''))",
      "CREATE INDEX runs_by_status ON runs(status)",
      R"(CREATE TABLE metric_keys(
           id  INTEGER PRIMARY KEY,
           key TEXT NOT NULL UNIQUE))",
      // value NULL stands for NaN (SQLite stores a bound NaN as NULL).
      R"(CREATE TABLE metrics(
           id        INTEGER PRIMARY KEY AUTOINCREMENT,
           run_id    INTEGER NOT NULL REFERENCES runs(id),
           step      INTEGER NOT NULL,
           key_id    INTEGER NOT NULL REFERENCES metric_keys(id),
           value     REAL,
           wall_time REAL NOT NULL))",
      "CREATE INDEX metrics_by_run_key_step ON metrics(run_id, key_id, step)",
      R"(CREATE TABLE checkpoints(
           id         INTEGER PRIMARY KEY,
           run_id     INTEGER REFERENCES runs(id),
           path       TEXT NOT NULL,
           step       INTEGER NOT NULL DEFAULT 0,
           sha256     TEXT NOT NULL CHECK (length(sha256) = 64),
           kind       TEXT NOT NULL,
           created_at REAL NOT NULL,
           meta_json  TEXT NOT NULL DEFAULT '{}'))",
      "CREATE INDEX checkpoints_by_run ON checkpoints(run_id)",
      "CREATE INDEX checkpoints_by_sha256 ON checkpoints(sha256)",
      // For people reading the file with the sqlite3 shell.
      R"(CREATE VIEW metric_rows AS
           SELECT m.id, m.run_id, m.step, k.key, m.value, m.wall_time
           FROM metrics m JOIN metric_keys k ON k.id = m.key_id)",
      "PRAGMA application_id = 1463898704",  // kWarpApplicationId
  };
  return m;
}

// Schema v2: the evaluation cache (eval/eval_cache.h). Databases written before v2 may already
// hold the table (the cache used to create it on first use, with this same definition): IF NOT
// EXISTS keeps their rows.
Migration schema_v2() {
  Migration m;
  m.version = 2;
  m.description = "eval_points (evaluated checkpoints)";
  m.statements = {
      R"(CREATE TABLE IF NOT EXISTS eval_points(
           id                INTEGER PRIMARY KEY,
           checkpoint_sha256 TEXT NOT NULL CHECK (length(checkpoint_sha256) = 64),
           protocol_sha256   TEXT NOT NULL CHECK (length(protocol_sha256) = 64),
           checkpoint_path   TEXT NOT NULL,
           protocol_json     TEXT NOT NULL,
           prompts           INTEGER NOT NULL,
           reward            REAL,
           gold              REAL,
           kl_sft            REAL,
           kl_sft_sampled    REAL,
           length            REAL,
           result_json       TEXT NOT NULL,
           created_at        REAL NOT NULL,
           UNIQUE (checkpoint_sha256, protocol_sha256)))",
  };
  return m;
}

// Schema v3: the merge workbench's points (workbench/merge_point_cache.h), keyed by merge recipe
// rather than by checkpoint file: the points of interactive λ / η merges that were never written to
// a file. inputs_sha256 names the merge inputs (θ_init and the models) of a recipe point, NULL for a
// point that is not a merge of inputs (the workbench's θ_sft reference); the index serves "every
// point of these inputs under this protocol, in the order stored".
Migration schema_v3() {
  Migration m;
  m.version = 3;
  m.description = "merge_points (merge workbench points by recipe)";
  m.statements = {
      R"(CREATE TABLE merge_points(
           id              INTEGER PRIMARY KEY,
           recipe_sha256   TEXT NOT NULL CHECK (length(recipe_sha256) = 64),
           protocol_sha256 TEXT NOT NULL CHECK (length(protocol_sha256) = 64),
           inputs_sha256   TEXT CHECK (inputs_sha256 IS NULL OR length(inputs_sha256) = 64),
           recipe_json     TEXT NOT NULL,
           prompts         INTEGER NOT NULL,
           reward          REAL,
           gold            REAL,
           kl_sft          REAL,
           kl_sft_sampled  REAL,
           length          REAL,
           result_json     TEXT NOT NULL,
           rows_json       TEXT NOT NULL,
           created_at      REAL NOT NULL,
           UNIQUE (recipe_sha256, protocol_sha256)))",
      "CREATE INDEX merge_points_by_inputs ON merge_points(inputs_sha256, protocol_sha256, id)",
  };
  return m;
}

// Schema v4: the scheduler jobs of `warp run`'s workers (warp/launcher.h, docs/slurm.md): one row
// per submission of a worker (a resubmitted worker gets another row), its job id as the scheduler
// names it ("<array job id>_<task>" for Slurm), the node it ran on and its last known state and exit
// code, so the app and a resumed driver see where each worker is.
Migration schema_v4() {
  Migration m;
  m.version = 4;
  m.description = "worker_jobs (scheduler jobs of warp run's workers)";
  m.statements = {
      R"(CREATE TABLE worker_jobs(
           id            INTEGER PRIMARY KEY,
           driver_run_id INTEGER NOT NULL REFERENCES runs(id),
           worker        TEXT NOT NULL,
           launcher      TEXT NOT NULL,
           job_id        TEXT NOT NULL,
           node          TEXT NOT NULL DEFAULT '',
           state         TEXT NOT NULL DEFAULT '',
           exit_code     INTEGER,
           log_path      TEXT NOT NULL DEFAULT '',
           submitted_at  REAL NOT NULL,
           updated_at    REAL NOT NULL,
           UNIQUE (launcher, job_id)))",
      "CREATE INDEX worker_jobs_by_driver ON worker_jobs(driver_run_id, worker, id)",
  };
  return m;
}

// Schema v5: per-prompt values of evaluated points, for paired statistics (eval/eval_cache.h). An
// evaluated checkpoint's values sit beside its cached point (eval_points.values_json, NULL for points
// cached before v5); an RL run's trajectory points have theirs in eval_values, one row per (run, step).
Migration schema_v5() {
  Migration m;
  m.version = 5;
  m.description = "per-prompt evaluation values (eval_points.values_json, eval_values)";
  m.statements = {
      "ALTER TABLE eval_points ADD COLUMN values_json TEXT",
      R"(CREATE TABLE eval_values(
           id          INTEGER PRIMARY KEY,
           run_id      INTEGER NOT NULL REFERENCES runs(id),
           step        INTEGER NOT NULL,
           values_json TEXT NOT NULL,
           UNIQUE (run_id, step)))",
  };
  return m;
}

// Schema v6: people's notes and tags on runs (ExperimentDb::set_run_notes), written by the desktop
// app, never by the runs: one row per run, the tags a JSON array of strings in the order given.
Migration schema_v6() {
  Migration m;
  m.version = 6;
  m.description = "run_notes (notes and tags on runs)";
  m.statements = {
      R"(CREATE TABLE run_notes(
           run_id     INTEGER PRIMARY KEY REFERENCES runs(id),
           note       TEXT NOT NULL DEFAULT '',
           tags_json  TEXT NOT NULL DEFAULT '[]',
           updated_at REAL NOT NULL))",
  };
  return m;
}

// Schema v7: how far the importer of worker journals got in each journal (db/journal.h,
// docs/formats.md "Worker journals"): updated in the same transaction as the rows it imported, so an
// import killed at any moment loses and duplicates nothing.
Migration schema_v7() {
  Migration m;
  m.version = 7;
  m.description = "journal_imports (worker journals imported into the database)";
  m.statements = {
      R"(CREATE TABLE journal_imports(
           journal     TEXT PRIMARY KEY,
           byte_offset INTEGER NOT NULL,
           seq         INTEGER NOT NULL,
           updated_at  REAL NOT NULL))",
  };
  return m;
}

// Migrations in order; a new schema version is one more function appended here.
std::vector<Migration> build_migrations() {
  return {schema_v1(), schema_v2(), schema_v3(), schema_v4(), schema_v5(), schema_v6(), schema_v7()};
}

void validate_list(const std::vector<Migration>& migrations) {
  if (migrations.empty()) throw Error("schema migrations: the list is empty");
  for (size_t i = 0; i < migrations.size(); ++i)
    if (migrations[i].version != static_cast<int>(i) + 1)
      throw Error("schema migrations: entry " + std::to_string(i) + " has version " +
                  std::to_string(migrations[i].version) + ", expected " + std::to_string(i + 1));
}

int64_t read_application_id(Database& db) {
  Statement s(db, "PRAGMA application_id");
  return s.step() ? s.column_int64(0) : 0;
}

int64_t count_schema_objects(Database& db) {
  Statement s(db, "SELECT count(*) FROM sqlite_master");
  return s.step() ? s.column_int64(0) : 0;
}

// BadInput unless the file is ours (or still empty) and not newer than the code.
void check_known(Database& db, int version, int latest) {
  int64_t app = read_application_id(db);
  if (app != 0 && app != kWarpApplicationId)
    throw BadInput(file_message(db.path(), "is an SQLite database of another application (application_id " +
                                               std::to_string(app) + "), not a WARP experiment database"));
  if (version == 0 && count_schema_objects(db) > 0)
    throw BadInput(
        file_message(db.path(), "is an SQLite database with tables of its own, not a WARP experiment database"));
  if (version > latest)
    throw BadInput(file_message(db.path(), "database schema version " + std::to_string(version) +
                                               " is newer than this program supports (version " +
                                               std::to_string(latest) + "); use a newer WARP Studio to open it"));
}

}  // namespace

const std::vector<Migration>& schema_migrations() {
  static const std::vector<Migration> list = build_migrations();
  return list;
}

int latest_schema_version() { return schema_migrations().back().version; }

int read_schema_version(Database& db) {
  Statement s(db, "PRAGMA user_version");
  return s.step() ? static_cast<int>(s.column_int64(0)) : 0;
}

int migrate(Database& db, const std::vector<Migration>& migrations) {
  validate_list(migrations);
  const int latest = migrations.back().version;
  int version = read_schema_version(db);
  check_known(db, version, latest);
  for (const Migration& m : migrations) {
    if (m.version <= version) continue;
    Transaction tx(db, TxnMode::Immediate);
    // Another process may have migrated while this one waited for the write lock.
    version = read_schema_version(db);
    check_known(db, version, latest);
    if (m.version <= version) continue;  // the transaction rolls back: nothing was written
    try {
      for (const std::string& sql : m.statements) db.exec(sql);
      if (m.code) m.code(db);
      // PRAGMA takes no parameters; the value is the code's own constant, never input.
      db.exec("PRAGMA user_version = " + std::to_string(m.version));
      tx.commit();
    } catch (const BadInput&) {
      throw;
    } catch (const std::exception& e) {
      throw Error(file_message(db.path(), "migration to schema version " + std::to_string(m.version) + " (" +
                                              m.description + ") failed, database left at version " +
                                              std::to_string(version) + ": " + e.what()));
    }
    version = m.version;
  }
  return version;
}

int check_schema(Database& db, const std::vector<Migration>& migrations) {
  validate_list(migrations);
  const int latest = migrations.back().version;
  int version = read_schema_version(db);
  check_known(db, version, latest);
  if (version == 0)
    throw BadInput(file_message(db.path(), "is not a WARP experiment database yet (empty); create it first"));
  if (version < latest)
    throw BadInput(file_message(db.path(), "database schema version " + std::to_string(version) +
                                               " is older than this program's (version " + std::to_string(latest) +
                                               "); open it once for writing to upgrade it"));
  return version;
}

}  // namespace warp
