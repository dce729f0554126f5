#pragma once
// The cache of evaluated points in the experiment database: asking twice for the same checkpoint
// under the same protocol costs nothing.
//
// Key: the checkpoint file's SHA-256 and the protocol hash (eval/evaluate.h: the SHA-256 of the
// protocol JSON: prompt set file hash, eval seed, temperature, max new tokens, prompt count, reward
// spec and its checkpoint hash, SFT checkpoint hash, tokenizer hash).
//
// The table (schema v2, db/schema.cpp):
//
//   eval_points(
//     id                INTEGER PRIMARY KEY,
//     checkpoint_sha256 TEXT NOT NULL CHECK (length(checkpoint_sha256) = 64),
//     protocol_sha256   TEXT NOT NULL CHECK (length(protocol_sha256) = 64),
//     checkpoint_path   TEXT NOT NULL,       -- as given when evaluated (informative)
//     protocol_json     TEXT NOT NULL,       -- what protocol_sha256 hashes
//     prompts           INTEGER NOT NULL,
//     reward REAL, gold REAL, kl_sft REAL, kl_sft_sampled REAL, length REAL,   -- means
//     result_json       TEXT NOT NULL,       -- EvalPoint::to_json (means and standard errors)
//     created_at        REAL NOT NULL,
//     values_json       TEXT,                -- PromptValues::to_json (schema v5; NULL: cached before)
//     UNIQUE (checkpoint_sha256, protocol_sha256))
//
// The per-prompt values of RL trajectory points (schema v5; written by the RL trainer, rl/trainer.h):
//
//   eval_values(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id),
//               step INTEGER NOT NULL, values_json TEXT NOT NULL, UNIQUE (run_id, step))
//
// A read-only database is only read (store throws).

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "db/experiment_db.h"
#include "eval/eval_point.h"

namespace warp {

class EvalCache {
 public:
  explicit EvalCache(ExperimentDb& db);

  std::optional<EvalPoint> find(const std::string& checkpoint_sha256, const std::string& protocol_sha256) const;
  // The per-prompt values stored with that point (nullopt: no point, or one cached without them).
  std::optional<PromptValues> find_values(const std::string& checkpoint_sha256,
                                          const std::string& protocol_sha256) const;
  // Inserts or replaces the point of this key (BEGIN IMMEDIATE); empty values are stored as NULL.
  void store(const std::string& checkpoint_sha256, const std::string& protocol_sha256,
             const std::string& checkpoint_path, const std::string& protocol_json, const EvalPoint& point,
             const PromptValues& values = {});
  // Number of cached points (all keys).
  int64_t size() const;

 private:
  ExperimentDb& db_;
};

// Trajectory points' per-prompt values (table eval_values): insert or replace the values of (run, step);
// read all of a run's, by step. BadInput naming the database for a row whose JSON does not parse.
void store_trajectory_values(ExperimentDb& db, int64_t run_id, int64_t step, const PromptValues& values);
std::map<int64_t, PromptValues> read_trajectory_values(ExperimentDb& db, int64_t run_id);

}  // namespace warp
