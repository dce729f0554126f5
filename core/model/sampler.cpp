#include "model/sampler.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>

#include <torch/torch.h>

#include "util/error.h"
#include "util/format.h"

namespace warp {

namespace {

// Puts the model in eval mode for the scope and restores its mode afterwards (also on exceptions).
class EvalModeGuard {
 public:
  explicit EvalModeGuard(GPT& model) : model_(model), was_training_(model->is_training()) { model_->eval(); }
  ~EvalModeGuard() { model_->train(was_training_); }
  EvalModeGuard(const EvalModeGuard&) = delete;
  EvalModeGuard& operator=(const EvalModeGuard&) = delete;

 private:
  GPT& model_;
  bool was_training_;
};

}  // namespace

// ---- options -----------------------------------------------------------------------------------

void SampleOptions::validate(int64_t vocab_size) const {
  if (!(temperature > 0.0) || !std::isfinite(temperature))
    throw BadInput("sampling option temperature must be > 0, got " + format_number(temperature));
  if (top_k < 0 || top_k > vocab_size)
    throw BadInput("sampling option top_k must be in [0, vocab_size=" + std::to_string(vocab_size) +
                   "] (0 = off), got " + std::to_string(top_k));
  if (!(top_p > 0.0 && top_p <= 1.0))
    throw BadInput("sampling option top_p must be in (0, 1], got " + format_number(top_p));
  if (eos_id < -1 || eos_id >= vocab_size)
    throw BadInput("sampling option eos_id must be -1 (none) or a token id in [0, " + std::to_string(vocab_size) +
                   "), got " + std::to_string(eos_id));
  if (max_new_tokens <= 0)
    throw BadInput("sampling option max_new_tokens must be > 0, got " + std::to_string(max_new_tokens));
}

nlohmann::json SampleOptions::to_json() const {
  return {{"temperature", temperature},
          {"top_k", top_k},
          {"top_p", top_p},
          {"eos_id", eos_id},
          {"max_new_tokens", max_new_tokens},
          {"use_kv_cache", use_kv_cache}};
}

SampleOptions SampleOptions::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw BadInput(where + ": sampling options are not a JSON object");
  SampleOptions o;
  auto num = [&](const char* key, double& out) {
    if (!j.contains(key)) return;
    if (!j.at(key).is_number()) throw BadInput(where + ": sampling option '" + key + "' is not a number");
    out = j.at(key).get<double>();
  };
  auto integer = [&](const char* key, int64_t& out) {
    if (!j.contains(key)) return;
    if (!j.at(key).is_number_integer()) throw BadInput(where + ": sampling option '" + key + "' is not an integer");
    out = j.at(key).get<int64_t>();
  };
  num("temperature", o.temperature);
  integer("top_k", o.top_k);
  num("top_p", o.top_p);
  integer("eos_id", o.eos_id);
  integer("max_new_tokens", o.max_new_tokens);
  if (j.contains("use_kv_cache")) {
    if (!j.at("use_kv_cache").is_boolean()) throw BadInput(where + ": sampling option 'use_kv_cache' is not a boolean");
    o.use_kv_cache = j.at("use_kv_cache").get<bool>();
  }
  return o;
}

// ---- one step ----------------------------------------------------------------------------------

std::vector<float> sample_uniforms(uint64_t seed, int64_t K) {
  std::mt19937_64 rng(seed);
  std::vector<float> u(static_cast<size_t>(std::max<int64_t>(K, 0)));
  // (top 24 bits + 1) / 2^24: in (0, 1], exact in float32. Never 0, so the inverse CDF never lands
  // on a token of probability 0.
  for (auto& x : u) x = static_cast<float>((rng() >> 40) + 1) * (1.0f / 16777216.0f);
  return u;
}

std::pair<torch::Tensor, torch::Tensor> sample_step(const torch::Tensor& logits, const torch::Tensor& u,
                                                    const SampleOptions& options) {
  // logits [B, V], u [B]
  const int64_t V = logits.size(-1);
  auto probs = torch::softmax(options.temperature == 1.0 ? logits : logits / options.temperature, -1);  // [B, V]
  // Candidates w [B, n] (unnormalised weights) with their token ids idx [B, n]; undefined idx = the
  // vocabulary in order (n = V).
  torch::Tensor w, idx;
  if (options.top_k > 0 && options.top_k < V) {
    std::tie(w, idx) = probs.topk(options.top_k, -1);  // sorted, most likely first
  } else if (options.top_p < 1.0) {
    std::tie(w, idx) = probs.sort(/*stable=*/true, -1, /*descending=*/true);
  } else {
    w = probs;
  }
  if (options.top_p < 1.0) {
    // Keep a sorted candidate when the (renormalised) mass before it is < top_p: the smallest
    // prefix with mass >= top_p; the most likely token is always kept.
    auto cdf = w.cumsum(-1);                                                   // [B, n]
    auto before = cdf - w;                                                     // [B, n]
    auto keep = before.lt(cdf.narrow(-1, w.size(-1) - 1, 1) * options.top_p);  // [B, n]
    w = w.masked_fill(keep.logical_not(), 0.0);
  }
  const int64_t n = w.size(-1);
  auto cdf = w.cumsum(-1);                                   // [B, n], non-decreasing
  auto total = cdf.narrow(-1, n - 1, 1);                     // [B, 1]
  auto target = u.to(w.scalar_type()).unsqueeze(1) * total;  // [B, 1], in (0, total]
  // First candidate whose cdf reaches the target: its weight is > 0 because target > 0.
  auto choice = torch::searchsorted(cdf, target.contiguous()).clamp_max(n - 1);  // [B, 1] int64
  auto log_prob = (w.gather(-1, choice).log() - total.log()).squeeze(1);         // [B]
  auto token = (idx.defined() ? idx.gather(-1, choice) : choice).squeeze(1);     // [B]
  return {token, log_prob};
}

// ---- the loop ----------------------------------------------------------------------------------

SampleResult sample(GPT& model, const std::vector<std::vector<int64_t>>& prompts, const std::vector<uint64_t>& seeds,
                    const SampleOptions& options, torch::Device device, torch::Tensor* step_logits) {
  const GPTConfig& cfg = model->config();
  options.validate(cfg.vocab_size);
  const int64_t B = static_cast<int64_t>(prompts.size());
  const int64_t K = options.max_new_tokens;
  if (B == 0) throw BadInput("sample: no prompts");
  if (static_cast<int64_t>(seeds.size()) != B)
    throw BadInput("sample: " + std::to_string(seeds.size()) + " seeds for " + std::to_string(B) +
                   " prompts (need one seed per prompt)");
  const torch::Device model_device = model->wte->weight.device();
  if (model_device.type() != device.type() || (device.has_index() && device.index() != model_device.index()))
    throw Error("sample: the model's parameters are on " + model_device.str() + ", sampling asked for " + device.str());
  device = model_device;  // "cuda" names the model's own CUDA device
  if (K >= cfg.n_ctx)
    throw BadInput("sampling option max_new_tokens (" + std::to_string(K) +
                   ") leaves no room for a prompt in n_ctx=" + std::to_string(cfg.n_ctx));
  int64_t P = 0, P_min = cfg.n_ctx;
  for (int64_t b = 0; b < B; ++b) {
    const auto& p = prompts[b];
    if (p.empty()) throw BadInput("sample: prompt " + std::to_string(b) + " is empty");
    if (static_cast<int64_t>(p.size()) > cfg.n_ctx - K)
      throw BadInput("sample: prompt " + std::to_string(b) + " has " + std::to_string(p.size()) +
                     " tokens, more than n_ctx - max_new_tokens = " + std::to_string(cfg.n_ctx) + " - " +
                     std::to_string(K) + " = " + std::to_string(cfg.n_ctx - K));
    for (size_t i = 0; i < p.size(); ++i)
      if (p[i] < 0 || p[i] >= cfg.vocab_size)
        throw BadInput("sample: prompt " + std::to_string(b) + " token " + std::to_string(i) + " has id " +
                       std::to_string(p[i]) + ", outside the vocabulary [0, " + std::to_string(cfg.vocab_size) + ")");
    P = std::max<int64_t>(P, static_cast<int64_t>(p.size()));
    P_min = std::min<int64_t>(P_min, static_cast<int64_t>(p.size()));
  }
  const bool padded = P_min < P;  // without padding the plain causal mask suffices (cheaper)

  // Host-side inputs, uploaded once: left-padded prompts, masks, positions, per-row uniforms.
  auto prompt_h = torch::zeros({B, P}, torch::kLong);
  auto mask_h = torch::zeros({B, P}, torch::kBool);
  auto pos_h = torch::zeros({B, P + K}, torch::kLong);  // prompt slots, then the K generated tokens
  auto u_h = torch::empty({B, K}, torch::kFloat);
  {
    auto pa = prompt_h.accessor<int64_t, 2>();
    auto ma = mask_h.accessor<bool, 2>();
    auto qa = pos_h.accessor<int64_t, 2>();
    auto ua = u_h.accessor<float, 2>();
    for (int64_t b = 0; b < B; ++b) {
      const auto& p = prompts[b];
      const int64_t n = static_cast<int64_t>(p.size()), pad = P - n;
      for (int64_t i = 0; i < n; ++i) {
        pa[b][pad + i] = p[i];
        ma[b][pad + i] = true;
        qa[b][pad + i] = i;
      }
      for (int64_t k = 0; k < K; ++k) qa[b][P + k] = n + k;
      auto u = sample_uniforms(seeds[b], K);
      for (int64_t k = 0; k < K; ++k) ua[b][k] = u[k];
    }
  }
  torch::NoGradGuard no_grad;
  EvalModeGuard eval_mode(model);
  auto prompt = prompt_h.to(device);  // [B, P]
  auto pmask = mask_h.to(device);     // [B, P]
  auto pos = pos_h.to(device);        // [B, P+K]
  auto u = u_h.to(device);            // [B, K]
  auto bool_opts = torch::TensorOptions().dtype(torch::kBool).device(device);

  const bool has_eos = options.eos_id >= 0;
  auto done = torch::zeros({B}, bool_opts);  // [B] row has emitted EOS
  std::vector<torch::Tensor> toks, lps, masks;
  toks.reserve(K);
  lps.reserve(K);
  masks.reserve(K);

  // KV-cache path: one pass over the prompt, then one token per pass. Recompute path: the whole
  // prefix every pass (seq holds prompt + generated tokens).
  std::optional<KVCache> cache;
  torch::Tensor seq, seq_mask, ones_col;
  torch::Tensor logits;  // [B, V] logits for the next token
  if (options.use_kv_cache) {
    cache.emplace(model->make_cache(B, P + K - 1));
    ones_col = torch::ones({B, 1}, bool_opts);
    auto hidden = model->forward_hidden(prompt, pos.narrow(1, 0, P), padded ? pmask : torch::Tensor(),
                                        &*cache);                 // [B, P, C]
    logits = model->logits_from_hidden(hidden.select(1, P - 1));  // [B, V]
  } else {
    seq = torch::cat({prompt, torch::zeros({B, K}, prompt.options())}, 1);  // [B, P+K]
    seq_mask = torch::cat({pmask, torch::ones({B, K}, bool_opts)}, 1);      // [B, P+K]
    auto hidden = model->forward_hidden(prompt, pos.narrow(1, 0, P), padded ? pmask : torch::Tensor());
    logits = model->logits_from_hidden(hidden.select(1, P - 1));
  }

  torch::Tensor kept;  // [B, K, V] when step_logits is asked for
  if (step_logits) kept = torch::zeros({B, K, logits.size(-1)}, logits.options());
  for (int64_t k = 0; k < K; ++k) {
    if (step_logits) kept.select(1, k).copy_(logits);
    auto [tok, lp] = sample_step(logits, u.select(1, k), options);  // [B], [B]
    torch::Tensor live = done.logical_not();                        // [B] this token belongs to the completion
    if (has_eos) {
      tok = tok.masked_fill(done, options.eos_id);
      lp = lp.masked_fill(done, 0.0);
      done = done.logical_or(tok.eq(options.eos_id));
    }
    toks.push_back(tok);
    lps.push_back(lp);
    masks.push_back(live);
    if (k + 1 == K) break;
    if (has_eos && (k + 1) % kStopCheckEvery == 0 && done.all().item<bool>()) {
      // Every row has ended: the rest is padding.
      auto fill_tok = torch::full({B}, options.eos_id, prompt.options());
      auto fill_lp = torch::zeros({B}, lp.options());
      auto fill_mask = torch::zeros({B}, bool_opts);
      for (int64_t r = k + 1; r < K; ++r) {
        toks.push_back(fill_tok);
        lps.push_back(fill_lp);
        masks.push_back(fill_mask);
      }
      break;
    }
    if (options.use_kv_cache) {
      auto hidden = model->forward_hidden(tok.unsqueeze(1), pos.narrow(1, P + k, 1), ones_col, &*cache);  // [B, 1, C]
      logits = model->logits_from_hidden(hidden.select(1, 0));                                            // [B, V]
    } else {
      const int64_t n = P + k + 1;  // slots including the new token
      seq.select(1, P + k).copy_(tok);
      auto hidden = model->forward_hidden(seq.narrow(1, 0, n), pos.narrow(1, 0, n),
                                          padded ? seq_mask.narrow(1, 0, n) : torch::Tensor());
      logits = model->logits_from_hidden(hidden.select(1, n - 1));  // [B, V]
    }
  }

  SampleResult r;
  r.prompt = prompt;
  r.prompt_mask = pmask;
  r.tokens = torch::stack(toks, 1);                            // [B, K]
  r.log_probs = torch::stack(lps, 1);                          // [B, K]
  r.mask = torch::stack(masks, 1);                             // [B, K]
  r.lengths = r.mask.sum(1, /*keepdim=*/false, torch::kLong);  // [B]
  if (step_logits) *step_logits = std::move(kept);
  return r;
}

}  // namespace warp
