#pragma once
// An RL run (`warp train`): EMA-anchored, KL-regularized REINFORCE from θ_init for T steps
// (DESIGN §5; rl/rl_step.h is one step), with its record in the experiment database, trajectory
// points, resumable checkpoints and the final policy.
//
// Inputs (experiment): data/prompts.json (training and evaluation prompts), the tokenizer,
// checkpoints/sft.h5 (θ_sft: KL to SFT, and the default θ_init), the init checkpoint, the reward.
//
// Per step s (0-based; metrics at step s + 1):
//   prompts     stream positions [s·batch, (s+1)·batch) of PromptOrder(prompt_seed) (rl/prompt_order.h)
//   seeds       row n: derive_seed(kSeedDomainRollout, seed, {s, n}) (util/seeds.h)
//   lr          linear warmup over `warmup` steps, then constant
// so a step depends only on the weights, the optimizer state and (seed, prompt_seed, s): a run
// stopped at any step and resumed gives bit for bit the metrics and weights of the uninterrupted
// run (CPU, same thread count).
//
// Metrics (run kind "train"):
//   train/reward, train/gold, train/reward_beta (mean r_β), train/kl_anchor, train/kl_sft (sampled
//   batch estimates), train/entropy, train/length, train/loss, train/grad_norm, train/lr,
//   train/tokens_per_s, time/elapsed_s (across resumes), time/step_s and its breakdown
//   time/sample_s, time/reward_s, time/anchor_s, time/sft_s, time/policy_s, time/optimizer_s,
//   time/ema_s.
//   Trajectory points at step 0, every eval_every steps and at the end, on the FIXED evaluation
//   prompts (eval/evaluate.h, the experiment's eval protocol; eval_prompts > 0 limits the count):
//   eval/reward, eval/gold, eval/kl_sft, eval/kl_sft_sampled, eval/length and each one's _se.
//
// Files (checkpoints/):
//   <name>-state.h5  resumable (kind "rl-resume"), every ckpt_every steps, when stopped and at the
//                    end: /params = policy; /state = anchor.<param> (the anchor θ_ema or θ_init),
//                    adamw.* (optimizer), rng.cpu (CPU generator), rl.step, rl.data_position
//                    (= step·batch), rl.elapsed_s
//   <name>.h5        the final policy (kind "policy"), registered with meta {run, init, init_sha256,
//                    init_checkpoint_id, anchor}; the run row's init_checkpoint_id is the init's
//                    checkpoint id (the init file is registered as kind "import" when the database
//                    does not know it)
//   <name>-ema.h5    the final EMA anchor (kind "ema"; anchor ema only)
//
// Process: status running with pid, host and heartbeat (train/run_log.h). The progress callback
// returning false (the CLI's on SIGINT/SIGTERM) stops the run at the next step boundary with a
// resumable checkpoint and status "killed", then Cancelled is thrown. NaN/Inf in the loss, the
// gradient or the weights: status "diverged", Error thrown, <name>-state.h5 keeps the last good
// state. A run killed with -9 on this host can be resumed at once (its process is checked; runs
// of other hosts wait for their heartbeat to go stale; with a journal, its lock decides). A run resumed after kill -9
// drops the metrics logged after its last checkpoint (they are logged again, identically, as the steps rerun).
//
// Run names follow db/run_name.h (validate_run_name, included here for the commands that name runs).
// A bad name is refused (BadInput) before anything starts, as are
// out-of-range options, missing inputs and prompts too long for n_ctx - max_new_tokens.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "db/run_name.h"
#include "eval/eval_point.h"
#include "experiment/experiment.h"
#include "reward/reward.h"
#include "rl/rl_config.h"
#include "util/progress.h"

namespace warp {

struct RlRunOptions {
  std::optional<int64_t> iteration;       // lineage: WARP iteration of the run
  std::optional<std::string> parent_run;  // lineage: name of the run that launched it (e.g. the WARP driver)
  // Resume only: replace the stored threads / device (they do not change the results on a CPU).
  std::optional<int> threads;
  std::optional<std::string> device;
  // Record the run in its journal <exp>/journals/<name>.wj instead of experiment.db, which is then
  // only read (db/journal.h; `warp train --record journal`, the Slurm launcher's workers): the
  // driver imports it. One writer per run: the journal's lock refuses a second one.
  bool journal = false;
  // Tests and tools: build the rewards here instead of from the spec (make_gold null: r is taken
  // as the gold reward too).
  std::function<std::unique_ptr<Reward>()> make_reward;
  std::function<std::unique_ptr<Reward>()> make_gold;
};

struct RlResult {
  std::string checkpoint;        // checkpoints/<name>.h5
  std::string state_checkpoint;  // checkpoints/<name>-state.h5
  int64_t steps = 0;
  EvalPoint last_eval;   // the final trajectory point
  double elapsed_s = 0;  // wall time of the run, across resumes
};

// Starts run `name` with `config` (after rl_config_for / CLI overrides).
RlResult run_rl(const Experiment& exp, const std::string& name, const RlConfig& config,
                const RlRunOptions& options = {}, const ProgressFn& progress = {});

// Continues run `name` from its last resumable checkpoint with its stored config and evaluation
// protocol (from step 0 when it never wrote one). BadInput when the run does not exist, is not an
// RL run, has finished, or its SFT or init checkpoint changed since it started, or its anchor would
// start from other weights than it did (the stored config's anchor_sha256: θ_sft's for --anchor sft,
// θ_init's otherwise; a run stored without it, from before --anchor sft meant θ_sft, anchored at θ_init).
RlResult resume_rl(const Experiment& exp, const std::string& name, const RlRunOptions& options = {},
                   const ProgressFn& progress = {});

}  // namespace warp
