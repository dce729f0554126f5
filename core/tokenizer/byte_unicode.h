#pragma once
// GPT-2's reversible map between the 256 byte values and 256 printable Unicode characters.
//
// Byte-level BPE works on bytes, but GPT-2's files (encoder.json / vocab.bpe) spell every token as
// a string of "byte characters": the printable bytes '!'..'~', '¡'..'¬', '®'..'ÿ' stand for
// themselves (same code point), every other byte b (controls, space, 0x7F..0xA0, 0xAD) is shifted
// to U+0100 + n, n counting those bytes in increasing order. So byte 0x20 (space) is 'Ġ' (U+0120)
// and byte 0x0A (newline) is 'Ċ' (U+010A). Token ids 0..255 of GPT-2 (and of tokenizers trained
// here) are the byte characters in this order: the printable ones first, then the shifted ones.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace warp {

class ByteUnicode {
 public:
  // The shared instance (built once; immutable).
  static const ByteUnicode& get();

  // The code point standing for byte b.
  char32_t code_point(uint8_t b) const { return cp_[b]; }
  // The UTF-8 spelling of byte b's character (2 bytes at most).
  const std::string& utf8(uint8_t b) const { return utf8_[b]; }
  // The byte a code point stands for, or -1 when it is not a byte character.
  int byte_of(char32_t cp) const { return cp < kReverseSize ? reverse_[cp] : -1; }
  // The byte at position i of GPT-2's order (ids 0..255 of its vocabulary).
  uint8_t byte_at_rank(int i) const { return order_[static_cast<size_t>(i)]; }

  // Bytes -> byte characters (UTF-8).
  std::string encode(std::string_view bytes) const;
  // Byte characters (UTF-8) -> bytes. Returns false (out untouched or partial) when the text is not
  // valid UTF-8 or holds a character that is not a byte character; bad_cp gets that code point
  // (or 0xFFFFFFFF for invalid UTF-8).
  bool decode(std::string_view text, std::string& out, char32_t* bad_cp = nullptr) const;

 private:
  ByteUnicode();
  static constexpr char32_t kReverseSize = 0x200;
  std::array<char32_t, 256> cp_{};
  std::array<std::string, 256> utf8_{};
  std::array<uint8_t, 256> order_{};
  std::array<int16_t, kReverseSize> reverse_{};
};

// Appends the UTF-8 encoding of a code point (no validation beyond the range).
void append_utf8(std::string& out, char32_t cp);
// Decodes one UTF-8 character at text[i]; advances i. Returns false on an invalid sequence
// (overlong, surrogate, > U+10FFFF, truncated), then i is advanced by one byte.
bool next_utf8(std::string_view text, size_t& i, char32_t& cp);

}  // namespace warp
