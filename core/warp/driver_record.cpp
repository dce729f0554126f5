// What a WARP driver run leaves behind, read back (driver_record.h).
#include "warp/driver_record.h"

#include <cmath>

#include "util/error.h"
#include "util/json_read.h"

namespace warp {

nlohmann::json parse_json_object(const std::string& text, const std::string& where) {
  auto j = parse_json_or_discarded(text, where);
  if (j.is_discarded() || !j.is_object()) throw BadInput(where + ": not a JSON object");
  return j;
}

StoredWarpRun parse_stored_warp_run(const RunRecord& run) {
  const std::string where = "run '" + run.name + "' (stored config)";
  const nlohmann::json j = parse_json_object(run.config_json, where);
  for (const char* key : {"warp", "rl", "eval", "eval_protocol_sha256"})
    if (!j.contains(key)) throw BadInput(where + ": no \"" + std::string(key) + "\" entry");
  StoredWarpRun s;
  s.warp.update_from_json(j.at("warp"), where + " (warp)");
  s.warp.validate();
  s.rl = RlConfig::from_json(j.at("rl"), where + " (rl)");
  s.eval = EvalConfig::from_json(j.at("eval"), where + " (eval)");
  if (!j.at("eval_protocol_sha256").is_string()) throw BadInput(where + ": eval_protocol_sha256 must be a string");
  s.protocol_sha256 = j.at("eval_protocol_sha256").get<std::string>();
  return s;
}

std::string abs_in_experiment(const Experiment& exp, const std::string& path) {
  return !path.empty() && path[0] == '/' ? path : exp.dir() + "/" + path;
}

std::string warp_slerp_checkpoint(const std::string& name, int64_t iteration) {
  return "checkpoints/" + name + "-i" + std::to_string(iteration) + "-slerp.h5";
}

std::string warp_liti_checkpoint(const std::string& name, int64_t iteration, double eta) {
  return "checkpoints/" + name + "-i" + std::to_string(iteration) + "-eta" + warp_eta_tag(eta) + ".h5";
}

std::string warp_output_checkpoint(const std::string& name, double eta) {
  return "checkpoints/" + name + "-output-eta" + warp_eta_tag(eta) + ".h5";
}

std::optional<std::pair<CheckpointRecord, nlohmann::json>> registered_checkpoint(
    const std::vector<CheckpointRecord>& ckpts, const std::string& rel_path) {
  for (auto it = ckpts.rbegin(); it != ckpts.rend(); ++it) {
    if (it->path != rel_path) continue;
    auto meta = parse_json_or_discarded(it->meta_json, "checkpoint '" + rel_path + "' (meta)");
    if (meta.is_discarded() || !meta.is_object()) continue;
    return std::make_pair(*it, meta);
  }
  return std::nullopt;
}

std::optional<FrontPoint> evaluated_point(const EvalCache& cache, const std::string& protocol,
                                          const CheckpointRecord& rec, const std::string& rel, double eta) {
  auto point = cache.find(rec.sha256, protocol);
  if (!point) return std::nullopt;
  FrontPoint fp;
  fp.eta = eta;
  fp.checkpoint = rel;
  fp.sha256 = rec.sha256;
  fp.point = *point;
  return fp;
}

std::string meta_string(const nlohmann::json& meta, const char* key) {
  return meta.contains(key) && meta.at(key).is_string() ? meta.at(key).get<std::string>() : std::string();
}

double meta_double(const nlohmann::json& meta, const char* key) {
  return meta.contains(key) && meta.at(key).is_number() ? meta.at(key).get<double>() : std::nan("");
}

}  // namespace warp
