#pragma once
// What a WARP driver run leaves behind, read back: its stored configuration (the run row's
// config_json, laid out in driver.h), its merge and LITI files (named and registered as
// warp/warp_loop.h says), and their evaluations in the evaluation cache (eval/eval_cache.h).
// Shared by the Algorithm 1 loop (warp/warp_loop.h), which checks on resume what is already done,
// and by the entry points (warp/driver.h: resume_warp, read_warp), which read a driver run.
// Internal to core/warp (not included outside it).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/warp_config.h"
#include "db/records.h"
#include "eval/eval_cache.h"
#include "eval/eval_config.h"
#include "experiment/experiment.h"
#include "rl/rl_config.h"
#include "warp/driver.h"

namespace warp {

constexpr const char* kWarpDriverRunKind = "warp";  // the kind of the driver's run row

// The stored configuration of a driver run (its config_json).
struct StoredWarpRun {
  WarpConfig warp;
  RlConfig rl;
  EvalConfig eval;
  std::string protocol_sha256;
};

// The driver run's config_json read back: BadInput naming the run and the entry that is missing or
// unreadable.
StoredWarpRun parse_stored_warp_run(const RunRecord& run);

// `text` as a JSON object; BadInput "<where>: not a JSON object" otherwise.
nlohmann::json parse_json_object(const std::string& text, const std::string& where);

// A path of the experiment: absolute paths as they are, relative ones under the experiment folder.
std::string abs_in_experiment(const Experiment& exp, const std::string& path);

// The driver's files, relative to the experiment folder (warp/warp_loop.h):
//   checkpoints/<name>-i<i>-slerp.h5, checkpoints/<name>-i<i>-eta<η>.h5, checkpoints/<name>-output-eta<η>.h5
std::string warp_slerp_checkpoint(const std::string& name, int64_t iteration);
std::string warp_liti_checkpoint(const std::string& name, int64_t iteration, double eta);
std::string warp_output_checkpoint(const std::string& name, double eta);

// The last registration of `rel_path` among `ckpts` (the driver run's checkpoints) with its meta
// (a JSON object; registrations whose meta is not one are passed over).
std::optional<std::pair<CheckpointRecord, nlohmann::json>> registered_checkpoint(
    const std::vector<CheckpointRecord>& ckpts, const std::string& rel_path);

// The front point of a registered LITI file at η when the cache has its evaluation under `protocol`.
std::optional<FrontPoint> evaluated_point(const EvalCache& cache, const std::string& protocol,
                                          const CheckpointRecord& rec, const std::string& rel, double eta);

// A checkpoint meta's entry: the string ("" when absent or not a string), the number (NaN when
// absent or not a number).
std::string meta_string(const nlohmann::json& meta, const char* key);
double meta_double(const nlohmann::json& meta, const char* key);

}  // namespace warp
