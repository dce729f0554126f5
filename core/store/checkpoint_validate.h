#pragma once
// Untrusted HDF5 files are validated in a child process before this process opens them.
//
// Debian's HDF5 1.10 has known crashes and overflows on malformed files (e.g. CVE-2018-17434,
// CVE-2020-10810), which no check of ours can rule out before HDF5 has parsed the file. So an .h5
// given on the command line or picked in the app is first opened by `warp-h5check` (app/h5check),
// a small executable beside `warp` that runs validate_checkpoint_file(); a crash, a hang or a refusal
// there becomes a BadInput naming the file, and the calling process lives on.
// All of it is in the LibTorch-free library warp_store_h5 (store/checkpoint_file.h): warp-h5check
// does not load LibTorch, and the sanitizer build tests it under ASan + UBSan.
//
// Accepted: a warp checkpoint of this build's version (kCheckpointVersion) whose every attribute,
// name, shape and dtype passes CheckpointFile's checks, whose datasets with data are chunked with
// the Fletcher32 filter (compact datasets live inside their checksummed object header), and whose
// tensors all read back with matching checksums.
//
// Files the experiment itself wrote are recorded with their SHA-256 in its database (checkpoints
// table): check_untrusted_checkpoint() skips the child for a file whose SHA-256 `trusted` accepts.

#include <functional>
#include <string>

namespace warp {

// In-process validation (what the child runs). Throws BadInput naming the file and the problem.
void validate_checkpoint_file(const std::string& path);

// The validator executable: $WARP_H5CHECK when set, else warp-h5check beside this process's
// executable (/proc/self/exe). Empty when neither exists.
std::string h5check_executable();

struct UntrustedCheckOptions {
  double timeout_s = 120;  // a validator still running after this is killed (the file is refused)
  // Returns true for SHA-256 hashes (lowercase hex) of files the experiment wrote itself: those
  // files skip the child. Empty: every file is validated in the child.
  std::function<bool(const std::string& sha256)> trusted;
};

// Validates `path` in a child process (see above). Throws BadInput "<path>: ..." when the file is
// refused, the validator crashed (naming the signal) or timed out, or no validator is found.
void check_untrusted_checkpoint(const std::string& path, const UntrustedCheckOptions& options = {});

}  // namespace warp
