#pragma once
// The warp checkpoint's HDF5 layer, without LibTorch: the header, the tensor lists, every check on
// an untrusted file, and tensors read and written as raw bytes.
//
// The file layout is described in store/checkpoint_h5.h. CheckpointFile opens a checkpoint, checks
// its header and describes its tensors (TensorDesc) after checking everything that could make
// reading them unsafe or wrong; read_bytes() reads one tensor's data (checksums verified).
// CheckpointFileWriter writes one. The LibTorch side (CheckpointReader / CheckpointWriter in
// store/checkpoint_h5.h) builds torch::Tensors on these, and warp-h5check (store/checkpoint_validate.h)
// runs on them alone: it links no LibTorch, starts fast and builds under ASan + UBSan.

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/hdf5_handle.h"
#include "store/tensor_desc.h"
#include "util/fsutil.h"

namespace warp {

constexpr const char* kCheckpointFormat = "warp-checkpoint";
constexpr int64_t kCheckpointVersion = 1;

struct CheckpointHeader {
  std::string kind = "policy";                       // 1-64 characters of [A-Za-z0-9_.-]
  int64_t step = 0;                                  // >= 0
  nlohmann::json config = nlohmann::json::object();  // a JSON object
  nlohmann::json meta;                               // null: no meta attribute; otherwise any JSON value
  int64_t version = kCheckpointVersion;              // as read from a file; the writer always writes kCheckpointVersion
};

enum class TensorGroup { Params, State, Files };
constexpr TensorGroup kTensorGroups[] = {TensorGroup::Params, TensorGroup::State, TensorGroup::Files};
const char* group_name(TensorGroup g);  // "params" / "state" / "files"
// "tensor 'x'", "state tensor 'x'", "file 'x'" (for messages).
std::string tensor_label(TensorGroup g, const std::string& name);

struct CheckpointWriteOptions {
  // Target bytes per HDF5 chunk (one Fletcher32 checksum each; the unit HDF5 reads and verifies).
  int64_t chunk_bytes = 1 << 20;
};

// Opens a checkpoint and validates its header and tensor descriptions; reads tensors on request.
class CheckpointFile {
 public:
  // Throws BadInput naming the file when it is missing, a folder, not HDF5, not a warp checkpoint,
  // of another version, or has invalid attributes or tensors.
  explicit CheckpointFile(const std::string& path);
  ~CheckpointFile();
  CheckpointFile(const CheckpointFile&) = delete;
  CheckpointFile& operator=(const CheckpointFile&) = delete;

  const std::string& path() const { return path_; }
  const CheckpointHeader& header() const { return header_; }
  // The stored tensors of a group, in the order they were written.
  const std::vector<TensorDesc>& tensors(TensorGroup g = TensorGroup::Params) const;
  // nullptr when absent.
  const TensorDesc* find(const std::string& name, TensorGroup g = TensorGroup::Params) const;

  // Reads one tensor's elements, in native byte order (float16 / bfloat16 as their bit patterns, bool
  // as bytes 0 / 1), into `out`, which holds `nbytes` bytes: exactly find(name, g)->nbytes (Error
  // otherwise). Throws BadInput naming the file and tensor when it is absent, changed since the
  // file was opened, or its data is corrupt (checksum mismatch, a bool byte other than 0 or 1).
  void read_bytes(const std::string& name, TensorGroup g, void* out, int64_t nbytes) const;
  // Whether a tensor's data is covered by an HDF5 checksum: chunked with the Fletcher32 filter (what
  // CheckpointFileWriter writes), compact (inside its object header, which HDF5 1.10's file format
  // checksums) or empty. False for contiguous data and chunks without Fletcher32 (h5py's defaults).
  bool data_checksummed(const std::string& name, TensorGroup g) const;

 private:
  std::string path_;
  int64_t file_size_ = 0;
  H5File file_;
  CheckpointHeader header_;
  std::vector<TensorDesc> groups_[3];  // by TensorGroup
};

// Writes a checkpoint tensor by tensor; nothing appears at `path` before commit().
class CheckpointFileWriter {
 public:
  // Creates the temporary file and writes the header attributes (meta only when not null). Throws
  // Error (cannot create) or BadInput (invalid kind, step, config, chunk size).
  CheckpointFileWriter(const std::string& path, const CheckpointHeader& header,
                       const CheckpointWriteOptions& options = {});
  // Without commit(): the temporary file is removed and `path` is left as it was.
  ~CheckpointFileWriter();
  CheckpointFileWriter(const CheckpointFileWriter&) = delete;
  CheckpointFileWriter& operator=(const CheckpointFileWriter&) = delete;

  // Throws Error when the writer is closed, `name` is not a valid tensor name, or `g` already has it.
  void check_new_tensor(const std::string& name, TensorGroup g) const;
  // Stores a tensor of `desc` (name, dtype, shape, numel and nbytes consistent) from `data`: nbytes
  // bytes of elements in native byte order, laid out contiguously. Throws Error as
  // check_new_tensor, for an inconsistent desc, or a /files entry that is not 1-D uint8.
  void write(const TensorDesc& desc, const void* data, TensorGroup g = TensorGroup::Params);
  // Sets, replaces (or, with null, removes) the `meta` attribute: any time before commit(), e.g. after
  // the tensors when meta describes them (a file merge's per-tensor records). Throws Error after
  // commit() or when HDF5 cannot write it.
  void set_meta(const nlohmann::json& meta);
  // Closes the file, fsyncs it, renames it over `path`, fsyncs the folder.
  void commit();
  const std::string& path() const { return file_.target_path(); }

 private:
  AtomicFile file_;  // declared first: destroyed after the HDF5 handles are closed
  H5File h5_;
  H5Group groups_[3];               // by TensorGroup
  std::set<std::string> names_[3];  // written so far, by TensorGroup
  CheckpointWriteOptions options_;
  bool committed_ = false;
};

}  // namespace warp
