#include "train/run_log.h"

#include <exception>

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
    // One transaction checks that no live process holds the run and claims it (of two resumes
    // started together exactly one gets here; the other is refused naming the holder).
    run_id_ = existing->id;
    db_.claim_run(run_id_, "resumed");
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

void RunLog::drop_metrics_after(int64_t step) {
  Database& d = db_.database();
  Transaction txn(d, TxnMode::Immediate);
  Statement s(d, "DELETE FROM metrics WHERE run_id = ?1 AND step > ?2");
  s.bind(1, run_id_).bind(2, step);
  s.run();
  txn.commit();
}

void RunLog::finish(RunStatus status, const std::string& message) {
  std::string text = message;
  try {
    flush();
  } catch (const std::exception& e) {
    // A full disk (SQLITE_FULL) or an I/O error: the buffered rows are lost, but the run's end must
    // still be recorded. The status row is one small UPDATE, which often still fits (the failed
    // checkpoint's temporary file is gone by now); a run that would claim to have finished with rows
    // missing is not let through.
    if (status == RunStatus::Finished) throw;
    text += (text.empty() ? "" : "; ") + std::to_string(pending_.size()) +
            " buffered metric rows could not be written (" + e.what() + ")";
    pending_.clear();
  }
  // If this write fails too, the exception ends the process and the run is presumed crashed as soon
  // as its pid is gone (liveness.h), its committed rows intact.
  db_.set_run_status(run_id_, status, text);
}

}  // namespace warp
