#include "workbench/merge_inputs.h"

#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "db/experiment_db.h"
#include "experiment/checkpoint_trust.h"
#include "merge/merger.h"
#include "model/gpt_config.h"
#include "store/checkpoint_h5.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "warp/driver.h"

namespace warp {

namespace {

constexpr const char* kTrainKind = "train";
constexpr const char* kDriverKind = "warp";

// An absolute, lexically normal path; a relative one is taken inside the experiment folder.
std::string in_experiment(const Experiment& exp, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_relative()) p = std::filesystem::path(exp.dir()) / p;
  p = std::filesystem::absolute(p).lexically_normal();
  return p.string();
}

std::string base_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

std::string join(const std::vector<std::string>& items, const std::string& sep = ", ") {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

// A checkpoint path as the database stores it (relative to the experiment folder when inside it),
// for messages.
std::string shown(const Experiment& exp, const std::string& abs) {
  const std::string root = exp.dir() + "/";
  return abs.rfind(root, 0) == 0 ? abs.substr(root.size()) : abs;
}

std::vector<std::string> string_list(const nlohmann::json& j, const char* key, const std::string& where) {
  const auto& v = j.at(key);
  if (!v.is_array()) throw BadInput(where + ": field '" + key + "' must be a list of strings, got " + v.dump());
  std::vector<std::string> out;
  for (const auto& e : v) {
    if (!e.is_string()) throw BadInput(where + ": field '" + key + "' must be a list of strings, got " + v.dump());
    out.push_back(e.get<std::string>());
  }
  return out;
}

// The last checkpoint the run registered as its final policy, if any.
std::optional<CheckpointRecord> final_policy(const ExperimentDb& db, int64_t run_id) {
  std::optional<CheckpointRecord> out;
  for (const auto& c : db.list_checkpoints(run_id))
    if (c.kind == "policy") out = c;
  return out;
}

// Whether worker `name` is finished with its final policy on disk; why not in *why.
bool worker_ready(const Experiment& exp, const ExperimentDb& db, const std::string& name, std::string* why) {
  const auto run = db.find_run(name);
  if (!run) {
    *why = "worker '" + name + "' has not started";
    return false;
  }
  if (run->status != RunStatus::Finished) {
    *why = "worker '" + name + "' has not finished (status " + to_string(run->status) + ")";
    return false;
  }
  const std::string policy = exp.checkpoints_dir() + "/" + name + ".h5";
  if (!is_regular_file(policy)) {
    *why = "worker '" + name + "' finished but its policy " + policy + " is missing";
    return false;
  }
  return true;
}

}  // namespace

const char* merge_source_name(MergeInputs::Source source) {
  switch (source) {
    case MergeInputs::Source::Iteration:
      return "iteration";
    case MergeInputs::Source::Runs:
      return "runs";
    case MergeInputs::Source::Files:
      return "files";
  }
  return "files";
}

std::string MergeInputs::describe() const {
  switch (source) {
    case Source::Iteration:
      return driver + " iteration " + std::to_string(iteration) + " (" + join(runs) + ")";
    case Source::Runs:
      return "runs " + join(runs);
    case Source::Files: {
      std::vector<std::string> names;
      for (const auto& m : models) names.push_back(base_name(m));
      return "files " + join(names);
    }
  }
  return "";
}

nlohmann::json MergeInputs::to_json() const {
  return {{"source", merge_source_name(source)},
          {"init", init},
          {"models", models},
          {"runs", runs},
          {"driver", driver},
          {"iteration", iteration}};
}

MergeInputs MergeInputs::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw BadInput(where + ": merge inputs must be a JSON object, got " + j.dump());
  static const std::set<std::string> known = {"source", "init", "models", "runs", "driver", "iteration"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!known.count(it.key())) throw BadInput(where + ": unknown field '" + it.key() + "'");
  for (const char* key : {"source", "init", "models"})
    if (!j.contains(key)) throw BadInput(where + ": field '" + std::string(key) + "' is missing");
  MergeInputs in;
  const auto& src = j.at("source");
  const std::string s = src.is_string() ? src.get<std::string>() : std::string();
  if (s == "iteration") in.source = Source::Iteration;
  else if (s == "runs") in.source = Source::Runs;
  else if (s == "files") in.source = Source::Files;
  else throw BadInput(where + ": field 'source' must be \"iteration\", \"runs\" or \"files\", got " + src.dump());
  if (!j.at("init").is_string()) throw BadInput(where + ": field 'init' must be a string, got " + j.at("init").dump());
  in.init = j.at("init").get<std::string>();
  if (in.init.empty()) throw BadInput(where + ": field 'init' is empty");
  in.models = string_list(j, "models", where);
  if (in.models.size() < 2)
    throw BadInput(where + ": field 'models' must name at least 2 models, got " + std::to_string(in.models.size()));
  if (j.contains("runs")) in.runs = string_list(j, "runs", where);
  if (j.contains("driver")) {
    if (!j.at("driver").is_string())
      throw BadInput(where + ": field 'driver' must be a string, got " + j.at("driver").dump());
    in.driver = j.at("driver").get<std::string>();
  }
  if (j.contains("iteration")) {
    if (!j.at("iteration").is_number_integer())
      throw BadInput(where + ": field 'iteration' must be an integer, got " + j.at("iteration").dump());
    in.iteration = j.at("iteration").get<int64_t>();
  }
  if (in.source == Source::Iteration) {
    if (in.driver.empty()) throw BadInput(where + ": field 'driver' is missing or empty (source \"iteration\")");
    if (in.iteration < 1)
      throw BadInput(where + ": field 'iteration' must be >= 1 (source \"iteration\"), got " +
                     std::to_string(in.iteration));
  }
  if (!in.runs.empty() && in.runs.size() != in.models.size())
    throw BadInput(where + ": field 'runs' names " + std::to_string(in.runs.size()) + " runs for " +
                   std::to_string(in.models.size()) + " models");
  return in;
}

std::vector<IterationChoice> list_merge_iterations(const Experiment& exp) {
  const ExperimentDb db = ExperimentDb::open_read_only(exp.db_path());
  std::vector<IterationChoice> out;
  for (const auto& run : db.list_runs()) {
    if (run.kind != kDriverKind) continue;
    WarpResult w;
    try {
      w = read_warp(exp, run.name);
    } catch (const BadInput&) {
      continue;  // stored settings this build cannot read: nothing to offer
    }
    for (const auto& it : w.iterations) {
      IterationChoice c;
      c.driver = run.name;
      c.iteration = it.iteration;
      c.runs = static_cast<int64_t>(it.runs.size());
      c.complete = is_regular_file(in_experiment(exp, it.init));
      std::string why;
      for (const auto& worker : it.runs) c.complete = c.complete && worker_ready(exp, db, worker, &why);
      out.push_back(c);
    }
  }
  return out;
}

MergeInputs inputs_from_iteration(const Experiment& exp, const std::string& driver, int64_t iteration) {
  const WarpResult w = read_warp(exp, driver);  // BadInput: no such run, or not a driver run
  const WarpIteration* found = nullptr;
  for (const auto& it : w.iterations)
    if (it.iteration == iteration) found = &it;
  if (!found) {
    const std::string started = w.iterations.empty()
                                    ? "it has not started any iteration"
                                    : "it has started iterations 1.." + std::to_string(w.iterations.back().iteration);
    throw BadInput("WARP run '" + driver + "' has no iteration " + std::to_string(iteration) + " (" + started + ")");
  }
  const std::string where = "WARP run '" + driver + "' iteration " + std::to_string(iteration);
  const ExperimentDb db = ExperimentDb::open_read_only(exp.db_path());
  MergeInputs in;
  in.source = MergeInputs::Source::Iteration;
  in.driver = driver;
  in.iteration = iteration;
  in.init = in_experiment(exp, found->init);
  if (!is_regular_file(in.init)) throw BadInput(where + ": its θ_init " + in.init + " is missing");
  for (const auto& worker : found->runs) {
    std::string why;
    if (!worker_ready(exp, db, worker, &why)) throw BadInput(where + ": " + why);
    in.runs.push_back(worker);
    in.models.push_back(in_experiment(exp, "checkpoints/" + worker + ".h5"));
  }
  return in;
}

MergeInputs inputs_from_runs(const Experiment& exp, const std::vector<std::string>& runs) {
  if (runs.size() < 2)
    throw BadInput("merge inputs: give at least 2 runs to merge, got " + std::to_string(runs.size()));
  std::set<std::string> seen;
  for (const auto& r : runs)
    if (!seen.insert(r).second) throw BadInput("merge inputs: run '" + r + "' is given twice");
  const ExperimentDb db = ExperimentDb::open_read_only(exp.db_path());
  MergeInputs in;
  in.source = MergeInputs::Source::Runs;
  std::string first_init_sha, first_init_path;
  std::vector<std::string> same_init;  // the runs starting from the first run's init
  for (const auto& name : runs) {
    const auto run = db.find_run(name);
    if (!run) throw BadInput("run '" + name + "' does not exist in " + db.path());
    if (run->kind != kTrainKind)
      throw BadInput("run '" + name + "' is a " + run->kind + " run; only finished train runs can be merged");
    if (run->status != RunStatus::Finished)
      throw BadInput("run '" + name + "' has not finished (status " + to_string(run->status) +
                     "); only finished train runs can be merged");
    const auto policy = final_policy(db, run->id);
    if (!policy) throw BadInput("run '" + name + "' finished but registered no final policy checkpoint");
    const std::string policy_path = in_experiment(exp, policy->path);
    if (!is_regular_file(policy_path))
      throw BadInput("run '" + name + "': its final policy " + policy_path + " is missing");
    if (!run->init_checkpoint_id) throw BadInput("run '" + name + "' records no init checkpoint");
    const CheckpointRecord init = db.get_checkpoint(*run->init_checkpoint_id);
    if (first_init_sha.empty()) {
      first_init_sha = init.sha256;
      first_init_path = init.path;
    }
    if (init.sha256 != first_init_sha)
      throw BadInput((same_init.size() == 1 ? "run " : "runs ") + join(same_init) +
                     (same_init.size() == 1 ? " starts" : " start") + " from " + first_init_path + " but " + name +
                     " starts from " + init.path + "; runs merged together must share their init");
    same_init.push_back(name);
    in.runs.push_back(name);
    in.models.push_back(policy_path);
  }
  in.init = in_experiment(exp, first_init_path);
  if (!is_regular_file(in.init))
    throw BadInput("runs " + join(runs) + ": their init checkpoint " + in.init + " is missing");
  return in;
}

MergeInputs inputs_from_files(const Experiment& exp, const std::string& init, const std::vector<std::string>& models) {
  if (models.size() < 2)
    throw BadInput("merge inputs: give at least 2 model files to merge, got " + std::to_string(models.size()));
  MergeInputs in;
  in.source = MergeInputs::Source::Files;
  in.init = in_experiment(exp, init);
  for (const auto& m : models) in.models.push_back(in_experiment(exp, m));
  for (const auto& p : [&] {
         std::vector<std::string> all = {in.init};
         all.insert(all.end(), in.models.begin(), in.models.end());
         return all;
       }()) {
    if (is_directory(p)) throw BadInput(file_message(p, "is a folder, not a checkpoint file"));
    if (!is_regular_file(p)) throw BadInput(file_message(p, "no such checkpoint file"));
  }
  for (const auto& p : [&] {
         std::vector<std::string> all = {in.init};
         all.insert(all.end(), in.models.begin(), in.models.end());
         return all;
       }())
    check_checkpoint_input(exp, p);  // picked on disk: validated out of process first
  check_merge_inputs(in.init, in.models);
  // A GPT policy with θ_sft's architecture: the points are sampled and compared with θ_sft.
  const std::string sft = exp.checkpoints_dir() + "/sft.h5";
  const GPTConfig want = gpt_config_of(CheckpointReader(sft).header(), sft);
  GPTConfig got = gpt_config_of(CheckpointReader(in.init).header(), in.init);
  got.dropout = want.dropout;  // training only
  if (!(got == want))
    throw BadInput(file_message(in.init, "its model config " + got.to_json().dump() +
                                             " differs from the experiment's SFT model " + want.to_json().dump() +
                                             " (" + shown(exp, sft) + "); the points are evaluated against it"));
  return in;
}

}  // namespace warp
