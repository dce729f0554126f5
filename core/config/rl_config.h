#pragma once
// Torch-free (core/config): the RL settings, their JSON form and their validation, shared by
// `warp train`, `warp run` and the app's launch dialogs (one rule, one place).
//
// Hyperparameters of an EMA-anchored, KL-regularized REINFORCE run (`warp train`, DESIGN §5).
//
// Where the values come from, later ones overriding earlier ones:
//   1. the defaults below (paper values: β 0.1, μ 0.01, τ 0.9);
//   2. the experiment's "warp" section: beta, mu, temperature (the WARP hyperparameters every stage
//      shares), when present;
//   3. the experiment's "rl" section (any field below);
//   4. `warp train --config FILE`: a JSON object of these fields (or {"rl": {...}});
//   5. command-line flags.
// The effective config is stored with the run (runs.config_json, key "rl") and is what
// `warp train --resume` continues with.
//
// Field                CLI flag             default  meaning
// init                 --init               ""       init checkpoint θ_init ("" = checkpoints/sft.h5;
//                                                     relative paths are relative to the experiment)
// anchor               --anchor             ema      ema: θ_ema starts at θ_init, θ_ema ← (1−μ)θ_ema + μθ
//                                                     after each step (WARP); sft: the anchor is θ_sft
//                                                     (checkpoints/sft.h5) whatever the init, static (the
//                                                     paper's baseline); init: the anchor stays θ_init
//                                                     (static; = sft when θ_init is θ_sft)
// beta                 --beta               0.1      β ≥ 0, KL-regularization strength
// mu                   --mu                 0.01     μ ∈ (0, 1], EMA update rate
// steps                --steps              1000     optimizer steps T > 0
// batch                --batch              16       prompts per step > 0
// samples_per_prompt   --samples            1        completions per prompt G ≥ 1 (batch·G rows)
// lr                   --lr                 1e-5     peak learning rate > 0 (constant after warmup)
// warmup               --warmup             10       linear-warmup steps ≥ 0
// weight_decay         --weight-decay       0        AdamW decoupled decay ≥ 0 (matrices only)
// beta1, beta2         --adam-beta1/2       0.9, 0.999
// grad_clip            --grad-clip          1.0      max global grad norm (0: off)
// temperature          --temperature        0.9      τ > 0 of sampling and of every log-prob
// max_new_tokens       --max-new-tokens     32       completion length bound K > 0
// baseline             --baseline           mean     mean | rloo (see rl/reinforce.h)
// seed                 --seed               1        sampling seeds of the rollouts
// prompt_seed          --prompt-seed        1        order of the training prompts
// eval_every           --eval-every         50       steps between trajectory points E > 0 (also at
//                                                     step 0 and at the end)
// eval_prompts         --eval-prompts       0        evaluation prompts per point (0: the experiment's
//                                                     eval protocol, eval/eval_config.h)
// ckpt_every           --ckpt-every         100      steps between resumable checkpoints C > 0
// reward               --reward             ""       gold | rm:PATH | external:CMD ("" = rm:checkpoints/
//                                                     rm.h5 when that file exists, else gold)
// threads              --threads            0        compute threads (0: LibTorch's default)
// device               --device             auto     auto, cpu, cuda, cuda:N

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "config/train_settings.h"

namespace warp {

// The most rows (batch x samples_per_prompt) one RL step may hold; validate() refuses more.
constexpr int64_t kMaxRowsPerStep = int64_t{1} << 20;

// The optimiser, interval, seed, threads and device fields are TrainSettings' (config/train_settings.h).
struct RlConfig : TrainSettings {
  RlConfig() {
    lr = 1e-5;
    warmup = 10;
    weight_decay = 0.0;
    beta1 = 0.9;
    beta2 = 0.999;
    grad_clip = 1.0;
    eval_every = 50;
    ckpt_every = 100;
    seed = 1;
  }
  std::string init;
  std::string anchor = "ema";
  double beta = 0.1;
  double mu = 0.01;
  int64_t steps = 1000;
  int64_t batch = 16;
  int64_t samples_per_prompt = 1;
  double temperature = 0.9;
  int64_t max_new_tokens = 32;
  std::string baseline = "mean";
  uint64_t prompt_seed = 1;
  int64_t eval_prompts = 0;
  std::string reward;

  // BadInput "rl: <field> (--flag) must be ..., got ..." for the first out-of-range value.
  void validate() const;
  nlohmann::json to_json() const;
  // Fields present override those of `base`; unknown fields are refused; the result is validated.
  static RlConfig from_json(const nlohmann::json& j, const std::string& where, const RlConfig& base);
  static RlConfig from_json(const nlohmann::json& j, const std::string& where);
};

// Steps 1-3 above from an experiment's config.json object `cfg` (its path `config_path` names it in
// errors): the defaults, its "warp" and "rl" sections; validated. rl_config_for(exp) (rl/rl_config.h)
// is this over the opened experiment; the app calls it on the file it read.
RlConfig rl_config_from_experiment_json(const nlohmann::json& cfg, const std::string& config_path);

}  // namespace warp
