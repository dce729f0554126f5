#include "db/journal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <map>

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
  if (seq_text.find_first_not_of("0123456789") != std::string::npos) corrupt(path, offset, expect_seq, "bad seq '" + seq_text + "'");
  const std::string json_text = line.substr(sp2 + 1);
  if (check_of(seq_text + " " + json_text) != line.substr(sp1 + 1, 8)) corrupt(path, offset, expect_seq, "check mismatch");
  JournalRecord r;
  r.seq = std::stoll(seq_text);
  if (r.seq != expect_seq) corrupt(path, offset, expect_seq, "seq " + seq_text + " out of order");
  r.body = nlohmann::json::parse(json_text, nullptr, false);
  if (r.body.is_discarded() || !r.body.is_object()) corrupt(path, offset, expect_seq, "not a JSON object");
  return r;
}

}  // namespace

std::string journal_line(int64_t seq, const nlohmann::json& body) {
  const std::string json = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string head = std::to_string(seq) + " " + json;
  return std::to_string(seq) + " " + check_of(head) + " " + json + "\n";
}

std::vector<JournalRecord> read_journal(const std::string& path, int64_t offset, int64_t next_seq,
                                        size_t max_records, std::string* corruption) {
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
      ++next_seq;
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
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(file_message(path_, std::string("cannot open the journal: ") + std::strerror(errno)));
  // The complete records; whatever follows the last newline is a torn line of a killed writer.
  int64_t end = 0;
  for (;;) {
    const auto recs = read_journal(path_, end, seq_ + 1, 100000);
    if (recs.empty()) break;
    seq_ = recs.back().seq;
    end = recs.back().end_offset;
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) throw Error(file_message(path_, std::string("cannot stat the journal: ") + std::strerror(errno)));
  if (st.st_size > end) {
    if (::ftruncate(fd_, static_cast<off_t>(end)) != 0)
      throw Error(file_message(path_, std::string("cannot cut off the journal's torn last line: ") + std::strerror(errno)));
    ::fdatasync(fd_);
  }
  if (::lseek(fd_, 0, SEEK_END) < 0) throw Error(file_message(path_, std::string("cannot seek: ") + std::strerror(errno)));
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
  if (::fdatasync(fd_) != 0) throw Error(file_message(path_, std::string("cannot sync the journal: ") + std::strerror(errno)));
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

  void apply(const JournalRecord& r) {
    const auto& b = r.body;
    const std::string type = b.contains("t") && b.at("t").is_string() ? b.at("t").get<std::string>() : "";
    const int64_t run = run_id(r);
    if (type == "metrics") {
      if (!b.contains("rows") || !b.at("rows").is_array()) bad(r, "metrics without rows");
      Statement ins(db, "INSERT INTO metrics(run_id, step, key_id, value, wall_time) VALUES (?1, ?2, ?3, ?4, ?5)");
      for (const auto& row : b.at("rows")) {
        if (!row.is_array() || row.size() != 4 || !row[0].is_number_integer() || !row[1].is_string() ||
            row[1].get<std::string>().empty() || !(row[2].is_number() || row[2].is_null()) || !row[3].is_number())
          bad(r, "a metric row is not [step, key, value, wall_time]: " + row.dump());
        ins.bind(1, run).bind(2, row[0].get<int64_t>()).bind(3, key_id(row[1].get<std::string>()));
        ins.bind(4, number(row[2])).bind(5, row[3].get<double>());
        ins.run();
        ins.reset();
        ++metric_rows;
      }
    } else if (type == "heartbeat") {
      Statement s(db, "UPDATE runs SET heartbeat_at = ?1, host = ?2, pid = ?3 WHERE id = ?4");
      s.bind(1, number(b.value("at", nlohmann::json(static_cast<double>(std::time(nullptr))))))
          .bind(2, b.value("host", std::string()))
          .bind(3, b.value("pid", int64_t{0}))
          .bind(4, run)
          .run();
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
    std::string corruption;
    const auto records = read_journal(path, offset, seq + 1, batch_records, &corruption);
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

JournalImport import_journals(ExperimentDb& db, const std::string& dir, size_t batch_records) {
  JournalImport total;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return total;
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n.size() > 3 && n.compare(n.size() - 3, 3, ".wj") == 0) names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    const JournalImport one = import_journal(db, dir + "/" + n, batch_records);
    total.records += one.records;
    total.metric_rows += one.metric_rows;
  }
  return total;
}

}  // namespace warp
