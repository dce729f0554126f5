#pragma once
// The sizes of `warp replicate` (the replication report of the WARP paper's experiments,
// docs/replication.md). A scale overrides the RL budget of every run (steps, batch, eval_every,
// eval_prompts, ckpt_every) and sets the grids and counts of the report's experiments; the model,
// the task, the reward and the WARP hyperparameters (β, μ, τ, lr, ...) stay the experiment's.
//
// Scale   steps batch eval_every eval_prompts  λ grid                 η grid      EMA runs  I
// test       3     2          3            4   0, 0.5, 1              0, 0.3, 1         4   2   (tests only)
// smoke     30     8         10           32   0, 0.5, 1              experiment's      4   2   (CI: ~1 minute)
// demo     200    32         25          128   0, .25, .5, .75, 1     experiment's      4   2   (demo preset)
// full    2000    64        100            0   0, .1, .25, .5, .75, .9, 1  experiment's 4   3   (GPU box)
//
// WARM check (every scale but full: K = 2 reward models; full: K = 4), RM budget over the experiment's
// "rm" section: test 16 pairs (ties kept: a random policy writes no lexicon word) and 4 steps; smoke 48
// pairs and 20 steps; demo and full the experiment's.
//
// eval_prompts 0: the experiment's evaluation protocol (all its prompts unless "eval" limits them).
// "experiment's" η grid: the "warp" section's eta_grid (paper: 0, 0.1, 0.3, 0.5, 0.8, 1).
// SFT-anchor baselines use β ∈ {0, 0.01, 0.1} (the paper's Figure 3) at every scale.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace warp {

struct ReplicateScale {
  std::string name;                                   // smoke | demo | full | test
  int64_t steps = 8;                                  // T of every RL run (and of each WARP iteration's runs)
  int64_t batch = 4;                                  // prompts per step
  int64_t eval_every = 4;                             // steps between trajectory points
  int64_t eval_prompts = 8;                           // evaluation prompts per point (0: the experiment's protocol)
  int64_t ckpt_every = 4;                             // steps between resumable checkpoints
  std::vector<double> sft_betas = {0.0, 0.01, 0.1};   // SFT-anchor baselines of Figure 3(a,b)
  std::vector<double> lambda_grid = {0.0, 0.5, 1.0};  // Figure 3(c)
  std::vector<double> eta_grid;                       // LITI points (empty: the experiment's "warp" eta_grid)
  int64_t ema_runs = 4;                               // EMA-anchored runs (M = 2..ema_runs in Figure 4(b)); >= 2
  int64_t iterations = 2;                             // I of the iterative WARP run (Figure 4(c)); >= 1
  // The WARM check (replicate/observations.h observation_warm): K reward models (0: no WARM check),
  // trained with the experiment's "rm" settings overridden by `warm_rm` (RmConfig fields).
  int64_t warm_members = 2;
  nlohmann::json warm_rm = nlohmann::json::object();

  // BadInput "replicate scale <name>: <field> must be ..., got ..." for the first bad value:
  // positive steps / batch / eval_every / ckpt_every, eval_prompts >= 0, grids sorted without
  // duplicates within [0, 1] (the λ grid holding 0, 1 and an interior value), betas >= 0 and
  // non-empty, ema_runs in [2, 8], iterations in [1, 10], warm_members 0 or in [2, 16], warm_rm an object.
  void validate() const;
  nlohmann::json to_json() const;
};

// The names accepted by --scale, in display order (the hidden "test" scale is accepted too).
std::vector<std::string> replicate_scale_names();
// The scale of a name; BadInput listing the choices for an unknown one.
ReplicateScale replicate_scale(const std::string& name);

// Formats a grid value for names and labels: 0.5 -> "0.5", 0.01 -> "0.01", 1 -> "1".
std::string format_grid_value(double v);

}  // namespace warp
