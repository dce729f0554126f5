// Tests of util/seeds.h: SplitMix64 against its published first outputs, and the list of seed
// domains (each the 8 ASCII bytes of its name, all distinct).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "util/seeds.h"

using namespace warp;

namespace {

uint64_t ascii8(const std::string& name) {
  uint64_t v = 0;
  for (char ch : name) v = (v << 8) | static_cast<unsigned char>(ch);
  return v;
}

}  // namespace

TEST(Seeds, SplitMix64MatchesTheReferenceStream) {
  // The reference generator's outputs for state 0 are splitmix64(0), splitmix64(γ), splitmix64(2γ).
  const uint64_t gamma = 0x9e3779b97f4a7c15ull;
  EXPECT_EQ(splitmix64(0), 0xe220a8397b1dcdafull);
  EXPECT_EQ(splitmix64(gamma), 0x6e789e6aa1b965f4ull);
  EXPECT_EQ(splitmix64(2 * gamma), 0x06c45d188009454full);
}

TEST(Seeds, DeriveSeedAndMixKeysFoldTheirParts) {
  EXPECT_EQ(derive_seed(7, 11, {}), splitmix64(11 ^ splitmix64(7)));
  EXPECT_EQ(derive_seed(7, 11, {3, 5}), splitmix64(splitmix64(splitmix64(11 ^ splitmix64(7)) ^ 3) ^ 5));
  EXPECT_NE(derive_seed(7, 11, {3, 5}), derive_seed(7, 11, {5, 3}));
  const uint64_t iv = 0x6a09e667f3bcc908ull;
  EXPECT_EQ(mix_keys({}), iv);
  EXPECT_EQ(mix_keys({9, 4}), splitmix64(splitmix64(iv ^ splitmix64(9)) ^ splitmix64(4)));
}

TEST(Seeds, EveryDomainIsItsNameAndDistinct) {
  const std::vector<std::pair<uint64_t, std::string>> domains = {
      {kSeedDomainEval, "eval_row"},    {kSeedDomainRollout, "rollout!"},     {kSeedDomainPrompts, "prompts!"},
      {kSeedDomainWarpRun, "warp_run"}, {kSeedDomainWarpPrompts, "warp_prt"},
  };
  std::set<uint64_t> seen;
  for (const auto& [value, name] : domains) {
    EXPECT_EQ(value, ascii8(name)) << name;
    EXPECT_TRUE(seen.insert(value).second) << name << " repeats a domain";
  }
  const std::set<uint64_t> tags = {kSeedTagPairA, kSeedTagPairB, kSeedTagPreference, kSeedTagShuffle, kSeedTagRmEpoch};
  EXPECT_EQ(tags.size(), 5u);
}
