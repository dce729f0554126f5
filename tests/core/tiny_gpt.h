#pragma once
// The tiny GPT of the core tests: small enough that a forward pass is instant, with every kind of
// tensor a real one has (layers, heads, LayerNorms, biases). Each test names the vocabulary and
// context its data needs and, where it matters, the depth and width; n_head is 2 everywhere.

#include <cstdint>

#include "model/gpt_config.h"

namespace warp::test {

inline GPTConfig tiny_gpt_config(int64_t vocab_size, int64_t n_ctx, int64_t n_layer = 2, int64_t n_embd = 16) {
  GPTConfig c;
  c.n_layer = n_layer;
  c.n_head = 2;
  c.n_embd = n_embd;
  c.n_ctx = n_ctx;
  c.vocab_size = vocab_size;
  return c;
}

}  // namespace warp::test
