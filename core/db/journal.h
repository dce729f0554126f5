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
//          {"t":"metrics","run":R,"rows":[[step,key,value,wall_time],...]}  value null = NaN
//          {"t":"heartbeat","run":R,"at":unix s,"host":H,"pid":P}
//          {"t":"status","run":R,"status":"running"|"finished"|...,"message":M,"at":unix s}
//          {"t":"drop_after","run":R,"step":S}   delete R's metric rows of steps after S (a resume)
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
std::vector<JournalRecord> read_journal(const std::string& path, int64_t offset, int64_t next_seq,
                                        size_t max_records, std::string* corruption = nullptr);

// The line of a record (with its newline).
std::string journal_line(int64_t seq, const nlohmann::json& body);

// Appends records to one journal; one writer per journal at a time (the process running the run).
class JournalWriter {
 public:
  // Opens (creating it and its folder) the journal: a torn last line is cut off; seq continues
  // after the last complete record. Error naming the file when it cannot be opened or is corrupt.
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

}  // namespace warp
