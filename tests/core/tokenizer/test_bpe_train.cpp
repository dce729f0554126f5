// Tests of BPE training: hand-derived merges, agreement with a recount-everything reference
// (ties included), options, progress / cancel, and the trained tokenizer's save / load.
#include <gtest/gtest.h>

#include <random>

#include "reference_bpe.h"
#include "test_support.h"
#include "tokenizer/bpe_train.h"
#include "tokenizer/byte_unicode.h"
#include "tokenizer/pretokenizer.h"
#include "util/error.h"

using namespace warp;

namespace {
using Merges = std::vector<std::pair<std::string, std::string>>;

// Merges of a tokenizer as byte strings.
Merges merges_as_bytes(const BpeTokenizer& tok) {
  Merges out;
  for (const auto& [a, b] : tok.merges()) {
    std::string x, y;
    ByteUnicode::get().decode(a, x);
    ByteUnicode::get().decode(b, y);
    out.emplace_back(x, y);
  }
  return out;
}

std::vector<std::string> as_strings(const BpeTokenizer& tok, const std::vector<int32_t>& ids) {
  std::vector<std::string> out;
  for (int32_t id : ids) out.push_back(tok.token_bytes(id));
  return out;
}
}  // namespace

TEST(BpeTrain, HandDerivedSingleWord) {
  // "aaabdaaabac" is one piece. Pair counts: aa 4, ab 2, others 1. Merge a+a (left to right:
  // aa a b d aa a b a c). Now (aa,a) 2 and (a,b) 2 tie: "a" < "aa", so a+b: aa ab d aa ab a c.
  // Then (aa,ab) 2. Every pair left occurs once < min_pair_count 2: stop.
  BpeTrainOptions o;
  o.vocab_size = 1000;
  o.min_pair_count = 2;
  BpeTokenizer tok = train_bpe({"aaabdaaabac"}, o);
  EXPECT_EQ(merges_as_bytes(tok), (Merges{{"a", "a"}, {"a", "b"}, {"aa", "ab"}}));
  EXPECT_EQ(tok.vocab_size(), 256 + 3 + 1);
  EXPECT_EQ(tok.eos_id(), 259);
  EXPECT_EQ(tok.token_bytes(256), "aa");
  EXPECT_EQ(tok.token_bytes(258), "aaab");
  EXPECT_EQ(as_strings(tok, tok.encode("aaabdaaabac")), (std::vector<std::string>{"aaab", "d", "aaab", "a", "c"}));
}

TEST(BpeTrain, HandDerivedWordCounts) {
  // Sennrich et al.'s example: low 5, lower 2, newest 6, widest 3. Counts: es 9, st 9, we 8,
  // lo 7, ow 7, ne 6, ew 6, wi/id/de 3, er 2. e+s (tie with s+t, "e" < "s"); then (es,t) 9;
  // then l+o 7 (tie with o+w, "l" < "o"); then (lo,w) 7; then e+w 6 (ties with n+e and (w,est)).
  BpeTrainOptions o;
  o.vocab_size = 256 + 5 + 1;
  BpeTrainer trainer(o);
  trainer.add_piece("low", 5);
  trainer.add_piece("lower", 2);
  trainer.add_piece("newest", 6);
  trainer.add_piece("widest", 3);
  EXPECT_EQ(trainer.num_distinct_pieces(), 4u);
  EXPECT_EQ(trainer.num_pieces(), 16);
  BpeTokenizer tok = trainer.train();
  EXPECT_EQ(merges_as_bytes(tok), (Merges{{"e", "s"}, {"es", "t"}, {"l", "o"}, {"lo", "w"}, {"e", "w"}}));
  EXPECT_EQ(tok.vocab_size(), 262);
  EXPECT_EQ(as_strings(tok, tok.encode("lowest")), (std::vector<std::string>{"low", "est"}));
}

TEST(BpeTrain, MatchesRecountReference) {
  // Small alphabets give many ties and tokens made by two different merges.
  Pretokenizer pre;
  for (int seed = 0; seed < 12; ++seed) {
    std::mt19937 rng(seed);
    const std::string alphabet = seed % 2 ? "ab \n" : "abc a'!1 ";
    std::string text;
    for (int i = 0; i < 3000; ++i) text += alphabet[rng() % alphabet.size()];
    std::map<std::string, long> counts;
    for (auto p : pre.split(text)) counts[std::string(p)] += 1;
    for (int32_t vocab : {257 + 5, 257 + 40, 257 + 150}) {
      BpeTrainOptions o;
      o.vocab_size = vocab;
      o.min_pair_count = 1 + seed % 3;
      BpeTokenizer tok = train_bpe({text}, o);
      ASSERT_EQ(merges_as_bytes(tok), test::reference_train(counts, static_cast<size_t>(vocab - 1), o.min_pair_count))
          << "seed " << seed << " vocab " << vocab;
      ASSERT_EQ(tok.decode(tok.encode(text)), text);
    }
  }
}

TEST(BpeTrain, DeterministicAndSavesLoads) {
  BpeTrainOptions o;
  o.vocab_size = 300;
  const std::vector<std::string> texts = {"one two three two one, three three; four four four four!",
                                          "\xc3\xa9t\xc3\xa9 \xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80\xf0\x9f\x98\x80"};
  BpeTokenizer a = train_bpe(texts, o), b = train_bpe(texts, o);
  EXPECT_EQ(a.sha256(), b.sha256());
  auto dir = test::scratch_dir("tok-train");
  a.save(dir);
  BpeTokenizer back = BpeTokenizer::load_dir(dir);
  EXPECT_EQ(back.sha256(), a.sha256());
  EXPECT_EQ(back.encode(texts[0] + texts[1]), a.encode(texts[0] + texts[1]));
}

TEST(BpeTrain, OptionsValidateAndJson) {
  BpeTrainOptions o;
  o.vocab_size = 5000;
  o.min_pair_count = 3;
  o.add_eos = false;
  BpeTrainOptions back = BpeTrainOptions::from_json(o.to_json(), "test");
  EXPECT_EQ(back.vocab_size, 5000);
  EXPECT_EQ(back.min_pair_count, 3);
  EXPECT_FALSE(back.add_eos);
  EXPECT_EQ(BpeTrainOptions::from_json(nlohmann::json::object(), "t").vocab_size, 4096);
  EXPECT_THROW(BpeTrainOptions::from_json({{"vocab_size", 100}}, "t"), BadInput);
  EXPECT_THROW(BpeTrainOptions::from_json({{"vocab_size", "big"}}, "t"), BadInput);
  EXPECT_THROW(BpeTrainOptions::from_json({{"vocab_size", 1LL << 40}}, "t"), BadInput);
  EXPECT_THROW(BpeTrainOptions::from_json({{"min_pair_count", 0}}, "t"), BadInput);
  BpeTrainOptions small;
  small.vocab_size = 256;
  EXPECT_THROW(BpeTrainer{small}, BadInput);  // no room for <|endoftext|>
  small.add_eos = false;
  BpeTokenizer bytes_only = BpeTrainer(small).train();
  EXPECT_EQ(bytes_only.vocab_size(), 256);
  EXPECT_FALSE(bytes_only.has_eos());
}

TEST(BpeTrain, ReportsProgressAndCancels) {
  BpeTrainOptions o;
  o.vocab_size = 257 + 200;
  o.min_pair_count = 1;
  std::string text;
  std::mt19937 rng(3);
  for (int i = 0; i < 20000; ++i) text += "abcdefgh "[rng() % 9];
  int64_t last = -1, total = 0;
  BpeTokenizer tok = train_bpe({text}, o, [&](const ProgressInfo& p) {
    EXPECT_EQ(p.stage, "train tokenizer");
    EXPECT_GE(p.done, last);
    last = p.done;
    total = p.total;
    return true;
  });
  EXPECT_EQ(total, 200);
  EXPECT_EQ(last, 200);
  EXPECT_EQ(tok.vocab_size(), 457);
  int calls = 0;
  EXPECT_THROW(train_bpe({text}, o, [&](const ProgressInfo&) { return ++calls < 2; }), Cancelled);
}
