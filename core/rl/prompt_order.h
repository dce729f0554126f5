#pragma once
// The order in which an RL run visits its training prompts: epoch after epoch, each epoch a fresh
// permutation of the prompt set drawn from (prompt_seed, epoch) only. Step s of a run with batch B
// takes stream positions [s·B, (s+1)·B), so the prompts of a step depend on (prompt_seed, s, B)
// alone: runs differ by --prompt-seed, and a resumed run sees exactly the prompts of the
// uninterrupted one. The data position stored in checkpoints is s·B.
//
// Permutation of epoch e: Fisher-Yates over 0..n-1 (i from n-1 down to 1, swap with j uniform in
// [0, i]) driven by a SplitMix64 counter stream seeded with
// derive_seed(kSeedDomainPrompts, prompt_seed, {e}) (util/seeds.h), bounded draws by rejection:
// the same order on every platform and standard library.

#include <cstdint>
#include <vector>

namespace warp {

class PromptOrder {
 public:
  // BadInput when num_prompts <= 0.
  PromptOrder(int64_t num_prompts, uint64_t prompt_seed);

  // The prompt index at stream position p >= 0.
  int64_t at(int64_t position);
  // The permutation of epoch e.
  std::vector<int64_t> epoch(int64_t e) const;

 private:
  int64_t n_;
  uint64_t seed_;
  int64_t cached_epoch_ = -1;
  std::vector<int64_t> perm_;
};

}  // namespace warp
