// The LibTorch-free HDF5 checkpoint layer (store/checkpoint_file.h) and the validator of untrusted
// checkpoints (store/checkpoint_validate.h, the executable warp-h5check) on valid and hostile files:
// truncated, a flipped data byte, another format version, a dataset without Fletcher32, bad tensor
// names, negative and overflowing shapes, stored bytes that disagree with dtype x shape. This test
// links no LibTorch (only warp_store_h5): the sanitizer build (scripts/test.sh) runs it under
// ASan + UBSan, with warp-h5check built the same way. Hostile files are crafted with the HDF5 C API.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "store/checkpoint_file.h"
#include "store/checkpoint_validate.h"
#include "test_env.h"
#include "test_support.h"
#include "util/error.h"

using namespace warp;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void put(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(f.good()) << path;
}

TensorDesc desc_of(const std::string& name, StoreDtype dtype, std::vector<int64_t> shape) {
  TensorDesc d;
  d.name = name;
  d.dtype = dtype;
  d.shape = std::move(shape);
  EXPECT_TRUE(checked_nbytes(d.shape, dtype_size(d.dtype), &d.numel, &d.nbytes));
  return d;
}

// A recognisable run of float32 values (found again in the file by the flipped-byte test).
std::vector<float> float_pattern(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = 1000.0f + 0.25f * static_cast<float>(i);
  return v;
}

// The message of the BadInput that `fn` throws; a failure when it throws anything else or nothing.
std::string bad_input_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const BadInput& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a BadInput: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no exception";
  return "";
}

// Output (stdout + stderr) and exit status of a command run by the shell.
struct CommandResult {
  int status = -1;
  std::string out;
};

CommandResult run(const std::string& command) {
  CommandResult r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  return r;
}

// ---- HDF5 C API helpers for crafted files -------------------------------------------------------------

void set_int_attr(hid_t obj, const char* name, int64_t value) {
  if (H5Aexists(obj, name) > 0) {
    ASSERT_GE(H5Adelete(obj, name), 0);
  }
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(a, 0) << name;
  ASSERT_GE(H5Awrite(a, H5T_NATIVE_INT64, &value), 0);
  H5Aclose(a);
  H5Sclose(space);
}

void set_string_attr(hid_t obj, const char* name, const std::string& value) {
  if (H5Aexists(obj, name) > 0) {
    ASSERT_GE(H5Adelete(obj, name), 0);
  }
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, value.size());
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(a, 0) << name;
  ASSERT_GE(H5Awrite(a, type, value.data()), 0);
  H5Aclose(a);
  H5Sclose(space);
  H5Tclose(type);
}

// A file with a valid warp header and an empty /params, in HDF5's default (oldest) file format, as
// another program would write it; returns the open file (H5Fclose it).
hid_t create_foreign(const std::string& path) {
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  EXPECT_GE(f, 0) << path;
  set_string_attr(f, "format", kCheckpointFormat);
  set_int_attr(f, "version", kCheckpointVersion);
  set_string_attr(f, "kind", "policy");
  set_int_attr(f, "step", 0);
  set_string_attr(f, "config", "{}");
  hid_t g = H5Gcreate2(f, "params", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  EXPECT_GE(g, 0);
  H5Gclose(g);
  return f;
}

// Creates /params/<name> of `type` and `dims`: chunked (chunk: the given chunk dims; Fletcher32 when
// `fletcher32`), or contiguous when `chunk` is empty. Returns the open dataset (H5Dclose it).
hid_t create_dataset(hid_t f, const std::string& name, hid_t type, const std::vector<hsize_t>& dims,
                     const std::vector<hsize_t>& chunk, bool fletcher32) {
  hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  EXPECT_GE(space, 0);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (!chunk.empty()) {
    EXPECT_GE(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()), 0);
    if (fletcher32) {
      EXPECT_GE(H5Pset_fletcher32(dcpl), 0);
    }
  }
  const std::string full = "/params/" + name;
  hid_t ds = H5Dcreate2(f, full.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  EXPECT_GE(ds, 0) << name;
  H5Pclose(dcpl);
  H5Sclose(space);
  return ds;
}

class H5Check : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = test::scratch_dir("h5check");
    valid = dir + "/a.h5";
    write_valid(valid);
  }

  // What the project writes: every kind of dataset the validator meets (multi-chunk float32, a
  // compact scalar, an empty tensor, float16 and bool with their warp_dtype attribute, /state, /files).
  void write_valid(const std::string& path) {
    CheckpointHeader h;
    h.kind = "policy";
    h.step = 7;
    h.config = {{"model", {{"n_layer", 1}}}};
    h.meta = {{"note", "made by test_h5check"}};
    CheckpointWriteOptions o;
    o.chunk_bytes = 16384;  // [300,70] float32 (84000 bytes) in 6 chunks of 50 rows
    CheckpointFileWriter w(path, h, o);
    w.write(desc_of("w", StoreDtype::Float32, {300, 70}), weights.data());
    const int64_t step = 42;
    w.write(desc_of("count", StoreDtype::Int64, {}), &step);
    w.write(desc_of("empty", StoreDtype::Float32, {0, 3}), nullptr);
    w.write(desc_of("half", StoreDtype::Float16, {4}), half_bits);
    w.write(desc_of("mask", StoreDtype::Bool, {5}), mask);
    w.write(desc_of("rng", StoreDtype::UInt8, {16}), rng, TensorGroup::State);
    w.write(desc_of("vocab.json", StoreDtype::UInt8, {static_cast<int64_t>(vocab.size())}), vocab.data(),
            TensorGroup::Files);
    w.commit();
  }

  std::string dir, valid;
  const std::vector<float> weights = float_pattern(300 * 70);
  const uint16_t half_bits[4] = {0x3c00, 0xc000, 0x7bff, 0x0001};
  const uint8_t mask[5] = {1, 0, 0, 1, 1};
  const uint8_t rng[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 255, 254, 253, 252, 251, 250};
  const std::string vocab = R"({"a": 0, "b": 1})";
};

// ---- valid files ----------------------------------------------------------------------------------------

TEST_F(H5Check, AValidFileReadsBackAndPasses) {
  CheckpointFile f(valid);
  EXPECT_EQ(f.header().kind, "policy");
  EXPECT_EQ(f.header().step, 7);
  EXPECT_EQ(f.header().version, kCheckpointVersion);
  EXPECT_EQ(f.header().config["model"]["n_layer"], 1);
  EXPECT_EQ(f.header().meta["note"], "made by test_h5check");
  const auto& params = f.tensors();
  ASSERT_EQ(params.size(), 5u);
  const char* names[] = {"w", "count", "empty", "half", "mask"};
  for (size_t i = 0; i < params.size(); ++i) EXPECT_EQ(params[i].name, names[i]) << "written order";
  EXPECT_EQ(params[0].dtype, StoreDtype::Float32);
  EXPECT_EQ(params[0].shape, (std::vector<int64_t>{300, 70}));
  EXPECT_EQ(params[0].nbytes, 84000);
  EXPECT_EQ(params[1].dtype, StoreDtype::Int64);
  EXPECT_TRUE(params[1].shape.empty());
  EXPECT_EQ(params[3].dtype, StoreDtype::Float16);
  EXPECT_EQ(params[4].dtype, StoreDtype::Bool);

  std::vector<float> w(300 * 70);
  f.read_bytes("w", TensorGroup::Params, w.data(), 84000);
  EXPECT_EQ(w, weights);
  int64_t count = 0;
  f.read_bytes("count", TensorGroup::Params, &count, 8);
  EXPECT_EQ(count, 42);
  f.read_bytes("empty", TensorGroup::Params, nullptr, 0);
  uint16_t half[4] = {};
  f.read_bytes("half", TensorGroup::Params, half, 8);
  EXPECT_EQ(std::memcmp(half, half_bits, sizeof half), 0);
  uint8_t m[5] = {};
  f.read_bytes("mask", TensorGroup::Params, m, 5);
  EXPECT_EQ(std::memcmp(m, mask, sizeof m), 0);
  uint8_t r[16] = {};
  f.read_bytes("rng", TensorGroup::State, r, 16);
  EXPECT_EQ(std::memcmp(r, rng, sizeof r), 0);
  std::string v(vocab.size(), '\0');
  f.read_bytes("vocab.json", TensorGroup::Files, v.data(), static_cast<int64_t>(v.size()));
  EXPECT_EQ(v, vocab);

  // A buffer of the wrong size is the caller's error (Error, not BadInput); an absent name is BadInput.
  try {
    f.read_bytes("w", TensorGroup::Params, w.data(), 4);
    ADD_FAILURE() << "no exception";
  } catch (const BadInput& e) {
    ADD_FAILURE() << "BadInput: " << e.what();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("into a buffer of 4 bytes"), std::string::npos) << e.what();
  }
  EXPECT_NE(bad_input_of([&] { f.read_bytes("nope", TensorGroup::Params, nullptr, 0); }).find("has no tensor 'nope'"),
            std::string::npos);

  EXPECT_NO_THROW(validate_checkpoint_file(valid));
}

TEST_F(H5Check, TheWriterRefusesWhatItCannotReadBack) {
  CheckpointFileWriter w(dir + "/b.h5", CheckpointHeader{});
  const float x[2] = {1, 2};
  TensorDesc d = desc_of("x", StoreDtype::Float32, {2});
  d.nbytes = 4;  // not numel * 4
  EXPECT_THROW(w.write(d, x), Error);
  EXPECT_THROW(w.write(desc_of("a/b", StoreDtype::Float32, {2}), x), Error);
  EXPECT_THROW(w.write(desc_of("f", StoreDtype::Float32, {2}), x, TensorGroup::Files), Error);
  w.write(desc_of("x", StoreDtype::Float32, {2}), x);
  EXPECT_THROW(w.write(desc_of("x", StoreDtype::Float32, {2}), x), Error);  // twice
  w.commit();
  EXPECT_NO_THROW(validate_checkpoint_file(dir + "/b.h5"));
}

// ---- hostile files ----------------------------------------------------------------------------------------

TEST_F(H5Check, TruncatedFilesAreRefused) {
  const std::string bytes = slurp(valid);
  ASSERT_GT(bytes.size(), 84000u);
  for (size_t keep : {size_t{0}, size_t{8}, size_t{1000}, bytes.size() / 2, bytes.size() - 1}) {
    const std::string path = dir + "/cut-" + std::to_string(keep) + ".h5";
    put(path, bytes.substr(0, keep));
    const std::string e = bad_input_of([&] { validate_checkpoint_file(path); });
    EXPECT_EQ(e.rfind(path + ": ", 0), 0u) << "cut at " << keep << ": " << e;
  }
}

TEST_F(H5Check, AFlippedDataByteIsAChecksumMismatch) {
  std::string bytes = slurp(valid);
  const std::string needle(reinterpret_cast<const char*>(weights.data()), 64);
  const size_t at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos) << "the first chunk of 'w' is stored as written";
  bytes[at + 1000] = static_cast<char>(bytes[at + 1000] ^ 0x10);  // inside the first 14000-byte chunk
  const std::string path = dir + "/flipped.h5";
  put(path, bytes);
  const std::string e = bad_input_of([&] { validate_checkpoint_file(path); });
  EXPECT_NE(e.find(path + ": cannot read tensor 'w': checksum mismatch, the file is corrupt"), std::string::npos) << e;
}

TEST_F(H5Check, AnotherFormatVersionIsRefused) {
  hid_t f = H5Fopen(valid.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  set_int_attr(f, "version", 2);
  H5Fclose(f);
  const std::string e = bad_input_of([&] { validate_checkpoint_file(valid); });
  EXPECT_NE(e.find(valid + ": has checkpoint version 2; this build reads version 1"), std::string::npos) << e;
}

TEST_F(H5Check, DatasetsWithoutFletcher32AreRefused) {
  const std::vector<float> data = float_pattern(64);
  for (bool chunked : {false, true}) {
    const std::string path = dir + (chunked ? "/chunked.h5" : "/contiguous.h5");
    hid_t f = create_foreign(path);
    hid_t ds = create_dataset(f, "w", H5T_IEEE_F32LE, {64}, chunked ? std::vector<hsize_t>{16} : std::vector<hsize_t>{},
                              false);
    ASSERT_GE(H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), 0);
    H5Dclose(ds);
    H5Fclose(f);
    CheckpointFile file(path);  // readable in-process (h5py's default layout)...
    ASSERT_EQ(file.tensors().size(), 1u);
    // ...but not accepted as untrusted input: its data has no checksum.
    const std::string e = bad_input_of([&] { validate_checkpoint_file(path); });
    EXPECT_NE(e.find(path + ": dataset /params/w has no Fletcher32 checksum"), std::string::npos) << e;
  }
}

TEST_F(H5Check, BadTensorNamesAreRefused) {
  struct Case {
    std::string name, expected;
  };
  const Case cases[] = {
      {std::string("bad\x01name"), "tensor name 'bad\x01name' contains a control character"},
      {std::string("tab\tname"), "tensor name 'tab\tname' contains a control character"},
      {std::string(1500, 'x'), "entry 0 of group /params has an invalid name"},
  };
  int i = 0;
  for (const auto& c : cases) {
    const std::string path = dir + "/name" + std::to_string(i++) + ".h5";
    hid_t f = create_foreign(path);
    hid_t space = H5Screate(H5S_SCALAR);
    const std::string full = "/params/" + c.name;
    hid_t ds = H5Dcreate2(f, full.c_str(), H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(ds, 0) << "HDF5 accepts the name " << c.expected;
    H5Dclose(ds);
    H5Sclose(space);
    H5Fclose(f);
    const std::string e = bad_input_of([&] { validate_checkpoint_file(path); });
    EXPECT_NE(e.find(path + ": " + c.expected), std::string::npos) << e;
  }
}

TEST_F(H5Check, NegativeAndOverflowingShapesAreRefused) {
  struct Case {
    std::vector<hsize_t> dims, chunk;
    std::string expected;
  };
  const hsize_t two62 = hsize_t{1} << 62;
  const hsize_t two20 = hsize_t{1} << 20;
  // float32 shapes whose byte size does not fit in int64 (chunks of at most 4 MiB; HDF5 allocates
  // nothing for them).
  const Case cases[] = {
      {{hsize_t{1} << 32, hsize_t{1} << 32, 4},
       {1024, 256, 4},
       "tensor 'w' has a shape whose size overflows: [4294967296,4294967296,4]"},
      {{hsize_t{1} << 61, 2}, {two20, 2}, "tensor 'w' has a shape whose size overflows: [2305843009213693952,2]"},
      {{two62}, {two20}, "tensor 'w' has a shape whose size overflows: [4611686018427387904]"},
  };
  int i = 0;
  for (const auto& c : cases) {
    const std::string path = dir + "/shape" + std::to_string(i++) + ".h5";
    hid_t f = create_foreign(path);
    hid_t ds = create_dataset(f, "w", H5T_IEEE_F32LE, c.dims, c.chunk, true);
    H5Dclose(ds);
    H5Fclose(f);
    const std::string e = bad_input_of([&] { validate_checkpoint_file(path); });
    EXPECT_NE(e.find(path + ": " + c.expected), std::string::npos) << e;
  }

  // A dimension of 2^63 or more (negative as int64): HDF5 1.10 refuses to create one, so the file is
  // patched: [2^62] uint8 (fits, but no data stored), then its dimension's bytes made 2^63 (the
  // oldest file format, as another program writes it, has no checksum on the object header).
  const std::string path = dir + "/negative.h5";
  hid_t f = create_foreign(path);
  H5Dclose(create_dataset(f, "w", H5T_STD_U8LE, {two62}, {two20}, true));
  H5Fclose(f);
  std::string e = bad_input_of([&] { validate_checkpoint_file(path); });
  EXPECT_NE(e.find(path + ": tensor 'w' declares shape [4611686018427387904] (4611686018427387904 bytes) but stores 0 "
                          "bytes"),
            std::string::npos)
      << e;
  // The dataspace message (version 1): version 1, rank 1, flags, 5 reserved bytes, the dimension,
  // then the maximum dimension (the same) when flags say so.
  std::string bytes = slurp(path);
  const std::string dim("\0\0\0\0\0\0\0\x40", 8), neg("\0\0\0\0\0\0\0\x80", 8);
  int patched = 0;
  for (size_t at = bytes.find(dim, 8); at != std::string::npos; at = bytes.find(dim, at + 8)) {
    if (bytes[at - 8] != 1 || bytes[at - 7] != 1 || bytes.compare(at - 5, 5, std::string(5, '\0')) != 0) continue;
    bytes.replace(at, 8, neg);
    if (bytes.compare(at + 8, 8, dim) == 0) bytes.replace(at + 8, 8, neg);
    ++patched;
  }
  ASSERT_EQ(patched, 1) << "the dataspace of 'w' is found in the file";
  put(path, bytes);
  // HDF5 may refuse to open the dataset, or open it and leave the dimension to our check: either way
  // a BadInput naming the file and the tensor.
  e = bad_input_of([&] { validate_checkpoint_file(path); });
  EXPECT_EQ(e.rfind(path + ": ", 0), 0u) << e;
  EXPECT_NE(e.find("tensor 'w'"), std::string::npos) << e;
}

TEST_F(H5Check, StoredBytesMustMatchDtypeTimesShape) {
  // Declares [1000] float32 (4000 bytes) but only its first chunk is in the file.
  {
    const std::string path = dir + "/short.h5";
    hid_t f = create_foreign(path);
    hid_t ds = create_dataset(f, "w", H5T_IEEE_F32LE, {1000}, {100}, true);
    hid_t fspace = H5Dget_space(ds);
    const hsize_t start[1] = {0}, count[1] = {100};
    ASSERT_GE(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, nullptr, count, nullptr), 0);
    hid_t mspace = H5Screate_simple(1, count, nullptr);
    const std::vector<float> data = float_pattern(100);
    ASSERT_GE(H5Dwrite(ds, H5T_NATIVE_FLOAT, mspace, fspace, H5P_DEFAULT, data.data()), 0);
    H5Sclose(mspace);
    H5Sclose(fspace);
    H5Dclose(ds);
    H5Fclose(f);
    const std::string e = bad_input_of([&] { validate_checkpoint_file(path); });
    EXPECT_NE(e.find(path + ": tensor 'w' declares shape [1000] (4000 bytes) but stores "), std::string::npos) << e;
  }
  // A warp_dtype attribute that the stored type contradicts: "float16" over 4-byte integers.
  {
    const std::string path = dir + "/half.h5";
    hid_t f = create_foreign(path);
    hid_t ds = create_dataset(f, "h", H5T_STD_U32LE, {8}, {8}, true);
    const uint32_t data[8] = {};
    ASSERT_GE(H5Dwrite(ds, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), 0);
    set_string_attr(ds, "warp_dtype", "float16");
    H5Dclose(ds);
    H5Fclose(f);
    const std::string e = bad_input_of([&] { validate_checkpoint_file(path); });
    EXPECT_NE(e.find(path + ": tensor 'h' declares dtype float16 but its HDF5 type does not match"), std::string::npos)
        << e;
  }
  // An integer type of 3 bytes: no store dtype has that element size.
  {
    const std::string path = dir + "/int24.h5";
    hid_t f = create_foreign(path);
    hid_t type = H5Tcopy(H5T_STD_I32LE);
    ASSERT_GE(H5Tset_precision(type, 24), 0);
    ASSERT_GE(H5Tset_size(type, 3), 0);
    hid_t ds = create_dataset(f, "i", type, {8}, {8}, true);
    H5Tclose(type);
    H5Dclose(ds);
    H5Fclose(f);
    const std::string e = bad_input_of([&] { validate_checkpoint_file(path); });
    EXPECT_NE(e.find(path + ": tensor 'i' has an unsupported integer type (3 bytes)"), std::string::npos) << e;
  }
}

// ---- the validator executable --------------------------------------------------------------------------

TEST_F(H5Check, TheValidatorProcessAcceptsAndRefuses) {
  const std::string exe = test::env_path("WARP_H5CHECK");
  CommandResult ok = run("'" + exe + "' -- '" + valid + "'");
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_EQ(ok.out, "");

  std::string bytes = slurp(valid);
  bytes.resize(bytes.size() / 2);
  const std::string cut = dir + "/cut.h5";
  put(cut, bytes);
  CommandResult bad = run("'" + exe + "' -- '" + cut + "'");
  EXPECT_EQ(bad.status, 2) << bad.out;
  EXPECT_EQ(bad.out.rfind("warp-h5check: error: " + cut + ": ", 0), 0u) << bad.out;
  EXPECT_EQ(bad.out.find('\n'), bad.out.size() - 1) << "one line: " << bad.out;

  // Through the caller's function (the child is $WARP_H5CHECK, set by ctest).
  EXPECT_NO_THROW(check_untrusted_checkpoint(valid));
  EXPECT_EQ(bad_input_of([&] { check_untrusted_checkpoint(cut); }).rfind(cut + ": ", 0), 0u);
}

TEST_F(H5Check, TheValidatorDoesNotLinkLibTorch) {
  const std::string exe = test::env_path("WARP_H5CHECK");
  const CommandResult r = run("ldd '" + exe + "'");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("libhdf5"), std::string::npos) << "ldd lists the libraries it links:\n" << r.out;
  EXPECT_EQ(r.out.find("libtorch"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("libc10"), std::string::npos) << r.out;
}

}  // namespace
