#include "db/experiment_db.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <limits>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/json_read.h"

namespace warp {

namespace {

constexpr size_t kMaxNameChars = 256;
// Rows per multi-row INSERT of append_metrics (5 parameters each).
constexpr int kRowsPerInsert = 50;

// Non-empty, at most kMaxNameChars, no control characters (names show up in tables and file names).
void check_name(const std::string& what, const std::string& value) {
  if (value.empty()) throw BadInput(what + " is empty");
  if (value.size() > kMaxNameChars)
    throw BadInput(what + " '" + value.substr(0, 40) + "...' is too long (" + std::to_string(value.size()) +
                   " characters, at most " + std::to_string(kMaxNameChars) + ")");
  for (char c : value)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw BadInput(what + " '" + value + "' contains a control character");
}

void check_json(const std::string& what, const std::string& text) {
  if (!nlohmann::json::accept(text)) throw BadInput(what + " is not valid JSON: '" + text.substr(0, 60) + "'");
  if (json_too_deep_at(text) != std::string::npos)
    throw BadInput(what + " is JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
}

// 64 hex digits, returned in lower case.
std::string normalized_sha256(const std::string& sha) {
  if (sha.size() != 64)
    throw BadInput("sha256 '" + sha + "' has " + std::to_string(sha.size()) + " characters, expected 64 hex digits");
  std::string out(sha);
  for (char& c : out) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) throw BadInput("sha256 '" + sha + "' is not hexadecimal");
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

double stored_value(const Statement& s, int col) {
  return s.column_is_null(col) ? std::numeric_limits<double>::quiet_NaN() : s.column_double(col);
}

std::string seconds_text(double s) { return std::to_string(static_cast<int64_t>(std::floor(s))) + " s"; }

// Why a running run is presumed dead (for the message of a crashed run).
std::string dead_run_message(const RunRecord& run, double now) {
  double last = run.heartbeat_at ? *run.heartbeat_at : run.started_at ? *run.started_at : run.created_at;
  std::string msg = "presumed crashed: no heartbeat for " + seconds_text(now - last);
  if (run.pid && !run.host.empty()) {
    msg += run.host == this_host() ? "; process " + std::to_string(*run.pid) + " is gone"
                                   : " (process " + std::to_string(*run.pid) + " on host " + run.host + ")";
  }
  return msg;
}

// Column list of runs, in the order read_run expects.
constexpr const char* kRunColumns =
    "id, name, kind, status, config_json, pid, host, proc_start, heartbeat_at, created_at, started_at, ended_at, "
    "parent_run_id, init_checkpoint_id, iteration, message";

RunRecord read_run(const Statement& s) {
  RunRecord r;
  r.id = s.column_int64(0);
  r.name = s.column_text(1);
  r.kind = s.column_text(2);
  r.status = parse_run_status(s.column_text(3));
  r.config_json = s.column_text(4);
  r.pid = s.column_opt_int64(5);
  r.host = s.column_text(6);
  r.proc_start = s.column_text(7);
  r.heartbeat_at = s.column_opt_double(8);
  r.created_at = s.column_double(9);
  r.started_at = s.column_opt_double(10);
  r.ended_at = s.column_opt_double(11);
  r.parent_run_id = s.column_opt_int64(12);
  r.init_checkpoint_id = s.column_opt_int64(13);
  r.iteration = s.column_opt_int64(14);
  r.message = s.column_text(15);
  return r;
}

constexpr const char* kCheckpointColumns = "id, run_id, path, step, sha256, kind, created_at, meta_json";

CheckpointRecord read_checkpoint(const Statement& s) {
  CheckpointRecord c;
  c.id = s.column_int64(0);
  c.run_id = s.column_opt_int64(1);
  c.path = s.column_text(2);
  c.step = s.column_int64(3);
  c.sha256 = s.column_text(4);
  c.kind = s.column_text(5);
  c.created_at = s.column_double(6);
  c.meta_json = s.column_text(7);
  return c;
}

}  // namespace

struct ExperimentDb::Impl {
  Database db;  // declared first: destroyed after the statements that use it
  int version = 0;
  std::unordered_map<std::string, std::unique_ptr<Statement>> statements;
  std::unordered_map<std::string, int64_t> key_ids;  // metric key → id (ids never change once given)
  std::string host;
  int64_t token_pid = -1;
  std::string token;

  Impl(const std::string& path, const ExperimentDbOptions& o)
      : db(path, o.mode, o.busy_timeout_ms), host(this_host()) {}

  // The cached prepared statement for this SQL, ready to bind (reset, no bindings).
  Statement& stmt(const std::string& sql) {
    auto it = statements.find(sql);
    if (it == statements.end()) it = statements.emplace(sql, std::make_unique<Statement>(db, sql, true)).first;
    it->second->reset();
    it->second->clear_bindings();
    return *it->second;
  }

  void require_writable(const char* what) const {
    if (db.read_only())
      throw Error(file_message(db.path(), std::string("cannot ") + what + ": the database is opened read-only"));
  }

  // Identity of the calling process (recomputed after a fork).
  const std::string& self_token() {
    int64_t pid = ::getpid();
    if (pid != token_pid) {
      token = process_start_token(pid);
      token_pid = pid;
    }
    return token;
  }

  std::optional<RunRecord> query_run(const char* where, const std::function<void(Statement&)>& bind) {
    StatementScope s(stmt(std::string("SELECT ") + kRunColumns + " FROM runs WHERE " + where));
    bind(*s);
    if (!s->step()) return std::nullopt;
    return read_run(*s);
  }

  void require_run(int64_t run_id) {
    StatementScope s(stmt("SELECT 1 FROM runs WHERE id = ?"));
    s->bind(1, run_id);
    if (!s->step()) throw BadInput(file_message(db.path(), "no run with id " + std::to_string(run_id)));
  }

  void require_checkpoint(int64_t id) {
    StatementScope s(stmt("SELECT 1 FROM checkpoints WHERE id = ?"));
    s->bind(1, id);
    if (!s->step()) throw BadInput(file_message(db.path(), "no checkpoint with id " + std::to_string(id)));
  }

  // Id of a metric key, looked up (and, when create, inserted) in metric_keys; nullopt if absent.
  // Newly inserted keys go to `fresh`, merged into the cache only once the transaction commits.
  std::optional<int64_t> key_id(const std::string& key, bool create,
                                std::vector<std::pair<std::string, int64_t>>* fresh) {
    auto it = key_ids.find(key);
    if (it != key_ids.end()) return it->second;
    if (fresh)
      for (const auto& [k, id] : *fresh)
        if (k == key) return id;
    {
      StatementScope s(stmt("SELECT id FROM metric_keys WHERE key = ?"));
      s->bind(1, key);
      if (s->step()) {
        int64_t id = s->column_int64(0);
        key_ids.emplace(key, id);  // committed by someone already: safe to cache
        return id;
      }
    }
    if (!create) return std::nullopt;
    StatementScope ins(stmt("INSERT INTO metric_keys(key) VALUES (?)"));
    ins->bind(1, key).run();
    int64_t id = db.last_insert_rowid();
    fresh->emplace_back(key, id);
    return id;
  }
};

ExperimentDb::ExperimentDb(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ExperimentDb::ExperimentDb(ExperimentDb&&) noexcept = default;
ExperimentDb& ExperimentDb::operator=(ExperimentDb&&) noexcept = default;
ExperimentDb::~ExperimentDb() = default;

ExperimentDb ExperimentDb::open(const std::string& path, const ExperimentDbOptions& options) {
  auto impl = std::make_unique<Impl>(path, options);
  const std::vector<Migration>& migrations = options.migrations ? *options.migrations : schema_migrations();
  impl->version =
      options.mode == OpenMode::ReadWrite ? migrate(impl->db, migrations) : check_schema(impl->db, migrations);
  return ExperimentDb(std::move(impl));
}

ExperimentDb ExperimentDb::open_read_only(const std::string& path) {
  ExperimentDbOptions o;
  o.mode = OpenMode::ReadOnly;
  return open(path, o);
}

const std::string& ExperimentDb::path() const { return impl_->db.path(); }
bool ExperimentDb::read_only() const { return impl_->db.read_only(); }
int ExperimentDb::schema_version() const { return impl_->version; }
Database& ExperimentDb::database() { return impl_->db; }

// ---------------------------------------------------------------------------------------------
// experiments

int64_t ExperimentDb::ensure_experiment(const std::string& name, const std::string& config_json) {
  impl_->require_writable("create an experiment");
  check_name("experiment name", name);
  check_json("config of experiment '" + name + "'", config_json);
  Transaction tx(impl_->db, TxnMode::Immediate);
  {
    StatementScope s(impl_->stmt("SELECT id FROM experiments WHERE name = ?"));
    s->bind(1, name);
    if (s->step()) return s->column_int64(0);  // nothing written: the destructor ends the transaction
  }
  StatementScope ins(impl_->stmt("INSERT INTO experiments(name, created_at, config_json) VALUES (?, ?, ?)"));
  ins->bind(1, name).bind(2, unix_now()).bind(3, config_json).run();
  int64_t id = impl_->db.last_insert_rowid();
  tx.commit();
  return id;
}

std::vector<ExperimentRecord> ExperimentDb::list_experiments() const {
  StatementScope s(impl_->stmt("SELECT id, name, created_at, config_json FROM experiments ORDER BY id"));
  std::vector<ExperimentRecord> out;
  while (s->step()) out.push_back({s->column_int64(0), s->column_text(1), s->column_double(2), s->column_text(3)});
  return out;
}

// ---------------------------------------------------------------------------------------------
// runs

int64_t ExperimentDb::create_run(const RunSpec& spec) {
  impl_->require_writable("create a run");
  check_name("run name", spec.name);
  check_name("kind of run '" + spec.name + "'", spec.kind);
  check_json("config of run '" + spec.name + "'", spec.config_json);
  Transaction tx(impl_->db, TxnMode::Immediate);
  if (auto existing = impl_->query_run("name = ?", [&](Statement& s) { s.bind(1, spec.name); }))
    throw BadInput(file_message(
        path(), "a run named '" + spec.name + "' already exists (id " + std::to_string(existing->id) + ")"));
  if (spec.parent_run_id) impl_->require_run(*spec.parent_run_id);
  if (spec.init_checkpoint_id) impl_->require_checkpoint(*spec.init_checkpoint_id);

  const double now = unix_now();
  const bool running = spec.status == RunStatus::Running;
  StatementScope s(impl_->stmt(
      "INSERT INTO runs(name, kind, status, config_json, pid, host, proc_start, heartbeat_at, created_at, started_at, "
      "ended_at, parent_run_id, init_checkpoint_id, iteration) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s->bind(1, spec.name).bind(2, spec.kind).bind(3, to_string(spec.status)).bind(4, spec.config_json);
  if (running) {
    s->bind(5, static_cast<int64_t>(::getpid())).bind(6, impl_->host).bind(7, impl_->self_token()).bind(8, now);
    s->bind(10, now);
  } else {
    s->bind(6, "").bind(7, "");
  }
  s->bind(9, now);
  if (is_terminal(spec.status)) s->bind(11, now);
  s->bind(12, spec.parent_run_id).bind(13, spec.init_checkpoint_id).bind(14, spec.iteration);
  s->run();
  int64_t id = impl_->db.last_insert_rowid();
  tx.commit();
  return id;
}

void ExperimentDb::set_run_status(int64_t run_id, RunStatus status, const std::string& message) {
  impl_->require_writable("change a run's status");
  Transaction tx(impl_->db, TxnMode::Immediate);
  impl_->require_run(run_id);
  const double now = unix_now();
  if (status == RunStatus::Running) {
    StatementScope s(
        impl_->stmt("UPDATE runs SET status = 'running', pid = ?, host = ?, proc_start = ?, heartbeat_at = ?, "
                    "started_at = coalesce(started_at, ?), ended_at = NULL, message = ? WHERE id = ?"));
    s->bind(1, static_cast<int64_t>(::getpid())).bind(2, impl_->host).bind(3, impl_->self_token());
    s->bind(4, now).bind(5, now).bind(6, message).bind(7, run_id).run();
  } else if (is_terminal(status)) {
    StatementScope s(impl_->stmt("UPDATE runs SET status = ?, ended_at = ?, message = ? WHERE id = ?"));
    s->bind(1, to_string(status)).bind(2, now).bind(3, message).bind(4, run_id).run();
  } else {
    StatementScope s(impl_->stmt("UPDATE runs SET status = ?, ended_at = NULL, message = ? WHERE id = ?"));
    s->bind(1, to_string(status)).bind(2, message).bind(3, run_id).run();
  }
  tx.commit();
}

RunRecord ExperimentDb::claim_run(int64_t run_id, const std::string& message, double stale_after_seconds) {
  impl_->require_writable("claim a run");
  // IMMEDIATE: the write lock is taken before the row is read, so no other claim can slip in between.
  Transaction tx(impl_->db, TxnMode::Immediate);
  auto run = impl_->query_run("id = ?", [&](Statement& s) { s.bind(1, run_id); });
  if (!run) throw BadInput(file_message(path(), "no run with id " + std::to_string(run_id)));
  if (run->status == RunStatus::Finished)
    throw BadInput("cannot resume run '" + run->name + "': it has already finished");
  const double now = unix_now();
  const bool mine = run->pid && *run->pid == static_cast<int64_t>(::getpid()) && run->host == impl_->host &&
                    (run->proc_start.empty() || run->proc_start == impl_->self_token());
  if (run->status == RunStatus::Running && !mine && holder_alive(*run, stale_after_seconds, now)) {
    std::string holder = "pid " + std::to_string(run->pid.value_or(0)) + " on " +
                         (run->host.empty() ? std::string("an unknown host") : run->host);
    if (run->heartbeat_at)
      holder += ", last heartbeat " + seconds_text(std::max(0.0, now - *run->heartbeat_at)) + " ago";
    throw BadInput("cannot resume run '" + run->name + "': it is running (" + holder +
                   "); stop that process first or wait for it to end");
  }
  StatementScope s(
      impl_->stmt("UPDATE runs SET status = 'running', pid = ?, host = ?, proc_start = ?, heartbeat_at = ?, "
                  "started_at = coalesce(started_at, ?), ended_at = NULL, message = ? WHERE id = ?"));
  s->bind(1, static_cast<int64_t>(::getpid())).bind(2, impl_->host).bind(3, impl_->self_token());
  s->bind(4, now).bind(5, now).bind(6, message).bind(7, run_id).run();
  tx.commit();
  return *run;
}

void ExperimentDb::heartbeat(int64_t run_id) {
  impl_->require_writable("record a heartbeat");
  Transaction tx(impl_->db, TxnMode::Immediate);
  // SET expressions all see the row as it was: the CASEs test the old status.
  StatementScope s(
      impl_->stmt("UPDATE runs SET heartbeat_at = ?, pid = ?, host = ?, proc_start = ?, "
                  "message = CASE WHEN status = 'crashed' THEN '' ELSE message END, "
                  "ended_at = CASE WHEN status = 'crashed' THEN NULL ELSE ended_at END, "
                  "status = CASE WHEN status = 'crashed' THEN 'running' ELSE status END WHERE id = ?"));
  s->bind(1, unix_now()).bind(2, static_cast<int64_t>(::getpid())).bind(3, impl_->host);
  s->bind(4, impl_->self_token()).bind(5, run_id).run();
  if (impl_->db.changes() == 0) throw BadInput(file_message(path(), "no run with id " + std::to_string(run_id)));
  tx.commit();
}

void ExperimentDb::set_run_process(int64_t run_id, int64_t pid, const std::string& host) {
  impl_->require_writable("record a run's process");
  if (pid <= 0)
    throw BadInput("process id " + std::to_string(pid) + " of run " + std::to_string(run_id) + " is not a valid pid");
  check_name("host of run " + std::to_string(run_id), host);
  Transaction tx(impl_->db, TxnMode::Immediate);
  StatementScope s(impl_->stmt("UPDATE runs SET pid = ?, host = ?, proc_start = ?, heartbeat_at = ? WHERE id = ?"));
  s->bind(1, pid).bind(2, host).bind(3, host == impl_->host ? process_start_token(pid) : std::string());
  s->bind(4, unix_now()).bind(5, run_id).run();
  if (impl_->db.changes() == 0) throw BadInput(file_message(path(), "no run with id " + std::to_string(run_id)));
  tx.commit();
}

std::optional<RunRecord> ExperimentDb::find_run(const std::string& name) const {
  return impl_->query_run("name = ?", [&](Statement& s) { s.bind(1, name); });
}

RunRecord ExperimentDb::get_run(int64_t run_id) const {
  auto run = impl_->query_run("id = ?", [&](Statement& s) { s.bind(1, run_id); });
  if (!run) throw BadInput(file_message(path(), "no run with id " + std::to_string(run_id)));
  return *run;
}

std::vector<RunRecord> ExperimentDb::list_runs(std::optional<double> stale_after_seconds) const {
  std::vector<RunRecord> out;
  {
    StatementScope s(impl_->stmt(std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY id"));
    while (s->step()) out.push_back(read_run(*s));
  }
  if (stale_after_seconds) {
    const double now = unix_now();
    for (RunRecord& r : out) {
      if (effective_status(r, *stale_after_seconds, now) == RunStatus::Crashed && r.status == RunStatus::Running) {
        r.status = RunStatus::Crashed;
        r.presumed_crashed = true;
        if (r.message.empty()) r.message = dead_run_message(r, now);
      }
    }
  }
  return out;
}

std::vector<int64_t> ExperimentDb::refresh_liveness(double stale_after_seconds) {
  impl_->require_writable("mark crashed runs");
  Transaction tx(impl_->db, TxnMode::Immediate);
  std::vector<RunRecord> running;
  {
    StatementScope s(
        impl_->stmt(std::string("SELECT ") + kRunColumns + " FROM runs WHERE status = 'running' ORDER BY id"));
    while (s->step()) running.push_back(read_run(*s));
  }
  const double now = unix_now();
  std::vector<int64_t> marked;
  for (const RunRecord& r : running) {
    if (is_alive(r, stale_after_seconds, now)) continue;
    StatementScope u(impl_->stmt(
        "UPDATE runs SET status = 'crashed', ended_at = ?, message = ? WHERE id = ? AND status = 'running'"));
    u->bind(1, now).bind(2, dead_run_message(r, now)).bind(3, r.id).run();
    marked.push_back(r.id);
  }
  tx.commit();
  return marked;
}

// ---------------------------------------------------------------------------------------------
// metrics

void ExperimentDb::append_metrics(int64_t run_id, const std::vector<MetricRow>& rows) {
  impl_->require_writable("append metrics");
  if (rows.empty()) return;
  for (const MetricRow& r : rows)
    if (r.key.empty())
      throw BadInput("metric of run " + std::to_string(run_id) + " at step " + std::to_string(r.step) +
                     " has an empty key");
  std::vector<std::pair<std::string, int64_t>> fresh;
  Transaction tx(impl_->db, TxnMode::Immediate);
  impl_->require_run(run_id);
  const double now = unix_now();

  std::vector<int64_t> key_ids(rows.size());
  for (size_t i = 0; i < rows.size(); ++i)  // consecutive rows often share a key
    key_ids[i] = i > 0 && rows[i].key == rows[i - 1].key ? key_ids[i - 1] : *impl_->key_id(rows[i].key, true, &fresh);

  // Rows go in kRowsPerInsert at a time through one multi-row INSERT (its per-statement costs, the
  // AUTOINCREMENT counter among them, are paid once per chunk); the rest one by one. The VALUES list
  // keeps the batch's order in the ids.
  auto bind_row = [&](Statement& s, int first_param, size_t i) {
    const MetricRow& r = rows[i];
    s.bind(first_param, run_id).bind(first_param + 1, r.step).bind(first_param + 2, key_ids[i]);
    if (std::isnan(r.value)) s.bind(first_param + 3, nullptr);
    else s.bind(first_param + 3, r.value);
    s.bind(first_param + 4, r.wall_time ? *r.wall_time : now);
  };
  static const std::string kInsert =
      "INSERT INTO metrics(run_id, step, key_id, value, wall_time) VALUES (?, ?, ?, ?, ?)";
  static const std::string kInsertChunk = [] {
    std::string sql = kInsert;
    for (int i = 1; i < kRowsPerInsert; ++i) sql += ", (?, ?, ?, ?, ?)";
    return sql;
  }();
  size_t i = 0;
  if (rows.size() >= static_cast<size_t>(kRowsPerInsert)) {
    Statement& chunk = impl_->stmt(kInsertChunk);
    for (; i + kRowsPerInsert <= rows.size(); i += kRowsPerInsert) {
      StatementScope s(chunk);
      for (int j = 0; j < kRowsPerInsert; ++j) bind_row(chunk, 5 * j + 1, i + static_cast<size_t>(j));
      s->run();
    }
  }
  if (i < rows.size()) {
    Statement& one = impl_->stmt(kInsert);
    for (; i < rows.size(); ++i) {
      StatementScope s(one);
      bind_row(one, 1, i);
      s->run();
    }
  }
  tx.commit();
  for (auto& [key, id] : fresh) impl_->key_ids.emplace(std::move(key), id);
}

std::vector<MetricPoint> ExperimentDb::read_metrics(int64_t run_id, const std::string& key) const {
  std::vector<MetricPoint> out;
  auto key_id = impl_->key_id(key, false, nullptr);
  if (!key_id) return out;
  StatementScope s(
      impl_->stmt("SELECT step, value, wall_time FROM metrics WHERE run_id = ? AND key_id = ? ORDER BY step, id"));
  s->bind(1, run_id).bind(2, *key_id);
  while (s->step()) out.push_back({s->column_int64(0), stored_value(*s, 1), s->column_double(2)});
  return out;
}

std::vector<MetricRecord> ExperimentDb::read_metrics_since(int64_t last_id, int64_t limit) const {
  if (limit <= 0) throw BadInput("read_metrics_since: limit must be positive, got " + std::to_string(limit));
  std::vector<MetricRecord> out;
  StatementScope s(
      impl_->stmt("SELECT m.id, m.run_id, m.step, k.key, m.value, m.wall_time FROM metrics m "
                  "JOIN metric_keys k ON k.id = m.key_id WHERE m.id > ? ORDER BY m.id LIMIT ?"));
  s->bind(1, last_id).bind(2, limit);
  // No reserve from `limit`: a follower's poll asks for up to tens of thousands of rows and usually
  // gets tens; reserving for the limit allocated megabytes on the GUI thread every poll.
  while (s->step())
    out.push_back({s->column_int64(0), s->column_int64(1), s->column_int64(2), s->column_text(3), stored_value(*s, 4),
                   s->column_double(5)});
  return out;
}

std::vector<std::string> ExperimentDb::metric_keys(int64_t run_id) const {
  StatementScope s(
      impl_->stmt("SELECT k.key FROM metric_keys k WHERE EXISTS "
                  "(SELECT 1 FROM metrics m WHERE m.run_id = ? AND m.key_id = k.id) ORDER BY k.key"));
  s->bind(1, run_id);
  std::vector<std::string> out;
  while (s->step()) out.push_back(s->column_text(0));
  return out;
}

int64_t ExperimentDb::count_metrics(std::optional<int64_t> run_id) const {
  if (run_id) {
    StatementScope s(impl_->stmt("SELECT count(*) FROM metrics WHERE run_id = ?"));
    s->bind(1, *run_id);
    return s->step() ? s->column_int64(0) : 0;
  }
  StatementScope s(impl_->stmt("SELECT count(*) FROM metrics"));
  return s->step() ? s->column_int64(0) : 0;
}

// ---------------------------------------------------------------------------------------------
// checkpoints

int64_t ExperimentDb::add_checkpoint(const CheckpointSpec& spec) {
  impl_->require_writable("add a checkpoint");
  if (spec.path.empty()) throw BadInput("checkpoint path is empty");
  check_name("kind of checkpoint '" + spec.path + "'", spec.kind);
  std::string sha = normalized_sha256(spec.sha256);
  check_json("metadata of checkpoint '" + spec.path + "'", spec.meta_json);
  Transaction tx(impl_->db, TxnMode::Immediate);
  if (spec.run_id) impl_->require_run(*spec.run_id);
  StatementScope s(impl_->stmt(
      "INSERT INTO checkpoints(run_id, path, step, sha256, kind, created_at, meta_json) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  s->bind(1, spec.run_id).bind(2, spec.path).bind(3, spec.step).bind(4, sha).bind(5, spec.kind);
  s->bind(6, unix_now()).bind(7, spec.meta_json).run();
  int64_t id = impl_->db.last_insert_rowid();
  tx.commit();
  return id;
}

CheckpointRecord ExperimentDb::get_checkpoint(int64_t checkpoint_id) const {
  StatementScope s(impl_->stmt(std::string("SELECT ") + kCheckpointColumns + " FROM checkpoints WHERE id = ?"));
  s->bind(1, checkpoint_id);
  if (!s->step()) throw BadInput(file_message(path(), "no checkpoint with id " + std::to_string(checkpoint_id)));
  return read_checkpoint(*s);
}

std::vector<CheckpointRecord> ExperimentDb::list_checkpoints(std::optional<int64_t> run_id) const {
  std::vector<CheckpointRecord> out;
  if (run_id) {
    StatementScope s(
        impl_->stmt(std::string("SELECT ") + kCheckpointColumns + " FROM checkpoints WHERE run_id = ? ORDER BY id"));
    s->bind(1, *run_id);
    while (s->step()) out.push_back(read_checkpoint(*s));
  } else {
    StatementScope s(impl_->stmt(std::string("SELECT ") + kCheckpointColumns + " FROM checkpoints ORDER BY id"));
    while (s->step()) out.push_back(read_checkpoint(*s));
  }
  return out;
}

std::optional<CheckpointRecord> ExperimentDb::find_checkpoint_by_sha256(const std::string& sha256) const {
  std::string sha = normalized_sha256(sha256);
  StatementScope s(impl_->stmt(std::string("SELECT ") + kCheckpointColumns +
                               " FROM checkpoints WHERE sha256 = ? ORDER BY id LIMIT 1"));
  s->bind(1, sha);
  if (!s->step()) return std::nullopt;
  return read_checkpoint(*s);
}

// ---------------------------------------------------------------- worker jobs

int64_t ExperimentDb::add_worker_job(const WorkerJobSpec& spec) {
  impl_->require_writable("record a worker job");
  if (spec.worker.empty() || spec.launcher.empty() || spec.job_id.empty())
    throw BadInput("worker job: worker, launcher and job id must not be empty (worker '" + spec.worker +
                   "', launcher '" + spec.launcher + "', job '" + spec.job_id + "')");
  Transaction tx(impl_->db, TxnMode::Immediate);
  impl_->require_run(spec.driver_run_id);
  {
    StatementScope q(impl_->stmt("SELECT id FROM worker_jobs WHERE launcher = ? AND job_id = ?"));
    q->bind(1, spec.launcher).bind(2, spec.job_id);
    if (q->step()) throw BadInput(file_message(path(), spec.launcher + " job " + spec.job_id + " is recorded already"));
  }
  const double now = unix_now();
  StatementScope s(
      impl_->stmt("INSERT INTO worker_jobs(driver_run_id, worker, launcher, job_id, node, state, log_path, "
                  "submitted_at, updated_at) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s->bind(1, spec.driver_run_id).bind(2, spec.worker).bind(3, spec.launcher).bind(4, spec.job_id).bind(5, spec.node);
  s->bind(6, spec.state).bind(7, spec.log_path).bind(8, now).bind(9, now).run();
  const int64_t id = impl_->db.last_insert_rowid();
  tx.commit();
  return id;
}

void ExperimentDb::update_worker_job(int64_t job_row_id, const std::string& state, const std::string& node,
                                     std::optional<int> exit_code) {
  impl_->require_writable("update a worker job");
  Transaction tx(impl_->db, TxnMode::Immediate);
  StatementScope s(impl_->stmt(
      "UPDATE worker_jobs SET state = ?, node = CASE WHEN ? = '' THEN node ELSE ? END, exit_code = ?, updated_at = ? "
      "WHERE id = ?"));
  s->bind(1, state).bind(2, node).bind(3, node);
  if (exit_code) s->bind(4, static_cast<int64_t>(*exit_code));
  else s->bind(4, nullptr);
  s->bind(5, unix_now()).bind(6, job_row_id).run();
  if (impl_->db.changes() != 1)
    throw BadInput(file_message(path(), "no worker job with id " + std::to_string(job_row_id)));
  tx.commit();
}

std::vector<WorkerJobRecord> ExperimentDb::list_worker_jobs(int64_t driver_run_id) const {
  std::vector<WorkerJobRecord> out;
  StatementScope s(impl_->stmt(
      "SELECT id, driver_run_id, worker, launcher, job_id, node, state, exit_code, log_path, submitted_at, updated_at "
      "FROM worker_jobs WHERE driver_run_id = ? ORDER BY id"));
  s->bind(1, driver_run_id);
  while (s->step()) {
    WorkerJobRecord r;
    r.id = s->column_int64(0);
    r.driver_run_id = s->column_int64(1);
    r.worker = s->column_text(2);
    r.launcher = s->column_text(3);
    r.job_id = s->column_text(4);
    r.node = s->column_text(5);
    r.state = s->column_text(6);
    if (auto c = s->column_opt_int64(7)) r.exit_code = static_cast<int>(*c);
    r.log_path = s->column_text(8);
    r.submitted_at = s->column_double(9);
    r.updated_at = s->column_double(10);
    out.push_back(r);
  }
  return out;
}

// ---------------------------------------------------------------- notes and tags

namespace {

RunNotes read_notes(Statement& s, const std::string& db_path) {
  RunNotes n;
  n.run_id = s.column_int64(0);
  n.note = s.column_text(1);
  const std::string tags = s.column_text(2);
  n.updated_at = s.column_double(3);
  const nlohmann::json j = nlohmann::json::parse(tags, nullptr, /*allow_exceptions=*/false);
  bool ok = j.is_array();
  if (ok)
    for (const nlohmann::json& t : j) ok = ok && t.is_string();
  if (!ok)
    throw BadInput(file_message(db_path, "run_notes.tags_json of run " + std::to_string(n.run_id) +
                                             " is not a JSON array of strings: '" + tags.substr(0, 80) + "'"));
  for (const nlohmann::json& t : j) n.tags.push_back(t.get<std::string>());
  return n;
}

}  // namespace

void ExperimentDb::set_run_notes(int64_t run_id, const std::string& note, const std::vector<std::string>& tags) {
  impl_->require_writable("write a run's notes");
  if (note.size() > kMaxRunNoteBytes)
    throw BadInput(file_message(path(), "note of run " + std::to_string(run_id) + ": " + std::to_string(note.size()) +
                                            " bytes, at most " + std::to_string(kMaxRunNoteBytes)));
  const std::vector<std::string> clean = normalize_run_tags(tags);
  Transaction tx(impl_->db, TxnMode::Immediate);
  impl_->require_run(run_id);
  if (note.empty() && clean.empty()) {
    StatementScope d(impl_->stmt("DELETE FROM run_notes WHERE run_id = ?"));
    d->bind(1, run_id).run();
  } else {
    StatementScope s(
        impl_->stmt("INSERT INTO run_notes(run_id, note, tags_json, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(run_id) DO UPDATE SET note = excluded.note, tags_json = excluded.tags_json, "
                    "updated_at = excluded.updated_at"));
    s->bind(1, run_id).bind(2, note).bind(3, nlohmann::json(clean).dump()).bind(4, unix_now()).run();
  }
  tx.commit();
}

RunNotes ExperimentDb::get_run_notes(int64_t run_id) const {
  impl_->require_run(run_id);
  StatementScope s(impl_->stmt("SELECT run_id, note, tags_json, updated_at FROM run_notes WHERE run_id = ?"));
  s->bind(1, run_id);
  if (!s->step()) {
    RunNotes empty;
    empty.run_id = run_id;
    return empty;
  }
  return read_notes(*s, path());
}

std::vector<RunNotes> ExperimentDb::list_run_notes() const {
  std::vector<RunNotes> out;
  StatementScope s(impl_->stmt("SELECT run_id, note, tags_json, updated_at FROM run_notes ORDER BY run_id"));
  while (s->step()) out.push_back(read_notes(*s, path()));
  return out;
}

int ExperimentDb::upgrade_if_older(const std::string& path) {
  int version = 0;
  int64_t app = 0;
  {
    Database probe(path, OpenMode::ReadOnly);
    version = read_schema_version(probe);
    Statement s(probe, "PRAGMA application_id");
    app = s.step() ? s.column_int64(0) : 0;
  }
  // Only our own files (schema v1 sets the application id): another program's database that
  // happens to carry a small user_version is never written to.
  if (app != kWarpApplicationId) return 0;
  if (version < 1 || version >= latest_schema_version()) return version;
  return ExperimentDb::open(path).schema_version();
}

}  // namespace warp
