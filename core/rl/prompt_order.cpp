#include "rl/prompt_order.h"

#include <string>
#include <utility>

#include "util/error.h"
#include "util/seeds.h"

namespace warp {

namespace {

// SplitMix64 as a counter-based stream.
class SplitMixStream {
 public:
  explicit SplitMixStream(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    const uint64_t x = state_;
    state_ += 0x9e3779b97f4a7c15ull;
    return splitmix64(x);  // adds the same constant to x before mixing
  }
  // Uniform in [0, bound) (bound > 0), by rejection of the top partial range.
  uint64_t below(uint64_t bound) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t x;
    do x = next();
    while (x >= limit);
    return x % bound;
  }

 private:
  uint64_t state_;
};

}  // namespace

PromptOrder::PromptOrder(int64_t num_prompts, uint64_t prompt_seed) : n_(num_prompts), seed_(prompt_seed) {
  if (n_ <= 0) throw BadInput("prompt order: there are no training prompts");
}

std::vector<int64_t> PromptOrder::epoch(int64_t e) const {
  std::vector<int64_t> perm(static_cast<size_t>(n_));
  for (int64_t i = 0; i < n_; ++i) perm[static_cast<size_t>(i)] = i;
  SplitMixStream rng(derive_seed(kSeedDomainPrompts, seed_, {static_cast<uint64_t>(e)}));
  for (int64_t i = n_ - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(i) + 1));
    std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(j)]);
  }
  return perm;
}

int64_t PromptOrder::at(int64_t position) {
  if (position < 0) throw BadInput("prompt order: negative stream position " + std::to_string(position));
  const int64_t e = position / n_;
  if (e != cached_epoch_) {
    perm_ = epoch(e);
    cached_epoch_ = e;
  }
  return perm_[static_cast<size_t>(position % n_)];
}

}  // namespace warp
