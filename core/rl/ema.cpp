#include "rl/ema.h"

#include <torch/torch.h>

#include "util/error.h"

namespace warp {

void ema_update(const NamedTensors& ema, const NamedTensors& params, double mu) {
  if (!(mu > 0 && mu <= 1)) throw BadInput("ema_update: mu must be in (0, 1], got " + std::to_string(mu));
  if (ema.size() != params.size())
    throw BadInput("ema_update: " + std::to_string(ema.size()) + " anchor tensors for " +
                   std::to_string(params.size()) + " parameters");
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < ema.size(); ++i) {
    const auto& [name, e] = ema[i];
    const auto& [pname, p] = params[i];
    if (name != pname || !e.sizes().equals(p.sizes()))
      throw BadInput("ema_update: anchor tensor '" + name + "' does not match parameter '" + pname + "'");
    e.mul_(1.0 - mu).add_(p, mu);  // θ_ema = (1 − μ) θ_ema + μ θ
  }
}

}  // namespace warp
