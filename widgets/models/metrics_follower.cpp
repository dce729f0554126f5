#include "models/metrics_follower.h"

#include <algorithm>
#include <exception>
#include <set>

#include <QThread>

#include "db/experiment_db.h"
#include "db/journal.h"
#include "db/liveness.h"

// The journal import's thread and what only that thread touches: its own connections to the
// experiment database (a read-only one to look for news, a writable one opened at the first import).
struct MetricsFollower::Importer {
  QThread thread;
  QObject* context = nullptr;  // lives on `thread`: the queued imports run in its event loop
  std::string dbPath;
  std::unique_ptr<warp::ExperimentDb> readDb, writeDb;

  Importer() {
    thread.setObjectName(QStringLiteral("journal import"));
    context = new QObject;
    context->moveToThread(&thread);
    thread.start();
  }
  ~Importer() {
    thread.quit();
    thread.wait();  // an import under way ends first (it is bounded: one pass over the journals)
    delete context;
  }
  void forget() {
    readDb.reset();
    writeDb.reset();
    dbPath.clear();
  }
  // On the thread: imports the journals of the experiment of `path` when they have news and no live
  // driver imports them. The number of records imported; throws what core throws.
  int64_t run(const std::string& path) {
    if (path != dbPath) {
      forget();
      dbPath = path;
    }
    if (!readDb) readDb = std::make_unique<warp::ExperimentDb>(warp::ExperimentDb::open_read_only(path));
    const size_t slash = path.rfind('/');
    const std::string dir = (slash == std::string::npos ? std::string(".") : path.substr(0, slash)) + "/journals";
    if (warp::journals_with_news(*readDb, dir).empty()) return 0;
    // A live driver imports them itself (every 0.5 s while it follows its workers): leave it the
    // write lock. Only a driver that is gone (or between iterations) leaves news here for long.
    for (const warp::RunRecord& r : readDb->list_runs(warp::kDefaultStaleAfterSeconds))
      if (r.kind == "warp" && r.status == warp::RunStatus::Running) return 0;
    if (!writeDb) writeDb = std::make_unique<warp::ExperimentDb>(warp::ExperimentDb::open(path));
    const warp::JournalImport done = warp::import_journals(*writeDb, dir);
    warp::compact_journals(*writeDb, dir);
    return done.records;
  }
};

MetricsFollower::MetricsFollower(QObject* parent) : QObject(parent) {
  m_timer.setInterval(1000);
  connect(&m_timer, &QTimer::timeout, this, &MetricsFollower::poll);
}

// The importer's thread ends (after an import under way) before this object's members go.
MetricsFollower::~MetricsFollower() { m_importer.reset(); }

void MetricsFollower::open(const QString& dbPath) {
  auto db = std::make_unique<warp::ExperimentDb>(warp::ExperimentDb::open_read_only(dbPath.toStdString()));
  close();
  m_db = std::move(db);
  m_dbPath = dbPath;
}

void MetricsFollower::close() {
  m_db.reset();
  ++m_generation;
  m_importBusy = false;  // a report of the previous experiment's import is dropped
  if (m_importer) {
    Importer* importer = m_importer.get();
    QMetaObject::invokeMethod(
        importer->context, [importer] { importer->forget(); }, Qt::QueuedConnection);
  }
  m_dbPath.clear();
  m_lastImportError.clear();
  m_series.clear();
  m_lastStep.clear();
  m_firstWall.clear();
  m_lastId = 0;
  m_rowsRead = 0;
}

void MetricsFollower::start(int ms) { m_timer.start(ms); }

void MetricsFollower::stop() { m_timer.stop(); }

void MetricsFollower::setMaxRowsPerPoll(int rows) { m_maxRowsPerPoll = std::max(1, rows); }

const MetricSeries* MetricsFollower::series(qint64 runId, const QString& key) const {
  auto it = m_series.find(MetricSeriesKey{runId, key});
  return it == m_series.end() ? nullptr : &it->second;
}

QStringList MetricsFollower::keys(qint64 runId) const {
  QStringList out;
  for (auto it = m_series.lower_bound(MetricSeriesKey{runId, QString()});
       it != m_series.end() && it->first.runId == runId; ++it)
    out << it->first.key;
  return out;  // std::map order: sorted by key
}

std::optional<qint64> MetricsFollower::lastStep(qint64 runId) const {
  auto it = m_lastStep.find(runId);
  if (it == m_lastStep.end()) return std::nullopt;
  return it->second;
}

std::optional<double> MetricsFollower::firstWallTime(qint64 runId) const {
  auto it = m_firstWall.find(runId);
  if (it == m_firstWall.end()) return std::nullopt;
  return it->second;
}

void MetricsFollower::startImport() {
  if (m_importBusy || m_dbPath.isEmpty()) return;
  if (!m_importer) m_importer = std::make_unique<Importer>();
  m_importBusy = true;
  Importer* importer = m_importer.get();
  const std::string path = m_dbPath.toStdString();
  const quint64 generation = m_generation;
  QMetaObject::invokeMethod(
      importer->context,
      [this, importer, path, generation] {
        qint64 records = 0;
        QString error;
        try {
          records = importer->run(path);
        } catch (const std::exception& e) {
          error = QString::fromUtf8(e.what());
        }
        // Back on the GUI thread (the destructor ends this thread before the follower goes).
        QMetaObject::invokeMethod(
            this, [this, generation, records, error] { importDone(generation, records, error); }, Qt::QueuedConnection);
      },
      Qt::QueuedConnection);
}

void MetricsFollower::importDone(quint64 generation, qint64 records, const QString& error) {
  if (generation != m_generation) return;  // another experiment since
  m_importBusy = false;
  if (!error.isEmpty()) {
    // A corrupt journal or a busy database: said once (not every tick), tried again next poll.
    if (error != m_lastImportError) emit readFailed(error);
    m_lastImportError = error;
    return;
  }
  m_lastImportError.clear();
  if (records > 0) {
    emit journalsImported(static_cast<int>(records));
    poll();  // their rows, now
  }
}

void MetricsFollower::poll() {
  if (!m_db) return;
  if (m_importJournals) startImport();
  std::set<MetricSeriesKey> changed;
  int rows = 0;
  try {
    while (rows < m_maxRowsPerPoll) {
      const int64_t limit = std::min<int64_t>(10000, m_maxRowsPerPoll - rows);
      std::vector<warp::MetricRecord> batch = m_db->read_metrics_since(m_lastId, limit);
      for (const warp::MetricRecord& r : batch) {
        MetricSeriesKey key{r.run_id, QString::fromStdString(r.key)};
        MetricSeries& s = m_series[key];
        const double step = static_cast<double>(r.step);
        if (!s.steps.isEmpty() && step <= s.steps.back()) {
          // A step logged again (resumed run): the new value replaces the tail from this step on.
          auto cut = std::lower_bound(s.steps.begin(), s.steps.end(), step) - s.steps.begin();
          s.steps.resize(cut);
          s.values.resize(cut);
          s.wallTimes.resize(cut);
        }
        s.steps.append(step);
        s.values.append(r.value);
        s.wallTimes.append(r.wall_time);
        auto [it, inserted] = m_lastStep.emplace(r.run_id, r.step);
        if (!inserted) it->second = std::max(it->second, static_cast<qint64>(r.step));
        auto [w, first] = m_firstWall.emplace(r.run_id, r.wall_time);
        if (!first) w->second = std::min(w->second, r.wall_time);
        changed.insert(std::move(key));
        m_lastId = std::max<qint64>(m_lastId, r.id);
      }
      rows += static_cast<int>(batch.size());
      if (static_cast<int64_t>(batch.size()) < limit) break;
    }
  } catch (const std::exception& e) {
    emit readFailed(QString::fromUtf8(e.what()));
  }
  m_rowsRead += rows;
  if (rows > 0) emit appended(QVector<MetricSeriesKey>(changed.begin(), changed.end()), rows);
}
