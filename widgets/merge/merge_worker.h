#pragma once
// The Merge tab's bridge to core's merge workbench (core/workbench/merge_workbench.h), DESIGN §2:
// merges and evaluations asked for interactively run inside the GUI process on a worker thread,
// cancellable, never on the GUI thread.
//
// MergeWorker lives on a QThread of its own (MergeSession starts it) and owns the MergeWorkbench.
// Its slots are invoked queued from the GUI thread; its results come back as Q_SIGNALS:
//   open        inputs_from_* + MergeWorkbench::open → opened(WorkbenchInfo) | failed
//   evaluate    MergeWorkbench::evaluate(recipe)     → pointReady | cancelled | failed
//   sweep       evaluate of each recipe in turn      → pointReady per point, then sweepFinished
//   reference   MergeWorkbench::reference()          → referenceReady (tagged with the open's generation) | failed
//   export*     export_checkpoint / export_hf        → exported | failed
// Supersession: every request carries a generation number; the session raises the latest
// generation (an atomic shared with the worker) before queuing a request, so the running request's
// ProgressFn returns false at its next tensor or batch (core throws Cancelled; nothing is stored)
// and queued older requests are skipped without work. Exports and the reference are never
// superseded by slider moves; only closing the session stops them.
// Progress is coalesced: at most one progress signal per 50 ms per request, plus each stage's first
// and last report.
//
// The types here are plain Qt values (no LibTorch headers): only merge_worker.cpp includes core's
// workbench, so the panel and the tests that drive it compile without LibTorch. That file is built
// with QT_NO_KEYWORDS (LibTorch's headers use the names `slots` and `signals`), hence Q_SLOTS,
// Q_SIGNALS and Q_EMIT in this pair.

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

#include <QElapsedTimer>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVariantMap>
#include <QVector>

#include "merge/omega_chart.h"
#include "merge/samples_model.h"

namespace warp {
class MergeWorkbench;
}

// What the Merge tab merges: a WARP iteration, finished runs with a common init, or files.
struct MergeInputSpec {
  enum class Source { Iteration, Runs, Files };
  Source source = Source::Iteration;
  QString driver;        // Iteration
  qint64 iteration = 0;  // Iteration
  QStringList runs;      // Runs
  QString init;          // Files: θ_init
  QStringList models;    // Files: θ_1..θ_M

  // For QSettings: {"source": "iteration"|"runs"|"files", "driver", "iteration", "runs", "init", "models"}.
  QVariantMap toVariant() const;
  // nullopt for a map that is not one (an unknown source, a missing field).
  static std::optional<MergeInputSpec> fromVariant(const QVariantMap& map);
  bool operator==(const MergeInputSpec& o) const;
};

// A recipe as the controls give it (mirror of warp::MergeRecipe).
struct MergeRecipeSpec {
  bool lerp = false;    // SLERP (false) or LERP
  double lambda = 0.5;  // M = 2 only
  double eta = 1.0;
  bool towardSft = false;  // LITI toward θ_sft (Algorithm 1's output) instead of θ_init
  bool layer = false;      // SLERP granularity: one Ω per layer group (the paper's "layer by layer")
                           // instead of per tensor; ignored for LERP (see layerSlerp())

  // Whether the merge is a layer SLERP (layer granularity and SLERP): part of the point's identity.
  bool layerSlerp() const { return layer && !lerp; }
  // "SLERP λ 0.50 → LITI η 0.35 toward θ_init"; for M > 2 "SLERP (Eq. 26, λ = 1/m) → …"; a layer
  // SLERP says "SLERP per layer …".
  QString describe(int numModels = 2) const;
  bool operator==(const MergeRecipeSpec& o) const;
};

// One phase of an uncached point's work on the worker (warp::WorkbenchPoint::phases): wall seconds and
// the process's CPU seconds (user + sys, all threads).
struct PointPhase {
  QString name;
  double wallSeconds = 0, cpuSeconds = 0;
};

// One evaluated point of the workbench (warp::WorkbenchPoint in Qt values).
struct MergedPoint {
  MergeRecipeSpec recipe;
  QString key;  // the recipe's cache key (SHA-256): the point's id on the plane
  qint64 prompts = 0;
  double reward = 0, rewardSe = 0, gold = 0, goldSe = 0, kl = 0, klSe = 0;
  QVector<SampleRow> rows;
  QStringList provenance;  // tooltip lines: inputs, recipe, iteration, checkpoints
  QString provenanceJson;  // core's provenance JSON (compact)
  bool cached = false;
  double mergeSeconds = 0, evalSeconds = 0;
  QVector<PointPhase> phases;  // empty when cached (profiling: bench/studio prints them)
};

// What an opened workbench offers the panel.
struct WorkbenchInfo {
  QString description;  // MergeInputs::describe()
  int numModels = 0;
  QStringList prompts;  // the evaluation prompts
  double temperature = 0;
  QVector<OmegaEntry> omega;        // per tensor (MergeWorkbench::omega_records)
  QVector<OmegaEntry> omegaLayers;  // per layer group (MergeWorkbench::omega_group_records)
  QVector<MergedPoint> cachedPoints;
};

// A WARP driver's iteration for the chooser (warp::IterationChoice).
struct IterationEntry {
  QString driver;
  qint64 iteration = 0;
  qint64 runs = 0;
  bool complete = false;
};

Q_DECLARE_METATYPE(MergeInputSpec)
Q_DECLARE_METATYPE(MergeRecipeSpec)
Q_DECLARE_METATYPE(MergedPoint)
Q_DECLARE_METATYPE(WorkbenchInfo)

class MergeWorker : public QObject {
  Q_OBJECT

 public:
  // `latest`: the newest generation asked for (owned by the session, outlives the worker).
  explicit MergeWorker(std::atomic<quint64>* latest, QObject* parent = nullptr);
  ~MergeWorker() override;

  // Stops everything at its next tensor or batch, exports included (the session closing).
  void stopAll() { m_stopping.store(true); }

  // Thread-safe (any thread, also while a request runs): the cached point of a recipe on the
  // open workbench, nothing when none is open or the recipe was never evaluated. One indexed read.
  std::optional<MergedPoint> lookup(const MergeRecipeSpec& recipe) const;

  // Iterations of the experiment's WARP drivers (list_merge_iterations). Throws warp::BadInput /
  // warp::Error (experiment or database not readable). Reads the database: cheap, any thread.
  static QVector<IterationEntry> listIterations(const QString& experimentDir);
  // Names of the experiment's finished "train" runs, by id.
  static QStringList finishedTrainRuns(const QString& experimentDir);

  // Requests started since construction, by kind (tests count work this way).
  int evaluationsStarted() const { return m_evaluationsStarted.load(); }

 public Q_SLOTS:
  void open(quint64 generation, const QString& experimentDir, const MergeInputSpec& inputs);
  void evaluate(quint64 generation, const MergeRecipeSpec& recipe);
  void sweep(quint64 generation, const QVector<MergeRecipeSpec>& recipes);
  // `openGeneration`: the generation of the open it belongs to (the session drops it after another open).
  void reference(quint64 openGeneration);
  void exportCheckpoint(const MergeRecipeSpec& recipe, const QString& path);
  void exportHf(const MergeRecipeSpec& recipe, const QString& dir);

 Q_SIGNALS:
  void opened(quint64 generation, const WorkbenchInfo& info);
  // A request's progress: stage "load", "merge" or "eval" (core's stages), done of total units.
  void progress(quint64 generation, const QString& stage, qint64 done, qint64 total);
  void pointReady(quint64 generation, const MergedPoint& point);
  // While a single evaluation runs (not a sweep): the point over the prompts done so far, after each
  // evaluation batch but the last (prompts = how many; no rows, no key: never cached).
  void estimateReady(quint64 generation, const MergedPoint& estimate);
  // The request of `generation` was superseded (by a newer one) before it finished.
  void cancelled(quint64 generation);
  void sweepFinished(quint64 generation, int evaluated);
  void referenceReady(quint64 openGeneration, const MergedPoint& point);
  void exportProgress(const QString& stage, qint64 done, qint64 total);
  void exported(const QString& path);
  // `what`: "open", "evaluate", "sweep", "reference", "export"; message: the engine's.
  void failed(quint64 generation, const QString& what, const QString& message);

 private:
  std::shared_ptr<warp::MergeWorkbench> workbench() const;
  bool superseded(quint64 generation) const;

  std::atomic<quint64>* m_latest;
  std::atomic<bool> m_stopping{false};
  std::atomic<int> m_evaluationsStarted{0};
  mutable std::mutex m_mutex;  // guards m_workbench (the pointer; the workbench guards its lookups)
  std::shared_ptr<warp::MergeWorkbench> m_workbench;
  QString m_experimentDir;
};
