#pragma once
// RAII wrappers over the SQLite C API (DESIGN §3, §6): a connection (Database), a prepared statement
// (Statement) and a transaction (Transaction).
//
// Every failure throws warp::Error (warp::BadInput when the file itself is unusable: a folder, not a
// database, corrupt, not writable) whose message names the database file, the statement (shortened)
// and SQLite's own message. Values always travel through bound parameters, never through SQL text.
//
// A Database is one connection for one thread (opened with SQLITE_OPEN_NOMUTEX); statements of a
// connection are used by the same thread.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warp {

enum class OpenMode {
  ReadWrite,  // creates the file when missing; WAL journal, synchronous=NORMAL
  ReadOnly,   // viewers: never writes; works while a writer is active (WAL)
};

class Database {
 public:
  static constexpr int kDefaultBusyTimeoutMs = 10000;

  // Opens (ReadWrite: creates) the database at path. Sets busy_timeout, foreign_keys=ON,
  // temp_store=MEMORY and, for ReadWrite, journal_mode=WAL and synchronous=NORMAL. Reads the schema once, so a file
  // that is not a database fails here (BadInput naming the path), not at first use.
  Database(std::string path, OpenMode mode, int busy_timeout_ms = kDefaultBusyTimeoutMs);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }
  OpenMode mode() const { return mode_; }
  bool read_only() const { return mode_ == OpenMode::ReadOnly; }

  // Runs SQL text without parameters (schema steps, pragmas, BEGIN/COMMIT). Never pass values here.
  void exec(std::string_view sql);
  int64_t last_insert_rowid() const;
  int changes() const;  // rows changed by the last INSERT/UPDATE/DELETE
  bool in_transaction() const;

  // Builds the exception for SQLite result code rc: "<path>: <what>: <sqlite message> [SQL: ...]".
  // BadInput for results that mean the file is unusable (CANTOPEN, NOTADB, CORRUPT, READONLY, PERM).
  [[noreturn]] void fail(int rc, std::string_view what, std::string_view sql = {}) const;

 private:
  std::string switch_to_wal(int busy_timeout_ms);

  std::string path_;
  OpenMode mode_;
  sqlite3* db_ = nullptr;
};

// A prepared statement. Parameters are 1-based (as in SQLite); columns are 0-based.
class Statement {
 public:
  // persistent: hint that the statement lives long (cached hot-path statements).
  Statement(const Database& db, std::string_view sql, bool persistent = false);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::nullptr_t);
  Statement& bind(int index, int value);
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, double value);  // NaN is stored as NULL by SQLite
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const char* text);
  Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Statement& bind_blob(int index, const void* data, size_t size);
  Statement& bind(int index, const std::vector<uint8_t>& blob) { return bind_blob(index, blob.data(), blob.size()); }
  // NULL when empty.
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind(index, nullptr);
  }
  // By name (":name", "@name" or "$name", with its prefix). Throws when the statement has no such name.
  template <typename T>
  Statement& bind(const char* name, const T& value) {
    return bind(parameter_index(name), value);
  }
  int parameter_index(const char* name) const;

  // Steps once: true when a row is available, false when the statement is done.
  bool step();
  // Steps a statement that returns no rows to its end (throws if it returns one).
  void run();
  // Makes the statement ready to run again (keeps bindings) / drops all bindings to NULL.
  // reset() also ends the read snapshot a half-read statement keeps open.
  void reset();
  void clear_bindings();

  int column_count() const;
  bool column_is_null(int col) const;
  int64_t column_int64(int col) const;
  double column_double(int col) const;
  std::string column_text(int col) const;
  std::vector<uint8_t> column_blob(int col) const;
  std::optional<int64_t> column_opt_int64(int col) const;
  std::optional<double> column_opt_double(int col) const;

  const std::string& sql() const { return sql_; }
  sqlite3_stmt* handle() const { return stmt_; }

 private:
  void check_bind(int rc, int index);

  const Database& db_;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a (cached) statement when the scope ends, so no read snapshot outlives its use.
class StatementScope {
 public:
  explicit StatementScope(Statement& s) : s_(s) {}
  ~StatementScope() { s_.reset(); }
  StatementScope(const StatementScope&) = delete;
  StatementScope& operator=(const StatementScope&) = delete;
  Statement* operator->() { return &s_; }
  Statement& operator*() { return s_; }

 private:
  Statement& s_;
};

enum class TxnMode {
  Deferred,   // readers: one consistent snapshot over several statements
  Immediate,  // writers: takes the write lock at BEGIN (waiting up to busy_timeout), no deadlocks
};

// BEGIN on construction; ROLLBACK in the destructor unless commit() succeeded. Not nestable.
class Transaction {
 public:
  Transaction(Database& db, TxnMode mode);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();
  void rollback();

 private:
  Database& db_;
  bool open_ = false;
};

// First line of sql with whitespace collapsed, at most max_chars (for messages).
std::string short_sql(std::string_view sql, size_t max_chars = 80);

}  // namespace warp
