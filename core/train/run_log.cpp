#include "train/run_log.h"

#include "util/error.h"
#include "util/format.h"
#include "util/fsutil.h"
#include "util/sha256.h"

namespace warp {

RunLog::RunLog(const std::string& db_path, const RunSpec& spec, bool resume)
    : db_(ExperimentDb::open(db_path)), last_flush_(std::chrono::steady_clock::now()) {
  auto existing = db_.find_run(spec.name);
  if (resume) {
    if (!existing) throw BadInput("cannot resume run '" + spec.name + "': no such run in " + db_path);
    if (existing->kind != spec.kind)
      throw BadInput("cannot resume run '" + spec.name + "': it is a " + existing->kind + " run, not " + spec.kind);
    if (existing->status == RunStatus::Finished)
      throw BadInput("cannot resume run '" + spec.name + "': it has already finished");
    if (existing->status == RunStatus::Running && !existing->presumed_crashed) {
      // Still claimed by a live process? refresh_liveness marks it crashed when its process is gone.
      db_.refresh_liveness();
      if (db_.get_run(existing->id).status == RunStatus::Running)
        throw BadInput("cannot resume run '" + spec.name + "': it is running (pid " +
                       std::to_string(existing->pid.value_or(0)) + " on " + existing->host + ")");
    }
    run_id_ = existing->id;
    db_.set_run_status(run_id_, RunStatus::Running, "resumed");
  } else {
    if (existing)
      throw BadInput("a run named '" + spec.name + "' already exists (status " + to_string(existing->status) +
                     "); use --resume to continue it or choose another --name");
    RunSpec s = spec;
    s.status = RunStatus::Running;
    run_id_ = db_.create_run(s);
  }
  db_.heartbeat(run_id_);
}

void RunLog::metric(int64_t step, const std::string& key, double value) {
  pending_.emplace_back(step, key, value, unix_now());
}

void RunLog::tick(double flush_seconds) {
  auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_flush_).count() >= flush_seconds) flush();
}

void RunLog::flush() {
  if (!pending_.empty()) {
    db_.append_metrics(run_id_, pending_);
    pending_.clear();
  }
  db_.heartbeat(run_id_);
  last_flush_ = std::chrono::steady_clock::now();
}

int64_t RunLog::add_checkpoint(const std::string& path, int64_t step, const std::string& kind,
                               const std::string& meta_json) {
  CheckpointSpec spec;
  spec.run_id = run_id_;
  // Paths inside the experiment folder are stored relative to it, so the folder can move.
  const std::string root = parent_dir(db_.path()) + "/";
  spec.path = path.rfind(root, 0) == 0 ? path.substr(root.size()) : path;
  spec.step = step;
  spec.sha256 = sha256_file(path);
  spec.kind = kind;
  spec.meta_json = meta_json;
  return db_.add_checkpoint(spec);
}

void RunLog::finish(RunStatus status, const std::string& message) {
  flush();
  db_.set_run_status(run_id_, status, message);
}

}  // namespace warp
