#include "workbench/merge_recipe.h"

#include <cmath>

#include "util/error.h"
#include "util/format.h"
#include "util/json_fields.h"
#include "util/sha256.h"

namespace warp {

void MergeRecipe::validate() const {
  if (method != MergeMethod::Slerp && method != MergeMethod::Lerp)
    throw BadInput("merge recipe: method must be slerp or lerp, got " + merge_method_name(method));
  if (!(std::isfinite(lambda) && lambda >= 0.0 && lambda <= 1.0))
    throw BadInput("merge recipe: λ (lambda) must be in [0, 1], got " + format_significant(lambda, 17));
  if (!(std::isfinite(eta) && eta >= 0.0 && eta <= 1.0))
    throw BadInput("merge recipe: η (eta) must be in [0, 1], got " + format_significant(eta, 17));
  if (granularity == MergeGranularity::Layer && method != MergeMethod::Slerp)
    throw BadInput("merge recipe: granularity layer applies to slerp only, got method " + merge_method_name(method));
  if (eta_mode != EtaMode::TowardInit && eta_mode != EtaMode::TowardSft)
    throw BadInput("merge recipe: unknown η mode " + std::to_string(static_cast<int>(eta_mode)));
}

nlohmann::json MergeRecipe::to_json() const {
  nlohmann::json j = {
      {"method", merge_method_name(method)}, {"lambda", lambda}, {"eta", eta}, {"eta_mode", eta_mode_name(eta_mode)}};
  if (granularity == MergeGranularity::Layer) j["granularity"] = merge_granularity_name(granularity);
  return j;
}

MergeRecipe MergeRecipe::from_json(const nlohmann::json& j, const std::string& where) {
  MergeRecipe r;
  JsonFields f(j, where);
  std::string method = merge_method_name(r.method), mode = eta_mode_name(r.eta_mode),
              granularity = merge_granularity_name(r.granularity);
  f.get("method", method);
  f.get("lambda", r.lambda);
  f.get("eta", r.eta);
  f.get("eta_mode", mode);
  f.get("granularity", granularity);
  f.done();
  try {
    r.method = parse_merge_method(method);
    r.eta_mode = parse_eta_mode(mode);
    r.granularity = parse_merge_granularity(granularity);
    r.validate();
  } catch (const BadInput& e) {
    throw BadInput(where + ": " + e.what());
  }
  return r;
}

bool MergeRecipe::operator==(const MergeRecipe& o) const {
  return method == o.method && lambda == o.lambda && eta == o.eta && eta_mode == o.eta_mode &&
         granularity == o.granularity;
}

const char* eta_mode_name(MergeRecipe::EtaMode mode) {
  return mode == MergeRecipe::EtaMode::TowardSft ? "toward_sft" : "toward_init";
}

MergeRecipe::EtaMode parse_eta_mode(const std::string& name) {
  if (name == "toward_init") return MergeRecipe::EtaMode::TowardInit;
  if (name == "toward_sft") return MergeRecipe::EtaMode::TowardSft;
  throw BadInput("unknown η mode '" + name + "' (choose toward_init or toward_sft)");
}

double round_recipe_value(double v) { return std::round(v * 1e6) / 1e6; }

MergeRecipe normalize_recipe(const MergeRecipe& recipe) {
  recipe.validate();
  MergeRecipe r = recipe;
  r.lambda = round_recipe_value(r.lambda);
  r.eta = round_recipe_value(r.eta);
  return r;
}

nlohmann::json recipe_key_json(const MergeRecipe& recipe, const std::string& init_sha256,
                               const std::vector<std::string>& model_sha256, const std::string& sft_sha256) {
  const MergeRecipe r = normalize_recipe(recipe);
  nlohmann::json j = {{"version", 1},
                      {"init_sha256", init_sha256},
                      {"model_sha256", model_sha256},
                      {"method", merge_method_name(r.method)},
                      {"eta", r.eta},
                      {"eta_mode", eta_mode_name(r.eta_mode)}};
  if (model_sha256.size() == 2) j["lambda"] = r.lambda;
  if (r.eta_mode == MergeRecipe::EtaMode::TowardSft) j["sft_sha256"] = sft_sha256;
  if (r.granularity == MergeGranularity::Layer) j["granularity"] = merge_granularity_name(r.granularity);
  return j;
}

MergeRecipe recipe_from_key_json(const nlohmann::json& key, const std::string& where) {
  if (!key.is_object()) throw BadInput(where + ": a recipe key is a JSON object, got " + key.dump());
  nlohmann::json fields = nlohmann::json::object();
  for (const char* k : {"method", "lambda", "eta", "eta_mode", "granularity"})
    if (key.contains(k)) fields[k] = key.at(k);
  for (const char* k : {"method", "eta", "eta_mode"})
    if (!fields.contains(k)) throw BadInput(where + ": the recipe key has no '" + std::string(k) + "'");
  return MergeRecipe::from_json(fields, where);
}

std::string key_sha256(const nlohmann::json& j) {
  const std::string text = j.dump();
  return sha256_hex(text.data(), text.size());
}

}  // namespace warp
