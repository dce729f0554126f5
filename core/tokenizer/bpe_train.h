#pragma once
// Training a byte-level BPE tokenizer (GPT-2 style) on text.
//
// The text is cut into pieces by GPT-2's pattern (tokenizer/pretokenizer.h) and the distinct pieces
// are counted. Every piece starts as its bytes (the 256 byte tokens, ids 0..255 in GPT-2's order).
// Then, repeatedly, the adjacent pair of tokens with the highest count (summed over pieces,
// weighted by piece counts) is merged everywhere (left to right, non-overlapping) into a new token,
// until the vocabulary reaches vocab_size or no pair occurs min_pair_count times. Ties go to the
// pair whose left token's bytes, then right token's bytes, are lexicographically smallest (as
// unsigned bytes), so training is deterministic. <|endoftext|> is appended last.
//
// Pair counts are updated incrementally: a merge only revisits the pieces that hold the pair
// (an index pair -> pieces) and a lazy max-heap gives the next pair.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "tokenizer/bpe.h"
#include "tokenizer/pretokenizer.h"
#include "util/progress.h"

namespace warp {

struct BpeTrainOptions {
  int32_t vocab_size = 4096;   // final vocabulary: 256 byte tokens + merged tokens (+ <|endoftext|>)
  int64_t min_pair_count = 2;  // stop early when the most frequent pair occurs fewer times
  bool add_eos = true;         // append <|endoftext|> as the last id

  // Throws BadInput for vocab_size < 256 (+1 with add_eos) or > 2^24, min_pair_count < 1.
  void validate() const;
  nlohmann::json to_json() const;
  // Missing keys keep their defaults; `where` names the source in messages.
  static BpeTrainOptions from_json(const nlohmann::json& j, const std::string& where);
};

class BpeTrainer {
 public:
  explicit BpeTrainer(BpeTrainOptions options = {});

  // Pre-tokenizes the text with GPT-2's pattern and counts its pieces.
  void add_text(std::string_view text);
  // Counts one piece as is (no pre-tokenization).
  void add_piece(std::string_view piece, int64_t count = 1);
  size_t num_distinct_pieces() const { return counts_.size(); }
  int64_t num_pieces() const { return total_; }

  // Learns the merges. Reports ("train tokenizer", merged tokens so far, merged tokens wanted);
  // throws Cancelled when the callback asks to stop.
  BpeTokenizer train(const ProgressFn& progress = {}) const;

 private:
  BpeTrainOptions options_;
  Pretokenizer pre_;
  std::unordered_map<std::string, int64_t> counts_;
  int64_t total_ = 0;
};

// Convenience: one trainer fed every text.
BpeTokenizer train_bpe(const std::vector<std::string>& texts, const BpeTrainOptions& options,
                       const ProgressFn& progress = {});

}  // namespace warp
