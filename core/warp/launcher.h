#pragma once
// How `warp run` starts, follows and stops its workers (the `warp train` processes of each
// iteration, driver.h). Two launchers:
//
//   local  (LocalLauncher)  each worker a child process of the driver (warp/worker_process.h), its
//                           output appended to <exp>/logs/<worker>.log
//   slurm  (SlurmLauncher)  the workers a batch starts together are one Slurm job array
//                           (`sbatch --parsable --array=0-(n-1)`), task k running the same
//                           `warp train` command the local launcher runs for the batch's k-th
//                           worker plus `--record journal` (it records its run in its journal,
//                           which the driver imports: db/journal.h), its output appended to the
//                           same log; followed with squeue,
//                           then `scontrol show job`, then sacct; stopped with scancel
//                           (docs/slurm.md)
//
// The driver calls begin() once, then launch() with the workers it starts together (all M of an
// iteration at the start, fewer with --parallel or when only some must be continued), poll()
// for each started worker every poll interval, stop() to ask a worker to checkpoint and end, and
// kill() when it did not end in time. All calls come from the driver's thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/slurm_options.h"
#include "warp/driver.h"

namespace warp {

struct LauncherContext {
  std::string exp_dir;          // the experiment folder (absolute)
  std::string warp_executable;  // the `warp` binary the workers run
  std::string driver_name;      // the driver run's name
  int64_t driver_run_id = 0;    // its row in experiment.db
  int64_t iteration = 0;        // the current one: set_iteration() before each launch()
};

class WorkerLauncher {
 public:
  virtual ~WorkerLauncher() = default;
  virtual std::string kind() const = 0;  // "local", "slurm"
  virtual void begin(const LauncherContext& context) = 0;
  virtual void set_iteration(int64_t iteration) = 0;
  // Starts the workers together; one handle per worker, in order. Throws Error (naming the command
  // and what it said) when they cannot be started.
  virtual std::vector<int64_t> launch(const std::vector<WorkerLaunch>& workers) = 0;
  // The exit code once the worker has ended (0: the run finished), else nullopt.
  virtual std::optional<int> poll(int64_t handle) = 0;
  // Ask to stop: the worker gets SIGTERM (it checkpoints and ends "killed"). No-op once ended.
  virtual void stop(int64_t handle) = 0;
  // End it now (SIGKILL; scancel for Slurm).
  virtual void kill(int64_t handle) = 0;
  // What the progress line shows for a started worker besides its step: "" when nothing to say
  // (local), else the scheduler's state ("PENDING", "RUNNING", "FAILED", ...).
  virtual std::string state(int64_t handle) = 0;
  // Where the worker is, for messages: "pid 123", "slurm job 45_1 on node n3" ...
  virtual std::string describe(int64_t handle) = 0;
  // On resume: a handle to this worker's job when the scheduler still has it queued or running
  // (submitted by an earlier driver of this run), so that it is followed, not submitted twice.
  virtual std::optional<int64_t> reattach(const std::string& worker) {
    (void)worker;
    return std::nullopt;
  }
  // The worker's log file.
  std::string log_path(const std::string& worker) const { return exp_dir_ + "/logs/" + worker + ".log"; }

 protected:
  std::string exp_dir_;
};

// Child processes of the driver (the launcher `warp run` always had). With gpus (`warp run --gpus
// 0,1,...`), worker m of an iteration (WorkerLaunch::index = m - 1) runs with
// CUDA_VISIBLE_DEVICES=gpus[(m - 1) mod n], so it sees that one device as cuda:0 (its --device auto
// or cuda picks it); the log's header line names it.
class LocalLauncher : public WorkerLauncher {
 public:
  explicit LocalLauncher(std::vector<std::string> gpus = {});
  ~LocalLauncher() override;
  std::string kind() const override { return "local"; }
  void begin(const LauncherContext& context) override;
  void set_iteration(int64_t iteration) override { context_.iteration = iteration; }
  std::vector<int64_t> launch(const std::vector<WorkerLaunch>& workers) override;
  std::optional<int> poll(int64_t handle) override;
  void stop(int64_t handle) override;
  void kill(int64_t handle) override;
  std::string state(int64_t) override { return ""; }
  std::string describe(int64_t handle) override { return "pid " + std::to_string(handle); }

  const std::vector<std::string>& gpus() const { return gpus_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  LauncherContext context_;
  std::vector<std::string> gpus_;
};

// `warp run --gpus`: a comma-separated list of CUDA device indices (0,1,...) or GPU UUIDs (GPU-...,
// MIG-...), repeats allowed (two workers on one device: 0,0,1,1). BadInput naming the value.
std::vector<std::string> parse_gpu_list(const std::string& text);

// SlurmOptions, split_shell_words: config/slurm_options.h.

// The experiment's Slurm defaults: its config.json "slurm" section (validated).
SlurmOptions slurm_options_for(const Experiment& exp);

// A Slurm job array's task: "<array job id>_<task>".
struct SlurmTaskInfo {
  std::string job_id;            // e.g. "123_1"
  std::string state;             // PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, ...
  std::string node;              // "" while pending
  std::optional<int> exit_code;  // once ended: the exit status, or 128 + the signal that ended it
};

// The output of a command run without a shell.
struct CommandOutput {
  int code = -1;  // exit status, 128 + signal, 127 when it could not be started
  std::string out, err;
};
// Runs argv[0] (looked up in PATH) with argv; stdin /dev/null.
CommandOutput run_command(const std::vector<std::string>& argv);

// Parsers of Slurm's command output (tested on their own): squeue -h -r -o '%i|%T|%N' lines;
// `scontrol show job -o` lines; sacct -n -P -X -o JobID,State,ExitCode,NodeList lines. Job ids come
// out as "<array job id>_<task>"; exit codes only for ended states.
std::vector<SlurmTaskInfo> parse_squeue(const std::string& text);
std::vector<SlurmTaskInfo> parse_scontrol_jobs(const std::string& text);
std::vector<SlurmTaskInfo> parse_sacct(const std::string& text);
// "2:0" → 2, "0:15" → 143 (128 + signal).
std::optional<int> parse_slurm_exit_code(const std::string& text);

// `warp run --launcher slurm --submit-driver`: submits the driver itself as a batch job running
// `warp_executable driver_args...` (the same `warp run` command without --submit-driver), from the
// current folder, with the options' partition and account and --requeue. A requeued driver job
// (SLURM_RESTART_COUNT > 0) runs `warp_executable resume_args...` instead (warp run passes the same
// command with --or-resume, or for --resume `warp run --resume --name <name>` with the launcher
// options), which continues the run the first attempt started, or starts it when there is none.
// Output: <exp>/logs/slurm/<name>-driver-%j.out; the script <exp>/logs/slurm/<name>-driver-<k>.sh is
// kept. Returns the job id; Error naming the sbatch command and what it said when the submission fails.
std::string submit_driver_job(const std::string& exp_dir, const std::string& name, const std::string& warp_executable,
                              const std::vector<std::string>& driver_args, const std::vector<std::string>& resume_args,
                              const SlurmOptions& options);

class SlurmLauncher : public WorkerLauncher {
 public:
  explicit SlurmLauncher(SlurmOptions options);
  ~SlurmLauncher() override;
  std::string kind() const override { return "slurm"; }
  void begin(const LauncherContext& context) override;
  void set_iteration(int64_t iteration) override { context_.iteration = iteration; }
  std::vector<int64_t> launch(const std::vector<WorkerLaunch>& workers) override;
  std::optional<int> poll(int64_t handle) override;
  void stop(int64_t handle) override;
  void kill(int64_t handle) override;
  std::string state(int64_t handle) override;
  std::string describe(int64_t handle) override;
  // The worker's last recorded job (worker_jobs) when squeue still lists it as not ended.
  std::optional<int64_t> reattach(const std::string& worker) override;
  const SlurmOptions& options() const;

  // Seconds between two queries of the scheduler (squeue ...) however often poll() is called.
  double refresh_interval_s = 1.0;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  LauncherContext context_;
};

}  // namespace warp
