#pragma once
// Derived seeds: every random number of a run or an evaluation comes from a seed that is a pure
// function of a few integers (a base seed, a step, a row, a prompt index), never from state carried
// between steps. That is what makes resumed runs exact and evaluations use common random numbers.
//
// derive_seed folds the parts into the base with SplitMix64 (Steele et al.'s finaliser), one part at
// a time: h = mix(base ^ domain); h = mix(h ^ part_i) for each part. Different domains (a constant
// per use) keep the streams of different uses apart.

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

// Domains of the seeds derived in this code base.
constexpr uint64_t kSeedDomainEval = 0x6576616c5f726f77ull;     // "eval_row": evaluation prompt i
constexpr uint64_t kSeedDomainRollout = 0x726f6c6c6f757421ull;  // "rollout!": RL step s, row r
constexpr uint64_t kSeedDomainPrompts = 0x70726f6d70747321ull;  // "prompts!": RL prompt order, epoch e

}  // namespace warp
