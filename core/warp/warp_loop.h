#pragma once
// The Algorithm 1 loop of `warp run` (driver.h): for each iteration i, the M RL runs (the worker
// pool, warp/worker_pool.h), their SLERP, the LITI front and its evaluation, the next θ_init; after
// the last iteration, the output front. The entry points (driver.cpp) create or claim the driver's
// run row, then hand it to run_warp_loop.
//
// Files (relative to the experiment folder; their names come from warp/driver_record.h):
//   checkpoints/<name>-i<i>-slerp.h5       the SLERP merge (kind "merge"; merge/merger.h meta + lineage)
//   checkpoints/<name>-i<i>-eta<η>.h5      LITI point, η printed with 2 decimals ("eta0.30"; more
//                                          decimals only when η needs them, e.g. "eta0.125") (kind "liti")
// The merge and LITI checkpoints are registered with run_id = the driver and meta
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
// any moment continues with `resume`: the workers as warp/worker_pool.h says, a merge / LITI file
// is redone only when missing, not registered, or no longer the one registered (its SHA-256, or
// those of its inputs, changed: θ_init's for every file, each worker policy's, as recorded in the
// SLERP's meta "inputs", and its λ and granularity for the SLERP, the SLERP's for a LITI file), and
// evaluations come from the cache.
//
// The driver run ends "finished" with a message naming θ_init of the next iteration and its
// evaluation; on an error "failed" with the error's message, which goes on to the caller; when the
// progress callback returns false "killed" ("stopped in iteration i (<stage>); continue with warp
// run --resume"), and Cancelled goes on. The driver run's heartbeat is beaten at most every 2 s
// while it works.

#include <cstdint>

#include "experiment/experiment.h"
#include "util/progress.h"
#include "warp/driver.h"
#include "warp/driver_record.h"

namespace warp {

// Runs Algorithm 1 as driver run `run_id` (its row created or claimed by the caller, status
// running) with its stored settings, from iteration 1 (every stage that is already done is
// checked and kept), and returns what it did.
WarpResult run_warp_loop(const Experiment& exp, StoredWarpRun stored, int64_t run_id, const WarpDriverOptions& options,
                         const ProgressFn& progress);

}  // namespace warp
