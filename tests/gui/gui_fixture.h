#pragma once
// Helpers of the GUI tests: a real experiment folder (config.json + experiment.db written with
// core's ExperimentDb), runs with statuses, metrics, and a pid that is surely dead.
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include <QDir>
#include <QFile>
#include <QString>
#include <QTemporaryDir>

#include "db/experiment_db.h"
#include "db/liveness.h"

namespace guitest {

// A folder with config.json of format "warp-experiment" and an empty experiment.db.
inline QString makeExperimentFolder(const QTemporaryDir& tmp, const QString& name = QStringLiteral("exp")) {
  const QString dir = tmp.path() + QLatin1Char('/') + name;
  QDir().mkpath(dir + QStringLiteral("/checkpoints"));
  QDir().mkpath(dir + QStringLiteral("/exports"));
  QFile config(dir + QStringLiteral("/config.json"));
  config.open(QIODevice::WriteOnly);
  config.write(R"({"format": "warp-experiment", "version": 1, "preset": "test"})");
  config.close();
  warp::ExperimentDb db = warp::ExperimentDb::open((dir + QStringLiteral("/experiment.db")).toStdString());
  db.ensure_experiment("test", "{}");
  return dir;
}

inline std::string dbPath(const QString& dir) { return (dir + QStringLiteral("/experiment.db")).toStdString(); }

// A pid that no process has any more: a child that exited and was reaped.
inline int64_t deadPid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

// A run stored as "running" whose process is gone and whose heartbeat is an hour old: readers
// that apply liveness show it as crashed.
inline int64_t createDeadRunningRun(warp::ExperimentDb& db, const std::string& name,
                                    const std::string& kind = "train") {
  warp::RunSpec spec(name, kind);
  spec.status = warp::RunStatus::Running;
  const int64_t id = db.create_run(spec);
  db.set_run_process(id, deadPid(), warp::this_host());
  warp::Statement s(db.database(), "UPDATE runs SET heartbeat_at = ?, started_at = ? WHERE id = ?");
  const double now = warp::unix_now();
  s.bind(1, now - 3600.0).bind(2, now - 3700.0).bind(3, id).run();
  return id;
}

// A run of this (living) process, status running.
inline int64_t createLiveRun(warp::ExperimentDb& db, const std::string& name, const std::string& kind = "train") {
  warp::RunSpec spec(name, kind);
  spec.status = warp::RunStatus::Running;
  return db.create_run(spec);
}

inline void appendSeries(warp::ExperimentDb& db, int64_t run, const std::string& key,
                         const std::vector<std::pair<int64_t, double>>& points) {
  std::vector<warp::MetricRow> rows;
  for (const auto& [step, value] : points) rows.emplace_back(step, key, value);
  db.append_metrics(run, rows);
}

}  // namespace guitest
