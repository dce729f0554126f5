#pragma once
// Child processes of the WARP driver: one `warp train` per RL run (DESIGN §2: every RL run is its own
// OS process).
//
// A worker is started with fork + execv (no shell): its stdin is /dev/null, its stdout and stderr go
// (appended) to a log file, it runs in its own process group (so a Ctrl-C typed at the driver's
// terminal reaches the driver only, which then asks each worker once to stop: a second signal would
// end a worker at once, without its checkpoint, util/signals.h), and it gets SIGTERM when the driver
// dies (Linux PR_SET_PDEATHSIG), so a driver killed with -9 leaves no orphan training on: its
// workers checkpoint and end "killed", ready for `warp run --resume`.
//
// Exit codes as poll() reports them: the process's exit status, or 128 + N when signal N ended it
// (the shell's convention).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace warp {

class WorkerProcess {
 public:
  // Starts `executable args...` with its output appended to log_path (created with its folder), in
  // this process's environment with the "NAME=value" entries of `env` set (replacing those names).
  // Throws Error naming the executable or the log file when it cannot be started.
  static WorkerProcess start(const std::string& executable, const std::vector<std::string>& args,
                             const std::string& log_path, const std::vector<std::string>& env = {});

  WorkerProcess() = default;
  WorkerProcess(WorkerProcess&& other) noexcept;
  WorkerProcess& operator=(WorkerProcess&& other) noexcept;
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;
  // A process still running is left running (the caller stops it; PDEATHSIG covers a dying driver).
  ~WorkerProcess() = default;

  int64_t pid() const { return pid_; }
  // The exit code once the process has ended (reaped on the first call that sees it), else nullopt.
  std::optional<int> poll();
  // Blocks until the process ends; its exit code.
  int wait();
  // SIGTERM (graceful: the worker checkpoints and ends "killed") or SIGKILL. No-op once ended.
  void terminate();
  void kill();

 private:
  int64_t pid_ = -1;
  std::optional<int> exit_code_;
};

// The last max_bytes of a file (whole lines where possible), "" when it cannot be read.
std::string file_tail(const std::string& path, size_t max_bytes = 2000);

}  // namespace warp
