#pragma once
// Torch-free (core/config): the settings that the configs of several commands share, read from JSON,
// written back and validated here, once (one rule, one place):
//   RunSettings    seed, threads, device: every run (EvalConfig, and through TrainSettings the rest);
//   TrainSettings  RunSettings + the AdamW optimiser (lr, warmup, betas, weight decay, gradient clip)
//                  and the evaluation / checkpoint intervals: SftConfig (train/sft.h), RmConfig
//                  (reward/rm_trainer.h) and RlConfig (config/rl_config.h).
// A config derives from one of them, so its fields stay `config.lr`, `config.threads`, ...; it sets
// its own defaults in its constructor and reads, writes and validates its other fields itself.
//
// Field          CLI flag          rule (the flags: app/cli/json_options.h)
// seed           --seed            an unsigned integer
// threads        --threads         >= 0 (0: LibTorch's default)
// device         --device          auto, cpu, cuda, cuda:N (checked where the device is opened)
// lr             --lr              > 0, finite (the peak learning rate)
// warmup         --warmup          >= 0 (warmup steps)
// weight_decay   --weight-decay    >= 0, finite (AdamW decoupled decay, matrices only)
// beta1, beta2   --adam-beta1/2    in [0, 1) (AdamW's first- and second-moment decays; every
//                                  training command has the two flags)
// grad_clip      --grad-clip       >= 0, finite (max global gradient norm; 0: off)
// eval_every     --eval-every      > 0 (steps between evaluations)
// ckpt_every     --ckpt-every      > 0 (steps between resumable checkpoints)
//
// An out-of-range value is refused with the same words whichever config holds it:
// BadInput "<section>: <field> (<flag>) must be <rule>, got <value>", e.g.
// "sft: threads (--threads) must be >= 0, got -1" (from_json prefixes where the JSON came from).

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace warp {

class JsonFields;

struct RunSettings {
  uint64_t seed = 1;
  int threads = 0;
  std::string device = "auto";

  // Reads those of these fields `f` holds (type errors name the field), writes them into `j`.
  void read_fields(JsonFields& f);
  void write_fields(nlohmann::json& j) const;
  // BadInput "<section>: <field> (<flag>) must be ..., got ..." for the first out-of-range field.
  void check_fields(const std::string& section) const;
};

struct TrainSettings : RunSettings {
  double lr = 1e-3;
  int64_t warmup = 0;
  double weight_decay = 0.0;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double grad_clip = 1.0;
  int64_t eval_every = 100;
  int64_t ckpt_every = 100;

  // As RunSettings', over these fields and the RunSettings ones.
  void read_fields(JsonFields& f);
  void write_fields(nlohmann::json& j) const;
  void check_fields(const std::string& section) const;
};

}  // namespace warp
