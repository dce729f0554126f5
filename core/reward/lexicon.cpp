#include "reward/lexicon.h"

#include <algorithm>

#include "util/error.h"
#include "util/fsutil.h"

namespace warp {

namespace {

// ---- UTF-8 -------------------------------------------------------------------------------------

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes the code point at s[i]; sets len to the bytes used. Invalid or truncated sequences,
// overlong forms and surrogates decode as 0xFFFFFFFF with len 1.
uint32_t decode_utf8(const std::string& s, size_t i, size_t* len) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  *len = 1;
  if (b0 < 0x80) return b0;
  int extra;
  uint32_t cp;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    extra = 1, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    extra = 2, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    extra = 3, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0xFFFFFFFF;
  }
  if (i + static_cast<size_t>(extra) >= s.size()) return 0xFFFFFFFF;
  for (int k = 1; k <= extra; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0xFFFFFFFF;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0xFFFFFFFF;
  *len = static_cast<size_t>(extra) + 1;
  return cp;
}

bool is_word_cp(uint32_t cp) {
  if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') || cp == '\'') return true;
  if (cp == 0x2019) return true;
  return cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7;
}

uint32_t lower_cp(uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
  if (cp == 0x2019) return '\'';
  return cp;
}

std::string join_words(const std::vector<std::string>& words, size_t begin, size_t end) {
  std::string key;
  for (size_t i = begin; i < end; ++i) {
    if (i > begin) key += ' ';
    key += words[i];
  }
  return key;
}

// ---- JavaScript tokens -------------------------------------------------------------------------

enum class Kind { Ident, String, Number, Punct, End };

struct Token {
  Kind kind = Kind::End;
  std::string text;  // identifier, decoded string, number literal, or the punctuation character
  int64_t line = 0;
};

std::string describe(const Token& t) {
  switch (t.kind) {
    case Kind::End:
      return "end of file";
    case Kind::String:
      return "string '" + t.text + "'";
    case Kind::Number:
      return "number " + t.text;
    default:
      return "'" + t.text + "'";
  }
}

class JsLexer {
 public:
  JsLexer(const std::string& src, const std::string& file) : s_(src), file_(file) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    for (;;) {
      skip_space_and_comments();
      if (i_ >= s_.size()) {
        out.push_back({Kind::End, "", line_});
        return out;
      }
      out.push_back(next());
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what, int64_t line) const {
    throw BadInput(file_message(file_ + ":" + std::to_string(line), what));
  }

  static bool ident_start(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' || c >= 0x80;
  }
  static bool ident_part(unsigned char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

  void skip_space_and_comments() {
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '\n') {
        ++line_, ++i_;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        ++i_;
      } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '/') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '*') {
        const int64_t start = line_;
        i_ += 2;
        for (;;) {
          if (i_ + 1 >= s_.size()) fail("unterminated /* comment", start);
          if (s_[i_] == '*' && s_[i_ + 1] == '/') {
            i_ += 2;
            break;
          }
          if (s_[i_] == '\n') ++line_;
          ++i_;
        }
      } else if (static_cast<unsigned char>(c) == 0xEF && s_.compare(i_, 3, "\xEF\xBB\xBF") == 0) {
        i_ += 3;  // a byte order mark
      } else {
        return;
      }
    }
  }

  Token next() {
    const auto c = static_cast<unsigned char>(s_[i_]);
    Token t;
    t.line = line_;
    if (ident_start(c)) {
      t.kind = Kind::Ident;
      const size_t b = i_;
      while (i_ < s_.size() && ident_part(static_cast<unsigned char>(s_[i_]))) ++i_;
      t.text = s_.substr(b, i_ - b);
    } else if ((c >= '0' && c <= '9') || (c == '.' && i_ + 1 < s_.size() && s_[i_ + 1] >= '0' && s_[i_ + 1] <= '9')) {
      t.kind = Kind::Number;
      const size_t b = i_;
      while (i_ < s_.size() && (ident_part(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.')) ++i_;
      t.text = s_.substr(b, i_ - b);
    } else if (c == '\'' || c == '"') {
      t.kind = Kind::String;
      t.text = read_string(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7F) {
      fail("unexpected control character " + std::to_string(c), line_);
    } else {
      t.kind = Kind::Punct;
      t.text = std::string(1, static_cast<char>(c));
      ++i_;
    }
    return t;
  }

  uint32_t read_hex(size_t digits, int64_t line) {
    if (i_ + digits > s_.size()) fail("truncated escape sequence in string", line);
    uint32_t v = 0;
    for (size_t k = 0; k < digits; ++k) {
      const char h = s_[i_++];
      v <<= 4;
      if (h >= '0' && h <= '9') v |= static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') v |= static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') v |= static_cast<uint32_t>(h - 'A' + 10);
      else fail(std::string("bad hex digit '") + h + "' in escape sequence", line);
    }
    return v;
  }

  uint32_t read_unicode_escape(int64_t line) {
    if (i_ < s_.size() && s_[i_] == '{') {
      ++i_;
      uint32_t v = 0;
      size_t n = 0;
      while (i_ < s_.size() && s_[i_] != '}') {
        if (++n > 6) fail("\\u{...} escape too long", line);
        v = (v << 4) | read_hex(1, line);
      }
      if (i_ >= s_.size() || n == 0) fail("bad \\u{...} escape", line);
      ++i_;  // '}'
      if (v > 0x10FFFF) fail("\\u{...} escape beyond U+10FFFF", line);
      return v;
    }
    return read_hex(4, line);
  }

  std::string read_string(char quote) {
    const int64_t start = line_;
    ++i_;  // opening quote
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string", start);
      const char c = s_[i_];
      if (c == quote) {
        ++i_;
        return out;
      }
      if (c == '\n' || c == '\r') fail("unterminated string (line break inside quotes)", start);
      if (c != '\\') {
        out += c;
        ++i_;
        continue;
      }
      ++i_;
      if (i_ >= s_.size()) fail("unterminated string", start);
      const char e = s_[i_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'v':
          out += '\v';
          break;
        case '0':
          out += '\0';
          break;
        case '\n':
          ++line_;
          break;  // line continuation
        case 'x':
          append_utf8(out, read_hex(2, line_));
          break;
        case 'u': {
          uint32_t cp = read_unicode_escape(line_);
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // a surrogate pair \uD83D\uDE00
            if (i_ + 1 < s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u') {
              i_ += 2;
              const uint32_t lo = read_unicode_escape(line_);
              if (lo < 0xDC00 || lo > 0xDFFF) fail("unpaired surrogate in \\u escape", line_);
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              fail("unpaired surrogate in \\u escape", line_);
            }
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("unpaired surrogate in \\u escape", line_);
          }
          append_utf8(out, cp);
          break;
        }
        default:
          out += e;
          break;  // \' \" \\ and any other character stand for themselves
      }
    }
  }

  const std::string& s_;
  const std::string& file_;
  size_t i_ = 0;
  int64_t line_ = 1;
};

class AfinnParser {
 public:
  AfinnParser(std::vector<Token> tokens, const std::string& file) : t_(std::move(tokens)), file_(file) {}

  std::vector<LexiconEntry> run() {
    preamble();
    std::vector<LexiconEntry> entries;
    for (;;) {
      if (is_punct(peek(), "}")) {
        ++p_;
        break;
      }
      const Token& key = take();
      if (key.kind != Kind::Ident && key.kind != Kind::String)
        fail(key, "expected a key (a name or a quoted string) or '}', got " + describe(key));
      const Token& colon = take();
      if (!is_punct(colon, ":")) fail(colon, "expected ':' after the key '" + key.text + "', got " + describe(colon));
      LexiconEntry e;
      e.key = key.text;
      e.line = key.line;
      e.valence = value(key.text);
      entries.push_back(std::move(e));
      const Token& sep = take();
      if (is_punct(sep, "}")) break;
      if (!is_punct(sep, ","))
        fail(sep, "expected ',' or '}' after the entry '" + key.text + "', got " + describe(sep));
    }
    if (is_punct(peek(), ";")) ++p_;
    if (peek().kind != Kind::End) fail(peek(), "unexpected " + describe(peek()) + " after the object");
    if (entries.empty()) throw BadInput(file_message(file_, "the lexicon object has no entries"));
    return entries;
  }

 private:
  [[noreturn]] void fail(const Token& at, const std::string& what) const {
    throw BadInput(file_message(file_ + ":" + std::to_string(at.line), what));
  }
  const Token& peek() const { return t_[p_]; }
  const Token& take() {
    const Token& t = t_[p_];
    if (t.kind != Kind::End) ++p_;
    return t;
  }
  static bool is_punct(const Token& t, const char* c) { return t.kind == Kind::Punct && t.text == c; }
  static bool is_ident(const Token& t, const char* name) { return t.kind == Kind::Ident && t.text == name; }

  // `export const|let|var NAME =`, `const|let|var NAME =`, `export default`, `module.exports =`,
  // then '{'.
  void preamble() {
    bool ok = is_punct(peek(), "{");  // a bare object literal (JSON) is fine too
    if (is_ident(peek(), "module")) {
      ++p_;
      ok = is_punct(take(), ".") && is_ident(take(), "exports") && is_punct(take(), "=");
    } else {
      if (is_ident(peek(), "export")) {
        ++p_;
        if (is_ident(peek(), "default")) {
          ++p_;
          ok = true;
        }
      }
      if (!ok && (is_ident(peek(), "const") || is_ident(peek(), "let") || is_ident(peek(), "var"))) {
        ++p_;
        ok = take().kind == Kind::Ident && is_punct(take(), "=");
      }
    }
    const Token& brace = take();
    if (!ok)
      fail(brace, "expected the lexicon object to start with 'export const NAME = {' (or 'module.exports = {'), got " +
                      describe(brace));
    if (!is_punct(brace, "{")) fail(brace, "expected '{' to open the lexicon object, got " + describe(brace));
  }

  int value(const std::string& key) {
    const Token& first = take();
    const Token* num = &first;
    bool negative = false;
    if (is_punct(first, "-") || is_punct(first, "+")) {
      negative = first.text == "-";
      num = &take();
    }
    if (num->kind != Kind::Number) fail(*num, "expected an integer valence for '" + key + "', got " + describe(*num));
    const std::string& digits = num->text;
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      fail(*num, "valence of '" + key + "' is " + digits + ", expected an integer in [-5, 5]");
    const size_t nz = digits.find_first_not_of('0');
    const std::string sig = nz == std::string::npos ? "0" : digits.substr(nz);
    if (sig.size() > 1 || sig[0] > '5')
      fail(*num, "valence of '" + key + "' is " + std::string(negative ? "-" : "") + digits + ", outside [-5, 5]");
    const int v = sig[0] - '0';
    return negative ? -v : v;
  }

  std::vector<Token> t_;
  const std::string& file_;
  size_t p_ = 0;
};

}  // namespace

std::vector<std::string> lexicon_words(const std::string& text) {
  std::vector<std::string> words;
  std::string cur;
  auto flush = [&]() {
    const size_t b = cur.find_first_not_of('\'');
    if (b != std::string::npos) {
      const size_t e = cur.find_last_not_of('\'');
      words.push_back(cur.substr(b, e - b + 1));
    }
    cur.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    size_t len = 1;
    const uint32_t cp = decode_utf8(text, i, &len);
    if (is_word_cp(cp)) {
      append_utf8(cur, lower_cp(cp));
    } else if (!cur.empty()) {
      flush();
    }
    i += len;
  }
  if (!cur.empty()) flush();
  return words;
}

Lexicon::Lexicon(const std::vector<LexiconEntry>& entries, const std::string& source) {
  std::unordered_map<std::string, const LexiconEntry*> origin;
  auto where = [&](const LexiconEntry& e) { return e.line > 0 ? source + ":" + std::to_string(e.line) : source; };
  for (const auto& e : entries) {
    if (e.valence < -5 || e.valence > 5)
      throw BadInput(
          file_message(where(e), "valence of '" + e.key + "' is " + std::to_string(e.valence) + ", outside [-5, 5]"));
    const auto words = lexicon_words(e.key);
    if (words.empty()) throw BadInput(file_message(where(e), "key '" + e.key + "' holds no word"));
    const std::string key = join_words(words, 0, words.size());
    auto [it, inserted] = origin.emplace(key, &e);
    if (!inserted)
      throw BadInput(
          file_message(where(e), "key '" + e.key + "' has the same words as key '" + it->second->key + "'" +
                                     (it->second->line > 0 ? " (line " + std::to_string(it->second->line) + ")" : "")));
    table_.emplace(key, e.valence);
    if (words.size() > 1) phrase_first_.insert(words[0]);
    max_phrase_ = std::max<int32_t>(max_phrase_, static_cast<int32_t>(words.size()));
  }
  size_ = entries.size();
}

bool Lexicon::lookup(const std::string& key, int* valence) const {
  const auto words = lexicon_words(key);
  if (words.empty()) return false;
  auto it = table_.find(join_words(words, 0, words.size()));
  if (it == table_.end()) return false;
  if (valence) *valence = it->second;
  return true;
}

LexiconScore Lexicon::score_detail(const std::string& completion) const {
  const auto words = lexicon_words(completion);
  LexiconScore s;
  s.words = static_cast<int64_t>(words.size());
  const size_t n = words.size();
  size_t i = 0;
  while (i < n) {
    size_t step = 1;
    bool matched = false;
    const size_t longest =
        phrase_first_.count(words[i]) ? std::min<size_t>(static_cast<size_t>(max_phrase_), n - i) : 1;
    for (size_t m = longest; m >= 1 && !matched; --m) {
      auto it = table_.find(m == 1 ? words[i] : join_words(words, i, i + m));
      if (it != table_.end()) {
        s.sum += it->second;
        s.matches += 1;
        step = m;
        matched = true;
      }
    }
    i += step;
  }
  s.score = n == 0 ? 0.0 : static_cast<double>(s.sum) / static_cast<double>(n);
  return s;
}

double Lexicon::score(const std::string& completion) const { return score_detail(completion).score; }

std::vector<double> Lexicon::score(const std::vector<std::string>& completions) const {
  std::vector<double> out;
  out.reserve(completions.size());
  for (const auto& c : completions) out.push_back(score(c));
  return out;
}

std::vector<LexiconEntry> parse_afinn_js(const std::string& source, const std::string& file) {
  return AfinnParser(JsLexer(source, file).run(), file).run();
}

Lexicon load_afinn_js(const std::string& path) { return Lexicon(parse_afinn_js(read_file_text(path), path), path); }

}  // namespace warp
