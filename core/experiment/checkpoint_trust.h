#pragma once
// A checkpoint file named by the user (an option, a config field, a file picker) is validated out of
// process (store/checkpoint_validate.h) before it is opened, unless the experiment wrote it itself:
// a file whose SHA-256 its database records (checkpoints table) skips the child.

#include <string>

#include "experiment/experiment.h"

namespace warp {

// Throws BadInput naming `path` when it is refused (see check_untrusted_checkpoint).
void check_checkpoint_input(const Experiment& exp, const std::string& path);
// The same for a file on its own: trusted when recorded by the experiment it lies in
// (<exp>/checkpoints/<file>.h5 with <exp>/experiment.db).
void check_checkpoint_input(const std::string& path);
// The same with the experiment's database file (no check against it when it does not exist).
void check_checkpoint_input(const std::string& db_path, const std::string& path);

}  // namespace warp
