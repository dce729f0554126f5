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
    for (const std::string& key : {std::string(kFields[i]), std::string(kFields[i]) + "_se"}) {
      if (!j.contains(key) || !j.at(key).is_number())
        throw BadInput(where + ": field '" + key + "' is missing or not a number");
    }
    v[i]->mean = j.at(kFields[i]).get<double>();
    v[i]->se = j.at(std::string(kFields[i]) + "_se").get<double>();
  }
  return p;
}

const std::vector<double>& PromptValues::column(const std::string& name) const {
  if (name == "reward") return reward;
  if (name == "gold") return gold;
  if (name == "kl_sft") return kl_sft;
  if (name == "kl_sft_sampled") return kl_sft_sampled;
  if (name == "length") return length;
  throw BadInput("per-prompt values: no column '" + name + "'");
}

nlohmann::json PromptValues::to_json() const {
  nlohmann::json j = {{"prompt_index", prompt_index}, {"seed", seed}};
  const std::vector<double>* cols[] = {&reward, &gold, &kl_sft, &kl_sft_sampled, &length};
  for (size_t f = 0; f < 5; ++f) {
    nlohmann::json a = nlohmann::json::array();
    for (double v : *cols[f]) a.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json());
    j[kFields[f]] = a;
  }
  return j;
}

PromptValues PromptValues::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw BadInput(where + ": per-prompt values must be a JSON object");
  PromptValues v;
  auto array = [&](const char* key) -> const nlohmann::json& {
    if (!j.contains(key) || !j.at(key).is_array())
      throw BadInput(where + ": per-prompt values lack the array '" + key + "'");
    return j.at(key);
  };
  for (const auto& x : array("prompt_index")) {
    if (!x.is_number_integer()) throw BadInput(where + ": prompt_index holds a non-integer");
    v.prompt_index.push_back(x.get<int64_t>());
  }
  for (const auto& x : array("seed")) {
    if (!x.is_number_unsigned() && !(x.is_number_integer() && x.get<int64_t>() >= 0))
      throw BadInput(where + ": seed holds a value that is not an unsigned integer");
    v.seed.push_back(x.get<uint64_t>());
  }
  if (v.seed.size() != v.prompt_index.size())
    throw BadInput(where + ": seed has " + std::to_string(v.seed.size()) + " entries, prompt_index " +
                   std::to_string(v.prompt_index.size()));
  std::vector<double>* cols[] = {&v.reward, &v.gold, &v.kl_sft, &v.kl_sft_sampled, &v.length};
  for (size_t f = 0; f < 5; ++f) {
    for (const auto& x : array(kFields[f])) {
      if (x.is_null()) cols[f]->push_back(std::nan(""));
      else if (x.is_number()) cols[f]->push_back(x.get<double>());
      else throw BadInput(where + ": " + kFields[f] + " holds a value that is not a number");
    }
    if (cols[f]->size() != v.prompt_index.size())
      throw BadInput(where + ": " + kFields[f] + " has " + std::to_string(cols[f]->size()) + " entries, prompt_index " +
                     std::to_string(v.prompt_index.size()));
  }
  return v;
}

}  // namespace warp
