#pragma once
// The warp checkpoint: an HDF5 file of named tensors plus a JSON header (DESIGN §3).
//
// Layout (HDF5 1.10 file format: every metadata block carries a checksum):
//   /                  attributes  format  = "warp-checkpoint"   (string)
//                                  version = 1                   (int64)
//                                  kind    = "policy" | "ema" | "reward_model" | "merge" | ...
//                                  step    = int64
//                                  config  = JSON text, e.g. {"model": {...GPTConfig...}, ...}
//                                  meta    = JSON text (optional: merge records, provenance); may
//                                            be set last (CheckpointWriter::set_meta); any size:
//                                            over 64 KiB HDF5 moves the attributes to the object's
//                                            dense storage, where a large one's bytes have no
//                                            HDF5 checksum, hence:
//                                  meta_sha256 = SHA-256 (hex) of meta's text, written with meta and
//                                            checked on reading (files from before it existed have
//                                            none and are read unchecked)
//   /params/<name>     one dataset per parameter tensor, the name kept whole ("h.0.attn.c_attn.weight")
//   /state/<name>      extra tensors of resumable runs (optimizer moments, RNG state, data position)
//   /files/<name>      small files carried along, as 1-D uint8 tensors of their bytes (e.g. the
//                      tokenizer's vocab.json and merges.txt, so a checkpoint samples on its own)
// Datasets are chunked (about 1 MiB a chunk) with the Fletcher32 checksum filter; scalars and empty
// tensors are compact datasets inside their (checksummed) object header. Groups track creation
// order, so tensors read back in the order they were written. float16 / bfloat16 / bool tensors are
// stored as uint16 / uint16 / uint8 bit patterns with a dataset attribute warp_dtype naming the dtype.
//
// Writing goes to a temporary file in the target's folder that is fsynced and renamed over the
// target only by commit(): a checkpoint that exists is complete. Reading treats the file as
// untrusted: every attribute, name, dtype, shape and size is checked before anything is allocated,
// and checksum failures surface as BadInput ("checksum mismatch").
//
// Streaming: CheckpointReader / CheckpointWriter handle one tensor at a time, so merging or
// converting models larger than memory holds one tensor (per input) at a time.
//
// Two layers: store/checkpoint_file.h (library warp_store_h5, no LibTorch) holds the header, every
// check and the HDF5 reading and writing of raw bytes; this file (warp_store) builds torch::Tensors
// on it. warp-h5check links only the first.

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <torch/types.h>
#include <nlohmann/json.hpp>

#include "model/gpt_config.h"
#include "store/checkpoint_file.h"
#include "store/tensor_info.h"
#include "util/progress.h"

namespace warp {

struct CheckpointData {
  CheckpointHeader header;
  NamedTensors params;  // /params, in order
  NamedTensors state;   // /state, in order
  NamedTensors files;   // /files, in order: 1-D uint8 tensors
};

// Opens a checkpoint and validates its header; reads tensors on request.
class CheckpointReader {
 public:
  // Throws BadInput naming the file when it is missing, a folder, not HDF5, not a warp checkpoint,
  // of another version, or has invalid attributes or tensors.
  explicit CheckpointReader(const std::string& path);
  ~CheckpointReader();
  CheckpointReader(const CheckpointReader&) = delete;
  CheckpointReader& operator=(const CheckpointReader&) = delete;

  const std::string& path() const { return file_.path(); }
  const CheckpointHeader& header() const { return file_.header(); }
  // The stored tensors of a group, in the order they were written.
  const std::vector<TensorInfo>& tensors(TensorGroup g = TensorGroup::Params) const;
  // nullptr when absent.
  const TensorInfo* find(const std::string& name, TensorGroup g = TensorGroup::Params) const;

  // Reads one tensor into a new contiguous CPU tensor. Throws BadInput naming the file and tensor
  // when it is absent or its data is corrupt (checksum mismatch).
  torch::Tensor read(const std::string& name, TensorGroup g = TensorGroup::Params) const;
  // Reads into `out`, which must be a contiguous CPU tensor of exactly the stored shape and dtype
  // (Error otherwise): lets a streaming merge reuse its buffers.
  void read_into(const std::string& name, const torch::Tensor& out, TensorGroup g = TensorGroup::Params) const;

 private:
  CheckpointFile file_;
  std::vector<TensorInfo> groups_[3];  // file_.tensors() with torch dtypes, by TensorGroup
};

// Writes a checkpoint tensor by tensor; nothing appears at `path` before commit().
class CheckpointWriter {
 public:
  // Creates the temporary file and writes the header attributes (meta only when not null). Throws
  // Error (cannot create) or BadInput (invalid kind, step, config, chunk size).
  CheckpointWriter(const std::string& path, const CheckpointHeader& header, const CheckpointWriteOptions& options = {});
  // Without commit(): the temporary file is removed and `path` is left as it was.
  ~CheckpointWriter();
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  // Stores a tensor (any device, any strides; copied to a contiguous CPU tensor first). Throws
  // Error for a bad or duplicate name, an undefined tensor, a dtype that cannot be stored, or a
  // /files entry that is not a 1-D uint8 tensor.
  void write(const std::string& name, const torch::Tensor& t, TensorGroup g = TensorGroup::Params);
  // Sets, replaces (or, with null, removes) the `meta` attribute: any time before commit(), e.g. after
  // the tensors when meta describes them (a file merge's per-tensor records). Throws Error after
  // commit() or when HDF5 cannot write it.
  void set_meta(const nlohmann::json& meta);
  // Closes the file, fsyncs it, renames it over `path`, fsyncs the folder.
  void commit();
  const std::string& path() const { return file_.path(); }

 private:
  CheckpointFileWriter file_;
};

// Whole checkpoint in one call. Progress counts tensors ("save checkpoint" / "load checkpoint").
void save_checkpoint(const std::string& path, const CheckpointData& data, const ProgressFn& progress = {},
                     const CheckpointWriteOptions& options = {});
CheckpointData load_checkpoint(const std::string& path, const ProgressFn& progress = {});

// A GPT policy checkpoint: header.config["model"] is the GPTConfig; params hold exactly
// gpt_param_specs(config), float32, in that order.
struct GptCheckpoint {
  CheckpointHeader header;
  GPTConfig config;
  NamedTensors params;
};

// Loads and validates a GPT checkpoint: the model config, then every tensor against
// gpt_param_specs (missing, extra, shape, dtype float32, finite values), failing with one line
// that names the file and the tensor, e.g.
//   "ckpt.h5: tensor 'h.0.attn.c_attn.weight' has shape [48,16], expected [48,15]".
// With `expected`, the file's model config must match it (n_layer, n_head, n_embd, n_ctx,
// vocab_size, layer_norm_eps; dropout may differ). /state is not read. Tensors are on the CPU.
GptCheckpoint load_gpt_params(const std::string& path, const GPTConfig* expected = nullptr,
                              const ProgressFn& progress = {});

// Saves params (validated against gpt_param_specs(config) the same way) as a checkpoint whose
// config is {"model": config.to_json()} merged with `header.config` (header.config["model"] is
// replaced); `files` go to /files (e.g. tokenizer files).
void save_gpt_params(const std::string& path, const GPTConfig& config, const NamedTensors& params,
                     const CheckpointHeader& header = {}, const ProgressFn& progress = {},
                     const NamedTensors& files = {});

// Checks named tensors against gpt_param_specs(config): names, order-independent; shapes; dtype
// float32; finite values. Throws BadInput "<where>: tensor 'x' ..." for the first problem (with a
// count of the others).
void check_gpt_params(const NamedTensors& params, const GPTConfig& config, const std::string& where);
// The same checks on descriptions only (names, shapes, dtype float32), before reading any data.
void check_gpt_tensor_infos(const std::vector<TensorInfo>& infos, const GPTConfig& config, const std::string& where);
// The GPTConfig of a checkpoint (header.config["model"]); BadInput naming `where` when absent or invalid.
GPTConfig gpt_config_of(const CheckpointHeader& header, const std::string& where);

}  // namespace warp
