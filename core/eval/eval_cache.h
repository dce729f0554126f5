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
//     UNIQUE (checkpoint_sha256, protocol_sha256))
//
// A read-only database is only read (store throws).

#include <optional>
#include <string>

#include "db/experiment_db.h"
#include "eval/eval_point.h"

namespace warp {

class EvalCache {
 public:
  explicit EvalCache(ExperimentDb& db);

  std::optional<EvalPoint> find(const std::string& checkpoint_sha256, const std::string& protocol_sha256) const;
  // Inserts or replaces the point of this key (BEGIN IMMEDIATE).
  void store(const std::string& checkpoint_sha256, const std::string& protocol_sha256,
             const std::string& checkpoint_path, const std::string& protocol_json, const EvalPoint& point);
  // Number of cached points (all keys).
  int64_t size() const;

 private:
  ExperimentDb& db_;
};

}  // namespace warp
