#pragma once
// The iterative WARP driver (`warp run`, DESIGN §5 Algorithm 1):
//
//   θ_init ← θ_sft (or config.init)
//   for i = 1..I:
//     train M RL runs from θ_init, P at a time, each its own `warp train` process with its own EMA
//       anchor; run m of iteration i is named <name>-i<i>-r<m> and differs by seed and prompt order
//     θ_slerp ← SLERP of the M final policies (λ for M = 2, the left fold with 1/m for M > 2)
//     for η in the grid: θ_η ← LITI(θ_init, θ_slerp, η); evaluate θ_η (cached by hash)
//     θ_init ← θ_η at the chosen η
//
// This header is the driver's API: start, continue and read a driver run. Its parts:
//   warp/worker_pool.h    the M workers of an iteration: how they are started (command lines,
//                         seeds, logs), followed, continued on resume, and what fails an iteration
//   warp/launcher.h       where the workers run: child processes or Slurm job arrays
//   warp/warp_loop.h      the Algorithm 1 loop: the SLERP and LITI files, their registration,
//                         evaluation, the front metrics, the output front, resume of each stage
//   warp/driver_record.h  a driver run's stored settings and files, read back
//   config/warp_config.h  the WARP settings (WarpConfig, worker names, η tags)
// Database: the driver is a run of kind "warp" named <name> (status, pid, heartbeat like every run;
// config_json = {"warp": WarpConfig, "rl": the RlConfig every worker starts from (reward resolved),
// "eval": the EvalConfig of the front points, "eval_protocol_sha256": its protocol hash}); its
// workers, merges, LITI files and metrics are recorded as warp/worker_pool.h and warp/warp_loop.h say.
//
// Stages are idempotent and checked against what is on disk and in the DB, so a driver killed at
// any moment continues with `resume` (warp/worker_pool.h, warp/warp_loop.h). A worker that ends
// failed or diverged fails the driver run (status "failed", the pool's Error naming the iteration
// and the run: warp/worker_pool.h). The progress callback returning false stops the workers (status
// "killed"; resumable) and throws Cancelled.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/warp_config.h"
#include "db/records.h"
#include "eval/eval_point.h"
#include "experiment/experiment.h"
#include "rl/rl_config.h"
#include "util/progress.h"

namespace warp {

// The experiment's WARP settings: defaults, then its config.json "warp" section.
WarpConfig warp_config_for(const Experiment& exp);

// How workers are started. The default (empty launch) spawns `<warp_executable> train ...` as a
// child process with its output in <exp>/logs/<worker>.log. Tests may run workers otherwise.
struct WorkerLaunch {
  std::string name;               // <name>-i<i>-r<m>
  bool resume = false;            // continue an existing killed / crashed run
  int64_t index = 0;              // m - 1: the worker's place in its iteration (LocalLauncher --gpus)
  std::vector<std::string> args;  // the `warp` arguments (starting with "train")
};

class WorkerLauncher;  // warp/launcher.h

struct WarpDriverOptions {
  std::string warp_executable;  // path of the `warp` binary (the CLI passes its own)
  // Optional, all three or none: start a worker and return a handle the driver polls every
  // poll_interval_ms (exit code once ended: 0 when the run finished), and ask it to stop. Called
  // from the thread that runs the driver. When empty, workers are child processes of
  // warp_executable (warp/worker_process.h).
  std::function<int64_t(const WorkerLaunch&)> launch;      // returns a pid-like handle
  std::function<std::optional<int>(int64_t handle)> poll;  // exit code once ended
  std::function<void(int64_t handle)> stop;                // ask to stop (SIGTERM)
  int poll_interval_ms = 100;
  // Seconds to wait for stopped workers to end before SIGKILL (default launcher only).
  double stop_timeout_s = 300;
  // How the workers run when the hooks are empty (warp/launcher.h): null = LocalLauncher (child
  // processes); a SlurmLauncher submits them as Slurm job arrays (`warp run --launcher slurm`).
  std::shared_ptr<WorkerLauncher> launcher;
};

// One evaluated point of a front.
struct FrontPoint {
  double eta = 0;
  std::string checkpoint;  // relative to the experiment folder
  std::string sha256;
  EvalPoint point;
};

struct WarpIteration {
  int64_t iteration = 0;
  std::string init;               // θ_init of this iteration
  std::vector<std::string> runs;  // worker run names
  std::string slerp;              // the merge checkpoint ("" until written)
  double mean_omega_deg = 0;
  std::vector<FrontPoint> front;  // by η ascending, the points evaluated so far
  std::string next_init;          // θ_η at the chosen η ("" until written)
};

struct WarpResult {
  std::string name;
  RunStatus status = RunStatus::Running;  // of the driver run (read_warp: crashed when its process is gone)
  std::string message;                    // the driver run's message (why it stopped)
  WarpConfig config;                      // as stored with the driver run
  std::vector<WarpIteration> iterations;  // those started so far (every worker of iteration 1..I)
  // Algorithm 1's output: θ_η = (1 − η)·θ_sft + η·θ_slerp^(I) for η in the grid (and the chosen η),
  // by η ascending, evaluated; empty until the last iteration's SLERP is done. When the last
  // iteration started from θ_sft itself (I = 1 without --init), these are that iteration's front points.
  std::vector<FrontPoint> output_front;
};

// warp_eta_points, warp_eta_tag, warp_worker_name: config/warp_config.h.

// Starts driver run config.name. When a driver of that name exists with the same WARP and RL
// settings and evaluation protocol (the same command again), a finished one is reported
// (read_warp, nothing runs) and an unfinished one continued (resume_warp); BadInput when the name
// is taken otherwise. `rl` is the
// RL config the workers start from (rl_config_for(exp) with overrides); its init is replaced per
// iteration and steps by config.steps when set.
WarpResult run_warp(const Experiment& exp, const WarpConfig& config, const RlConfig& rl,
                    const WarpDriverOptions& options, const ProgressFn& progress = {});

// Continues driver run `name` with its stored configs. BadInput when it does not exist, is not a
// "warp" run, or has finished.
WarpResult resume_warp(const Experiment& exp, const std::string& name, const WarpDriverOptions& options,
                       const ProgressFn& progress = {});

// What the database and the files say about driver run `name` (the GUI's and the report's view;
// read-only, safe while the driver runs). BadInput when there is no such warp run.
WarpResult read_warp(const Experiment& exp, const std::string& name);

}  // namespace warp
