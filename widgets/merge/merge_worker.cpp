// The one source file of widgets/ that includes core's workbench (and so LibTorch's headers); built
// with QT_NO_KEYWORDS (widgets/CMakeLists.txt).
#include "merge/merge_worker.h"

#include <cmath>
#include <exception>
#include <limits>

#include <QCoreApplication>
#include <QFileInfo>

#include "db/experiment_db.h"
#include "db/records.h"
#include "util/error.h"
#include "util/phase_times.h"
#include "util/progress.h"
#include "workbench/merge_workbench.h"

namespace {

constexpr qint64 kProgressIntervalMs = 50;

QString qs(const std::string& s) { return QString::fromStdString(s); }

warp::MergeRecipe toCore(const MergeRecipeSpec& spec) {
  warp::MergeRecipe r;
  r.method = spec.lerp ? warp::MergeMethod::Lerp : warp::MergeMethod::Slerp;
  r.lambda = spec.lambda;
  r.eta = spec.eta;
  r.eta_mode = spec.towardSft ? warp::MergeRecipe::EtaMode::TowardSft : warp::MergeRecipe::EtaMode::TowardInit;
  r.granularity = spec.layerSlerp() ? warp::MergeGranularity::Layer : warp::MergeGranularity::Tensor;
  return r;
}

MergeRecipeSpec fromCore(const warp::MergeRecipe& r) {
  MergeRecipeSpec spec;
  spec.lerp = r.method == warp::MergeMethod::Lerp;
  spec.lambda = r.lambda;
  spec.eta = r.eta;
  spec.towardSft = r.eta_mode == warp::MergeRecipe::EtaMode::TowardSft;
  spec.layer = r.granularity == warp::MergeGranularity::Layer;
  return spec;
}

QVector<SampleRow> rowsOf(const std::vector<warp::EvalRow>& rows) {
  QVector<SampleRow> out;
  out.reserve(static_cast<int>(rows.size()));
  for (const warp::EvalRow& r : rows)
    out << SampleRow{
        static_cast<int>(r.prompt_index), static_cast<quint64>(r.seed), qs(r.text), r.reward, r.gold, r.kl_sft};
  return out;
}

QString fileList(const std::vector<std::string>& paths) {
  QStringList names;
  for (const std::string& p : paths) names << QFileInfo(qs(p)).fileName();
  return names.join(QStringLiteral(", "));
}

MergedPoint fromCore(const warp::WorkbenchPoint& p, const warp::MergeWorkbench& wb, const QString& what) {
  MergedPoint m;
  m.recipe = fromCore(p.recipe);
  m.key = qs(p.recipe_sha256);
  m.prompts = p.point.prompts;
  m.reward = p.point.reward.mean;
  m.rewardSe = p.point.reward.se;
  m.gold = p.point.gold.mean;
  m.goldSe = p.point.gold.se;
  m.kl = p.point.kl_sft.mean;
  m.klSe = p.point.kl_sft.se;
  m.rows = rowsOf(p.rows);
  m.provenanceJson = qs(p.provenance.dump());
  m.cached = p.cached;
  m.mergeSeconds = p.merge_seconds;
  m.evalSeconds = p.eval_seconds;
  for (const warp::PhaseTime& t : p.phases.phases) m.phases << PointPhase{qs(t.name), t.wall_s, t.cpu_s};
  const warp::MergeInputs& in = wb.inputs();
  m.provenance << (what.isEmpty() ? qs(in.describe()) : what);
  if (what.isEmpty()) {
    m.provenance << m.recipe.describe(wb.num_models());
    m.provenance << QCoreApplication::translate("MergeWorker", "θ_init: %1").arg(QFileInfo(qs(in.init)).fileName());
    m.provenance << QCoreApplication::translate("MergeWorker", "models: %1").arg(fileList(in.models));
  }
  m.provenance << (p.cached
                       ? QCoreApplication::translate("MergeWorker", "from the cache (evaluated before)")
                       : QCoreApplication::translate("MergeWorker", "merged in %1 s, evaluated in %2 s")
                             .arg(QString::number(p.merge_seconds, 'f', 2), QString::number(p.eval_seconds, 'f', 2)));
  return m;
}

// A ProgressFn that stops when `stop()` says so and reports through `emitFn`, coalesced: a stage's
// first and last report always, others at most every kProgressIntervalMs.
template <typename Stop, typename Emit>
warp::ProgressFn coalescedProgress(Stop stop, Emit emitFn) {
  auto timer = std::make_shared<QElapsedTimer>();
  auto lastStage = std::make_shared<std::string>();
  return [=](const warp::ProgressInfo& p) {
    if (stop()) return false;
    const bool edge = p.stage != *lastStage || (p.total > 0 && p.done >= p.total);
    if (edge || !timer->isValid() || timer->elapsed() >= kProgressIntervalMs) {
      emitFn(qs(p.stage), static_cast<qint64>(p.done), static_cast<qint64>(p.total));
      timer->start();
      *lastStage = p.stage;
    }
    return true;
  };
}

}  // namespace

// ---- plain values ------------------------------------------------------------------------------

QVariantMap MergeInputSpec::toVariant() const {
  QVariantMap m;
  m[QStringLiteral("source")] = source == Source::Iteration ? QStringLiteral("iteration")
                                : source == Source::Runs    ? QStringLiteral("runs")
                                                            : QStringLiteral("files");
  m[QStringLiteral("driver")] = driver;
  m[QStringLiteral("iteration")] = iteration;
  m[QStringLiteral("runs")] = runs;
  m[QStringLiteral("init")] = init;
  m[QStringLiteral("models")] = models;
  return m;
}

std::optional<MergeInputSpec> MergeInputSpec::fromVariant(const QVariantMap& map) {
  for (const char* key : {"source", "driver", "iteration", "runs", "init", "models"})
    if (!map.contains(QLatin1String(key))) return std::nullopt;
  MergeInputSpec s;
  const QString source = map.value(QStringLiteral("source")).toString();
  if (source == QLatin1String("iteration")) s.source = Source::Iteration;
  else if (source == QLatin1String("runs")) s.source = Source::Runs;
  else if (source == QLatin1String("files")) s.source = Source::Files;
  else return std::nullopt;
  s.driver = map.value(QStringLiteral("driver")).toString();
  s.iteration = map.value(QStringLiteral("iteration")).toLongLong();
  s.runs = map.value(QStringLiteral("runs")).toStringList();
  s.init = map.value(QStringLiteral("init")).toString();
  s.models = map.value(QStringLiteral("models")).toStringList();
  return s;
}

bool MergeInputSpec::operator==(const MergeInputSpec& o) const {
  return source == o.source && driver == o.driver && iteration == o.iteration && runs == o.runs && init == o.init &&
         models == o.models;
}

QString MergeRecipeSpec::describe(int numModels) const {
  const QString method = lerp           ? QStringLiteral("LERP")
                         : layerSlerp() ? QCoreApplication::translate("MergeWorker", "SLERP per layer")
                                        : QStringLiteral("SLERP");
  const QString merge =
      numModels > 2 ? (lerp           ? QCoreApplication::translate("MergeWorker", "LERP (uniform 1/M)")
                       : layerSlerp() ? QCoreApplication::translate("MergeWorker", "SLERP per layer (Eq. 26, λ = 1/m)")
                                      : QCoreApplication::translate("MergeWorker", "SLERP (Eq. 26, λ = 1/m)"))
                    : QStringLiteral("%1 λ %2").arg(method, QString::number(lambda, 'f', 2));
  return QCoreApplication::translate("MergeWorker", "%1 → LITI η %2 toward %3")
      .arg(merge, QString::number(eta, 'f', 2), towardSft ? QStringLiteral("θ_sft") : QStringLiteral("θ_init"));
}

bool MergeRecipeSpec::operator==(const MergeRecipeSpec& o) const {
  return lerp == o.lerp && lambda == o.lambda && eta == o.eta && towardSft == o.towardSft &&
         layerSlerp() == o.layerSlerp();
}

// ---- the worker ----------------------------------------------------------------------------------

MergeWorker::MergeWorker(std::atomic<quint64>* latest, QObject* parent) : QObject(parent), m_latest(latest) {
  qRegisterMetaType<MergeInputSpec>();
  qRegisterMetaType<MergeRecipeSpec>();
  qRegisterMetaType<MergedPoint>();
  qRegisterMetaType<WorkbenchInfo>();
}

MergeWorker::~MergeWorker() = default;

std::shared_ptr<warp::MergeWorkbench> MergeWorker::workbench() const {
  std::lock_guard<std::mutex> lock(m_mutex);
  return m_workbench;
}

bool MergeWorker::superseded(quint64 generation) const { return m_stopping.load() || generation < m_latest->load(); }

std::optional<MergedPoint> MergeWorker::lookup(const MergeRecipeSpec& recipe) const {
  const std::shared_ptr<warp::MergeWorkbench> wb = workbench();
  if (!wb) return std::nullopt;
  const std::optional<warp::WorkbenchPoint> p = wb->lookup(toCore(recipe));
  if (!p) return std::nullopt;
  return fromCore(*p, *wb, QString());
}

QVector<IterationEntry> MergeWorker::listIterations(const QString& experimentDir) {
  const warp::Experiment exp = warp::Experiment::open(experimentDir.toStdString());
  QVector<IterationEntry> out;
  for (const warp::IterationChoice& c : warp::list_merge_iterations(exp))
    out << IterationEntry{qs(c.driver), c.iteration, c.runs, c.complete};
  return out;
}

QStringList MergeWorker::finishedTrainRuns(const QString& experimentDir) {
  const warp::ExperimentDb db =
      warp::ExperimentDb::open_read_only((experimentDir + QStringLiteral("/experiment.db")).toStdString());
  QStringList names;
  for (const warp::RunRecord& r : db.list_runs())
    if (r.kind == "train" && r.status == warp::RunStatus::Finished) names << qs(r.name);
  return names;
}

void MergeWorker::open(quint64 generation, const QString& experimentDir, const MergeInputSpec& spec) {
  if (superseded(generation)) {
    Q_EMIT cancelled(generation);
    return;
  }
  try {
    const warp::Experiment exp = warp::Experiment::open(experimentDir.toStdString());
    warp::MergeInputs inputs;
    switch (spec.source) {
      case MergeInputSpec::Source::Iteration:
        inputs = warp::inputs_from_iteration(exp, spec.driver.toStdString(), spec.iteration);
        break;
      case MergeInputSpec::Source::Runs: {
        std::vector<std::string> runs;
        for (const QString& r : spec.runs) runs.push_back(r.toStdString());
        inputs = warp::inputs_from_runs(exp, runs);
        break;
      }
      case MergeInputSpec::Source::Files: {
        std::vector<std::string> models;
        for (const QString& m : spec.models) models.push_back(m.toStdString());
        inputs = warp::inputs_from_files(exp, spec.init.toStdString(), models);
        break;
      }
    }
    const warp::EvalConfig config = warp::MergeWorkbench::default_eval_config(exp, inputs);
    const warp::ProgressFn progressFn =
        coalescedProgress([this, generation] { return superseded(generation); },
                          [this, generation](const QString& stage, qint64 done, qint64 total) {
                            Q_EMIT progress(generation, stage, done, total);
                          });
    std::shared_ptr<warp::MergeWorkbench> wb = warp::MergeWorkbench::open(exp, inputs, config, progressFn);

    WorkbenchInfo info;
    info.description = qs(wb->inputs().describe());
    info.numModels = wb->num_models();
    for (const std::string& p : wb->prompts()) info.prompts << qs(p);
    info.temperature = wb->eval_config().temperature;
    for (const warp::TensorMergeRecord& r : wb->omega_records()) {
      const double omega = r.omega_deg.empty() ? std::numeric_limits<double>::quiet_NaN() : r.omega_deg[0];
      info.omega << OmegaEntry{qs(r.name), static_cast<qint64>(r.numel), omega, r.any_fallback(), {}};
    }
    for (const warp::GroupMergeRecord& g : wb->omega_group_records()) {
      const warp::TensorMergeRecord& r = g.record;
      const double omega = r.omega_deg.empty() ? std::numeric_limits<double>::quiet_NaN() : r.omega_deg[0];
      QStringList tensors;
      for (const std::string& t : g.tensors) tensors << qs(t);
      info.omegaLayers << OmegaEntry{qs(r.name), static_cast<qint64>(r.numel), omega, r.any_fallback(), tensors};
    }
    for (const warp::WorkbenchPoint& p : wb->cached_points()) info.cachedPoints << fromCore(p, *wb, QString());
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      m_workbench = std::move(wb);
    }
    m_experimentDir = experimentDir;
    Q_EMIT opened(generation, info);
  } catch (const warp::Cancelled&) {
    Q_EMIT cancelled(generation);
  } catch (const std::exception& e) {
    Q_EMIT failed(generation, QStringLiteral("open"), QString::fromUtf8(e.what()));
  }
}

void MergeWorker::evaluate(quint64 generation, const MergeRecipeSpec& recipe) {
  if (superseded(generation)) {
    Q_EMIT cancelled(generation);
    return;
  }
  const std::shared_ptr<warp::MergeWorkbench> wb = workbench();
  if (!wb) {
    Q_EMIT failed(generation, QStringLiteral("evaluate"), tr("no merge inputs are open"));
    return;
  }
  ++m_evaluationsStarted;
  try {
    const warp::ProgressFn progressFn =
        coalescedProgress([this, generation] { return superseded(generation); },
                          [this, generation](const QString& stage, qint64 done, qint64 total) {
                            Q_EMIT progress(generation, stage, done, total);
                          });
    const warp::EstimateFn estimateFn = [this, generation, recipe](const warp::EvalPoint& e) {
      if (superseded(generation)) return;
      MergedPoint m;
      m.recipe = recipe;
      m.prompts = e.prompts;
      m.reward = e.reward.mean;
      m.rewardSe = e.reward.se;
      m.gold = e.gold.mean;
      m.goldSe = e.gold.se;
      m.kl = e.kl_sft.mean;
      m.klSe = e.kl_sft.se;
      Q_EMIT estimateReady(generation, m);
    };
    const warp::WorkbenchPoint p = wb->evaluate(toCore(recipe), progressFn, estimateFn);
    QElapsedTimer wall;
    wall.start();
    const double cpu0 = warp::process_cpu_seconds();
    MergedPoint m = fromCore(p, *wb, QString());
    if (!p.cached)  // the conversion into Qt values (the rows) is the worker's last phase
      m.phases << PointPhase{QStringLiteral("convert"), double(wall.nsecsElapsed()) / 1e9,
                             warp::process_cpu_seconds() - cpu0};
    Q_EMIT pointReady(generation, m);
  } catch (const warp::Cancelled&) {
    Q_EMIT cancelled(generation);
  } catch (const std::exception& e) {
    Q_EMIT failed(generation, QStringLiteral("evaluate"), QString::fromUtf8(e.what()));
  }
}

void MergeWorker::sweep(quint64 generation, const QVector<MergeRecipeSpec>& recipes) {
  const std::shared_ptr<warp::MergeWorkbench> wb = workbench();
  if (!wb) {
    Q_EMIT failed(generation, QStringLiteral("sweep"), tr("no merge inputs are open"));
    return;
  }
  int evaluated = 0;
  for (const MergeRecipeSpec& recipe : recipes) {
    if (superseded(generation)) {
      Q_EMIT cancelled(generation);
      return;
    }
    try {
      const warp::MergeRecipe r = toCore(recipe);
      if (wb->lookup(r)) continue;  // already on the plane
      ++m_evaluationsStarted;
      const warp::ProgressFn progressFn =
          coalescedProgress([this, generation] { return superseded(generation); },
                            [this, generation](const QString& stage, qint64 done, qint64 total) {
                              Q_EMIT progress(generation, stage, done, total);
                            });
      const warp::WorkbenchPoint p = wb->evaluate(r, progressFn);
      ++evaluated;
      Q_EMIT pointReady(generation, fromCore(p, *wb, QString()));
    } catch (const warp::Cancelled&) {
      Q_EMIT cancelled(generation);
      return;
    } catch (const std::exception& e) {
      Q_EMIT failed(generation, QStringLiteral("sweep"), QString::fromUtf8(e.what()));
      return;
    }
  }
  Q_EMIT sweepFinished(generation, evaluated);
}

void MergeWorker::reference(quint64 openGeneration) {
  const std::shared_ptr<warp::MergeWorkbench> wb = workbench();
  if (!wb) return;
  try {
    const warp::ProgressFn progressFn =
        coalescedProgress([this] { return m_stopping.load(); }, [](const QString&, qint64, qint64) {});
    const warp::WorkbenchPoint p = wb->reference(progressFn);
    Q_EMIT referenceReady(openGeneration, fromCore(p, *wb, tr("θ_sft (the reference: the same prompts and seeds)")));
  } catch (const warp::Cancelled&) {
  } catch (const std::exception& e) {
    Q_EMIT failed(0, QStringLiteral("reference"), QString::fromUtf8(e.what()));
  }
}

void MergeWorker::exportCheckpoint(const MergeRecipeSpec& recipe, const QString& path) {
  const std::shared_ptr<warp::MergeWorkbench> wb = workbench();
  if (!wb) {
    Q_EMIT failed(0, QStringLiteral("export"), tr("no merge inputs are open"));
    return;
  }
  try {
    wb->export_checkpoint(toCore(recipe), path.toStdString(),
                          coalescedProgress([this] { return m_stopping.load(); },
                                            [this](const QString& stage, qint64 done, qint64 total) {
                                              Q_EMIT exportProgress(stage, done, total);
                                            }));
    Q_EMIT exported(path);
  } catch (const std::exception& e) {
    Q_EMIT failed(0, QStringLiteral("export"), QString::fromUtf8(e.what()));
  }
}

void MergeWorker::exportHf(const MergeRecipeSpec& recipe, const QString& dir) {
  const std::shared_ptr<warp::MergeWorkbench> wb = workbench();
  if (!wb) {
    Q_EMIT failed(0, QStringLiteral("export"), tr("no merge inputs are open"));
    return;
  }
  try {
    wb->export_hf(toCore(recipe), dir.toStdString(),
                  coalescedProgress([this] { return m_stopping.load(); },
                                    [this](const QString& stage, qint64 done, qint64 total) {
                                      Q_EMIT exportProgress(stage, done, total);
                                    }));
    Q_EMIT exported(dir);
  } catch (const std::exception& e) {
    Q_EMIT failed(0, QStringLiteral("export"), QString::fromUtf8(e.what()));
  }
}
