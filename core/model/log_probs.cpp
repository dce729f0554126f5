#include "model/log_probs.h"

#include <string>

#include <torch/torch.h>

#include "model/shape.h"
#include "util/error.h"

namespace warp {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// log softmax(logits / τ)[target], row by row: logits [N, V], targets [N] -> [N].
struct TokenLogProbFn : public torch::autograd::Function<TokenLogProbFn> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& logits, const torch::Tensor& targets,
                               double temperature) {
    auto logp = torch::log_softmax(temperature == 1.0 ? logits : logits / temperature, -1);  // [N, V]
    ctx->save_for_backward({logp, targets});
    ctx->saved_data["temperature"] = temperature;
    return logp.gather(1, targets.unsqueeze(1)).squeeze(1);  // [N]
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const auto& logp = saved[0];     // [N, V]
    const auto& targets = saved[1];  // [N]
    const double temperature = ctx->saved_data["temperature"].toDouble();
    auto g = (grad_outputs[0] / temperature).unsqueeze(1);  // [N, 1]
    // (onehot(t) − softmax) · g / τ
    auto grad = logp.exp().mul_(g.neg());  // [N, V]
    grad.scatter_add_(1, targets.unsqueeze(1), g);
    return {grad, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor token_log_probs(const torch::Tensor& logits, const torch::Tensor& targets, double temperature) {
  if (!(temperature > 0.0))
    throw BadInput("token_log_probs: temperature must be > 0, got " + std::to_string(temperature));
  if (logits.dim() != targets.dim() + 1 || !logits.sizes().slice(0, targets.dim()).equals(targets.sizes()))
    throw BadInput("token_log_probs: logits " + shape_of(logits) + " do not match targets " + shape_of(targets) +
                   " (expected logits = targets + [V])");
  const int64_t V = logits.size(-1);
  auto flat = TokenLogProbFn::apply(logits.reshape({-1, V}), targets.reshape({-1}), temperature);  // [N]
  return flat.view(targets.sizes());
}

torch::Tensor lm_loss(const torch::Tensor& logits, const torch::Tensor& targets, const torch::Tensor& mask) {
  auto lp = token_log_probs(logits, targets);  // [...]
  if (!mask.defined()) return -lp.mean();
  if (!mask.sizes().equals(targets.sizes()))
    throw BadInput("lm_loss: mask " + shape_of(mask) + " does not match targets " + shape_of(targets));
  auto m = mask.to(lp.scalar_type());
  return -(lp * m).sum() / m.sum().clamp_min(1.0);
}

}  // namespace warp
