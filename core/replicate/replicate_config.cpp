#include "replicate/replicate_config.h"

#include <cmath>

#include "util/error.h"
#include "util/format.h"

namespace warp {

namespace {

void check_grid(const ReplicateScale& s, const std::vector<double>& g, const std::string& field, bool lambda) {
  const std::string where = "replicate scale " + s.name + ": " + field;
  for (size_t i = 0; i < g.size(); ++i) {
    if (!std::isfinite(g[i]) || g[i] < 0.0 || g[i] > 1.0)
      throw BadInput(where + " values must be in [0, 1], got " + format_number(g[i]));
    if (i > 0 && !(g[i] > g[i - 1]))
      throw BadInput(where + " must be sorted ascending without duplicates, got " + format_number(g[i - 1]) + " then " +
                     format_number(g[i]));
  }
  if (lambda) {
    if (g.size() < 3 || g.front() != 0.0 || g.back() != 1.0)
      throw BadInput(where + " must hold 0, 1 and at least one interior value, got " + std::to_string(g.size()) +
                     " values");
  }
}

}  // namespace

void ReplicateScale::validate() const {
  const std::string where = "replicate scale " + name + ": ";
  auto positive = [&](int64_t v, const char* field) {
    if (v <= 0) throw BadInput(where + field + " must be > 0, got " + std::to_string(v));
  };
  positive(steps, "steps");
  positive(batch, "batch");
  positive(eval_every, "eval_every");
  positive(ckpt_every, "ckpt_every");
  if (eval_prompts < 0) throw BadInput(where + "eval_prompts must be >= 0, got " + std::to_string(eval_prompts));
  if (sft_betas.empty()) throw BadInput(where + "sft_betas must not be empty");
  for (size_t i = 0; i < sft_betas.size(); ++i) {
    if (!std::isfinite(sft_betas[i]) || sft_betas[i] < 0)
      throw BadInput(where + "sft_betas values must be finite and >= 0, got " + format_number(sft_betas[i]));
    if (i > 0 && !(sft_betas[i] > sft_betas[i - 1]))
      throw BadInput(where + "sft_betas must be sorted ascending without duplicates");
  }
  check_grid(*this, lambda_grid, "lambda_grid", true);
  check_grid(*this, eta_grid, "eta_grid", false);
  if (ema_runs < 2 || ema_runs > 8)
    throw BadInput(where + "ema_runs must be in [2, 8], got " + std::to_string(ema_runs));
  if (iterations < 1 || iterations > 10)
    throw BadInput(where + "iterations must be in [1, 10], got " + std::to_string(iterations));
  if (warm_members != 0 && (warm_members < 2 || warm_members > 16))
    throw BadInput(where + "warm_members must be 0 (no WARM check) or in [2, 16], got " + std::to_string(warm_members));
  if (!warm_rm.is_object()) throw BadInput(where + "warm_rm must be a JSON object of rm settings");
}

nlohmann::json ReplicateScale::to_json() const {
  return {{"name", name},
          {"steps", steps},
          {"batch", batch},
          {"eval_every", eval_every},
          {"eval_prompts", eval_prompts},
          {"ckpt_every", ckpt_every},
          {"sft_betas", sft_betas},
          {"lambda_grid", lambda_grid},
          {"eta_grid", eta_grid},
          {"ema_runs", ema_runs},
          {"iterations", iterations},
          {"warm_members", warm_members},
          {"warm_rm", warm_rm}};
}

std::vector<std::string> replicate_scale_names() { return {"smoke", "demo", "full"}; }

ReplicateScale replicate_scale(const std::string& name) {
  ReplicateScale s;
  s.name = name;
  if (name == "test") {
    s.steps = 3;
    s.batch = 2;
    s.eval_every = 3;
    s.eval_prompts = 4;
    s.ckpt_every = 3;
    s.lambda_grid = {0.0, 0.5, 1.0};
    s.eta_grid = {0.0, 0.3, 1.0};
    s.warm_rm = {{"pairs", 16},        {"heldout_fraction", 0.25},
                 {"keep_ties", true},  {"max_new_tokens", 8},
                 {"sample_batch", 16}, {"steps", 4},
                 {"batch", 4},         {"warmup", 1},
                 {"eval_every", 2},    {"ckpt_every", 2}};
  } else if (name == "smoke") {
    s.steps = 30;
    s.batch = 8;
    s.eval_every = 10;
    s.eval_prompts = 32;
    s.ckpt_every = 10;
    s.lambda_grid = {0.0, 0.5, 1.0};
    s.warm_rm = {{"pairs", 48}, {"steps", 20}, {"eval_every", 10}, {"ckpt_every", 10}};
  } else if (name == "demo") {
    s.steps = 200;
    s.batch = 32;
    s.eval_every = 25;
    s.eval_prompts = 128;
    s.ckpt_every = 50;
    s.lambda_grid = {0.0, 0.25, 0.5, 0.75, 1.0};
  } else if (name == "full") {
    s.steps = 2000;
    s.batch = 64;
    s.eval_every = 100;
    s.eval_prompts = 0;
    s.ckpt_every = 200;
    s.lambda_grid = {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0};
    s.iterations = 3;
    s.warm_members = 4;
  } else {
    std::string known;
    for (const auto& n : replicate_scale_names()) known += (known.empty() ? "" : ", ") + n;
    throw BadInput("unknown replicate scale '" + name + "' (known: " + known + ")");
  }
  s.validate();
  return s;
}

std::string format_grid_value(double v) { return format_significant(v, 4); }

}  // namespace warp
