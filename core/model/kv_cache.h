#pragma once
// Key/value cache for incremental decoding with the GPT policy.
//
// Dimension legend: B batch, H heads, Tmax capacity (slots), hs head size (C / H), L filled slots.
//
// Per layer the cache holds preallocated k and v buffers [B, H, Tmax, hs] and one key mask
// [B, Tmax] (true = a real token, false = left padding) shared by all layers. A forward pass with
// T new tokens writes slots [L, L+T) of every layer and of the mask, attends over slots [0, L+T),
// and then advances L by T. Nothing is reallocated while decoding. All rows share the slot
// counter: prompts of different lengths are left-padded so their last tokens line up.

#include <cstdint>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "model/gpt_config.h"

namespace warp {

class KVCache {
 public:
  // Buffers of `capacity` slots for `batch` rows, in `dtype` on `device` (use the model's).
  // Throws BadInput for batch <= 0 or capacity outside (0, n_ctx].
  KVCache(const GPTConfig& config, int64_t batch, int64_t capacity, torch::Dtype dtype, torch::Device device);

  int64_t batch() const { return batch_; }
  int64_t capacity() const { return capacity_; }
  int64_t length() const { return length_; }  // L: slots filled by earlier forward passes
  int64_t n_layer() const { return static_cast<int64_t>(k_.size()); }
  torch::Device device() const { return mask_.device(); }
  torch::Dtype dtype() const { return k_.front().scalar_type(); }

  // Empties the cache (L = 0); the buffers are kept.
  void reset() { length_ = 0; }

  // --- used by the model during one forward pass of T new tokens -------------------------------
  // Writes the key mask of the new tokens ([B, T] bool) into slots [L, L+T) and returns the mask of
  // all slots [B, L+T]. Throws Error when L+T exceeds the capacity or the batch differs.
  torch::Tensor write_mask(const torch::Tensor& key_mask);
  // Writes k, v [B, H, T, hs] of `layer` into slots [L, L+T); returns views of k, v over slots
  // [0, L+T): [B, H, L+T, hs] each.
  std::pair<torch::Tensor, torch::Tensor> write(int64_t layer, const torch::Tensor& k, const torch::Tensor& v);
  // After every layer has written: L += T.
  void advance(int64_t T);

 private:
  int64_t batch_, capacity_, length_ = 0;
  std::vector<torch::Tensor> k_, v_;  // per layer [B, H, Tmax, hs]
  torch::Tensor mask_;                // [B, Tmax] bool
};

}  // namespace warp
