#include "rl/ema.h"

#include <torch/torch.h>

#include "util/error.h"

namespace warp {

void ema_update(const NamedTensors& ema, const NamedTensors& params, double mu, TensorLoop loop) {
  if (!(mu > 0 && mu <= 1)) throw BadInput("ema_update: mu must be in (0, 1], got " + std::to_string(mu));
  if (ema.size() != params.size())
    throw BadInput("ema_update: " + std::to_string(ema.size()) + " anchor tensors for " +
                   std::to_string(params.size()) + " parameters");
  for (size_t i = 0; i < ema.size(); ++i) {
    const auto& [name, e] = ema[i];
    const auto& [pname, p] = params[i];
    if (name != pname || !e.sizes().equals(p.sizes()))
      throw BadInput("ema_update: anchor tensor '" + name + "' does not match parameter '" + pname + "'");
  }
  if (ema.empty()) return;
  torch::NoGradGuard no_grad;
  if (use_multi_tensor(loop, ema.front().second.device())) {
    std::vector<torch::Tensor> e, p;
    e.reserve(ema.size());
    p.reserve(params.size());
    for (size_t i = 0; i < ema.size(); ++i) {
      e.push_back(ema[i].second);
      p.push_back(params[i].second);
    }
    torch::_foreach_mul_(e, 1.0 - mu);
    torch::_foreach_add_(e, p, mu);
    return;
  }
  for (size_t i = 0; i < ema.size(); ++i)
    ema[i].second.mul_(1.0 - mu).add_(params[i].second, mu);  // (1 − μ) θ_ema + μ θ
}

}  // namespace warp
