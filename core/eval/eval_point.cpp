#include "eval/eval_point.h"

#include <cmath>

#include "util/error.h"

namespace warp {

MeanSe mean_and_se(const std::vector<double>& values) {
  MeanSe r;
  const size_t n = values.size();
  if (n == 0) return r;
  double sum = 0;
  for (double v : values) sum += v;
  r.mean = sum / static_cast<double>(n);
  if (n > 1) {
    double ss = 0;
    for (double v : values) ss += (v - r.mean) * (v - r.mean);
    r.se = std::sqrt(ss / static_cast<double>(n - 1)) / std::sqrt(static_cast<double>(n));
  }
  return r;
}

namespace {

const char* const kFields[] = {"reward", "gold", "kl_sft", "kl_sft_sampled", "length"};

}  // namespace

nlohmann::json EvalPoint::to_json() const {
  const MeanSe* v[] = {&reward, &gold, &kl_sft, &kl_sft_sampled, &length};
  nlohmann::json j = {{"prompts", prompts}};
  for (size_t i = 0; i < 5; ++i) {
    j[kFields[i]] = v[i]->mean;
    j[std::string(kFields[i]) + "_se"] = v[i]->se;
  }
  return j;
}

EvalPoint EvalPoint::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw BadInput(where + ": an evaluation point is a JSON object");
  EvalPoint p;
  if (!j.contains("prompts") || !j.at("prompts").is_number_integer())
    throw BadInput(where + ": field 'prompts' is missing or not an integer");
  p.prompts = j.at("prompts").get<int64_t>();
  MeanSe* v[] = {&p.reward, &p.gold, &p.kl_sft, &p.kl_sft_sampled, &p.length};
  for (size_t i = 0; i < 5; ++i) {
    for (const std::string key : {std::string(kFields[i]), std::string(kFields[i]) + "_se"}) {
      if (!j.contains(key) || !j.at(key).is_number())
        throw BadInput(where + ": field '" + key + "' is missing or not a number");
    }
    v[i]->mean = j.at(kFields[i]).get<double>();
    v[i]->se = j.at(std::string(kFields[i]) + "_se").get<double>();
  }
  return p;
}

}  // namespace warp
