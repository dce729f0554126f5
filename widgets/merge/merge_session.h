#pragma once
// The GUI-thread side of the Merge tab's worker (merge/merge_worker.h): starts the worker thread,
// numbers the requests (generations), makes each new request supersede the running one, drops
// results of superseded requests (only the newest point reaches the panel), and shuts the thread
// down cleanly (cancel + quit + wait) when the panel or the experiment changes.
//
// lookup() is the cache read the panel does on the GUI thread before queuing any work: a point
// evaluated before appears at once, without the worker.

#include <atomic>
#include <optional>

#include <QObject>
#include <QString>
#include <QThread>
#include <QVector>

#include "merge/merge_worker.h"

class MergeSession : public QObject {
  Q_OBJECT

 public:
  explicit MergeSession(QObject* parent = nullptr);
  ~MergeSession() override;

  // Cancels whatever runs (exports included), stops the thread and waits for it. Idempotent; the
  // session accepts no request after it.
  void shutdown();
  bool isRunning() const { return m_thread.isRunning(); }

  // Opens inputs of the experiment (replacing the open ones): opened or openFailed. Supersedes
  // every request before it.
  quint64 open(const QString& experimentDir, const MergeInputSpec& inputs);
  // The cached point of a recipe on the open inputs, at once (GUI thread), nothing when not cached.
  std::optional<MergedPoint> lookup(const MergeRecipeSpec& recipe) const;
  // Evaluates a recipe in the background (supersedes the running request): pointReady.
  quint64 evaluate(const MergeRecipeSpec& recipe);
  // Evaluates each recipe not cached yet (supersedes the running request; superseded in turn by
  // the next request): pointReady (fromSweep) per point, then sweepFinished.
  quint64 sweep(const QVector<MergeRecipeSpec>& recipes);
  // Supersedes whatever request runs; nothing new starts.
  void cancel();
  // θ_sft's point under the protocol of the inputs open, in the background: referenceReady (dropped
  // when other inputs were opened meanwhile).
  void requestReference();
  // Exports on the worker thread (queued behind the running request): exported or exportFailed.
  void exportCheckpoint(const MergeRecipeSpec& recipe, const QString& path);
  void exportHf(const MergeRecipeSpec& recipe, const QString& dir);

  // The newest generation asked for, and whether its request is still running.
  quint64 latestGeneration() const { return m_latest.load(); }
  bool isBusy() const { return m_busy; }
  MergeWorker* worker() const { return m_worker; }

  // Counts since construction (what the tests check): points delivered to the panel, requests
  // the worker reported cancelled (superseded while running or skipped while queued), results of
  // superseded requests dropped.
  int pointsDelivered() const { return m_pointsDelivered; }
  int cancellations() const { return m_cancellations; }
  int droppedResults() const { return m_droppedResults; }
  int estimatesDelivered() const { return m_estimatesDelivered; }

 Q_SIGNALS:
  void opened(const WorkbenchInfo& info);
  void openFailed(const QString& message);
  void pointReady(const MergedPoint& point, bool fromSweep);
  // The newest single evaluation's estimate from the prompts done so far (MergeWorker::estimateReady).
  void estimateReady(const MergedPoint& estimate);
  void evaluateFailed(const QString& message);
  // The newest request's progress (coalesced by the worker).
  void progress(const QString& stage, qint64 done, qint64 total);
  void busyChanged(bool busy);
  void sweepFinished(int evaluated);
  void referenceReady(const MergedPoint& point);
  void exportProgress(const QString& stage, qint64 done, qint64 total);
  void exported(const QString& path);
  void exportFailed(const QString& message);

 private:
  quint64 next();
  void setBusy(bool busy);
  void finished(quint64 generation);

  std::atomic<quint64> m_latest{0};
  QThread m_thread;
  MergeWorker* m_worker = nullptr;
  quint64 m_sweepGeneration = 0;
  quint64 m_openGeneration = 0;  // of the inputs open (or opening)
  bool m_busy = false;
  bool m_shutDown = false;
  int m_pointsDelivered = 0;
  int m_cancellations = 0;
  int m_droppedResults = 0;
  int m_estimatesDelivered = 0;
};
