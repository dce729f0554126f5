#pragma once
// Supervised pretraining of the policy θ_sft on the corpus (next-token prediction).
//
// Data: the experiment's train.tok / heldout.tok (experiment/task_data.h): one token stream of
// sentences, each ended by <|endoftext|>. A batch is `batch` windows of seq_len + 1 tokens at
// offsets drawn by a generator seeded from (seed, step), so the batch of a step never depends on
// what ran before: a resumed run sees exactly the batches the uninterrupted one would.
// Held-out loss: mean over fixed, evenly spaced windows of heldout.tok (eval_windows of them).
//
// Optimizer: AdamW (train/adamw.h), linear warmup then cosine decay to lr·min_lr_ratio, global
// grad-norm clipping. Weight decay on matrices and embeddings only.
//
// Files (in <exp>/checkpoints/):
//   sft-last.h5  resumable: params + /state (AdamW moments, step, CPU RNG state), every ckpt_every
//                steps and when stopped
//   sft.h5       the finished policy θ_sft (kind "sft"), params only
// Metrics (run kind "sft"): train/loss, train/lr, train/grad_norm, train/tokens_per_s,
// eval/loss, eval/ppl, time/elapsed_s.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "config/train_settings.h"
#include "experiment/experiment.h"
#include "util/progress.h"

namespace warp {

// lr, warmup, weight_decay, beta1/2, grad_clip, eval_every, ckpt_every, seed (model init and batch
// order), threads and device are TrainSettings' (config/train_settings.h); the defaults:
struct SftConfig : TrainSettings {
  SftConfig() {
    lr = 3e-3;     // peak learning rate
    warmup = 100;  // warmup steps
    weight_decay = 0.1;
    beta1 = 0.9;
    beta2 = 0.95;
    grad_clip = 1.0;   // max global grad norm (0: off)
    eval_every = 250;  // steps between held-out evaluations (and at the end)
    ckpt_every = 500;  // steps between resumable checkpoints
    seed = 1;          // model init and batch order
  }
  int64_t steps = 3000;        // optimizer steps
  int64_t batch = 16;          // windows per step
  int64_t seq_len = 128;       // tokens per window (<= model n_ctx)
  double min_lr_ratio = 0.1;   // cosine floor, as a fraction of lr
  int64_t eval_windows = 256;  // held-out windows per evaluation

  void validate() const;  // BadInput naming the option
  nlohmann::json to_json() const;
  // Fields present override the defaults; unknown fields are refused (typos must not pass silently).
  static SftConfig from_json(const nlohmann::json& j, const std::string& where);
};

struct SftResult {
  std::string checkpoint;  // sft.h5
  int64_t steps = 0;
  double eval_loss = 0;
  double eval_ppl = 0;
  bool already_done = false;  // the run had finished before; nothing was trained
};

// Trains (or resumes, or reports the finished run). Progress: stage "sft", done/total steps, detail
// a one-line status; returning false stops at the step boundary with a resumable checkpoint and
// status "killed" (then Cancelled is thrown). NaN/Inf loss: status "diverged", Error thrown,
// sft-last.h5 keeps the last good state.
SftResult run_sft(const Experiment& exp, const SftConfig& config, const ProgressFn& progress = {});

}  // namespace warp
