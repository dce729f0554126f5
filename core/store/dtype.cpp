#include "store/dtype.h"

namespace warp {

std::string dtype_name(StoreDtype dtype) {
  switch (dtype) {
    case StoreDtype::Float32:
      return "float32";
    case StoreDtype::Float64:
      return "float64";
    case StoreDtype::Float16:
      return "float16";
    case StoreDtype::BFloat16:
      return "bfloat16";
    case StoreDtype::Int64:
      return "int64";
    case StoreDtype::Int32:
      return "int32";
    case StoreDtype::Int16:
      return "int16";
    case StoreDtype::Int8:
      return "int8";
    case StoreDtype::UInt8:
      return "uint8";
    case StoreDtype::Bool:
      return "bool";
  }
  return "dtype(" + std::to_string(static_cast<int>(dtype)) + ")";
}

bool dtype_from_name(const std::string& name, StoreDtype* out) {
  for (StoreDtype d : kStoreDtypes) {
    if (name == dtype_name(d)) {
      *out = d;
      return true;
    }
  }
  return false;
}

int64_t dtype_size(StoreDtype dtype) {
  switch (dtype) {
    case StoreDtype::Float64:
    case StoreDtype::Int64:
      return 8;
    case StoreDtype::Float32:
    case StoreDtype::Int32:
      return 4;
    case StoreDtype::Float16:
    case StoreDtype::BFloat16:
    case StoreDtype::Int16:
      return 2;
    case StoreDtype::Int8:
    case StoreDtype::UInt8:
    case StoreDtype::Bool:
      return 1;
  }
  return 1;  // not an enumerator: callers only hold values of kStoreDtypes
}

}  // namespace warp
