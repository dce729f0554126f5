#include "workbench/merge_point_cache.h"

#include <cmath>
#include <ctime>
#include <limits>

#include "reward/task_tokens.h"
#include "util/error.h"
#include "util/json_read.h"

namespace warp {

namespace {

double now_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

nlohmann::json parse_column(const std::string& text, const std::string& where) {
  nlohmann::json j = parse_json_or_discarded(text, where);
  if (j.is_discarded()) throw BadInput(where + " holds invalid JSON");
  return j;
}

constexpr const char* kColumns =
    "recipe_sha256, protocol_sha256, inputs_sha256, recipe_json, result_json, rows_json, created_at";

// What is written to the TEXT columns: JSON with invalid UTF-8 (completion bytes, paths) replaced.
std::string dump_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

MergePointRecord read_row(Statement& s, const std::string& db_path, const BpeTokenizer* tokenizer) {
  MergePointRecord r;
  r.recipe_sha256 = s.column_text(0);
  r.protocol_sha256 = s.column_text(1);
  if (!s.column_is_null(2)) r.inputs_sha256 = s.column_text(2);
  const std::string where = db_path + " (merge_points row " + r.recipe_sha256.substr(0, 12) + ")";
  r.recipe_json = parse_column(s.column_text(3), where + ": recipe_json");
  r.point = EvalPoint::from_json(parse_column(s.column_text(4), where + ": result_json"), where + ": result_json");
  r.rows = eval_rows_from_json(parse_column(s.column_text(5), where + ": rows_json"), where + ": rows_json", tokenizer);
  r.created_at = s.column_double(6);
  return r;
}

// A JSON number, or NaN for null (how NaN is written).
double number_or_nan(const nlohmann::json& row, const char* key, const std::string& where) {
  if (!row.contains(key)) throw BadInput(where + ": field '" + key + "' is missing");
  const auto& v = row.at(key);
  if (v.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (!v.is_number()) throw BadInput(where + ": field '" + key + "' must be a number, got " + v.dump());
  return v.get<double>();
}

}  // namespace

MergePointCache::MergePointCache(ExperimentDb& db, const BpeTokenizer* tokenizer) : db_(db), tokenizer_(tokenizer) {}

std::optional<MergePointRecord> MergePointCache::find(const std::string& recipe_sha256,
                                                      const std::string& protocol_sha256) const {
  Statement s(db_.database(), std::string("SELECT ") + kColumns +
                                  " FROM merge_points WHERE recipe_sha256 = ?1 AND protocol_sha256 = ?2");
  s.bind(1, recipe_sha256).bind(2, protocol_sha256);
  if (!s.step()) return std::nullopt;
  return read_row(s, db_.path(), tokenizer_);
}

std::vector<MergePointRecord> MergePointCache::list(const std::string& inputs_sha256,
                                                    const std::string& protocol_sha256) const {
  Statement s(db_.database(), std::string("SELECT ") + kColumns +
                                  " FROM merge_points WHERE inputs_sha256 = ?1 AND protocol_sha256 = ?2 ORDER BY id");
  s.bind(1, inputs_sha256).bind(2, protocol_sha256);
  std::vector<MergePointRecord> out;
  while (s.step()) out.push_back(read_row(s, db_.path(), tokenizer_));
  return out;
}

void MergePointCache::store(const MergePointRecord& r) {
  if (db_.read_only()) throw Error(db_.path() + ": cannot cache a merge point in a read-only database");
  Transaction txn(db_.database(), TxnMode::Immediate);
  Statement s(
      db_.database(),
      "INSERT OR REPLACE INTO merge_points(recipe_sha256, protocol_sha256, inputs_sha256, recipe_json, prompts, "
      "reward, gold, kl_sft, kl_sft_sampled, length, result_json, rows_json, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  s.bind(1, r.recipe_sha256)
      .bind(2, r.protocol_sha256)
      .bind(3, r.inputs_sha256)
      .bind(4, dump_text(r.recipe_json))
      .bind(5, r.point.prompts)
      .bind(6, r.point.reward.mean)
      .bind(7, r.point.gold.mean)
      .bind(8, r.point.kl_sft.mean)
      .bind(9, r.point.kl_sft_sampled.mean)
      .bind(10, r.point.length.mean)
      .bind(11, r.point.to_json().dump())
      .bind(12, dump_text(eval_rows_to_json(r.rows)))
      .bind(13, now_seconds());
  s.run();
  txn.commit();
}

int64_t MergePointCache::size() const {
  Statement s(db_.database(), "SELECT count(*) FROM merge_points");
  return s.step() ? s.column_int64(0) : 0;
}

nlohmann::json eval_rows_to_json(const std::vector<EvalRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rows)
    out.push_back({{"prompt_index", r.prompt_index},
                   {"seed", r.seed},
                   {"completion", r.completion},
                   {"text", r.text},
                   {"reward", r.reward},
                   {"gold", r.gold},
                   {"kl_sft", r.kl_sft},
                   {"kl_sft_sampled", r.kl_sft_sampled},
                   {"length", r.length}});
  return out;
}

std::vector<EvalRow> eval_rows_from_json(const nlohmann::json& j, const std::string& where,
                                         const BpeTokenizer* tokenizer) {
  if (!j.is_array()) throw BadInput(where + ": expected a list of rows");
  std::vector<EvalRow> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& o = j[i];
    const std::string w = where + " row " + std::to_string(i);
    if (!o.is_object()) throw BadInput(w + ": expected a JSON object");
    EvalRow r;
    auto integer = [&](const char* key) -> const nlohmann::json& {
      if (!o.contains(key) || !o.at(key).is_number_integer())
        throw BadInput(w + ": field '" + key + "' is missing or not an integer");
      return o.at(key);
    };
    r.prompt_index = integer("prompt_index").get<int64_t>();
    if (!o.contains("seed") || !o.at("seed").is_number_unsigned())
      throw BadInput(w + ": field 'seed' is missing or not a non-negative integer");
    r.seed = o.at("seed").get<uint64_t>();
    if (!o.contains("completion") || !o.at("completion").is_array())
      throw BadInput(w + ": field 'completion' is missing or not a list of token ids");
    for (const auto& id : o.at("completion")) {
      if (!id.is_number_integer()) throw BadInput(w + ": field 'completion' holds a non-integer token id");
      r.completion.push_back(id.get<int64_t>());
    }
    if (!o.contains("text") || !o.at("text").is_string())
      throw BadInput(w + ": field 'text' is missing or not a string");
    r.text = tokenizer ? decode_completion(*tokenizer, r.completion) : o.at("text").get<std::string>();
    r.reward = number_or_nan(o, "reward", w);
    r.gold = number_or_nan(o, "gold", w);
    r.kl_sft = number_or_nan(o, "kl_sft", w);
    r.kl_sft_sampled = number_or_nan(o, "kl_sft_sampled", w);
    r.length = integer("length").get<int64_t>();
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace warp
