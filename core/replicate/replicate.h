#pragma once
// `warp replicate`: the experiments of the WARP paper's Figures 3 and 4 run on an experiment's task,
// the six Observations checked on the measured points, and a report (docs/replication.md).
//
// What runs (scale: replicate/replicate_config.h; every RL run uses the experiment's RL settings
// with the scale's steps / batch / eval_every / eval_prompts / ckpt_every, and the experiment's
// default reward: rm:checkpoints/rm.h5 when it exists, else gold; the gold reward is logged too):
//   <p>-sft-b<β>     REINFORCE with the static SFT anchor, β ∈ scale.sft_betas       Figure 3(a,b)
//   <p>-ema-<k>      REINFORCE with the EMA anchor (β, μ of the "warp" section), k = 1..ema_runs,
//                    seed and prompt_seed = the RL config's + k − 1 (run 1 shares the SFT-anchor
//                    runs' seeds)                                                      Figures 3, 4(a,b)
//   <p>-warp         the iterative WARP driver (core/warp/driver.h), I = scale.iterations, M = 2,
//                    T = scale.steps; workers <p>-warp-i<i>-r<m> (child `warp train` processes)  4(c)
//   <p>-warm         WARM (scale.warm_members = K > 0): K reward models trained alike but for their batch
//                    order (`warp rm --ensemble K`, the experiment's "rm" settings with the scale's warm_rm)
//   <p>-warm-single, <p>-warm-average   the first EMA run's settings, reward rm:<p>-warm-m1.h5 (one
//                    member) or rm:<p>-warm.h5 (the weight average)                  WARM check
// where <p> = "rep-<scale>". Merged points (checkpoints/ of the experiment; file merges with
// merge/merger.h, evaluated with evaluate_checkpoint, cached by hash):
//   <p>-slerp-l<λ>.h5, <p>-lerp-l<λ>.h5       SLERP / LERP of ema-1, ema-2 at interior λ (λ = 0, 1: the runs)
//   <p>-slerp-m<M>.h5                         SLERP of ema-1..M (left fold, M ≥ 3); M = 2: <p>-slerp-l<λ_warp>
//   <p>-liti-m<M>-e<η>.h5                     LITI(θ_sft, SLERP of M, η) at interior η (η = 0: θ_sft, 1: the SLERP)
// Evaluation protocol of the merged points: the experiment's (eval/eval_config.h) with max_prompts =
// scale.eval_prompts when > 0 — the one the runs' trajectory points use, so all points compare.
//
// Resumable and idempotent: a finished run is reused, a killed / crashed / failed one resumed
// (resume_rl / resume_warp), a run that exists with other settings refused (BadInput naming it);
// a merge file is reused when its recorded method, parameters and input hashes match; evaluations
// come from the cache. The progress callback returning false stops the current run cleanly
// (resumable) and throws Cancelled.
//
// Output (REPORT_DIR): report.md, points.csv, figures/<stem>.json (report/figure.h) and, when the
// plot program (warp-plot, beside the warp executable) exists, figures/<stem>.png and .pdf.

#include <cstdint>
#include <string>
#include <vector>

#include "eval/eval_config.h"
#include "experiment/experiment.h"
#include "replicate/observations.h"
#include "replicate/replicate_config.h"
#include "reward/rm_trainer.h"
#include "rl/rl_config.h"
#include "util/progress.h"
#include "warp/driver.h"

namespace warp {

struct ReplicateOptions {
  std::string scale = "smoke";  // smoke | demo | full (| test)
  std::string out_dir;          // REPORT_DIR (created)
  int threads = 0;              // compute threads of the in-process runs and evaluations (0: LibTorch's default)
  std::string warp_executable;  // the `warp` binary: starts the WARP driver's workers (required)
  std::string plot_executable;  // "" = <folder of warp_executable>/warp-plot
  bool render = true;           // call the plot program when it exists
};

struct PlannedRun {
  std::string name;  // e.g. rep-smoke-sft-b0.01
  std::string id;    // curve id: sft-b0.01, ema-1
  std::string role;  // "SFT anchor β=0.01", "EMA anchor #1"
  RlConfig config;
};

struct ReplicatePlan {
  ReplicateScale scale;
  std::string prefix;                // rep-<scale>
  RlConfig base;                     // the experiment's RL config with the scale's overrides, reward resolved
  std::vector<PlannedRun> sft_runs;  // one per scale.sft_betas
  std::vector<PlannedRun> ema_runs;  // scale.ema_runs of them
  WarpConfig warp;                   // the driver: name <prefix>-warp
  EvalConfig eval;                   // protocol of the merged points
  std::vector<double> lambda_grid;   // Figure 3(c)
  std::vector<double> eta_grid;      // LITI points
  double lambda = 0.5;               // SLERP λ of the M = 2 LITI front (the "warp" section's)
  // The WARM check (scale.warm_members > 0): the ensemble <prefix>-warm (reward/rm_trainer.h: members
  // <prefix>-warm-m1..K, the average checkpoints/<prefix>-warm.h5), and two EMA-anchored runs with the
  // first EMA run's settings: <prefix>-warm-single against member 1, <prefix>-warm-average against
  // the average.
  std::string warm_name;  // "" when no WARM check
  RmConfig warm_rm;
  std::vector<PlannedRun> warm_runs;  // single, average
};

// The plan for an experiment at a scale (validates both; BadInput naming the problem).
ReplicatePlan plan_replication(const Experiment& exp, const ReplicateScale& scale, int threads = 0);

struct ReplicateSummary {
  std::string report_path, figures_dir, points_csv;
  std::vector<std::string> figure_files;  // figures/<stem>.json written
  int64_t runs_trained = 0, runs_resumed = 0, runs_reused = 0;
  int64_t merges_written = 0, merges_reused = 0;
  int64_t evaluations = 0, evaluations_cached = 0;
  bool figures_rendered = false;
  std::string render_note;  // when not rendered: why, and the command that renders them later
  std::vector<ObservationResult> observations;
  double wall_s = 0;
};

ReplicateSummary replicate(const Experiment& exp, const ReplicateOptions& options, const ProgressFn& progress = {});

}  // namespace warp
