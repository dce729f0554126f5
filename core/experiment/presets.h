#pragma once
// Named experiment presets: the sizes and budgets an experiment starts with.
//   smoke — tiny sizes so every stage finishes in seconds (CI, tests).
//   demo  — the documented laptop-CPU demo (minutes per stage).

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace warp {

// Names of the known presets, in display order.
std::vector<std::string> preset_names();
// The full experiment config of a preset (see experiment.h for the layout); BadInput if unknown.
nlohmann::json preset_config(const std::string& name);

}  // namespace warp
