#pragma once
// Torch-free (core/config): the settings of `warp run` (the driver, warp/driver.h), their JSON form
// and their validation, shared by the CLI and the app's Run WARP dialog (one rule, one place).

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace warp {

// Settings of `warp run`. Read from the experiment's "warp" section (runs, lambda, eta, eta_grid
// and the fields below), then --config, then the command line; stored with the driver run.
//
// Field       CLI flag        default                       meaning
// name        --name          "warp"                        driver run name; workers <name>-i<i>-r<m>
// init        --init          ""                            θ_init of iteration 1 ("" = checkpoints/sft.h5)
// iterations  --iterations    2                             I ≥ 1
// runs        --runs          2                             M ≥ 2 (the "warp" section's "runs")
// steps       --steps         0                             T per run (0: the RL config's steps)
// lambda      --lambda        0.5                           SLERP λ ∈ [0,1] (M = 2)
// eta         --eta           0.3                           η ∈ [0,1] of the next θ_init (added to the grid)
// eta_grid    --eta-grid      0,0.1,0.3,0.5,0.8,1           evaluated LITI points, each in [0,1]
// parallel    --parallel      0                             P runs at once (0: M)
// threads     --threads       0                             threads per worker (0: all cores; measured fastest
//                                                           on 2 cores for P = 2 and 4, docs/performance.md)
// seed        --seed          1                             worker m of iteration i: seed and prompt_seed
//                                                           derived from (seed, i, m) (util/seeds.h)
// device      --device        "auto"                        passed to the workers
// granularity --granularity   "tensor"                      SLERP angle per tensor, or per layer (one Ω per
//                                                           transformer block / the embeddings / the final
//                                                           norm, merge/layer_groups.h; the paper's)
struct WarpConfig {
  std::string name = "warp";
  std::string init;
  int64_t iterations = 2;
  int64_t runs = 2;
  int64_t steps = 0;
  double lambda = 0.5;
  double eta = 0.3;
  std::vector<double> eta_grid = {0.0, 0.1, 0.3, 0.5, 0.8, 1.0};
  int64_t parallel = 0;
  int threads = 0;
  uint64_t seed = 1;
  std::string device = "auto";
  std::string granularity = "tensor";

  // BadInput "warp: <field> (--flag) must be ..., got ..." for the first out-of-range value
  // (also: an invalid run name, an empty or unsorted-with-duplicates grid).
  void validate() const;
  nlohmann::json to_json() const;
  // Fields present in j override this config's; BadInput naming `where` and the field for a wrong type.
  void update_from_json(const nlohmann::json& j, const std::string& where);
};

// Defaults, then the "warp" section of an experiment's config.json object `cfg` (its path
// `config_path` names it in errors; beta, mu and temperature there are the RL settings'). Not
// validated (the command line may still change it). warp_config_for(exp) (warp/driver.h) is this
// over the opened experiment.
WarpConfig warp_config_from_experiment_json(const nlohmann::json& cfg, const std::string& config_path);

// --eta-grid's text (the CLI's flag and the launch dialog's field): comma-separated numbers, spaces
// around each allowed, e.g. "0, 0.5,1" -> [0, 0.5, 1]. BadInput "warp: eta_grid (--eta-grid) must be
// a comma-separated list of numbers, got '<text>'" for an empty item, a non-number or a non-finite
// value (the values' range and distinctness are WarpConfig::validate's).
std::vector<double> parse_eta_grid(const std::string& text);

// The η values evaluated in each iteration: the grid plus the chosen η, ascending, distinct.
std::vector<double> warp_eta_points(const WarpConfig& config);
// "0.30", "0.125": η as written in file names and metric keys.
std::string warp_eta_tag(double eta);
// <name>-i<i>-r<m>
std::string warp_worker_name(const std::string& name, int64_t iteration, int64_t run);

}  // namespace warp
