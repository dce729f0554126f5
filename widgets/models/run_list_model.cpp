#include "models/run_list_model.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <utility>

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QFont>
#include <QGuiApplication>
#include <QPalette>
#include <QStringList>

#include <nlohmann/json.hpp>

#include "db/experiment_db.h"
#include "db/liveness.h"
#include "models/metrics_follower.h"
#include "plot/plot_theme.h"

namespace {

QString formatDuration(double seconds) {
  if (!(seconds >= 0)) return QString();
  const qint64 s = static_cast<qint64>(std::floor(seconds));
  return QStringLiteral("%1:%2:%3")
      .arg(s / 3600)
      .arg((s / 60) % 60, 2, 10, QLatin1Char('0'))
      .arg(s % 60, 2, 10, QLatin1Char('0'));
}

QColor statusColor(warp::RunStatus status) {
  switch (status) {
    case warp::RunStatus::Running:
      return QColor(0x00, 0x72, 0xB2);
    case warp::RunStatus::Finished:
      return QColor(0x00, 0x9E, 0x73);
    case warp::RunStatus::Failed:
    case warp::RunStatus::Diverged:
    case warp::RunStatus::Crashed:
      return QColor(0xC0, 0x39, 0x2B);
    case warp::RunStatus::Killed:
      return QColor(0xD5, 0x5E, 0x00);
    case warp::RunStatus::Queued:
      break;
  }
  return QColor(0x66, 0x66, 0x66);
}

// Whether two records would display differently in `column` (elapsed also moves while running).
bool differs(const warp::RunRecord& a, const warp::RunRecord& b, int column) {
  switch (column) {
    case RunListModel::Name:
      return a.name != b.name;
    case RunListModel::Kind:
      return a.kind != b.kind;
    case RunListModel::Status:
      return a.status != b.status || a.presumed_crashed != b.presumed_crashed;
    case RunListModel::Iteration:
      return a.iteration != b.iteration;
    case RunListModel::Started:
      return a.started_at != b.started_at;
    case RunListModel::Elapsed:
      return a.started_at != b.started_at || a.ended_at != b.ended_at || b.status == warp::RunStatus::Running;
    case RunListModel::Progress:  // the ETA moves with the clock while running
      return a.status != b.status || a.config_json != b.config_json ||
             (b.status == warp::RunStatus::Running && RunListModel::totalSteps(b) > 0);
    case RunListModel::Message:
      return a.message != b.message || a.presumed_crashed != b.presumed_crashed;
    default:
      return false;
  }
}

}  // namespace

RunListModel::RunListModel(QObject* parent)
    : QAbstractTableModel(parent), m_staleAfter(warp::kDefaultStaleAfterSeconds) {
  m_timer.setInterval(1000);
  connect(&m_timer, &QTimer::timeout, this, &RunListModel::refresh);
}

RunListModel::~RunListModel() = default;

void RunListModel::open(const QString& dbPath) {
  auto db = std::make_unique<warp::ExperimentDb>(warp::ExperimentDb::open_read_only(dbPath.toStdString()));
  std::vector<warp::RunRecord> runs = db->list_runs(m_staleAfter);
  beginResetModel();
  m_db = std::move(db);
  m_runs = std::move(runs);
  m_notes.clear();
  m_notes = readNotes();
  m_jobs = readJobs(m_runs);
  endResetModel();
  emit refreshed();
}

void RunListModel::close() {
  beginResetModel();
  m_db.reset();
  m_runs.clear();
  m_notes.clear();
  m_jobs.clear();
  endResetModel();
}

void RunListModel::start(int ms) { m_timer.start(ms); }

void RunListModel::stop() { m_timer.stop(); }

void RunListModel::setStaleAfter(double seconds) { m_staleAfter = seconds; }

void RunListModel::setMetricsFollower(MetricsFollower* follower) {
  if (m_follower) disconnect(m_follower, nullptr, this, nullptr);
  m_follower = follower;
  if (follower) connect(follower, &MetricsFollower::appended, this, &RunListModel::stepsChanged);
  stepsChanged();
}

void RunListModel::stepsChanged() {
  if (m_runs.empty()) return;
  emit dataChanged(index(0, Step), index(rowCount() - 1, Progress), {Qt::DisplayRole});
}

int RunListModel::rowOfRun(qint64 runId) const {
  for (size_t i = 0; i < m_runs.size(); ++i)
    if (m_runs[i].id == runId) return static_cast<int>(i);
  return -1;
}

const warp::RunNotes& RunListModel::notes(qint64 runId) const {
  static const warp::RunNotes kNone;
  auto it = m_notes.find(runId);
  return it == m_notes.end() ? kNone : it->second;
}

std::map<qint64, warp::RunNotes> RunListModel::readNotes() {
  std::map<qint64, warp::RunNotes> out;
  try {
    for (warp::RunNotes& n : m_db->list_run_notes()) out.emplace(n.run_id, std::move(n));
  } catch (const std::exception& e) {
    emit readFailed(QString::fromUtf8(e.what()));
    return m_notes;
  }
  return out;
}

int RunListModel::countWithStatus(warp::RunStatus status) const {
  int n = 0;
  for (const warp::RunRecord& r : m_runs) n += r.status == status;
  return n;
}

void RunListModel::refresh() {
  if (!m_db) return;
  std::vector<warp::RunRecord> fresh;
  try {
    fresh = m_db->list_runs(m_staleAfter);
  } catch (const std::exception& e) {
    emit readFailed(QString::fromUtf8(e.what()));
    return;
  }
  // The notes first: rows inserted below are read by views at once.
  const std::map<qint64, warp::RunNotes> oldNotes = std::exchange(m_notes, readNotes());
  auto notesDiffer = [&](qint64 id) {
    auto a = oldNotes.find(id);
    auto b = m_notes.find(id);
    const bool hasA = a != oldNotes.end(), hasB = b != m_notes.end();
    if (hasA != hasB) return true;
    return hasA && (a->second.note != b->second.note || a->second.tags != b->second.tags);
  };
  std::map<qint64, QString> schedulerBefore;
  for (const warp::RunRecord& r : m_runs) schedulerBefore[r.id] = schedulerText(r);
  // Both lists are by id: walk them together. Rows of runs gone from the database are removed,
  // rows of the same run updated cell by cell, new runs inserted where their id sorts.
  size_t row = 0, k = 0;
  while (row < m_runs.size() || k < fresh.size()) {
    if (k == fresh.size() || (row < m_runs.size() && m_runs[row].id < fresh[k].id)) {
      beginRemoveRows(QModelIndex(), static_cast<int>(row), static_cast<int>(row));
      m_runs.erase(m_runs.begin() + static_cast<std::ptrdiff_t>(row));
      endRemoveRows();
    } else if (row == m_runs.size() || fresh[k].id < m_runs[row].id) {
      size_t end = k + 1;  // a block of new runs goes in with one insert
      while (end < fresh.size() && (row == m_runs.size() || fresh[end].id < m_runs[row].id)) ++end;
      const int first = static_cast<int>(row), last = static_cast<int>(row + (end - k) - 1);
      beginInsertRows(QModelIndex(), first, last);
      m_runs.insert(m_runs.begin() + static_cast<std::ptrdiff_t>(row), fresh.begin() + static_cast<std::ptrdiff_t>(k),
                    fresh.begin() + static_cast<std::ptrdiff_t>(end));
      endInsertRows();
      row += end - k;
      k = end;
    } else {
      int firstChanged = -1, lastChanged = -1;
      for (int c = 0; c < ColumnCount; ++c) {
        if (!differs(m_runs[row], fresh[k], c)) continue;
        if (firstChanged < 0) firstChanged = c;
        lastChanged = c;
      }
      if (notesDiffer(fresh[k].id)) {  // the tags cell, and the note in the name's tooltip
        firstChanged = Name;
        lastChanged = std::max(lastChanged, static_cast<int>(Tags));
      }
      m_runs[row] = std::move(fresh[k]);
      if (firstChanged >= 0) {
        const int r = static_cast<int>(row);
        emit dataChanged(index(r, firstChanged), index(r, lastChanged));
      }
      ++row;
      ++k;
    }
  }
  m_jobs = readJobs(m_runs);
  for (size_t i = 0; i < m_runs.size(); ++i) {
    const auto before = schedulerBefore.find(m_runs[i].id);
    if (before != schedulerBefore.end() && before->second != schedulerText(m_runs[i]))
      emit dataChanged(index(static_cast<int>(i), Scheduler), index(static_cast<int>(i), Scheduler));
  }
  emit refreshed();
}

std::map<qint64, std::vector<warp::WorkerJobRecord>> RunListModel::readJobs(
    const std::vector<warp::RunRecord>& runs) const {
  std::map<qint64, std::vector<warp::WorkerJobRecord>> jobs;
  if (!m_db) return jobs;
  for (const warp::RunRecord& r : runs) {
    if (r.kind != "warp") continue;
    try {
      std::vector<warp::WorkerJobRecord> list = m_db->list_worker_jobs(r.id);
      if (!list.empty()) jobs[r.id] = std::move(list);
    } catch (const std::exception&) {
      // A database before schema v4 has no worker jobs: nothing to show.
    }
  }
  return jobs;
}

std::optional<warp::WorkerJobRecord> RunListModel::workerJob(const warp::RunRecord& run) const {
  if (!run.parent_run_id) return std::nullopt;
  const auto it = m_jobs.find(*run.parent_run_id);
  if (it == m_jobs.end()) return std::nullopt;
  std::optional<warp::WorkerJobRecord> last;
  for (const warp::WorkerJobRecord& j : it->second)
    if (j.worker == run.name) last = j;  // by id: the latest submission wins
  return last;
}

std::vector<warp::WorkerJobRecord> RunListModel::driverJobs(qint64 driverRunId) const {
  const auto it = m_jobs.find(driverRunId);
  return it == m_jobs.end() ? std::vector<warp::WorkerJobRecord>() : it->second;
}

QString RunListModel::schedulerText(const warp::RunRecord& run) const {
  if (const auto job = workerJob(run)) {
    QString text = QStringLiteral("%1 · %2").arg(QString::fromStdString(job->state),
                                                 tr("job %1").arg(QString::fromStdString(job->job_id)));
    if (!job->node.empty()) text += QStringLiteral(" · ") + QString::fromStdString(job->node);
    return text;
  }
  const auto it = m_jobs.find(run.id);
  if (it == m_jobs.end()) return QString();
  std::map<std::string, const warp::WorkerJobRecord*> latest;  // per worker
  std::string launcher;
  for (const warp::WorkerJobRecord& j : it->second) {
    latest[j.worker] = &j;
    launcher = j.launcher;
  }
  std::map<std::string, int> byState;
  for (const auto& [worker, j] : latest) ++byState[j->state];
  QStringList parts;
  for (const auto& [state, n] : byState) parts << QStringLiteral("%1 %2").arg(n).arg(QString::fromStdString(state));
  return QStringLiteral("%1: %2").arg(QString::fromStdString(launcher), parts.join(QStringLiteral(", ")));
}

int RunListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_runs.size());
}

int RunListModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RunListModel::displayData(const warp::RunRecord& r, int column) const {
  switch (column) {
    case Name:
      return QString::fromStdString(r.name);
    case Kind:
      return QString::fromStdString(r.kind);
    case Status:
      return QString::fromLatin1(warp::to_string(r.status));
    case Iteration:
      return r.iteration ? QVariant(static_cast<qlonglong>(*r.iteration)) : QVariant();
    case Step: {
      if (!m_follower) return QVariant();
      std::optional<qint64> step = m_follower->lastStep(r.id);
      return step ? QVariant(static_cast<qlonglong>(*step)) : QVariant();
    }
    case Progress: {
      if (!m_follower) return QVariant();
      const QString text = progressText(r, m_follower->lastStep(r.id), warp::unix_now());
      return text.isEmpty() ? QVariant() : QVariant(text);
    }
    case Started:
      if (!r.started_at) return QVariant();
      return QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(*r.started_at * 1000.0))
          .toString(QStringLiteral("MM-dd hh:mm:ss"));
    case Elapsed: {
      if (!r.started_at) return QVariant();
      double end = r.ended_at ? *r.ended_at : (r.status == warp::RunStatus::Running ? warp::unix_now() : NAN);
      // A run presumed crashed has no end time: its last sign of life ends it.
      if (std::isnan(end) && r.heartbeat_at) end = *r.heartbeat_at;
      return std::isnan(end) ? QVariant() : QVariant(formatDuration(end - *r.started_at));
    }
    case Tags: {
      const warp::RunNotes& n = notes(r.id);
      QStringList tags;
      for (const std::string& t : n.tags) tags << QString::fromStdString(t);
      return tags.isEmpty() ? QVariant() : QVariant(tags.join(QStringLiteral(", ")));
    }
    case Message:
      if (r.presumed_crashed && r.message.empty())
        return tr("process gone (pid %1), no heartbeat for over %2 s")
            .arg(r.pid ? QString::number(*r.pid) : QStringLiteral("?"))
            .arg(m_staleAfter);
      return QString::fromStdString(r.message);
    case Scheduler: {
      const QString text = schedulerText(r);
      return text.isEmpty() ? QVariant() : QVariant(text);
    }
  }
  return QVariant();
}

qint64 RunListModel::totalSteps(const warp::RunRecord& run) {
  const char* section = run.kind == "sft" ? "sft" : run.kind == "rm" ? "rm" : run.kind == "train" ? "rl" : nullptr;
  if (!section) return 0;
  const nlohmann::json j = nlohmann::json::parse(run.config_json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains(section) || !j[section].is_object()) return 0;
  const nlohmann::json& steps = j[section].value("steps", nlohmann::json());
  return steps.is_number_integer() && steps.get<qint64>() > 0 ? steps.get<qint64>() : 0;
}

QString RunListModel::progressText(const warp::RunRecord& run, std::optional<qint64> step, double now) {
  const qint64 total = totalSteps(run);
  if (total <= 0 || !step) return QString();
  const qint64 done = std::clamp<qint64>(*step, 0, total);
  QString text = QStringLiteral("%1/%2 %3%").arg(done).arg(total).arg(100 * done / total);
  // Time left at the rate since the start (the CLI's estimate), once a step is done.
  if (run.status == warp::RunStatus::Running && run.started_at && done > 0 && done < total && now > *run.started_at) {
    const double left = (now - *run.started_at) / static_cast<double>(done) * static_cast<double>(total - done);
    text += tr(" ETA %1").arg(formatDuration(left));
  }
  return text;
}

QVariant RunListModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return QVariant();
  const warp::RunRecord& r = m_runs[static_cast<size_t>(index.row())];
  switch (role) {
    case Qt::DisplayRole:
      return displayData(r, index.column());
    case Qt::ToolTipRole:
      if ((index.column() == Name || index.column() == Tags) && !notes(r.id).note.empty())
        return QString::fromStdString(notes(r.id).note);
      if (index.column() == Started && r.started_at)
        return QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(*r.started_at * 1000.0))
            .toString(QStringLiteral("yyyy-MM-dd hh:mm:ss t"));
      if (index.column() == Message || index.column() == Status) {
        QString tip = QString::fromStdString(r.message);
        if (r.presumed_crashed) tip = displayData(r, Message).toString();
        if (r.pid)
          tip += (tip.isEmpty() ? QString() : QStringLiteral("\n")) +
                 tr("pid %1 on %2").arg(*r.pid).arg(QString::fromStdString(r.host));
        return tip.isEmpty() ? QVariant() : QVariant(tip);
      }
      return QVariant();
    case Qt::ForegroundRole:
      // Readable on the list's background in the light and the dark palette (plot/plot_theme.h).
      if (index.column() == Status)
        return QBrush(PlotTheme::fromPalette(QGuiApplication::palette())
                          .readable(statusColor(r.status), PlotTheme::kMinTextContrast));
      return QVariant();
    case Qt::FontRole:
      if (index.column() == Status && r.status == warp::RunStatus::Running) {
        QFont f;
        f.setBold(true);
        return f;
      }
      return QVariant();
    case Qt::TextAlignmentRole:
      if (index.column() == Iteration || index.column() == Step || index.column() == Elapsed)
        return int(Qt::AlignRight | Qt::AlignVCenter);
      return QVariant();
    case RunIdRole:
      return static_cast<qlonglong>(r.id);
    case StatusRole:
      return QString::fromLatin1(warp::to_string(r.status));
    case TagsRole: {
      QStringList tags;
      for (const std::string& t : notes(r.id).tags) tags << QString::fromStdString(t);
      return tags;
    }
    case NoteRole:
      return QString::fromStdString(notes(r.id).note);
  }
  return QVariant();
}

QVariant RunListModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
    return QAbstractTableModel::headerData(section, orientation, role);
  switch (section) {
    case Name:
      return tr("Name");
    case Kind:
      return tr("Kind");
    case Status:
      return tr("Status");
    case Iteration:
      return tr("Iter.");
    case Step:
      return tr("Step");
    case Progress:
      return tr("Progress");
    case Started:
      return tr("Started");
    case Elapsed:
      return tr("Elapsed");
    case Tags:
      return tr("Tags");
    case Message:
      return tr("Message");
    case Scheduler:
      return tr("Scheduler");
  }
  return QVariant();
}
