#include "data/brown_text.h"

#include <algorithm>

#include "util/error.h"

namespace warp {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

bool is_alnum_ascii(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

std::string lower_ascii(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// Contraction suffixes that Penn-style tokenizers split off; they attach to the word before.
bool is_suffix(const std::string& word) {
  static const char* const kSuffixes[] = {"'s", "'re", "'ve", "'ll", "'d", "'m", "n't"};
  const std::string w = lower_ascii(word);
  return std::any_of(std::begin(kSuffixes), std::end(kSuffixes), [&](const char* s) { return w == s; });
}

bool is_closing_punct(const std::string& w) {
  return w == "," || w == "." || w == ";" || w == ":" || w == "!" || w == "?" || w == ")" || w == "]" || w == "}";
}

bool is_opening_bracket(const std::string& w) { return w == "(" || w == "[" || w == "{"; }

// A tag like "nn-hl", "vbn-tl-hl", "---hl" has an "-hl" part.
bool has_headline_part(const std::string& tag) {
  const size_t n = tag.size();
  if (n < 3) return false;
  for (size_t pos = tag.find("-hl"); pos != std::string::npos; pos = tag.find("-hl", pos + 1)) {
    const size_t end = pos + 3;
    if (end == n || tag[end] == '-' || tag[end] == '+') return true;
  }
  return false;
}

// How a token is laid out: the text it contributes, and whether it glues to its neighbours.
struct Piece {
  std::string text;
  bool glue_before = false;  // no space before it
  bool glue_after = false;   // no space after it
};

}  // namespace

bool is_word_token(const std::string& word) {
  if (word == "``" || word == "''") return false;
  return std::any_of(word.begin(), word.end(), is_alnum_ascii);
}

TaggedToken parse_tagged_token(const std::string& token, const std::string& where) {
  const size_t slash = token.rfind('/');
  if (slash == std::string::npos) throw BadInput(file_message(where, "token '" + token + "' has no /tag"));
  TaggedToken t{token.substr(0, slash), token.substr(slash + 1)};
  if (t.word.empty()) throw BadInput(file_message(where, "token '" + token + "' has an empty word"));
  if (t.tag.empty()) throw BadInput(file_message(where, "token '" + token + "' has an empty tag"));
  return t;
}

std::vector<TaggedToken> parse_tagged_line(const std::string& line, const std::string& where) {
  std::vector<TaggedToken> tokens;
  size_t i = 0;
  const size_t n = line.size();
  while (i < n) {
    while (i < n && is_space(line[i])) ++i;
    size_t j = i;
    while (j < n && !is_space(line[j])) ++j;
    if (j > i) tokens.push_back(parse_tagged_token(line.substr(i, j - i), where));
    i = j;
  }
  return tokens;
}

std::vector<std::vector<TaggedToken>> parse_brown_text(const std::string& text, const std::string& file) {
  std::vector<std::vector<TaggedToken>> sentences;
  size_t start = 0;
  int64_t line_no = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++line_no;
    if (end > start) {
      auto tokens = parse_tagged_line(text.substr(start, end - start), file + ":" + std::to_string(line_no));
      if (!tokens.empty()) sentences.push_back(std::move(tokens));
    }
    if (end == text.size()) break;
    start = end + 1;
  }
  return sentences;
}

CleanSentence clean_sentence(const std::vector<TaggedToken>& tagged) {
  // Brown quirks: "?/. ?/.", "!/. !/.", ";/. ;/.", ",/, ,/," write one mark; "Jr./np ./." ends
  // the sentence with the abbreviation's own period.
  std::vector<TaggedToken> tokens;
  tokens.reserve(tagged.size());
  for (const auto& t : tagged) {
    if (!tokens.empty()) {
      const std::string& prev = tokens.back().word;
      if ((t.word == "." || t.word == "?" || t.word == "!" || t.word == ";" || t.word == ",") && prev == t.word)
        continue;
      if (t.word == "." && prev.size() > 1 && prev.back() == '.' && is_word_token(prev)) continue;
    }
    tokens.push_back(t);
  }
  const size_t n = tokens.size();
  std::vector<Piece> pieces(n);
  bool single_open = false;
  for (size_t i = 0; i < n; ++i) {
    const std::string& w = tokens[i].word;
    Piece& p = pieces[i];
    if (w == "``") {
      p = {"\"", false, true};
    } else if (w == "''") {
      p = {"\"", true, false};
    } else if (w == "'") {
      // Decide opening vs closing from the neighbours first, then from the open/closed state.
      const bool at_start = i == 0;
      const bool at_end = i + 1 == n;
      const bool after_opener = !at_start && (is_opening_bracket(tokens[i - 1].word) || tokens[i - 1].word == "``");
      const bool before_closer = !at_end && (is_closing_punct(tokens[i + 1].word) || tokens[i + 1].word == "''");
      bool opening;
      if (at_start || after_opener) opening = true;
      else if (at_end || before_closer) opening = false;
      else opening = !single_open;
      single_open = opening;
      p = opening ? Piece{"'", false, true} : Piece{"'", true, false};
    } else if (is_closing_punct(w)) {
      p = {w, true, false};
    } else if (is_opening_bracket(w)) {
      p = {w, false, true};
    } else if (is_suffix(w)) {
      p = {w, true, false};
    } else {
      p = {w, false, false};
    }
  }

  CleanSentence out;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && !pieces[i - 1].glue_after && !pieces[i].glue_before) out.text += ' ';
    out.text += pieces[i].text;
  }

  int32_t headline_words = 0;
  for (const auto& t : tokens) {
    if (!is_word_token(t.word)) continue;
    ++out.words;
    if (has_headline_part(t.tag)) ++headline_words;
  }
  out.headline = out.words > 0 && 2 * headline_words > out.words;

  // leading_words: the longest run of words at the start whose pieces are separated by plain
  // spaces and not glued to the token that follows the run.
  size_t k = 0;
  while (k < n && is_word_token(tokens[k].word) && !pieces[k].glue_before && !pieces[k].glue_after &&
         (k + 1 >= n || !pieces[k + 1].glue_before))
    ++k;
  out.leading_words = static_cast<int32_t>(k);
  return out;
}

std::vector<std::vector<TaggedToken>> attach_stray_marks(std::vector<std::vector<TaggedToken>> lines) {
  auto is_closer = [](const std::string& w) { return w == "''" || is_closing_punct(w); };
  auto is_opener = [](const std::string& w) { return w == "``" || is_opening_bracket(w); };
  auto has_word = [](const std::vector<TaggedToken>& l) {
    return std::any_of(l.begin(), l.end(), [](const TaggedToken& t) { return is_word_token(t.word); });
  };
  std::vector<std::vector<TaggedToken>> out;
  std::vector<TaggedToken> pending_openers;  // from a wordless line, for the next sentence
  for (auto& line : lines) {
    size_t lead = 0;
    while (lead < line.size() && is_closer(line[lead].word)) ++lead;
    if (lead > 0 && !out.empty())
      out.back().insert(out.back().end(), line.begin(), line.begin() + static_cast<std::ptrdiff_t>(lead));
    line.erase(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(lead));
    if (!has_word(line)) {
      for (auto& t : line)
        if (is_opener(t.word)) pending_openers.push_back(std::move(t));
      continue;
    }
    if (!pending_openers.empty()) {
      line.insert(line.begin(), pending_openers.begin(), pending_openers.end());
      pending_openers.clear();
    }
    out.push_back(std::move(line));
  }
  return out;
}

std::vector<CleanSentence> clean_document(const std::vector<std::vector<TaggedToken>>& lines) {
  std::vector<CleanSentence> out;
  for (const auto& line : attach_stray_marks(lines)) out.push_back(clean_sentence(line));
  return out;
}

}  // namespace warp
