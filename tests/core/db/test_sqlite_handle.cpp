// Tests of the SQLite RAII wrappers: connection settings, typed binding, transactions, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "db/sqlite_handle.h"
#include "test_support.h"
#include "util/error.h"

using namespace warp;

namespace {

int64_t scalar(Database& db, const char* sql) {
  Statement s(db, sql);
  EXPECT_TRUE(s.step()) << sql;
  return s.column_int64(0);
}

std::string text_scalar(Database& db, const char* sql) {
  Statement s(db, sql);
  EXPECT_TRUE(s.step()) << sql;
  return s.column_text(0);
}

}  // namespace

TEST(SqliteHandle, ConnectionSettings) {
  auto dir = test::scratch_dir("db-settings");
  Database db(dir + "/a.db", OpenMode::ReadWrite, 10000);
  EXPECT_EQ(text_scalar(db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(scalar(db, "PRAGMA synchronous"), 1);  // NORMAL
  EXPECT_EQ(scalar(db, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(scalar(db, "PRAGMA busy_timeout"), 10000);
  EXPECT_FALSE(db.read_only());
  EXPECT_EQ(db.path(), dir + "/a.db");
}

TEST(SqliteHandle, BindsAndReadsEveryType) {
  auto dir = test::scratch_dir("db-bind");
  Database db(dir + "/a.db", OpenMode::ReadWrite);
  db.exec("CREATE TABLE t(a, b, c, d, e, f)");
  const std::vector<uint8_t> blob = {0, 1, 2, 255, 0, 7};
  const std::string text_with_nul("x\0y", 3);
  {
    Statement ins(db, "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)");
    ins.bind(1, nullptr).bind(2, int64_t{1} << 40).bind(3, 2.5).bind(4, text_with_nul).bind(5, blob).bind(6, 7);
    ins.run();
    EXPECT_EQ(db.changes(), 1);
    EXPECT_EQ(db.last_insert_rowid(), 1);
    // Reuse after reset with other values: optional (empty → NULL), C string, empty blob, negative int.
    ins.reset();
    ins.clear_bindings();
    ins.bind(1, std::optional<int64_t>()).bind(2, std::optional<int64_t>(-5)).bind(3, -0.125);
    ins.bind(4, "plain").bind_blob(5, nullptr, 0).bind(6, std::optional<double>(1e300));
    ins.run();
  }
  Statement q(db, "SELECT a, b, c, d, e, f, typeof(a), typeof(e) FROM t ORDER BY rowid");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.column_count(), 8);
  EXPECT_TRUE(q.column_is_null(0));
  EXPECT_EQ(q.column_opt_int64(0), std::nullopt);
  EXPECT_EQ(q.column_int64(1), int64_t{1} << 40);
  EXPECT_EQ(q.column_double(2), 2.5);
  EXPECT_EQ(q.column_text(3), text_with_nul);
  EXPECT_EQ(q.column_blob(4), blob);
  EXPECT_EQ(q.column_int64(5), 7);
  EXPECT_EQ(q.column_text(7), "blob");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.column_text(6), "null");
  EXPECT_EQ(q.column_opt_int64(1), std::optional<int64_t>(-5));
  EXPECT_EQ(q.column_opt_double(2), std::optional<double>(-0.125));
  EXPECT_EQ(q.column_text(3), "plain");
  EXPECT_TRUE(q.column_blob(4).empty());
  EXPECT_EQ(q.column_text(7), "blob");  // an empty blob stays a blob, not NULL
  EXPECT_EQ(q.column_double(5), 1e300);
  EXPECT_FALSE(q.step());
}

TEST(SqliteHandle, BindsByName) {
  auto dir = test::scratch_dir("db-named");
  Database db(dir + "/a.db", OpenMode::ReadWrite);
  Statement s(db, "SELECT :x * 2, :name || '!'");
  s.bind(":name", std::string("hi")).bind(":x", int64_t{21});
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.column_int64(0), 42);
  EXPECT_EQ(s.column_text(1), "hi!");
  s.reset();
  EXPECT_THROW(s.bind(":missing", 1), Error);
}

TEST(SqliteHandle, TransactionRollsBackUnlessCommitted) {
  auto dir = test::scratch_dir("db-txn");
  Database db(dir + "/a.db", OpenMode::ReadWrite);
  db.exec("CREATE TABLE t(x INTEGER)");
  {
    Transaction tx(db, TxnMode::Immediate);
    Statement(db, "INSERT INTO t VALUES (1)").run();
    EXPECT_TRUE(db.in_transaction());
  }  // no commit
  EXPECT_FALSE(db.in_transaction());
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM t"), 0);
  {
    Transaction tx(db, TxnMode::Immediate);
    Statement(db, "INSERT INTO t VALUES (2)").run();
    EXPECT_THROW(Transaction(db, TxnMode::Deferred), Error);  // not nestable
    tx.commit();
  }
  EXPECT_EQ(scalar(db, "SELECT sum(x) FROM t"), 2);
  {
    Transaction tx(db, TxnMode::Deferred);
    Statement(db, "INSERT INTO t VALUES (3)").run();
    tx.rollback();
    EXPECT_FALSE(db.in_transaction());
  }
  EXPECT_EQ(scalar(db, "SELECT sum(x) FROM t"), 2);
}

TEST(SqliteHandle, ErrorsNameFileStatementAndCause) {
  auto dir = test::scratch_dir("db-errors");
  Database db(dir + "/a.db", OpenMode::ReadWrite);
  db.exec("CREATE TABLE t(x INTEGER NOT NULL UNIQUE)");
  try {
    Statement s(db, "SELECT missing FROM nowhere");
    FAIL() << "prepare of a bad statement did not throw";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find(dir + "/a.db"), std::string::npos) << m;
    EXPECT_NE(m.find("SELECT missing FROM nowhere"), std::string::npos) << m;
    EXPECT_NE(m.find("no such table: nowhere"), std::string::npos) << m;
  }
  Statement ins(db, "INSERT INTO t VALUES (?)");
  ins.bind(1, 1).run();
  ins.reset();
  try {
    ins.run();  // same value again: UNIQUE constraint
    FAIL() << "constraint violation did not throw";
  } catch (const BadInput&) {
    FAIL() << "a constraint failure is not a bad file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("UNIQUE constraint failed: t.x"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Statement(db, "SELECT 1; SELECT 2"), Error);  // one statement per prepare
  EXPECT_EQ(short_sql("  SELECT   a,\n  b  FROM t  "), "SELECT a, b FROM t");
  EXPECT_EQ(short_sql(std::string(200, 'x'), 10), "xxxxxxxxxx...");
}

TEST(SqliteHandle, RejectsFoldersAndNonDatabases) {
  auto dir = test::scratch_dir("db-badfile");
  try {
    Database db(dir, OpenMode::ReadWrite);
    FAIL() << "opened a folder";
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find(dir), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("folder"), std::string::npos) << e.what();
  }
  const std::string text = dir + "/notes.txt";
  write_file_atomic(text, std::string("these are notes, not a database, but long enough to have a header\n"));
  EXPECT_THROW(Database(text, OpenMode::ReadWrite), BadInput);
  EXPECT_THROW(Database(text, OpenMode::ReadOnly), BadInput);
  EXPECT_THROW(Database(dir + "/missing.db", OpenMode::ReadOnly), BadInput);
}

// A database may come from someone else: the schema is not trusted (functions in views and
// triggers must be innocuous) and defensive mode forbids SQL that corrupts the file on purpose.
TEST(SqliteHandle, UntrustedSchemaAndDefensiveMode) {
  auto dir = test::scratch_dir("db-defensive");
  for (OpenMode mode : {OpenMode::ReadWrite, OpenMode::ReadOnly}) {
    Database db(dir + "/a.db", mode, 1000);
    EXPECT_EQ(scalar(db, "PRAGMA trusted_schema"), 0);
  }
  Database db(dir + "/a.db", OpenMode::ReadWrite, 1000);
  db.exec("CREATE TABLE t(x)");
  // writable_schema is ignored in defensive mode: sqlite_master stays read-only.
  db.exec("PRAGMA writable_schema = ON");
  EXPECT_THROW(db.exec("UPDATE sqlite_master SET sql = 'CREATE TABLE t(y)' WHERE name = 't'"), Error);
  EXPECT_EQ(text_scalar(db, "SELECT sql FROM sqlite_master WHERE name = 't'"), "CREATE TABLE t(x)");
}
