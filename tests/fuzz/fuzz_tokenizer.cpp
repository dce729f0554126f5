// libFuzzer target: the tokenizer file readers. The input is vocab.json, a NUL byte, merges.txt
// (tokenizer/bpe.h BpeTokenizer::from_texts); a tokenizer that loads then encodes and decodes a
// text. The same bytes are also read as a token file (tokenizer/token_file.h). Only BadInput may
// come out.
#include <cstdint>
#include <string>

#include "fuzz_input_file.h"
#include "tokenizer/bpe.h"
#include "tokenizer/token_file.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string all(reinterpret_cast<const char*>(data), size);
  const size_t nul = all.find('\0');
  const std::string vocab = all.substr(0, nul);
  const std::string merges = nul == std::string::npos ? std::string() : all.substr(nul + 1);
  try {
    const warp::BpeTokenizer t = warp::BpeTokenizer::from_texts(vocab, merges, "vocab.json", "merges.txt");
    const auto ids = t.encode("Hello, world! It's 2026.\n\xc3\xa9t\xc3\xa9 <|endoftext|> x");
    (void)t.decode(ids);
  } catch (const warp::BadInput&) {}
  const std::string& path = warp::fuzz::input_file(data, size);
  try {
    warp::TokenFileHeader h;
    (void)warp::read_token_file(path, &h);
  } catch (const warp::BadInput&) {}
  return 0;
}
