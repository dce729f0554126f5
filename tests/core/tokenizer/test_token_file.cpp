// Tests of cached token files (format, reuse, staleness, bad files) and of the data paths.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "test_support.h"
#include "tokenizer/bpe_train.h"
#include "tokenizer/token_file.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/sha256.h"

using namespace warp;

namespace {

// Text whose whitespace makes cut points matter: runs before words, "x \nb", trailing spaces.
const std::string kText =
    "First line.  Two spaces\n"
    "x \nb\n\n\n  indented line\t\ttabs \n"
    "caf\xc3\xa9 \xf0\x9f\x98\x80 done!   \n"
    "no newline at the end:  a b  c   ";

BpeTokenizer tokenizer(int32_t vocab = 300) {
  BpeTrainOptions o;
  o.vocab_size = vocab;
  o.min_pair_count = 1;
  return train_bpe({kText, kText + kText}, o);
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

}  // namespace

TEST(TokenFile, ChunkedEncodingEqualsWholeText) {
  BpeTokenizer tok = tokenizer();
  std::string text;
  for (int i = 0; i < 20; ++i) text += kText;
  const auto whole = tok.encode(text);
  for (size_t chunk : {1, 2, 3, 5, 8, 13, 64, 1000, 1 << 20}) {
    TokenFileOptions o;
    o.chunk_bytes = chunk;
    ASSERT_EQ(encode_text(tok, text, o), whole) << "chunk " << chunk;
  }
}

TEST(TokenFile, EosPerLineEncodesLinesApart) {
  BpeTokenizer tok = tokenizer();
  TokenFileOptions o;
  o.eos_per_line = true;
  o.chunk_bytes = 7;
  std::vector<int32_t> want;
  size_t pos = 0;
  while (pos < kText.size()) {  // lines by hand: the last one has no '\n'
    size_t end = kText.find('\n', pos);
    if (end == std::string::npos) end = kText.size();
    auto ids = tok.encode(kText.substr(pos, end - pos));
    want.insert(want.end(), ids.begin(), ids.end());
    want.push_back(tok.eos_id());
    pos = end + 1;
  }
  EXPECT_EQ(encode_text(tok, kText, o), want);
  EXPECT_EQ(std::count(want.begin(), want.end(), tok.eos_id()), 8);  // 8 lines, 2 of them empty
}

TEST(TokenFile, CachedFileIsReusedOnlyWhenUpToDate) {
  auto dir = test::scratch_dir("tok-cache");
  const std::string src = dir + "/corpus.txt", cache = dir + "/cache/corpus.bin";
  write(src, kText);
  BpeTokenizer tok = tokenizer();

  int reports = 0;
  auto r1 = encode_file_cached(tok, src, cache, {}, [&](const ProgressInfo&) { return ++reports > 0; });
  EXPECT_FALSE(r1.reused);
  EXPECT_GT(reports, 0);
  TokenFileHeader h;
  EXPECT_EQ(read_token_file(cache, &h), tok.encode(kText));
  EXPECT_EQ(r1.count, h.count);
  EXPECT_EQ(h.dtype_bytes, 2u);
  EXPECT_EQ(h.vocab_size, 300u);
  EXPECT_EQ(h.tokenizer_sha256, tok.sha256());
  EXPECT_EQ(h.source_sha256, sha256_hex(kText.data(), kText.size()));
  EXPECT_EQ(read_file_bytes(cache).size(), 96 + 2 * h.count);

  auto r2 = encode_file_cached(tok, src, cache, {}, [](const ProgressInfo&) -> bool {
    ADD_FAILURE() << "an up-to-date cache must not be re-encoded";
    return true;
  });
  EXPECT_TRUE(r2.reused);
  EXPECT_EQ(r2.count, r1.count);

  TokenFileOptions per_line;
  per_line.eos_per_line = true;
  auto r3 = encode_file_cached(tok, src, cache, per_line);  // other options: stale
  EXPECT_FALSE(r3.reused);
  EXPECT_EQ(read_token_file(cache, &h), encode_text(tok, kText, per_line));
  EXPECT_EQ(h.flags, 1u);
  EXPECT_TRUE(encode_file_cached(tok, src, cache, per_line).reused);

  BpeTokenizer other = tokenizer(290);  // another tokenizer: stale
  EXPECT_FALSE(encode_file_cached(other, src, cache, per_line).reused);
  EXPECT_EQ(read_token_file(cache), encode_text(other, kText, per_line));

  write(src, kText + "more");  // other source text: stale
  EXPECT_FALSE(encode_file_cached(other, src, cache, per_line).reused);
  EXPECT_EQ(read_token_file(cache), encode_text(other, kText + "more", per_line));

  // A truncated cache is replaced, not read.
  auto bytes = read_file_bytes(cache);
  write_file_atomic(cache, bytes.data(), bytes.size() - 3);
  EXPECT_THROW(read_token_file(cache), BadInput);
  EXPECT_FALSE(encode_file_cached(other, src, cache, per_line).reused);
  EXPECT_TRUE(encode_file_cached(other, src, cache, per_line).reused);
  EXPECT_THROW(encode_file_cached(tok, dir + "/missing.txt", cache), BadInput);
}

TEST(TokenFile, HeaderLayoutAndWideIds) {
  auto dir = test::scratch_dir("tok-layout");
  TokenFileHeader h;
  h.vocab_size = 70000;  // ids above 65535: 4 bytes each
  h.flags = 0;
  h.tokenizer_sha256 = std::string(64, 'a');
  h.source_sha256 = std::string(63, '0') + "f";
  write_token_file(dir + "/wide.bin", {0, 65535, 65536, 69999}, h);
  auto raw = read_file_bytes(dir + "/wide.bin");
  ASSERT_EQ(raw.size(), 96u + 16u);
  EXPECT_EQ(std::string(raw.begin(), raw.begin() + 8), std::string("WARPTOK\0", 8));
  EXPECT_EQ(raw[8], 1);   // version
  EXPECT_EQ(raw[12], 4);  // dtype
  EXPECT_EQ(raw[16], 4);  // count
  EXPECT_EQ(raw[28] | raw[29] << 8 | raw[30] << 16, 70000);
  EXPECT_EQ(raw[32], 0xAA);
  EXPECT_EQ(raw[95], 0x0F);
  EXPECT_EQ(raw[96 + 8], 0x00);  // 65536 little-endian: 00 00 01 00
  EXPECT_EQ(raw[96 + 10], 0x01);
  TokenFileHeader back;
  EXPECT_EQ(read_token_file(dir + "/wide.bin", &back), (std::vector<int32_t>{0, 65535, 65536, 69999}));
  EXPECT_EQ(back.source_sha256, h.source_sha256);

  h.vocab_size = 65536;  // every id fits 2 bytes
  write_token_file(dir + "/narrow.bin", {65535, 1}, h);
  EXPECT_EQ(read_token_file_header(dir + "/narrow.bin").dtype_bytes, 2u);
  EXPECT_EQ(read_token_file(dir + "/narrow.bin"), (std::vector<int32_t>{65535, 1}));
  EXPECT_THROW(write_token_file(dir + "/bad.bin", {65536}, h), BadInput);
  EXPECT_THROW(write_token_file(dir + "/bad.bin", {-1}, h), BadInput);
}

TEST(TokenFile, BadFilesAreRejected) {
  auto dir = test::scratch_dir("tok-badfile");
  TokenFileHeader h;
  h.vocab_size = 300;
  h.tokenizer_sha256 = h.source_sha256 = std::string(64, '1');
  write_token_file(dir + "/ok.bin", {1, 2, 299}, h);
  auto raw = read_file_bytes(dir + "/ok.bin");
  auto variant = [&](const std::string& name, auto edit) {
    auto copy = raw;
    edit(copy);
    write_file_atomic(dir + "/" + name, copy.data(), copy.size());
    try {
      read_token_file(dir + "/" + name);
      ADD_FAILURE() << name << " was accepted";
    } catch (const BadInput& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  };
  variant("magic.bin", [](auto& b) { b[0] = 'X'; });
  variant("version.bin", [](auto& b) { b[8] = 9; });
  variant("dtype.bin", [](auto& b) { b[12] = 3; });
  variant("count.bin", [](auto& b) { b[16] = 4; });
  variant("short.bin", [](auto& b) { b.resize(50); });
  variant("id.bin", [](auto& b) { b[96 + 4] = 0x2C, b[96 + 5] = 0x01; });  // 300 >= vocab_size
  EXPECT_THROW(read_token_file(dir + "/none.bin"), BadInput);
}
