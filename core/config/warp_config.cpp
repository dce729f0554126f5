#include "config/warp_config.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include "db/metric_keys.h"
#include "db/run_name.h"
#include "util/error.h"
#include "util/format.h"
#include "util/json_fields.h"

namespace warp {

// ---------------------------------------------------------------- WarpConfig

void WarpConfig::validate() const {
  auto bad = [](const std::string& field, const std::string& flag, const std::string& must, const std::string& got) {
    throw BadInput("warp: " + field + " (" + flag + ") must be " + must + ", got " + got);
  };
  try {
    validate_run_name(name);
    // The longest worker name must be a valid run name too.
    validate_run_name(warp_worker_name(name, std::max<int64_t>(iterations, 1), std::max<int64_t>(runs, 1)));
  } catch (const BadInput& e) {
    throw BadInput(std::string("warp: name (--name): ") + e.what());
  }
  if (iterations < 1 || iterations > 1000) bad("iterations", "--iterations", "in 1..1000", std::to_string(iterations));
  if (runs < 2 || runs > 64) bad("runs", "--runs", "in 2..64", std::to_string(runs));
  if (steps < 0) bad("steps", "--steps", ">= 0 (0: the RL config's steps)", std::to_string(steps));
  if (!(lambda >= 0.0 && lambda <= 1.0)) bad("lambda", "--lambda", "in [0, 1]", format_number(lambda));
  if (!(eta >= 0.0 && eta <= 1.0)) bad("eta", "--eta", "in [0, 1]", format_number(eta));
  if (eta_grid.empty()) bad("eta_grid", "--eta-grid", "a non-empty list of values in [0, 1]", "an empty list");
  std::set<std::string> tags;
  for (double e : eta_grid) {
    if (!(e >= 0.0 && e <= 1.0)) bad("eta_grid", "--eta-grid", "a list of values in [0, 1]", format_number(e));
    if (!tags.insert(warp_eta_tag(e)).second)
      bad("eta_grid", "--eta-grid", "a list of distinct values", warp_eta_tag(e) + " twice");
  }
  if (parallel < 0) bad("parallel", "--parallel", ">= 0 (0: all runs at once)", std::to_string(parallel));
  if (threads < 0) bad("threads", "--threads", ">= 0 (0: cores / parallel runs)", std::to_string(threads));
  if (device.empty()) bad("device", "--device", "auto, cpu, cuda or cuda:N", "an empty string");
  if (granularity != "tensor" && granularity != "layer")
    bad("granularity", "--granularity", "tensor or layer", "'" + granularity + "'");
}

nlohmann::json WarpConfig::to_json() const {
  return {
      {"name", name},     {"init", init},     {"iterations", iterations},  {"runs", runs},         {"steps", steps},
      {"lambda", lambda}, {"eta", eta},       {"eta_grid", eta_grid},      {"parallel", parallel}, {"threads", threads},
      {"seed", seed},     {"device", device}, {"granularity", granularity}};
}

void WarpConfig::update_from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw BadInput(where + ": expected a JSON object");
  nlohmann::json rest = j;
  if (rest.contains("eta_grid")) {
    const auto& g = rest.at("eta_grid");
    if (!g.is_array()) throw BadInput(where + ": field 'eta_grid' must be a list of numbers, got " + g.dump());
    std::vector<double> grid;
    for (const auto& v : g) {
      if (!v.is_number()) throw BadInput(where + ": field 'eta_grid' must be a list of numbers, got " + g.dump());
      grid.push_back(v.get<double>());
    }
    eta_grid = grid;
    rest.erase("eta_grid");
  }
  JsonFields f(rest, where);
  f.get("name", name);
  f.get("init", init);
  f.get("iterations", iterations);
  f.get("runs", runs);
  f.get("steps", steps);
  f.get("lambda", lambda);
  f.get("eta", eta);
  f.get("parallel", parallel);
  f.get("threads", threads);
  f.get("seed", seed);
  f.get("device", device);
  f.get("granularity", granularity);
  f.done();
}

WarpConfig warp_config_from_experiment_json(const nlohmann::json& cfg, const std::string& config_path) {
  WarpConfig c;
  if (cfg.contains("warp")) {
    nlohmann::json section = cfg.at("warp");
    if (!section.is_object()) throw BadInput(config_path + ": the \"warp\" section must be a JSON object");
    // The WARP hyperparameters that the RL runs and the evaluation read (rl_config_for, eval_config_for).
    for (const char* shared : {"beta", "mu", "temperature"}) section.erase(shared);
    c.update_from_json(section, config_path + " (warp)");
  }
  return c;
}

std::vector<double> parse_eta_grid(const std::string& text) {
  std::vector<double> out;
  size_t begin = 0;
  while (true) {
    const size_t comma = text.find(',', begin);
    std::string item = text.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin);
    const size_t first = item.find_first_not_of(" \t"), last = item.find_last_not_of(" \t");
    item = first == std::string::npos ? std::string() : item.substr(first, last - first + 1);
    char* end = nullptr;
    const double v = item.empty() ? 0.0 : std::strtod(item.c_str(), &end);
    if (item.empty() || end != item.c_str() + item.size() || !std::isfinite(v))
      throw BadInput("warp: eta_grid (--eta-grid) must be a comma-separated list of numbers, got '" + text + "'");
    out.push_back(v);
    if (comma == std::string::npos) return out;
    begin = comma + 1;
  }
}

std::vector<double> warp_eta_points(const WarpConfig& config) {
  std::map<std::string, double> by_tag;
  for (double e : config.eta_grid) by_tag.emplace(warp_eta_tag(e), e);
  by_tag.emplace(warp_eta_tag(config.eta), config.eta);
  std::vector<double> out;
  for (const auto& [tag, e] : by_tag) out.push_back(e);
  std::sort(out.begin(), out.end());
  return out;
}

std::string warp_eta_tag(double eta) { return eta_tag(eta); }

std::string warp_worker_name(const std::string& name, int64_t iteration, int64_t run) {
  return name + "-i" + std::to_string(iteration) + "-r" + std::to_string(run);
}

}  // namespace warp
