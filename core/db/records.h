#pragma once
// The rows of the experiment database (core/db/experiment_db.h) as plain C++ values.
// Times are unix seconds (double, sub-second precision); ids are SQLite rowids (int64).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace warp {

// Life of a run. queued → running → finished | failed | diverged | killed; `crashed` is given by the
// liveness check to a run whose process is gone without saying so (its heartbeat went stale).
enum class RunStatus { Queued, Running, Finished, Failed, Diverged, Killed, Crashed };

const char* to_string(RunStatus status);
// "queued", "running", ...; BadInput naming the text and the accepted values otherwise.
RunStatus parse_run_status(const std::string& text);
// finished, failed, diverged, killed, crashed: the run's process has ended.
bool is_terminal(RunStatus status);

struct ExperimentRecord {
  int64_t id = 0;
  std::string name;
  double created_at = 0;
  std::string config_json;
};

// What a new run is made of (create_run).
struct RunSpec {
  RunSpec() = default;
  RunSpec(std::string name_, std::string kind_, std::string config_json_ = "{}")
      : name(std::move(name_)), kind(std::move(kind_)), config_json(std::move(config_json_)) {}

  std::string name;                           // unique in the database
  std::string kind;                           // sft, rm, train, merge, eval, warp, ...
  std::string config_json = "{}";             // the run's settings (valid JSON)
  RunStatus status = RunStatus::Queued;       // queued (launched later) or running (this process)
  std::optional<int64_t> parent_run_id;       // lineage: the run this one comes from (e.g. the WARP driver)
  std::optional<int64_t> init_checkpoint_id;  // lineage: the checkpoint it starts from
  std::optional<int64_t> iteration;           // WARP iteration i, when it belongs to one
};

struct RunRecord {
  int64_t id = 0;
  std::string name;
  std::string kind;
  RunStatus status = RunStatus::Queued;  // as stored (or as presumed, see presumed_crashed)
  std::string config_json;
  std::optional<int64_t> pid;  // process of the run, on `host`
  std::string host;
  std::string proc_start;  // identity of that process (boot id + start time): detects pid reuse
  std::optional<double> heartbeat_at;
  double created_at = 0;
  std::optional<double> started_at;
  std::optional<double> ended_at;
  std::optional<int64_t> parent_run_id;
  std::optional<int64_t> init_checkpoint_id;
  std::optional<int64_t> iteration;
  std::string message;  // why it stopped / the error
  // Set by readers that apply liveness without writing (ExperimentDb::list_runs(stale_after)):
  // stored status is running, but the process is gone, so status is reported as Crashed.
  bool presumed_crashed = false;
};

// One metric value to append. wall_time: when it was measured (default: the time of the append).
struct MetricRow {
  MetricRow() = default;
  MetricRow(int64_t step_, std::string key_, double value_, std::optional<double> wall_time_ = std::nullopt)
      : step(step_), key(std::move(key_)), value(value_), wall_time(wall_time_) {}

  int64_t step = 0;
  std::string key;   // e.g. "reward/mean", "kl/seq"
  double value = 0;  // NaN and ±inf are kept (a diverging loss is worth recording)
  std::optional<double> wall_time;
};

// A point of one run's series for one key.
struct MetricPoint {
  int64_t step = 0;
  double value = 0;
  double wall_time = 0;
};

// A stored metric row, for incremental reads (ids only grow: "rows since id N").
struct MetricRecord {
  int64_t id = 0;
  int64_t run_id = 0;
  int64_t step = 0;
  std::string key;
  double value = 0;
  double wall_time = 0;
};

struct CheckpointSpec {
  std::optional<int64_t> run_id;  // the run that wrote it (none for imports)
  std::string path;               // the file (HDF5 or safetensors)
  int64_t step = 0;
  std::string sha256;            // hex digest of the file, 64 characters
  std::string kind;              // policy, ema, reward_model, merge, sft, import, ...
  std::string meta_json = "{}";  // anything else (valid JSON)
};

struct CheckpointRecord {
  int64_t id = 0;
  std::optional<int64_t> run_id;
  std::string path;
  int64_t step = 0;
  std::string sha256;
  std::string kind;
  double created_at = 0;
  std::string meta_json;
};

// A scheduler job of a `warp run` worker (table worker_jobs, schema v4).
struct WorkerJobSpec {
  int64_t driver_run_id = 0;
  std::string worker;    // the worker's run name
  std::string launcher;  // "slurm"
  std::string job_id;    // as the scheduler names it: "<array job id>_<task>"
  std::string node;
  std::string state;     // the scheduler's state: PENDING, RUNNING, COMPLETED, FAILED, ...
  std::string log_path;  // the worker's log
};

struct WorkerJobRecord : WorkerJobSpec {
  int64_t id = 0;
  std::optional<int> exit_code;  // once ended
  double submitted_at = 0;
  double updated_at = 0;
};

// A run's note and tags (schema v6, table run_notes): written by people (the desktop app's Notes
// and tags dialog), never by the run itself. One row per run at most.
struct RunNotes {
  int64_t run_id = 0;
  std::string note;               // free text, at most kMaxRunNoteBytes
  std::vector<std::string> tags;  // in the order given, each once
  double updated_at = 0;          // unix seconds of the last change; 0: never written
};

constexpr size_t kMaxRunNoteBytes = 65536;
constexpr size_t kMaxRunTagBytes = 64;

// The tags as stored: each trimmed of blanks; BadInput naming the tag when one is empty, longer
// than kMaxRunTagBytes, or holds a comma or a control character; exact duplicates dropped (the
// first kept).
std::vector<std::string> normalize_run_tags(const std::vector<std::string>& tags);
// Tags typed as text: split at commas, empty pieces dropped, then normalize_run_tags.
std::vector<std::string> parse_run_tags(const std::string& text);

}  // namespace warp
