#pragma once
// The tokenizer that goes with a policy checkpoint. Looked for, in order:
//   1. an explicit folder (--tokenizer DIR) holding vocab.json + merges.txt (or encoder.json + vocab.bpe);
//   2. the tokenizer files embedded in the checkpoint (/files/vocab.json, /files/merges.txt;
//      `warp import` embeds them);
//   3. <checkpoint folder>/../tokenizer, when the checkpoint sits in an experiment's checkpoints/;
//   4. the checkpoint's own folder.
// Throws BadInput naming the checkpoint and the places looked at when none has one.

#include <string>

#include "store/tensor_info.h"
#include "tokenizer/bpe.h"

namespace warp {

BpeTokenizer tokenizer_for_checkpoint(const std::string& checkpoint, const std::string& explicit_dir = "");

// The tokenizer as uint8 tensors "vocab.json" and "merges.txt", for a checkpoint's /files group.
NamedTensors tokenizer_file_tensors(const BpeTokenizer& tokenizer);

}  // namespace warp
