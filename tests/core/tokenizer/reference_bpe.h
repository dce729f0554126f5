#pragma once
// Independent, deliberately naive references for the tokenizer tests (strings, full recounts; no
// heaps, no caches, no incremental counts), written from the algorithms' definitions.

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/byte_unicode.h"

namespace warp::test {

// GPT-2's encoder bpe() (the npm gpt-3-encoder's, on byte strings): repeatedly take the adjacent
// pair of lowest rank, merge all its occurrences left to right in one pass, until none has a rank.
inline std::vector<std::string> reference_bpe(const std::string& piece,
                                              const std::map<std::pair<std::string, std::string>, int>& ranks) {
  std::vector<std::string> word;
  for (char c : piece) word.emplace_back(1, c);
  while (word.size() > 1) {
    int best = -1;
    std::pair<std::string, std::string> bigram;
    for (size_t i = 0; i + 1 < word.size(); ++i) {
      auto it = ranks.find({word[i], word[i + 1]});
      if (it != ranks.end() && (best < 0 || it->second < best)) best = it->second, bigram = it->first;
    }
    if (best < 0) break;
    std::vector<std::string> next;
    for (size_t i = 0; i < word.size();) {
      if (i + 1 < word.size() && word[i] == bigram.first && word[i + 1] == bigram.second) {
        next.push_back(bigram.first + bigram.second);
        i += 2;
      } else {
        next.push_back(word[i++]);
      }
    }
    word = next;
  }
  return word;
}

// BPE training by definition: recount every pair over all words at every step; take the highest
// count, ties to the smallest (left bytes, right bytes); merge it everywhere. Returns the merges
// as byte strings (a pair merged a second time is not listed again).
inline std::vector<std::pair<std::string, std::string>> reference_train(const std::map<std::string, long>& word_counts,
                                                                        size_t wanted_tokens, long min_count) {
  std::vector<std::pair<std::vector<std::string>, long>> words;
  for (const auto& [w, c] : word_counts) {
    std::vector<std::string> s;
    for (char ch : w) s.emplace_back(1, ch);
    words.emplace_back(s, c);
  }
  std::set<std::string> vocab;
  for (int b = 0; b < 256; ++b) vocab.insert(std::string(1, static_cast<char>(b)));
  std::vector<std::pair<std::string, std::string>> merges;
  std::set<std::pair<std::string, std::string>> done;
  while (vocab.size() < wanted_tokens) {
    std::map<std::pair<std::string, std::string>, long> counts;  // ordered: ties resolved by the map order
    for (const auto& [s, c] : words)
      for (size_t i = 0; i + 1 < s.size(); ++i) counts[{s[i], s[i + 1]}] += c;
    const std::pair<std::string, std::string>* best = nullptr;
    long best_count = 0;
    for (const auto& [p, c] : counts)
      if (c > best_count) best = &p, best_count = c;
    if (!best || best_count < min_count) break;
    const auto pair = *best;
    vocab.insert(pair.first + pair.second);
    if (done.insert(pair).second) merges.push_back(pair);
    for (auto& [s, c] : words) {
      std::vector<std::string> next;
      for (size_t i = 0; i < s.size();) {
        if (i + 1 < s.size() && s[i] == pair.first && s[i + 1] == pair.second) {
          next.push_back(pair.first + pair.second);
          i += 2;
        } else {
          next.push_back(s[i++]);
        }
      }
      s = next;
    }
  }
  return merges;
}

// The 256 byte tokens in GPT-2's order, spelled in byte characters (ids 0..255 of a vocabulary).
inline std::vector<std::string> byte_token_spellings() {
  std::vector<std::string> t;
  const ByteUnicode& bu = ByteUnicode::get();
  for (int i = 0; i < 256; ++i) t.push_back(bu.utf8(bu.byte_at_rank(i)));
  return t;
}

}  // namespace warp::test
