#pragma once
// A text file encoded to token ids once and cached on disk (e.g. the Brown corpus for pretraining).
//
// Format (little-endian), header of 96 bytes then the ids:
//   0  char[8]  magic "WARPTOK\0"
//   8  u32      version (1)
//   12 u32      dtype: bytes per id, 2 (uint16, when every id fits: vocab_size <= 65536) or 4 (uint32)
//   16 u64      count of ids
//   24 u32      flags: bit 0 = eos_per_line
//   28 u32      vocab_size of the tokenizer
//   32 u8[32]   SHA-256 of the tokenizer (BpeTokenizer::sha256)
//   64 u8[32]   SHA-256 of the source text file
//   96 ids      count x dtype bytes
// The file is written atomically (temp + fsync + rename); it is reused only when the tokenizer,
// the source text and the options all match its header, so a stale cache is never read.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/bpe.h"
#include "util/progress.h"

namespace warp {

struct TokenFileOptions {
  // false: the whole text is encoded as one string (GPT-2 style, newlines are tokens).
  // true: each line is encoded on its own, without its '\n', and followed by <|endoftext|>
  //       (empty lines give a lone <|endoftext|>).
  bool eos_per_line = false;
  // Work unit between progress reports (does not change the ids).
  size_t chunk_bytes = size_t{1} << 20;
};

struct TokenFileHeader {
  static constexpr uint32_t kVersion = 1;
  static constexpr size_t kSize = 96;
  uint32_t version = kVersion;
  uint32_t dtype_bytes = 0;
  uint64_t count = 0;
  uint32_t flags = 0;
  uint32_t vocab_size = 0;
  std::string tokenizer_sha256;  // hex
  std::string source_sha256;     // hex
};

struct TokenFileResult {
  std::string path;
  bool reused = false;  // the cache was up to date; nothing was encoded
  uint64_t count = 0;
};

// The ids a token file of this text holds. Reports ("encode", bytes done, bytes total).
std::vector<int32_t> encode_text(const BpeTokenizer& tokenizer, std::string_view text,
                                 const TokenFileOptions& options = {}, const ProgressFn& progress = {});

// Encodes text_path into cache_path unless cache_path already holds that encoding.
TokenFileResult encode_file_cached(const BpeTokenizer& tokenizer, const std::string& text_path,
                                   const std::string& cache_path, const TokenFileOptions& options = {},
                                   const ProgressFn& progress = {});

// Writes a token file atomically. Throws BadInput for an id outside [0, vocab_size).
void write_token_file(const std::string& path, const std::vector<int32_t>& ids, const TokenFileHeader& header);

// Reads and checks the header (magic, version, dtype, size consistent with count); throws BadInput
// naming the file.
TokenFileHeader read_token_file_header(const std::string& path);
// Reads the ids (checked against the header's vocab_size); throws BadInput naming the file.
std::vector<int32_t> read_token_file(const std::string& path, TokenFileHeader* header = nullptr);

}  // namespace warp
