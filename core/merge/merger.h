#pragma once
// Merging whole models with the methods of merge_methods.h.
//
// Two entry points:
//   merge_named_tensors  in memory, NamedTensors in and out: the interactive merges of the GUI
//                        (λ / η sliders) on a worker thread, cancellable per tensor.
//   merge_checkpoints    file to file, streaming, in one pass: one tensor at a time is read once (θ_init
//                        and every model, into buffers allocated once for the largest tensor), merged
//                        in memory (merge_tensor_into, which also gives the tensor's record) and
//                        written, so peak memory is about (M + 2) × the largest tensor whatever the
//                        model size, and each input is read once (plus once more by the hasher).
//                        Everything is checked before anything is written; on an error or a cancel
//                        nothing appears at the output path (the checkpoint is written atomically).
//
// The output checkpoint (store/checkpoint_h5.h): kind "merge", step 0, config = θ_init's config,
// /params = the merged tensors, /files = θ_init's files (e.g. an embedded tokenizer), no /state,
// meta = {
//   "method": "slerp", "parameters": {"lambda": 0.5},
//   "inputs": [{"role": "init", "path": "/abs/init.h5", "sha256": "..."},
//              {"role": "model", "index": 1, "path": ..., "sha256": ...}, ...],
//   "mean_omega_deg": 89.7, "fallback_tensors": 0,
//   "tensors": [TensorMergeRecord::to_json() of each tensor, in θ_init's order],
//   "granularity": "tensor" | "layer"                         (slerp only)
//   "groups": [GroupMergeRecord::to_json() of each layer group] (layer slerp only: the angles used)
// }
// In a layer SLERP, "tensors" holds each tensor's own δ norms and angles (what per-tensor SLERP would
// measure in the first fold step) with its group's fallback flags, "groups" the group angles SLERP
// used, and "mean_omega_deg" is the mean over the groups. The tensors of a group are merged together
// (read, merged, written), so peak memory is about (M + 2) × the largest group (GPT-2 small: one
// block, ~28 MB in float32; the embeddings ~160 MB).
// The per-tensor records are only known once every tensor has been merged: the meta attribute is
// set after the last tensor, just before commit() (CheckpointWriter::set_meta).
//
// Inputs that change during the merge. The SHA-256 of each input is computed on a background thread
// (util/sha256.h, stopped on a cancel or an error) from the same path while the merge reads it through
// HDF5. Before opening the inputs, merge_checkpoints records stat() of each path (device, inode, size,
// mtime and ctime, in nanoseconds); after the merge and the hashing it stats them again and throws
// BadInput (nothing written) on any difference. An input replaced (rename over it, a new inode),
// renamed, linked, truncated or written in place is so refused, so the recorded hash is of the
// bytes the merge read. What is not caught: a write to an input that lands within the same
// filesystem timestamp tick (the kernel's coarse clock: a few ms) as the input's previous change,
// i.e. a file still being written when the merge starts, with its size unchanged; or a clock set back.
// A torn read of a file still being written usually also fails HDF5's checksums (Fletcher32 on every
// chunk, checksums on all metadata).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "merge/merge_methods.h"
#include "store/tensor_info.h"
#include "util/progress.h"

namespace warp {

struct MergeResult {
  NamedTensors tensors;                    // in θ_init's order, CPU, θ_init's dtypes
  std::vector<TensorMergeRecord> records;  // one per tensor, same order
  std::vector<GroupMergeRecord> groups;    // layer SLERP: one per layer group (else empty)
};

// Merges in memory. Every model must hold exactly θ_init's tensor names (any order), shapes and
// dtypes (floating point); BadInput names the first mismatch ("model 2: tensor 'x' has shape [4],
// expected [3] (as in θ_init)"). Tensors on other devices are copied to the CPU. Progress: stage
// "merge", one unit per tensor; Cancelled when the callback returns false.
MergeResult merge_named_tensors(const MergeParams& params, const NamedTensors& init,
                                const std::vector<NamedTensors>& models, const ProgressFn& progress = {});

struct MergeSpec {
  MergeParams params;
  std::string init_path;                 // θ_init
  std::vector<std::string> model_paths;  // θ_1..θ_M
  std::string out_path;
};

struct MergeSummary {
  std::string out_path;
  MergeParams params;
  int num_models = 0;
  int64_t tensors = 0;
  int64_t elements = 0;       // per model
  int64_t bytes_read = 0;     // tensor data read (one pass): (M + 1) × model bytes; the hasher
                              // reads the input files once more, on another thread
  int64_t bytes_written = 0;  // tensor data written: model bytes
  double seconds = 0;         // the whole call: checks, hashing, merge, write, commit
  // Where the time went (wall seconds, summed over tensors).
  struct Phases {
    double read = 0;       // CheckpointReader::read_into of θ_init and the models, once each (HDF5 + Fletcher32)
    double merge = 0;      // merge kernels (merge_tensor_into: the merge and its record)
    double write = 0;      // CheckpointWriter::write (HDF5 + Fletcher32)
    double commit = 0;     // fsync + rename + folder fsync
    double hash_wait = 0;  // waiting for the input hashes after the merge (cancellable)
  } phases;
  double mean_omega_deg = 0;  // see mean_omega_deg(); NaN when no angle is defined
  int64_t fallback_tensors = 0;
  std::vector<TensorMergeRecord> records;
  std::vector<GroupMergeRecord> groups;  // layer SLERP: one per layer group (else empty)
  nlohmann::json meta;                   // as written in the output's header
};

// Every check merge_checkpoints makes before writing: the parameters for the number of models; each
// input a readable warp checkpoint (CheckpointReader's checks); the same model config
// (header.config["model"]: GPT architecture fields, dropout aside; or identical JSON when not a GPT
// config); exactly θ_init's /params tensors (names, shapes, dtypes; floating point only; the first
// mismatch is named with the file and tensor); an output path in an existing folder that is neither a
// folder nor one of the inputs. Throws BadInput.
void check_merge_spec(const MergeSpec& spec);
// The input checks of check_merge_spec alone (no parameters, no output): each file a readable warp
// checkpoint, one model config, exactly θ_init's floating-point tensors. Throws BadInput naming the
// file (the merge workbench validates the files a user picks with it).
void check_merge_inputs(const std::string& init_path, const std::vector<std::string>& model_paths);

// Merges the files of `spec` into spec.out_path in one pass. Progress: stage "merge", one unit per
// tensor, then (done = total, detail "input hashes") about every 50 ms while waiting for the input
// hashes; Cancelled (nothing written) when the callback returns false. BadInput (nothing written)
// when an input changed during the merge (see "Inputs that change during the merge" above).
MergeSummary merge_checkpoints(const MergeSpec& spec, const ProgressFn& progress = {});

// Throws BadInput for the first difference of `other` from `ref` (same names, shapes, dtypes; order
// free): "<other_where>: tensor 'x' has shape [4], expected [3] (as in <ref_where>)".
void check_same_tensors(const std::vector<TensorInfo>& ref, const std::string& ref_where,
                        const std::vector<TensorInfo>& other, const std::string& other_where);

// Mean over tensors of the first recorded angle (Ω between δ1 and δ2), skipping undefined ones; NaN
// when there is none.
double mean_omega_deg(const std::vector<TensorMergeRecord>& records);
// The same over the layer groups of a layer SLERP (their group angles).
double mean_omega_deg(const std::vector<GroupMergeRecord>& groups);
// The angle between δ1 and δ2 of each layer group (merge/layer_groups.h) from per-tensor records
// (their first δ norms and first angle): ‖δ‖² = Σ‖δ_t‖², <δ1,δ2> = Σ ‖δ1_t‖‖δ2_t‖ cos Ω_t over the
// group's tensors (a tensor with an undefined angle has a zero δ and adds nothing to the dot product).
// This is the angle the first step of a layer SLERP takes (to the rounding of cos(arccos)), measured
// from a per-tensor merge's records. One record per group, in the order of each group's first tensor:
// name = the group, numel = Σ numel, delta_norms = {‖δ1‖, ‖δ2‖}, omega_deg = {Ω} (NaN when a group δ is
// zero), no fallback flags. Records with fewer than 2 norms or no angle are skipped.
std::vector<TensorMergeRecord> layer_angles(const std::vector<TensorMergeRecord>& tensor_records);
int64_t count_fallback_tensors(const std::vector<TensorMergeRecord>& records);

}  // namespace warp
