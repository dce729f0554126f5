#include "eval/eval_cache.h"

#include "util/error.h"
#include "util/format.h"
#include "util/json_read.h"

namespace warp {

EvalCache::EvalCache(ExperimentDb& db) : db_(db) {}

std::optional<EvalPoint> EvalCache::find(const std::string& checkpoint_sha256,
                                         const std::string& protocol_sha256) const {
  Statement s(db_.database(),
              "SELECT result_json FROM eval_points WHERE checkpoint_sha256 = ?1 AND protocol_sha256 = ?2");
  s.bind(1, checkpoint_sha256).bind(2, protocol_sha256);
  if (!s.step()) return std::nullopt;
  const std::string text = s.column_text(0);
  nlohmann::json j = parse_json_or_discarded(text, db_.path() + " (eval_points)");
  if (j.is_discarded()) throw BadInput(db_.path() + ": eval_points row holds invalid JSON");
  return EvalPoint::from_json(j, db_.path() + " (eval_points)");
}

std::optional<PromptValues> EvalCache::find_values(const std::string& checkpoint_sha256,
                                                   const std::string& protocol_sha256) const {
  Statement s(db_.database(),
              "SELECT values_json FROM eval_points WHERE checkpoint_sha256 = ?1 AND protocol_sha256 = ?2 AND "
              "values_json IS NOT NULL");
  s.bind(1, checkpoint_sha256).bind(2, protocol_sha256);
  if (!s.step()) return std::nullopt;
  const std::string where = db_.path() + " (eval_points.values_json)";
  nlohmann::json j = parse_json_or_discarded(s.column_text(0), where);
  if (j.is_discarded()) throw BadInput(where + ": invalid JSON");
  return PromptValues::from_json(j, where);
}

void EvalCache::store(const std::string& checkpoint_sha256, const std::string& protocol_sha256,
                      const std::string& checkpoint_path, const std::string& protocol_json, const EvalPoint& point,
                      const PromptValues& values) {
  if (db_.read_only()) throw Error(db_.path() + ": cannot cache an evaluation in a read-only database");
  Transaction txn(db_.database(), TxnMode::Immediate);
  Statement s(db_.database(),
              "INSERT OR REPLACE INTO eval_points(checkpoint_sha256, protocol_sha256, checkpoint_path, protocol_json, "
              "prompts, reward, gold, kl_sft, kl_sft_sampled, length, result_json, created_at, values_json) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  s.bind(1, checkpoint_sha256)
      .bind(2, protocol_sha256)
      .bind(3, checkpoint_path)
      .bind(4, protocol_json)
      .bind(5, point.prompts)
      .bind(6, point.reward.mean)
      .bind(7, point.gold.mean)
      .bind(8, point.kl_sft.mean)
      .bind(9, point.kl_sft_sampled.mean)
      .bind(10, point.length.mean)
      .bind(11, point.to_json().dump())
      .bind(12, unix_now());
  if (values.empty()) s.bind(13, nullptr);
  else s.bind(13, values.to_json().dump());
  s.run();
  txn.commit();
}

int64_t EvalCache::size() const {
  Statement s(db_.database(), "SELECT count(*) FROM eval_points");
  return s.step() ? s.column_int64(0) : 0;
}

void store_trajectory_values(ExperimentDb& db, int64_t run_id, int64_t step, const PromptValues& values) {
  if (db.read_only()) throw Error(db.path() + ": cannot store evaluation values in a read-only database");
  Statement s(db.database(), "INSERT OR REPLACE INTO eval_values(run_id, step, values_json) VALUES (?1, ?2, ?3)");
  s.bind(1, run_id).bind(2, step).bind(3, values.to_json().dump());
  s.run();
}

std::map<int64_t, PromptValues> read_trajectory_values(ExperimentDb& db, int64_t run_id) {
  std::map<int64_t, PromptValues> out;
  Statement s(db.database(), "SELECT step, values_json FROM eval_values WHERE run_id = ?1 ORDER BY step");
  s.bind(1, run_id);
  while (s.step()) {
    const int64_t step = s.column_int64(0);
    const std::string where =
        db.path() + " (eval_values, run " + std::to_string(run_id) + ", step " + std::to_string(step) + ")";
    nlohmann::json j = parse_json_or_discarded(s.column_text(1), where);
    if (j.is_discarded()) throw BadInput(where + ": invalid JSON");
    out[step] = PromptValues::from_json(j, where);
  }
  return out;
}

}  // namespace warp
