#include "train/adamw.h"

#include <cmath>
#include <map>

#include <torch/torch.h>

#include "util/error.h"

namespace warp {

void AdamWConfig::validate() const {
  auto bad = [](const std::string& field, double v, const std::string& range) {
    throw BadInput("optimizer: " + field + " = " + std::to_string(v) + " is out of range (" + range + ")");
  };
  if (!(lr >= 0.0) || !std::isfinite(lr)) bad("lr", lr, ">= 0");
  if (!(beta1 >= 0.0 && beta1 < 1.0)) bad("beta1", beta1, "[0, 1)");
  if (!(beta2 >= 0.0 && beta2 < 1.0)) bad("beta2", beta2, "[0, 1)");
  if (!(eps > 0.0)) bad("eps", eps, "> 0");
  if (!(weight_decay >= 0.0) || !std::isfinite(weight_decay)) bad("weight_decay", weight_decay, ">= 0");
}

AdamW::AdamW(Named params, AdamWConfig config) : params_(std::move(params)), config_(config) {
  config_.validate();
  torch::NoGradGuard no_grad;
  for (const auto& [name, p] : params_) {
    m_.push_back(torch::zeros_like(p));
    v_.push_back(torch::zeros_like(p));
    decay_.push_back(p.dim() >= 2);
  }
}

void AdamW::zero_grad() {
  for (auto& [name, p] : params_) {
    auto& g = p.mutable_grad();
    if (g.defined()) g.zero_();
  }
}

bool use_multi_tensor(TensorLoop loop, const torch::Device& device) {
  if (loop == TensorLoop::automatic) return !device.is_cpu();
  return loop == TensorLoop::multi_tensor;
}

void AdamW::step(double lr) {
  torch::NoGradGuard no_grad;
  ++step_;
  const double bc1 = 1.0 - std::pow(config_.beta1, static_cast<double>(step_));
  const double bc2 = 1.0 - std::pow(config_.beta2, static_cast<double>(step_));
  const double step_size = lr / bc1;
  const double bc2_sqrt = std::sqrt(bc2);
  if (params_.empty()) return;
  if (use_multi_tensor(config_.loop, params_.front().second.device())) step_multi_tensor(lr, step_size, bc2_sqrt);
  else step_per_tensor(lr, step_size, bc2_sqrt);
}

void AdamW::step_per_tensor(double lr, double step_size, double bc2_sqrt) {
  const double b1 = config_.beta1, b2 = config_.beta2;
  for (size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i].second;
    const auto& g = p.grad();
    if (!g.defined()) continue;
    if (decay_[i] && config_.weight_decay != 0.0) p.mul_(1.0 - lr * config_.weight_decay);
    m_[i].mul_(b1).add_(g, 1.0 - b1);
    v_[i].mul_(b2).addcmul_(g, g, 1.0 - b2);
    // denom = sqrt(v)/sqrt(bc2) + eps, as torch.optim.AdamW computes it.
    auto denom = (v_[i].sqrt() / bc2_sqrt).add_(config_.eps);
    p.addcdiv_(m_[i], denom, -step_size);
  }
}

// The same operations as step_per_tensor, each one issued over all tensors that have a gradient.
void AdamW::step_multi_tensor(double lr, double step_size, double bc2_sqrt) {
  const double b1 = config_.beta1, b2 = config_.beta2;
  std::vector<torch::Tensor> p, g, m, v, decayed;
  for (size_t i = 0; i < params_.size(); ++i) {
    const auto& grad = params_[i].second.grad();
    if (!grad.defined()) continue;
    p.push_back(params_[i].second);
    g.push_back(grad);
    m.push_back(m_[i]);
    v.push_back(v_[i]);
    if (decay_[i]) decayed.push_back(params_[i].second);
  }
  if (p.empty()) return;
  if (!decayed.empty() && config_.weight_decay != 0.0) torch::_foreach_mul_(decayed, 1.0 - lr * config_.weight_decay);
  torch::_foreach_mul_(m, b1);
  torch::_foreach_add_(m, g, 1.0 - b1);
  torch::_foreach_mul_(v, b2);
  torch::_foreach_addcmul_(v, g, g, 1.0 - b2);
  auto denom = torch::_foreach_sqrt(v);
  torch::_foreach_div_(denom, bc2_sqrt);
  torch::_foreach_add_(denom, config_.eps);
  torch::_foreach_addcdiv_(p, m, denom, -step_size);
}

AdamW::Named AdamW::state() const {
  Named s;
  s.emplace_back("adamw.step", torch::tensor(step_, torch::kInt64));
  for (size_t i = 0; i < params_.size(); ++i) {
    s.emplace_back("adamw.m." + params_[i].first, m_[i].detach().cpu().clone());
    s.emplace_back("adamw.v." + params_[i].first, v_[i].detach().cpu().clone());
  }
  return s;
}

void AdamW::load_state(const Named& state, const std::string& where) {
  std::map<std::string, torch::Tensor> by_name(state.begin(), state.end());
  auto find = [&](const std::string& name) -> const torch::Tensor& {
    auto it = by_name.find(name);
    if (it == by_name.end()) throw BadInput(where + ": optimizer state has no tensor '" + name + "'");
    return it->second;
  };
  const auto& st = find("adamw.step");
  if (st.numel() != 1 || st.scalar_type() != torch::kInt64)
    throw BadInput(where + ": optimizer state 'adamw.step' must be one int64");
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    for (int which = 0; which < 2; ++which) {
      const std::string name = (which == 0 ? "adamw.m." : "adamw.v.") + params_[i].first;
      const auto& t = find(name);
      auto& dst = which == 0 ? m_[i] : v_[i];
      if (t.sizes() != dst.sizes() || t.scalar_type() != dst.scalar_type())
        throw BadInput(where + ": optimizer state '" + name + "' has shape " + c10::str(t.sizes()) + " " +
                       std::string(c10::toString(t.scalar_type())) + ", expected " + c10::str(dst.sizes()) + " " +
                       std::string(c10::toString(dst.scalar_type())));
      dst.copy_(t);
    }
  }
  step_ = st.item<int64_t>();
}

torch::Tensor clip_grad_norm(const AdamW::Named& params, double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads, norms;
  for (const auto& [name, p] : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return torch::zeros({}, torch::kFloat64);
  torch::Tensor total;
  if (use_multi_tensor(TensorLoop::automatic, grads.front().device())) {
    // One launch for all per-tensor norms on a GPU; the cast to float64 is exact, so casting the
    // stacked norms equals casting each.
    total = torch::stack(torch::_foreach_norm(grads, 2)).to(torch::kFloat64).norm(2);
  } else {
    for (const auto& g : grads) norms.push_back(g.norm(2).to(torch::kFloat64));
    total = torch::stack(norms).norm(2);
  }
  // coef = min(1, max_norm / (total + 1e-6)), applied without reading the value on the host.
  auto coef = (max_norm / (total + 1e-6)).clamp_max(1.0);
  torch::Tensor cast;  // coef in the gradients' dtype, cast once (not once per tensor)
  for (auto& g : grads) {
    if (!cast.defined() || cast.scalar_type() != g.scalar_type()) cast = coef.to(g.scalar_type());
    g.mul_(cast);
  }
  return total;
}

}  // namespace warp
