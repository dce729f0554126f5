#include "store/tensor_info.h"

#include <torch/torch.h>

#include "util/error.h"

namespace warp {

namespace {

struct DtypeRow {
  torch::Dtype dtype;
  const char* name;
  int64_t size;
};

const DtypeRow kDtypes[] = {
    {torch::kFloat32, "float32", 4},   {torch::kFloat64, "float64", 8}, {torch::kFloat16, "float16", 2},
    {torch::kBFloat16, "bfloat16", 2}, {torch::kInt64, "int64", 8},     {torch::kInt32, "int32", 4},
    {torch::kInt16, "int16", 2},       {torch::kInt8, "int8", 1},       {torch::kUInt8, "uint8", 1},
    {torch::kBool, "bool", 1},
};

const DtypeRow* find_dtype(torch::Dtype dtype) {
  for (const auto& row : kDtypes)
    if (row.dtype == dtype) return &row;
  return nullptr;
}

}  // namespace

bool is_storable_dtype(torch::Dtype dtype) { return find_dtype(dtype) != nullptr; }

std::string dtype_name(torch::Dtype dtype) {
  if (const DtypeRow* row = find_dtype(dtype)) return row->name;
  return "dtype(" + std::to_string(static_cast<int>(dtype)) + ")";
}

bool dtype_from_name(const std::string& name, torch::Dtype* out) {
  for (const auto& row : kDtypes) {
    if (name == row.name) {
      *out = row.dtype;
      return true;
    }
  }
  return false;
}

int64_t dtype_size(torch::Dtype dtype) {
  const DtypeRow* row = find_dtype(dtype);
  if (!row) throw Error("dtype " + dtype_name(dtype) + " cannot be stored");
  return row->size;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::vector<int64_t> tensor_shape(const torch::Tensor& t) {
  auto sizes = t.sizes();
  return std::vector<int64_t>(sizes.begin(), sizes.end());
}

bool checked_nbytes(const std::vector<int64_t>& shape, int64_t element_size, int64_t* numel, int64_t* nbytes) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return false;
    if (__builtin_mul_overflow(n, d, &n)) return false;
  }
  int64_t b = 0;
  if (__builtin_mul_overflow(n, element_size, &b)) return false;
  *numel = n;
  *nbytes = b;
  return true;
}

void check_tensor_name(const std::string& name, const std::string& where) {
  auto fail = [&](const std::string& why) { throw Error(where + ": tensor name '" + name + "' " + why); };
  if (name.empty()) throw Error(where + ": empty tensor name");
  if (name.size() > 1024) fail("is longer than 1024 bytes");
  if (name == "." || name == "..") fail("is reserved");
  for (unsigned char ch : name) {
    if (ch == '/') fail("contains '/'");
    if (ch < 0x20 || ch == 0x7f) fail("contains a control character");
  }
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
