#pragma once
// A merge workbench recipe (workbench/merge_workbench.h): SLERP (angle per tensor or per layer) or
// LERP of the M policies with λ, then LITI with η toward θ_init or toward θ_sft; and the JSON its
// cache key hashes.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merge/merge_methods.h"

namespace warp {

struct MergeRecipe {
  enum class EtaMode { TowardInit, TowardSft };
  MergeMethod method = MergeMethod::Slerp;  // Slerp or Lerp
  double lambda = 0.5;                      // ∈ [0,1]; M = 2 only
  double eta = 1.0;                         // ∈ [0,1]
  EtaMode eta_mode = EtaMode::TowardInit;
  MergeGranularity granularity = MergeGranularity::Tensor;  // slerp only: Ω per tensor or per layer

  // BadInput for another method, λ or η outside [0,1] or not finite, granularity layer with lerp.
  void validate() const;
  // {"method": "slerp", "lambda": 0.5, "eta": 0.3, "eta_mode": "toward_init"} (+ "granularity":
  // "layer" for a layer SLERP; absent for per tensor, so recipes stored before it read the same)
  nlohmann::json to_json() const;
  // Fields present override the defaults above; BadInput naming `where` and the field for a wrong
  // type, an unknown method or mode, an unknown field, or a value validate() refuses.
  static MergeRecipe from_json(const nlohmann::json& j, const std::string& where);
  bool operator==(const MergeRecipe& o) const;
};

// "toward_init" / "toward_sft"
const char* eta_mode_name(MergeRecipe::EtaMode mode);
// Inverse of eta_mode_name; BadInput naming the text otherwise.
MergeRecipe::EtaMode parse_eta_mode(const std::string& name);

// λ and η as the workbench uses and hashes them: rounded to a multiple of 1e-6 (so 0.3 stays the
// double 0.3, and two slider positions closer than 1e-6 are one point).
double round_recipe_value(double v);
// The recipe validated, with λ and η rounded (round_recipe_value).
MergeRecipe normalize_recipe(const MergeRecipe& recipe);

// The JSON a recipe's cache key is the SHA-256 of (its compact dump, keys sorted):
//   {"version": 1, "init_sha256", "model_sha256": [...] (input order), "method",
//    "lambda" (slerp/lerp with M = 2 only), "eta", "eta_mode", "sft_sha256" (toward_sft only),
//    "granularity": "layer" (layer SLERP only: per-tensor keys are as before)}
// with λ and η rounded. `recipe` is normalized here.
nlohmann::json recipe_key_json(const MergeRecipe& recipe, const std::string& init_sha256,
                               const std::vector<std::string>& model_sha256, const std::string& sft_sha256);
// The recipe a key JSON describes (the inverse of recipe_key_json, λ = 0.5 when M > 2 left it out).
// BadInput naming `where` for a JSON that is not a recipe key.
MergeRecipe recipe_from_key_json(const nlohmann::json& key, const std::string& where);
// SHA-256 (hex) of j.dump(): the cache key of a key JSON.
std::string key_sha256(const nlohmann::json& j);

}  // namespace warp
