#include "model/gpt_config.h"

#include "util/error.h"

namespace warp {

void GPTConfig::validate() const {
  auto positive = [](const char* name, int64_t v) {
    if (v <= 0) throw BadInput(std::string("model config: ") + name + " must be > 0, got " + std::to_string(v));
  };
  positive("n_layer", n_layer);
  positive("n_head", n_head);
  positive("n_embd", n_embd);
  positive("n_ctx", n_ctx);
  positive("vocab_size", vocab_size);
  if (n_embd % n_head != 0)
    throw BadInput("model config: n_embd (" + std::to_string(n_embd) + ") must be divisible by n_head (" +
                   std::to_string(n_head) + ")");
  if (!(dropout >= 0.0 && dropout < 1.0))
    throw BadInput("model config: dropout must be in [0, 1), got " + std::to_string(dropout));
  if (!(layer_norm_eps > 0.0))
    throw BadInput("model config: layer_norm_eps must be > 0, got " + std::to_string(layer_norm_eps));
  // Guard against absurd sizes from untrusted files (2^40 parameters would not fit anywhere).
  if (n_layer > 1024 || n_embd > 65536 || n_ctx > 1 << 20 || vocab_size > 1 << 24)
    throw BadInput(
        "model config: sizes out of the supported range (n_layer <= 1024, n_embd <= 65536, "
        "n_ctx <= 2^20, vocab_size <= 2^24)");
}

nlohmann::json GPTConfig::to_json() const {
  return {{"n_layer", n_layer},
          {"n_head", n_head},
          {"n_embd", n_embd},
          {"n_ctx", n_ctx},
          {"vocab_size", vocab_size},
          {"dropout", dropout},
          {"layer_norm_eps", layer_norm_eps}};
}

GPTConfig GPTConfig::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw BadInput(where + ": model config is not a JSON object");
  GPTConfig c;
  auto get_int = [&](const char* key, int64_t& out) {
    if (!j.contains(key)) throw BadInput(where + ": model config has no field '" + key + "'");
    const auto& v = j.at(key);
    if (!v.is_number_integer()) throw BadInput(where + ": model config field '" + key + "' is not an integer");
    out = v.get<int64_t>();
  };
  get_int("n_layer", c.n_layer);
  get_int("n_head", c.n_head);
  get_int("n_embd", c.n_embd);
  get_int("n_ctx", c.n_ctx);
  get_int("vocab_size", c.vocab_size);
  if (j.contains("dropout")) {
    if (!j.at("dropout").is_number()) throw BadInput(where + ": model config field 'dropout' is not a number");
    c.dropout = j.at("dropout").get<double>();
  }
  if (j.contains("layer_norm_eps")) {
    if (!j.at("layer_norm_eps").is_number())
      throw BadInput(where + ": model config field 'layer_norm_eps' is not a number");
    c.layer_norm_eps = j.at("layer_norm_eps").get<double>();
  }
  try {
    c.validate();
  } catch (const BadInput& e) {
    throw BadInput(where + ": " + e.what());
  }
  return c;
}

int64_t GPTConfig::num_params() const {
  const int64_t C = n_embd;
  const int64_t per_block = 2 * C /*ln_1*/ + (3 * C * C + 3 * C) /*c_attn*/ + (C * C + C) /*attn c_proj*/ +
                            2 * C /*ln_2*/ + (4 * C * C + 4 * C) /*c_fc*/ + (4 * C * C + C) /*mlp c_proj*/;
  return vocab_size * C + n_ctx * C + n_layer * per_block + 2 * C;
}

bool GPTConfig::operator==(const GPTConfig& o) const {
  return n_layer == o.n_layer && n_head == o.n_head && n_embd == o.n_embd && n_ctx == o.n_ctx &&
         vocab_size == o.vocab_size && dropout == o.dropout && layer_norm_eps == o.layer_norm_eps;
}

}  // namespace warp
