#pragma once
// The safetensors format (Hugging Face interop): reader and writer.
//
//   [8 bytes: N, little-endian u64] [N bytes: JSON header, padded with spaces] [data section]
//   header = {"__metadata__": {"k": "v", ...},            optional, string -> string
//             "<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
// Offsets are relative to the data section; tensors are little-endian, C-contiguous.
//
// The reader treats files as untrusted and enforces the specification's checks before it reads any
// tensor: a file of at least 8 bytes; N <= 16 MiB (kSafetensorsMaxHeaderBytes) and N <= file size - 8; a header that
// starts with '{' and is valid UTF-8 JSON without duplicate keys, nested at most kMaxJsonDepth deep; every entry with a
// known dtype, a shape of non-negative integers and [begin, end] offsets; numel * dtype size (overflow-checked) == end
// - begin; entries, sorted by offset, start at 0 and are contiguous and non-overlapping; the last one ends exactly at
// the end of the file. Errors name the file and the tensor or field. Tensor data is read with pread (no mmap: a file
// truncated underneath cannot crash the process).
//
// Integrity: safetensors has no checksum of its own. Files written here carry one in the metadata,
// "warp_sha256": SHA-256 over a canonical description of the entries (name, dtype, shape, offsets,
// other metadata) followed by the data section. When present the reader verifies it on open, so a
// corrupted warp-written file fails with "checksum mismatch" instead of loading altered weights.
// Files from elsewhere (no such key) are checked against the specification only.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "store/tensor_info.h"
#include "util/fsutil.h"
#include "util/progress.h"

namespace warp {

// 16 MiB: a GPT-2 XL header is about 60 KB; the specification's own bound (100 MB) lets a hostile file
// make the parser build a JSON tree of several GB.
constexpr uint64_t kSafetensorsMaxHeaderBytes = 16u << 20;
constexpr const char* kSafetensorsChecksumKey = "warp_sha256";

struct SafetensorsEntry {
  std::string name;
  std::string dtype;  // "F32", "BF16", ...
  torch::Dtype torch_dtype = torch::kFloat32;
  std::vector<int64_t> shape;
  int64_t numel = 0;
  uint64_t begin = 0, end = 0;  // byte offsets in the data section
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> entries;        // in data order
  std::map<std::string, std::string> metadata;  // __metadata__ without the checksum key
  std::string checksum;                         // the warp_sha256 value; empty when absent
  uint64_t data_start = 0;                      // 8 + header length
};

// Safetensors dtype name <-> torch dtype, for F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL.
bool safetensors_dtype_from_name(const std::string& name, torch::Dtype* out);
std::string safetensors_dtype_name(torch::Dtype dtype);  // throws Error for others

// The header checks above, on the header text of a file of `file_size` bytes. Throws BadInput
// "<where>: ..." naming the tensor or field.
SafetensorsHeader parse_safetensors_header(const std::string& header, uint64_t file_size, const std::string& where);

class SafetensorsReader {
 public:
  // Opens and validates the file; verifies the warp_sha256 checksum when present and asked to
  // (one pass over the file). Throws BadInput naming the file.
  explicit SafetensorsReader(const std::string& path, bool verify_checksum = true);
  ~SafetensorsReader();
  SafetensorsReader(const SafetensorsReader&) = delete;
  SafetensorsReader& operator=(const SafetensorsReader&) = delete;

  const std::string& path() const { return path_; }
  const std::vector<SafetensorsEntry>& entries() const { return header_.entries; }
  const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
  bool has_checksum() const { return !header_.checksum.empty(); }
  const SafetensorsEntry* find(const std::string& name) const;  // nullptr when absent

  // The tensor in its stored dtype, as a new contiguous CPU tensor.
  torch::Tensor read(const std::string& name) const;
  // Floating-point tensors (F64, F32, F16, BF16) converted to float32; BadInput for other dtypes.
  torch::Tensor read_float32(const std::string& name) const;
  // Recomputes the checksum; BadInput "checksum mismatch" when it differs. No-op without one.
  void verify_checksum() const;

 private:
  void read_bytes(uint64_t offset, void* dst, uint64_t size, const std::string& what) const;

  std::string path_;
  int fd_ = -1;
  uint64_t file_size_ = 0;
  SafetensorsHeader header_;
  std::map<std::string, size_t> index_;
};

// Writes a safetensors file tensor by tensor, in a layout fixed up front (the header comes first);
// nothing appears at `path` before commit().
class SafetensorsWriter {
 public:
  // `layout`: name, dtype and shape of every tensor, in the order they will be written. Throws
  // Error for an invalid or duplicate name, a dtype that cannot be stored, or a metadata key
  // reserved here ("warp_sha256").
  SafetensorsWriter(const std::string& path, const std::vector<TensorInfo>& layout,
                    const std::map<std::string, std::string>& metadata = {});
  ~SafetensorsWriter();
  SafetensorsWriter(const SafetensorsWriter&) = delete;
  SafetensorsWriter& operator=(const SafetensorsWriter&) = delete;

  // The next tensor of the layout (same name, dtype, shape; any device and strides).
  void write(const std::string& name, const torch::Tensor& t);
  // After all tensors: fills in the checksum, fsyncs and renames over `path`.
  void commit();

 private:
  void write_all(const void* data, size_t size);
  struct Hasher;

  AtomicFile file_;
  int fd_ = -1;
  std::vector<TensorInfo> layout_;
  size_t next_ = 0;
  uint64_t checksum_offset_ = 0;  // where the 64 hex digits go
  std::unique_ptr<Hasher> hasher_;
  bool committed_ = false;
};

// Whole files in one call. Tensors keep their dtypes; load returns them in data order.
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {}, const ProgressFn& progress = {});
NamedTensors load_safetensors(const std::string& path, std::map<std::string, std::string>* metadata = nullptr,
                              const ProgressFn& progress = {});

}  // namespace warp
