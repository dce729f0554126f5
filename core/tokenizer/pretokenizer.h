#pragma once
// GPT-2's pre-tokenization: the text is cut into pieces by a regular expression before BPE runs on
// each piece, so no token ever spans two pieces.
//
// The pattern is the one of the npm `gpt-3-encoder` package (a JavaScript regex with the `u` flag):
//
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// compiled with PCRE2 (JIT). JavaScript's \s is not PCRE2's: JS \s is Unicode Zs plus
// \t \n \v \f \r U+2028 U+2029 U+FEFF, while PCRE2's (UCP) adds U+0085 and U+180E and drops U+FEFF.
// The pattern therefore spells JS's \s out as a class, so the pieces equal the npm encoder's.
// Contractions are case sensitive ("'S" is "'" then "S"), as in JS. \p{L} / \p{N} come from
// PCRE2's Unicode tables (Unicode 14 in PCRE2 10.42) and node's from its ICU: only characters
// assigned in later Unicode versions could be classed differently.
//
// Bytes that are not valid UTF-8 (which JS strings cannot hold) are matched by nothing
// (PCRE2_MATCH_INVALID_UTF); each run of them becomes a piece of its own, so every byte string
// splits into pieces whose concatenation is the input.

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace warp {

class Pretokenizer {
 public:
  Pretokenizer();
  ~Pretokenizer();
  Pretokenizer(const Pretokenizer&) = delete;
  Pretokenizer& operator=(const Pretokenizer&) = delete;
  Pretokenizer(Pretokenizer&&) noexcept;
  Pretokenizer& operator=(Pretokenizer&&) noexcept;

  // Calls fn for each piece in order; the pieces cover text exactly. Thread-safe (const).
  void split(std::string_view text, const std::function<void(std::string_view)>& fn) const;
  std::vector<std::string_view> split(std::string_view text) const;

  // The PCRE2 pattern used (for messages and tests).
  static const char* pattern();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace warp
