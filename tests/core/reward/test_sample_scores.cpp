// Tests of reward/sample_scores.h and decode_completion (reward/task_tokens.h): what a reward sees
// of a sampler's output, and the gold reward and count checks.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <torch/torch.h>

#include "reward/sample_scores.h"
#include "reward/task_tokens.h"
#include "tokenizer/byte_unicode.h"
#include "util/error.h"

using namespace warp;

namespace {

// 256 byte tokens then <|endoftext|> (id 256).
BpeTokenizer byte_tokenizer() {
  std::vector<std::string> tokens;
  for (int i = 0; i < 256; ++i) tokens.push_back(ByteUnicode::get().utf8(ByteUnicode::get().byte_at_rank(i)));
  tokens.push_back(BpeTokenizer::kEndOfText);
  return BpeTokenizer(tokens, {}, "byte tokenizer");
}

int64_t id_of(const BpeTokenizer& tok, char ch) {
  return static_cast<int64_t>(*tok.token_id(ByteUnicode::get().utf8(static_cast<uint8_t>(ch))));
}

// Records the batch it was given; scores each row with `base` + its completion length, or returns
// `count` scores when count >= 0.
class Recorder : public Reward {
 public:
  explicit Recorder(double base, int count = -1) : base_(base), count_(count) {}
  std::vector<double> score(const RewardBatch& b) override {
    seen = b;
    std::vector<double> out;
    for (const auto& c : b.completions) out.push_back(base_ + static_cast<double>(c.size()));
    if (count_ >= 0) out.resize(static_cast<size_t>(count_), 0.0);
    return out;
  }
  using Reward::score;
  std::string name() const override { return "recorder"; }
  RewardBatch seen;

 private:
  double base_;
  int count_;
};

// Two rows: prompt "ab" / left-padded "c", completions "hi<eos>" and "yes" (no EOS, mask full).
SampleResult two_rows(const BpeTokenizer& tok) {
  const int64_t eos = tok.eos_id();
  SampleResult s;
  s.prompt = torch::tensor({{id_of(tok, 'a'), id_of(tok, 'b')}, {int64_t{0}, id_of(tok, 'c')}}, torch::kLong);
  s.prompt_mask = torch::tensor({{true, true}, {false, true}});
  s.tokens = torch::tensor(
      {{id_of(tok, 'h'), id_of(tok, 'i'), eos}, {id_of(tok, 'y'), id_of(tok, 'e'), id_of(tok, 's')}}, torch::kLong);
  s.mask = torch::tensor({{true, true, true}, {true, true, true}});
  s.lengths = torch::tensor({3, 3}, torch::kLong);
  return s;
}

}  // namespace

TEST(DecodeCompletion, ReplacesUnknownIds) {
  const BpeTokenizer tok = byte_tokenizer();
  EXPECT_EQ(decode_completion(tok, {id_of(tok, 'h'), id_of(tok, 'i')}), "hi");
  EXPECT_EQ(decode_completion(tok, {id_of(tok, 'h'), 300, id_of(tok, 'i'), 4000}), "h\xEF\xBF\xBDi\xEF\xBF\xBD");
  EXPECT_EQ(decode_completion(tok, {}), "");
}

TEST(SampleScores, BatchHoldsTextsAndSampledIds) {
  const BpeTokenizer tok = byte_tokenizer();
  const SampleResult s = two_rows(tok);
  Recorder r(0.0), gold(100.0);
  const SampleScores sc = score_samples(s, {"ab", "c"}, &tok, tok.eos_id(), r, &gold, "test");
  ASSERT_EQ(sc.completion_ids.size(), 2u);
  EXPECT_EQ(sc.completion_ids[0], (std::vector<int64_t>{id_of(tok, 'h'), id_of(tok, 'i')}));
  EXPECT_EQ(sc.batch.prompts, (std::vector<std::string>{"ab", "c"}));
  EXPECT_EQ(sc.batch.completions, (std::vector<std::string>{"hi", "yes"}));
  EXPECT_EQ(sc.reward, (std::vector<double>{2.0, 3.0}));
  EXPECT_EQ(sc.gold, (std::vector<double>{102.0, 103.0}));
  // Both rewards saw the same batch, with the sampled tensors themselves.
  EXPECT_EQ(r.seen.completions, gold.seen.completions);
  ASSERT_TRUE(r.seen.has_tokens());
  EXPECT_TRUE(torch::equal(r.seen.completion_tokens, s.tokens));
  EXPECT_TRUE(torch::equal(r.seen.prompt_mask, s.prompt_mask));
}

TEST(SampleScores, WithoutGoldTheRewardIsTheGoldAndWithoutTokenizerTextsAreEmpty) {
  const BpeTokenizer tok = byte_tokenizer();
  const SampleResult s = two_rows(tok);
  Recorder r(5.0);
  const SampleScores sc = score_samples(s, {"", ""}, nullptr, tok.eos_id(), r, nullptr, "test");
  EXPECT_EQ(sc.batch.completions, (std::vector<std::string>{"", ""}));
  EXPECT_EQ(sc.reward, (std::vector<double>{5.0, 5.0}));
  EXPECT_EQ(sc.gold, sc.reward);
  EXPECT_EQ(sc.completion_ids[1].size(), 3u);
}

TEST(SampleScores, RefusesWrongCounts) {
  const BpeTokenizer tok = byte_tokenizer();
  const SampleResult s = two_rows(tok);
  Recorder good(0.0), short_reward(0.0, 1);
  EXPECT_THROW(score_samples(s, {"only one"}, &tok, tok.eos_id(), good, nullptr, "test"), BadInput);
  try {
    score_samples(s, {"ab", "c"}, &tok, tok.eos_id(), short_reward, nullptr, "rl step");
    ADD_FAILURE() << "no error for a reward that returned 1 score for 2 rows";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "rl step: the reward returned 1 scores for 2 completions");
  }
  EXPECT_THROW(score_samples(s, {"ab", "c"}, &tok, tok.eos_id(), good, &short_reward, "eval"), Error);
}
