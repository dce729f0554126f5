// Tests of model/prompt_prefix.h: a cached prompt prefix gives the logits of the full forward over
// prompt + completion (model/token_stats.h, checked there against each row run alone), the same bits
// on every reuse, and refuses what it was not computed for.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "model/gpt.h"
#include "model/prompt_prefix.h"
#include "model/token_stats.h"
#include "model_fixtures.h"
#include "util/error.h"

using namespace warp;
using warp::test::random_model;
using warp::test::tiny_config;

namespace {

// Three left-padded prompts of lengths 4, 1 and 2 in P = 4 slots.
torch::Tensor prompts() { return torch::tensor({{3, 4, 5, 6}, {0, 0, 0, 7}, {0, 0, 8, 9}}, torch::kLong); }
torch::Tensor prompt_mask() {
  return torch::tensor({{true, true, true, true}, {false, false, false, true}, {false, false, true, true}});
}
torch::Tensor completion(int64_t K, uint64_t seed, int64_t V) {
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::randint(V, {3, K}, gen, torch::kLong);
}

}  // namespace

TEST(PromptPrefix, LogitsEqualTheFullForwardForEveryCompletionAndTemperature) {
  const GPTConfig c = tiny_config();
  GPT m = random_model(c, 5);
  torch::NoGradGuard ng;
  PromptPrefix prefix(m, prompts(), prompt_mask(), 6);
  EXPECT_EQ(prefix.prompt_slots(), 4);
  EXPECT_GT(prefix.bytes(), 0);
  for (const double tau : {1.0, 0.7})
    for (const int64_t K : {1, 3, 6}) {
      const auto comp = completion(K, 10 + K, c.vocab_size);
      const auto got = prefix.completion_logits(m, comp, tau);  // [3, K, V]
      const auto want = completion_logits(m, prompts(), prompt_mask(), comp, tau);
      ASSERT_EQ(got.sizes(), want.sizes());
      EXPECT_TRUE(torch::allclose(got, want, 1e-5, 1e-5))
          << "K " << K << " tau " << tau << ": max |diff| " << (got - want).abs().max().item<double>();
    }
}

TEST(PromptPrefix, TailHiddenEqualsTheFullForwardWithRightPadding) {
  // What a reward model reads: the hidden states of prompt + completion where completions end early
  // (right padding), at the slots after the prefix.
  const GPTConfig c = tiny_config();
  GPT m = random_model(c, 4);
  torch::NoGradGuard ng;
  PromptPrefix prefix(m, prompts(), prompt_mask(), 6);
  const auto next = completion(5, 3, c.vocab_size);
  const auto next_mask = torch::tensor({{true, true, true, false, false},  //
                                        {true, true, true, true, true},
                                        {false, false, false, false, false}});
  const auto got = prefix.tail_hidden(m, next, next_mask);  // [3, 6, C]
  const auto seq = torch::cat({prompts(), next}, 1);
  const auto mask = torch::cat({prompt_mask(), next_mask}, 1);
  const auto pos = (mask.to(torch::kLong).cumsum(1) - 1).clamp_min(0);
  const auto want = m->forward_hidden(seq, pos, mask).narrow(1, 3, 6);
  ASSERT_EQ(got.sizes(), want.sizes());
  // Real slots agree; a padding slot's state is meaningless (it attends to itself only) but finite.
  const auto real = mask.narrow(1, 3, 6).unsqueeze(-1).expand_as(got);
  EXPECT_TRUE(
      torch::allclose(got.masked_fill(real.logical_not(), 0), want.masked_fill(real.logical_not(), 0), 1e-5, 1e-5));
  EXPECT_TRUE(torch::isfinite(got).all().item<bool>());
  // No next tokens: the last prompt slot alone.
  const auto none = torch::zeros({3, 0}, torch::kLong);
  EXPECT_TRUE(torch::allclose(prefix.tail_hidden(m, none, none.to(torch::kBool)), want.narrow(1, 0, 1), 1e-5, 1e-5));
  EXPECT_THROW(prefix.tail_hidden(m, completion(6, 3, c.vocab_size), torch::ones({3, 6}, torch::kBool)), BadInput);
  EXPECT_THROW(prefix.tail_hidden(m, next, next_mask.narrow(1, 0, 4)), BadInput);
}

TEST(PromptPrefix, ReuseGivesTheSameBitsAsAFreshPrefix) {
  const GPTConfig c = tiny_config();
  GPT m = random_model(c, 6);
  torch::NoGradGuard ng;
  PromptPrefix used(m, prompts(), prompt_mask(), 5);
  // Completions of several lengths through one prefix, then the first again: each equals what a
  // prefix computed afresh gives, bit for bit (the prefix slots are never overwritten).
  const auto first = completion(5, 1, c.vocab_size);
  const auto a = used.completion_logits(m, first, 0.9);
  for (int i = 0; i < 3; ++i) used.completion_logits(m, completion(2 + i, 20 + i, c.vocab_size), 0.9);
  PromptPrefix fresh(m, prompts(), prompt_mask(), 5);
  EXPECT_TRUE(torch::equal(used.completion_logits(m, first, 0.9), a));
  EXPECT_TRUE(torch::equal(fresh.completion_logits(m, first, 0.9), a));
}

TEST(PromptPrefix, OneSlotPromptsNeedNoPrefix) {
  const GPTConfig c = tiny_config();
  GPT m = random_model(c, 7);
  torch::NoGradGuard ng;
  auto p = torch::tensor({{11}, {12}}, torch::kLong);
  auto pm = torch::tensor({{true}, {true}});
  PromptPrefix prefix(m, p, pm, 4);
  auto comp = torch::tensor({{1, 2, 3, 4}, {5, 6, 7, 8}}, torch::kLong);
  EXPECT_TRUE(
      torch::allclose(prefix.completion_logits(m, comp, 1.0), completion_logits(m, p, pm, comp, 1.0), 1e-5, 1e-5));
}

TEST(PromptPrefix, MatchesOnlyItsOwnPromptsAndRefusesWhatItWasNotComputedFor) {
  const GPTConfig c = tiny_config();  // n_ctx 32
  GPT m = random_model(c, 8), other = random_model(c, 9);
  torch::NoGradGuard ng;
  PromptPrefix prefix(m, prompts(), prompt_mask(), 6);
  EXPECT_TRUE(prefix.matches(prompts(), prompt_mask()));
  auto changed = prompts().clone();
  changed[2][3] = 10;
  EXPECT_FALSE(prefix.matches(changed, prompt_mask()));
  auto mask = prompt_mask().clone();
  mask[0][0] = false;
  EXPECT_FALSE(prefix.matches(prompts(), mask));
  EXPECT_FALSE(prefix.matches(prompts().narrow(0, 0, 2), prompt_mask().narrow(0, 0, 2)));
  // A completion longer than the prefix was sized for, of another batch, or at temperature 0.
  EXPECT_THROW(prefix.completion_logits(m, completion(7, 1, c.vocab_size), 1.0), BadInput);
  EXPECT_THROW(prefix.completion_logits(m, torch::zeros({2, 3}, torch::kLong), 1.0), BadInput);
  EXPECT_THROW(prefix.completion_logits(m, completion(3, 1, c.vocab_size), 0.0), BadInput);
  // Another model's weights would give another prefix.
  EXPECT_THROW(prefix.completion_logits(other, completion(3, 1, c.vocab_size), 1.0), Error);
  // Prompt + completion must fit in n_ctx: 4 slots + 29 - 1 = 32 fit, 30 do not.
  EXPECT_NO_THROW(PromptPrefix(m, prompts(), prompt_mask(), 29));
  EXPECT_THROW(PromptPrefix(m, prompts(), prompt_mask(), 30), BadInput);
  EXPECT_THROW(PromptPrefix(m, prompts(), prompt_mask().narrow(1, 0, 3), 4), BadInput);
  EXPECT_THROW(PromptPrefix(m, prompts(), prompt_mask(), 0), BadInput);
}
