#pragma once
// The run-name rule, one for every command that names a run (`warp train`, `warp rm`, `warp run`
// and its workers, `warp replicate`'s planned runs) and for the desktop app's launch dialogs.
//
// A run name is 1-64 characters of A-Z a-z 0-9 _ . -, starting with a letter or digit (so it is a
// safe file name and never a hidden file or an option), and not ending in -state or -ema (the
// suffixes of an RL run's own checkpoint files, checkpoints/<name>-state.h5 and -ema.h5).

#include <string>

namespace warp {

// Empty when `name` is a valid run name, else why not, e.g.
//   "run name 'a/b' is not valid: use 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit"
std::string run_name_error(const std::string& name);

// Throws BadInput with run_name_error(name) unless it is empty.
void validate_run_name(const std::string& name);

}  // namespace warp
