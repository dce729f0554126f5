#pragma once
// The link between a training process and the experiment database: it creates (or, on resume,
// re-claims) the run row, buffers metrics and writes them in batches together with a heartbeat,
// registers checkpoints with their SHA-256, and records how the run ended. Shared by every kind of
// run (sft, rm, train) so they behave the same for anyone watching the database.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "db/experiment_db.h"

namespace warp {

class RunLog {
 public:
  // Opens the database and creates the run (status running, this process). With resume, an
  // existing run of that name is claimed instead, atomically (ExperimentDb::claim_run: BadInput when
  // it does not exist, is of another kind, has finished or is held by a live process, naming it).
  // Without resume, an existing name is BadInput.
  RunLog(const std::string& db_path, const RunSpec& spec, bool resume);

  int64_t run_id() const { return run_id_; }
  ExperimentDb& db() { return db_; }

  // Buffered; written by flush() (or by tick() once a second).
  void metric(int64_t step, const std::string& key, double value);
  // Writes buffered metrics when at least flush_seconds passed since the last write; heartbeat.
  void tick(double flush_seconds = 1.0);
  // Writes buffered metrics and a heartbeat now.
  void flush();
  // Registers a checkpoint file written by this run (hashes it; a path inside the experiment
  // folder is recorded relative to it). Returns its id.
  int64_t add_checkpoint(const std::string& path, int64_t step, const std::string& kind,
                         const std::string& meta_json = "{}");
  // Deletes the run's metric rows of steps after `step` (-1: all of them). A resumed run calls it
  // with the step of the state it continues from: rows logged after that state by the process that
  // died are logged again, so every step is present exactly once.
  void drop_metrics_after(int64_t step);
  // Flushes and sets the final status (finished, failed, diverged, killed) with a message.
  void finish(RunStatus status, const std::string& message = "");

 private:
  ExperimentDb db_;
  int64_t run_id_ = 0;
  std::vector<MetricRow> pending_;
  std::chrono::steady_clock::time_point last_flush_;
};

}  // namespace warp
