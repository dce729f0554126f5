#include "store/tensor_info.h"

#include <torch/torch.h>

#include "util/error.h"

namespace warp {

namespace {

const std::pair<torch::Dtype, StoreDtype> kDtypes[] = {
    {torch::kFloat32, StoreDtype::Float32}, {torch::kFloat64, StoreDtype::Float64},
    {torch::kFloat16, StoreDtype::Float16}, {torch::kBFloat16, StoreDtype::BFloat16},
    {torch::kInt64, StoreDtype::Int64},     {torch::kInt32, StoreDtype::Int32},
    {torch::kInt16, StoreDtype::Int16},     {torch::kInt8, StoreDtype::Int8},
    {torch::kUInt8, StoreDtype::UInt8},     {torch::kBool, StoreDtype::Bool},
};

}  // namespace

bool to_store_dtype(torch::Dtype dtype, StoreDtype* out) {
  for (const auto& [t, s] : kDtypes) {
    if (t == dtype) {
      *out = s;
      return true;
    }
  }
  return false;
}

torch::Dtype to_torch_dtype(StoreDtype dtype) {
  for (const auto& [t, s] : kDtypes)
    if (s == dtype) return t;
  throw Error("store dtype " + dtype_name(dtype) + " has no torch dtype");
}

TensorInfo tensor_info_of(const TensorDesc& desc) {
  TensorInfo info;
  info.name = desc.name;
  info.dtype = to_torch_dtype(desc.dtype);
  info.shape = desc.shape;
  info.numel = desc.numel;
  info.nbytes = desc.nbytes;
  return info;
}

TensorDesc tensor_desc_of(const TensorInfo& info) {
  TensorDesc desc;
  if (!to_store_dtype(info.dtype, &desc.dtype))
    throw Error("tensor '" + info.name + "' has dtype " + dtype_name(info.dtype) + ", which cannot be stored");
  desc.name = info.name;
  desc.shape = info.shape;
  desc.numel = info.numel;
  desc.nbytes = info.nbytes;
  return desc;
}

bool is_storable_dtype(torch::Dtype dtype) {
  StoreDtype s;
  return to_store_dtype(dtype, &s);
}

std::string dtype_name(torch::Dtype dtype) {
  StoreDtype s;
  if (to_store_dtype(dtype, &s)) return dtype_name(s);
  return "dtype(" + std::to_string(static_cast<int>(dtype)) + ")";
}

bool dtype_from_name(const std::string& name, torch::Dtype* out) {
  StoreDtype s;
  if (!dtype_from_name(name, &s)) return false;
  *out = to_torch_dtype(s);
  return true;
}

int64_t dtype_size(torch::Dtype dtype) {
  StoreDtype s;
  if (!to_store_dtype(dtype, &s)) throw Error("dtype " + dtype_name(dtype) + " cannot be stored");
  return dtype_size(s);
}

std::vector<int64_t> tensor_shape(const torch::Tensor& t) {
  auto sizes = t.sizes();
  return std::vector<int64_t>(sizes.begin(), sizes.end());
}

TensorInfo describe_tensor(const std::string& name, const torch::Tensor& t, const std::string& where) {
  if (!t.defined()) throw Error(where + ": tensor '" + name + "' is undefined");
  if (!is_storable_dtype(t.scalar_type()))
    throw Error(where + ": tensor '" + name + "' has dtype " + std::string(c10::toString(t.scalar_type())) +
                ", which cannot be stored (float32, float64, float16, bfloat16, int64, int32, int16, int8, "
                "uint8, bool)");
  TensorInfo info;
  info.name = name;
  info.dtype = t.scalar_type();
  info.shape = tensor_shape(t);
  info.numel = t.numel();
  info.nbytes = info.numel * dtype_size(info.dtype);
  return info;
}

namespace {

// Elements whose exponent bits are all ones (Inf or NaN), counted on the raw bit patterns: one
// vectorisable pass, where torch::isfinite would build several temporaries.
template <typename Bits>
int64_t count_all_ones_exponent(const void* data, int64_t n, Bits mask) {
  const Bits* p = static_cast<const Bits*>(data);
  int64_t bad = 0;
  for (int64_t i = 0; i < n; ++i) bad += (p[i] & mask) == mask;
  return bad;
}

}  // namespace

int64_t count_non_finite(const torch::Tensor& t) {
  if (!t.defined() || !t.is_floating_point()) return 0;
  torch::Tensor x = t.device().is_cpu() ? t.contiguous() : t.to(torch::kCPU).contiguous();
  const int64_t n = x.numel();
  switch (x.scalar_type()) {
    case torch::kFloat32:
      return count_all_ones_exponent<uint32_t>(x.data_ptr(), n, 0x7f800000u);
    case torch::kFloat64:
      return count_all_ones_exponent<uint64_t>(x.data_ptr(), n, 0x7ff0000000000000ull);
    case torch::kFloat16:
      return count_all_ones_exponent<uint16_t>(x.data_ptr(), n, uint16_t(0x7c00));
    case torch::kBFloat16:
      return count_all_ones_exponent<uint16_t>(x.data_ptr(), n, uint16_t(0x7f80));
    default:
      return n - torch::isfinite(x).sum().item<int64_t>();
  }
}

void check_all_finite(const std::string& name, const torch::Tensor& t, const std::string& where) {
  int64_t bad = count_non_finite(t);
  if (bad > 0)
    throw BadInput(file_message(where, "tensor '" + name + "' has " + std::to_string(bad) + " non-finite value" +
                                           (bad > 1 ? "s" : "") + " (NaN or Inf)"));
}

}  // namespace warp
