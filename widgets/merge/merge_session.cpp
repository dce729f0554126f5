#include "merge/merge_session.h"

#include <QMetaObject>

MergeSession::MergeSession(QObject* parent) : QObject(parent) {
  m_worker = new MergeWorker(&m_latest);  // no parent: it moves to the thread
  m_worker->moveToThread(&m_thread);
  m_thread.setObjectName(QStringLiteral("merge worker"));

  connect(m_worker, &MergeWorker::opened, this, [this](quint64 generation, const WorkbenchInfo& info) {
    if (generation != m_latest.load()) return;
    finished(generation);
    Q_EMIT opened(info);
  });
  connect(m_worker, &MergeWorker::pointReady, this, [this](quint64 generation, const MergedPoint& point) {
    const bool fromSweep = generation == m_sweepGeneration;
    if (generation != m_latest.load()) {
      ++m_droppedResults;
      return;
    }
    ++m_pointsDelivered;
    if (!fromSweep) finished(generation);
    Q_EMIT pointReady(point, fromSweep);
  });
  connect(m_worker, &MergeWorker::estimateReady, this, [this](quint64 generation, const MergedPoint& estimate) {
    if (generation != m_latest.load() || generation == m_sweepGeneration || !m_busy) return;
    ++m_estimatesDelivered;
    Q_EMIT estimateReady(estimate);
  });
  connect(m_worker, &MergeWorker::cancelled, this, [this](quint64 generation) {
    ++m_cancellations;
    if (generation == m_latest.load()) finished(generation);  // cancel(): nothing newer runs
  });
  connect(m_worker, &MergeWorker::sweepFinished, this, [this](quint64 generation, int evaluated) {
    if (generation != m_latest.load()) return;
    finished(generation);
    Q_EMIT sweepFinished(evaluated);
  });
  connect(m_worker, &MergeWorker::progress, this,
          [this](quint64 generation, const QString& stage, qint64 done, qint64 total) {
            if (generation == m_latest.load()) Q_EMIT progress(stage, done, total);
          });
  connect(m_worker, &MergeWorker::failed, this,
          [this](quint64 generation, const QString& what, const QString& message) {
            if (m_shutDown) return;
            if (what == QLatin1String("export")) {
              Q_EMIT exportFailed(message);
              return;
            }
            if (what == QLatin1String("reference")) {
              Q_EMIT evaluateFailed(message);
              return;
            }
            if (generation != m_latest.load()) return;
            finished(generation);
            if (what == QLatin1String("open")) Q_EMIT openFailed(message);
            else Q_EMIT evaluateFailed(message);
          });
  connect(m_worker, &MergeWorker::referenceReady, this, [this](quint64 openGeneration, const MergedPoint& point) {
    if (!m_shutDown && openGeneration == m_openGeneration) Q_EMIT referenceReady(point);
  });
  connect(m_worker, &MergeWorker::exportProgress, this, [this](const QString& stage, qint64 done, qint64 total) {
    if (!m_shutDown) Q_EMIT exportProgress(stage, done, total);
  });
  connect(m_worker, &MergeWorker::exported, this, [this](const QString& path) {
    if (!m_shutDown) Q_EMIT exported(path);
  });
  m_thread.start();
}

MergeSession::~MergeSession() { shutdown(); }

void MergeSession::shutdown() {
  if (m_shutDown) return;
  m_shutDown = true;
  m_worker->stopAll();
  m_latest.fetch_add(1);
  m_thread.quit();
  m_thread.wait();
  // The thread has ended: nothing runs the worker any more, so it is deleted here.
  delete m_worker;
  m_worker = nullptr;
  setBusy(false);
}

quint64 MergeSession::next() {
  const quint64 generation = m_latest.fetch_add(1) + 1;
  setBusy(true);
  return generation;
}

void MergeSession::setBusy(bool busy) {
  if (busy == m_busy) return;
  m_busy = busy;
  Q_EMIT busyChanged(busy);
}

void MergeSession::finished(quint64 generation) {
  if (generation == m_latest.load()) setBusy(false);
}

quint64 MergeSession::open(const QString& experimentDir, const MergeInputSpec& inputs) {
  if (m_shutDown) return 0;
  const quint64 generation = next();
  m_openGeneration = generation;
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker, generation, experimentDir, inputs] { w->open(generation, experimentDir, inputs); },
      Qt::QueuedConnection);
  return generation;
}

std::optional<MergedPoint> MergeSession::lookup(const MergeRecipeSpec& recipe) const {
  if (m_shutDown) return std::nullopt;
  return m_worker->lookup(recipe);
}

quint64 MergeSession::evaluate(const MergeRecipeSpec& recipe) {
  if (m_shutDown) return 0;
  const quint64 generation = next();
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker, generation, recipe] { w->evaluate(generation, recipe); }, Qt::QueuedConnection);
  return generation;
}

quint64 MergeSession::sweep(const QVector<MergeRecipeSpec>& recipes) {
  if (m_shutDown) return 0;
  const quint64 generation = next();
  m_sweepGeneration = generation;
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker, generation, recipes] { w->sweep(generation, recipes); }, Qt::QueuedConnection);
  return generation;
}

void MergeSession::cancel() {
  if (m_shutDown) return;
  m_latest.fetch_add(1);
  setBusy(false);
}

void MergeSession::requestReference() {
  if (m_shutDown) return;
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker, g = m_openGeneration] { w->reference(g); }, Qt::QueuedConnection);
}

void MergeSession::exportCheckpoint(const MergeRecipeSpec& recipe, const QString& path) {
  if (m_shutDown) return;
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker, recipe, path] { w->exportCheckpoint(recipe, path); }, Qt::QueuedConnection);
}

void MergeSession::exportHf(const MergeRecipeSpec& recipe, const QString& dir) {
  if (m_shutDown) return;
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker, recipe, dir] { w->exportHf(recipe, dir); }, Qt::QueuedConnection);
}
