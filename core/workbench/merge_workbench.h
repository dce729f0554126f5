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
// with λ and η rounded to 1e-6, under the protocol hash of eval/evaluate.h (eval_protocol), stored in
// the table merge_points (db/schema.cpp, schema v3) with the EvalPoint, the per-prompt rows (so the
// samples of a cached point are there too) and the recipe JSON (provenance for the plane's tooltips).
//
// Evaluation: eval/evaluate.h's Evaluator on the experiment's evaluation prompts with common random
// numbers: a point equals `warp merge` + `warp eval` of the same recipe (same numbers), since the
// merge is the same computation and the evaluation the same protocol.

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
#include "util/progress.h"

namespace warp {

struct MergeInputs {
  enum class Source { Iteration, Runs, Files };
  Source source = Source::Files;
  std::string init;                 // θ_init checkpoint, absolute path
  std::vector<std::string> models;  // θ_1..θ_M, absolute paths (M >= 2)
  std::vector<std::string> runs;    // run names of the models (iteration, runs); empty for files
  std::string driver;               // iteration: the driver run's name
  int64_t iteration = 0;            // iteration: i (1-based)

  // "warp iteration 2 (warp-i2-r1, warp-i2-r2)", "runs a, b", "files x.h5, y.h5"
  std::string describe() const;
  // {"source": "iteration"|"runs"|"files", "init", "models", "runs", "driver", "iteration"}
  nlohmann::json to_json() const;
  // BadInput naming `where` and the field.
  static MergeInputs from_json(const nlohmann::json& j, const std::string& where);
};

// A finished (or at least merged) iteration of a WARP driver, for the input chooser.
struct IterationChoice {
  std::string driver;
  int64_t iteration = 0;
  int64_t runs = 0;       // M
  bool complete = false;  // every worker finished with its final policy on disk
};

// The iterations of every "warp" driver run of the experiment, by driver then iteration.
std::vector<IterationChoice> list_merge_iterations(const Experiment& exp);
// Inputs of driver `driver`'s iteration `iteration`. BadInput when the driver or the iteration does
// not exist, or a worker has not finished (naming it).
MergeInputs inputs_from_iteration(const Experiment& exp, const std::string& driver, int64_t iteration);
// Inputs from finished "train" runs (at least 2). BadInput naming a run that does not exist, is not
// a finished train run, or whose init differs from the first run's ("runs a, b start from
// checkpoints/x.h5 but c starts from checkpoints/sft.h5").
MergeInputs inputs_from_runs(const Experiment& exp, const std::vector<std::string>& runs);
// Inputs from files (relative paths are resolved against the experiment folder). Validated as
// check_merge_spec does; BadInput naming the file.
MergeInputs inputs_from_files(const Experiment& exp, const std::string& init, const std::vector<std::string>& models);

struct MergeRecipe {
  enum class EtaMode { TowardInit, TowardSft };
  MergeMethod method = MergeMethod::Slerp;  // Slerp or Lerp
  double lambda = 0.5;                      // ∈ [0,1]; M = 2 only
  double eta = 1.0;                         // ∈ [0,1]
  EtaMode eta_mode = EtaMode::TowardInit;

  // BadInput for another method, λ or η outside [0,1] or not finite.
  void validate() const;
  // {"method": "slerp", "lambda": 0.5, "eta": 0.3, "eta_mode": "toward_init"}
  nlohmann::json to_json() const;
  static MergeRecipe from_json(const nlohmann::json& j, const std::string& where);
  bool operator==(const MergeRecipe& o) const;
};

// "toward_init" / "toward_sft"
const char* eta_mode_name(MergeRecipe::EtaMode mode);

// One evaluated point of the workbench.
struct WorkbenchPoint {
  MergeRecipe recipe;
  std::string recipe_sha256;  // the cache key (see the top of this file)
  nlohmann::json provenance;  // the hashed recipe JSON plus {"inputs": MergeInputs::to_json()}
  EvalPoint point;
  std::vector<EvalRow> rows;  // per evaluation prompt, in prompt order (stored with cached points too)
  bool cached = false;        // came from the database
  double merge_seconds = 0;   // 0 when cached
  double eval_seconds = 0;    // 0 when cached
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

  // The cache key of a recipe (validated).
  std::string recipe_key(const MergeRecipe& recipe) const;
  // The cached point of a recipe, if any: one indexed read, no merge, no model. Thread-safe (its own
  // database connection, guarded), callable from the GUI thread while evaluate() runs elsewhere.
  std::optional<WorkbenchPoint> lookup(const MergeRecipe& recipe) const;
  // Every cached point of these inputs under this protocol, in the order they were stored
  // (the plane shows them all when the workbench opens). Thread-safe like lookup().
  std::vector<WorkbenchPoint> cached_points() const;

  // The point of a recipe: the cache, else merge (progress stage "merge", one unit per tensor),
  // LITI, evaluation (stage "eval", per batch), stored in the cache. Cancelled at the next tensor or
  // batch when progress returns false (nothing stored). Not thread-safe: one call at a time.
  WorkbenchPoint evaluate(const MergeRecipe& recipe, const ProgressFn& progress = {});
  // θ_sft evaluated under the same protocol (the samples view's baseline: the same prompts and seeds),
  // cached like a recipe under the key {"version": 1, "policy_sha256": sft sha}.
  WorkbenchPoint reference(const ProgressFn& progress = {});

  // The merged parameters of a recipe (θ_init's names and order, CPU). Stage "merge".
  NamedTensors merged_params(const MergeRecipe& recipe, const ProgressFn& progress = {});
  // Writes the recipe's policy as a warp checkpoint (kind "merge", θ_init's config, the tokenizer
  // embedded in /files, meta = provenance), atomically. BadInput / Error naming the path when it
  // cannot be written (folder missing or not writable, disk full); nothing is left behind.
  void export_checkpoint(const MergeRecipe& recipe, const std::string& path, const ProgressFn& progress = {});
  // Writes the recipe's policy as a Hugging Face GPT-2 folder (store/hf_gpt2.h: model.safetensors,
  // config.json, vocab.json, merges.txt, tokenizer_config.json). The folder is written beside its
  // target under a temporary name and renamed into place, so a failure leaves no half folder; a
  // target that exists and is not empty is refused.
  void export_hf(const MergeRecipe& recipe, const std::string& dir, const ProgressFn& progress = {});

 private:
  MergeWorkbench();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace warp
