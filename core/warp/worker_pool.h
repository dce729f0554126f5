#pragma once
// The worker pool of `warp run` (Algorithm 1's first stage, driver.h): the M RL runs of an
// iteration, started P at a time, followed until every one has finished, continued where a driver
// before this one left them. The Algorithm 1 loop (warp/warp_loop.h) calls train() once per
// iteration; how a worker is started, polled and stopped is the launcher's (warp/launcher.h: child
// processes or Slurm job arrays) or the WarpDriverOptions hooks' (tests).
//
// Run m of iteration i is named <name>-i<i>-r<m> (warp_worker_name) and differs by seed and prompt
// order. Files:
//   logs/<name>-rl.json                  the RL settings every worker starts from (`warp train --config`)
//   logs/<name>-i<i>-r<m>.log            the output of worker m of iteration i (appended on resume)
//   checkpoints/<name>-i<i>-r<m>.h5        run m's final policy (written by the run, rl/trainer.h)
// Worker m of iteration i is started as
//   warp train --exp DIR --name <name>-i<i>-r<m> --config logs/<name>-rl.json --init θ_init
//              --seed s --prompt-seed p --threads t --device d --iteration i --parent-run <name>
// with s = derive_seed(kSeedDomainWarpRun, seed, {i, m}), p = derive_seed(kSeedDomainWarpPrompts,
// seed, {i, m}) (worker_pool.cpp), and continued with `warp train --exp DIR --resume <worker>
// --threads t --device d`. t is the WARP config's threads, else the machine's cores for every worker.
// The workers are runs of kind "train" with parent_run_id = the driver and iteration = i. Workers
// that record their runs in journals (the Slurm launcher's `warp train --record journal`) are
// imported into the database by the pool (db/journal.h): at most every 0.5 s while it follows them,
// at once when one ended, when the pool starts (a driver starts or resumes) and when the driver ends;
// once the iteration's workers have all finished, the journals are compacted.
//
// Resume (each worker's run row is looked at before anything starts): finished runs are kept,
// killed, crashed or failed runs are resumed (`warp train --resume`), a run still alive (a worker of
// a driver killed with -9 finishing its step) is waited for, and a job the scheduler still has for
// it is followed (WorkerLauncher::reattach), not submitted twice. A diverged run fails the iteration
// again on resume (it would diverge again).
//
// A worker that ends failed or diverged fails the iteration: train() throws Error("iteration i: run
// <name>-i<i>-r<m> failed: <its message>"), the other workers of the iteration being stopped first
// (SIGTERM: they checkpoint). <its message> is the run row's message, or, when the process ended
// before writing one (bad arguments, a crash), its exit code and the tail of its log. A run stopped
// by someone else (status killed) also fails the iteration; resume continues it. The progress
// callback returning false stops the workers the same way and throws Cancelled. Any other error
// (the database's, a launch's) also stops the workers before it goes on.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/warp_config.h"
#include "db/experiment_db.h"
#include "experiment/experiment.h"
#include "rl/rl_config.h"
#include "util/progress.h"
#include "warp/driver.h"

namespace warp {

class WorkerPool {
 public:
  // What the pool calls back into the driver while it follows its workers.
  struct Callbacks {
    std::function<void()> beat;                           // the driver run's heartbeat (rate-limited by the driver)
    std::function<bool(const ProgressInfo&)> keep_going;  // progress; false: stop the workers, throw Cancelled
  };

  // Begins the launcher (options.launcher, else a LocalLauncher) unless the options' hooks start the
  // workers, then imports what the workers' journals hold (what they recorded while no driver was
  // there). `db`, `exp` and `options` must outlive the pool.
  WorkerPool(const Experiment& exp, ExperimentDb& db, int64_t driver_run_id, const WarpConfig& config,
             const RlConfig& rl, const WarpDriverOptions& options, Callbacks callbacks);
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Trains the workers `runs` (run m is runs[m - 1], M = config.runs) of iteration `iteration`
  // from θ_init `init` (relative to the experiment folder, or absolute), at most P at a time, and
  // returns once every one has finished with its policy written (and the journals are imported and
  // compacted). Throws as the top comment says.
  void train(int64_t iteration, const std::vector<std::string>& runs, const std::string& init);

  // Imports what the workers' journals (<exp>/journals/*.wj, db/journal.h) hold that experiment.db
  // does not yet: at most every 0.5 s unless forced. Idempotent, so a driver killed at any moment
  // and resumed neither loses nor doubles a row.
  void import_journals_now(bool force = false);

 private:
  struct Slot;

  std::string where() const;
  std::vector<std::string> new_worker_args(const std::string& worker, int64_t m, const std::string& init,
                                           const std::string& config_file) const;
  std::vector<std::string> resume_worker_args(const std::string& worker) const;
  std::string log_path(const std::string& worker) const;
  void launch(const std::vector<WorkerLaunch>& batch, const std::vector<Slot*>& slots);
  std::optional<int> poll(int64_t handle);
  void stop(int64_t handle);
  void force_kill(int64_t handle);
  void classify(Slot& s);
  void classify_once(Slot& s);
  std::string failure_message(const Slot& s, int code);
  void stop_all(std::vector<Slot>& slots);

  const Experiment& exp_;
  ExperimentDb& db_;
  int64_t run_id_;
  WarpConfig wc_;
  RlConfig rl_;
  const WarpDriverOptions& options_;
  Callbacks callbacks_;
  int64_t parallel_ = 1;
  int threads_ = 1;
  int64_t iteration_ = 0;
  std::shared_ptr<WorkerLauncher> launcher_;
  std::chrono::steady_clock::time_point last_import_{};
};

}  // namespace warp
