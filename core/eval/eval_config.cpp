#include "eval/eval_config.h"

#include <cmath>

#include "util/error.h"
#include "util/fsutil.h"
#include "util/json_fields.h"

namespace warp {

void EvalConfig::validate() const {
  auto bad = [](const std::string& what) { throw BadInput("eval: " + what); };
  if (!(temperature > 0) || !std::isfinite(temperature))
    bad("temperature (--temperature) must be > 0, got " + std::to_string(temperature));
  if (max_new_tokens <= 0) bad("max_new_tokens (--max-new-tokens) must be > 0, got " + std::to_string(max_new_tokens));
  if (max_prompts < 0) bad("max_prompts (--max-prompts) must be >= 0 (0: all), got " + std::to_string(max_prompts));
  if (batch <= 0) bad("batch (--batch) must be > 0, got " + std::to_string(batch));
  check_fields("eval");
}

nlohmann::json EvalConfig::to_json() const {
  nlohmann::json j = {{"temperature", temperature},
                      {"max_new_tokens", max_new_tokens},
                      {"max_prompts", max_prompts},
                      {"batch", batch},
                      {"reward", reward}};
  write_fields(j);
  return j;
}

EvalConfig EvalConfig::from_json(const nlohmann::json& j, const std::string& where) {
  return from_json(j, where, EvalConfig{});
}

EvalConfig EvalConfig::from_json(const nlohmann::json& j, const std::string& where, const EvalConfig& base) {
  EvalConfig c = base;
  JsonFields f(j, where);
  f.get("temperature", c.temperature);
  f.get("max_new_tokens", c.max_new_tokens);
  f.get("max_prompts", c.max_prompts);
  f.get("batch", c.batch);
  f.get("reward", c.reward);
  c.read_fields(f);
  f.done();
  try {
    c.validate();
  } catch (const BadInput& e) {
    throw BadInput(where + ": " + e.what());
  }
  return c;
}

EvalConfig eval_config_for(const Experiment& exp) {
  EvalConfig c;
  const auto& cfg = exp.config();
  if (cfg.contains("warp") && cfg.at("warp").is_object() && cfg.at("warp").contains("temperature")) {
    const auto& t = cfg.at("warp").at("temperature");
    if (!t.is_number()) throw BadInput(exp.config_path() + " (warp): field 'temperature' must be a number");
    c.temperature = t.get<double>();
  }
  if (cfg.contains("eval")) return EvalConfig::from_json(cfg.at("eval"), exp.config_path() + " (eval)", c);
  c.validate();
  return c;
}

std::string default_reward_spec(const Experiment& exp) {
  return is_regular_file(exp.checkpoints_dir() + "/rm.h5") ? "rm:checkpoints/rm.h5" : "gold";
}

}  // namespace warp
