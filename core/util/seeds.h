#pragma once
// Derived seeds: every random number of a run or an evaluation comes from a seed that is a pure
// function of a few integers (a base seed, a step, a row, a prompt index), never from state carried
// between steps. That is what makes resumed runs exact and evaluations use common random numbers.
//
// derive_seed folds the parts into the base with SplitMix64 (Steele et al.'s finaliser), one part at
// a time: h = mix(base ^ mix(domain)); h = mix(h ^ part_i) for each part. Different domains (a
// constant per use, listed below) keep the streams of different uses apart.
//
// mix_keys is the reward model's older scheme (reward/preference_data.h, reward/rm_trainer.cpp):
// h = IV; h = mix(h ^ mix(w)) for each word, where one of the words is a tag from the list below.
// Both are kept as they are: changing either would change every seed of existing runs.

#include <cstdint>
#include <initializer_list>

namespace warp {

// SplitMix64's output function: a bijection of 64-bit integers with good avalanche.
inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

inline uint64_t derive_seed(uint64_t domain, uint64_t base, std::initializer_list<uint64_t> parts) {
  uint64_t h = splitmix64(base ^ splitmix64(domain));
  for (uint64_t p : parts) h = splitmix64(h ^ p);
  return h;
}

inline uint64_t mix_keys(std::initializer_list<uint64_t> words) {
  uint64_t h = 0x6a09e667f3bcc908ull;
  for (uint64_t w : words) h = splitmix64(h ^ splitmix64(w));
  return h;
}

// Every seed domain of this code base (derive_seed's first argument), one per use. A new use gets
// a new constant here; the values are 8 ASCII bytes naming the use.
constexpr uint64_t kSeedDomainEval = 0x6576616c5f726f77ull;     // "eval_row": evaluation prompt i
constexpr uint64_t kSeedDomainRollout = 0x726f6c6c6f757421ull;  // "rollout!": RL step s, row r
constexpr uint64_t kSeedDomainPrompts = 0x70726f6d70747321ull;  // "prompts!": RL prompt order, epoch e
constexpr uint64_t kSeedDomainWarpRun = 0x776172705f72756eull;  // "warp_run": WARP worker m of iteration i, its seed
constexpr uint64_t kSeedDomainWarpPrompts = 0x776172705f707274ull;  // "warp_prt": the same worker's prompt seed
constexpr uint64_t kSeedDomainRmMember = 0x726d5f6d656d6272ull;     // "rm_membr": WARM member k's batch-order seed

// The tags of mix_keys (the reward model's preference data and trainer).
constexpr uint64_t kSeedTagPairA = 0;          // {seed, round, prompt, A}: completion a of a pair
constexpr uint64_t kSeedTagPairB = 1;          // {seed, round, prompt, B}: completion b of a pair
constexpr uint64_t kSeedTagPreference = 2;     // {seed, round, prompt, 2}: the noisy preference draw
constexpr uint64_t kSeedTagShuffle = 0x0dde5;  // {seed, tag}: shuffled_indices' stream
constexpr uint64_t kSeedTagRmEpoch = 0xba7c4;  // {seed, epoch, tag}: the reward model's batch order

}  // namespace warp
