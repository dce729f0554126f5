#include "rl/reinforce.h"

#include <torch/torch.h>

#include "model/shape.h"
#include "model/token_stats.h"
#include "util/error.h"

namespace warp {

Baseline parse_baseline(const std::string& text) {
  if (text == "mean") return Baseline::Mean;
  if (text == "rloo") return Baseline::Rloo;
  throw BadInput("unknown baseline '" + text + "' (expected mean or rloo)");
}

const char* to_string(Baseline b) { return b == Baseline::Mean ? "mean" : "rloo"; }

torch::Tensor kl_regularized_reward(const torch::Tensor& reward, const torch::Tensor& kl_anchor, double beta) {
  if (reward.dim() != 1 || !reward.sizes().equals(kl_anchor.sizes()))
    throw BadInput("kl_regularized_reward: reward [N] and kl_anchor [N] expected, got " + shape_of(reward) + " and " +
                   shape_of(kl_anchor));
  return (reward - beta * kl_anchor).detach();  // [N]
}

torch::Tensor reward_baseline(const torch::Tensor& r_beta, Baseline kind, int64_t group_size) {
  if (r_beta.dim() != 1 || r_beta.size(0) == 0)
    throw BadInput("reward_baseline: r_beta [N] with N > 0 expected, got " + shape_of(r_beta));
  const int64_t N = r_beta.size(0);
  auto r = r_beta.detach();
  if (kind == Baseline::Mean) return r.mean().expand({N}).contiguous();  // [N]
  const int64_t G = group_size == 1 ? N : group_size;
  if (G < 2 || N % G != 0)
    throw BadInput("reward_baseline: rloo needs groups of >= 2 rows dividing N = " + std::to_string(N) +
                   ", got group size " + std::to_string(G));
  auto groups = r.view({N / G, G});                                                       // [N/G, G]
  auto others = (groups.sum(1, /*keepdim=*/true) - groups) / static_cast<double>(G - 1);  // [N/G, G]
  return others.reshape({N});                                                             // [N]
}

torch::Tensor reinforce_loss(const torch::Tensor& advantage, const torch::Tensor& logp, const torch::Tensor& mask) {
  if (logp.dim() != 2 || advantage.dim() != 1 || advantage.size(0) != logp.size(0))
    throw BadInput("reinforce_loss: advantage [N] and logp [N, K] expected, got " + shape_of(advantage) + " and " +
                   shape_of(logp));
  auto seq_logp = masked_row_sum(logp, mask);                                 // [N], carries the gradient
  return -(advantage.detach().to(seq_logp.scalar_type()) * seq_logp).mean();  // scalar
}

}  // namespace warp
