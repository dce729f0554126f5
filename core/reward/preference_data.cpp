#include "reward/preference_data.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "reward/task_tokens.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/json_read.h"
#include "util/seeds.h"

namespace warp {

namespace {

// A uniform in [0, 1) with 53 bits from a 64-bit hash.
double unit_uniform(uint64_t h) { return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0); }

// Position p of the shuffled prompt order is held out when floor((p+1) f) > floor(p f): a fraction f
// of the positions, spread evenly, so any prefix of the order holds about f of them.
bool heldout_position(int64_t p, double f) {
  return std::floor(static_cast<double>(p + 1) * f) > std::floor(static_cast<double>(p) * f);
}

}  // namespace

std::vector<int64_t> shuffled_indices(int64_t n, uint64_t seed) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  uint64_t state = mix_keys({seed, kSeedTagShuffle});
  for (int64_t i = n - 1; i > 0; --i) {
    state = splitmix64(state);
    // Unbiased bounded draw by rejection.
    const uint64_t bound = static_cast<uint64_t>(i + 1);
    const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    while (state >= limit) state = splitmix64(state);
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(state % bound)]);
  }
  return order;
}

namespace {

template <typename T>
T field(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) throw BadInput(where + ": missing field '" + key + "'");
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw BadInput(where + ": field '" + key + "' has the wrong type: " + j.at(key).dump());
  }
}

}  // namespace

void PreferenceDataConfig::validate() const {
  auto bad = [](const std::string& what) { throw BadInput("rm: " + what); };
  if (pairs < 2) bad("pairs must be >= 2, got " + std::to_string(pairs));
  if (!(heldout_fraction > 0 && heldout_fraction < 1))
    bad("heldout_fraction must be in (0, 1), got " + std::to_string(heldout_fraction));
  if (!(noise_scale > 0) || !std::isfinite(noise_scale))
    bad("noise_scale must be > 0, got " + std::to_string(noise_scale));
  if (max_attempts_factor < 1) bad("max_attempts_factor must be >= 1, got " + std::to_string(max_attempts_factor));
  if (sample_batch < 1) bad("sample_batch must be >= 1, got " + std::to_string(sample_batch));
}

nlohmann::json PreferenceDataConfig::to_json() const {
  return {{"pairs", pairs},
          {"heldout_fraction", heldout_fraction},
          {"noise_scale", noise_scale},
          {"keep_ties", keep_ties},
          {"max_attempts_factor", max_attempts_factor},
          {"temperature", sampling.temperature},
          {"top_k", sampling.top_k},
          {"top_p", sampling.top_p},
          {"max_new_tokens", sampling.max_new_tokens},
          {"seed", seed}};
}

double preference_probability(double gold_a, double gold_b, double noise_scale) {
  const double z = (gold_a - gold_b) / noise_scale;
  return z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
}

bool draw_preference(double gold_a, double gold_b, double noise_scale, uint64_t key) {
  return unit_uniform(splitmix64(key)) < preference_probability(gold_a, gold_b, noise_scale);
}

PreferenceData generate_preference_pairs(GPT& policy, const BpeTokenizer& tokenizer,
                                         const std::vector<std::string>& prompts, const Lexicon& gold,
                                         const PreferenceDataConfig& config, torch::Device device,
                                         const ProgressFn& progress) {
  config.validate();
  if (prompts.empty()) throw BadInput("rm: no training prompts");
  SampleOptions sopt = config.sampling;
  sopt.eos_id = tokenizer.eos_id();
  sopt.validate(policy->config().vocab_size);

  const auto n = static_cast<int64_t>(prompts.size());
  const auto order = shuffled_indices(n, config.seed);
  std::vector<std::vector<int64_t>> prompt_ids(static_cast<size_t>(n));
  const int64_t max_attempts = config.max_attempts_factor * config.pairs;

  PreferenceData out;
  report(progress, {"rm-data", 0, config.pairs, "sampling pairs from the policy"});
  while (static_cast<int64_t>(out.pairs.size()) < config.pairs && out.attempts < max_attempts) {
    // One sampler call: the next chunk of attempts, rows [a0, b0, a1, b1, ...].
    // Pairs beyond `pairs` are discarded, so the pairs kept do not depend on sample_batch.
    const int64_t chunk = std::min(config.sample_batch, max_attempts - out.attempts);
    std::vector<std::vector<int64_t>> rows;
    std::vector<uint64_t> seeds;
    std::vector<int64_t> attempt_of;
    for (int64_t k = 0; k < chunk; ++k) {
      const int64_t j = out.attempts + k;
      const int64_t pos = j % n, round = j / n;
      const int64_t pi = order[static_cast<size_t>(pos)];
      auto& ids = prompt_ids[static_cast<size_t>(pi)];
      if (ids.empty()) ids = prompt_token_ids(tokenizer, prompts[static_cast<size_t>(pi)]);
      for (uint64_t which : {kSeedTagPairA, kSeedTagPairB}) {
        rows.push_back(ids);
        seeds.push_back(mix_keys({config.seed, static_cast<uint64_t>(round), static_cast<uint64_t>(pi), which}));
      }
      attempt_of.push_back(j);
    }
    SampleResult s = sample(policy, rows, seeds, sopt, device);
    const auto completions = completion_id_rows(s.tokens, s.mask, sopt.eos_id);
    for (int64_t k = 0; k < chunk; ++k) {
      const int64_t j = attempt_of[static_cast<size_t>(k)];
      const int64_t pos = j % n, round = j / n;
      PreferencePair p;
      p.prompt_index = order[static_cast<size_t>(pos)];
      p.prompt = prompts[static_cast<size_t>(p.prompt_index)];
      p.prompt_ids = prompt_ids[static_cast<size_t>(p.prompt_index)];
      p.ids_a = completions[static_cast<size_t>(2 * k)];
      p.ids_b = completions[static_cast<size_t>(2 * k + 1)];
      p.text_a = completion_text(tokenizer, p.ids_a);
      p.text_b = completion_text(tokenizer, p.ids_b);
      p.gold_a = gold.score(p.text_a);
      p.gold_b = gold.score(p.text_b);
      p.heldout = heldout_position(pos, config.heldout_fraction);
      if (p.gold_a == p.gold_b && !config.keep_ties) {
        ++out.ties_dropped;
        continue;
      }
      p.a_preferred = draw_preference(p.gold_a, p.gold_b, config.noise_scale,
                                      mix_keys({config.seed, static_cast<uint64_t>(round),
                                                static_cast<uint64_t>(p.prompt_index), kSeedTagPreference}));
      if (static_cast<int64_t>(out.pairs.size()) < config.pairs) out.pairs.push_back(std::move(p));
    }
    out.attempts += chunk;
    report(progress,
           {"rm-data", static_cast<int64_t>(out.pairs.size()), config.pairs,
            std::to_string(out.attempts) + " prompts sampled, " + std::to_string(out.ties_dropped) + " ties dropped"});
  }
  int64_t heldout = 0;
  for (const auto& p : out.pairs) heldout += p.heldout ? 1 : 0;
  const int64_t train = static_cast<int64_t>(out.pairs.size()) - heldout;
  if (train == 0 || heldout == 0)
    throw BadInput("rm: after " + std::to_string(out.attempts) + " sampled prompts (" +
                   std::to_string(out.ties_dropped) + " ties dropped) there are " + std::to_string(train) +
                   " training and " + std::to_string(heldout) +
                   " held-out pairs; both must be non-empty (raise pairs or heldout_fraction, or set keep_ties)");
  return out;
}

// ---- file --------------------------------------------------------------------------------------

void save_preference_data(const PreferenceData& data, const std::string& path) {
  nlohmann::json pairs = nlohmann::json::array();
  for (const auto& p : data.pairs)
    pairs.push_back({{"prompt_index", p.prompt_index},
                     {"prompt", p.prompt},
                     {"prompt_ids", p.prompt_ids},
                     {"ids_a", p.ids_a},
                     {"ids_b", p.ids_b},
                     {"text_a", p.text_a},
                     {"text_b", p.text_b},
                     {"gold_a", p.gold_a},
                     {"gold_b", p.gold_b},
                     {"a_preferred", p.a_preferred},
                     {"heldout", p.heldout}});
  nlohmann::json j = {{"format", "warp-rm-pairs"},
                      {"version", 1},
                      {"key", data.key},
                      {"stats", {{"attempts", data.attempts}, {"ties_dropped", data.ties_dropped}}},
                      {"pairs", std::move(pairs)}};
  write_file_atomic(path, j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

PreferenceData load_preference_data(const std::string& path) {
  const nlohmann::json j = parse_json(read_file_text(path), path);
  if (!j.is_object() || j.value("format", std::string()) != "warp-rm-pairs")
    throw BadInput(file_message(path, "not a preference-pairs file (format \"warp-rm-pairs\" expected)"));
  if (field<int64_t>(j, "version", path) != 1)
    throw BadInput(file_message(path, "version " + j.at("version").dump() + " is not supported (expected 1)"));
  PreferenceData data;
  data.key = j.value("key", nlohmann::json());
  const auto& stats = j.value("stats", nlohmann::json::object());
  data.attempts = stats.value("attempts", int64_t{0});
  data.ties_dropped = stats.value("ties_dropped", int64_t{0});
  if (!j.contains("pairs") || !j.at("pairs").is_array()) throw BadInput(file_message(path, "no \"pairs\" array"));
  int64_t i = 0;
  for (const auto& e : j.at("pairs")) {
    const std::string where = path + ": pair " + std::to_string(i++);
    PreferencePair p;
    p.prompt_index = field<int64_t>(e, "prompt_index", where);
    p.prompt = field<std::string>(e, "prompt", where);
    p.prompt_ids = field<std::vector<int64_t>>(e, "prompt_ids", where);
    p.ids_a = field<std::vector<int64_t>>(e, "ids_a", where);
    p.ids_b = field<std::vector<int64_t>>(e, "ids_b", where);
    p.text_a = field<std::string>(e, "text_a", where);
    p.text_b = field<std::string>(e, "text_b", where);
    p.gold_a = field<double>(e, "gold_a", where);
    p.gold_b = field<double>(e, "gold_b", where);
    p.a_preferred = field<bool>(e, "a_preferred", where);
    p.heldout = field<bool>(e, "heldout", where);
    if (p.prompt_ids.empty()) throw BadInput(where + ": prompt_ids is empty");
    data.pairs.push_back(std::move(p));
  }
  return data;
}

}  // namespace warp
