// Tests of the shared tensor descriptions: dtype names and sizes, overflow-checked sizes, name
// rules and the non-finite count (against torch::isfinite as the reference).
#include <gtest/gtest.h>

#include <limits>

#include "store/tensor_info.h"
#include "util/error.h"

using namespace warp;

TEST(TensorInfo, DtypeNamesAndSizes) {
  for (auto d : {torch::kFloat32, torch::kFloat64, torch::kFloat16, torch::kBFloat16, torch::kInt64, torch::kInt32,
                 torch::kInt16, torch::kInt8, torch::kUInt8, torch::kBool}) {
    EXPECT_TRUE(is_storable_dtype(d));
    torch::Dtype back;
    ASSERT_TRUE(dtype_from_name(dtype_name(d), &back)) << dtype_name(d);
    EXPECT_EQ(back, d);
    EXPECT_EQ(dtype_size(d), static_cast<int64_t>(torch::elementSize(d)));
  }
  EXPECT_FALSE(is_storable_dtype(torch::kComplexFloat));
  torch::Dtype d;
  EXPECT_FALSE(dtype_from_name("float8", &d));
  EXPECT_THROW(dtype_size(torch::kComplexDouble), Error);
  EXPECT_EQ(shape_string({48, 16}), "[48,16]");
  EXPECT_EQ(shape_string({}), "[]");
}

// The LibTorch-free store dtypes (store/dtype.h) and the torch ones are the same ten, with the same
// names and sizes, and the descriptions convert both ways.
TEST(TensorInfo, StoreDtypesMatchTorchDtypes) {
  int n = 0;
  for (StoreDtype s : kStoreDtypes) {
    const torch::Dtype t = to_torch_dtype(s);
    StoreDtype back;
    ASSERT_TRUE(to_store_dtype(t, &back)) << dtype_name(s);
    EXPECT_EQ(back, s);
    EXPECT_EQ(dtype_name(s), dtype_name(t));
    EXPECT_EQ(dtype_size(s), static_cast<int64_t>(torch::elementSize(t))) << dtype_name(s);
    StoreDtype by_name;
    ASSERT_TRUE(dtype_from_name(dtype_name(s), &by_name));
    EXPECT_EQ(by_name, s);
    ++n;
  }
  EXPECT_EQ(n, 10);
  StoreDtype s;
  EXPECT_FALSE(to_store_dtype(torch::kComplexFloat, &s));
  EXPECT_FALSE(dtype_from_name("float8", &s));

  const TensorInfo info = describe_tensor("w", torch::zeros({3, 4}, torch::kBFloat16), "here");
  const TensorDesc desc = tensor_desc_of(info);
  EXPECT_EQ(desc.name, "w");
  EXPECT_EQ(desc.dtype, StoreDtype::BFloat16);
  EXPECT_EQ(desc.shape, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(desc.numel, 12);
  EXPECT_EQ(desc.nbytes, 24);
  const TensorInfo again = tensor_info_of(desc);
  EXPECT_EQ(again.dtype, torch::kBFloat16);
  EXPECT_EQ(again.shape, info.shape);
  EXPECT_EQ(again.nbytes, 24);
  TensorInfo complex = info;
  complex.dtype = torch::kComplexFloat;
  EXPECT_THROW(tensor_desc_of(complex), Error);
}

TEST(TensorInfo, CheckedSizes) {
  int64_t numel = 0, nbytes = 0;
  ASSERT_TRUE(checked_nbytes({3, 4}, 4, &numel, &nbytes));
  EXPECT_EQ(numel, 12);
  EXPECT_EQ(nbytes, 48);
  ASSERT_TRUE(checked_nbytes({}, 8, &numel, &nbytes));  // a scalar
  EXPECT_EQ(numel, 1);
  ASSERT_TRUE(checked_nbytes({5, 0, 7}, 2, &numel, &nbytes));
  EXPECT_EQ(nbytes, 0);
  EXPECT_FALSE(checked_nbytes({-1, 3}, 4, &numel, &nbytes));
  EXPECT_FALSE(checked_nbytes({int64_t(1) << 32, int64_t(1) << 32}, 1, &numel, &nbytes));  // numel overflows
  EXPECT_FALSE(checked_nbytes({int64_t(1) << 61}, 8, &numel, &nbytes));                    // bytes overflow
  EXPECT_TRUE(checked_nbytes({int64_t(1) << 61}, 2, &numel, &nbytes));
}

TEST(TensorInfo, TensorNames) {
  EXPECT_NO_THROW(check_tensor_name("h.0.attn.c_attn.weight", "f"));
  EXPECT_NO_THROW(check_tensor_name("poids.\xc3\xa9t\xc3\xa9", "f"));
  for (const std::string& bad : std::vector<std::string>{"", ".", "..", "a/b", "a\nb", std::string("a\0b", 3),
                                                         std::string(1025, 'x'), "del\x7f"})
    EXPECT_THROW(check_tensor_name(bad, "f"), Error) << bad;
}

TEST(TensorInfo, NonFiniteCountMatchesIsfinite) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  auto base = torch::tensor({0.f, -0.f, 1.f, inf, -inf, nan, -nan, 3e38f, std::numeric_limits<float>::denorm_min(),
                             std::numeric_limits<float>::max()});
  for (auto d : {torch::kFloat32, torch::kFloat64, torch::kFloat16, torch::kBFloat16}) {
    auto t = base.to(d);  // 3e38 and max overflow to Inf in float16
    int64_t expected = t.numel() - torch::isfinite(t).sum().item<int64_t>();
    EXPECT_EQ(count_non_finite(t), expected) << dtype_name(d);
    EXPECT_EQ(count_non_finite(t.reshape({2, 5}).t()), expected) << "non-contiguous " << dtype_name(d);
  }
  EXPECT_EQ(count_non_finite(torch::tensor({1, 2}, torch::kInt64)), 0);
  EXPECT_NO_THROW(check_all_finite("w", torch::ones({3}), "f"));
  try {
    check_all_finite("w", base, "ckpt.h5");
    ADD_FAILURE() << "no exception";
  } catch (const BadInput& e) {
    EXPECT_STREQ(e.what(), "ckpt.h5: tensor 'w' has 4 non-finite values (NaN or Inf)");
  }
}
