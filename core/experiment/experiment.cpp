#include "experiment/experiment.h"

#include <dirent.h>

#include "db/experiment_db.h"
#include "experiment/presets.h"
#include "experiment/task_data.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/json_read.h"

namespace warp {

namespace {

bool folder_is_empty(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return true;
  bool empty = true;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") {
      empty = false;
      break;
    }
  }
  ::closedir(d);
  return empty;
}

nlohmann::json parse_config(const std::string& path) {
  if (!is_regular_file(path)) throw BadInput(file_message(path, "not found: not a WARP experiment folder"));
  const nlohmann::json j = parse_json(read_file_text(path), path);
  if (!j.is_object() || j.value("format", "") != "warp-experiment")
    throw BadInput(file_message(path, "not a WARP experiment config (field 'format' must be \"warp-experiment\")"));
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int>() != 1)
    throw BadInput(file_message(path, "unsupported experiment config version (expected 1)"));
  return j;
}

// AtomicFile temporaries ("<target>.tmp-<pid>-<n>", each possibly a whole checkpoint) left by a
// process killed with -9 or a power loss: removed when the experiment is opened (which every command,
// a resume among them, and the app do), but only those whose writer is gone. A process of another
// machine that shares the folder cannot be checked by pid: while the database shows a run of another
// host with a fresh heartbeat, nothing is removed.
void remove_stale_temp_files(const Experiment& e) {
  if (is_regular_file(e.db_path())) {
    try {
      ExperimentDb db = ExperimentDb::open_read_only(e.db_path());
      const std::string here = this_host();
      for (const RunRecord& r : db.list_runs())
        if (r.status == RunStatus::Running && !r.host.empty() && r.host != here && is_alive(r)) return;
    } catch (const std::exception&) {
      return;  // cannot tell: keep everything
    }
  }
  const TaskDataPaths paths = task_data_paths(e);
  for (const std::string& dir :
       {e.dir(), e.checkpoints_dir(), e.exports_dir(), e.dir() + "/data", paths.tokenizer_dir, e.dir() + "/logs"})
    remove_dead_temp_files(dir);
}

}  // namespace

Experiment Experiment::create(const std::string& dir, const std::string& preset) {
  nlohmann::json config = preset_config(preset);  // validates the preset name first
  if (is_regular_file(dir)) throw BadInput(file_message(dir, "is a file, expected a folder for the experiment"));
  if (is_regular_file(dir + "/config.json")) throw BadInput(file_message(dir, "already holds an experiment"));
  if (!folder_is_empty(dir)) throw BadInput(file_message(dir, "folder is not empty; choose a new folder"));
  make_dirs(dir);
  Experiment e;
  e.dir_ = dir;
  make_dirs(e.checkpoints_dir());
  make_dirs(e.exports_dir());
  {
    ExperimentDb db = ExperimentDb::open(e.db_path());
    db.ensure_experiment(config.value("preset", "experiment"), config.dump());
  }
  e.save_config(config);  // written last: its presence marks a complete experiment
  return e;
}

Experiment Experiment::open(const std::string& dir) {
  if (!is_directory(dir)) throw BadInput(file_message(dir, "no such experiment folder"));
  Experiment e;
  e.dir_ = dir;
  e.config_ = parse_config(e.config_path());
  // A checkpoints/ or exports/ folder deleted by hand (or an experiment copied without them) would
  // otherwise only show when the first checkpoint is written, minutes into a run. Viewers may
  // lack write access: then writers fail later, naming the path.
  for (const std::string& sub : {e.checkpoints_dir(), e.exports_dir()}) {
    if (is_directory(sub)) continue;
    try {
      make_dirs(sub);
    } catch (const std::exception&) {}
  }
  remove_stale_temp_files(e);
  return e;
}

void Experiment::save_config(const nlohmann::json& config) {
  write_file_atomic(config_path(), config.dump(2) + "\n");
  config_ = config;
}

}  // namespace warp
