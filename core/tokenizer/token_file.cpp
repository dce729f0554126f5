#include "tokenizer/token_file.h"

#include <cstring>
#include <fstream>

#include "util/error.h"
#include "util/fsutil.h"
#include "util/sha256.h"

namespace warp {

namespace {

constexpr char kMagic[8] = {'W', 'A', 'R', 'P', 'T', 'O', 'K', '\0'};
constexpr uint32_t kFlagEosPerLine = 1;

void put_le(uint8_t* p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t get_le(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

bool hex_to_raw(const std::string& hex, uint8_t* out) {
  if (hex.size() != 64) return false;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < 32; ++i) {
    int hi = nib(hex[2 * i]), lo = nib(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

std::string raw_to_hex(const uint8_t* raw) {
  static const char digits[] = "0123456789abcdef";
  std::string hex(64, '0');
  for (size_t i = 0; i < 32; ++i) {
    hex[2 * i] = digits[raw[i] >> 4];
    hex[2 * i + 1] = digits[raw[i] & 15];
  }
  return hex;
}

bool is_js_space_ascii(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

// A cut at p gives the same pieces as the whole text when text[p-1] is printable non-space ASCII
// and text[p] is ASCII whitespace: no alternative of the pattern matches across such a boundary,
// and the (?!\S) look-ahead of a whitespace run never sits at it.
size_t next_cut(std::string_view text, size_t from) {
  for (size_t p = std::max<size_t>(from, 1); p < text.size(); ++p) {
    unsigned char before = static_cast<unsigned char>(text[p - 1]);
    if (before > 0x20 && before < 0x7F && is_js_space_ascii(text[p])) return p;
  }
  return text.size();
}

TokenFileHeader parse_header(const std::string& path, const uint8_t* p, size_t file_size) {
  if (file_size < TokenFileHeader::kSize || std::memcmp(p, kMagic, 8) != 0)
    throw BadInput(file_message(path, "not a WARP token file (bad magic or shorter than its header)"));
  TokenFileHeader h;
  h.version = static_cast<uint32_t>(get_le(p + 8, 4));
  if (h.version != TokenFileHeader::kVersion)
    throw BadInput(file_message(path, "unsupported token file version " + std::to_string(h.version) + " (expected " +
                                          std::to_string(TokenFileHeader::kVersion) + ")"));
  h.dtype_bytes = static_cast<uint32_t>(get_le(p + 12, 4));
  if (h.dtype_bytes != 2 && h.dtype_bytes != 4)
    throw BadInput(file_message(path, "token dtype must be 2 or 4 bytes, got " + std::to_string(h.dtype_bytes)));
  h.count = get_le(p + 16, 8);
  h.flags = static_cast<uint32_t>(get_le(p + 24, 4));
  h.vocab_size = static_cast<uint32_t>(get_le(p + 28, 4));
  h.tokenizer_sha256 = raw_to_hex(p + 32);
  h.source_sha256 = raw_to_hex(p + 64);
  const uint64_t payload = file_size - TokenFileHeader::kSize;
  if (h.count > payload / h.dtype_bytes || h.count * h.dtype_bytes != payload)
    throw BadInput(file_message(path, "header says " + std::to_string(h.count) + " ids of " +
                                          std::to_string(h.dtype_bytes) + " bytes, but the file holds " +
                                          std::to_string(payload) + " bytes after the header (truncated?)"));
  if (h.vocab_size == 0 || (h.dtype_bytes == 2 && h.vocab_size > 65536))
    throw BadInput(file_message(
        path, "vocab_size " + std::to_string(h.vocab_size) + " does not fit dtype " + std::to_string(h.dtype_bytes)));
  return h;
}

}  // namespace

std::vector<int32_t> encode_text(const BpeTokenizer& tokenizer, std::string_view text, const TokenFileOptions& options,
                                 const ProgressFn& progress) {
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 4 + 16);
  const auto total = static_cast<int64_t>(text.size());
  const size_t chunk = std::max<size_t>(options.chunk_bytes, 1);
  report(progress, {"encode", 0, total, ""});
  if (options.eos_per_line) {
    const int32_t eos = tokenizer.eos_id();
    size_t pos = 0, last_report = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      tokenizer.encode_append(text.substr(pos, end - pos), ids);
      ids.push_back(eos);
      pos = end + 1;
      if (pos - last_report >= chunk) {
        last_report = pos;
        report(progress, {"encode", static_cast<int64_t>(std::min(pos, text.size())), total, ""});
      }
    }
  } else {
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = pos + chunk >= text.size() ? text.size() : next_cut(text, pos + chunk);
      tokenizer.encode_append(text.substr(pos, end - pos), ids);
      pos = end;
      report(progress, {"encode", static_cast<int64_t>(pos), total, ""});
    }
  }
  report(progress, {"encode", total, total, ""});
  return ids;
}

void write_token_file(const std::string& path, const std::vector<int32_t>& ids, const TokenFileHeader& header) {
  const uint32_t dtype = header.vocab_size <= 65536 ? 2 : 4;
  std::vector<uint8_t> buf(TokenFileHeader::kSize + ids.size() * dtype);
  uint8_t* p = buf.data();
  std::memcpy(p, kMagic, 8);
  put_le(p + 8, TokenFileHeader::kVersion, 4);
  put_le(p + 12, dtype, 4);
  put_le(p + 16, ids.size(), 8);
  put_le(p + 24, header.flags, 4);
  put_le(p + 28, header.vocab_size, 4);
  if (!hex_to_raw(header.tokenizer_sha256, p + 32) || !hex_to_raw(header.source_sha256, p + 64))
    throw Error(file_message(path, "token file header needs two SHA-256 hex digests"));
  uint8_t* d = p + TokenFileHeader::kSize;
  for (size_t i = 0; i < ids.size(); ++i) {
    const int32_t id = ids[i];
    if (id < 0 || static_cast<uint32_t>(id) >= header.vocab_size)
      throw BadInput(file_message(path, "token id " + std::to_string(id) + " at position " + std::to_string(i) +
                                            " out of range [0, " + std::to_string(header.vocab_size) + ")"));
    put_le(d + i * dtype, static_cast<uint32_t>(id), static_cast<int>(dtype));
  }
  make_dirs(parent_dir(path));
  write_file_atomic(path, buf.data(), buf.size());
}

TokenFileHeader read_token_file_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw BadInput(file_message(path, "cannot open token file"));
  uint8_t raw[TokenFileHeader::kSize] = {};
  in.read(reinterpret_cast<char*>(raw), sizeof raw);
  const auto got = static_cast<size_t>(in.gcount());
  in.clear();
  in.seekg(0, std::ios::end);
  const auto size = static_cast<size_t>(in.tellg());
  if (got < sizeof raw) return parse_header(path, raw, got);
  return parse_header(path, raw, size);
}

std::vector<int32_t> read_token_file(const std::string& path, TokenFileHeader* header) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  const TokenFileHeader h = parse_header(path, bytes.data(), bytes.size());
  std::vector<int32_t> ids(h.count);
  const uint8_t* d = bytes.data() + TokenFileHeader::kSize;
  for (size_t i = 0; i < ids.size(); ++i) {
    const uint64_t v = get_le(d + i * h.dtype_bytes, static_cast<int>(h.dtype_bytes));
    if (v >= h.vocab_size)
      throw BadInput(file_message(path, "token id " + std::to_string(v) + " at position " + std::to_string(i) +
                                            " out of range [0, " + std::to_string(h.vocab_size) + ")"));
    ids[i] = static_cast<int32_t>(v);
  }
  if (header) *header = h;
  return ids;
}

TokenFileResult encode_file_cached(const BpeTokenizer& tokenizer, const std::string& text_path,
                                   const std::string& cache_path, const TokenFileOptions& options,
                                   const ProgressFn& progress) {
  const std::string text = read_file_text(text_path);
  TokenFileHeader want;
  want.flags = options.eos_per_line ? kFlagEosPerLine : 0;
  want.vocab_size = static_cast<uint32_t>(tokenizer.vocab_size());
  want.tokenizer_sha256 = tokenizer.sha256();
  want.source_sha256 = sha256_hex(text.data(), text.size());

  if (is_regular_file(cache_path)) {
    try {
      TokenFileHeader have = read_token_file_header(cache_path);
      if (have.flags == want.flags && have.vocab_size == want.vocab_size &&
          have.tokenizer_sha256 == want.tokenizer_sha256 && have.source_sha256 == want.source_sha256)
        return {cache_path, true, have.count};
    } catch (const BadInput&) {
      // Corrupt or foreign: encoded afresh below, replacing it.
    }
  }
  std::vector<int32_t> ids = encode_text(tokenizer, text, options, progress);
  want.count = ids.size();
  write_token_file(cache_path, ids, want);
  return {cache_path, false, want.count};
}

}  // namespace warp
