// The sampler against independent references: argmax decoding with the plain full forward,
// hand-computed inverse-CDF cases, the model's own distribution (empirical frequencies), the
// recompute-the-prefix path, and batch composition (the same prompt + seed alone or in a batch).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include <torch/torch.h>

#include "model/gpt.h"
#include "model/sampler.h"
#include "model_fixtures.h"
#include "util/error.h"

using namespace warp;
using warp::test::random_model;
using warp::test::random_tokens;
using warp::test::tiny_config;
using warp::test::to_row;

namespace {

const torch::Device kCPU(torch::kCPU);

std::vector<int64_t> row_tokens(const SampleResult& r, int64_t b) {
  std::vector<int64_t> out;
  for (int64_t k = 0; k < r.tokens.size(1); ++k)
    if (r.mask[b][k].item<bool>()) out.push_back(r.tokens[b][k].item<int64_t>());
  return out;
}

// Next-token distribution softmax(logits / temperature) after `prefix`, from the plain forward.
std::vector<double> next_probs(GPT& m, const std::vector<int64_t>& prefix, double temperature) {
  torch::NoGradGuard no_grad;
  auto logits = m->forward(to_row(prefix))[0][prefix.size() - 1].to(torch::kFloat64);
  auto p = torch::softmax(logits / temperature, -1);
  return std::vector<double>(p.data_ptr<double>(), p.data_ptr<double>() + p.numel());
}

std::vector<int64_t> sorted_ids_by_prob(const std::vector<double>& p) {
  std::vector<int64_t> ids(p.size());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = i;
  std::stable_sort(ids.begin(), ids.end(), [&](int64_t a, int64_t b) { return p[a] > p[b]; });
  return ids;
}

// N rows of the same prompt with seeds 0..N-1, one new token each; returns the counts per token.
std::vector<int64_t> first_token_counts(GPT& m, const std::vector<int64_t>& prompt, int64_t N, SampleOptions o,
                                        SampleResult* out = nullptr) {
  o.max_new_tokens = 1;
  std::vector<std::vector<int64_t>> prompts(N, prompt);
  std::vector<uint64_t> seeds(N);
  for (int64_t i = 0; i < N; ++i) seeds[i] = 1000 + i;
  auto r = sample(m, prompts, seeds, o, kCPU);
  std::vector<int64_t> counts(m->config().vocab_size, 0);
  for (int64_t i = 0; i < N; ++i) counts[r.tokens[i][0].item<int64_t>()]++;
  if (out) *out = r;
  return counts;
}

// |count - N q| within 5 binomial standard deviations (+1 for tiny q).
void expect_binomial(int64_t count, int64_t N, double q, const std::string& what) {
  const double sd = std::sqrt(N * q * (1 - q));
  EXPECT_LE(std::abs(count - N * q), 5 * sd + 1) << what << ": count " << count << ", expected " << N * q;
}

}  // namespace

TEST(Sampler, UniformsAreSeededAndInHalfOpenUnitInterval) {
  auto a = sample_uniforms(42, 1000), b = sample_uniforms(42, 1000), c = sample_uniforms(43, 1000);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  double mean = 0;
  for (float u : a) {
    EXPECT_GT(u, 0.0f);
    EXPECT_LE(u, 1.0f);
    mean += u;
  }
  EXPECT_NEAR(mean / a.size(), 0.5, 0.05);
  // A longer draw starts with the shorter one (a row's k-th uniform does not depend on K).
  auto longer = sample_uniforms(42, 1500);
  EXPECT_TRUE(std::equal(a.begin(), a.end(), longer.begin()));
}

TEST(Sampler, StepIsTheInverseCdfOfTheFilteredDistribution) {
  // probs 0.1, 0.2, 0.3, 0.4 for tokens 0..3: cdf 0.1, 0.3, 0.6, 1.0.
  auto logits = torch::tensor({0.1, 0.2, 0.3, 0.4}, torch::kFloat).log().unsqueeze(0).expand({6, 4}).contiguous();
  auto u = torch::tensor({0.05f, 0.2f, 0.5f, 0.7f, 0.99f, 1.0f});
  SampleOptions o;
  auto [tok, lp] = sample_step(logits, u, o);
  EXPECT_EQ(std::vector<int64_t>(tok.data_ptr<int64_t>(), tok.data_ptr<int64_t>() + 6),
            (std::vector<int64_t>{0, 1, 2, 3, 3, 3}));
  EXPECT_NEAR(lp[0].item<float>(), std::log(0.1), 1e-5);
  EXPECT_NEAR(lp[2].item<float>(), std::log(0.3), 1e-5);
  EXPECT_NEAR(lp[5].item<float>(), std::log(0.4), 1e-5);

  // top_k = 2: candidates 3 (0.4) then 2 (0.3), renormalised cdf 4/7, 1.
  o.top_k = 2;
  std::tie(tok, lp) = sample_step(logits, torch::tensor({0.5f, 0.6f, 0.99f, 0.1f, 0.57f, 0.58f}), o);
  EXPECT_EQ(std::vector<int64_t>(tok.data_ptr<int64_t>(), tok.data_ptr<int64_t>() + 6),
            (std::vector<int64_t>{3, 2, 2, 3, 3, 2}));
  EXPECT_NEAR(lp[0].item<float>(), std::log(4.0 / 7.0), 1e-5);
  EXPECT_NEAR(lp[1].item<float>(), std::log(3.0 / 7.0), 1e-5);

  // top_p = 0.5: sorted 0.4, 0.3, 0.2, 0.1, mass before 0, 0.4, 0.7, 0.9 -> keep 3 and 2 (same as top_k 2).
  o.top_k = 0;
  o.top_p = 0.5;
  auto [tok_p, lp_p] = sample_step(logits, torch::tensor({0.5f, 0.6f, 0.99f, 0.1f, 0.57f, 0.58f}), o);
  EXPECT_TRUE(torch::equal(tok_p, tok));
  EXPECT_TRUE(torch::allclose(lp_p, lp, 1e-5, 1e-6));
  // top_p = 0.35: only the most likely token, log-prob 0.
  o.top_p = 0.35;
  std::tie(tok, lp) = sample_step(logits, torch::tensor({0.01f, 0.5f, 1.0f, 0.3f, 0.2f, 0.9f}), o);
  EXPECT_TRUE(torch::equal(tok, torch::full({6}, 3, torch::kLong)));
  EXPECT_LT(lp.abs().max().item<float>(), 1e-6);
  // top_k 3 then top_p 0.6 on the renormalised 4/9, 3/9, 2/9: mass before 0, 4/9, 7/9 -> keep 3 and 2.
  o.top_k = 3;
  o.top_p = 0.6;
  std::tie(tok, lp) = sample_step(logits, torch::tensor({0.5f, 0.6f, 0.99f, 0.1f, 0.57f, 0.58f}), o);
  EXPECT_EQ(std::vector<int64_t>(tok.data_ptr<int64_t>(), tok.data_ptr<int64_t>() + 6),
            (std::vector<int64_t>{3, 2, 2, 3, 3, 2}));

  // Temperature 2 on logits log(p): probs ∝ sqrt(p) = 0.316, 0.447, 0.548, 0.632 (sum 1.943).
  o = SampleOptions();
  o.temperature = 2.0;
  std::vector<double> q{std::sqrt(0.1), std::sqrt(0.2), std::sqrt(0.3), std::sqrt(0.4)};
  const double z = q[0] + q[1] + q[2] + q[3];
  // cdf 0.1628, 0.3930, 0.6748, 1.0
  std::tie(tok, lp) = sample_step(logits, torch::tensor({0.16f, 0.17f, 0.39f, 0.40f, 0.67f, 0.68f}), o);
  EXPECT_EQ(std::vector<int64_t>(tok.data_ptr<int64_t>(), tok.data_ptr<int64_t>() + 6),
            (std::vector<int64_t>{0, 1, 1, 2, 2, 3}));
  EXPECT_NEAR(lp[5].item<float>(), std::log(q[3] / z), 1e-5);
}

TEST(Sampler, GreedyEqualsArgmaxDecodingWithTheFullForward) {
  auto c = tiny_config();
  auto m = random_model(c, 61);
  std::vector<std::vector<int64_t>> prompts{random_tokens(5, c.vocab_size, 1), random_tokens(2, c.vocab_size, 2),
                                            random_tokens(9, c.vocab_size, 3)};
  SampleOptions o;
  o.top_k = 1;
  o.max_new_tokens = 10;
  for (bool cache : {true, false}) {
    o.use_kv_cache = cache;
    auto r = sample(m, prompts, {1, 2, 3}, o, kCPU);
    ASSERT_EQ(r.tokens.sizes(), (std::vector<int64_t>{3, 10}));
    EXPECT_LT(r.log_probs.abs().max().item<float>(), 1e-6);
    EXPECT_TRUE(r.mask.all().item<bool>());
    for (int64_t b = 0; b < 3; ++b) {
      std::vector<int64_t> seq = prompts[b];
      for (int64_t k = 0; k < 10; ++k) {
        auto p = next_probs(m, seq, 1.0);
        const int64_t arg = std::max_element(p.begin(), p.end()) - p.begin();
        EXPECT_EQ(r.tokens[b][k].item<int64_t>(), arg) << "row " << b << " token " << k << " cache " << cache;
        seq.push_back(arg);
      }
    }
  }
}

TEST(Sampler, SamePromptAndSeedGiveTheSameCompletionInAnyBatch) {
  auto c = tiny_config();
  auto m = random_model(c, 62);
  const auto target = random_tokens(4, c.vocab_size, 10);
  const uint64_t seed = 777;
  std::vector<SampleOptions> variants(3);
  variants[0].temperature = 1.3;
  variants[1].temperature = 0.9;
  variants[1].top_k = 7;
  variants[2].top_p = 0.8;
  for (auto& o : variants) {
    o.max_new_tokens = 12;
    auto alone = sample(m, {target}, {seed}, o, kCPU);
    // In a batch with shorter and longer prompts, at another row, with other seeds around it.
    std::vector<std::vector<int64_t>> prompts{random_tokens(11, c.vocab_size, 11), random_tokens(1, c.vocab_size, 12),
                                              target, random_tokens(7, c.vocab_size, 13), target};
    auto batch = sample(m, prompts, {5, 6, seed, 8, 9}, o, kCPU);
    EXPECT_TRUE(torch::equal(batch.tokens[2], alone.tokens[0]));
    EXPECT_TRUE(torch::allclose(batch.log_probs[2], alone.log_probs[0], 1e-5, 1e-5));
    EXPECT_FALSE(torch::equal(batch.tokens[4], alone.tokens[0])) << "another seed should give another completion";
    // And with the recompute path.
    o.use_kv_cache = false;
    auto recompute = sample(m, prompts, {5, 6, seed, 8, 9}, o, kCPU);
    EXPECT_TRUE(torch::equal(recompute.tokens, batch.tokens));
    EXPECT_TRUE(torch::allclose(recompute.log_probs, batch.log_probs, 1e-5, 1e-5));
  }
}

TEST(Sampler, FrequenciesFollowTheModelDistribution) {
  auto c = tiny_config();
  auto m = random_model(c, 63);
  const auto prompt = random_tokens(3, c.vocab_size, 20);
  const int64_t N = 4000;
  SampleOptions o;
  o.temperature = 0.8;
  SampleResult r;
  auto counts = first_token_counts(m, prompt, N, o, &r);
  auto p = next_probs(m, prompt, 0.8);
  for (int64_t v = 0; v < c.vocab_size; ++v) expect_binomial(counts[v], N, p[v], "token " + std::to_string(v));
  for (int64_t i = 0; i < 50; ++i)
    EXPECT_NEAR(r.log_probs[i][0].item<float>(), std::log(p[r.tokens[i][0].item<int64_t>()]), 1e-4);
}

TEST(Sampler, TopKTwoOnlyYieldsTheTwoMostLikelyTokens) {
  auto c = tiny_config();
  auto m = random_model(c, 64);
  const auto prompt = random_tokens(5, c.vocab_size, 21);
  const int64_t N = 4000;
  SampleOptions o;
  o.top_k = 2;
  SampleResult r;
  auto counts = first_token_counts(m, prompt, N, o, &r);
  auto p = next_probs(m, prompt, 1.0);
  auto ids = sorted_ids_by_prob(p);
  EXPECT_EQ(counts[ids[0]] + counts[ids[1]], N);
  const double q = p[ids[1]] / (p[ids[0]] + p[ids[1]]);
  ASSERT_GT(q * N, 20) << "test model too peaked to check the split";
  expect_binomial(counts[ids[1]], N, q, "second token");
  for (int64_t i = 0; i < 50; ++i) {
    const int64_t t = r.tokens[i][0].item<int64_t>();
    EXPECT_NEAR(r.log_probs[i][0].item<float>(), std::log(p[t] / (p[ids[0]] + p[ids[1]])), 1e-4);
  }
}

TEST(Sampler, TopPKeepsTheSmallestNucleus) {
  auto c = tiny_config();
  auto m = random_model(c, 65);
  const auto prompt = random_tokens(2, c.vocab_size, 22);
  auto p = next_probs(m, prompt, 1.0);
  auto ids = sorted_ids_by_prob(p);
  // top_p halfway into the third token's mass: the nucleus is exactly the top 3.
  const double top3 = p[ids[0]] + p[ids[1]] + p[ids[2]];
  SampleOptions o;
  o.top_p = p[ids[0]] + p[ids[1]] + 0.5 * p[ids[2]];
  const int64_t N = 4000;
  auto counts = first_token_counts(m, prompt, N, o);
  EXPECT_EQ(counts[ids[0]] + counts[ids[1]] + counts[ids[2]], N);
  for (int j = 0; j < 3; ++j)
    expect_binomial(counts[ids[j]], N, p[ids[j]] / top3, "nucleus token " + std::to_string(j));
}

TEST(Sampler, SamplerLogProbsEqualCompletionLogProbs) {
  auto c = tiny_config();
  auto m = random_model(c, 66);
  std::vector<std::vector<int64_t>> prompts{random_tokens(6, c.vocab_size, 30), random_tokens(3, c.vocab_size, 31)};
  SampleOptions o;
  o.temperature = 0.7;
  o.max_new_tokens = 9;
  auto r = sample(m, prompts, {1, 2}, o, kCPU);
  auto lp = completion_log_probs(m, r.prompt, r.prompt_mask, r.tokens, 0.7);
  EXPECT_TRUE(torch::allclose(lp, r.log_probs, 1e-4, 1e-4));
}

TEST(Sampler, EosEndsACompletion) {
  auto c = tiny_config();
  auto m = random_model(c, 67);
  std::vector<std::vector<int64_t>> prompts{random_tokens(4, c.vocab_size, 40), random_tokens(7, c.vocab_size, 41)};
  SampleOptions o;
  o.top_k = 1;
  o.max_new_tokens = 12;
  auto free_run = sample(m, prompts, {1, 2}, o, kCPU);
  // EOS := row 0's greedy token at the first step k >= 2 whose token did not occur before.
  int64_t eos = -1, k_eos = -1;
  for (int64_t k = 2; k < 12 && eos < 0; ++k) {
    const int64_t t = free_run.tokens[0][k].item<int64_t>();
    bool seen = false;
    for (int64_t j = 0; j < k; ++j) seen |= free_run.tokens[0][j].item<int64_t>() == t;
    if (!seen) eos = t, k_eos = k;
  }
  ASSERT_GE(eos, 0) << "greedy run too repetitive for this test";
  o.eos_id = eos;
  for (bool cache : {true, false}) {
    o.use_kv_cache = cache;
    auto r = sample(m, prompts, {1, 2}, o, kCPU);
    for (int64_t b = 0; b < 2; ++b) {
      // Expected length: up to and including the first EOS of the free run (or all 12).
      int64_t len = 12;
      for (int64_t k = 0; k < 12; ++k)
        if (free_run.tokens[b][k].item<int64_t>() == eos) {
          len = k + 1;
          break;
        }
      if (b == 0) {
        EXPECT_EQ(len, k_eos + 1);
      }
      EXPECT_EQ(r.lengths[b].item<int64_t>(), len) << "row " << b;
      for (int64_t k = 0; k < 12; ++k) {
        EXPECT_EQ(r.mask[b][k].item<bool>(), k < len) << "row " << b << " k " << k;
        if (k < len) EXPECT_EQ(r.tokens[b][k].item<int64_t>(), free_run.tokens[b][k].item<int64_t>());
        else {
          EXPECT_EQ(r.tokens[b][k].item<int64_t>(), eos);
          EXPECT_EQ(r.log_probs[b][k].item<float>(), 0.0f);
        }
      }
    }
  }
  // All rows end early (EOS = the first greedy token of every row): the output keeps its [B, K]
  // shape past the periodic stop check.
  std::vector<std::vector<int64_t>> same(3, prompts[0]);
  o.eos_id = free_run.tokens[0][0].item<int64_t>();
  o.max_new_tokens = 3 * kStopCheckEvery;
  auto r = sample(m, same, {1, 2, 3}, o, kCPU);
  ASSERT_EQ(r.tokens.sizes(), (std::vector<int64_t>{3, 3 * kStopCheckEvery}));
  EXPECT_TRUE(torch::equal(r.lengths, torch::ones({3}, torch::kLong)));
  EXPECT_TRUE(torch::equal(r.tokens, torch::full({3, 3 * kStopCheckEvery}, o.eos_id, torch::kLong)));
  EXPECT_EQ(row_tokens(r, 0), std::vector<int64_t>{o.eos_id});
}

TEST(Sampler, RestoresTrainingModeAndIgnoresDropout) {
  auto c = tiny_config();
  c.dropout = 0.3;
  auto m = random_model(c, 68);
  m->train();
  SampleOptions o;
  o.max_new_tokens = 5;
  auto a = sample(m, {{1, 2, 3}}, {9}, o, kCPU);
  auto b = sample(m, {{1, 2, 3}}, {9}, o, kCPU);
  EXPECT_TRUE(m->is_training());
  EXPECT_TRUE(torch::equal(a.tokens, b.tokens));
  EXPECT_TRUE(torch::equal(a.log_probs, b.log_probs));
}

TEST(Sampler, RejectsInvalidOptionsAndPrompts) {
  auto c = tiny_config();
  GPT m(c, 1);
  auto expect_bad = [&](SampleOptions o, const std::vector<std::vector<int64_t>>& prompts,
                        const std::vector<uint64_t>& seeds, const std::string& needle) {
    try {
      sample(m, prompts, seeds, o, kCPU);
      ADD_FAILURE() << "no error, expected one naming " << needle;
    } catch (const BadInput& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  const std::vector<std::vector<int64_t>> ok{{1, 2}};
  SampleOptions o;
  o.max_new_tokens = 4;
  auto with = [&](auto f) {
    SampleOptions x = o;
    f(x);
    return x;
  };
  expect_bad(with([](SampleOptions& x) { x.temperature = 0; }), ok, {1}, "temperature");
  expect_bad(with([](SampleOptions& x) { x.temperature = -1; }), ok, {1}, "temperature");
  expect_bad(with([](SampleOptions& x) { x.top_p = 0; }), ok, {1}, "top_p");
  expect_bad(with([](SampleOptions& x) { x.top_p = 1.5; }), ok, {1}, "top_p");
  expect_bad(with([](SampleOptions& x) { x.top_k = -1; }), ok, {1}, "top_k");
  expect_bad(with([](SampleOptions& x) { x.top_k = 51; }), ok, {1}, "top_k");
  expect_bad(with([](SampleOptions& x) { x.max_new_tokens = 0; }), ok, {1}, "max_new_tokens");
  expect_bad(with([](SampleOptions& x) { x.eos_id = 50; }), ok, {1}, "eos_id");
  expect_bad(with([](SampleOptions& x) { x.eos_id = -2; }), ok, {1}, "eos_id");
  expect_bad(o, {{1, 2}, {3, 50}}, {1, 2}, "outside the vocabulary");
  expect_bad(o, {{1, -1}}, {1}, "outside the vocabulary");
  expect_bad(o, {std::vector<int64_t>(29, 1)}, {1}, "n_ctx - max_new_tokens");
  expect_bad(o, {{1}, {}}, {1, 2}, "empty");
  expect_bad(o, {{1}, {2}}, {1}, "seeds");
  expect_bad(o, {}, {}, "no prompts");
  // The device must be the model's.
  EXPECT_THROW(sample(m, ok, {1}, o, torch::Device(torch::kCUDA)), Error);
  // The longest prompt that fits: n_ctx - max_new_tokens = 28 tokens.
  EXPECT_NO_THROW(sample(m, {std::vector<int64_t>(28, 1)}, {1}, o, kCPU));
  // JSON round trip and type errors.
  SampleOptions j;
  j.temperature = 0.9;
  j.top_k = 5;
  j.top_p = 0.95;
  j.eos_id = 3;
  j.max_new_tokens = 17;
  j.use_kv_cache = false;
  auto back = SampleOptions::from_json(j.to_json(), "test");
  EXPECT_EQ(back.to_json(), j.to_json());
  EXPECT_THROW(SampleOptions::from_json({{"top_k", "five"}}, "test"), BadInput);
}
