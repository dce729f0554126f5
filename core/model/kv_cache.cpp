#include "model/kv_cache.h"

#include <string>

#include <torch/torch.h>

#include "util/error.h"

namespace warp {

KVCache::KVCache(const GPTConfig& config, int64_t batch, int64_t capacity, torch::Dtype dtype, torch::Device device)
    : batch_(batch), capacity_(capacity) {
  config.validate();
  if (batch <= 0) throw BadInput("KV cache: batch must be > 0, got " + std::to_string(batch));
  if (capacity <= 0 || capacity > config.n_ctx)
    throw BadInput("KV cache: capacity must be in [1, n_ctx=" + std::to_string(config.n_ctx) + "], got " +
                   std::to_string(capacity));
  auto opts = torch::TensorOptions().dtype(dtype).device(device);
  k_.reserve(config.n_layer);
  v_.reserve(config.n_layer);
  for (int64_t l = 0; l < config.n_layer; ++l) {
    k_.push_back(torch::zeros({batch, config.n_head, capacity, config.head_size()}, opts));
    v_.push_back(torch::zeros({batch, config.n_head, capacity, config.head_size()}, opts));
  }
  mask_ = torch::zeros({batch, capacity}, torch::TensorOptions().dtype(torch::kBool).device(device));
}

torch::Tensor KVCache::write_mask(const torch::Tensor& key_mask) {
  // key_mask [B, T] bool
  if (key_mask.dim() != 2 || key_mask.size(0) != batch_)
    throw Error("KV cache: key mask must be [" + std::to_string(batch_) + ", T], got " +
                std::to_string(key_mask.dim()) + "-d tensor with " + std::to_string(key_mask.size(0)) + " rows");
  const int64_t T = key_mask.size(1);
  if (length_ + T > capacity_)
    throw Error("KV cache: " + std::to_string(T) + " new tokens after " + std::to_string(length_) +
                " exceed the capacity of " + std::to_string(capacity_) + " slots");
  mask_.narrow(1, length_, T).copy_(key_mask);
  return mask_.narrow(1, 0, length_ + T);  // [B, L+T]
}

std::pair<torch::Tensor, torch::Tensor> KVCache::write(int64_t layer, const torch::Tensor& k, const torch::Tensor& v) {
  // k, v [B, H, T, hs]
  if (layer < 0 || layer >= n_layer())
    throw Error("KV cache: layer " + std::to_string(layer) + " out of range (have " + std::to_string(n_layer()) + ")");
  auto& kb = k_[layer];
  auto& vb = v_[layer];
  if (k.dim() != 4 || k.size(0) != batch_ || k.size(1) != kb.size(1) || k.size(3) != kb.size(3) ||
      !k.sizes().equals(v.sizes()))
    throw Error("KV cache: layer " + std::to_string(layer) + " expects k, v of shape [B, H, T, hs] = [" +
                std::to_string(batch_) + ", " + std::to_string(kb.size(1)) + ", T, " + std::to_string(kb.size(3)) +
                "]");
  const int64_t T = k.size(2);
  if (length_ + T > capacity_)
    throw Error("KV cache: " + std::to_string(T) + " new tokens after " + std::to_string(length_) +
                " exceed the capacity of " + std::to_string(capacity_) + " slots");
  kb.narrow(2, length_, T).copy_(k);
  vb.narrow(2, length_, T).copy_(v);
  return {kb.narrow(2, 0, length_ + T), vb.narrow(2, 0, length_ + T)};  // [B, H, L+T, hs]
}

void KVCache::advance(int64_t T) {
  if (T < 0 || length_ + T > capacity_)
    throw Error("KV cache: cannot advance by " + std::to_string(T) + " from " + std::to_string(length_) +
                " (capacity " + std::to_string(capacity_) + ")");
  length_ += T;
}

}  // namespace warp
