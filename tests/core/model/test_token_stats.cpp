// Tests of model/token_stats.h: entropy, KL and masked sums against hand computation, and the
// completion log-softmax of a left-padded batch against the plain forward of each row alone.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include <torch/torch.h>

#include "model/gpt.h"
#include "model/token_stats.h"
#include "model_fixtures.h"

using namespace warp;
using warp::test::random_model;
using warp::test::tiny_config;

TEST(TokenStats, EntropyAndKlMatchHandComputation) {
  // Two distributions over V = 3 at one position.
  auto p = torch::tensor({0.5, 0.25, 0.25}, torch::kFloat64).view({1, 1, 3});
  auto q = torch::tensor({0.25, 0.5, 0.25}, torch::kFloat64).view({1, 1, 3});
  const double H = -(0.5 * std::log(0.5) + 2 * 0.25 * std::log(0.25));
  const double KL = 0.5 * std::log(0.5 / 0.25) + 0.25 * std::log(0.25 / 0.5);
  EXPECT_NEAR(token_entropy(p.log()).item<double>(), H, 1e-12);
  EXPECT_NEAR(token_kl(p.log(), q.log()).item<double>(), KL, 1e-12);
  EXPECT_EQ(token_kl(p.log(), p.log()).item<double>(), 0.0);
  auto x = torch::tensor({{1.0, 2.0, 4.0}, {8.0, 16.0, 32.0}});
  auto m = torch::tensor({{true, true, false}, {true, false, false}});
  auto s = masked_row_sum(x, m);
  EXPECT_EQ(s[0].item<double>(), 3.0);
  EXPECT_EQ(s[1].item<double>(), 8.0);
  // A masked NaN does not leak into the sum.
  x[0][2] = std::nan("");
  EXPECT_EQ(masked_row_sum(x, m)[0].item<double>(), 3.0);
}

TEST(TokenStats, CompletionLogSoftmaxMatchesTheModelAtTemperature) {
  const GPTConfig c = tiny_config();
  GPT m = random_model(c, 3);
  torch::NoGradGuard ng;
  // Left-padded prompts of lengths 2 and 3, completion of 4 tokens.
  auto prompt = torch::tensor({{0, 5, 6}, {7, 8, 9}}, torch::kLong);
  auto pmask = torch::tensor({{false, true, true}, {true, true, true}});
  auto comp = torch::tensor({{10, 11, 12, 13}, {14, 15, 16, 17}}, torch::kLong);
  const double tau = 0.7;
  auto logp = completion_log_softmax(m, prompt, pmask, comp, tau);  // [2, 4, V]
  ASSERT_EQ(logp.sizes(), torch::IntArrayRef({2, 4, c.vocab_size}));
  // Reference: run each row on its own, unpadded, through the plain forward.
  for (int b = 0; b < 2; ++b) {
    std::vector<int64_t> seq;
    for (int i = 0; i < 3; ++i)
      if (pmask[b][i].item<bool>()) seq.push_back(prompt[b][i].item<int64_t>());
    const int64_t P = static_cast<int64_t>(seq.size());
    for (int k = 0; k < 3; ++k) seq.push_back(comp[b][k].item<int64_t>());
    auto logits = m->forward(torch::tensor(seq, torch::kLong).unsqueeze(0));  // [1, T, V]
    auto ref = torch::log_softmax(logits[0].narrow(0, P - 1, 4) / tau, -1);   // [4, V]
    EXPECT_TRUE(torch::allclose(logp[b], ref, 1e-5, 1e-5)) << "row " << b;
    // The model's own token_log_probs path agrees too.
    auto lp = completion_log_probs(m, prompt, pmask, comp, tau);  // [2, 4]
    EXPECT_TRUE(torch::allclose(gather_token_log_probs(logp, comp)[b], lp[b], 1e-5, 1e-5));
  }
}
