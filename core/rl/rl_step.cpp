#include "rl/rl_step.h"

#include <chrono>
#include <cmath>
#include <utility>

#include <torch/torch.h>

#include "model/sampler.h"
#include "model/token_stats.h"
#include "reward/sample_scores.h"
#include "rl/ema.h"
#include "store/gpt_checkpoint.h"
#include "util/error.h"

namespace warp {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point& t) {
  const auto now = Clock::now();
  const double s = std::chrono::duration<double>(now - t).count();
  t = now;
  return s;
}

}  // namespace

RlStep::RlStep(GPT policy, GPT anchor, GPT sft, AdamW& optimizer, Reward& reward, Reward* gold,
               const BpeTokenizer* tokenizer, const RlStepOptions& options, torch::Device device)
    : policy_(std::move(policy)),
      anchor_(std::move(anchor)),
      sft_(std::move(sft)),
      optimizer_(optimizer),
      reward_(reward),
      gold_(gold),
      tokenizer_(tokenizer),
      options_(options),
      device_(device) {
  if (!(policy_->config() == anchor_->config()) || !(policy_->config() == sft_->config()))
    throw BadInput("rl step: the policy, anchor and SFT models must share one model config");
  if (options_.samples_per_prompt <= 0)
    throw BadInput("rl step: samples_per_prompt must be > 0, got " + std::to_string(options_.samples_per_prompt));
  policy_->eval();
  anchor_->eval();
  sft_->eval();
  policy_params_ = named_params(*policy_);
  anchor_params_ = named_params(*anchor_);
  for (auto& [name, t] : anchor_params_) t.set_requires_grad(false);
  if (sft_.ptr() != anchor_.ptr())
    for (auto& item : sft_->named_parameters()) item.value().set_requires_grad(false);
}

RlStepStats RlStep::run(const std::vector<std::vector<int64_t>>& prompt_ids,
                        const std::vector<std::string>& prompt_texts, const std::vector<uint64_t>& seeds, double lr,
                        double mu) {
  const int64_t Np = static_cast<int64_t>(prompt_ids.size());
  const int64_t G = options_.samples_per_prompt;
  const int64_t N = Np * G;
  if (Np == 0) throw BadInput("rl step: no prompts");
  if (!prompt_texts.empty() && static_cast<int64_t>(prompt_texts.size()) != Np)
    throw BadInput("rl step: " + std::to_string(prompt_texts.size()) + " prompt texts for " + std::to_string(Np) +
                   " prompts");
  if (static_cast<int64_t>(seeds.size()) != N)
    throw BadInput("rl step: " + std::to_string(seeds.size()) + " seeds for " + std::to_string(N) +
                   " rows (prompts x samples_per_prompt)");
  RlStepStats st;
  const auto t_start = Clock::now();
  auto t = t_start;

  // 1. sample: rows p·G + g.
  std::vector<std::vector<int64_t>> rows;
  rows.reserve(static_cast<size_t>(N));
  for (const auto& p : prompt_ids)
    for (int64_t g = 0; g < G; ++g) rows.push_back(p);
  SampleOptions so;
  so.temperature = options_.temperature;
  so.max_new_tokens = options_.max_new_tokens;
  so.eos_id = options_.eos_id;
  SampleResult s = sample(policy_, rows, seeds, so, device_);  // tokens, mask [N, K]
  st.times.sample = seconds_since(t);

  // 2. reward.
  std::vector<std::string> row_prompts;
  row_prompts.reserve(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n)
    row_prompts.push_back(prompt_texts.empty() ? std::string() : prompt_texts[static_cast<size_t>(n / G)]);
  const SampleScores sc =
      score_samples(s, std::move(row_prompts), tokenizer_, options_.eos_id, reward_, gold_, "rl step");
  const auto float_opts = torch::TensorOptions().dtype(torch::kFloat64);
  auto reward = torch::tensor(sc.reward, float_opts).to(device_, torch::kFloat32);  // [N]
  auto gold = torch::tensor(sc.gold, float_opts);                                   // [N] (host)
  st.times.reward = seconds_since(t);

  // 3-4. anchor and SFT log-probs of the sampled tokens, no gradient.
  torch::Tensor logp_anchor, logp_sft;  // [N, K]
  {
    torch::NoGradGuard no_grad;
    logp_anchor = gather_token_log_probs(
        completion_log_softmax(anchor_, s.prompt, s.prompt_mask, s.tokens, options_.temperature), s.tokens);
    st.times.anchor = seconds_since(t);
    logp_sft =
        sft_.ptr() == anchor_.ptr()
            ? logp_anchor
            : gather_token_log_probs(
                  completion_log_softmax(sft_, s.prompt, s.prompt_mask, s.tokens, options_.temperature), s.tokens);
    st.times.sft = seconds_since(t);
  }

  // 5. policy: log-probs with gradient, the objective, backward. The three models' log-probs come
  // from the same computation (model/token_stats.h), so identical weights give a log-ratio of exactly 0.
  auto logp_all =
      completion_log_softmax(policy_, s.prompt, s.prompt_mask, s.tokens, options_.temperature);  // [N, K, V]
  auto logp = gather_token_log_probs(logp_all, s.tokens);                                        // [N, K]
  torch::Tensor entropy, kl_anchor, kl_sft, r_beta, advantage;
  {
    torch::NoGradGuard no_grad;
    entropy = masked_row_sum(token_entropy(logp_all.detach()), s.mask).sum();  // scalar, Σ over tokens
    auto lp = logp.detach();
    kl_anchor = masked_row_sum(lp - logp_anchor, s.mask);                // [N]
    kl_sft = masked_row_sum(lp - logp_sft, s.mask);                      // [N]
    r_beta = kl_regularized_reward(reward, kl_anchor, options_.beta);    // [N]
    advantage = r_beta - reward_baseline(r_beta, options_.baseline, G);  // [N]
  }
  auto loss = reinforce_loss(advantage, logp, s.mask);  // scalar
  optimizer_.zero_grad();
  loss.backward();
  logp_all = torch::Tensor();
  st.times.policy = seconds_since(t);

  // 6. clip and update (not when the loss or the gradient is not finite).
  torch::Tensor grad_norm;
  if (options_.grad_clip > 0) {
    grad_norm = clip_grad_norm(policy_params_, options_.grad_clip);
  } else {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> norms;
    for (const auto& [name, p] : policy_params_)
      if (p.grad().defined()) norms.push_back(p.grad().norm(2).to(torch::kFloat64));
    grad_norm = norms.empty() ? torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device_))
                              : torch::stack(norms).norm(2);
  }
  {
    torch::NoGradGuard no_grad;
    const int64_t tokens = s.lengths.sum().item<int64_t>();
    auto host = torch::stack({loss.detach().to(torch::kFloat64), grad_norm.to(torch::kFloat64).reshape({}),
                              reward.mean().to(torch::kFloat64), r_beta.mean().to(torch::kFloat64),
                              kl_anchor.mean().to(torch::kFloat64), kl_sft.mean().to(torch::kFloat64),
                              entropy.to(torch::kFloat64), s.lengths.to(torch::kFloat64).mean()})
                    .to(torch::kCPU);
    const double* h = host.data_ptr<double>();
    st.loss = h[0];
    st.grad_norm = h[1];
    st.reward = h[2];
    st.reward_beta = h[3];
    st.kl_anchor = h[4];
    st.kl_sft = h[5];
    st.entropy = tokens > 0 ? h[6] / static_cast<double>(tokens) : 0.0;
    st.length = h[7];
    st.tokens = tokens;
    st.gold = gold.mean().item<double>();
  }
  st.finite = std::isfinite(st.loss) && std::isfinite(st.grad_norm);
  if (st.finite) optimizer_.step(lr);
  st.times.optimizer = seconds_since(t);

  // 7. EMA anchor.
  if (st.finite && mu > 0) ema_update(anchor_params_, policy_params_, mu);
  st.times.ema = seconds_since(t);

  if (st.finite) {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> sums;
    for (const auto& [name, p] : policy_params_) sums.push_back(p.sum());
    if (mu > 0)
      for (const auto& [name, p] : anchor_params_) sums.push_back(p.sum());
    st.weights_finite = std::isfinite(torch::stack(sums).sum().item<double>());
  }
  st.times.total = std::chrono::duration<double>(Clock::now() - t_start).count();
  return st;
}

}  // namespace warp
