#pragma once
// Training the reward model r (`warp rm`): Bradley-Terry on preference pairs of θ_sft samples
// labelled by the gold reward with noise (reward/preference_data.h), trunk initialised from θ_sft.
//
// Data: the experiment's training prompts (data/prompts.json "train"); two completions per prompt
// sampled from the init policy; labels P(a ≻ b) = σ((g_a − g_b) / noise_scale). The pairs are
// cached in <exp>/data/<run>-pairs.json with a key (init checkpoint, tokenizer, prompts, data
// settings) and regenerated when the key differs.
//
// Noise scale s: the gold reward is the mean AFINN valence per word (valences in [-5, 5]); one
// lexicon word of valence ±2 in a 20-word completion moves g by 0.1. The default s = 0.1 makes
// such a difference a 73% / 27% label (σ(1)), two such words 88%; s = 0.5 would make them 55% and
// 60%, close to coin flips. Ties (g_a == g_b, most often no lexicon word in either completion) are
// dropped by default: they carry no preference.
//
// Training: AdamW (train/adamw.h), linear warmup then cosine decay to lr·min_lr_ratio, global
// grad-norm clipping; each step takes `batch` training pairs, in an order drawn per epoch from
// (seed, epoch), so a step's batch never depends on what ran before.
//
// Evaluation on the held-out pairs (prompts never trained on), at step 0, every eval_every steps
// and at the end:
//   eval/loss               BT loss against the sampled labels
//   eval/pair_accuracy      r orders the pair as the sampled (noisy) label does
//   eval/pair_accuracy_gold r orders the pair as the gold reward does (pairs with g_a != g_b)
//   eval/corr_gold          Pearson correlation of r and g over the held-out completions
// Training metrics: rm/loss, rm/accuracy (of the step's batch), rm/lr, rm/grad_norm, time/elapsed_s.
// Data metrics (step 0): data/pairs_train, data/pairs_heldout, data/ties_dropped,
//   data/label_gold_agreement (how often the held-out labels agree with the gold ordering: the
//   pair accuracy of a model that knew g exactly).
//
// Files (in <exp>/checkpoints/, run name "rm" by default):
//   rm-last.h5  resumable: params + /state (AdamW moments, step, CPU RNG), every ckpt_every steps
//               and when stopped
//   rm.h5       the finished reward model (kind "reward_model", reward/reward_model.h). Its head
//               bias is shifted so that the mean reward over the training completions is 0 (BT is
//               shift-invariant); meta records the shift, the std of r there and the final metrics.
// A finished run is reported, not repeated; a stopped or crashed one resumes from rm-last.h5
// (bit-identical to an uninterrupted run on the same machine), or from step 0 when there is none.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/train_settings.h"
#include "experiment/experiment.h"
#include "reward/preference_data.h"
#include "reward/reward_model.h"
#include "util/progress.h"

namespace warp {

// The defaults are the demo's (policy n_layer 4, n_embd 128, V 4096): about 3-4 minutes on 2 CPU
// cores, 1 to 1.6 epochs over the training pairs (more epochs overfit: the held-out loss rises).
// The largest WARM ensemble: each member is a full reward-model run (time and disk grow with K), and
// the WARM paper's gains saturate well before (it uses up to 6; M = 2..10 in its ablations).
constexpr int64_t kMaxRmEnsemble = 16;

// lr, warmup, weight_decay, beta1/2, grad_clip, eval_every, ckpt_every, seed (data sampling, labels,
// head init, batch order), threads and device are TrainSettings' (config/train_settings.h); the
// defaults are set below.
struct RmConfig : TrainSettings {
  RmConfig() {
    lr = 2e-3;  // peak learning rate
    warmup = 20;
    weight_decay = 0.0;
    beta1 = 0.9;
    beta2 = 0.95;
    grad_clip = 1.0;   // max global grad norm (0: off)
    eval_every = 100;  // steps between held-out evaluations (and at the end)
    ckpt_every = 200;  // steps between resumable checkpoints
    seed = 1;          // data sampling, labels, head init, batch order
  }
  // Data (reward/preference_data.h)
  int64_t pairs = 8000;              // preference pairs collected (training + held-out)
  double heldout_fraction = 0.1;     // of the prompts, held out for evaluation
  double noise_scale = 0.1;          // s: P(a ≻ b) = σ((g_a − g_b) / s)
  bool keep_ties = false;            // keep pairs with g_a == g_b
  int64_t max_attempts_factor = 20;  // sample at most factor · pairs prompts to find non-tied pairs
  double temperature = 1.0;          // sampling from the init policy
  int64_t top_k = 0;
  double top_p = 1.0;
  int64_t max_new_tokens = 24;
  int64_t sample_batch = 64;  // prompts per sampler call
  std::string init =
      "checkpoints/sft.h5";  // the policy sampled from and the trunk's init (relative: to the experiment)
  // Training
  int64_t steps = 400;        // optimizer steps
  int64_t batch = 32;         // pairs per step
  double min_lr_ratio = 0.1;  // cosine floor, as a fraction of lr
  // WARM (weight-averaged reward models, Ramé et al. 2024; see run_rm): K > 1 trains K members and
  // writes their uniform weight average. 1..kMaxRmEnsemble.
  int64_t ensemble = 1;
  // A member's own seed of its batch order (0: the order comes from `seed`). Set by the ensemble.
  uint64_t order_seed = 0;

  void validate() const;  // BadInput naming the option
  nlohmann::json to_json() const;
  // Fields present override the defaults; unknown fields are refused.
  static RmConfig from_json(const nlohmann::json& j, const std::string& where);
  PreferenceDataConfig data_config() const;
};

struct RmResult {
  std::string checkpoint;  // <exp>/checkpoints/<run>.h5
  int64_t steps = 0;
  int64_t pairs_train = 0, pairs_heldout = 0;
  double eval_loss = 0;
  double pair_accuracy = 0;       // vs the sampled labels
  double pair_accuracy_gold = 0;  // vs the gold ordering
  double corr_gold = 0;           // Pearson r(reward, gold) on held-out completions
  double label_gold_agreement = 0;
  double seconds = 0;            // wall time of this call
  bool already_done = false;     // the run had finished before; nothing was trained
  bool settings_differ = false;  // already_done, and that run used other settings than `config`
};

// Trains (or resumes, or reports the finished run) the reward model of run `run_name` (kind "rm";
// letters, digits, '_', '-', '.'). Progress: stages "rm-data" (pairs) and "rm" (steps); returning
// false stops at the next step boundary with a resumable checkpoint and status "killed" (Cancelled
// is thrown). NaN/Inf loss: status "diverged", Error. BadInput when an unfinished run of that name
// was started with other settings (threads and device may differ).
RmResult run_rm(const Experiment& exp, const RmConfig& config, const std::string& run_name = "rm",
                const ProgressFn& progress = {});

//
// WARM: with config.ensemble = K > 1, run_rm trains K members, runs "<run_name>-m<k>" (k = 1..K, each
// its own resumable rm run with checkpoints/<run_name>-m<k>.h5), from the same initialization (trunk
// θ_sft, head drawn from `seed`) on the same preference pairs (data/<run_name>-pairs.json, made once),
// differing in their batch order: member k's order_seed = derive_seed(kSeedDomainRmMember, seed, {k})
// (util/seeds.h). Then it writes checkpoints/<run_name>.h5, the uniform average of the members'
// weights (average_reward_models), whose meta records the members (docs/formats.md). The ensemble is
// itself a run "<run_name>" of kind "rm" (its config's "rm" holds "ensemble": K): claimed while it
// runs, so a second process is refused; stopped or crashed, it resumes: finished members are reused,
// an unfinished one resumes, the rest are trained. RmResult's eval numbers are then the members'
// means (the average's own quality is what `warp eval --reward rm:...` measures).
//
// The uniform weight average of reward-model checkpoints of one architecture and tokenizer: every
// tensor is (Σ_k θ_k) / K, summed in float64 and rounded once to float32 (so K copies of one model
// average to it bit for bit). The header is the first model's (config and kind); meta is left null.
// BadInput naming the file for an unreadable model, another architecture, another tokenizer or an
// empty list.
RewardModelCheckpoint average_reward_models(const std::vector<std::string>& paths, const ProgressFn& progress = {});

// Pearson correlation of x and y (NaN when either is constant or they have < 2 values).
double pearson_correlation(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace warp
