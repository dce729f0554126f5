#include "train/run_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <exception>
#include <filesystem>
#include <vector>

#include "util/error.h"
#include "util/format.h"
#include "util/fsutil.h"
#include "util/sha256.h"

namespace warp {

namespace {

// Room kept on the experiment's disk for recording how a run ended: a file of kReserveBytes beside
// the database, made once the run is claimed and removed when it ends. When the disk fills and the
// status update itself no longer fits (the WAL cannot grow), finish() removes the file and tries
// again. Named like an AtomicFile temporary of this process, so a copy left by kill -9 is removed
// when the experiment is next opened.
constexpr size_t kReserveBytes = 1 << 20;

std::string reserve_path(const std::string& db_path, int64_t run_id) {
  return db_path + "-reserve.tmp-" + std::to_string(::getpid()) + "-" + std::to_string(run_id);
}

void make_reserve(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;  // no room even now: the run goes on without a reserve
  const std::vector<char> zeros(kReserveBytes, 0);
  size_t done = 0;
  while (done < zeros.size()) {
    const ssize_t n = ::write(fd, zeros.data() + done, zeros.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (done < zeros.size()) ::unlink(path.c_str());
}

// Reserves of `run_id` left by earlier holders of the run (a process that died before it could remove
// its own, e.g. a worker ended by its driver's death before its stop handler was installed). Called
// right after the run was claimed: claiming proves that no earlier holder is alive, so each is stale,
// whatever its pid. (Opening the experiment removes them too, but only once their process is gone,
// which a resume started while the old process was still exiting cannot wait for.)
void remove_stale_reserves(const std::string& db_path, int64_t run_id) {
  namespace fs = std::filesystem;
  const fs::path db(db_path);
  const std::string prefix = db.filename().string() + "-reserve.tmp-", suffix = "-" + std::to_string(run_id);
  const std::string mine = reserve_path(db_path, run_id);
  std::error_code ec;
  for (fs::directory_iterator it(db.parent_path().empty() ? fs::path(".") : db.parent_path(), ec), end;
       !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0 || it->path().string() == mine)
      continue;
    const std::string pid = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    ::unlink(it->path().c_str());
  }
}

}  // namespace

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
    remove_stale_reserves(db_.path(), run_id_);
  } else {
    if (existing)
      throw BadInput("a run named '" + spec.name + "' already exists (status " + to_string(existing->status) +
                     "); use --resume to continue it or choose another --name");
    RunSpec s = spec;
    s.status = RunStatus::Running;
    run_id_ = db_.create_run(s);
  }
  db_.heartbeat(run_id_);
  make_reserve(reserve_path(db_.path(), run_id_));
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
  const std::string reserve = reserve_path(db_.path(), run_id_);
  try {
    db_.set_run_status(run_id_, status, text);
  } catch (const std::exception&) {
    // The disk is full to the last byte: give back the reserve and try once more. If this write
    // fails too, the exception ends the process and the run is presumed crashed once its pid is
    // gone (liveness.h), its committed rows intact.
    if (::unlink(reserve.c_str()) != 0) throw;
    db_.set_run_status(run_id_, status, text);
    return;
  }
  ::unlink(reserve.c_str());
}

}  // namespace warp
