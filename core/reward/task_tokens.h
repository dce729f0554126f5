#pragma once
// How the embedded task turns prompt texts into policy inputs and sampled tokens back into
// completion texts. RL, evaluation and the reward model use these same rules, so a reward model
// sees at scoring time what it saw in training.
//
// Prompt ids: <|endoftext|> followed by encode(prompt). The SFT token stream (experiment/task_data.h)
// holds each corpus sentence encoded on its own and followed by <|endoftext|>, so a sentence start
// is always preceded by that token there; the leading EOS puts a prompt in the same context (and
// gives an empty prompt a defined meaning). The prompt text is encoded as is: a prompt is the
// start of a sentence, which in the corpus has no leading space; the completion's first token
// carries its own leading space (" jury"), as in the corpus.
//
// Completion ids: the sampled tokens up to, not including, the first EOS (and never beyond the
// sampler's mask). Completion text: their decoded bytes (may end in a partial UTF-8 sequence when
// the sampler stopped mid-character; text consumers treat invalid bytes as separators).

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "tokenizer/bpe.h"

namespace warp {

// [eos] + encode(prompt). Throws Error when the tokenizer has no <|endoftext|>.
std::vector<int64_t> prompt_token_ids(const BpeTokenizer& tokenizer, const std::string& prompt);

// Per row b of tokens [B, K] int64 with mask [B, K] bool (true up to and including EOS): the ids
// while mask is true, stopping before the first eos_id (eos_id < 0: no EOS). BadInput for
// mismatched shapes or dtypes. Copies to the CPU.
std::vector<std::vector<int64_t>> completion_id_rows(const torch::Tensor& tokens, const torch::Tensor& mask,
                                                     int64_t eos_id);

// decode(ids) as text; BadInput for an id outside the vocabulary.
std::string completion_text(const BpeTokenizer& tokenizer, const std::vector<int64_t>& ids);

// The text of completion ids for text rewards: completion_text, except that ids the tokenizer does
// not know (a model vocabulary larger than the tokenizer's) become U+FFFD.
std::string decode_completion(const BpeTokenizer& tokenizer, const std::vector<int64_t>& ids);

}  // namespace warp
