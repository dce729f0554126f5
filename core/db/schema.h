#pragma once
// The experiment database's schema and its migrations.
//
// The schema version lives in `PRAGMA user_version`; migration N takes a database from version N-1 to
// N. Each migration runs in its own BEGIN IMMEDIATE transaction that re-reads the version first, so
// several processes opening a new database at once apply each step exactly once, and a failing step
// leaves the database at the previous version. Adding schema v2 = appending one Migration to the list
// built by schema_migrations() (schema.cpp).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "db/sqlite_handle.h"

namespace warp {

struct Migration {
  int version = 0;                      // user_version once applied: 1, 2, ... in order
  std::string description;              // for messages
  std::vector<std::string> statements;  // SQL run in order (constant text: no values)
  std::function<void(Database&)> code;  // optional data step, run after the statements
};

// Marks the file as a WARP experiment database (PRAGMA application_id, "WARP").
constexpr int64_t kWarpApplicationId = 0x57415250;

// The code's migrations, versions 1..N.
const std::vector<Migration>& schema_migrations();
// Version the code's schema is at (the last migration's).
int latest_schema_version();

int read_schema_version(Database& db);

// Brings db up to the last of `migrations` and returns that version. BadInput naming the file when
// the database is newer than the list knows, or is an SQLite file of something else; Error naming
// the migration when a step fails (the database then stays at the version before it).
int migrate(Database& db, const std::vector<Migration>& migrations);

// For read-only connections: BadInput unless the database is exactly at the last of `migrations`.
int check_schema(Database& db, const std::vector<Migration>& migrations);

}  // namespace warp
