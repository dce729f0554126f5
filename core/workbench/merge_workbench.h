#pragma once
// The merge workbench (the desktop app's Merge tab, issue 9): θ_init and M policies held in memory,
// merged on demand with a recipe (SLERP or LERP with λ, then LITI with η) and evaluated as a point
// of the KL-reward plane under one evaluation protocol, each point cached in the experiment database
// by its recipe, so that a point asked for twice appears at once without merging or sampling.
//
// Qt-free: the GUI (widgets/merge/) owns one MergeWorkbench on a worker thread and calls evaluate()
// there; lookup() is the one call that is safe from any thread while evaluate() runs.
//
// Inputs (MergeInputs) come in three ways:
//   iteration  a WARP driver's iteration i: θ_init of that iteration and the final policies of its M
//              workers (core/warp/driver.h read_warp: the lineage in the database);
//   runs       finished "train" runs of the experiment with a common init (the SHA-256 of the init
//              checkpoint each run recorded, runs.init_checkpoint_id); runs whose inits differ are
//              refused, naming them;
//   files      checkpoint files picked from disk: θ_init and M >= 2 models, validated before use
//              (readable warp checkpoints, one GPT model config, the same tensors: merge/merger.h
//              check_merge_spec's checks); a bad file gives BadInput naming it.
//
// A recipe (MergeRecipe) gives the point:
//   θ_merge = slerp(θ_init, θ_1..θ_M, λ)   (merge/merge_methods.h; Eq. 26 left fold for M > 2, λ unused)
//           | lerp(θ_init, θ_1..θ_M, λ)    (uniform mean for M > 2)
//   toward_init:  θ = (1 − η)·θ_init + η·θ_merge   (LITI: the iteration's front)
//   toward_sft:   θ = (1 − η)·θ_sft  + η·θ_merge   (Algorithm 1's output front: LITI toward θ_sft)
// η = 1 gives θ_merge itself in both modes. The merge of the last λ is kept in memory, so moving η
// only redoes the LITI (one pass over the weights) and the evaluation.
//
// Cache key (recipe_sha256): SHA-256 of the compact JSON (keys sorted)
//   {"version": 1, "init_sha256", "model_sha256": [...] (in input order), "method", "lambda" (slerp/lerp
//    with M = 2 only; absent otherwise), "eta", "eta_mode": "toward_init" | "toward_sft",
//    "sft_sha256" (toward_sft only)}
// with λ and η rounded to 1e-6 (the merge uses the rounded values too: workbench/merge_recipe.h
// normalize_recipe), under the protocol hash of eval/evaluate.h (eval_protocol), stored in the table
// merge_points (db/schema.cpp, schema v3; workbench/merge_point_cache.h) with the EvalPoint, the
// per-prompt rows (so the samples of a cached point are there too) and the recipe JSON (provenance for
// the plane's tooltips), and the inputs' hash (SHA-256 of {"version": 1, "init_sha256", "model_sha256"})
// so that a workbench reopened on the same inputs finds all its points (cached_points).
//
// Evaluation: eval/evaluate.h's Evaluator on the experiment's evaluation prompts with common random
// numbers: a point equals `warp merge` + `warp eval` of the same recipe (same numbers, bit for bit),
// since the merge is the same computation (merge/merger.h merge_named_tensors: SLERP/LERP with λ, then
// LITI with η of θ_init or θ_sft and the merge, each in float64 rounded once to float32, as
// `warp merge --method liti --init θ_init|θ_sft --models slerp.h5`) and the evaluation the same
// protocol and code (eval/evaluate.h ProtocolEvaluator, which `warp eval` uses).
//
// Memory: θ_init, the M models, θ_sft and the last merge as CPU tensors, plus the evaluated policy and
// the evaluator's θ_sft as models on the evaluation device, plus the LITI result while a point is
// merged: about M + 6 copies of the model at the peak (CPU evaluation).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/eval_config.h"
#include "eval/evaluate.h"
#include "experiment/experiment.h"
#include "merge/merge_methods.h"
#include "store/tensor_info.h"
#include "util/phase_times.h"
#include "util/progress.h"
#include "workbench/merge_inputs.h"       // MergeInputs, IterationChoice, inputs_from_*
#include "workbench/merge_point_cache.h"  // the merge_points table
#include "workbench/merge_recipe.h"       // MergeRecipe, the cache key JSON

namespace warp {

// One evaluated point of the workbench.
struct WorkbenchPoint {
  MergeRecipe recipe;         // normalized (λ, η rounded); the default recipe for reference()
  std::string recipe_sha256;  // the cache key (see the top of this file)
  nlohmann::json provenance;  // the hashed recipe JSON plus {"inputs": MergeInputs::to_json()}
  EvalPoint point;
  std::vector<EvalRow> rows;  // per evaluation prompt, in prompt order (stored with cached points too)
  bool cached = false;        // came from the database
  double merge_seconds = 0;   // 0 when cached
  double eval_seconds = 0;    // 0 when cached
  // Where an uncached point's time went (util/phase_times.h): "lookup" (the cache read), "merge"
  // (SLERP/LERP when λ changed, and the LITI), "load" (the weights into the evaluated model),
  // "eval" (the whole evaluation) with its parts "sample", "sft_forward", "kl", "decode", "reward",
  // "gold", then "store" (the point into the cache). Empty when cached.
  PhaseTimes phases;
};

class MergeWorkbench {
 public:
  // Loads θ_init, the models (validated: same config and tensors, finite), θ_sft, the tokenizer,
  // the evaluation prompts and rewards of `config` (eval_config_for(exp), or the driver's stored
  // "eval" config for iteration inputs, so the workbench's points match the driver's front), hashes
  // the inputs and measures the angles between task vectors (omega_records). Progress: stage "load".
  // BadInput naming the file for a bad input; Cancelled.
  static std::unique_ptr<MergeWorkbench> open(const Experiment& exp, const MergeInputs& inputs,
                                              const EvalConfig& config, const ProgressFn& progress = {});
  // The evaluation config a workbench on these inputs uses by default: the driver's stored "eval"
  // config for iteration inputs, else eval_config_for(exp).
  static EvalConfig default_eval_config(const Experiment& exp, const MergeInputs& inputs);
  ~MergeWorkbench();

  const MergeInputs& inputs() const;
  int num_models() const;
  const EvalConfig& eval_config() const;
  const std::string& protocol_sha256() const;
  // The evaluation prompts' texts, in prompt order (what EvalRow::prompt_index indexes).
  const std::vector<std::string>& prompts() const;
  // Per tensor, in θ_init's order: ‖δ_m‖ and Ω between δ1 and δ2 (the first fold step) as SLERP
  // with λ = 0.5 records them (merge/merge_methods.h TensorMergeRecord), fallbacks marked.
  const std::vector<TensorMergeRecord>& omega_records() const;
  // Per layer group (merge/layer_groups.h, in the order of each group's first tensor): the norms and
  // angles over the group's concatenated task vectors that a layer SLERP with λ = 0.5 uses, computed
  // by the same code (slerp_group_into) as the "groups" of a `warp merge --granularity layer` meta,
  // so the values are equal; fallbacks marked.
  const std::vector<GroupMergeRecord>& omega_group_records() const;

  // The cache key of a recipe (validated; BadInput for an invalid one, as for every call taking one).
  std::string recipe_key(const MergeRecipe& recipe) const;
  // The cached point of a recipe, if any: one indexed read, no merge, no model. Thread-safe (its own
  // database connection, guarded), callable from the GUI thread while evaluate() runs elsewhere.
  std::optional<WorkbenchPoint> lookup(const MergeRecipe& recipe) const;
  // Every cached point of these inputs under this protocol, in the order they were stored
  // (the plane shows them all when the workbench opens). Thread-safe like lookup().
  std::vector<WorkbenchPoint> cached_points() const;

  // The point of a recipe: the cache, else merge (progress stage "merge", one unit per tensor),
  // LITI, evaluation (stage "eval", per batch), stored in the cache. Cancelled at the next tensor or
  // batch when progress returns false (nothing stored). estimate: the point over the prompts done so
  // far, after every evaluation batch but the last (Evaluator::evaluate; never cached). Not
  // thread-safe: one call at a time.
  WorkbenchPoint evaluate(const MergeRecipe& recipe, const ProgressFn& progress = {}, const EstimateFn& estimate = {});
  // θ_sft evaluated under the same protocol (the samples view's baseline: the same prompts and seeds),
  // cached like a recipe under the key {"version": 1, "policy_sha256": sft sha}.
  WorkbenchPoint reference(const ProgressFn& progress = {});

  // The merged parameters of a recipe (θ_init's names and order, CPU). Stage "merge". Relative
  // export paths below are taken inside the experiment folder.
  NamedTensors merged_params(const MergeRecipe& recipe, const ProgressFn& progress = {});
  // Writes the recipe's policy as a warp checkpoint (kind "merge", θ_init's config, the tokenizer
  // embedded in /files, meta = provenance), atomically. BadInput / Error naming the path when it
  // cannot be written (folder missing or not writable, disk full, the path of one of the inputs or
  // θ_sft); nothing is left behind (also on a cancel: stages "merge", "save checkpoint").
  void export_checkpoint(const MergeRecipe& recipe, const std::string& path, const ProgressFn& progress = {});
  // Writes the recipe's policy as a Hugging Face GPT-2 folder (store/hf_gpt2.h: model.safetensors,
  // config.json, vocab.json, merges.txt, tokenizer_config.json). The folder is written beside its
  // target under a temporary name and renamed into place, so a failure leaves no half folder; a
  // target that exists and is not empty is refused. Stages "merge", "export".
  void export_hf(const MergeRecipe& recipe, const std::string& dir, const ProgressFn& progress = {});

 private:
  MergeWorkbench();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace warp
