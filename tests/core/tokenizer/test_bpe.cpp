// Tests of core/tokenizer: GPT-2's byte characters, the pre-tokenizer pattern (JavaScript \s
// semantics, invalid UTF-8), the BPE merge loop against a naive reference, round trips of every
// byte string class, save / load, and the errors of bad files.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "reference_bpe.h"
#include "test_support.h"
#include "tokenizer/bpe.h"
#include "tokenizer/bpe_train.h"
#include "tokenizer/byte_unicode.h"
#include "tokenizer/pretokenizer.h"
#include "util/error.h"
#include "util/fsutil.h"

using namespace warp;

namespace {

std::string u8(char32_t cp) {
  std::string s;
  append_utf8(s, cp);
  return s;
}

std::vector<std::string> pieces(const std::string& text) {
  Pretokenizer pre;
  std::vector<std::string> out;
  for (auto p : pre.split(text)) out.emplace_back(p);
  return out;
}

using Pieces = std::vector<std::string>;

// A tokenizer trained on a small hand text (no data files needed).
BpeTokenizer small_trained() {
  BpeTrainOptions o;
  o.vocab_size = 320;
  return train_bpe({"The quick brown fox jumps over the lazy dog. The dog's owner isn't here; "
                    "they'll say 1234 times: \"hello, hello!\"\n\n  indented\ttabs\t\tand  spaces   \n",
                    "the the the then there these those thee theme"},
                   o);
}

// Strings of every class a round trip must survive.
std::vector<std::string> round_trip_texts() {
  std::vector<std::string> texts;
  for (int b = 0; b < 256; ++b) texts.emplace_back(1, static_cast<char>(b));  // every single byte
  texts.push_back("");
  texts.push_back("plain ASCII text, with punctuation!?");
  texts.push_back(
      "caf\xc3\xa9 na\xc3\xafve \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xd0\xb6\xd0\xb8\xd0\xb7\xd0\xbd\xd1\x8c");
  texts.push_back(
      "\xf0\x9f\x98\x80\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd "
      "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7");
  texts.push_back("   \t\t\n\n\n  \r\n \xc2\xa0\xe3\x80\x80 trailing   ");
  texts.push_back("\xff\xfe invalid \xc3 utf8 \xe2\x82 \xed\xa0\x80 surrogate \xc0\xaf overlong \xf5\x80\x80\x80");
  texts.push_back(std::string("nul\0inside", 10));
  texts.push_back("<|endoftext|> is just text here");
  std::mt19937 rng(1234);
  for (int k = 0; k < 300; ++k) {  // random bytes, mostly invalid UTF-8
    std::string s(rng() % 64, '\0');
    for (auto& c : s) c = static_cast<char>(rng() & 0xFF);
    texts.push_back(s);
  }
  const std::vector<std::string> pool = {
      "a",   "Z",      " ",        "  ",        "\t",       "\n",     "'s",       "'S",       "7",      "42",   "!",
      "...", u8(0xE9), u8(0x4E2D), u8(0x1F600), u8(0x0301), u8(0xA0), u8(0x2028), u8(0xFEFF), u8(0x85), "\xff", "\x80"};
  for (int k = 0; k < 300; ++k) {  // random mixes of the tricky classes
    std::string s;
    for (int n = static_cast<int>(rng() % 20); n > 0; --n) s += pool[rng() % pool.size()];
    texts.push_back(s);
  }
  return texts;
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// vocab.json text for the 256 byte tokens plus `extra` (ids in order).
std::string vocab_text(const std::vector<std::string>& extra = {}) {
  auto tokens = test::byte_token_spellings();
  tokens.insert(tokens.end(), extra.begin(), extra.end());
  std::string out = "{";
  for (size_t i = 0; i < tokens.size(); ++i)
    out += (i ? ", " : "") + nlohmann::json(tokens[i]).dump() + ": " + std::to_string(i);
  return out + "}";
}

// Expects load() to throw BadInput whose message holds every one of `needles`.
void expect_bad(const std::string& vocab, const std::string& merges, std::vector<std::string> needles) {
  try {
    BpeTokenizer::load(vocab, merges);
    ADD_FAILURE() << "no error for " << vocab << " + " << merges;
  } catch (const BadInput& e) {
    for (const auto& n : needles)
      EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what() << "\nlacks: " << n;
  }
}

}  // namespace

TEST(ByteUnicode, MatchesGpt2Table) {
  const ByteUnicode& bu = ByteUnicode::get();
  // Printable bytes stand for themselves; the others are shifted to U+0100.. in byte order.
  EXPECT_EQ(bu.code_point('A'), U'A');
  EXPECT_EQ(bu.code_point('!'), U'!');
  EXPECT_EQ(bu.code_point(0xFF), char32_t{0xFF});
  EXPECT_EQ(bu.code_point(0x00), char32_t{0x100});
  EXPECT_EQ(bu.code_point(0x0A), char32_t{0x10A});  // 'Ċ', GPT-2's newline
  EXPECT_EQ(bu.code_point(0x20), char32_t{0x120});  // 'Ġ', GPT-2's space
  EXPECT_EQ(bu.code_point(0x7F), char32_t{0x121});  // after the 33 bytes 0x00..0x20
  EXPECT_EQ(bu.code_point(0xA0), char32_t{0x142});  // 0x7F..0xA0 are 34 bytes
  EXPECT_EQ(bu.code_point(0xAD), char32_t{0x143});  // 'Ń', the soft hyphen
  EXPECT_EQ(bu.utf8(0x20), "\xc4\xa0");
  // Order of ids 0..255: the 188 printable bytes, then the shifted ones.
  EXPECT_EQ(bu.byte_at_rank(0), '!');
  EXPECT_EQ(bu.byte_at_rank(187), 0xFF);
  EXPECT_EQ(bu.byte_at_rank(188), 0x00);
  EXPECT_EQ(bu.byte_at_rank(255), 0xAD);
  // A bijection.
  std::set<char32_t> seen;
  for (int b = 0; b < 256; ++b) {
    seen.insert(bu.code_point(static_cast<uint8_t>(b)));
    EXPECT_EQ(bu.byte_of(bu.code_point(static_cast<uint8_t>(b))), b);
  }
  EXPECT_EQ(seen.size(), 256u);
  EXPECT_EQ(bu.byte_of(U' '), -1);
  std::string back;
  char32_t bad = 0;
  EXPECT_FALSE(bu.decode(" ", back, &bad));
  EXPECT_EQ(bad, U' ');
}

TEST(Pretokenizer, HandCases) {
  EXPECT_EQ(pieces("Hello world"), (Pieces{"Hello", " world"}));
  EXPECT_EQ(pieces("I'm here, they'll go"), (Pieces{"I", "'m", " here", ",", " they", "'ll", " go"}));
  // Contractions are case sensitive: "'S" is punctuation then a letter run.
  EXPECT_EQ(pieces("HE'S"), (Pieces{"HE", "'", "S"}));
  EXPECT_EQ(pieces("don't"), (Pieces{"don", "'t"}));
  // Whitespace: a run before a word leaves its last space to the word.
  EXPECT_EQ(pieces("a  b"), (Pieces{"a", " ", " b"}));
  EXPECT_EQ(pieces("a   "), (Pieces{"a", "   "}));
  EXPECT_EQ(pieces("a\n\nb"), (Pieces{"a", "\n", "\n", "b"}));
  EXPECT_EQ(pieces("a \n b"), (Pieces{"a", " \n", " b"}));
  EXPECT_EQ(pieces("x 123abc"), (Pieces{"x", " 123", "abc"}));
  EXPECT_EQ(pieces("!!! ?"), (Pieces{"!!!", " ?"}));
  EXPECT_EQ(pieces("\tdef f(x):"), (Pieces{"\t", "def", " f", "(", "x", "):"}));
  // Unicode letters and numbers: \p{L}, \p{N} (superscript two is No, Roman twelve is Nl).
  EXPECT_EQ(pieces("caf\xc3\xa9 x\xc2\xb2\xe2\x85\xab"), (Pieces{"caf\xc3\xa9", " x", "\xc2\xb2\xe2\x85\xab"}));
  // A combining mark is neither L nor N: it goes with the punctuation class.
  EXPECT_EQ(pieces("e\xcc\x81!"), (Pieces{"e", "\xcc\x81!"}));
}

TEST(Pretokenizer, JavaScriptWhitespace) {
  // JS \s holds U+00A0 and U+FEFF but not U+0085 or U+180E (PCRE2's \s is the other way round).
  EXPECT_EQ(pieces("a" + u8(0xA0) + "b"), (Pieces{"a", u8(0xA0), "b"}));
  EXPECT_EQ(pieces(u8(0xFEFF) + "!"), (Pieces{u8(0xFEFF), "!"}));
  EXPECT_EQ(pieces(u8(0x85) + "!"), (Pieces{u8(0x85) + "!"}));
  EXPECT_EQ(pieces(u8(0x180E) + "!"), (Pieces{u8(0x180E) + "!"}));
  // Only U+0020 may lead a word; other spaces are runs of their own.
  EXPECT_EQ(pieces("x" + u8(0x2028) + u8(0x3000) + "y"), (Pieces{"x", u8(0x2028), u8(0x3000), "y"}));
}

TEST(Pretokenizer, InvalidUtf8BecomesOwnPieces) {
  EXPECT_EQ(pieces("a\xff"
                   "b"),
            (Pieces{"a", "\xff", "b"}));
  EXPECT_EQ(pieces("ab\xff\xfe"), (Pieces{"ab", "\xff\xfe"}));
  EXPECT_EQ(pieces("\xe2\x82"), (Pieces{"\xe2\x82"}));                      // truncated sequence
  EXPECT_EQ(pieces(" \xed\xa0\x80x"), (Pieces{" ", "\xed\xa0\x80", "x"}));  // an encoded surrogate
  // Any byte string splits into non-empty pieces that cover it exactly.
  std::mt19937 rng(7);
  Pretokenizer pre;
  for (int k = 0; k < 2000; ++k) {
    std::string s(rng() % 50, '\0');
    for (auto& c : s) c = static_cast<char>(k % 2 ? rng() & 0xFF : " a'\n\xc3\xa9\xff!1"[rng() % 10]);
    std::string joined;
    for (auto p : pre.split(s)) {
      ASSERT_FALSE(p.empty());
      joined += p;
    }
    ASSERT_EQ(joined, s);
  }
}

TEST(Bpe, HandMergedPiece) {
  auto tokens = test::byte_token_spellings();
  tokens.push_back("ab");
  tokens.push_back("abc");
  tokens.push_back("bc");
  // Ranks: a+b first, then ab+c, then b+c. "abcab": a+b twice -> [ab, c, ab]; then ab+c -> [abc, ab].
  BpeTokenizer tok(tokens, {{"a", "b"}, {"ab", "c"}, {"b", "c"}});
  std::vector<int32_t> out;
  tok.encode_piece("abcab", out);
  EXPECT_EQ(out, (std::vector<int32_t>{257, 256}));
  // "bcab": b+c is never reached before a+b: [b, c, ab] -> b+c (rank 2) -> [bc, ab].
  out.clear();
  tok.encode_piece("bcab", out);
  EXPECT_EQ(out, (std::vector<int32_t>{258, 256}));
  EXPECT_EQ(tok.decode(out), "bcab");
  // Bytes go to ids 0..255 in GPT-2's order: '!' is 0, 'a' is 'a' - '!'.
  EXPECT_EQ(tok.encode("!a"), (std::vector<int32_t>{0, 'a' - '!'}));
  EXPECT_FALSE(tok.has_eos());
  EXPECT_THROW(tok.eos_id(), Error);
}

TEST(Bpe, MergeLoopMatchesReferenceOnRandomTables) {
  // Random merge tables, including ones whose order is not "causal" (a merge using a token that a
  // later merge makes) and several merges making the same token: the heap loop must still give
  // exactly the reference's pass-by-pass result.
  std::mt19937 rng(42);
  const std::string alphabet = "abc ";
  for (int table = 0; table < 40; ++table) {
    std::set<std::string> strings;
    while (strings.size() < 30) {
      std::string s;
      for (size_t n = 2 + rng() % 4; n > 0; --n) s += alphabet[rng() % alphabet.size()];
      strings.insert(s);
    }
    auto tokens = test::byte_token_spellings();
    std::map<std::pair<std::string, std::string>, int> ranks;
    std::vector<std::pair<std::string, std::string>> merges;
    std::set<std::string> known;
    for (char c : alphabet) known.insert(std::string(1, c));
    for (const auto& s : strings) known.insert(s);
    for (const auto& s : strings) tokens.push_back(ByteUnicode::get().encode(s));
    std::vector<std::pair<std::string, std::string>> candidates;
    for (const auto& s : strings)
      for (size_t cut = 1; cut < s.size(); ++cut)
        if (known.count(s.substr(0, cut)) && known.count(s.substr(cut)))
          candidates.emplace_back(s.substr(0, cut), s.substr(cut));
    std::shuffle(candidates.begin(), candidates.end(), rng);
    for (const auto& c : candidates) {
      ranks.emplace(c, static_cast<int>(merges.size()));
      merges.emplace_back(ByteUnicode::get().encode(c.first), ByteUnicode::get().encode(c.second));
    }
    BpeTokenizer tok(tokens, merges);
    for (int w = 0; w < 200; ++w) {
      std::string piece;
      for (size_t n = rng() % 40; n > 0; --n) piece += alphabet[rng() % alphabet.size()];
      std::vector<int32_t> got;
      tok.encode_piece(piece, got);
      std::vector<std::string> got_bytes;
      for (int32_t id : got) got_bytes.push_back(tok.token_bytes(id));
      ASSERT_EQ(got_bytes, test::reference_bpe(piece, ranks)) << "table " << table << " piece '" << piece << "'";
    }
  }
}

TEST(Bpe, RoundTripsEveryByteStringClass) {
  BpeTokenizer tok = small_trained();
  for (const auto& text : round_trip_texts()) {
    auto ids = tok.encode(text);
    for (int32_t id : ids) ASSERT_TRUE(id >= 0 && id < tok.vocab_size());
    ASSERT_EQ(tok.decode(ids), text);
  }
}

TEST(Bpe, EncodeIsPiecewiseBpeAndCacheConsistent) {
  BpeTokenizer tok = small_trained();
  Pretokenizer pre;
  for (const auto& text : round_trip_texts()) {
    std::vector<int32_t> want;
    for (auto p : pre.split(text)) tok.encode_piece(p, want);
    ASSERT_EQ(tok.encode(text), want);  // first time: fills the cache
    ASSERT_EQ(tok.encode(text), want);  // second time: from the cache
  }
}

TEST(Bpe, EncodeFromTwoThreadsAgrees) {
  BpeTokenizer tok = small_trained();
  const auto texts = round_trip_texts();
  std::vector<std::vector<int32_t>> a(texts.size()), b(texts.size());
  std::thread t1([&] {
    for (size_t i = 0; i < texts.size(); ++i) a[i] = tok.encode(texts[i]);
  });
  std::thread t2([&] {
    for (size_t i = texts.size(); i-- > 0;) b[i] = tok.encode(texts[i]);
  });
  t1.join();
  t2.join();
  EXPECT_EQ(a, b);
}

TEST(Bpe, LongRunsRoundTrip) {
  // Pieces far longer than the cache keeps, in each class of the pattern.
  BpeTrainOptions o;
  o.vocab_size = 320;
  std::vector<std::string> train;
  for (char c : std::string(" e!\n7")) train.push_back("x" + std::string(64, c) + "y " + std::string(64, c));
  BpeTokenizer tok = train_bpe(train, o);
  for (const std::string& run : {std::string(300000, ' '), std::string(300000, 'e'), std::string(300000, '!'),
                                 std::string(300000, '\n'), std::string(300000, '7')}) {
    const std::string text = "x" + run + "y " + run;
    const auto ids = tok.encode(text);
    ASSERT_EQ(tok.decode(ids), text);
    EXPECT_LT(ids.size(), text.size() / 8);  // runs merge into long tokens
  }
  std::string bytes(300000, '\xff');  // one run of invalid UTF-8
  EXPECT_EQ(tok.decode(tok.encode(bytes)), bytes);
}

TEST(Bpe, SaveLoadRoundTrip) {
  auto dir = test::scratch_dir("tok-save");
  BpeTokenizer tok = small_trained();
  tok.save(dir + "/tok");
  BpeTokenizer back = BpeTokenizer::load_dir(dir + "/tok");
  EXPECT_EQ(back.sha256(), tok.sha256());
  EXPECT_EQ(back.vocab_size(), tok.vocab_size());
  EXPECT_EQ(back.merges(), tok.merges());
  EXPECT_EQ(back.eos_id(), tok.eos_id());
  for (const auto& text : round_trip_texts()) ASSERT_EQ(back.encode(text), tok.encode(text));
  // GPT-2's layout: one JSON object in id order, merges after a version line.
  const std::string vocab = read_file_text(dir + "/tok/vocab.json");
  const std::string head = "{\"!\": 0, \"\\\"\": 1, \"#\": 2, ";
  EXPECT_EQ(vocab.substr(0, head.size()), head);
  EXPECT_NE(vocab.find("\"<|endoftext|>\": " + std::to_string(tok.vocab_size() - 1) + "}"), std::string::npos);
  const std::string merges = read_file_text(dir + "/tok/merges.txt");
  EXPECT_EQ(merges.substr(0, 14), "#version: 0.2\n");
  EXPECT_EQ(merges, tok.merges_txt());
  // GPT-2's file names load too.
  make_dirs(dir + "/gpt2names");
  write(dir + "/gpt2names/encoder.json", vocab);
  write(dir + "/gpt2names/vocab.bpe", merges);
  EXPECT_EQ(BpeTokenizer::load_dir(dir + "/gpt2names").sha256(), tok.sha256());
  EXPECT_THROW(BpeTokenizer::load_dir(dir + "/nothing-here"), BadInput);
}

TEST(Bpe, DecodeRejectsIdsOutOfRange) {
  BpeTokenizer tok = small_trained();
  EXPECT_THROW(tok.decode({0, tok.vocab_size()}), BadInput);
  EXPECT_THROW(tok.decode({-1}), BadInput);
  EXPECT_THROW(tok.token_bytes(tok.vocab_size()), BadInput);
  EXPECT_EQ(tok.token_id("\xc4\xa0"), std::optional<int32_t>(188 + 32));  // 'Ġ' (space) is id 220
  EXPECT_FALSE(tok.token_id("not a token").has_value());
}

TEST(Bpe, BadFilesNameFileAndEntry) {
  auto dir = test::scratch_dir("tok-bad");
  const std::string ok_vocab = dir + "/ok.json", ok_merges = dir + "/ok.txt";
  write(ok_vocab, vocab_text({"ab"}));
  write(ok_merges, "#version: 0.2\na b\n");
  EXPECT_EQ(BpeTokenizer::load(ok_vocab, ok_merges).num_merges(), 1u);

  expect_bad(dir + "/missing.json", ok_merges, {"missing.json"});
  expect_bad(ok_vocab, dir + "/missing.txt", {"missing.txt"});
  auto bad_vocab = [&](const std::string& name, const std::string& text, std::vector<std::string> needles) {
    write(dir + "/" + name, text);
    needles.push_back(name);
    expect_bad(dir + "/" + name, ok_merges, needles);
  };
  bad_vocab("truncated.json", vocab_text().substr(0, 100), {"not valid JSON"});
  bad_vocab("empty.json", "", {"not valid JSON"});
  bad_vocab("array.json", "[1, 2]", {"expected a JSON object"});
  bad_vocab("string-id.json", "{\"a\": 0, \"b\": \"1\"}", {"entry 2", "\"b\"", "integer id"});
  bad_vocab("float-id.json", "{\"a\": 0.5}", {"entry 1", "integer id"});
  bad_vocab("dup-token.json", vocab_text().substr(0, vocab_text().size() - 1) + ", \"!\": 256}",
            {"entry 257", "duplicate token", "entry 1"});
  bad_vocab("dup-id.json", vocab_text().substr(0, vocab_text().size() - 1) + ", \"ab\": 5}",
            {"entry 257", "duplicate id 5"});
  bad_vocab("range.json", vocab_text().substr(0, vocab_text().size() - 1) + ", \"ab\": 999}",
            {"entry 257", "999", "out of range"});
  bad_vocab("negative.json", vocab_text().substr(0, vocab_text().size() - 1) + ", \"ab\": -1}",
            {"entry 257", "out of range"});
  bad_vocab("space.json", vocab_text({"a b"}), {"\"a b\"", "id 256", "U+0020", "byte characters"});
  {
    auto tokens = test::byte_token_spellings();
    std::string text = "{";
    for (size_t i = 1; i < tokens.size(); ++i)  // drops byte '!' (id 0) and renumbers
      text += (i > 1 ? ", " : "") + nlohmann::json(tokens[i]).dump() + ": " + std::to_string(i - 1);
    bad_vocab("no-byte.json", text + "}", {"lacks the byte token", "0x21"});
  }
  auto bad_merges = [&](const std::string& name, const std::string& text, std::vector<std::string> needles) {
    write(dir + "/" + name, text);
    needles.push_back(name);
    expect_bad(ok_vocab, dir + "/" + name, needles);
  };
  bad_merges("three.txt", "#version: 0.2\na b\na b c\n", {"three.txt:3", "expected two tokens"});
  bad_merges("unknown.txt", "#version: 0.2\n\na zz\n", {"unknown.txt:3", "\"zz\"", "not in the vocabulary"});
  bad_merges("result.txt", "#version: 0.2\nb a\n", {"result.txt:2", "merged token \"ba\""});
  bad_merges("dup.txt", "#version: 0.2\na b\na b\n", {"dup.txt:3", "duplicate merge", "dup.txt:2"});
}
