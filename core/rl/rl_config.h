#pragma once
// The RL settings of an experiment (`warp train`, DESIGN §5). The settings themselves, their table
// of fields and flags, JSON form and validation are Torch-free, in config/rl_config.h.

#include "config/rl_config.h"
#include "experiment/experiment.h"

namespace warp {

// Steps 1-3 of config/rl_config.h: the defaults, the experiment's "warp" and "rl" sections.
RlConfig rl_config_for(const Experiment& exp);

}  // namespace warp
