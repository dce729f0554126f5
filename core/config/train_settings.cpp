#include "config/train_settings.h"

#include <cmath>

#include "util/error.h"
#include "util/format.h"
#include "util/json_fields.h"

namespace warp {

namespace {

[[noreturn]] void bad(const std::string& section, const char* field, const char* flag, const std::string& rule,
                      const std::string& got) {
  throw BadInput(section + ": " + field + " (" + flag + ") " + rule + ", got " + got);
}

bool finite(double v) { return std::isfinite(v); }

}  // namespace

void RunSettings::read_fields(JsonFields& f) {
  f.get("seed", seed);
  f.get("threads", threads);
  f.get("device", device);
}

void RunSettings::write_fields(nlohmann::json& j) const {
  j["seed"] = seed;
  j["threads"] = threads;
  j["device"] = device;
}

void RunSettings::check_fields(const std::string& section) const {
  if (threads < 0) bad(section, "threads", "--threads", "must be >= 0", std::to_string(threads));
}

void TrainSettings::read_fields(JsonFields& f) {
  f.get("lr", lr);
  f.get("warmup", warmup);
  f.get("weight_decay", weight_decay);
  f.get("beta1", beta1);
  f.get("beta2", beta2);
  f.get("grad_clip", grad_clip);
  f.get("eval_every", eval_every);
  f.get("ckpt_every", ckpt_every);
  RunSettings::read_fields(f);
}

void TrainSettings::write_fields(nlohmann::json& j) const {
  j["lr"] = lr;
  j["warmup"] = warmup;
  j["weight_decay"] = weight_decay;
  j["beta1"] = beta1;
  j["beta2"] = beta2;
  j["grad_clip"] = grad_clip;
  j["eval_every"] = eval_every;
  j["ckpt_every"] = ckpt_every;
  RunSettings::write_fields(j);
}

void TrainSettings::check_fields(const std::string& section) const {
  if (!(lr > 0) || !finite(lr)) bad(section, "lr", "--lr", "must be > 0", format_number(lr));
  if (warmup < 0) bad(section, "warmup", "--warmup", "must be >= 0", std::to_string(warmup));
  if (!(weight_decay >= 0) || !finite(weight_decay))
    bad(section, "weight_decay", "--weight-decay", "must be >= 0", format_number(weight_decay));
  if (!(beta1 >= 0 && beta1 < 1)) bad(section, "beta1", "--adam-beta1", "must be in [0, 1)", format_number(beta1));
  if (!(beta2 >= 0 && beta2 < 1)) bad(section, "beta2", "--adam-beta2", "must be in [0, 1)", format_number(beta2));
  if (!(grad_clip >= 0) || !finite(grad_clip))
    bad(section, "grad_clip", "--grad-clip", "must be >= 0 (0: off)", format_number(grad_clip));
  if (eval_every <= 0) bad(section, "eval_every", "--eval-every", "must be > 0", std::to_string(eval_every));
  if (ckpt_every <= 0) bad(section, "ckpt_every", "--ckpt-every", "must be > 0", std::to_string(ckpt_every));
  RunSettings::check_fields(section);
}

}  // namespace warp
