// Preference labels and data: the label frequency for a fixed gold difference follows
// σ(Δg / s), the pair file round-trips, the RM config refuses bad values, and the correlation helper
// matches hand-computed values.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "reward/preference_data.h"
#include "reward/rm_trainer.h"
#include "test_support.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/seeds.h"

using namespace warp;

TEST(Preference, ProbabilityIsTheLogisticOfTheScaledDifference) {
  EXPECT_DOUBLE_EQ(preference_probability(0.3, 0.3, 0.1), 0.5);
  EXPECT_NEAR(preference_probability(0.2, 0.1, 0.2), 0.6224593312018546, 1e-15);   // σ(0.5)
  EXPECT_NEAR(preference_probability(0.0, 0.3, 0.1), 0.04742587317756678, 1e-15);  // σ(−3)
  EXPECT_NEAR(preference_probability(5, -5, 0.01), 1.0, 1e-15);                    // σ(1000), no overflow
  EXPECT_NEAR(preference_probability(-5, 5, 0.01), 0.0, 1e-15);
}

TEST(Preference, LabelFrequencyMatchesTheModel) {
  // For a fixed Δg the empirical frequency of "a preferred" over many seeded draws is σ(Δg / s)
  // within 4 binomial standard deviations.
  struct Case {
    double ga, gb, s;
  };
  for (const Case& c : {Case{0.2, 0.1, 0.2}, Case{0.0, 0.3, 0.1}, Case{0.1, 0.1, 0.1}, Case{0.5, 0.0, 0.25}}) {
    const int n = 20000;
    int wins = 0;
    for (int k = 0; k < n; ++k)
      wins += draw_preference(c.ga, c.gb, c.s, mix_keys({7, static_cast<uint64_t>(k)})) ? 1 : 0;
    const double p = preference_probability(c.ga, c.gb, c.s);
    const double sd = std::sqrt(p * (1 - p) / n);
    EXPECT_NEAR(static_cast<double>(wins) / n, p, 4 * sd + 1e-12) << c.ga << " vs " << c.gb << " s=" << c.s;
  }
  // Deterministic: the same key gives the same label.
  for (uint64_t k = 0; k < 100; ++k) EXPECT_EQ(draw_preference(0.2, 0.1, 0.2, k), draw_preference(0.2, 0.1, 0.2, k));
}

TEST(Preference, ShuffledIndicesArePermutations) {
  auto a = shuffled_indices(50, 3), b = shuffled_indices(50, 3), c = shuffled_indices(50, 4);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  std::set<int64_t> seen(a.begin(), a.end());
  EXPECT_EQ(seen.size(), 50u);
  EXPECT_EQ(*seen.begin(), 0);
  EXPECT_EQ(*seen.rbegin(), 49);
}

TEST(Preference, FileRoundTripAndErrors) {
  const auto dir = test::scratch_dir("rm-pairs");
  PreferenceData d;
  d.attempts = 9;
  d.ties_dropped = 4;
  d.key = {{"data", {{"pairs", 2}}}};
  PreferencePair p;
  p.prompt_index = 3;
  p.prompt = "The jury said";
  p.prompt_ids = {0, 5, 6};
  p.ids_a = {7, 8};
  p.ids_b = {};
  p.text_a = " good \"news\"\n";
  p.text_b = "";
  p.gold_a = 0.75;
  p.gold_b = -0.5;
  p.a_preferred = true;
  p.heldout = false;
  d.pairs.push_back(p);
  p.heldout = true;
  p.a_preferred = false;
  d.pairs.push_back(p);
  save_preference_data(d, dir + "/pairs.json");
  auto back = load_preference_data(dir + "/pairs.json");
  EXPECT_EQ(back.key, d.key);
  EXPECT_EQ(back.attempts, 9);
  EXPECT_EQ(back.ties_dropped, 4);
  ASSERT_EQ(back.pairs.size(), 2u);
  EXPECT_EQ(back.pairs[0].prompt, "The jury said");
  EXPECT_EQ(back.pairs[0].prompt_ids, (std::vector<int64_t>{0, 5, 6}));
  EXPECT_EQ(back.pairs[0].ids_a, (std::vector<int64_t>{7, 8}));
  EXPECT_TRUE(back.pairs[0].ids_b.empty());
  EXPECT_EQ(back.pairs[0].text_a, " good \"news\"\n");
  EXPECT_EQ(back.pairs[0].gold_a, 0.75);
  EXPECT_TRUE(back.pairs[0].a_preferred);
  EXPECT_FALSE(back.pairs[1].a_preferred);
  EXPECT_TRUE(back.pairs[1].heldout);

  write_file_atomic(dir + "/bad.json",
                    std::string("{\"format\": \"warp-rm-pairs\", \"version\": 1, \"pairs\": [{\"prompt\": 1}]}"));
  try {
    load_preference_data(dir + "/bad.json");
    FAIL();
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("pair 0"), std::string::npos) << e.what();
  }
  write_file_atomic(dir + "/other.json", std::string("{\"format\": \"something\"}"));
  EXPECT_THROW(load_preference_data(dir + "/other.json"), BadInput);
  write_file_atomic(dir + "/broken.json", std::string("{\"format\": "));
  EXPECT_THROW(load_preference_data(dir + "/broken.json"), BadInput);
}

TEST(RmConfig, JsonRoundTripAndValidation) {
  RmConfig c;
  c.pairs = 64;
  c.noise_scale = 0.3;
  c.keep_ties = true;
  c.device = "cpu";
  auto back = RmConfig::from_json(c.to_json(), "test");
  EXPECT_EQ(back.to_json(), c.to_json());
  EXPECT_EQ(back.data_config().pairs, 64);
  EXPECT_EQ(back.data_config().noise_scale, 0.3);
  EXPECT_TRUE(back.data_config().keep_ties);
  auto refused = [](const nlohmann::json& j, const std::string& word) {
    try {
      RmConfig::from_json(j, "config.json (rm)");
    } catch (const BadInput& e) {
      return std::string(e.what()).find(word) != std::string::npos;
    }
    return false;
  };
  EXPECT_TRUE(refused({{"noise_scale", 0.0}}, "noise_scale"));
  EXPECT_TRUE(refused({{"noise_scale", -1.0}}, "noise_scale"));
  EXPECT_TRUE(refused({{"pairs", 1}}, "pairs"));
  EXPECT_TRUE(refused({{"heldout_fraction", 1.0}}, "heldout_fraction"));
  EXPECT_TRUE(refused({{"steps", 0}}, "steps"));
  EXPECT_TRUE(refused({{"temperature", 0.0}}, "temperature"));
  EXPECT_TRUE(refused({{"noise", 0.1}}, "noise"));  // unknown field
  EXPECT_TRUE(refused({{"lr", "fast"}}, "lr"));
}

TEST(Pearson, MatchesHandComputedValues) {
  // x = 1..4, y = 2, 4, 5, 9: means 2.5 and 5; sxy = 4.5 + 0.5 + 0 + 6 = 11, sxx = 5, syy = 26;
  // r = 11 / sqrt(130).
  EXPECT_NEAR(pearson_correlation({1, 2, 3, 4}, {2, 4, 5, 9}), 11.0 / std::sqrt(130.0), 1e-15);
  EXPECT_NEAR(pearson_correlation({1, 2, 3}, {3, 2, 1}), -1.0, 1e-15);
  EXPECT_TRUE(std::isnan(pearson_correlation({1, 1, 1}, {1, 2, 3})));
  EXPECT_TRUE(std::isnan(pearson_correlation({1}, {1})));
}
