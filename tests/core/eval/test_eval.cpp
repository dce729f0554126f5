// Evaluation of a point: per-token statistics against hand computations, the exact KL against its
// sampled estimate, common random numbers (repeatable, batch-invariant), and the DB cache.
#include <gtest/gtest.h>

#include <cmath>

#include <torch/torch.h>

#include "db/experiment_db.h"
#include "eval/eval_cache.h"
#include "eval/eval_config.h"
#include "eval/eval_point.h"
#include "eval/evaluate.h"
#include "eval/synthetic_experiment.h"
#include "model/gpt.h"
#include "model/sampler.h"
#include "model/token_stats.h"
#include "reward/task_tokens.h"
#include "tiny_gpt.h"
#include "util/error.h"
#include "util/seeds.h"

using namespace warp;

namespace {

GPTConfig tiny_config() {
  return test::tiny_gpt_config(257, 48, 1);  // 257: the byte tokenizer
}

// A GPT whose next-token distributions are far from uniform: weights from `seed`, the embedding
// scaled up so the logits spread over several nats.
GPT peaked_model(uint64_t seed, double scale) {
  GPT m(tiny_config(), seed);
  torch::NoGradGuard ng;
  m->wte->weight.mul_(scale);
  m->eval();
  return m;
}

// r = number of completion bytes that are 'a' (reads the texts).
class CountA : public Reward {
 public:
  std::vector<double> score(const RewardBatch& b) override {
    std::vector<double> out;
    for (const auto& c : b.completions) out.push_back(static_cast<double>(std::count(c.begin(), c.end(), 'a')));
    return out;
  }
  using Reward::score;
  std::string name() const override { return "count-a"; }
};

}  // namespace

TEST(EvalPoint, MeanAndStandardError) {
  auto r = mean_and_se({1.0, 2.0, 3.0, 6.0});
  EXPECT_DOUBLE_EQ(r.mean, 3.0);
  // s^2 = (4 + 1 + 0 + 9) / 3 = 14/3; se = sqrt(14/3) / 2
  EXPECT_NEAR(r.se, std::sqrt(14.0 / 3.0) / 2.0, 1e-15);
  EXPECT_EQ(mean_and_se({5.0}).se, 0.0);
  EvalPoint p;
  p.prompts = 4;
  p.reward = r;
  p.kl_sft = {0.5, 0.1};
  auto back = EvalPoint::from_json(p.to_json(), "test");
  EXPECT_EQ(back.prompts, 4);
  EXPECT_EQ(back.reward.mean, 3.0);
  EXPECT_EQ(back.kl_sft.se, 0.1);
  EXPECT_THROW(EvalPoint::from_json({{"prompts", 1}}, "test"), BadInput);
}

TEST(EvalConfig, RefusesOutOfRangeValuesNamingTheOption) {
  auto expect_bad = [](const nlohmann::json& j, const std::string& name) {
    try {
      EvalConfig::from_json(j, "test");
      ADD_FAILURE() << "accepted " << j.dump();
    } catch (const BadInput& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  };
  expect_bad({{"temperature", 0.0}}, "--temperature");
  expect_bad({{"max_new_tokens", 0}}, "--max-new-tokens");
  expect_bad({{"batch", -1}}, "--batch");
  expect_bad({{"max_prompts", -2}}, "--max-prompts");
  expect_bad({{"tempreature", 1.0}}, "tempreature");
  EXPECT_EQ(EvalConfig::from_json({{"seed", uint64_t{9}}}, "test").seed, 9u);
  EXPECT_EQ(EvalConfig::from_json(nlohmann::json::parse(R"({"seed": 9})"), "test").seed, 9u);
}

TEST(Evaluate, ExactKlIsNonNegativeAndMatchesTheSampledEstimate) {
  const BpeTokenizer tok = test::byte_tokenizer();
  GPT sft = peaked_model(1, 30.0);
  GPT policy = peaked_model(2, 30.0);
  CountA reward;
  EvalConfig c;
  c.temperature = 1.0;
  c.max_new_tokens = 6;
  c.batch = 100;
  // Many prompts, each its own seed: independent samples of the same few contexts.
  std::vector<std::string> prompts;
  for (int i = 0; i < 600; ++i) prompts.push_back(i % 2 ? "Hi" : "Yo");
  Evaluator ev(c, prompts, tok, sft, reward, nullptr, torch::kCPU);
  EvalResult r = ev.evaluate(policy);
  ASSERT_EQ(r.rows.size(), 600u);
  for (const auto& row : r.rows) EXPECT_GE(row.kl_sft, -1e-5);
  // The distributions differ a lot, so the KL is far from 0...
  EXPECT_GT(r.point.kl_sft.mean, 1.0);
  // ... and the sampled log-ratio is an unbiased estimate of the exact value.
  const double se = std::hypot(r.point.kl_sft_sampled.se, r.point.kl_sft.se);
  EXPECT_NEAR(r.point.kl_sft_sampled.mean, r.point.kl_sft.mean, 4 * se)
      << "exact " << r.point.kl_sft.mean << " sampled " << r.point.kl_sft_sampled.mean << " se " << se;
  // The exact estimate has the lower variance (DESIGN §5).
  EXPECT_LT(r.point.kl_sft.se, r.point.kl_sft_sampled.se);
}

TEST(Evaluate, KlOfAModelWithItselfIsExactlyZero) {
  const BpeTokenizer tok = test::byte_tokenizer();
  GPT sft = peaked_model(1, 30.0);
  CountA reward;
  EvalConfig c;
  c.max_new_tokens = 8;
  Evaluator ev(c, test::generated_prompts(10), tok, sft, reward, nullptr, torch::kCPU);
  EvalResult r = ev.evaluate(sft);
  for (const auto& row : r.rows) {
    EXPECT_EQ(row.kl_sft, 0.0);
    EXPECT_EQ(row.kl_sft_sampled, 0.0);
  }
  EXPECT_EQ(r.point.kl_sft.mean, 0.0);
}

// The evaluator takes the policy's side of the KL from the logits the sampler drew each token from.
// Independent check: the same completions scored by full forward passes of both models over
// prompt + completion (the textbook path), summed in float64, at τ ≠ 1 with prompts of different
// lengths (left padding) and rows that end early (EOS).
TEST(Evaluate, KlFromTheSamplingLogitsEqualsAFullRecomputation) {
  const BpeTokenizer tok = test::byte_tokenizer();
  GPT sft = peaked_model(1, 8.0);
  GPT policy = peaked_model(2, 8.0);
  {
    // Make EOS likely in some contexts so that rows end early.
    torch::NoGradGuard g;
    policy->wte->weight[tok.eos_id()].mul_(4.0);
  }
  CountA reward;
  EvalConfig c;
  c.temperature = 0.7;
  c.max_new_tokens = 12;
  c.batch = 5;
  c.seed = 5;
  const std::vector<std::string> prompts = {"a", "The cat sat", "Yo", "hello there, world", "q", "Zz", "abc"};
  Evaluator ev(c, prompts, tok, sft, reward, nullptr, torch::kCPU);
  const EvalResult r = ev.evaluate(policy);
  ASSERT_EQ(r.rows.size(), prompts.size());

  torch::NoGradGuard ng;
  std::vector<std::vector<int64_t>> ids;
  std::vector<uint64_t> seeds;
  for (size_t i = 0; i < prompts.size(); ++i) {
    ids.push_back(prompt_token_ids(tok, prompts[i]));
    seeds.push_back(eval_row_seed(c.seed, static_cast<int64_t>(i)));
  }
  SampleOptions so;
  so.temperature = c.temperature;
  so.eos_id = tok.eos_id();
  so.max_new_tokens = c.max_new_tokens;
  const SampleResult s = sample(policy, ids, seeds, so, torch::kCPU);
  auto lp = completion_log_softmax(policy, s.prompt, s.prompt_mask, s.tokens, c.temperature).to(torch::kDouble);
  auto lq = completion_log_softmax(sft, s.prompt, s.prompt_mask, s.tokens, c.temperature).to(torch::kDouble);
  auto per_token = (lp.exp() * (lp - lq)).sum(-1).masked_fill(s.mask.logical_not(), 0.0);  // [B, K]
  auto want = per_token.sum(1);
  int ended_early = 0;
  for (size_t i = 0; i < prompts.size(); ++i) {
    ended_early += s.lengths[static_cast<int64_t>(i)].item<int64_t>() < c.max_new_tokens;
    EXPECT_EQ(r.rows[i].length, s.lengths[static_cast<int64_t>(i)].item<int64_t>()) << "prompt " << i;
    const double w = want[static_cast<int64_t>(i)].item<double>();
    EXPECT_GT(w, 0.01) << "prompt " << i;
    EXPECT_NEAR(r.rows[i].kl_sft, w, 1e-4 * std::max(1.0, w)) << "prompt " << i;
  }
  EXPECT_GT(ended_early, 0) << "no row ended before max_new_tokens: the test does not cover EOS";
}

TEST(Evaluate, CommonRandomNumbersRepeatableAndBatchInvariant) {
  const BpeTokenizer tok = test::byte_tokenizer();
  GPT sft = peaked_model(1, 10.0);
  GPT policy = peaked_model(2, 10.0);
  CountA reward;
  EvalConfig c;
  c.max_new_tokens = 10;
  c.seed = 42;
  const auto prompts = test::generated_prompts(13);
  c.batch = 13;
  Evaluator whole(c, prompts, tok, sft, reward, nullptr, torch::kCPU);
  c.batch = 4;
  Evaluator chunked(c, prompts, tok, sft, reward, nullptr, torch::kCPU);
  c.batch = 1;
  Evaluator single(c, prompts, tok, sft, reward, nullptr, torch::kCPU);
  const EvalResult a = whole.evaluate(policy), b = whole.evaluate(policy);
  const EvalResult d = chunked.evaluate(policy), e = single.evaluate(policy);
  // Twice the same: identical numbers.
  EXPECT_EQ(a.point.to_json(), b.point.to_json());
  for (size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_EQ(a.rows[i].seed, eval_row_seed(42, static_cast<int64_t>(i)));
    EXPECT_EQ(a.rows[i].completion, b.rows[i].completion);
    EXPECT_EQ(a.rows[i].kl_sft, b.rows[i].kl_sft);
    // Whatever the batch: the same completion for the same prompt, the same values up to rounding.
    for (const EvalResult* other : {&d, &e}) {
      EXPECT_EQ(a.rows[i].completion, other->rows[i].completion) << "prompt " << i;
      EXPECT_NEAR(a.rows[i].kl_sft, other->rows[i].kl_sft, 1e-4);
      EXPECT_EQ(a.rows[i].reward, other->rows[i].reward);
    }
  }
  // Another eval seed draws other completions.
  c.seed = 43;
  Evaluator other_seed(c, prompts, tok, sft, reward, nullptr, torch::kCPU);
  const EvalResult f = other_seed.evaluate(policy);
  int differ = 0;
  for (size_t i = 0; i < a.rows.size(); ++i) differ += a.rows[i].completion != f.rows[i].completion;
  EXPECT_GT(differ, 0);
}

// θ_sft's prompt prefixes are kept from one evaluation to the next (model/prompt_prefix.h): a
// policy evaluated after another gives the numbers an Evaluator that never saw the first gives, bit
// for bit, and the same as with no prefix kept at all (tested in test_prompt_prefix: the same path).
TEST(Evaluate, KeptSftPrefixesChangeNoNumber) {
  const BpeTokenizer tok = test::byte_tokenizer();
  GPT sft = peaked_model(1, 6.0);
  GPT first = peaked_model(2, 6.0), second = peaked_model(3, 6.0);
  CountA reward;
  EvalConfig c;
  c.max_new_tokens = 7;
  c.batch = 4;
  const auto prompts = test::generated_prompts(9);  // chunks of 4, 4 and 1
  Evaluator used(c, prompts, tok, sft, reward, nullptr, torch::kCPU);
  used.evaluate(first);
  const EvalResult again = used.evaluate(second);
  Evaluator fresh(c, prompts, tok, sft, reward, nullptr, torch::kCPU);
  const EvalResult once = fresh.evaluate(second);
  ASSERT_EQ(again.rows.size(), once.rows.size());
  for (size_t i = 0; i < once.rows.size(); ++i) {
    EXPECT_EQ(again.rows[i].completion, once.rows[i].completion) << "prompt " << i;
    EXPECT_EQ(again.rows[i].kl_sft, once.rows[i].kl_sft) << "prompt " << i;
    EXPECT_EQ(again.rows[i].kl_sft_sampled, once.rows[i].kl_sft_sampled) << "prompt " << i;
  }
  EXPECT_EQ(again.point.to_json(), once.point.to_json());
  EXPECT_GT(once.point.kl_sft.mean, 0.0);
}

TEST(Evaluate, ProgressReportsAndCancels) {
  const BpeTokenizer tok = test::byte_tokenizer();
  GPT sft = peaked_model(1, 1.0);
  CountA reward;
  EvalConfig c;
  c.batch = 3;
  c.max_new_tokens = 4;
  Evaluator ev(c, test::generated_prompts(7), tok, sft, reward, nullptr, torch::kCPU);
  std::vector<int64_t> seen;
  ev.evaluate(sft, [&](const ProgressInfo& p) {
    EXPECT_EQ(p.stage, "eval");
    EXPECT_EQ(p.total, 7);
    seen.push_back(p.done);
    return true;
  });
  EXPECT_EQ(seen, (std::vector<int64_t>{0, 3, 6, 7}));
  // Estimates after every batch but the last: the point of the rows done so far.
  std::vector<EvalPoint> estimates;
  const EvalResult full = ev.evaluate(sft, {}, [&](const EvalPoint& e) { estimates.push_back(e); });
  ASSERT_EQ(estimates.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    const size_t n = 3 * (k + 1);
    EXPECT_EQ(estimates[k].prompts, static_cast<int64_t>(n));
    double r = 0;
    for (size_t i = 0; i < n; ++i) r += full.rows[i].reward;
    EXPECT_DOUBLE_EQ(estimates[k].reward.mean, r / static_cast<double>(n));
    EXPECT_EQ(estimates[k].to_json(), point_of_rows(full.rows, n).to_json());
  }
  EXPECT_EQ(full.point.to_json(), point_of_rows(full.rows, full.rows.size()).to_json());
  EXPECT_THROW(ev.evaluate(sft, [](const ProgressInfo& p) { return p.done < 3; }), Cancelled);
}

TEST(EvaluateCheckpoint, CachedByCheckpointAndProtocol) {
  Experiment exp = test::synthetic_experiment("eval-cache", 6, 4);
  const GPTConfig mc = GPTConfig::from_json(exp.config().at("model"), "smoke");
  const std::string policy = exp.checkpoints_dir() + "/other.h5";
  test::write_random_policy(policy, mc, 99);
  EvalConfig c = eval_config_for(exp);
  c.max_new_tokens = 6;
  c.reward = "gold";
  c.device = "cpu";
  int calls = 0;
  auto count = [&](const ProgressInfo&) {
    ++calls;
    return true;
  };
  const EvalResult first = evaluate_checkpoint(exp, policy, c, count);
  EXPECT_FALSE(first.cached);
  EXPECT_GT(calls, 0);
  EXPECT_EQ(first.point.prompts, 6);
  EXPECT_GT(first.point.kl_sft.mean, 0.0);
  EXPECT_EQ(first.protocol.at("prompts"), 6);
  EXPECT_EQ(first.protocol.at("reward"), "gold");

  // Asked again: served from the DB without sampling (the callback is never called).
  calls = 0;
  const EvalResult second = evaluate_checkpoint(exp, policy, c, count);
  EXPECT_TRUE(second.cached);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(second.point.to_json(), first.point.to_json());
  EXPECT_EQ(second.protocol_sha256, first.protocol_sha256);
  // The per-prompt values come with the point, from the cache too (for paired statistics).
  ASSERT_EQ(first.values.size(), 6u);
  EXPECT_EQ(first.values.seed[2], eval_row_seed(c.seed, 2));
  EXPECT_EQ(first.values.reward[3], first.rows[3].reward);
  EXPECT_EQ(mean_and_se(first.values.kl_sft).mean, first.point.kl_sft.mean);
  EXPECT_EQ(second.values.to_json(), first.values.to_json());
  // A point cached before the values were stored (schema v5: values_json NULL) is evaluated once
  // more, giving the same point, and then keeps its values.
  {
    auto db = ExperimentDb::open(exp.db_path());
    db.database().exec("UPDATE eval_points SET values_json = NULL");
  }
  calls = 0;
  const EvalResult legacy = evaluate_checkpoint(exp, policy, c, count);
  EXPECT_FALSE(legacy.cached);
  EXPECT_GT(calls, 0);
  EXPECT_EQ(legacy.point.to_json(), first.point.to_json());
  EXPECT_EQ(legacy.values.to_json(), first.values.to_json());
  EXPECT_TRUE(evaluate_checkpoint(exp, policy, c, count).cached);

  // A relative path inside the experiment names the same file: same key.
  calls = 0;
  EXPECT_TRUE(evaluate_checkpoint(exp, "checkpoints/other.h5", c, count).cached);

  // Another protocol (eval seed) is another point.
  c.seed += 1;
  const EvalResult third = evaluate_checkpoint(exp, policy, c, count);
  EXPECT_FALSE(third.cached);
  EXPECT_NE(third.protocol_sha256, first.protocol_sha256);

  // The SFT policy against itself: KL exactly 0.
  const EvalResult self = evaluate_checkpoint(exp, exp.checkpoints_dir() + "/sft.h5", c);
  EXPECT_EQ(self.point.kl_sft.mean, 0.0);
  EXPECT_EQ(self.point.kl_sft_sampled.mean, 0.0);

  auto db = ExperimentDb::open(exp.db_path());
  EvalCache cache(db);
  EXPECT_EQ(cache.size(), 3);
  // A checkpoint of another model config is refused with a clear message.
  GPTConfig other = mc;
  other.n_embd = 16;
  test::write_random_policy(exp.checkpoints_dir() + "/misfit.h5", other, 1);
  EXPECT_THROW(evaluate_checkpoint(exp, exp.checkpoints_dir() + "/misfit.h5", c), BadInput);
  EXPECT_THROW(evaluate_checkpoint(exp, exp.checkpoints_dir() + "/absent.h5", c), BadInput);
}
