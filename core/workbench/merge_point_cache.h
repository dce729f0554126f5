#pragma once
// The merge workbench's cache of evaluated points in the experiment database: a sibling of
// eval/eval_cache.h keyed by merge recipe instead of by checkpoint file, so a point of a merge that
// was never written to a file is asked for only once.
//
// Key: (recipe_sha256, protocol_sha256): the SHA-256 of the recipe key JSON (workbench/merge_recipe.h
// recipe_key_json, or the workbench's θ_sft reference key {"version": 1, "policy_sha256"}) and the
// evaluation protocol hash (eval/evaluate.h eval_protocol).
//
// The table (schema v3, db/schema.cpp):
//
//   merge_points(
//     id              INTEGER PRIMARY KEY,
//     recipe_sha256   TEXT NOT NULL CHECK (length(recipe_sha256) = 64),
//     protocol_sha256 TEXT NOT NULL CHECK (length(protocol_sha256) = 64),
//     inputs_sha256   TEXT,                -- the merge inputs (NULL: not a recipe point, the reference)
//     recipe_json     TEXT NOT NULL,       -- the point's provenance: the hashed key JSON + {"inputs": ...}
//     prompts         INTEGER NOT NULL,
//     reward REAL, gold REAL, kl_sft REAL, kl_sft_sampled REAL, length REAL,   -- means
//     result_json     TEXT NOT NULL,       -- EvalPoint::to_json (means and standard errors)
//     rows_json       TEXT NOT NULL,       -- eval_rows_to_json: per prompt completion and values
//     created_at      REAL NOT NULL,
//     UNIQUE (recipe_sha256, protocol_sha256))
//   index merge_points_by_inputs(inputs_sha256, protocol_sha256, id)
//
// Each object works through the connection it is given (one thread at a time, like the connection).

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/experiment_db.h"
#include "eval/eval_point.h"
#include "eval/evaluate.h"

namespace warp {

struct MergePointRecord {
  std::string recipe_sha256;
  std::string protocol_sha256;
  std::optional<std::string> inputs_sha256;
  nlohmann::json recipe_json;  // provenance
  EvalPoint point;
  std::vector<EvalRow> rows;
  double created_at = 0;  // unix seconds (set by store)
};

class MergePointCache {
 public:
  // tokenizer (optional, must outlive the cache): the rows' texts are decoded again from their token
  // ids (decode_completion), bytes for bytes what the evaluation scored; without it they are the
  // stored texts (see eval_rows_to_json).
  explicit MergePointCache(ExperimentDb& db, const BpeTokenizer* tokenizer = nullptr);

  // The point of a key, if any (one indexed read). BadInput naming the database for a row whose
  // JSON does not parse.
  std::optional<MergePointRecord> find(const std::string& recipe_sha256, const std::string& protocol_sha256) const;
  // The points of one set of inputs under one protocol, in the order they were stored.
  std::vector<MergePointRecord> list(const std::string& inputs_sha256, const std::string& protocol_sha256) const;
  // Inserts or replaces the point of this key (BEGIN IMMEDIATE). Error for a read-only database.
  void store(const MergePointRecord& record);
  // Number of stored points (all keys).
  int64_t size() const;

 private:
  ExperimentDb& db_;
  const BpeTokenizer* tokenizer_;
};

// [{"prompt_index", "seed", "completion": [ids], "text", "reward", "gold", "kl_sft", "kl_sft_sampled",
//   "length"}, ...]; NaN values are written as null and read back as NaN. A completion's bytes need
// not be valid UTF-8 (a byte-level model may stop inside a character): dump the JSON with
// nlohmann::json::error_handler_t::replace, which writes U+FFFD for invalid bytes; the token ids are
// exact.
nlohmann::json eval_rows_to_json(const std::vector<EvalRow>& rows);
// BadInput naming `where` and the row for a missing or mistyped field. With a tokenizer, each text is
// decode_completion(tokenizer, completion) instead of the stored one.
std::vector<EvalRow> eval_rows_from_json(const nlohmann::json& j, const std::string& where,
                                         const BpeTokenizer* tokenizer = nullptr);

}  // namespace warp
