#include "data/prompts.h"

#include <limits>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/fsutil.h"
#include "util/json_read.h"

namespace warp {

namespace {

// SplitMix64 (Steele, Lea, Flood 2014): a fixed, portable generator, unlike the distributions of
// <random>, whose outputs differ between standard libraries.
class SplitMix64 {
 public:
  SplitMix64(uint64_t seed, uint64_t stream) : state_(seed ^ (stream * 0xD1B54A32D192ED03ULL)) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n > 0, without modulo bias (draws below 2^64 mod n are rejected).
  uint64_t below(uint64_t n) {
    const uint64_t threshold = (0 - n) % n;
    for (;;) {
      const uint64_t x = next();
      if (x >= threshold) return x % n;
    }
  }

 private:
  uint64_t state_;
};

bool starts_with_capital(const std::string& s) { return !s.empty() && s[0] >= 'A' && s[0] <= 'Z'; }

// The first k space-separated pieces of text.
std::string first_pieces(const std::string& text, int32_t k) {
  size_t pos = 0;
  for (int32_t i = 0; i < k; ++i) {
    pos = text.find(' ', pos);
    if (pos == std::string::npos) return text;
    if (i + 1 < k) ++pos;
  }
  return text.substr(0, pos);
}

int32_t count_pieces(const std::string& text) {
  int32_t n = 0;
  bool in_piece = false;
  for (char c : text) {
    if (c == ' ') {
      in_piece = false;
    } else if (!in_piece) {
      in_piece = true;
      ++n;
    }
  }
  return n;
}

nlohmann::json prompt_json(const Prompt& p) {
  return {{"text", p.text}, {"doc", p.doc}, {"sentence", p.sentence}, {"words", p.words}};
}

template <typename T>
T get_field(const nlohmann::json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end()) throw BadInput(where + ": missing field '" + key + "'");
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw BadInput(where + ": field '" + key + "' has the wrong type (" + it->type_name() + ")");
  }
}

}  // namespace

void PromptConfig::validate() const {
  if (min_words < 1) throw BadInput("prompts: min_words must be >= 1, got " + std::to_string(min_words));
  if (max_words < min_words)
    throw BadInput("prompts: max_words must be >= min_words (" + std::to_string(min_words) + "), got " +
                   std::to_string(max_words));
  if (min_sentence_words < max_words + 1)
    throw BadInput("prompts: min_sentence_words must exceed max_words (" + std::to_string(max_words) +
                   ") so every prompt leaves words to complete, got " + std::to_string(min_sentence_words));
  if (eval_size < 0) throw BadInput("prompts: eval_size must be >= 0, got " + std::to_string(eval_size));
  if (train_size < 0) throw BadInput("prompts: train_size must be >= 0, got " + std::to_string(train_size));
}

nlohmann::json PromptConfig::to_json() const {
  return {{"seed", seed},           {"min_words", min_words},
          {"max_words", max_words}, {"min_sentence_words", min_sentence_words},
          {"eval_size", eval_size}, {"train_size", train_size}};
}

PromptConfig PromptConfig::from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw BadInput(std::string("prompts config: expected an object, got ") + j.type_name());
  PromptConfig c;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const nlohmann::json& v = it.value();
    auto need_int = [&](bool want_unsigned) {
      if (!v.is_number_integer() || (want_unsigned && !v.is_number_unsigned() && v.get<int64_t>() < 0))
        throw BadInput("prompts config: '" + key + "' must be " +
                       (want_unsigned ? "a non-negative integer" : "an integer") + ", got " + v.dump());
    };
    if (key == "seed") {
      need_int(true);
      c.seed = v.get<uint64_t>();
    } else if (key == "min_words" || key == "max_words" || key == "min_sentence_words") {
      need_int(false);
      const int64_t x = v.get<int64_t>();
      if (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max())
        throw BadInput("prompts config: '" + key + "' out of range: " + v.dump());
      (key == "min_words"   ? c.min_words
       : key == "max_words" ? c.max_words
                            : c.min_sentence_words) = static_cast<int32_t>(x);
    } else if (key == "eval_size" || key == "train_size") {
      need_int(false);
      (key == "eval_size" ? c.eval_size : c.train_size) = v.get<int64_t>();
    } else {
      throw BadInput("prompts config: unknown field '" + key + "'");
    }
  }
  c.validate();
  return c;
}

PromptSets make_prompt_sets(const BrownCorpus& corpus, const PromptConfig& config) {
  config.validate();
  SplitMix64 length_rng(config.seed, 1);
  SplitMix64 order_rng(config.seed, 2);
  const uint64_t length_choices = static_cast<uint64_t>(config.max_words - config.min_words + 1);

  // 1-2: candidates in document order.
  std::vector<Prompt> candidates;
  for (const auto& doc : corpus.documents) {
    if (!doc.heldout) continue;
    for (size_t i = 0; i < doc.sentences.size(); ++i) {
      const CleanSentence& s = doc.sentences[i];
      if (s.headline || s.words < config.min_sentence_words || !starts_with_capital(s.text)) continue;
      const int32_t k = config.min_words + static_cast<int32_t>(length_rng.below(length_choices));
      if (s.leading_words < k) continue;
      candidates.push_back({first_pieces(s.text, k), doc.id, static_cast<int64_t>(i), k});
    }
  }

  // 3: shuffle, then deal out distinct texts.
  for (size_t i = candidates.size(); i > 1; --i) std::swap(candidates[i - 1], candidates[order_rng.below(i)]);
  PromptSets sets;
  sets.config = config;
  std::unordered_set<std::string> taken;
  for (auto& c : candidates) {
    if (static_cast<int64_t>(sets.eval.size()) == config.eval_size &&
        static_cast<int64_t>(sets.train.size()) == config.train_size)
      break;
    if (!taken.insert(c.text).second) continue;
    if (static_cast<int64_t>(sets.eval.size()) < config.eval_size) sets.eval.push_back(std::move(c));
    else sets.train.push_back(std::move(c));
  }
  if (static_cast<int64_t>(sets.eval.size()) < config.eval_size ||
      static_cast<int64_t>(sets.train.size()) < config.train_size)
    throw BadInput("prompts: asked for " + std::to_string(config.eval_size) + " evaluation + " +
                   std::to_string(config.train_size) + " training prompts, but the held-out corpus gives only " +
                   std::to_string(taken.size()) + " distinct candidates with these settings");
  return sets;
}

void save_prompt_sets(const PromptSets& sets, const std::string& path) {
  nlohmann::json eval = nlohmann::json::array(), train = nlohmann::json::array();
  for (const auto& p : sets.eval) eval.push_back(prompt_json(p));
  for (const auto& p : sets.train) train.push_back(prompt_json(p));
  const nlohmann::json j = {
      {"format", "warp-prompts"}, {"version", 1}, {"config", sets.config.to_json()}, {"eval", eval}, {"train", train}};
  write_file_atomic(path, j.dump(1) + "\n");
}

PromptSets load_prompt_sets(const std::string& path) {
  const std::string text = read_file_text(path);
  const nlohmann::json j = parse_json(text, path);
  if (!j.is_object()) throw BadInput(file_message(path, "expected a JSON object"));
  const std::string format = get_field<std::string>(j, "format", path);
  if (format != "warp-prompts")
    throw BadInput(file_message(path, "format is '" + format + "', expected 'warp-prompts'"));
  const int64_t version = get_field<int64_t>(j, "version", path);
  if (version != 1)
    throw BadInput(file_message(path, "version " + std::to_string(version) + " is not supported (expected 1)"));

  PromptSets sets;
  auto cfg = j.find("config");
  if (cfg == j.end()) throw BadInput(file_message(path, "missing field 'config'"));
  try {
    sets.config = PromptConfig::from_json(*cfg);
  } catch (const BadInput& e) {
    throw BadInput(file_message(path, e.what()));
  }

  std::unordered_set<std::string> texts;
  auto read_set = [&](const char* name, std::vector<Prompt>& out) {
    auto arr = j.find(name);
    if (arr == j.end() || !arr->is_array())
      throw BadInput(file_message(path, std::string("field '") + name + "' must be an array"));
    for (size_t i = 0; i < arr->size(); ++i) {
      const std::string where = path + ": " + name + "[" + std::to_string(i) + "]";
      const nlohmann::json& item = (*arr)[i];
      if (!item.is_object()) throw BadInput(where + ": expected an object");
      Prompt p;
      p.text = get_field<std::string>(item, "text", where);
      p.doc = get_field<std::string>(item, "doc", where);
      p.sentence = get_field<int64_t>(item, "sentence", where);
      p.words = get_field<int32_t>(item, "words", where);
      if (p.text.empty() || p.text.front() == ' ' || p.text.back() == ' ' ||
          p.text.find_first_of("\n\r\t") != std::string::npos)
        throw BadInput(where + ": text must be one line without leading/trailing spaces, got '" + p.text + "'");
      if (p.sentence < 0) throw BadInput(where + ": sentence must be >= 0, got " + std::to_string(p.sentence));
      if (p.words != count_pieces(p.text))
        throw BadInput(where + ": words is " + std::to_string(p.words) + " but the text has " +
                       std::to_string(count_pieces(p.text)) + " words");
      if (!texts.insert(p.text).second)
        throw BadInput(where + ": prompt '" + p.text + "' appears more than once (the sets must be disjoint)");
      out.push_back(std::move(p));
    }
  };
  read_set("eval", sets.eval);
  read_set("train", sets.train);
  return sets;
}

}  // namespace warp
