// Tests of model/token_stats.h: entropy, KL and masked sums against hand computation, the
// completion log-softmax of a left-padded batch against the plain forward of each row alone, and
// the chunked per-row KL against the whole-batch one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "model/gpt.h"
#include "model/token_stats.h"
#include "model_fixtures.h"
#include "util/error.h"

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

// chunked_row_kl against the whole-batch computation it replaces (eval/evaluate.cpp before): the
// same numbers bit for bit however the rows are grouped (each row's log-softmax, KL terms and sums
// come from that row alone), 0 exactly for a distribution against itself, and refusals naming what
// is wrong. The exact KL also against a hand sum in double precision.
TEST(TokenStats, ChunkedRowKlEqualsTheWholeBatchForAnyChunking) {
  torch::manual_seed(11);
  const int64_t B = 7, K = 5, V = 33;
  const auto zp = torch::randn({B, K, V}) * 3.0, zq = torch::randn({B, K, V}) * 3.0;
  const auto tokens = torch::randint(V, {B, K}, torch::kLong);
  auto mask = torch::ones({B, K}, torch::kBool);
  mask[1].narrow(0, 2, 3).fill_(false);  // a row that ended early
  mask[4].narrow(0, 1, 4).fill_(false);
  const auto logp = torch::log_softmax(zp, -1), logq = torch::log_softmax(zq, -1);
  const auto want_exact = masked_row_sum(token_kl(logp, logq), mask);
  const auto want_sampled =
      masked_row_sum(gather_token_log_probs(logp, tokens) - gather_token_log_probs(logq, tokens), mask);
  const RowLogitsFn p = [&](int64_t b, int64_t n) { return zp.narrow(0, b, n); };
  const RowLogitsFn q = [&](int64_t b, int64_t n) { return zq.narrow(0, b, n); };
  for (int64_t rows : {int64_t{1}, int64_t{2}, int64_t{3}, B, B + 5}) {
    const RowKl got = chunked_row_kl(p, q, tokens, mask, rows);
    ASSERT_EQ(got.exact.sizes(), torch::IntArrayRef({B})) << rows;
    EXPECT_TRUE(torch::equal(got.exact, want_exact)) << rows << " rows per chunk";
    EXPECT_TRUE(torch::equal(got.sampled, want_sampled)) << rows << " rows per chunk";
  }
  // The exact KL of row 1 (positions 0 and 1 only), by hand in double precision.
  const auto p64 = torch::softmax(zp.to(torch::kFloat64), -1), q64 = torch::softmax(zq.to(torch::kFloat64), -1);
  double hand = 0.0;
  for (int64_t k = 0; k < 2; ++k)
    for (int64_t v = 0; v < V; ++v) {
      const double a = p64[1][k][v].item<double>(), b = q64[1][k][v].item<double>();
      hand += a * std::log(a / b);
    }
  EXPECT_NEAR(want_exact[1].item<double>(), hand, 1e-5 * std::max(1.0, hand));

  const RowKl self = chunked_row_kl(RowLogitsFn(), q, tokens, mask, 3);  // p is q
  EXPECT_TRUE(torch::equal(self.exact, torch::zeros({B})));
  EXPECT_TRUE(torch::equal(self.sampled, torch::zeros({B})));

  EXPECT_THROW(chunked_row_kl(p, q, tokens, mask, 0), BadInput);
  EXPECT_THROW(chunked_row_kl(p, q, tokens, mask.narrow(1, 0, 4), 2), BadInput);
  const RowLogitsFn short_v = [&](int64_t b, int64_t n) { return zp.narrow(0, b, n).narrow(2, 0, V - 1); };
  try {
    chunked_row_kl(short_v, q, tokens, mask, 4);
    ADD_FAILURE() << "expected BadInput";
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("rows from 0"), std::string::npos) << e.what();
  }
  EXPECT_EQ(kl_chunk_rows(24, 4096, 4), 10);  // the demo size: 10 rows of 393 KB
  EXPECT_EQ(kl_chunk_rows(64, 50257, 4), 1);  // GPT-2 small: a row is 12.9 MB
  EXPECT_EQ(kl_chunk_rows(1, 1, 1), int64_t{4} << 20);
}
