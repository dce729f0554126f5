#include "db/journal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <limits>
#include <map>

#include "db/liveness.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/sha256.h"

namespace warp {

namespace {

std::string check_of(const std::string& seq_and_json) {
  return sha256_hex(seq_and_json.data(), seq_and_json.size()).substr(0, 8);
}

std::string file_name_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

[[noreturn]] void corrupt(const std::string& path, int64_t offset, int64_t seq, const std::string& what) {
  throw Error(file_message(path, "corrupt journal record at byte " + std::to_string(offset) + " (seq " +
                                     std::to_string(seq) + " expected): " + what));
}

// One complete line (without its newline) → record; Error when corrupt.
JournalRecord parse_line(const std::string& path, const std::string& line, int64_t offset, int64_t expect_seq) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos || sp1 == 0 || sp1 > 18 || sp2 != sp1 + 9)
    corrupt(path, offset, expect_seq, "not '<seq> <check> <json>'");
  const std::string seq_text = line.substr(0, sp1);
  if (seq_text.find_first_not_of("0123456789") != std::string::npos)
    corrupt(path, offset, expect_seq, "bad seq '" + seq_text + "'");
  const std::string json_text = line.substr(sp2 + 1);
  if (check_of(seq_text + " " + json_text) != line.substr(sp1 + 1, 8))
    corrupt(path, offset, expect_seq, "check mismatch");
  JournalRecord r;
  r.seq = std::stoll(seq_text);
  r.body = nlohmann::json::parse(json_text, nullptr, false);
  if (r.body.is_discarded() || !r.body.is_object()) corrupt(path, offset, expect_seq, "not a JSON object");
  // A compacted journal starts with its base record, which carries the seq of the last record it
  // stands for (compact_journal): at byte 0 it may have any seq, the next ones follow it.
  const bool base = offset == 0 && r.body.value("t", std::string()) == "compacted";
  if (r.seq != expect_seq && !base) corrupt(path, offset, expect_seq, "seq " + seq_text + " out of order");
  return r;
}

}  // namespace

std::string journal_line(int64_t seq, const nlohmann::json& body) {
  const std::string json = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string head = std::to_string(seq) + " " + json;
  return std::to_string(seq) + " " + check_of(head) + " " + json + "\n";
}

std::vector<JournalRecord> read_journal(const std::string& path, int64_t offset, int64_t next_seq, size_t max_records,
                                        std::string* corruption) {
  std::vector<JournalRecord> out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return out;
    throw Error(file_message(path, std::string("cannot open the journal: ") + std::strerror(errno)));
  }
  std::string pending;  // bytes of the line being read
  int64_t line_start = offset;
  int64_t pos = offset;
  char buf[1 << 16];
  while (out.size() < max_records) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(pos));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      throw Error(file_message(path, std::string("cannot read the journal: ") + std::strerror(err)));
    }
    if (n == 0) break;  // the end; what is pending is a torn (incomplete) line: not read
    size_t from = 0;
    for (size_t i = 0; i < static_cast<size_t>(n) && out.size() < max_records; ++i) {
      if (buf[i] != '\n') continue;
      pending.append(buf + from, i - from);
      from = i + 1;
      try {
        JournalRecord r = parse_line(path, pending, line_start, next_seq);
        r.end_offset = pos + static_cast<int64_t>(i) + 1;
        out.push_back(std::move(r));
      } catch (const Error& e) {
        ::close(fd);
        if (!corruption) throw;
        *corruption = e.what();
        return out;
      }
      next_seq = out.back().seq + 1;
      line_start = pos + static_cast<int64_t>(i) + 1;
      pending.clear();
    }
    if (out.size() >= max_records) break;
    pending.append(buf + from, static_cast<size_t>(n) - from);
    pos += n;
  }
  ::close(fd);
  return out;
}

// ---------------------------------------------------------------- writer

JournalWriter::JournalWriter(std::string path) : path_(std::move(path)) {
  make_dirs(parent_dir(path_));
  // One writer at a time: the lock lives as long as this descriptor (or its process). An importer
  // compacting the journal (compact_journal) holds it for a moment and then replaces the file: the
  // lock is tried for up to kJournalLockWaitSeconds, and a file replaced meanwhile is opened again.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::duration<double>(kJournalLockWaitSeconds);
  for (;;) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error(file_message(path_, std::string("cannot open the journal: ") + std::strerror(errno)));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd_);
      fd_ = -1;
      if (err == EINTR) continue;
      if (err != EWOULDBLOCK)
        throw Error(file_message(path_, std::string("cannot lock the journal: ") + std::strerror(err)));
      if (std::chrono::steady_clock::now() >= give_up)
        throw BadInput(file_message(path_,
                                    "another process is writing this journal (its lock is held): one writer "
                                    "per run; is the run still going (another job, a requeued task)?"));
      ::usleep(10000);
      continue;
    }
    struct stat held {
    }, now{};
    if (::fstat(fd_, &held) == 0 && ::stat(path_.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
        held.st_dev == now.st_dev)
      break;
    ::close(fd_);  // compacted (replaced) between open and flock: the lock is on the old file
    fd_ = -1;
  }
  // The complete records; whatever follows the last newline is a torn line of a killed writer.
  int64_t end = 0;
  struct CloseOnThrow {
    int& fd;
    bool armed = true;
    ~CloseOnThrow() {
      if (armed && fd >= 0) ::close(fd);
    }
  } guard{fd_};
  for (;;) {
    const auto recs = read_journal(path_, end, seq_ + 1, 100000);
    if (recs.empty()) break;
    seq_ = recs.back().seq;
    end = recs.back().end_offset;
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0)
    throw Error(file_message(path_, std::string("cannot stat the journal: ") + std::strerror(errno)));
  if (st.st_size > end) {
    if (::ftruncate(fd_, static_cast<off_t>(end)) != 0)
      throw Error(
          file_message(path_, std::string("cannot cut off the journal's torn last line: ") + std::strerror(errno)));
    ::fdatasync(fd_);
  }
  if (::lseek(fd_, 0, SEEK_END) < 0)
    throw Error(file_message(path_, std::string("cannot seek: ") + std::strerror(errno)));
  guard.armed = false;
}

JournalWriter::~JournalWriter() {
  if (fd_ >= 0) ::close(fd_);
}

int64_t JournalWriter::append(const nlohmann::json& body) {
  const std::string line = journal_line(seq_ + 1, body);
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(file_message(path_, std::string("cannot append to the journal: ") + std::strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  return ++seq_;
}

void JournalWriter::sync() {
  if (::fdatasync(fd_) != 0)
    throw Error(file_message(path_, std::string("cannot sync the journal: ") + std::strerror(errno)));
}

// ---------------------------------------------------------------- importer

namespace {

struct Applier {
  Database& db;
  const std::string& path;
  std::map<std::string, int64_t> runs;
  std::map<std::string, int64_t> keys;
  int64_t metric_rows = 0;

  [[noreturn]] void bad(const JournalRecord& r, const std::string& what) const {
    throw BadInput(file_message(path, "record " + std::to_string(r.seq) + ": " + what));
  }

  int64_t run_id(const JournalRecord& r) {
    if (!r.body.contains("run") || !r.body.at("run").is_string()) bad(r, "no run name");
    const std::string name = r.body.at("run").get<std::string>();
    auto it = runs.find(name);
    if (it != runs.end()) return it->second;
    Statement s(db, "SELECT id FROM runs WHERE name = ?1");
    s.bind(1, name);
    if (!s.step()) bad(r, "names run '" + name + "', which " + db.path() + " does not have");
    return runs[name] = s.column_int64(0);
  }

  int64_t key_id(const std::string& key) {
    auto it = keys.find(key);
    if (it != keys.end()) return it->second;
    Statement ins(db, "INSERT OR IGNORE INTO metric_keys(key) VALUES (?1)");
    ins.bind(1, key).run();
    Statement s(db, "SELECT id FROM metric_keys WHERE key = ?1");
    s.bind(1, key);
    s.step();
    return keys[key] = s.column_int64(0);
  }

  static double number(const nlohmann::json& j) { return j.is_number() ? j.get<double>() : NAN; }

  // A metric value: a number, "nan", "inf" or "-inf" (JournalRunLog::metric), or null (NaN; journals
  // written before non-finite values were spelled out). nullopt for anything else.
  static std::optional<double> metric_value(const nlohmann::json& j) {
    if (j.is_number()) return j.get<double>();
    if (j.is_null()) return std::numeric_limits<double>::quiet_NaN();
    if (j.is_string()) {
      const std::string& t = j.get_ref<const std::string&>();
      if (t == "nan") return std::numeric_limits<double>::quiet_NaN();
      if (t == "inf") return std::numeric_limits<double>::infinity();
      if (t == "-inf") return -std::numeric_limits<double>::infinity();
    }
    return std::nullopt;
  }

  static std::string str(const nlohmann::json& b, const char* key) {
    return b.contains(key) && b.at(key).is_string() ? b.at(key).get<std::string>() : std::string();
  }

  // A "create" record: the run's row (status queued until its status record), its init checkpoint.
  void create(const JournalRecord& r) {
    const auto& b = r.body;
    if (!b.contains("run") || !b.at("run").is_string() || b.at("run").get<std::string>().empty()) bad(r, "no run name");
    const std::string name = b.at("run").get<std::string>();
    {
      Statement s(db, "SELECT id FROM runs WHERE name = ?1");
      s.bind(1, name);
      if (s.step()) bad(r, "creates run '" + name + "', which " + db.path() + " has already");
    }
    const std::string kind = str(b, "kind"), config = str(b, "config");
    if (kind.empty()) bad(r, "create without a kind");
    const auto cj = nlohmann::json::parse(config, nullptr, false);
    if (cj.is_discarded() || !cj.is_object()) bad(r, "create: config is not the text of a JSON object");
    std::optional<int64_t> parent, init, iteration;
    if (b.contains("parent") && !b.at("parent").is_null()) {
      if (!b.at("parent").is_string()) bad(r, "create: parent must be a run name");
      Statement s(db, "SELECT id FROM runs WHERE name = ?1");
      s.bind(1, b.at("parent").get<std::string>());
      if (!s.step()) bad(r, "create: parent run '" + b.at("parent").get<std::string>() + "' is not in " + db.path());
      parent = s.column_int64(0);
    }
    if (b.contains("iteration") && !b.at("iteration").is_null()) {
      if (!b.at("iteration").is_number_integer()) bad(r, "create: iteration must be an integer");
      iteration = b.at("iteration").get<int64_t>();
    }
    const double at = number(b.value("at", nlohmann::json(static_cast<double>(std::time(nullptr)))));
    const std::string sha = str(b, "init_sha256");
    if (!sha.empty()) {
      if (sha.size() != 64 || sha.find_first_not_of("0123456789abcdef") != std::string::npos)
        bad(r, "create: init_sha256 is not 64 lower-case hex digits");
      Statement s(db, "SELECT id FROM checkpoints WHERE sha256 = ?1 ORDER BY id LIMIT 1");
      s.bind(1, sha);
      if (s.step()) {
        init = s.column_int64(0);
      } else {
        if (str(b, "init_path").empty()) bad(r, "create: init_sha256 without init_path");
        Statement ins(db,
                      "INSERT INTO checkpoints(run_id, path, step, sha256, kind, created_at, meta_json) "
                      "VALUES (NULL, ?1, 0, ?2, 'import', ?3, '{}')");
        ins.bind(1, str(b, "init_path")).bind(2, sha).bind(3, at).run();
        init = db.last_insert_rowid();
      }
    }
    Statement ins(db,
                  "INSERT INTO runs(name, kind, status, config_json, host, proc_start, created_at, parent_run_id, "
                  "init_checkpoint_id, iteration) VALUES (?1, ?2, 'queued', ?3, '', '', ?4, ?5, ?6, ?7)");
    ins.bind(1, name).bind(2, kind).bind(3, config).bind(4, at).bind(5, parent).bind(6, init).bind(7, iteration).run();
    runs[name] = db.last_insert_rowid();
  }

  void apply(const JournalRecord& r) {
    const auto& b = r.body;
    const std::string type = b.contains("t") && b.at("t").is_string() ? b.at("t").get<std::string>() : "";
    if (type == "create") return create(r);
    const int64_t run = run_id(r);
    if (type == "metrics") {
      if (!b.contains("rows") || !b.at("rows").is_array()) bad(r, "metrics without rows");
      Statement ins(db, "INSERT INTO metrics(run_id, step, key_id, value, wall_time) VALUES (?1, ?2, ?3, ?4, ?5)");
      for (const auto& row : b.at("rows")) {
        if (!row.is_array() || row.size() != 4 || !row[0].is_number_integer() || !row[1].is_string() ||
            row[1].get<std::string>().empty() || !metric_value(row[2]) || !row[3].is_number())
          bad(r,
              "a metric row is not [step, key, value, wall_time] (value a number, \"nan\", \"inf\", \"-inf\" or "
              "null): " +
                  row.dump());
        ins.bind(1, run).bind(2, row[0].get<int64_t>()).bind(3, key_id(row[1].get<std::string>()));
        // As ExperimentDb::append_metrics: NaN is stored as NULL (SQLite would too), ±inf as they are.
        const double v = *metric_value(row[2]);
        if (std::isnan(v)) ins.bind(4, nullptr);
        else ins.bind(4, v);
        ins.bind(5, row[3].get<double>());
        ins.run();
        ins.reset();
        ++metric_rows;
      }
    } else if (type == "heartbeat") {
      // As ExperimentDb::heartbeat: a run a liveness check marked crashed comes back to running.
      Statement s(db,
                  "UPDATE runs SET heartbeat_at = ?1, host = ?2, pid = ?3, proc_start = ?4, "
                  "message = CASE WHEN status = 'crashed' THEN '' ELSE message END, "
                  "ended_at = CASE WHEN status = 'crashed' THEN NULL ELSE ended_at END, "
                  "status = CASE WHEN status = 'crashed' THEN 'running' ELSE status END WHERE id = ?5");
      s.bind(1, number(b.value("at", nlohmann::json(static_cast<double>(std::time(nullptr))))))
          .bind(2, b.value("host", std::string()))
          .bind(3, b.value("pid", int64_t{0}))
          .bind(4, str(b, "identity"))
          .bind(5, run)
          .run();
    } else if (type == "checkpoint") {
      const std::string path = str(b, "path"), kind = str(b, "kind"), sha = str(b, "sha256");
      if (path.empty() || kind.empty()) bad(r, "checkpoint without a path or kind");
      if (sha.size() != 64 || sha.find_first_not_of("0123456789abcdef") != std::string::npos)
        bad(r, "checkpoint: sha256 is not 64 lower-case hex digits");
      const std::string meta = b.contains("meta") && b.at("meta").is_string() ? b.at("meta").get<std::string>() : "{}";
      if (nlohmann::json::parse(meta, nullptr, false).is_discarded()) bad(r, "checkpoint: meta is not JSON text");
      Statement s(db,
                  "INSERT INTO checkpoints(run_id, path, step, sha256, kind, created_at, meta_json) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
      s.bind(1, run).bind(2, path);
      s.bind(3, b.contains("step") && b.at("step").is_number_integer() ? b.at("step").get<int64_t>() : int64_t{0});
      s.bind(4, sha).bind(5, kind).bind(6,
                                        number(b.value("at", nlohmann::json(static_cast<double>(std::time(nullptr))))));
      s.bind(7, meta).run();
    } else if (type == "eval_values") {
      if (!b.contains("step") || !b.at("step").is_number_integer() || !b.contains("values") ||
          !b.at("values").is_object())
        bad(r, "eval_values without an integer step and a values object");
      Statement s(db, "INSERT OR REPLACE INTO eval_values(run_id, step, values_json) VALUES (?1, ?2, ?3)");
      s.bind(1, run).bind(2, b.at("step").get<int64_t>()).bind(3, b.at("values").dump()).run();
    } else if (type == "status") {
      RunStatus st;
      try {
        st = parse_run_status(b.value("status", std::string()));
      } catch (const std::exception& e) {
        bad(r, e.what());
      }
      const double at = number(b.value("at", nlohmann::json(static_cast<double>(std::time(nullptr)))));
      Statement s(db,
                  "UPDATE runs SET status = ?1, message = ?2, ended_at = ?3, "
                  "started_at = COALESCE(started_at, ?4) WHERE id = ?5");
      s.bind(1, std::string(to_string(st))).bind(2, b.value("message", std::string()));
      if (is_terminal(st)) s.bind(3, at);
      else s.bind(3, nullptr);
      s.bind(4, at).bind(5, run).run();
    } else if (type == "drop_after") {
      if (!b.contains("step") || !b.at("step").is_number_integer()) bad(r, "drop_after without an integer step");
      Statement s(db, "DELETE FROM metrics WHERE run_id = ?1 AND step > ?2");
      s.bind(1, run).bind(2, b.at("step").get<int64_t>()).run();
    } else {
      bad(r, "unknown record type '" + type + "' (written by a newer program?)");
    }
  }
};

}  // namespace

JournalImport import_journal(ExperimentDb& edb, const std::string& path, size_t batch_records) {
  if (batch_records == 0) batch_records = 1;
  Database& db = edb.database();
  const std::string key = file_name_of(path);
  JournalImport total;
  for (;;) {
    Transaction txn(db, TxnMode::Immediate);
    // Where the last committed import stopped, read under the write lock.
    int64_t offset = 0, seq = 0;
    {
      Statement s(db, "SELECT byte_offset, seq FROM journal_imports WHERE journal = ?1");
      s.bind(1, key);
      if (s.step()) {
        offset = s.column_int64(0);
        seq = s.column_int64(1);
      }
    }
    total.seq = seq;
    // A journal compacted by an importer killed before it recorded the new offset (compact_journal
    // renames, then commits): its base record stands for exactly the records imported.
    bool moved = false;
    if (offset > 0) {
      const auto first = read_journal(path, 0, 1, 1);
      if (!first.empty() && first[0].body.value("t", std::string()) == "compacted" && first[0].seq == seq &&
          first[0].end_offset != offset) {
        offset = first[0].end_offset;
        Statement up(db, "UPDATE journal_imports SET byte_offset = ?1 WHERE journal = ?2");
        up.bind(1, offset).bind(2, key).run();
        moved = true;
      }
    }
    std::string corruption;
    auto records = read_journal(path, offset, seq + 1, batch_records, &corruption);
    if (records.empty() && moved) txn.commit();
    if (offset == 0 && !records.empty() && records[0].body.value("t", std::string()) == "compacted") {
      if (records[0].seq != seq || seq == 0)
        throw Error(file_message(path, "the journal was compacted through record " + std::to_string(records[0].seq) +
                                           " but " + edb.path() + " has imported it only to record " +
                                           std::to_string(seq) +
                                           ": records are missing (a database older than the "
                                           "journal?)"));
      offset = records[0].end_offset;  // what it stands for is imported: nothing to apply
      Statement up(db, "UPDATE journal_imports SET byte_offset = ?1 WHERE journal = ?2");
      up.bind(1, offset).bind(2, key).run();
      records.erase(records.begin());
      if (records.empty()) {
        txn.commit();
        if (!corruption.empty()) throw Error(corruption);
        continue;
      }
    }
    if (records.empty()) {
      if (!corruption.empty()) throw Error(corruption);
      return total;
    }
    Applier a{db, path, {}, {}, 0};
    for (const auto& r : records) a.apply(r);
    Statement up(db,
                 "INSERT INTO journal_imports(journal, byte_offset, seq, updated_at) VALUES (?1, ?2, ?3, ?4) "
                 "ON CONFLICT(journal) DO UPDATE SET byte_offset = excluded.byte_offset, seq = excluded.seq, "
                 "updated_at = excluded.updated_at");
    up.bind(1, key)
        .bind(2, records.back().end_offset)
        .bind(3, records.back().seq)
        .bind(4, static_cast<double>(std::time(nullptr)))
        .run();
    txn.commit();
    total.records += static_cast<int64_t>(records.size());
    total.metric_rows += a.metric_rows;
    total.seq = records.back().seq;
    if (!corruption.empty()) throw Error(corruption);  // what came before it is imported
    if (records.size() < batch_records) return total;
  }
}

namespace {

// The journal files (*.wj) of dir by name, sorted; none when dir does not exist.
std::vector<std::string> journal_file_names(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return names;
  while (const dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n.size() > 3 && n.compare(n.size() - 3, 3, ".wj") == 0) names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

JournalImport import_journals(ExperimentDb& db, const std::string& dir, size_t batch_records) {
  JournalImport total;
  for (const auto& n : journal_file_names(dir)) {
    const JournalImport one = import_journal(db, dir + "/" + n, batch_records);
    total.records += one.records;
    total.metric_rows += one.metric_rows;
  }
  return total;
}

// ---------------------------------------------------------------- a run's own view, its writer

JournalRunView read_journal_run(const std::string& path) {
  JournalRunView v;
  int64_t offset = 0, seq = 0;
  for (;;) {
    const auto recs = read_journal(path, offset, seq + 1, 10000);
    if (recs.empty()) return v;
    for (const auto& r : recs) {
      v.has_records = true;
      const auto& b = r.body;
      const std::string t = b.value("t", std::string());
      if (v.run.empty()) v.run = b.value("run", std::string());
      if (t == "compacted") {  // the base of a compacted journal: what the records before it said
        v.created = b.value("created", false);
        v.kind = b.value("kind", std::string());
        v.config_json = b.value("config", std::string());
        v.status.reset();
        if (b.contains("status") && b.at("status").is_string()) {
          try {
            v.status = parse_run_status(b.at("status").get<std::string>());
          } catch (const std::exception& e) {
            throw BadInput(file_message(path, "record " + std::to_string(r.seq) + ": " + e.what()));
          }
        }
        v.message = b.value("message", std::string());
      } else if (t == "create") {
        v.created = true;
        v.kind = b.value("kind", std::string());
        v.config_json = b.value("config", std::string());
      } else if (t == "status") {
        try {
          v.status = parse_run_status(b.value("status", std::string()));
        } catch (const std::exception& e) {
          throw BadInput(file_message(path, "record " + std::to_string(r.seq) + ": " + e.what()));
        }
        v.message = b.value("message", std::string());
      }
    }
    offset = recs.back().end_offset;
    seq = recs.back().seq;
  }
}

bool compact_journal(ExperimentDb& edb, const std::string& path, int64_t min_bytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || st.st_size < min_bytes) return false;
  // No writer: the lock of the one that writes the run (JournalWriter), taken without waiting.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) return false;
  struct stat held {};
  if (::fstat(fd, &held) != 0 || ::stat(path.c_str(), &st) != 0 || held.st_ino != st.st_ino || held.st_dev != st.st_dev)
    return false;  // replaced meanwhile (another importer compacted it)
  import_journal(edb, path);
  Database& db = edb.database();
  Transaction txn(db, TxnMode::Immediate);
  int64_t offset = 0, seq = 0;
  {
    Statement s(db, "SELECT byte_offset, seq FROM journal_imports WHERE journal = ?1");
    s.bind(1, file_name_of(path));
    if (!s.step()) return false;
    offset = s.column_int64(0);
    seq = s.column_int64(1);
  }
  if (::fstat(fd, &held) != 0 || seq <= 0 || held.st_size != offset) return false;  // a torn tail, or not all imported
  const auto first = read_journal(path, 0, 1, 1);
  if (first.empty() || (first[0].body.value("t", std::string()) == "compacted" && first[0].end_offset == offset))
    return false;  // only its base: nothing to compact
  const JournalRunView view = read_journal_run(path);
  nlohmann::json base = {
      {"t", "compacted"},           {"run", view.run},   {"created", view.created}, {"kind", view.kind},
      {"config", view.config_json}, {"status", nullptr}, {"message", view.message}};
  if (view.status) base["status"] = to_string(*view.status);
  const std::string line = journal_line(seq, base);
  // The base replaces the file atomically (a temporary file, fsynced, renamed, the folder fsynced);
  // the new offset commits after the rename. Killed in between, the next import sees the base with
  // the seq it has imported and takes the offset from it.
  const std::string tmp = path + ".compact-tmp";
  {
    const int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0)
      throw Error(file_message(tmp, std::string("cannot write the compacted journal: ") + std::strerror(errno)));
    const bool ok = ::write(out, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(out) == 0;
    ::close(out);
    if (!ok) {
      ::unlink(tmp.c_str());
      throw Error(file_message(tmp, "cannot write the compacted journal"));
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw Error(
        file_message(path, std::string("cannot replace the journal by its compacted form: ") + std::strerror(err)));
  }
  if (const int dfd = ::open(parent_dir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  Statement up(db, "UPDATE journal_imports SET byte_offset = ?1, updated_at = ?2 WHERE journal = ?3");
  up.bind(1, static_cast<int64_t>(line.size()))
      .bind(2, static_cast<double>(std::time(nullptr)))
      .bind(3, file_name_of(path))
      .run();
  txn.commit();
  return true;
}

int64_t compact_journals(ExperimentDb& db, const std::string& dir, int64_t min_bytes) {
  int64_t n = 0;
  for (const auto& name : journal_file_names(dir)) n += compact_journal(db, dir + "/" + name, min_bytes) ? 1 : 0;
  return n;
}

std::vector<std::string> journals_with_news(ExperimentDb& db, const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& name : journal_file_names(dir)) {
    struct stat st {};
    if (::stat((dir + "/" + name).c_str(), &st) != 0) continue;
    Statement s(db.database(), "SELECT byte_offset FROM journal_imports WHERE journal = ?1");
    s.bind(1, name);
    const int64_t offset = s.step() ? s.column_int64(0) : 0;
    if (st.st_size != offset) out.push_back(dir + "/" + name);
  }
  return out;
}

std::string journal_path_for(const std::string& exp_dir, const std::string& name) {
  return exp_dir + "/journals/" + name + ".wj";
}

namespace {

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double wall_now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

}  // namespace

JournalRunLog::JournalRunLog(const std::string& exp_dir, const JournalRunSpec& spec, bool resume)
    : exp_dir_(exp_dir),
      name_(spec.name),
      writer_(journal_path_for(exp_dir, spec.name)),
      last_flush_(steady_seconds()) {
  // Decided under the journal's lock: of two writers of the run only this one gets here.
  const JournalRunView view = read_journal_run(writer_.path());
  if (!resume && view.has_records)
    throw BadInput(file_message(writer_.path(), "run '" + spec.name +
                                                    "' has a journal already: use --resume to "
                                                    "continue it or choose another --name"));
  if (resume && view.status == RunStatus::Finished)
    throw BadInput("cannot resume run '" + spec.name + "': it has already finished (" + writer_.path() + ")");
  if (!resume) {
    nlohmann::json c = {
        {"t", "create"},     {"run", spec.name},     {"kind", spec.kind},           {"config", spec.config_json},
        {"parent", nullptr}, {"iteration", nullptr}, {"init_path", spec.init_path}, {"init_sha256", spec.init_sha256},
        {"at", wall_now()}};
    if (spec.parent) c["parent"] = *spec.parent;
    if (spec.iteration) c["iteration"] = *spec.iteration;
    writer_.append(c);
  }
  writer_.append({{"t", "status"},
                  {"run", name_},
                  {"status", "running"},
                  {"message", resume ? "resumed" : ""},
                  {"at", wall_now()}});
  heartbeat();
  writer_.sync();
}

void JournalRunLog::heartbeat() {
  writer_.append({{"t", "heartbeat"},
                  {"run", name_},
                  {"at", wall_now()},
                  {"host", this_host()},
                  {"pid", static_cast<int64_t>(::getpid())},
                  {"identity", process_start_token(::getpid())}});
}

void JournalRunLog::metric(int64_t step, const std::string& key, double value) {
  // JSON has no NaN or infinities: they are spelled as strings, read back to the same values.
  nlohmann::json v = std::isfinite(value) ? nlohmann::json(value)
                     : std::isnan(value)  ? nlohmann::json("nan")
                     : value > 0          ? nlohmann::json("inf")
                                          : nlohmann::json("-inf");
  pending_.push_back(nlohmann::json::array({step, key, v, wall_now()}));
}

void JournalRunLog::tick(double flush_seconds) {
  if (steady_seconds() - last_flush_ >= flush_seconds) flush();
}

void JournalRunLog::flush() {
  if (!pending_.empty()) {
    writer_.append({{"t", "metrics"}, {"run", name_}, {"rows", pending_}});
    pending_ = nlohmann::json::array();
  }
  heartbeat();
  writer_.sync();
  last_flush_ = steady_seconds();
}

void JournalRunLog::add_checkpoint(const std::string& path, int64_t step, const std::string& kind,
                                   const std::string& meta_json) {
  const std::string root = exp_dir_ + "/";
  writer_.append({{"t", "checkpoint"},
                  {"run", name_},
                  {"path", path.rfind(root, 0) == 0 ? path.substr(root.size()) : path},
                  {"step", step},
                  {"sha256", sha256_file(path)},
                  {"kind", kind},
                  {"meta", meta_json},
                  {"at", wall_now()}});
  writer_.sync();
}

void JournalRunLog::drop_metrics_after(int64_t step) {
  writer_.append({{"t", "drop_after"}, {"run", name_}, {"step", step}});
  writer_.sync();
}

void JournalRunLog::eval_values(int64_t step, const nlohmann::json& values) {
  writer_.append({{"t", "eval_values"}, {"run", name_}, {"step", step}, {"values", values}});
}

void JournalRunLog::finish(RunStatus status, const std::string& message) {
  std::string text = message;
  try {
    flush();
  } catch (const std::exception& e) {
    if (status == RunStatus::Finished) throw;
    text += (text.empty() ? "" : "; ") + std::to_string(pending_.size()) +
            " buffered metric rows could not be written (" + e.what() + ")";
    pending_ = nlohmann::json::array();
  }
  writer_.append(
      {{"t", "status"}, {"run", name_}, {"status", to_string(status)}, {"message", text}, {"at", wall_now()}});
  writer_.sync();
}

}  // namespace warp
