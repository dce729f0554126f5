#pragma once
// The experiment database (DESIGN §3): <experiment>/experiment.db, an SQLite file in WAL mode that
// every run process, the CLI and the desktop app read and write.
//
//   experiments  the experiment's name and settings
//   runs         one row per run: kind, status, process (pid, host, heartbeat), lineage, message
//   metrics      (run, step, key, value, wall time); ids only grow, so viewers read "rows since id N"
//   checkpoints  files written or imported: path, step, sha256, kind, metadata
//   worker_jobs  scheduler (Slurm) jobs of warp run's workers: job id, node, state, exit code
//   run_notes    people's notes and tags on runs (the desktop app writes them)
//
// Writers batch their writes in BEGIN IMMEDIATE transactions (one per metrics batch); readers open
// the file read-only and never block writers. Each process (and each thread) opens its own
// ExperimentDb; one object is not to be shared between threads.
//
// Errors: BadInput for what the caller or the file got wrong (unknown run, bad name or JSON, a file
// that is not an experiment database, a newer schema); Error for failures of the database itself.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/liveness.h"
#include "db/records.h"
#include "db/schema.h"
#include "db/sqlite_handle.h"

namespace warp {

struct ExperimentDbOptions {
  OpenMode mode = OpenMode::ReadWrite;
  int busy_timeout_ms = Database::kDefaultBusyTimeoutMs;
  // Testing hook: the migration list to open with instead of schema_migrations().
  const std::vector<Migration>* migrations = nullptr;
};

class ExperimentDb {
 public:
  // ReadWrite: creates the file if missing and migrates it to the current schema.
  // ReadOnly: the file must exist at the current schema version.
  static ExperimentDb open(const std::string& path, const ExperimentDbOptions& options = {});
  static ExperimentDb open_read_only(const std::string& path);

  ExperimentDb(ExperimentDb&&) noexcept;
  ExperimentDb& operator=(ExperimentDb&&) noexcept;
  ~ExperimentDb();

  const std::string& path() const;
  bool read_only() const;
  int schema_version() const;
  // The connection, for queries this class does not offer (and for tests).
  Database& database();

  // --- experiments
  // Id of the experiment with this name, creating it with config_json when there is none.
  int64_t ensure_experiment(const std::string& name, const std::string& config_json);
  std::vector<ExperimentRecord> list_experiments() const;

  // --- runs
  // Inserts a run; BadInput when the name is taken or empty, the kind empty, config_json not JSON, or
  // a lineage id unknown. A run created as Running belongs to this process (pid, host, heartbeat).
  int64_t create_run(const RunSpec& spec);
  // Running: claims the run for the calling process (pid, host, heartbeat, started_at when unset,
  // ended_at cleared). Terminal statuses set ended_at. message: the stop reason / error ("" clears).
  void set_run_status(int64_t run_id, RunStatus status, const std::string& message = "");
  // Claims an existing run for the calling process in one BEGIN IMMEDIATE transaction (status
  // running, this pid, host and identity, started_at when unset, ended_at cleared, message), so of
  // two processes resuming one run exactly one wins. Refused with BadInput naming the run and its
  // holder when the run has finished or is running in a live process other than this one; "live" is
  // holder_alive() (liveness.h): on this host the pid and its start identity decide at once, on
  // another host a heartbeat fresher than stale_after_seconds. Returns the row as it was before.
  RunRecord claim_run(int64_t run_id, const std::string& message = "",
                      double stale_after_seconds = kDefaultStaleAfterSeconds);
  // heartbeat_at = now; pid, host, process identity = the calling process. A run that a liveness
  // check marked crashed comes back to running: the heartbeat proves its process alive.
  void heartbeat(int64_t run_id);
  // Records the process of a run started by someone else (e.g. the launcher knows the child pid).
  void set_run_process(int64_t run_id, int64_t pid, const std::string& host);
  std::optional<RunRecord> find_run(const std::string& name) const;
  RunRecord get_run(int64_t run_id) const;  // BadInput when unknown
  // All runs by id. With stale_after_seconds, running runs whose process is gone are reported as
  // Crashed (presumed_crashed = true) without writing: what read-only viewers show.
  std::vector<RunRecord> list_runs(std::optional<double> stale_after_seconds = std::nullopt) const;
  // Marks running runs that are not alive (see liveness.h) as crashed, with a message saying why.
  // Returns the ids it marked.
  std::vector<int64_t> refresh_liveness(double stale_after_seconds = kDefaultStaleAfterSeconds);

  // --- metrics
  // Appends a batch in one BEGIN IMMEDIATE transaction (cached prepared INSERT). BadInput when the
  // run is unknown or a key is empty; nothing of the batch is stored then.
  void append_metrics(int64_t run_id, const std::vector<MetricRow>& rows);
  // One run's series for one key, by step (then by insertion). Empty when the key was never written.
  std::vector<MetricPoint> read_metrics(int64_t run_id, const std::string& key) const;
  // Rows with id > last_id in id order, at most limit of them (incremental reads of live runs).
  std::vector<MetricRecord> read_metrics_since(int64_t last_id, int64_t limit = 10000) const;
  // The keys a run has written, sorted.
  std::vector<std::string> metric_keys(int64_t run_id) const;
  // Number of metric rows of a run (of all runs when none is given).
  int64_t count_metrics(std::optional<int64_t> run_id = std::nullopt) const;

  // --- checkpoints
  // BadInput when the path or kind is empty, sha256 is not 64 hex digits, meta_json is not JSON or
  // the run is unknown. The digest is stored in lower case.
  int64_t add_checkpoint(const CheckpointSpec& spec);
  CheckpointRecord get_checkpoint(int64_t checkpoint_id) const;  // BadInput when unknown
  // A run's checkpoints by id; all checkpoints when run_id is empty.
  std::vector<CheckpointRecord> list_checkpoints(std::optional<int64_t> run_id = std::nullopt) const;
  // The first checkpoint registered with this digest (any case), if any.
  std::optional<CheckpointRecord> find_checkpoint_by_sha256(const std::string& sha256) const;

  // --- worker jobs (schema v4): the scheduler jobs of warp run's workers
  // BadInput when the driver run is unknown, the worker, launcher or job id empty, or the job id
  // already recorded for this launcher.
  int64_t add_worker_job(const WorkerJobSpec& spec);
  // The job's last known state, node ("" keeps the recorded one) and exit code; updated_at = now.
  void update_worker_job(int64_t job_row_id, const std::string& state, const std::string& node,
                         std::optional<int> exit_code);
  // A driver's worker jobs by id (submission order).
  std::vector<WorkerJobRecord> list_worker_jobs(int64_t driver_run_id) const;

  // --- notes and tags on runs (schema v6)
  // Replaces the run's note and tags (tags through normalize_run_tags); an empty note with no tags
  // deletes the row. BadInput when the run is unknown, the note is over kMaxRunNoteBytes or a tag is
  // refused; nothing is written then.
  void set_run_notes(int64_t run_id, const std::string& note, const std::vector<std::string>& tags);
  // The run's note and tags; empty (updated_at 0) when none were written. BadInput when the run is
  // unknown or the stored tags are not a JSON array of strings (naming the run and the column).
  RunNotes get_run_notes(int64_t run_id) const;
  // Every run's notes that were written, by run id (BadInput as get_run_notes).
  std::vector<RunNotes> list_run_notes() const;

  // Opens the file once for writing to migrate it when its schema is older than this program's
  // (1 <= version < latest); returns the version it is at afterwards, 0 for a file that is not
  // (yet) an experiment database (no WARP application_id), which is left untouched. Read-only viewers call it before
  // opening: they refuse an older schema.
  static int upgrade_if_older(const std::string& path);

 private:
  struct Impl;
  explicit ExperimentDb(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace warp
