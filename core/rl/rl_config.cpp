#include "rl/rl_config.h"

namespace warp {

RlConfig rl_config_for(const Experiment& exp) {
  return rl_config_from_experiment_json(exp.config(), exp.config_path());
}

}  // namespace warp
