#include "model/gpt_params.h"

namespace warp {

std::vector<ParamSpec> gpt_param_specs(const GPTConfig& c) {
  const int64_t C = c.n_embd;
  std::vector<ParamSpec> s;
  s.push_back({"wte.weight", {c.vocab_size, C}});
  s.push_back({"wpe.weight", {c.n_ctx, C}});
  for (int64_t i = 0; i < c.n_layer; ++i) {
    const std::string p = "h." + std::to_string(i) + ".";
    s.push_back({p + "ln_1.weight", {C}});
    s.push_back({p + "ln_1.bias", {C}});
    s.push_back({p + "attn.c_attn.weight", {3 * C, C}});
    s.push_back({p + "attn.c_attn.bias", {3 * C}});
    s.push_back({p + "attn.c_proj.weight", {C, C}});
    s.push_back({p + "attn.c_proj.bias", {C}});
    s.push_back({p + "ln_2.weight", {C}});
    s.push_back({p + "ln_2.bias", {C}});
    s.push_back({p + "mlp.c_fc.weight", {4 * C, C}});
    s.push_back({p + "mlp.c_fc.bias", {4 * C}});
    s.push_back({p + "mlp.c_proj.weight", {C, 4 * C}});
    s.push_back({p + "mlp.c_proj.bias", {C}});
  }
  s.push_back({"ln_f.weight", {C}});
  s.push_back({"ln_f.bias", {C}});
  return s;
}

}  // namespace warp
