// bench_db: throughput of the experiment database (core/db).
//
//   bench_db [scratch folder]     (default: /tmp/warp-bench-db-<pid>, removed at the end)
//
// Prints rows/s for
//   1. metric appends through ExperimentDb::append_metrics, batches of 1 (one transaction per row),
//      10, 100, 1000 and 10000 rows;
//   2. the metrics row layout, with raw SQL and bytes per row: keys interned in metric_keys (what
//      schema v1 does) vs the key text in every row; AUTOINCREMENT ids vs plain rowids; with and
//      without foreign keys; without the (run, key, step) index;
//   3. reads: incremental read_metrics_since pages, read_metrics series, an empty poll;
//   4. one and four writer processes appending batches of 100 + a heartbeat each to one database.
// DESIGN §7 quotes ~1M+ rows/s batched with WAL and ~70k rows/s for one transaction per row.

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "db/experiment_db.h"
#include "util/fsutil.h"

using namespace warp;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// CPU seconds (user + system) of this process, or of its collected children.
double cpu_seconds(int who = RUSAGE_SELF) {
  rusage u{};
  ::getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// Throughput by wall time and by CPU time (the machine is shared: CPU time shows the cost of the
// work itself, wall time what a user would see now).
struct Rate {
  double wall = 0, cpu = 0;
};

struct Timer {
  Clock::time_point t0 = Clock::now();
  double c0;
  int who;
  explicit Timer(int who_ = RUSAGE_SELF) : c0(cpu_seconds(who_)), who(who_) {}
  Rate rate(double n) const { return {n / seconds_since(t0), n / std::max(1e-9, cpu_seconds(who) - c0)}; }
};

const char* const kKeys[] = {"reward/mean", "reward/std",  "gold/mean", "kl/seq",
                             "kl/sampled",  "loss/policy", "grad/norm", "lr"};
constexpr int kNumKeys = 8;

// Rows of steps [first_step, first_step + n / kNumKeys), every key per step.
std::vector<MetricRow> make_rows(int64_t first_row, int64_t n) {
  std::vector<MetricRow> rows;
  rows.reserve(static_cast<size_t>(n));
  for (int64_t i = first_row; i < first_row + n; ++i)
    rows.push_back({i / kNumKeys, kKeys[i % kNumKeys], 0.001 * static_cast<double>(i % 977)});
  return rows;
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
}

int64_t file_bytes(Database& db) {
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  Statement pc(db, "PRAGMA page_count");
  pc.step();
  Statement ps(db, "PRAGMA page_size");
  ps.step();
  return pc.column_int64(0) * ps.column_int64(0);
}

// 1. append_metrics at a given batch size.
Rate bench_append(const std::string& dir, int64_t batch, int64_t total) {
  const std::string path = dir + "/append-" + std::to_string(batch) + ".db";
  remove_db(path);
  ExperimentDb db = ExperimentDb::open(path);
  int64_t run = db.create_run({"bench", "train"});
  // Rows are built before the clock starts: only the database is measured.
  std::vector<std::vector<MetricRow>> batches;
  for (int64_t r = 0; r < total; r += batch) batches.push_back(make_rows(r, batch));
  Timer t;
  for (const auto& rows : batches) db.append_metrics(run, rows);
  Rate rate = t.rate(static_cast<double>(total));
  if (db.count_metrics(run) != total) std::fprintf(stderr, "bench_db: row count mismatch\n");
  return rate;
}

struct Layout {
  const char* name;
  bool interned;       // key_id into a keys table, or the key text in every row
  bool autoincrement;  // ids never reused, or plain rowids
  bool foreign_keys;   // run_id / key_id declared as foreign keys (checked on every insert)
  bool index = true;   // the (run, key, step) index that read_metrics needs
};

// 2. Raw SQL with one metrics layout, batches of 1000. Returns the rate and the bytes per row.
std::pair<Rate, double> bench_layout(const std::string& dir, int index, const Layout& l) {
  const std::string path = dir + "/layout-" + std::to_string(index) + ".db";
  remove_db(path);
  Database db(path, OpenMode::ReadWrite);
  const std::string id = l.autoincrement ? "id INTEGER PRIMARY KEY AUTOINCREMENT" : "id INTEGER PRIMARY KEY";
  const std::string fk_run = l.foreign_keys ? " REFERENCES runs(id)" : "";
  const std::string fk_key = l.foreign_keys ? " REFERENCES keys(id)" : "";
  db.exec("CREATE TABLE runs(id INTEGER PRIMARY KEY)");
  db.exec("INSERT INTO runs(id) VALUES (1)");
  if (l.interned) {
    db.exec("CREATE TABLE keys(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE)");
    db.exec("CREATE TABLE m(" + id + ", run_id INTEGER NOT NULL" + fk_run +
            ", step INTEGER NOT NULL, key_id INTEGER NOT NULL" + fk_key + ", value REAL, wall_time REAL NOT NULL)");
    if (l.index) db.exec("CREATE INDEX m_idx ON m(run_id, key_id, step)");
    Statement k(db, "INSERT INTO keys(id, key) VALUES (?, ?)");
    for (int i = 0; i < kNumKeys; ++i) {
      k.reset();
      k.bind(1, i + 1).bind(2, kKeys[i]).run();
    }
  } else {
    db.exec("CREATE TABLE m(" + id + ", run_id INTEGER NOT NULL" + fk_run +
            ", step INTEGER NOT NULL, key TEXT NOT NULL, value REAL, wall_time REAL NOT NULL)");
    if (l.index) db.exec("CREATE INDEX m_idx ON m(run_id, key, step)");
  }
  const int64_t total = 400000, batch = 1000;
  Statement ins(db, l.interned ? "INSERT INTO m(run_id, step, key_id, value, wall_time) VALUES (1, ?, ?, ?, ?)"
                               : "INSERT INTO m(run_id, step, key, value, wall_time) VALUES (1, ?, ?, ?, ?)");
  const double now = unix_now();
  Timer t;
  for (int64_t r = 0; r < total; r += batch) {
    Transaction tx(db, TxnMode::Immediate);
    for (int64_t i = r; i < r + batch; ++i) {
      ins.reset();
      ins.bind(1, i / kNumKeys);
      if (l.interned) ins.bind(2, static_cast<int64_t>(i % kNumKeys + 1));
      else ins.bind(2, kKeys[i % kNumKeys]);
      ins.bind(3, 0.001 * static_cast<double>(i % 977)).bind(4, now).run();
    }
    tx.commit();
  }
  Rate rate = t.rate(static_cast<double>(total));
  return {rate, static_cast<double>(file_bytes(db)) / static_cast<double>(total)};
}

// 4. Several writer processes at once: aggregate rate, wall time from the start to the last exit,
// CPU time of all the writers together.
Rate bench_processes(const std::string& dir, int writers, int64_t rows_each, int64_t batch) {
  const std::string path = dir + "/processes-" + std::to_string(writers) + ".db";
  remove_db(path);
  std::vector<int64_t> runs;
  {
    ExperimentDb db = ExperimentDb::open(path);
    for (int w = 0; w < writers; ++w) runs.push_back(db.create_run({"writer-" + std::to_string(w), "train"}));
  }
  std::fflush(stdout);
  Timer t(RUSAGE_CHILDREN);
  std::vector<pid_t> children;
  for (int w = 0; w < writers; ++w) {
    pid_t pid = ::fork();
    if (pid == 0) {
      int rc = 0;
      try {
        ExperimentDb db = ExperimentDb::open(path);
        for (int64_t r = 0; r < rows_each; r += batch) {
          db.append_metrics(runs[w], make_rows(r, batch));
          db.heartbeat(runs[w]);
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_db writer: %s\n", e.what());
        rc = 1;
      }
      ::_exit(rc);
    }
    children.push_back(pid);
  }
  bool ok = true;
  for (pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  Rate rate = t.rate(static_cast<double>(writers * rows_each));
  ExperimentDb db = ExperimentDb::open_read_only(path);
  if (!ok || db.count_metrics() != writers * rows_each) std::fprintf(stderr, "bench_db: a writer process failed\n");
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  const bool own_dir = argc < 2;
  const std::string dir = own_dir ? "/tmp/warp-bench-db-" + std::to_string(::getpid()) : argv[1];
  try {
    make_dirs(dir);
    std::printf("bench_db: SQLite %s, WAL, synchronous=NORMAL, folder %s\n", sqlite3_libversion(), dir.c_str());
    std::printf("rows/s by wall time and by CPU time of the process (the two differ on a busy machine)\n\n");

    std::printf("1. append_metrics (one BEGIN IMMEDIATE transaction per batch)\n");
    std::printf("   %-40s %14s %14s\n", "batch size", "rows/s wall", "rows/s cpu");
    const struct {
      int64_t batch, total;
    } cases[] = {{1, 20000}, {10, 100000}, {100, 500000}, {1000, 1000000}, {10000, 1000000}};
    Rate per_row, best;
    for (const auto& c : cases) {
      Rate r = bench_append(dir, c.batch, c.total);
      if (c.batch == 1) per_row = r;
      if (c.batch == 1000) best = r;
      std::string label = std::to_string(c.batch) + (c.batch == 1 ? " (one transaction per row)" : "");
      std::printf("   %-40s %14.0f %14.0f\n", label.c_str(), r.wall, r.cpu);
    }
    std::printf("   batches of 1000 vs one transaction per row: %.1fx (wall), %.1fx (cpu)\n\n",
                best.wall / per_row.wall, best.cpu / per_row.cpu);

    std::printf("2. metrics row layout (raw SQL, one row per INSERT, batches of 1000, 400k rows, 8 keys)\n");
    std::printf("   %-44s %14s %14s %10s\n", "layout", "rows/s wall", "rows/s cpu", "bytes/row");
    const Layout layouts[] = {{"interned key, AUTOINCREMENT, FKs (v1)", true, true, true},
                              {"interned key, AUTOINCREMENT, no FKs", true, true, false},
                              {"interned key, plain rowid, no FKs", true, false, false},
                              {"key text per row, AUTOINCREMENT, FKs", false, true, true},
                              {"interned key, AUTOINCREMENT, FKs, no index", true, true, true, false}};
    int index = 0;
    for (const Layout& l : layouts) {
      auto [r, bytes] = bench_layout(dir, index++, l);
      std::printf("   %-44s %14.0f %14.0f %10.1f\n", l.name, r.wall, r.cpu, bytes);
    }
    std::printf("\n");

    std::printf("3. reads (the database of section 1 with batches of 1000: 1M rows, 8 keys)\n");
    std::printf("   %-40s %14s %14s\n", "read", "rows/s wall", "rows/s cpu");
    {
      ExperimentDb db = ExperimentDb::open_read_only(dir + "/append-1000.db");
      int64_t max_id = 0;
      for (int64_t page : {1000, 10000}) {
        Timer t;
        int64_t last = 0, n = 0;
        for (;;) {
          auto rows = db.read_metrics_since(last, page);
          if (rows.empty()) break;
          last = rows.back().id;
          n += static_cast<int64_t>(rows.size());
        }
        max_id = last;
        Rate r = t.rate(static_cast<double>(n));
        std::string label = "read_metrics_since, pages of " + std::to_string(page);
        std::printf("   %-40s %14.0f %14.0f\n", label.c_str(), r.wall, r.cpu);
      }
      Timer t;
      int64_t n = 0;
      for (const char* key : kKeys) n += static_cast<int64_t>(db.read_metrics(1, key).size());
      Rate r = t.rate(static_cast<double>(n));
      std::printf("   %-40s %14.0f %14.0f\n", "read_metrics, one series per key", r.wall, r.cpu);
      // A live viewer's poll when nothing is new: one empty incremental read.
      const int polls = 20000;
      Timer tp;
      for (int i = 0; i < polls; ++i) db.read_metrics_since(max_id, 1000);
      Rate p = tp.rate(polls);
      std::printf("   %-40s %11.2f us %11.2f us\n", "empty incremental poll", 1e6 / p.wall, 1e6 / p.cpu);
    }
    std::printf("\n");

    std::printf("4. writer processes at once (batches of 100 rows + a heartbeat each)\n");
    std::printf("   %-40s %14s %14s\n", "processes", "rows/s wall", "rows/s cpu");
    for (int writers : {1, 4}) {
      Rate r = bench_processes(dir, writers, 200000, 100);
      std::printf("   %-40d %14.0f %14.0f\n", writers, r.wall, r.cpu);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_db: %s\n", e.what());
    return 1;
  }
  if (own_dir) {
    std::string cmd = "rm -rf '" + dir + "'";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "bench_db: could not remove %s\n", dir.c_str());
  }
  return 0;
}
