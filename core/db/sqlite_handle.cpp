#include "db/sqlite_handle.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <thread>

#include "util/error.h"
#include "util/fsutil.h"

namespace warp {

std::string short_sql(std::string_view sql, size_t max_chars) {
  std::string out;
  bool space = false;
  for (char c : sql) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Database

Database::Database(std::string path, OpenMode mode, int busy_timeout_ms) : path_(std::move(path)), mode_(mode) {
  if (path_.empty()) throw BadInput("database path is empty");
  if (is_directory(path_)) throw BadInput(file_message(path_, "is a folder, expected an experiment database file"));
  if (mode_ == OpenMode::ReadOnly && !is_regular_file(path_))
    throw BadInput(file_message(path_, "no such experiment database"));

  int flags = SQLITE_OPEN_NOMUTEX;
  flags |= mode_ == OpenMode::ReadOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw BadInput(file_message(path_, "cannot open database: " + msg));
  }
  try {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    // A database file may come from someone else: functions used by its schema (views, triggers,
    // defaults) must be innocuous, and SQL cannot corrupt the file on purpose (writable_schema,
    // the page-level tricks defensive mode forbids).
    if (sqlite3_db_config(db_, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr) != SQLITE_OK ||
        sqlite3_db_config(db_, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr) != SQLITE_OK)
      throw Error(file_message(path_, "cannot switch SQLite to defensive mode: " + std::string(sqlite3_errmsg(db_))));
    exec("PRAGMA foreign_keys = ON");
    // Statement journals of multi-row inserts and sorter spills stay in memory (they are as large
    // as one transaction's changes). With temp files, batched metric inserts ran ~1.5x slower here.
    exec("PRAGMA temp_store = MEMORY");
    // Touches the file: a file that is not a database fails here, before anything is written.
    {
      Statement probe(*this, "SELECT count(*) FROM sqlite_master");
      probe.step();
    }
    if (mode_ == OpenMode::ReadWrite) {
      std::string journal = switch_to_wal(busy_timeout_ms);
      if (journal != "wal")
        throw Error(file_message(path_, "cannot switch the database to WAL mode (journal mode is '" + journal + "')"));
      exec("PRAGMA synchronous = NORMAL");
    }
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

std::string Database::switch_to_wal(int busy_timeout_ms) {
  // Leaving the rollback journal takes an exclusive lock, and SQLite answers SQLITE_BUSY at once
  // instead of calling the busy handler (seen when several processes create the same new file).
  // So wait here, up to the busy timeout, backing off from 1 ms to 50 ms.
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(busy_timeout_ms);
  const char* sql = "PRAGMA journal_mode = WAL";
  for (int sleep_ms = 1;; sleep_ms = std::min(2 * sleep_ms, 50)) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr);
    std::string journal;
    if (rc == SQLITE_OK) {
      rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) {
        const unsigned char* text = sqlite3_column_text(stmt, 0);
        journal = text ? reinterpret_cast<const char*>(text) : "";
        rc = SQLITE_OK;
      }
    }
    int code = rc == SQLITE_OK ? rc : sqlite3_extended_errcode(db_);
    sqlite3_finalize(stmt);
    if (rc == SQLITE_OK) return journal;
    int primary = code & 0xff;
    if ((primary != SQLITE_BUSY && primary != SQLITE_LOCKED) || Clock::now() >= deadline)
      fail(code, "cannot switch to WAL mode", sql);
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
  }
}

Database::~Database() {
  // close_v2: never fails; finalizes lazily if a statement outlived the connection.
  if (db_) sqlite3_close_v2(db_);
}

void Database::fail(int rc, std::string_view what, std::string_view sql) const {
  std::string msg = path_ + ": " + std::string(what);
  msg += ": ";
  // The connection's message matches rc only when rc came from it; otherwise use the generic text.
  msg += (db_ && sqlite3_extended_errcode(db_) == rc) ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  if (!sql.empty()) msg += " [SQL: " + short_sql(sql) + "]";
  switch (rc & 0xff) {
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      throw BadInput(msg);
    default:
      throw Error(msg);
  }
}

void Database::exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (err) sqlite3_free(err);
  if (rc != SQLITE_OK) fail(rc, "statement failed", sql);
}

int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Database::changes() const { return sqlite3_changes(db_); }
bool Database::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

// ---------------------------------------------------------------------------------------------
// Statement

Statement::Statement(const Database& db, std::string_view sql, bool persistent) : db_(db), sql_(sql) {
  const char* tail = nullptr;
  unsigned flags = persistent ? SQLITE_PREPARE_PERSISTENT : 0;
  int rc = sqlite3_prepare_v3(db_.handle(), sql_.data(), static_cast<int>(sql_.size()), flags, &stmt_, &tail);
  if (rc != SQLITE_OK) db_.fail(rc, "cannot prepare statement", sql_);
  if (!stmt_) db_.fail(SQLITE_MISUSE, "empty statement", sql_);
  // One statement per Statement: trailing SQL would silently never run.
  for (; tail && *tail; ++tail) {
    if (!std::isspace(static_cast<unsigned char>(*tail)) && *tail != ';') {
      sqlite3_finalize(stmt_);
      stmt_ = nullptr;
      db_.fail(SQLITE_MISUSE, "more than one statement in one prepare", sql_);
    }
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::check_bind(int rc, int index) {
  if (rc != SQLITE_OK) db_.fail(rc, "cannot bind parameter " + std::to_string(index), sql_);
}

Statement& Statement::bind(int index, std::nullptr_t) {
  check_bind(sqlite3_bind_null(stmt_, index), index);
  return *this;
}
Statement& Statement::bind(int index, int value) {
  check_bind(sqlite3_bind_int(stmt_, index, value), index);
  return *this;
}
Statement& Statement::bind(int index, int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, static_cast<sqlite3_int64>(value)), index);
  return *this;
}
Statement& Statement::bind(int index, double value) {
  check_bind(sqlite3_bind_double(stmt_, index, value), index);
  return *this;
}
Statement& Statement::bind(int index, std::string_view text) {
  check_bind(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8), index);
  return *this;
}
Statement& Statement::bind(int index, const char* text) {
  if (!text) return bind(index, nullptr);
  return bind(index, std::string_view(text));
}
Statement& Statement::bind_blob(int index, const void* data, size_t size) {
  // A zero-length blob is a blob, not NULL: sqlite needs a non-null pointer for that.
  static const char kEmpty = 0;
  check_bind(sqlite3_bind_blob64(stmt_, index, size ? data : &kEmpty, size, SQLITE_TRANSIENT), index);
  return *this;
}

int Statement::parameter_index(const char* name) const {
  int index = sqlite3_bind_parameter_index(stmt_, name);
  if (index == 0) db_.fail(SQLITE_RANGE, std::string("no parameter named '") + name + "'", sql_);
  return index;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // The statement-level code (with extended result codes on) names the real cause.
  int code = sqlite3_extended_errcode(db_.handle());
  sqlite3_reset(stmt_);
  db_.fail(code ? code : rc, "statement failed", sql_);
}

void Statement::run() {
  if (step()) {
    sqlite3_reset(stmt_);
    db_.fail(SQLITE_MISUSE, "statement returned rows where none were expected", sql_);
  }
}

void Statement::reset() { sqlite3_reset(stmt_); }  // its return code repeats the last step's, already reported
void Statement::clear_bindings() { sqlite3_clear_bindings(stmt_); }

int Statement::column_count() const { return sqlite3_column_count(stmt_); }
bool Statement::column_is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t Statement::column_int64(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::column_double(int col) const { return sqlite3_column_double(stmt_, col); }

std::string Statement::column_text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

std::vector<uint8_t> Statement::column_blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  if (!p || n <= 0) return {};
  const auto* b = static_cast<const uint8_t*>(p);
  return std::vector<uint8_t>(b, b + n);
}

std::optional<int64_t> Statement::column_opt_int64(int col) const {
  if (column_is_null(col)) return std::nullopt;
  return column_int64(col);
}

std::optional<double> Statement::column_opt_double(int col) const {
  if (column_is_null(col)) return std::nullopt;
  return column_double(col);
}

// ---------------------------------------------------------------------------------------------
// Transaction

Transaction::Transaction(Database& db, TxnMode mode) : db_(db) {
  if (db_.in_transaction()) db_.fail(SQLITE_MISUSE, "nested transaction (a transaction is already open)");
  db_.exec(mode == TxnMode::Immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
  open_ = true;
}

Transaction::~Transaction() {
  if (open_ && db_.in_transaction()) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  if (!open_) db_.fail(SQLITE_MISUSE, "commit of a transaction that is not open");
  db_.exec("COMMIT");  // on failure the transaction stays open and the destructor rolls it back
  open_ = false;
}

void Transaction::rollback() {
  if (!open_) return;
  open_ = false;
  if (db_.in_transaction()) db_.exec("ROLLBACK");
}

}  // namespace warp
