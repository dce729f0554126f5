#pragma once
// Follows the metrics of an experiment database as runs write them (DESIGN §2: the GUI follows runs
// by reading the database). Each poll reads the rows written since the last one
// (ExperimentDb::read_metrics_since, an indexed read of "ids > N") from a read-only connection and
// appends them to per-(run, key) series kept in memory; then `appended` says which series changed.
//
// Worker journals (docs/formats.md "Worker journals"): runs on other hosts (the Slurm launcher's
// workers) record in <exp>/journals/*.wj, which a `warp run` driver imports while it runs. When a
// poll finds journal bytes not yet imported and no live driver (a "warp" run that is running per the
// liveness rule), it imports them itself (core's import_journals, through a writable connection
// opened then, and compact_journals): the app shows a cluster run's last records with no driver
// running. The import is exactly-once, so a driver that starts meanwhile and imports too never
// doubles a row. It runs on a thread of its own, never on the GUI thread (a large journal, or a
// writer holding the database's lock, would stall the app): a poll starts one when none is under
// way, and once it has imported records the follower polls again at once to read their rows.
//
// A poll reads at most maxRowsPerPoll() rows, so opening a large experiment fills the series over a
// few ticks instead of blocking the GUI. A point whose step is not after the series' last step
// replaces the tail from that step on: a run resumed after kill -9 logs again the steps it had
// logged after its last checkpoint (those rows are deleted and rewritten), and the new values win.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <QVector>

namespace warp {
class ExperimentDb;
}

// One run's values of one metric key, by step.
struct MetricSeries {
  QVector<double> steps;
  QVector<double> values;
  QVector<double> wallTimes;
};

// Names a series: (run id, metric key).
struct MetricSeriesKey {
  qint64 runId = 0;
  QString key;
  bool operator==(const MetricSeriesKey& o) const { return runId == o.runId && key == o.key; }
  bool operator<(const MetricSeriesKey& o) const { return runId != o.runId ? runId < o.runId : key < o.key; }
};

Q_DECLARE_METATYPE(MetricSeriesKey)

class MetricsFollower : public QObject {
  Q_OBJECT

 public:
  explicit MetricsFollower(QObject* parent = nullptr);
  ~MetricsFollower() override;

  // Opens `dbPath` read-only (warp::BadInput when it is not an experiment database) and forgets the
  // series of the previous one. Does not start the timer.
  void open(const QString& dbPath);
  void close();
  bool isOpen() const { return m_db != nullptr; }

  // Polls every `ms` milliseconds (default 1000) while started.
  void start(int ms = 1000);
  void stop();
  bool isActive() const { return m_timer.isActive(); }

  // Whether polls import worker journals (default on; see above).
  void setImportJournals(bool on) { m_importJournals = on; }
  // Whether a journal import started by a poll has not reported back yet.
  bool importingJournals() const { return m_importBusy; }

  void setMaxRowsPerPoll(int rows);
  int maxRowsPerPoll() const { return m_maxRowsPerPoll; }

  // The series, nullptr when the run never wrote the key.
  const MetricSeries* series(qint64 runId, const QString& key) const;
  // The keys a run has written (seen so far), sorted.
  QStringList keys(qint64 runId) const;
  // The largest step a run has logged (any key), none before its first metric.
  std::optional<qint64> lastStep(qint64 runId) const;
  // The earliest wall time (unix seconds) of the run's rows read so far, any key; none before its
  // first metric. The wall-time axis's origin for a run whose start the database lacks.
  std::optional<double> firstWallTime(qint64 runId) const;
  // Id of the last row read (0 before any).
  qint64 lastId() const { return m_lastId; }
  // Rows read since open().
  qint64 rowsRead() const { return m_rowsRead; }

 public slots:
  // Reads what is new; emits `appended` when there was anything. Read errors (the database busy
  // beyond its timeout, the file gone) are reported through `readFailed` and retried next tick.
  void poll();

 signals:
  // `changed`: the series that got points (sorted, each once); `rows`: how many rows were read.
  void appended(const QVector<MetricSeriesKey>& changed, int rows);
  void readFailed(const QString& message);
  // A journal import brought `records` records into the database (the poll that follows at once
  // reads their rows).
  void journalsImported(int records);

 private:
  struct Importer;
  // Starts an import of the experiment's journals on the importer's thread unless one is under way.
  void startImport();
  void importDone(quint64 generation, qint64 records, const QString& error);

  std::unique_ptr<warp::ExperimentDb> m_db;
  std::unique_ptr<Importer> m_importer;  // its thread and connections; started at the first import
  quint64 m_generation = 0;              // bumped by open/close: older imports' reports are dropped
  bool m_importBusy = false;
  QString m_dbPath;
  QString m_lastImportError;
  std::map<MetricSeriesKey, MetricSeries> m_series;
  std::map<qint64, qint64> m_lastStep;
  std::map<qint64, double> m_firstWall;
  qint64 m_lastId = 0;
  qint64 m_rowsRead = 0;
  int m_maxRowsPerPoll = 100000;
  bool m_importJournals = true;
  QTimer m_timer;
};
