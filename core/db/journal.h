#pragma once
// Worker journals (DESIGN §5 "Scale-out", docs/formats.md "Worker journals"): how a process on
// another host can record a run's metrics, heartbeats and status without ever writing the SQLite
// file (SQLite's WAL and POSIX locks are not safe across hosts on a shared filesystem), and how the
// process on the experiment's host imports them into experiment.db.
//
// A journal is one file per writer, <exp>/journals/<run>.wj, append-only, one record per line:
//
//   <seq> <check> <json>\n
//
//   seq    1, 2, 3, ... (decimal, no gaps: each record is the previous one's seq + 1)
//   check  the first 8 hex digits of SHA-256("<seq> <json>")
//   json   one JSON object on one line, {"t": <type>, "run": <run name>, ...}:
//          {"t":"metrics","run":R,"rows":[[step,key,value,wall_time],...]}  value a number or
//           "nan", "inf", "-inf" (null, from older writers: NaN)
//          {"t":"heartbeat","run":R,"at":unix s,"host":H,"pid":P}
//          {"t":"status","run":R,"status":"running"|"finished"|...,"message":M,"at":unix s}
//          {"t":"drop_after","run":R,"step":S}   delete R's metric rows of steps after S (a resume)
//          {"t":"create","run":R,"kind":K,"config":C,"parent":P,"iteration":I,"init_path":F,
//           "init_sha256":H,"at":unix s}   a new run (status queued; C is the config's JSON text, P
//           the parent run's name or null, I an integer or null; F/H its init checkpoint, registered
//           as kind "import" when the database does not know H)
//          {"t":"checkpoint","run":R,"path":F,"step":S,"sha256":H,"kind":K,"meta":M,"at":unix s}
//          {"t":"eval_values","run":R,"step":S,"values":{...}}   a trajectory point's per-prompt values
//          {"t":"compacted",...}   only at byte 0, any seq: the base of a compacted journal
//           (compact_journal), standing for the records up to its seq
// (heartbeat may carry "identity", the process's start identity of db/liveness.h.)
//
// Only complete lines count: a last line without its newline (a writer killed mid-write) is not
// read, and a writer that opens the journal again cuts it off before appending. A complete line
// whose check or seq is wrong is corruption: the importer stops there with an Error naming the file,
// the byte offset and the seq, and imports nothing past it.
//
// Import (import_journal): in one BEGIN IMMEDIATE transaction per batch, it reads the journal's
// imported offset and seq from journal_imports (schema v7), applies the next complete records and
// stores the new offset and seq, then commits. The rows and the offset commit together, so an
// importer killed at any moment (even -9) and started again imports every record exactly once; two
// importers at once serialize on the write lock and never import a record twice.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/experiment_db.h"

namespace warp {

struct JournalRecord {
  int64_t seq = 0;
  int64_t end_offset = 0;  // byte offset just past this record's newline
  nlohmann::json body;
};

// The complete records of the journal at path from byte `offset` on, expecting the first to have
// seq `next_seq`; at most max_records. A missing file has none. Error naming the file, offset and
// seq for a complete line that is corrupt (bad format, check or seq); with `corruption` given, that
// message goes there instead and the records before the corrupt line are returned.
std::vector<JournalRecord> read_journal(const std::string& path, int64_t offset, int64_t next_seq, size_t max_records,
                                        std::string* corruption = nullptr);

// The line of a record (with its newline).
std::string journal_line(int64_t seq, const nlohmann::json& body);

// Appends records to one journal; one writer per journal at a time (the process running the run),
// enforced with an exclusive flock(2) on the file held while the writer lives (released when the
// process ends, kill -9 included; over NFS Linux maps it to a POSIX lock that other hosts see).
class JournalWriter {
 public:
  // Opens (creating it and its folder) the journal and locks it: a torn last line is cut off; seq
  // continues after the last complete record. BadInput naming the file when another writer (of this
  // or any process) holds it; Error when it cannot be opened or is corrupt.
  explicit JournalWriter(std::string path);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Writes one record (one write(2) of its whole line); returns its seq.
  int64_t append(const nlohmann::json& body);
  // fdatasync: the records appended so far survive a crash of the host.
  void sync();
  int64_t last_seq() const { return seq_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  int64_t seq_ = 0;
};

struct JournalImport {
  int64_t records = 0;      // records applied by this call
  int64_t metric_rows = 0;  // metric rows inserted
  int64_t seq = 0;          // the journal's last imported seq
};

// Imports what is new in the journal at path (its key in journal_imports: the file name) in
// transactions of at most batch_records records, until the last complete record. BadInput naming
// the journal and seq for a record naming an unknown run or of an unknown type, Error for a corrupt
// line; the records before it stay imported.
JournalImport import_journal(ExperimentDb& db, const std::string& path, size_t batch_records = 2000);

// import_journal for every <dir>/*.wj (sorted by name); nothing when dir does not exist.
JournalImport import_journals(ExperimentDb& db, const std::string& dir, size_t batch_records = 2000);

// The journals of <dir>/*.wj whose size differs from the offset imported into db (something to
// import, or a compaction to finish); db may be read-only. None when dir does not exist.
std::vector<std::string> journals_with_news(ExperimentDb& db, const std::string& dir);

// Compaction (docs/formats.md "Compaction"): when no writer holds the journal (its lock is free),
// it is at least min_bytes long and everything in it is imported (no torn tail), the file is
// replaced (temporary file, fsync, rename) by one base record {"t":"compacted","run":R,"created":
// bool,"kind":K,"config":C,"status":S|null,"message":M} whose seq is the last imported record's, and
// journal_imports' offset moves to its end in the same transaction; a writer that opens it later
// continues after that seq. Killed between the rename and the commit, the next import sees the base
// carrying the seq it has imported and takes the offset from it: nothing lost, nothing twice.
// Returns whether it compacted. Imports first.
inline constexpr int64_t kJournalCompactBytes = 1 << 20;
bool compact_journal(ExperimentDb& db, const std::string& path, int64_t min_bytes = kJournalCompactBytes);
// compact_journal for every <dir>/*.wj; how many were compacted.
int64_t compact_journals(ExperimentDb& db, const std::string& dir, int64_t min_bytes = kJournalCompactBytes);

// How long a new writer waits for a journal's lock (held for a moment by a compaction) before it
// says that another process writes the journal.
inline constexpr double kJournalLockWaitSeconds = 2.0;

// What a journal says about its run (a worker reading its own run before the importer has run):
// whether it has records, whether it created the run (and with what), its last status.
struct JournalRunView {
  std::string run;  // the run's name (of its first record)
  bool has_records = false;
  bool created = false;
  std::string kind, config_json;
  std::optional<RunStatus> status;  // of the last status record
  std::string message;
};
// Every complete record of the journal at path (none when missing); Error when corrupt.
JournalRunView read_journal_run(const std::string& path);

// The journal of run `name` in experiment folder exp_dir: <exp_dir>/journals/<name>.wj.
std::string journal_path_for(const std::string& exp_dir, const std::string& name);

// What a new run records in its "create" record.
struct JournalRunSpec {
  std::string name, kind, config_json;
  std::optional<std::string> parent;  // the parent run's name
  std::optional<int64_t> iteration;
  std::string init_path, init_sha256;  // "" when the run has no init checkpoint
};

// RunLog's counterpart for a run recorded in its journal (`warp train --record journal`, the workers
// of the Slurm launcher): the same calls append records instead of writing experiment.db, which it
// never opens. Holds the journal's lock (one writer per run) for its lifetime.
class JournalRunLog {
 public:
  // New run: refused (BadInput) when the journal has records already. Resume: refused when the
  // journal's last status is finished. Then a status "running" record ("started" / "resumed") and
  // a heartbeat. exp_dir: checkpoint paths inside it are recorded relative to it.
  JournalRunLog(const std::string& exp_dir, const JournalRunSpec& spec, bool resume);

  void metric(int64_t step, const std::string& key, double value);
  // Appends buffered metrics when at least flush_seconds passed since the last append; heartbeat.
  void tick(double flush_seconds = 1.0);
  // Appends buffered metrics and a heartbeat, then fdatasync (the records survive a crash).
  void flush();
  // Hashes the file and appends a checkpoint record (path relative to exp_dir when inside it).
  void add_checkpoint(const std::string& path, int64_t step, const std::string& kind,
                      const std::string& meta_json = "{}");
  // A drop_after record (step -1: all of the run's rows).
  void drop_metrics_after(int64_t step);
  void eval_values(int64_t step, const nlohmann::json& values);
  // Flushes, appends the final status and syncs.
  void finish(RunStatus status, const std::string& message = "");
  const std::string& path() const { return writer_.path(); }

 private:
  void heartbeat();
  std::string exp_dir_, name_;
  JournalWriter writer_;
  nlohmann::json pending_ = nlohmann::json::array();
  double last_flush_ = 0;  // steady seconds
};

}  // namespace warp
