#include "tokenizer/byte_unicode.h"

namespace warp {

namespace {
bool printable_byte(int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); }
}  // namespace

const ByteUnicode& ByteUnicode::get() {
  static const ByteUnicode instance;
  return instance;
}

ByteUnicode::ByteUnicode() {
  reverse_.fill(-1);
  int rank = 0;
  for (int b = 0; b < 256; ++b)
    if (printable_byte(b)) {
      cp_[b] = static_cast<char32_t>(b);
      order_[static_cast<size_t>(rank++)] = static_cast<uint8_t>(b);
    }
  char32_t shifted = 0x100;
  for (int b = 0; b < 256; ++b)
    if (!printable_byte(b)) {
      cp_[b] = shifted++;
      order_[static_cast<size_t>(rank++)] = static_cast<uint8_t>(b);
    }
  for (int b = 0; b < 256; ++b) {
    append_utf8(utf8_[b], cp_[b]);
    reverse_[cp_[b]] = static_cast<int16_t>(b);
  }
}

std::string ByteUnicode::encode(std::string_view bytes) const {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) out += utf8_[c];
  return out;
}

bool ByteUnicode::decode(std::string_view text, std::string& out, char32_t* bad_cp) const {
  size_t i = 0;
  while (i < text.size()) {
    char32_t cp = 0;
    if (!next_utf8(text, i, cp)) {
      if (bad_cp) *bad_cp = 0xFFFFFFFF;
      return false;
    }
    int b = byte_of(cp);
    if (b < 0) {
      if (bad_cp) *bad_cp = cp;
      return false;
    }
    out.push_back(static_cast<char>(b));
  }
  return true;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool next_utf8(std::string_view text, size_t& i, char32_t& cp) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  int len = 0;
  char32_t min = 0;
  if (c < 0x80) {
    cp = c;
    ++i;
    return true;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    ++i;
    return false;
  }
  if (i + static_cast<size_t>(len) > text.size()) {
    ++i;
    return false;
  }
  for (int k = 1; k < len; ++k) {
    unsigned char d = byte(i + static_cast<size_t>(k));
    if ((d & 0xC0) != 0x80) {
      ++i;
      return false;
    }
    cp = (cp << 6) | (d & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return false;
  }
  i += static_cast<size_t>(len);
  return true;
}

}  // namespace warp
