// The GPT module against independent references: the canonical parameter list, a naive
// loop-by-loop GPT-2 forward written here from the formulas, the unpadded full forward (for the
// KV cache and left padding), finite differences (for gradients) and log_softmax (for log-probs).
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include <torch/torch.h>

#include "model/gpt.h"
#include "model/gpt_params.h"
#include "model/kv_cache.h"
#include "model_fixtures.h"
#include "util/error.h"

using namespace warp;
using warp::test::random_model;
using warp::test::random_tokens;
using warp::test::tiny_config;
using warp::test::to_row;

namespace {

std::map<std::string, torch::Tensor> params_of(GPT& m) {
  std::map<std::string, torch::Tensor> p;
  for (auto& item : m->named_parameters()) p[item.key()] = item.value().detach();
  return p;
}

// LayerNorm over the last dim, from the definition (biased variance).
torch::Tensor naive_layer_norm(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b, double eps) {
  auto mean = x.mean(-1, true);
  auto var = (x - mean).pow(2).mean(-1, true);
  return (x - mean) / torch::sqrt(var + eps) * w + b;
}

// GPT-2 logits [T, V] of one unpadded sequence, computed token by token and head by head.
torch::Tensor naive_forward(GPT& m, const std::vector<int64_t>& ids) {
  const GPTConfig& c = m->config();
  auto P = params_of(m);
  const int64_t T = static_cast<int64_t>(ids.size()), C = c.n_embd, H = c.n_head, hs = C / H;
  auto x = torch::zeros({T, C}, P["wte.weight"].options());
  for (int64_t t = 0; t < T; ++t) x[t] = P["wte.weight"][ids[t]] + P["wpe.weight"][t];
  for (int64_t l = 0; l < c.n_layer; ++l) {
    const std::string pre = "h." + std::to_string(l) + ".";
    auto a = naive_layer_norm(x, P[pre + "ln_1.weight"], P[pre + "ln_1.bias"], c.layer_norm_eps);
    auto qkv = a.matmul(P[pre + "attn.c_attn.weight"].t()) + P[pre + "attn.c_attn.bias"];  // [T, 3C]
    auto out = torch::zeros({T, C}, x.options());
    for (int64_t head = 0; head < H; ++head) {
      for (int64_t t = 0; t < T; ++t) {
        auto q = qkv[t].slice(0, head * hs, (head + 1) * hs);
        std::vector<double> s(t + 1);
        double mx = -1e300;
        for (int64_t j = 0; j <= t; ++j) {
          auto k = qkv[j].slice(0, C + head * hs, C + (head + 1) * hs);
          s[j] = (q * k).sum().item<double>() / std::sqrt(static_cast<double>(hs));
          mx = std::max(mx, s[j]);
        }
        double z = 0;
        for (auto& e : s) z += (e = std::exp(e - mx));
        auto acc = torch::zeros({hs}, x.options());
        for (int64_t j = 0; j <= t; ++j)
          acc += (s[j] / z) * qkv[j].slice(0, 2 * C + head * hs, 2 * C + (head + 1) * hs);
        out[t].slice(0, head * hs, (head + 1) * hs) = acc;
      }
    }
    x = x + out.matmul(P[pre + "attn.c_proj.weight"].t()) + P[pre + "attn.c_proj.bias"];
    auto a2 = naive_layer_norm(x, P[pre + "ln_2.weight"], P[pre + "ln_2.bias"], c.layer_norm_eps);
    auto f = a2.matmul(P[pre + "mlp.c_fc.weight"].t()) + P[pre + "mlp.c_fc.bias"];
    auto g = 0.5 * f * (1.0 + torch::tanh(std::sqrt(2.0 / M_PI) * (f + 0.044715 * f.pow(3))));
    x = x + g.matmul(P[pre + "mlp.c_proj.weight"].t()) + P[pre + "mlp.c_proj.bias"];
  }
  x = naive_layer_norm(x, P["ln_f.weight"], P["ln_f.bias"], c.layer_norm_eps);
  return x.matmul(P["wte.weight"].t());  // [T, V]
}

// Left-pads rows to one length: {ids [B, P], pos [B, P], mask [B, P]}.
struct Padded {
  torch::Tensor ids, pos, mask;
};
Padded left_pad(const std::vector<std::vector<int64_t>>& rows) {
  int64_t P = 0;
  for (auto& r : rows) P = std::max<int64_t>(P, r.size());
  const int64_t B = rows.size();
  Padded p{torch::full({B, P}, 7, torch::kLong), torch::zeros({B, P}, torch::kLong),
           torch::zeros({B, P}, torch::kBool)};
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = rows[b].size(), pad = P - n;
    for (int64_t i = 0; i < n; ++i) {
      p.ids[b][pad + i] = rows[b][i];
      p.pos[b][pad + i] = i;
      p.mask[b][pad + i] = true;
    }
  }
  return p;
}

}  // namespace

TEST(GPT, ParameterNamesShapesAndOrderMatchSpecs) {
  for (int64_t n_layer : {1, 2, 3}) {
    GPTConfig c = tiny_config();
    c.n_layer = n_layer;
    GPT m(c, 1);
    auto specs = gpt_param_specs(c);
    auto named = m->named_parameters();
    ASSERT_EQ(named.size(), specs.size());
    int64_t total = 0;
    for (size_t i = 0; i < specs.size(); ++i) {
      EXPECT_EQ(named[i].key(), specs[i].name) << "at index " << i;
      EXPECT_EQ(named[i].value().sizes().vec(), specs[i].shape) << specs[i].name;
      total += named[i].value().numel();
    }
    EXPECT_EQ(total, c.num_params());
    EXPECT_TRUE(m->named_buffers().is_empty());
  }
}

TEST(GPT, Gpt2Initialisation) {
  GPTConfig c = tiny_config();
  c.n_embd = 64;
  c.n_layer = 4;
  c.vocab_size = 300;
  GPT a(c, 5), b(c, 5), other(c, 6);
  auto pa = params_of(a), pb = params_of(b), po = params_of(other);
  for (auto& [name, t] : pa) {
    EXPECT_TRUE(torch::equal(t, pb[name])) << name << " differs for the same seed";
    if (name.find("ln_") != std::string::npos) {
      const double want = name.substr(name.size() - 6) == "weight" ? 1.0 : 0.0;
      EXPECT_TRUE(torch::equal(t, torch::full_like(t, want))) << name;
    } else if (name.substr(name.size() - 4) == "bias") {
      EXPECT_EQ(t.abs().max().item<double>(), 0.0) << name;
    } else {
      const double want = name.find("c_proj.weight") != std::string::npos ? 0.02 / std::sqrt(2.0 * c.n_layer) : 0.02;
      EXPECT_NEAR(t.std().item<double>(), want, 0.08 * want) << name;
      EXPECT_NEAR(t.mean().item<double>(), 0.0, 0.1 * want) << name;
      EXPECT_FALSE(torch::equal(t, po[name])) << name << " equal for different seeds";
    }
  }
}

TEST(GPT, ForwardMatchesNaiveReference) {
  auto c = tiny_config();
  auto m = random_model(c, 11, torch::kFloat64);
  auto ids = random_tokens(9, c.vocab_size, 3);
  auto logits = m->forward(to_row(ids))[0];  // [T, V]
  auto ref = naive_forward(m, ids);
  ASSERT_EQ(logits.sizes(), ref.sizes());
  EXPECT_LT((logits - ref).abs().max().item<double>(), 1e-10);
  // Batched rows are independent.
  auto ids2 = random_tokens(9, c.vocab_size, 4);
  auto batch = torch::cat({to_row(ids), to_row(ids2)}, 0);
  auto lb = m->forward(batch);
  EXPECT_LT((lb[1] - naive_forward(m, ids2)).abs().max().item<double>(), 1e-10);
  // The hidden-state entry + tied head is the same computation.
  auto pos = torch::arange(9, torch::kLong).expand({2, 9});
  EXPECT_TRUE(torch::allclose(m->logits_from_hidden(m->forward_hidden(batch, pos)), lb, 0, 1e-12));
  EXPECT_TRUE(torch::allclose(m->forward_logits(batch, pos, torch::ones({2, 9}, torch::kBool)), lb, 0, 1e-12));
}

TEST(GPT, CachedIncrementalLogitsEqualFullForward) {
  auto c = tiny_config();
  auto m = random_model(c, 12);
  torch::NoGradGuard no_grad;
  const int64_t B = 3, T = 14;
  auto idx = torch::randint(c.vocab_size, {B, T}, torch::TensorOptions().dtype(torch::kLong));
  auto full = m->forward(idx);  // [B, T, V]
  auto pos = torch::arange(T, torch::kLong).expand({B, T});
  auto cache = m->make_cache(B, T);
  // Chunks of 5, 1, 1, 3, 1, 3 tokens.
  std::vector<int64_t> chunks{5, 1, 1, 3, 1, 3};
  int64_t at = 0;
  for (int64_t n : chunks) {
    auto out = m->forward_logits(idx.narrow(1, at, n), pos.narrow(1, at, n), {}, &cache);
    EXPECT_TRUE(torch::allclose(out, full.narrow(1, at, n), 1e-5, 1e-5)) << "chunk at " << at;
    at += n;
    EXPECT_EQ(cache.length(), at);
  }
  ASSERT_EQ(at, T);
  // The cache is full now: one more token is an error, and reset() makes it reusable.
  EXPECT_THROW(m->forward_logits(idx.narrow(1, 0, 1), pos.narrow(1, 0, 1), {}, &cache), Error);
  cache.reset();
  auto again = m->forward_logits(idx, pos, {}, &cache);
  EXPECT_TRUE(torch::allclose(again, full, 1e-5, 1e-5));
}

TEST(GPT, LeftPaddingGivesTheUnpaddedLogits) {
  auto c = tiny_config();
  auto m = random_model(c, 13);
  torch::NoGradGuard no_grad;
  std::vector<std::vector<int64_t>> rows{random_tokens(3, c.vocab_size, 1), random_tokens(9, c.vocab_size, 2),
                                         random_tokens(1, c.vocab_size, 3), random_tokens(6, c.vocab_size, 4)};
  auto p = left_pad(rows);
  const int64_t B = rows.size(), P = p.ids.size(1);
  // Full pass over the padded batch.
  auto logits = m->forward_logits(p.ids, p.pos, p.mask);  // [B, P, V]
  EXPECT_FALSE(torch::isnan(logits).any().item<bool>());
  // Incremental pass: the first 4 slots at once, then one slot at a time.
  auto cache = m->make_cache(B, P);
  std::vector<torch::Tensor> parts{
      m->forward_logits(p.ids.narrow(1, 0, 4), p.pos.narrow(1, 0, 4), p.mask.narrow(1, 0, 4), &cache)};
  for (int64_t s = 4; s < P; ++s)
    parts.push_back(m->forward_logits(p.ids.narrow(1, s, 1), p.pos.narrow(1, s, 1), p.mask.narrow(1, s, 1), &cache));
  auto inc = torch::cat(parts, 1);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = rows[b].size();
    auto alone = m->forward(to_row(rows[b]))[0];  // [n, V]
    EXPECT_TRUE(torch::allclose(logits[b].narrow(0, P - n, n), alone, 1e-5, 1e-5)) << "row " << b;
    EXPECT_TRUE(torch::allclose(inc[b].narrow(0, P - n, n), alone, 1e-5, 1e-5)) << "row " << b << " (cached)";
  }
  // Continue decoding after the padded prompt: one more real token per row through the cache
  // equals the unpadded forward of the longer rows.
  auto cache2 = m->make_cache(B, P + 1);
  m->forward_logits(p.ids, p.pos, p.mask, &cache2);
  auto next = torch::tensor({5, 17, 42, 0}, torch::kLong).unsqueeze(1);
  auto next_pos = p.mask.sum(1, false, torch::kLong).unsqueeze(1);
  auto step = m->forward_logits(next, next_pos, torch::ones({B, 1}, torch::kBool), &cache2);  // [B, 1, V]
  for (int64_t b = 0; b < B; ++b) {
    auto longer = rows[b];
    longer.push_back(next[b][0].item<int64_t>());
    auto alone = m->forward(to_row(longer))[0];
    EXPECT_TRUE(torch::allclose(step[b][0], alone[longer.size() - 1], 1e-5, 1e-5)) << "row " << b;
  }
}

TEST(GPT, GradientsMatchFiniteDifferences) {
  GPTConfig c = tiny_config();
  c.n_embd = 8;
  c.vocab_size = 13;
  c.n_ctx = 10;
  auto m = random_model(c, 21, torch::kFloat64);
  auto idx = torch::tensor({3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7}, torch::kLong).view({2, 7});
  // Loss 1: next-token cross-entropy of the plain forward.
  auto next_token_loss = [&]() {
    auto logits = m->forward(idx.narrow(1, 0, 6));  // [2, 6, V]
    return lm_loss(logits, idx.narrow(1, 1, 6));
  };
  // Loss 2: weighted completion log-probs with a left-padded prompt and temperature (the RL path).
  auto prompt = torch::tensor({0, 0, 4, 1, 2, 3, 4, 5}, torch::kLong).view({2, 4});
  auto pmask = torch::tensor({0, 0, 1, 1, 1, 1, 1, 1}, torch::kBool).view({2, 4});
  auto completion = torch::tensor({7, 8, 2, 11, 12, 0}, torch::kLong).view({2, 3});
  auto weights = torch::tensor({0.3, -1.2, 0.7, 1.1, 0.4, -0.5}, torch::kFloat64).view({2, 3});
  auto rl_loss = [&]() { return -(completion_log_probs(m, prompt, pmask, completion, 0.7) * weights).sum(); };

  // Loss 3: a single position (the one-query attention path used when decoding).
  auto one_loss = [&]() {
    auto logits = m->forward(idx.narrow(1, 2, 1));  // [2, 1, V]
    return torch::nn::functional::cross_entropy(logits.reshape({-1, c.vocab_size}), idx.narrow(1, 3, 1).reshape({-1}));
  };
  std::vector<std::pair<std::string, std::function<torch::Tensor()>>> losses{
      {"lm", next_token_loss}, {"rl", rl_loss}, {"single", one_loss}};
  for (auto& [lname, loss] : losses) {
    m->zero_grad();
    loss().backward();
    std::mt19937_64 rng(7);
    torch::NoGradGuard no_grad;
    for (auto& item : m->named_parameters()) {
      auto p = item.value();
      auto flat = p.view({-1});
      auto grad = p.grad().view({-1});
      ASSERT_TRUE(grad.defined()) << item.key();
      for (int rep = 0; rep < 3; ++rep) {
        const int64_t i = static_cast<int64_t>(rng() % static_cast<uint64_t>(flat.numel()));
        const double orig = flat[i].item<double>(), h = 1e-6;
        flat[i] = orig + h;
        const double up = loss().item<double>();
        flat[i] = orig - h;
        const double down = loss().item<double>();
        flat[i] = orig;
        const double fd = (up - down) / (2 * h), an = grad[i].item<double>();
        EXPECT_NEAR(an, fd, 1e-7 + 1e-6 * std::abs(fd)) << lname << " loss, " << item.key() << "[" << i << "]";
      }
    }
  }
}

TEST(GPT, TokenLogProbsAndCompletionLogProbs) {
  auto c = tiny_config();
  auto m = random_model(c, 31, torch::kFloat64);
  torch::NoGradGuard no_grad;
  auto logits = torch::randn({2, 5, c.vocab_size}, torch::kFloat64);
  auto targets = torch::randint(c.vocab_size, {2, 5}, torch::kLong);
  for (double temp : {1.0, 0.6}) {
    auto want = torch::log_softmax(logits / temp, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1);
    EXPECT_TRUE(torch::allclose(token_log_probs(logits, targets, temp), want, 0, 1e-12));
  }
  EXPECT_THROW(token_log_probs(logits, targets, 0.0), BadInput);

  // Gradients of the fused backward equal autograd's through log_softmax + gather, and lm_loss is
  // torch's cross-entropy (with a mask: the mean over the masked tokens).
  torch::AutoGradMode grad_on(true);
  auto weights = torch::randn({2, 5}, torch::kFloat64);
  for (double temp : {1.0, 0.6}) {
    auto a = logits.clone().requires_grad_(true), b = logits.clone().requires_grad_(true);
    (token_log_probs(a, targets, temp) * weights).sum().backward();
    (torch::log_softmax(b / temp, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1) * weights).sum().backward();
    EXPECT_TRUE(torch::allclose(a.grad(), b.grad(), 0, 1e-12)) << "temperature " << temp;
  }
  {
    auto a = logits.clone().requires_grad_(true), b = logits.clone().requires_grad_(true);
    auto la = lm_loss(a, targets);
    auto lb = torch::nn::functional::cross_entropy(b.view({-1, c.vocab_size}), targets.view({-1}));
    EXPECT_NEAR(la.item<double>(), lb.item<double>(), 1e-12);
    la.backward();
    lb.backward();
    EXPECT_TRUE(torch::allclose(a.grad(), b.grad(), 0, 1e-12));
    auto mask = torch::tensor({1, 1, 0, 1, 0, 0, 1, 1, 1, 0}, torch::kBool).view({2, 5});
    auto masked = lm_loss(logits, targets, mask).item<double>();
    auto want = -(torch::log_softmax(logits, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1) * mask).sum() / 6.0;
    EXPECT_NEAR(masked, want.item<double>(), 1e-12);
    EXPECT_THROW(lm_loss(logits, targets, mask.narrow(1, 0, 4)), BadInput);
  }
  torch::AutoGradMode grad_off(false);
  EXPECT_THROW(token_log_probs(logits, targets.narrow(1, 0, 4), 1.0), BadInput);

  // completion_log_probs on left-padded prompts equals a per-row unpadded computation.
  std::vector<std::vector<int64_t>> prompts{{4, 8}, {1, 2, 3, 5, 9}};
  auto p = left_pad(prompts);
  auto completion = torch::tensor({11, 12, 13, 14, 21, 22, 23, 24}, torch::kLong).view({2, 4});
  auto got = completion_log_probs(m, p.ids, p.mask, completion, 0.8);  // [2, 4]
  for (int64_t b = 0; b < 2; ++b) {
    std::vector<int64_t> seq = prompts[b];
    for (int64_t k = 0; k < 4; ++k) seq.push_back(completion[b][k].item<int64_t>());
    auto lg = naive_forward(m, seq);  // [n, V]
    const int64_t n0 = prompts[b].size();
    for (int64_t k = 0; k < 4; ++k) {
      auto lp = torch::log_softmax(lg[n0 - 1 + k] / 0.8, -1)[seq[n0 + k]].item<double>();
      EXPECT_NEAR(got[b][k].item<double>(), lp, 1e-10) << "row " << b << " token " << k;
    }
  }
  // Too long for n_ctx: prompt 30 slots + 4 tokens - 1 > 32.
  auto long_prompt = torch::zeros({2, 30}, torch::kLong);
  EXPECT_THROW(completion_log_probs(m, long_prompt, torch::ones({2, 30}, torch::kBool), completion), BadInput);
}

TEST(GPT, CloneIsEqualAndIndependent) {
  auto c = tiny_config();
  auto m = random_model(c, 41);
  auto copy = std::dynamic_pointer_cast<GPTImpl>(m->clone());
  ASSERT_TRUE(copy);
  GPT cm(copy);
  auto idx = torch::randint(c.vocab_size, {2, 6}, torch::kLong);
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(m->forward(idx), cm->forward(idx)));
  cm->named_parameters()["h.1.mlp.c_fc.weight"].add_(1.0);
  EXPECT_FALSE(torch::equal(m->forward(idx), cm->forward(idx)));
  EXPECT_EQ(cm->named_parameters().size(), m->named_parameters().size());
}

TEST(GPT, DropoutOnlyWhenTraining) {
  auto c = tiny_config();
  c.dropout = 0.2;
  auto m = random_model(c, 51);
  auto c0 = c;
  c0.dropout = 0.0;
  auto m0 = random_model(c0, 51);  // same weights, no dropout
  auto idx = torch::randint(c.vocab_size, {2, 8}, torch::kLong);
  torch::NoGradGuard no_grad;
  m->eval();
  EXPECT_TRUE(torch::allclose(m->forward(idx), m0->forward(idx), 0, 1e-6));
  m->train();
  torch::manual_seed(1);
  auto a = m->forward(idx);
  auto b = m->forward(idx);
  EXPECT_FALSE(torch::allclose(a, b, 1e-3, 1e-3));
}

TEST(GPT, RejectsBadShapes) {
  auto c = tiny_config();
  GPT m(c, 1);
  torch::NoGradGuard no_grad;
  EXPECT_THROW(m->forward(torch::zeros({1, c.n_ctx + 1}, torch::kLong)), BadInput);
  EXPECT_THROW(m->forward(torch::zeros({4}, torch::kLong)), BadInput);
  auto idx = torch::zeros({2, 3}, torch::kLong);
  EXPECT_THROW(m->forward_hidden(idx, torch::zeros({2, 4}, torch::kLong)), BadInput);
  EXPECT_THROW(m->forward_hidden(idx, torch::zeros({2, 3}, torch::kLong), torch::ones({2, 2}, torch::kBool)), BadInput);
  auto cache = m->make_cache(3, 8);  // wrong batch
  EXPECT_THROW(m->forward_hidden(idx, torch::zeros({2, 3}, torch::kLong), {}, &cache), BadInput);
  EXPECT_THROW(m->make_cache(2, c.n_ctx + 1), BadInput);
  EXPECT_THROW(m->make_cache(0, 4), BadInput);
  GPTConfig bad = c;
  bad.n_head = 3;
  EXPECT_THROW(GPT(bad, 1), BadInput);
}
