#include "config/rl_config.h"

#include <cmath>

#include "util/error.h"
#include "util/format.h"
#include "util/json_fields.h"

namespace warp {

void RlConfig::validate() const {
  auto bad = [](const char* field, const char* flag, const std::string& rule, const std::string& got) {
    throw BadInput(std::string("rl: ") + field + " (" + flag + ") " + rule + ", got " + got);
  };
  auto finite = [](double v) { return std::isfinite(v); };
  if (anchor != "ema" && anchor != "sft" && anchor != "init")
    bad("anchor", "--anchor", "must be ema, sft or init", "'" + anchor + "'");
  if (!(beta >= 0) || !finite(beta)) bad("beta", "--beta", "must be >= 0", format_number(beta));
  if (!(mu > 0 && mu <= 1)) bad("mu", "--mu", "must be in (0, 1]", format_number(mu));
  if (steps <= 0) bad("steps", "--steps", "must be > 0", std::to_string(steps));
  if (batch <= 0) bad("batch", "--batch", "must be > 0", std::to_string(batch));
  if (samples_per_prompt <= 0)
    bad("samples_per_prompt", "--samples", "must be > 0", std::to_string(samples_per_prompt));
  // Rows of a step are held at once (tokens, log-probs, activations); the product is checked without
  // overflowing, so 2^40 x 2^40 is refused here instead of wrapping to a small or negative size.
  if (batch > kMaxRowsPerStep / samples_per_prompt)
    bad("batch", "--batch",
        "times samples_per_prompt (--samples) must be at most " + std::to_string(kMaxRowsPerStep) + " rows per step",
        std::to_string(batch) + " x " + std::to_string(samples_per_prompt));
  check_fields("rl");
  if (!(temperature > 0) || !finite(temperature))
    bad("temperature", "--temperature", "must be > 0", format_number(temperature));
  if (max_new_tokens <= 0) bad("max_new_tokens", "--max-new-tokens", "must be > 0", std::to_string(max_new_tokens));
  if (baseline != "mean" && baseline != "rloo")
    bad("baseline", "--baseline", "must be mean or rloo", "'" + baseline + "'");
  if (baseline == "rloo" && batch * samples_per_prompt < 2)
    bad("batch", "--batch", "times samples_per_prompt (--samples) must be >= 2 for the rloo baseline",
        std::to_string(batch * samples_per_prompt));
  if (eval_prompts < 0)
    bad("eval_prompts", "--eval-prompts", "must be >= 0 (0: the eval protocol's)", std::to_string(eval_prompts));
}

nlohmann::json RlConfig::to_json() const {
  nlohmann::json j = {{"init", init},
                      {"anchor", anchor},
                      {"beta", beta},
                      {"mu", mu},
                      {"steps", steps},
                      {"batch", batch},
                      {"samples_per_prompt", samples_per_prompt},
                      {"temperature", temperature},
                      {"max_new_tokens", max_new_tokens},
                      {"baseline", baseline},
                      {"prompt_seed", prompt_seed},
                      {"eval_prompts", eval_prompts},
                      {"reward", reward}};
  write_fields(j);
  return j;
}

RlConfig RlConfig::from_json(const nlohmann::json& j, const std::string& where) {
  return from_json(j, where, RlConfig{});
}

RlConfig RlConfig::from_json(const nlohmann::json& j, const std::string& where, const RlConfig& base) {
  RlConfig c = base;
  JsonFields f(j, where);
  f.get("init", c.init);
  f.get("anchor", c.anchor);
  f.get("beta", c.beta);
  f.get("mu", c.mu);
  f.get("steps", c.steps);
  f.get("batch", c.batch);
  f.get("samples_per_prompt", c.samples_per_prompt);
  f.get("temperature", c.temperature);
  f.get("max_new_tokens", c.max_new_tokens);
  f.get("baseline", c.baseline);
  f.get("prompt_seed", c.prompt_seed);
  f.get("eval_prompts", c.eval_prompts);
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

RlConfig rl_config_from_experiment_json(const nlohmann::json& cfg, const std::string& config_path) {
  RlConfig c;
  if (cfg.contains("warp") && cfg.at("warp").is_object()) {
    const auto& w = cfg.at("warp");
    auto take = [&](const char* key, double& out) {
      if (!w.contains(key)) return;
      if (!w.at(key).is_number())
        throw BadInput(config_path + " (warp): field '" + key + "' must be a number, got " + w.at(key).dump());
      out = w.at(key).get<double>();
    };
    take("beta", c.beta);
    take("mu", c.mu);
    take("temperature", c.temperature);
  }
  if (cfg.contains("rl")) return RlConfig::from_json(cfg.at("rl"), config_path + " (rl)", c);
  try {
    c.validate();
  } catch (const BadInput& e) {
    throw BadInput(config_path + " (warp): " + e.what());
  }
  return c;
}

}  // namespace warp
