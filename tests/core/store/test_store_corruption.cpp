// Corruption loops: valid files of each format (HDF5 checkpoint, safetensors), truncated at many
// lengths and with single bytes altered at many positions. Loading must either succeed with exactly
// the original data or throw warp::Error / warp::BadInput: never crash, hang, throw anything else
// or return altered data.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <random>

#include "store/checkpoint_h5.h"
#include "store/safetensors.h"
#include "store_test_support.h"
#include "util/error.h"
#include "util/fsutil.h"

using namespace warp;
using namespace warp::test;

namespace {

struct Tally {
  int identical = 0, errors = 0, checksum_errors = 0, wrong = 0, foreign = 0;
  std::vector<std::string> samples;  // a few error messages, to show what users see
  std::string summary() const {
    return std::to_string(identical) + " identical, " + std::to_string(errors) + " errors (" +
           std::to_string(checksum_errors) + " checksum), " + std::to_string(wrong) + " altered, " +
           std::to_string(foreign) + " other exceptions";
  }
  std::string sample_text() const {
    std::string s;
    for (const auto& m : samples) s += "    e.g. " + m + "\n";
    return s;
  }
};

// Loads the mutated file with `load`, which returns whether the result equals the original.
template <typename Load>
void classify(Tally& tally, const std::string& what, Load&& load) {
  try {
    if (load()) {
      ++tally.identical;
    } else {
      ++tally.wrong;
      ADD_FAILURE() << what << ": loaded with different data and no error";
    }
  } catch (const Error& e) {
    ++tally.errors;
    if (std::string(e.what()).find("checksum") != std::string::npos) ++tally.checksum_errors;
    if (tally.errors % 997 == 1 && tally.samples.size() < 4) tally.samples.push_back(e.what());
  } catch (const std::exception& e) {
    ++tally.foreign;
    ADD_FAILURE() << what << ": threw a non-warp exception: " << e.what();
  }
}

// Positions to alter: every `stride`-th byte plus a seeded random sample, each XORed with a
// random non-zero byte.
std::vector<std::pair<size_t, uint8_t>> flips(size_t size, size_t stride, size_t random_count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> value(1, 255);
  std::uniform_int_distribution<size_t> pos(0, size - 1);
  std::vector<std::pair<size_t, uint8_t>> out;
  for (size_t p = 0; p < size; p += stride) out.emplace_back(p, static_cast<uint8_t>(value(rng)));
  for (size_t i = 0; i < random_count; ++i) out.emplace_back(pos(rng), static_cast<uint8_t>(value(rng)));
  return out;
}

// Lengths to cut the file to, longest first (so one copy can be cut shorter and shorter): every
// length below 512 bytes (superblock and root object header), every `stride`-th above.
std::vector<size_t> truncations(size_t size, size_t stride) {
  std::vector<size_t> out;
  for (size_t n = 0; n < size; n += (n < 512 ? 1 : stride)) out.push_back(n);
  if (out.back() != size - 1) out.push_back(size - 1);
  std::reverse(out.begin(), out.end());
  return out;
}

// A copy of a file altered in place: single bytes rewritten with pwrite, the end cut with
// ftruncate. No rewrite of the whole file per case (rewriting through O_TRUNC makes ext4 flush
// every close, which turns a few-second loop into a minute on a busy disk).
class MutableCopy {
 public:
  MutableCopy(const std::string& path, const std::vector<uint8_t>& bytes) : path_(path) {
    write_raw(path, bytes);
    fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    EXPECT_GE(fd_, 0) << path;
  }
  ~MutableCopy() {
    if (fd_ >= 0) ::close(fd_);
  }
  void put(size_t pos, uint8_t value) { EXPECT_EQ(::pwrite(fd_, &value, 1, static_cast<off_t>(pos)), 1); }
  void cut(size_t size) { EXPECT_EQ(::ftruncate(fd_, static_cast<off_t>(size)), 0); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

CheckpointData small_checkpoint() {
  CheckpointData d;
  d.header.kind = "policy";
  d.header.step = 321;
  d.header.config = {{"model", tiny_config().to_json()}, {"seed", 5}};
  d.header.meta = {{"note", "corruption test"}};
  auto gen = at::detail::createCPUGenerator(99);
  d.params.emplace_back("wte.weight", at::normal(0.0, 1.0, {6, 4}, gen, torch::kFloat32));
  d.params.emplace_back("h.0.attn.c_attn.weight", at::normal(0.0, 1.0, {12, 4}, gen, torch::kFloat32));
  d.params.emplace_back("ln_f.bias", torch::linspace(-1, 1, 4));
  d.params.emplace_back("half", torch::linspace(-2, 2, 5).to(torch::kBFloat16));
  d.state.emplace_back("rng", torch::arange(16, torch::kInt32).to(torch::kUInt8));
  d.state.emplace_back("data_position", torch::tensor(int64_t(4242)));
  d.state.emplace_back("adam.m", torch::full({6, 4}, 0.5f));
  d.files.emplace_back("merges.txt", torch::arange(97, 123, torch::kInt32).to(torch::kUInt8));  // "a".."z"
  return d;
}

bool same_checkpoint(const CheckpointData& a, const CheckpointData& b) {
  return a.header.kind == b.header.kind && a.header.step == b.header.step && a.header.config == b.header.config &&
         a.header.meta == b.header.meta && same_tensors(a.params, b.params) && same_tensors(a.state, b.state) &&
         same_tensors(a.files, b.files);
}

// Saves `original`, then loads it truncated at each of `cuts` and altered at each of `alter`.
void hdf5_loop(const std::string& name, const CheckpointData& original, const CheckpointWriteOptions& options,
               size_t cut_stride, const std::function<std::vector<std::pair<size_t, uint8_t>>(size_t size)>& alter) {
  auto dir = scratch_dir(name);
  const std::string good = dir + "/good.h5", bad = dir + "/bad.h5";
  save_checkpoint(good, original, {}, options);
  ASSERT_TRUE(same_checkpoint(load_checkpoint(good), original));
  const auto bytes = read_file_bytes(good);
  auto start = std::chrono::steady_clock::now();

  Tally flip;
  {
    MutableCopy copy(bad, bytes);
    for (auto [pos, x] : alter(bytes.size())) {
      copy.put(pos, bytes[pos] ^ x);
      classify(flip, "byte " + std::to_string(pos) + " ^ " + std::to_string(x),
               [&] { return same_checkpoint(load_checkpoint(bad), original); });
      copy.put(pos, bytes[pos]);
    }
  }

  Tally cut;
  {
    MutableCopy copy(bad, bytes);
    for (size_t n : truncations(bytes.size(), cut_stride)) {
      copy.cut(n);
      classify(cut, "truncated to " + std::to_string(n),
               [&] { return same_checkpoint(load_checkpoint(bad), original); });
    }
  }
  EXPECT_EQ(cut.identical, 0) << "a truncated checkpoint loaded";

  // Data chunks are covered by Fletcher32, metadata by HDF5's own checksums.
  EXPECT_GT(flip.checksum_errors, 0);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << name << ": HDF5 checkpoint of " << bytes.size() << " bytes: truncations: " << cut.summary()
            << "; byte flips: " << flip.summary() << " (" << seconds << " s)\n"
            << cut.sample_text() << flip.sample_text();
}

}  // namespace

// Every byte position of a small checkpoint (one chunk per tensor), and its truncations.
TEST(StoreCorruption, Hdf5CheckpointTruncatedOrAltered) {
  hdf5_loop("corrupt-h5", small_checkpoint(), {}, 11, [](size_t size) { return flips(size, 1, 0, 2024); });
}

// Tensors split into many small chunks, so the file holds chunk indexes (HDF5 fixed arrays):
// every 4th byte plus a random sample, and truncations.
TEST(StoreCorruption, Hdf5MultiChunkCheckpointTruncatedOrAltered) {
  auto data = small_checkpoint();
  data.params.emplace_back("big", torch::arange(2400, torch::kFloat32).reshape({40, 60}));
  CheckpointWriteOptions options;
  options.chunk_bytes = 480;  // 2 rows of 60 floats: 20 chunks for "big"
  hdf5_loop("corrupt-h5-chunks", data, options, 29, [](size_t size) { return flips(size, 4, 300, 77); });
}

TEST(StoreCorruption, SafetensorsTruncatedOrAltered) {
  auto dir = scratch_dir("corrupt-st");
  const std::string good = dir + "/good.safetensors", bad = dir + "/bad.safetensors";
  auto original = small_checkpoint().params;
  original.emplace_back("count", torch::tensor({int64_t(1), int64_t(-2)}));
  original.emplace_back("mask", torch::tensor({true, false, true}));
  const std::map<std::string, std::string> meta = {{"format", "pt"}, {"origin", "test"}};
  save_safetensors(good, original, meta);
  const auto bytes = read_file_bytes(good);

  // The loaded tensors must be the originals; the metadata must hold the original entries (a byte
  // altered in the name of the checksum key leaves an extra, unverified key and identical data).
  auto load_same = [&] {
    std::map<std::string, std::string> got_meta;
    auto got = load_safetensors(bad, &got_meta);
    for (const auto& [k, v] : meta)
      if (!got_meta.count(k) || got_meta.at(k) != v) return false;
    return same_tensors(got, original);
  };

  Tally flip;
  {
    MutableCopy copy(bad, bytes);
    for (auto [pos, x] : flips(bytes.size(), 1, 2000, 7)) {
      copy.put(pos, bytes[pos] ^ x);
      classify(flip, "byte " + std::to_string(pos) + " ^ " + std::to_string(x), load_same);
      copy.put(pos, bytes[pos]);
    }
  }

  Tally cut;
  {
    MutableCopy copy(bad, bytes);
    for (size_t n : truncations(bytes.size(), 1)) {
      copy.cut(n);
      classify(cut, "truncated to " + std::to_string(n), load_same);
    }
  }
  EXPECT_EQ(cut.identical, 0) << "a truncated file loaded";

  EXPECT_GT(flip.checksum_errors, 0);
  std::cout << "safetensors file of " << bytes.size() << " bytes: truncations: " << cut.summary()
            << "; byte flips: " << flip.summary() << "\n"
            << cut.sample_text() << flip.sample_text();
}
