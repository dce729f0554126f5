#pragma once
// What the merge workbench merges (workbench/merge_workbench.h): θ_init and the M >= 2 policies,
// found from a WARP driver's iteration, from finished "train" runs with a common init, or from
// checkpoint files picked on disk. Everything here reads the database (read-only) and checkpoint
// headers only: no tensor data is loaded.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/experiment.h"

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
  // BadInput naming `where` and the field (a missing or mistyped field, an unknown source, fewer
  // than 2 models, an iteration source without driver or with iteration < 1).
  static MergeInputs from_json(const nlohmann::json& j, const std::string& where);
};

// "iteration" / "runs" / "files"
const char* merge_source_name(MergeInputs::Source source);

// An iteration of a WARP driver, for the input chooser.
struct IterationChoice {
  std::string driver;
  int64_t iteration = 0;
  int64_t runs = 0;       // M
  bool complete = false;  // every worker finished with its final policy on disk
};

// The iterations every "warp" driver run of the experiment has started (driver/read_warp), by driver
// (in run order) then iteration; `complete` tells which can be merged. A driver run whose stored
// settings cannot be read is left out.
std::vector<IterationChoice> list_merge_iterations(const Experiment& exp);
// Inputs of driver `driver`'s iteration `iteration`: its θ_init and its workers' final policies
// (checkpoints/<worker>.h5). BadInput when the driver or the iteration does not exist, or a worker
// has not finished or its policy is missing (naming it).
MergeInputs inputs_from_iteration(const Experiment& exp, const std::string& driver, int64_t iteration);
// Inputs from finished "train" runs (at least 2, each once): their final policies (the checkpoint
// each registered as kind "policy") and their common init (runs.init_checkpoint_id; the inits are
// compared by SHA-256). BadInput naming a run that does not exist, is not a finished train run, has
// no final policy, or whose init differs from the first run's ("runs a, b start from
// checkpoints/x.h5 but c starts from checkpoints/sft.h5").
MergeInputs inputs_from_runs(const Experiment& exp, const std::vector<std::string>& runs);
// Inputs from files (relative paths are resolved against the experiment folder). Validated as
// check_merge_spec does (merge/merger.h check_merge_inputs: readable warp checkpoints, one model
// config, the same tensors), plus: a GPT model config with the architecture of the experiment's
// θ_sft (the points are evaluated against it). BadInput naming the file.
MergeInputs inputs_from_files(const Experiment& exp, const std::string& init, const std::vector<std::string>& models);

}  // namespace warp
