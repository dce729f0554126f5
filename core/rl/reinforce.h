#pragma once
// The KL-regularized REINFORCE objective of one step (DESIGN §5), as plain tensor functions.
//
// Dimension legend: N completions of the step (rows: prompt-major, row = p·G + g for G completions
// per prompt), K completion slots.
//
//   kl_anchor_n = Σ_t m_nt [log π_θ(y_t|…) − log π_anchor(y_t|…)]         (sampled log-ratio)
//   r_β,n       = r_n − β · kl_anchor_n                                    (no gradient)
//   b_n         = baseline of r_β (below)                                  (no gradient)
//   loss        = − (1/N) Σ_n (r_β,n − b_n) · Σ_t m_nt log π_θ(y_nt|…)
// so ∇loss = − (1/N) Σ_n (r_β,n − b_n) Σ_t m_nt ∇ log π_θ(y_nt|…), the REINFORCE estimate of
// −∇ E[r_β]. Every log-probability is of the temperature-τ distribution that was sampled
// (model/token_stats.h). m is the sampler's mask (true up to and including EOS).
//
// Baselines:
//   mean  b_n = (1/N) Σ_m r_β,m (the batch mean, whatever G is).
//   rloo  leave-one-out within a group: b_n = (Σ_{m ∈ group(n)} r_β,m − r_β,n) / (|group| − 1).
//         With G ≥ 2 completions per prompt the group is the prompt's G completions (the RLOO of
//         Ahmadian et al. 2024); with G = 1 the group is the whole batch (N ≥ 2). Unlike the
//         mean baseline, b_n does not depend on r_β,n, so the estimate stays unbiased.

#include <cstdint>
#include <string>

#include <torch/types.h>

namespace warp {

enum class Baseline { Mean, Rloo };

// "mean" / "rloo"; BadInput otherwise.
Baseline parse_baseline(const std::string& text);
const char* to_string(Baseline b);

// r_β = r − β · kl_anchor: reward [N], kl_anchor [N] -> [N] (detached).
torch::Tensor kl_regularized_reward(const torch::Tensor& reward, const torch::Tensor& kl_anchor, double beta);

// b [N] for r_β [N]; group_size G as above (N % G == 0; rloo needs a group of >= 2 rows).
// BadInput otherwise.
torch::Tensor reward_baseline(const torch::Tensor& r_beta, Baseline kind, int64_t group_size);

// The surrogate loss (a scalar): advantage [N] (detached inside), logp [N, K] per-token
// log-probabilities that carry the gradient, mask [N, K] bool.
torch::Tensor reinforce_loss(const torch::Tensor& advantage, const torch::Tensor& logp, const torch::Tensor& mask);

}  // namespace warp
