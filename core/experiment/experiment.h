#pragma once
// An experiment on disk (DESIGN §3):
//   <dir>/experiment.db   SQLite (core/db/experiment_db.h)
//   <dir>/config.json     settings: {"format":"warp-experiment","version":1,"preset":..,"model":{..},..}
//   <dir>/checkpoints/    HDF5 checkpoints
//   <dir>/exports/        what the user exported

#include <string>

#include <nlohmann/json.hpp>

namespace warp {

class Experiment {
 public:
  // Creates a new experiment from a preset. Refuses (BadInput) a folder that already holds an
  // experiment or any other non-empty folder, so nothing of the user's is overwritten.
  static Experiment create(const std::string& dir, const std::string& preset);
  // Opens an existing experiment; BadInput naming the file when config.json is missing or foreign.
  static Experiment open(const std::string& dir);

  const std::string& dir() const { return dir_; }
  std::string db_path() const { return dir_ + "/experiment.db"; }
  std::string config_path() const { return dir_ + "/config.json"; }
  std::string checkpoints_dir() const { return dir_ + "/checkpoints"; }
  std::string exports_dir() const { return dir_ + "/exports"; }
  const nlohmann::json& config() const { return config_; }
  // Replaces config.json atomically.
  void save_config(const nlohmann::json& config);

 private:
  std::string dir_;
  nlohmann::json config_;
};

}  // namespace warp
