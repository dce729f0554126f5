#include "tokenizer/bpe_train.h"

#include <algorithm>
#include <array>
#include <limits>
#include <queue>
#include <type_traits>

#include "tokenizer/byte_unicode.h"
#include "util/error.h"

namespace warp {

namespace {

uint64_t pair_key(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}
int32_t left_of(uint64_t k) { return static_cast<int32_t>(k >> 32); }
int32_t right_of(uint64_t k) { return static_cast<int32_t>(k & 0xFFFFFFFFu); }

struct Candidate {
  int64_t count;
  uint64_t pair;
};

}  // namespace

void BpeTrainOptions::validate() const {
  const int32_t min_size = 256 + (add_eos ? 1 : 0);
  if (vocab_size < min_size || vocab_size > (1 << 24))
    throw BadInput("tokenizer training: vocab_size must be in [" + std::to_string(min_size) +
                   ", 2^24] (256 byte tokens" + (add_eos ? " + <|endoftext|>" : "") + "), got " +
                   std::to_string(vocab_size));
  if (min_pair_count < 1)
    throw BadInput("tokenizer training: min_pair_count must be >= 1, got " + std::to_string(min_pair_count));
}

nlohmann::json BpeTrainOptions::to_json() const {
  return {{"vocab_size", vocab_size}, {"min_pair_count", min_pair_count}, {"add_eos", add_eos}};
}

BpeTrainOptions BpeTrainOptions::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw BadInput(where + ": tokenizer training options are not a JSON object");
  BpeTrainOptions o;
  auto get_int = [&](const char* key, auto& out) {
    if (!j.contains(key)) return;
    const auto& v = j.at(key);
    if (!v.is_number_integer()) throw BadInput(where + ": tokenizer option '" + key + "' is not an integer");
    const auto x = v.get<int64_t>();
    using T = std::decay_t<decltype(out)>;
    if (x < std::numeric_limits<T>::min() || x > std::numeric_limits<T>::max())
      throw BadInput(where + ": tokenizer option '" + key + "' out of range: " + std::to_string(x));
    out = static_cast<T>(x);
  };
  get_int("vocab_size", o.vocab_size);
  get_int("min_pair_count", o.min_pair_count);
  if (j.contains("add_eos")) {
    if (!j.at("add_eos").is_boolean()) throw BadInput(where + ": tokenizer option 'add_eos' is not a boolean");
    o.add_eos = j.at("add_eos").get<bool>();
  }
  try {
    o.validate();
  } catch (const BadInput& e) {
    throw BadInput(where + ": " + e.what());
  }
  return o;
}

BpeTrainer::BpeTrainer(BpeTrainOptions options) : options_(options) { options_.validate(); }

void BpeTrainer::add_text(std::string_view text) {
  pre_.split(text, [&](std::string_view piece) { add_piece(piece); });
}

void BpeTrainer::add_piece(std::string_view piece, int64_t count) {
  if (piece.empty() || count <= 0) return;
  counts_[std::string(piece)] += count;
  total_ += count;
}

BpeTokenizer BpeTrainer::train(const ProgressFn& progress) const {
  const ByteUnicode& bu = ByteUnicode::get();
  const auto wanted_tokens = static_cast<size_t>(options_.vocab_size - (options_.add_eos ? 1 : 0));

  // Tokens as bytes; ids 0..255 are the bytes in GPT-2's order.
  std::vector<std::string> tokens;
  std::unordered_map<std::string, int32_t> id_of;
  std::array<int32_t, 256> byte_id{};
  for (int i = 0; i < 256; ++i) {
    uint8_t b = bu.byte_at_rank(i);
    tokens.emplace_back(1, static_cast<char>(b));
    id_of.emplace(tokens.back(), i);
    byte_id[b] = i;
  }

  // Distinct pieces in byte order (the result does not depend on it; it keeps runs identical).
  std::vector<std::pair<std::string_view, int64_t>> items;
  items.reserve(counts_.size());
  for (const auto& [piece, count] : counts_) items.emplace_back(piece, count);
  std::sort(items.begin(), items.end());
  std::vector<std::vector<int32_t>> words(items.size());
  std::vector<int64_t> freq(items.size());

  std::unordered_map<uint64_t, int64_t> pair_count;
  std::unordered_map<uint64_t, std::vector<int32_t>> where;  // pair -> pieces that held it (may be stale)
  for (size_t w = 0; w < items.size(); ++w) {
    auto& s = words[w];
    for (unsigned char c : items[w].first) s.push_back(byte_id[c]);
    freq[w] = items[w].second;
    for (size_t i = 0; i + 1 < s.size(); ++i) {
      uint64_t k = pair_key(s[i], s[i + 1]);
      pair_count[k] += freq[w];
      auto& list = where[k];
      if (list.empty() || list.back() != static_cast<int32_t>(w)) list.push_back(static_cast<int32_t>(w));
    }
  }

  // Max-heap: higher count first, ties to the smallest (left bytes, right bytes).
  const auto lower_priority = [&tokens](const Candidate& x, const Candidate& y) {
    if (x.count != y.count) return x.count < y.count;
    const std::string& xl = tokens[static_cast<size_t>(left_of(x.pair))];
    const std::string& yl = tokens[static_cast<size_t>(left_of(y.pair))];
    if (xl != yl) return yl < xl;
    return tokens[static_cast<size_t>(right_of(y.pair))] < tokens[static_cast<size_t>(right_of(x.pair))];
  };
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(lower_priority)> heap(lower_priority);
  for (const auto& [k, c] : pair_count) heap.push({c, k});

  std::vector<std::pair<int32_t, int32_t>> merges;
  std::unordered_map<uint64_t, bool> merged_pairs;
  std::vector<int64_t> touched(words.size(), -1);
  std::unordered_map<uint64_t, int64_t> delta;
  std::vector<int32_t> out;
  const auto wanted_merged = static_cast<int64_t>(wanted_tokens - 256);
  int64_t step = 0;
  report(progress, {"train tokenizer", 0, wanted_merged, ""});

  while (tokens.size() < wanted_tokens && !heap.empty()) {
    const Candidate top = heap.top();
    heap.pop();
    auto cit = pair_count.find(top.pair);
    if (cit == pair_count.end() || cit->second != top.count) continue;  // stale entry
    if (top.count < options_.min_pair_count) break;

    const int32_t a = left_of(top.pair), b = right_of(top.pair);
    std::string joined = tokens[static_cast<size_t>(a)] + tokens[static_cast<size_t>(b)];
    int32_t t;
    if (auto it = id_of.find(joined); it != id_of.end()) {
      t = it->second;  // the same bytes were already made by another merge
    } else {
      t = static_cast<int32_t>(tokens.size());
      tokens.push_back(joined);
      id_of.emplace(std::move(joined), t);
    }
    // A pair merged before can come back only next to a token made again by another merge; it is
    // merged in the pieces but recorded once (its first rank is the one encoding uses).
    if (merged_pairs.emplace(top.pair, true).second) merges.emplace_back(a, b);

    std::vector<int32_t> list = std::move(where[top.pair]);
    where.erase(top.pair);
    delta.clear();
    for (int32_t w : list) {
      const auto wi = static_cast<size_t>(w);
      if (touched[wi] == step) continue;
      touched[wi] = step;
      auto& s = words[wi];
      bool has = false;
      for (size_t i = 0; i + 1 < s.size() && !has; ++i) has = s[i] == a && s[i + 1] == b;
      if (!has) continue;
      const int64_t f = freq[wi];
      for (size_t i = 0; i + 1 < s.size(); ++i) delta[pair_key(s[i], s[i + 1])] -= f;
      out.clear();
      for (size_t i = 0; i < s.size();) {
        if (i + 1 < s.size() && s[i] == a && s[i + 1] == b) {
          out.push_back(t);
          i += 2;
        } else {
          out.push_back(s[i++]);
        }
      }
      for (size_t i = 0; i + 1 < out.size(); ++i) {
        uint64_t k = pair_key(out[i], out[i + 1]);
        delta[k] += f;
        if (out[i] == t || out[i + 1] == t) {
          auto& l = where[k];
          if (l.empty() || l.back() != w) l.push_back(w);
        }
      }
      s.swap(out);
    }
    for (const auto& [k, d] : delta) {
      if (d == 0) continue;
      int64_t& c = pair_count[k];
      c += d;
      if (c > 0) heap.push({c, k});
      else pair_count.erase(k);
    }
    ++step;
    if (step % 64 == 0)
      report(progress, {"train tokenizer", static_cast<int64_t>(tokens.size() - 256), wanted_merged, ""});
  }
  report(progress, {"train tokenizer", static_cast<int64_t>(tokens.size() - 256), wanted_merged, ""});

  std::vector<std::string> spellings;
  spellings.reserve(tokens.size() + 1);
  for (const auto& bytes : tokens) spellings.push_back(bu.encode(bytes));
  if (options_.add_eos) spellings.emplace_back(BpeTokenizer::kEndOfText);
  std::vector<std::pair<std::string, std::string>> merge_spellings;
  merge_spellings.reserve(merges.size());
  for (const auto& [l, r] : merges)
    merge_spellings.emplace_back(spellings[static_cast<size_t>(l)], spellings[static_cast<size_t>(r)]);
  return BpeTokenizer(std::move(spellings), std::move(merge_spellings), "trained tokenizer");
}

BpeTokenizer train_bpe(const std::vector<std::string>& texts, const BpeTrainOptions& options,
                       const ProgressFn& progress) {
  BpeTrainer trainer(options);
  for (const auto& t : texts) trainer.add_text(t);
  return trainer.train(progress);
}

}  // namespace warp
