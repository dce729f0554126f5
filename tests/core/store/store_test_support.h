#pragma once
// Helpers for the core/store tests: a tiny GPT config, seeded parameters, bitwise comparison,
// raw file writes for hand-crafted (bad) inputs, and exception checks on message text.

#include <dirent.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "model/gpt_config.h"
#include "model/gpt_params.h"
#include "store/tensor_info.h"
#include "test_support.h"
#include "tiny_gpt.h"

namespace warp::test {

inline GPTConfig tiny_config() { return tiny_gpt_config(32, 16, 2, 8); }

// Parameters of gpt_param_specs(c) in order, seeded normal values.
inline NamedTensors random_gpt_params(const GPTConfig& c, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  NamedTensors out;
  for (const auto& spec : gpt_param_specs(c))
    out.emplace_back(spec.name, at::normal(0.0, 1.0, spec.shape, gen, torch::kFloat32));
  return out;
}

// Same dtype, shape and bytes (NaN payloads and -0.0 included).
inline bool bitwise_equal(const torch::Tensor& a, const torch::Tensor& b) {
  if (!a.defined() || !b.defined()) return a.defined() == b.defined();
  if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) return false;
  auto ca = a.contiguous().cpu(), cb = b.contiguous().cpu();
  if (ca.nbytes() == 0) return true;  // an empty tensor's data pointer may be null, which memcmp must not get
  return std::memcmp(ca.data_ptr(), cb.data_ptr(), static_cast<size_t>(ca.nbytes())) == 0;
}

inline void expect_same_tensors(const NamedTensors& got, const NamedTensors& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].first, want[i].first) << "at " << i;
    EXPECT_TRUE(bitwise_equal(got[i].second, want[i].second)) << "tensor " << want[i].first;
  }
}

inline bool same_tensors(const NamedTensors& got, const NamedTensors& want) {
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < want.size(); ++i)
    if (got[i].first != want[i].first || !bitwise_equal(got[i].second, want[i].second)) return false;
  return true;
}

// Plain (non-atomic) write, for crafting inputs.
inline void write_raw(const std::string& path, const void* data, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  if (size) {
    ASSERT_EQ(std::fwrite(data, 1, size, f), size);
  }
  std::fclose(f);
}
inline void write_raw(const std::string& path, const std::string& s) { write_raw(path, s.data(), s.size()); }
inline void write_raw(const std::string& path, const std::vector<uint8_t>& b) { write_raw(path, b.data(), b.size()); }

inline std::set<std::string> list_dir(const std::string& dir) {
  std::set<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.insert(n);
    }
    ::closedir(d);
  }
  return names;
}

// Runs fn, expecting exception type E whose message contains every one of `parts`.
template <typename E, typename Fn>
void expect_error(Fn&& fn, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "no exception; expected one mentioning '" << (parts.empty() ? "" : parts[0]) << "'";
  } catch (const E& e) {
    std::string what = e.what();
    for (const auto& p : parts) EXPECT_NE(what.find(p), std::string::npos) << "'" << p << "' not in: " << what;
  }
}

}  // namespace warp::test
