#pragma once
// The runs of an experiment as a table (DESIGN §2: the GUI follows runs by reading the database).
// Reads ExperimentDb::list_runs(staleAfter) from its own read-only connection, so a running run
// whose process is gone shows as "crashed" without the viewer writing anything. refresh() (every
// second while started) updates the rows in place: dataChanged for the cells that changed,
// inserted rows for new runs, removed rows for deleted ones; never a model reset, so a view's
// selection and scroll position survive.
//
// Columns: name, kind, status, iteration (WARP iteration), step (last metric step, from a
// MetricsFollower when one is set), progress (step / total steps of the run's stored settings with
// the percentage, and while running the estimated time left, as the CLI's progress line: "15/30 50%
// ETA 0:00:12"; for sft, rm and train runs), started (local time), elapsed (h:mm:ss; to now while
// running), tags (the run's tags, comma-separated; schema v6 run_notes, read with the runs each
// refresh; the note is the name's and the tags' tooltip), message,
// scheduler (a WARP worker's Slurm job from table worker_jobs: "RUNNING · job
// 45_1 · n3"; a driver's: its workers' latest jobs counted by state, "slurm: 1 PENDING, 1 RUNNING").

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <QAbstractTableModel>
#include <QPointer>
#include <QTimer>

#include "db/records.h"

namespace warp {
class ExperimentDb;
}
class MetricsFollower;

class RunListModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    Name,
    Kind,
    Status,
    Iteration,
    Step,
    Progress,
    Started,
    Elapsed,
    Tags,
    Message,
    Scheduler,
    ColumnCount
  };
  // Extra data roles: the run id (qint64), the status text ("running", "crashed", ...), the tags
  // (QStringList) and the note (QString).
  enum Role { RunIdRole = Qt::UserRole + 1, StatusRole, TagsRole, NoteRole };

  explicit RunListModel(QObject* parent = nullptr);
  ~RunListModel() override;

  // Opens `dbPath` read-only (warp::BadInput when it is not an experiment database) and shows its
  // runs (this one change is a model reset). Does not start the timer.
  void open(const QString& dbPath);
  void close();
  bool isOpen() const { return m_db != nullptr; }

  void start(int ms = 1000);
  void stop();
  // A running run whose heartbeat is older than this (seconds) and whose process is gone is shown
  // as crashed (default warp::kDefaultStaleAfterSeconds).
  void setStaleAfter(double seconds);

  // The Step column reads the last step from this follower and refreshes when it reports rows.
  void setMetricsFollower(MetricsFollower* follower);

  const warp::RunRecord& run(int row) const { return m_runs.at(static_cast<size_t>(row)); }
  // The run's note and tags as last read (empty when none were written).
  const warp::RunNotes& notes(qint64 runId) const;
  // The run's total steps from its stored settings (config_json: "sft", "rm" or "rl" .steps by
  // kind); 0 when the kind has none or the settings do not say.
  static qint64 totalSteps(const warp::RunRecord& run);
  // The Progress cell's text for `step` of `run` at time `now` (unix seconds); empty when unknown.
  static QString progressText(const warp::RunRecord& run, std::optional<qint64> step, double now);
  // Row of the run, -1 when not shown.
  int rowOfRun(qint64 runId) const;
  // The last scheduler job recorded for a WARP worker run (worker_jobs of its driver), if any.
  std::optional<warp::WorkerJobRecord> workerJob(const warp::RunRecord& run) const;
  // The scheduler jobs recorded for a driver run, in submission order (empty for local workers).
  std::vector<warp::WorkerJobRecord> driverJobs(qint64 driverRunId) const;
  // Number of runs shown with this status (crashed includes those presumed crashed).
  int countWithStatus(warp::RunStatus status) const;

  int rowCount(const QModelIndex& parent = QModelIndex()) const override;
  int columnCount(const QModelIndex& parent = QModelIndex()) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 public slots:
  // Reads the runs again and updates the rows in place. Read errors go to `readFailed`.
  void refresh();

 signals:
  // After each successful refresh (counts may have changed).
  void refreshed();
  void readFailed(const QString& message);

 private:
  QVariant displayData(const warp::RunRecord& run, int column) const;
  QString schedulerText(const warp::RunRecord& run) const;
  std::map<qint64, std::vector<warp::WorkerJobRecord>> readJobs(const std::vector<warp::RunRecord>& runs) const;
  void stepsChanged();
  // Every run's notes from m_db; on a read failure (a stored tags_json that is not an array of
  // strings, the database busy) `readFailed` and the notes read before.
  std::map<qint64, warp::RunNotes> readNotes();

  std::unique_ptr<warp::ExperimentDb> m_db;
  std::vector<warp::RunRecord> m_runs;  // by id
  std::map<qint64, warp::RunNotes> m_notes;
  std::map<qint64, std::vector<warp::WorkerJobRecord>> m_jobs;  // worker_jobs by driver run id
  double m_staleAfter;
  QPointer<MetricsFollower> m_follower;
  QTimer m_timer;
};
