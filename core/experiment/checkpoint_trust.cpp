#include "experiment/checkpoint_trust.h"

#include <filesystem>

#include "db/experiment_db.h"
#include "store/checkpoint_validate.h"
#include "util/fsutil.h"

namespace warp {

void check_checkpoint_input(const std::string& db_path, const std::string& path) {
  UntrustedCheckOptions options;
  options.trusted = [&db_path](const std::string& sha256) {
    if (!is_regular_file(db_path)) return false;
    const ExperimentDb db = ExperimentDb::open_read_only(db_path);
    return db.find_checkpoint_by_sha256(sha256).has_value();
  };
  check_untrusted_checkpoint(path, options);
}

void check_checkpoint_input(const std::string& path) {
  check_checkpoint_input(
      parent_dir(parent_dir(std::filesystem::absolute(path).lexically_normal().string())) + "/experiment.db", path);
}

void check_checkpoint_input(const Experiment& exp, const std::string& path) {
  check_checkpoint_input(exp.db_path(), path);
}

}  // namespace warp
