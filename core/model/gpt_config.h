#pragma once
// Hyperparameters of the GPT-2-architecture policy. Saved (as JSON) in every checkpoint.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace warp {

struct GPTConfig {
  int64_t n_layer = 4;        // transformer blocks
  int64_t n_head = 4;         // attention heads; n_embd % n_head == 0
  int64_t n_embd = 128;       // channels C
  int64_t n_ctx = 128;        // context length (learned positions)
  int64_t vocab_size = 2048;  // V
  double dropout = 0.0;       // dropout on embeddings, attention and residual paths (training only)
  double layer_norm_eps = 1e-5;

  // Throws BadInput naming the field for sizes <= 0, n_embd % n_head != 0, dropout outside [0,1).
  void validate() const;
  nlohmann::json to_json() const;
  // Reads the fields above; `where` names the source (a file) in error messages. Unknown keys are
  // ignored, missing keys are an error.
  static GPTConfig from_json(const nlohmann::json& j, const std::string& where);
  int64_t head_size() const { return n_embd / n_head; }
  // Number of parameters (the LM head is tied to the token embedding and not counted twice).
  int64_t num_params() const;
  bool operator==(const GPTConfig& o) const;
};

}  // namespace warp
