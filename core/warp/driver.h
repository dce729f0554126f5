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
// Files:
//   logs/<name>-rl.json                  the RL settings every worker starts from (`warp train --config`)
//   logs/<name>-i<i>-r<m>.log            the output of worker m of iteration i (appended on resume)
//   checkpoints/<name>-i<i>-r<m>.h5        run m's final policy (written by the run, rl/trainer.h)
//   checkpoints/<name>-i<i>-slerp.h5       the SLERP merge (kind "merge"; merge/merger.h meta + lineage)
//   checkpoints/<name>-i<i>-eta<η>.h5      LITI point, η printed with 2 decimals ("eta0.30"; more
//                                          decimals only when η needs them, e.g. "eta0.125") (kind "liti")
// Worker m of iteration i is started as
//   warp train --exp DIR --name <name>-i<i>-r<m> --config logs/<name>-rl.json --init θ_init
//              --seed s --prompt-seed p --threads t --device d --iteration i --parent-run <name>
// with s = derive_seed(kSeedDomainWarpRun, seed, {i, m}), p = derive_seed(kSeedDomainWarpPrompts,
// seed, {i, m}) (driver.cpp), and continued with `warp train --exp DIR --resume <worker> --threads t
// --device d`.
// Database: the driver is a run of kind "warp" named <name> (status, pid, heartbeat like every run;
// config_json = {"warp": WarpConfig, "rl": the RlConfig every worker starts from (reward resolved),
// "eval": the EvalConfig of the front points, "eval_protocol_sha256": its protocol hash}); the workers
// are runs of kind "train" with parent_run_id = the driver and iteration = i (workers that record
// their runs in journals, the Slurm launcher's `warp train --record journal`, are imported into the
// database by the driver: at most every 0.5 s while it follows them, at once when one ended, when it
// starts or resumes and when it ends; db/journal.h); the merge and LITI
// checkpoints are registered with run_id = the driver and meta
//   {"iteration": i, "stage": "slerp" | "liti", "eta": η (liti), "runs": [worker names],
//    "init": θ_init path, "init_sha256": ..., + the merger's meta for "slerp"};
// each evaluated point is in the evaluation cache (eval/eval_cache.h) under the checkpoint's hash,
// and also logged as metrics of the driver run at step i:
//   front/eta<η>/reward, front/eta<η>/gold, front/eta<η>/kl_sft, front/eta<η>/length
//   front/eta<η>/reward_se, gold_se, kl_sft_se (their standard errors)
//   and warp/mean_omega_deg (the SLERP's mean angle between task vectors) at step i, written in one
//   batch once the iteration's points are evaluated (never twice: a resumed driver skips it).
// After the last iteration I, Algorithm 1's output front (LITI of θ_slerp^(I) toward θ_sft =
// checkpoints/sft.h5, the reference policy of the KL axis):
//   checkpoints/<name>-output-eta<η>.h5   (1 − η)·θ_sft + η·θ_slerp^(I) (kind "liti", meta stage "output")
//   output/eta<η>/<the same fields>       metrics of the driver run at step I (db/metric_keys.h)
// When θ_init of iteration I is θ_sft itself, the output front is iteration I's front (no new files).
// The front points are evaluated in the driver process with the experiment's evaluation protocol
// (eval/eval_config.h), the workers' reward, and the RL config's eval_prompts when > 0 (as the
// workers' trajectory points are), so the fronts and the RL trajectories are comparable.
//
// Stages are idempotent and checked against what is on disk and in the DB, so a driver killed at
// any moment continues with `resume`: finished runs are kept, killed, crashed or failed runs are
// resumed (`warp train --resume`), a run still alive (a worker of a driver killed with -9 finishing
// its step) is waited for, a merge / LITI file is redone only when missing, not registered, or no
// longer the one registered (its SHA-256, or those of its inputs, changed: θ_init's for every file,
// each worker policy's, as recorded in the SLERP's meta "inputs", and its λ and granularity for the
// SLERP, the SLERP's for a LITI file), and evaluations come
// from the cache. A diverged run fails the iteration again on resume (it would diverge again). A worker that ends
// failed or diverged fails the iteration: the driver stops with status "failed" and Error("iteration i: run
// <name>-i<i>-r<m> failed: <its message>"), the other workers of the iteration being stopped first (SIGTERM: they
// checkpoint). <its message> is the run row's message, or, when the process ended before writing one (bad arguments, a
// crash), its exit code and the tail of its log. A run stopped by someone else (status killed) also fails the
// iteration; resume continues it. The progress callback returning false stops the workers the same way (status
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
