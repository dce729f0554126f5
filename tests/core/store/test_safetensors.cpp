// Tests of the safetensors reader/writer: round trips, the byte layout checked by hand, and every
// check of the specification fed a hand-crafted bad file.
#include <gtest/gtest.h>

#include <limits>

#include "store/safetensors.h"
#include "store_test_support.h"
#include "util/error.h"
#include "util/fsutil.h"

using namespace warp;
using namespace warp::test;

namespace {

std::string u64le(uint64_t v) {
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}

// A safetensors file by hand: the 8-byte length, the header text as given, then `data`.
std::string st_bytes(const std::string& header, const std::string& data) {
  return u64le(header.size()) + header + data;
}

std::string floats(std::initializer_list<float> v) {
  return std::string(reinterpret_cast<const char*>(v.begin()), v.size() * sizeof(float));
}

struct Crafted {
  std::string dir;
  int n = 0;
  std::string write(const std::string& bytes) {
    std::string path = dir + "/f" + std::to_string(n++) + ".safetensors";
    write_raw(path, bytes);
    return path;
  }
};

NamedTensors mixed() {
  NamedTensors t;
  float special[] = {0.0f, -0.0f, std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()};
  t.emplace_back("a.special", torch::from_blob(special, {4}, torch::kFloat32).clone());
  t.emplace_back("b.f64", torch::tensor({1e-300, -3.5}, torch::kFloat64));
  t.emplace_back("c.f16", (torch::arange(5, torch::kFloat32) * 0.3).to(torch::kFloat16));
  t.emplace_back("d.bf16", (torch::arange(6, torch::kFloat32) * -1.7).to(torch::kBFloat16).reshape({3, 2}));
  t.emplace_back("e.i64", torch::tensor({std::numeric_limits<int64_t>::min(), int64_t(5)}, torch::kInt64));
  t.emplace_back("f.i32", torch::tensor({-1, 2, 3}, torch::kInt32));
  t.emplace_back("g.i16", torch::tensor({-2}, torch::kInt16));
  t.emplace_back("h.i8", torch::tensor({-128, 127}, torch::kInt8));
  t.emplace_back("i.u8", torch::tensor({0, 200, 255}, torch::kUInt8));
  t.emplace_back("j.bool", torch::tensor({true, false}, torch::kBool));
  t.emplace_back("k.scalar", torch::tensor(2.5f));
  t.emplace_back("l.empty", torch::zeros({0, 3}));
  t.emplace_back("m.matrix", torch::arange(12, torch::kFloat32).reshape({3, 4}));
  return t;
}

}  // namespace

TEST(Safetensors, RoundTripIsBitwiseWithMetadata) {
  auto dir = scratch_dir("st-roundtrip");
  auto t = mixed();
  save_safetensors(dir + "/m.safetensors", t, {{"format", "pt"}, {"note", "h\xc3\xa9llo"}});
  std::map<std::string, std::string> meta;
  auto back = load_safetensors(dir + "/m.safetensors", &meta);
  expect_same_tensors(back, t);
  EXPECT_EQ(meta, (std::map<std::string, std::string>{{"format", "pt"}, {"note", "h\xc3\xa9llo"}}));
  SafetensorsReader r(dir + "/m.safetensors");
  EXPECT_TRUE(r.has_checksum());
  EXPECT_EQ(list_dir(dir), std::set<std::string>{"m.safetensors"});
}

TEST(Safetensors, ByteLayoutMatchesTheSpecification) {
  auto dir = scratch_dir("st-layout");
  NamedTensors t;
  t.emplace_back("w", torch::tensor({1.0f, 2.0f, 3.0f}));
  t.emplace_back("b", torch::tensor({int64_t(-1)}, torch::kInt64));
  save_safetensors(dir + "/l.safetensors", t, {{"format", "pt"}});
  auto bytes = read_file_bytes(dir + "/l.safetensors");
  ASSERT_GE(bytes.size(), 8u);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  EXPECT_EQ((8 + n) % 8, 0u) << "header padded to 8-byte alignment";
  ASSERT_EQ(bytes.size(), 8 + n + 12 + 8);
  std::string header(bytes.begin() + 8, bytes.begin() + 8 + n);
  EXPECT_EQ(header[0], '{');
  auto last = header.find_last_not_of(' ');
  EXPECT_EQ(header[last], '}');
  auto j = nlohmann::json::parse(header);
  EXPECT_EQ(j["w"]["dtype"], "F32");
  EXPECT_EQ(j["w"]["shape"], nlohmann::json::array({3}));
  EXPECT_EQ(j["w"]["data_offsets"], nlohmann::json::array({0, 12}));
  EXPECT_EQ(j["b"]["dtype"], "I64");
  EXPECT_EQ(j["b"]["data_offsets"], nlohmann::json::array({12, 20}));
  EXPECT_EQ(j["__metadata__"]["format"], "pt");
  EXPECT_EQ(j["__metadata__"][kSafetensorsChecksumKey].get<std::string>().size(), 64u);
  // Data: three little-endian floats, then the int64.
  float w[3];
  std::memcpy(w, bytes.data() + 8 + n, 12);
  EXPECT_EQ(w[0], 1.0f);
  EXPECT_EQ(w[2], 3.0f);
  int64_t b;
  std::memcpy(&b, bytes.data() + 8 + n + 12, 8);
  EXPECT_EQ(b, -1);
}

TEST(Safetensors, ReadsAHandMadeFileWithoutChecksum) {
  Crafted c{scratch_dir("st-hand")};
  // Entries listed out of data order in the header, as other writers do.
  auto path = c.write(st_bytes(
      R"({"z":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"I8","shape":[1,3],"data_offsets":[8,11]}})",
      floats({1.5f, -2.0f}) + std::string("\x01\xff\x07", 3)));
  SafetensorsReader r(path);
  EXPECT_FALSE(r.has_checksum());
  ASSERT_EQ(r.entries().size(), 2u);
  EXPECT_EQ(r.entries()[0].name, "z");  // data order
  EXPECT_TRUE(torch::equal(r.read("z"), torch::tensor({1.5f, -2.0f})));
  EXPECT_TRUE(torch::equal(r.read("a"), torch::tensor({{1, -1, 7}}, torch::kInt8)));
  EXPECT_TRUE(r.metadata().empty());
  expect_error<BadInput>([&] { r.read("nope"); }, {path, "'nope'"});
}

TEST(Safetensors, ReadFloat32ConvertsFloatTypesOnly) {
  auto dir = scratch_dir("st-f32");
  auto base = torch::tensor({0.5f, -1.25f, 3.0f});
  NamedTensors t = {{"h", base.to(torch::kFloat16)},
                    {"b", base.to(torch::kBFloat16)},
                    {"d", base.to(torch::kFloat64)},
                    {"f", base},
                    {"i", torch::tensor({1, 2}, torch::kInt64)}};
  save_safetensors(dir + "/c.safetensors", t);
  SafetensorsReader r(dir + "/c.safetensors");
  for (const char* n : {"h", "b", "d", "f"}) {
    auto x = r.read_float32(n);
    EXPECT_EQ(x.scalar_type(), torch::kFloat32);
    EXPECT_TRUE(torch::equal(x, base)) << n;  // exactly representable in every format
  }
  expect_error<BadInput>([&] { r.read_float32("i"); }, {"'i'", "I64"});
}

TEST(Safetensors, WriterEnforcesLayoutAndLeavesNothingUncommitted) {
  auto dir = scratch_dir("st-writer");
  std::vector<TensorInfo> layout(2);
  layout[0].name = "a";
  layout[0].shape = {2};
  layout[1].name = "b";
  layout[1].dtype = torch::kInt32;
  layout[1].shape = {1};
  {
    SafetensorsWriter w(dir + "/w.safetensors", layout);
    expect_error<Error>([&] { w.write("b", torch::zeros({1}, torch::kInt32)); }, {"'b'", "'a' comes next"});
    expect_error<Error>([&] { w.write("a", torch::zeros({3})); }, {"'a'", "does not match"});
    w.write("a", torch::zeros({2}));
    expect_error<Error>([&] { w.commit(); }, {"only 1 of 2"});
  }
  EXPECT_TRUE(list_dir(dir).empty());
  layout[1].name = "a";
  EXPECT_THROW(SafetensorsWriter(dir + "/d.safetensors", layout), Error);
  layout[1].name = "__metadata__";
  EXPECT_THROW(SafetensorsWriter(dir + "/d.safetensors", layout), Error);
  layout.resize(1);
  EXPECT_THROW(SafetensorsWriter(dir + "/d.safetensors", layout, {{kSafetensorsChecksumKey, "x"}}), Error);
  EXPECT_TRUE(list_dir(dir).empty());
}

TEST(Safetensors, CorruptDataIsAChecksumMismatch) {
  auto dir = scratch_dir("st-checksum");
  const std::string path = dir + "/c.safetensors";
  save_safetensors(path, {{"w", torch::arange(64, torch::kFloat32)}});
  auto bytes = read_file_bytes(path);
  bytes[bytes.size() - 10] ^= 0x01;
  write_raw(path, bytes);
  expect_error<BadInput>([&] { SafetensorsReader r(path); }, {path, "checksum mismatch"});
  // Without verification the altered value loads: the checksum is what catches it.
  SafetensorsReader unchecked(path, /*verify_checksum=*/false);
  EXPECT_FALSE(torch::equal(unchecked.read("w"), torch::arange(64, torch::kFloat32)));
  // A malformed checksum value is refused.
  Crafted c{dir};
  auto bad = c.write(st_bytes(R"({"__metadata__":{"warp_sha256":"xyz"}})", ""));
  expect_error<BadInput>([&] { SafetensorsReader r(bad); }, {"warp_sha256"});
}

TEST(Safetensors, BoolBytesOtherThanZeroOrOneAreRefused) {
  Crafted c{scratch_dir("st-bool")};
  auto path =
      c.write(st_bytes(R"({"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})", std::string("\x00\x01\x02", 3)));
  SafetensorsReader r(path);
  expect_error<BadInput>([&] { r.read("m"); }, {"'m'", "BOOL"});
}

// Every check of the specification, one hand-crafted file each.
TEST(Safetensors, SpecificationChecksOnBadFiles) {
  Crafted c{scratch_dir("st-bad")};
  const std::string ok_entry = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  const std::string data8 = floats({1.0f, 2.0f});
  struct Case {
    const char* what;
    std::string bytes;
    std::vector<std::string> message;
  };
  std::vector<Case> cases = {
      {"empty file", "", {"0 bytes", "too small"}},
      {"shorter than the length field", std::string("\x02\x00\x00", 3), {"too small"}},
      {"absurd header length", u64le(uint64_t(1) << 62) + "{}", {"header length", "exceeds the limit"}},
      {"header length past the end", u64le(1000) + "{}", {"exceeds the file size"}},
      {"not JSON", st_bytes("{not json at all}", ""), {"not valid UTF-8 JSON"}},
      {"not starting with {", st_bytes("[1,2]", ""), {"does not start with '{'"}},
      {"invalid UTF-8", st_bytes("{\"a\xff\":{}}", ""), {"not valid UTF-8 JSON"}},
      {"truncated JSON", st_bytes("{\"a\":{\"dtype\":\"F32\"", ""), {"not valid UTF-8 JSON"}},
      {"entry not an object", st_bytes(R"({"a":5})", ""), {"tensor 'a'", "not a JSON object"}},
      {"missing dtype", st_bytes(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", data8), {"tensor 'a'", "dtype"}},
      {"unknown dtype",
       st_bytes(R"({"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", data8),
       {"tensor 'a'", "unknown or unsupported dtype 'Q4'"}},
      {"fp8 dtype",
       st_bytes(R"({"a":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}})", data8),
       {"tensor 'a'", "F8_E4M3"}},
      {"missing shape", st_bytes(R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", data8), {"tensor 'a'", "shape"}},
      {"negative shape",
       st_bytes(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data8),
       {"tensor 'a'", "not a non-negative integer: -2"}},
      {"fractional shape",
       st_bytes(R"({"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", data8),
       {"tensor 'a'", "not a non-negative integer"}},
      {"numel overflow",
       st_bytes(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}})", data8),
       {"tensor 'a'", "overflows"}},
      {"bytes overflow",
       st_bytes(R"({"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]}})", data8),
       {"tensor 'a'", "overflows"}},
      {"missing offsets", st_bytes(R"({"a":{"dtype":"F32","shape":[2]}})", data8), {"tensor 'a'", "data_offsets"}},
      {"three offsets",
       st_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}})", data8),
       {"tensor 'a'", "data_offsets"}},
      {"negative offset",
       st_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}})", data8),
       {"tensor 'a'", "non-negative"}},
      {"end before begin",
       st_bytes(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", data8),
       {"tensor 'a'", "end before begin"}},
      {"size mismatch",
       st_bytes(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data8),
       {"tensor 'a'", "needs 12 bytes", "span 8"}},
      {"overlapping offsets",
       st_bytes(
           R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
           data8),
       {"tensor 'b'", "overlaps"}},
      {"gap between tensors",
       st_bytes(
           R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
           data8 + floats({3.0f})),
       {"gap", "tensor 'b'"}},
      {"first tensor not at 0",
       st_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data8),
       {"gap", "tensor 'a'"}},
      {"trailing bytes", st_bytes("{" + ok_entry + "}", data8 + "xyz"), {"trailing bytes"}},
      {"data truncated", st_bytes("{" + ok_entry + "}", data8.substr(0, 5)), {"truncated"}},
      {"duplicate names", st_bytes("{" + ok_entry + "," + ok_entry + "}", data8), {"key 'a' twice"}},
      {"duplicate field",
       st_bytes(R"({"a":{"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]}})", data8),
       {"key 'dtype' twice"}},
      {"empty name", st_bytes(R"({"":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data8), {"empty name"}},
      {"metadata not strings", st_bytes(R"({"__metadata__":{"format":1}})", ""), {"__metadata__", "format"}},
      {"metadata not an object", st_bytes(R"({"__metadata__":"pt"})", ""), {"__metadata__"}},
      {"rank too large",
       st_bytes(
           R"({"a":{"dtype":"U8","shape":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"data_offsets":[0,1]}})",
           "x"),
       {"tensor 'a'", "dimensions"}},
  };
  for (const auto& k : cases) {
    std::string path = c.write(k.bytes);
    try {
      SafetensorsReader r(path);
      ADD_FAILURE() << k.what << ": accepted";
    } catch (const BadInput& e) {
      std::string what = e.what();
      EXPECT_EQ(what.rfind(path, 0), 0u) << k.what << ": message does not start with the file: " << what;
      for (const auto& part : k.message)
        EXPECT_NE(what.find(part), std::string::npos) << k.what << ": '" << part << "' not in: " << what;
    }
  }
  // Accepted edge cases: no tensors at all, a scalar, a zero-size tensor, trailing spaces.
  for (const std::string& good :
       {st_bytes("{}", ""), st_bytes(R"({"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})", floats({7.0f})),
        st_bytes(R"({"z":{"dtype":"F32","shape":[0,5],"data_offsets":[0,0]}})", ""),
        st_bytes("{" + ok_entry + "}      ", data8)}) {
    std::string path = c.write(good);
    EXPECT_NO_THROW(SafetensorsReader r(path)) << path;
  }
  expect_error<BadInput>([&] { SafetensorsReader r(c.dir); }, {"is a folder"});
  expect_error<BadInput>([&] { SafetensorsReader r(c.dir + "/none.safetensors"); }, {"does not exist"});
}

TEST(Safetensors, HeaderParserAloneChecksAgainstTheFileSize) {
  const std::string h = R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})";
  auto parsed = parse_safetensors_header(h, 8 + h.size() + 4, "mem");
  ASSERT_EQ(parsed.entries.size(), 1u);
  EXPECT_EQ(parsed.data_start, 8 + h.size());
  EXPECT_THROW(parse_safetensors_header(h, 8 + h.size() + 5, "mem"), BadInput);
  EXPECT_THROW(parse_safetensors_header(h, 8 + h.size() + 3, "mem"), BadInput);
  EXPECT_THROW(parse_safetensors_header(h, 4, "mem"), BadInput);
}
