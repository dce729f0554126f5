// MergePanel on a real tiny experiment: the synthetic experiment of the core eval tests with one
// WARP iteration run by the driver with in-process workers (tests/core/warp/warp_test_support.h),
// exactly as the core workbench tests make theirs. Checked through the panel's controls:
//   - runs with mixed inits are refused with the engine's message; a bad file gives a message
//     naming it; the inputs chosen are remembered per experiment and reopened once the panel is
//     shown (not before); without a remembered choice the latest complete iteration opens;
//   - a slider move yields the point the engine's MergeWorkbench::evaluate gives for the same
//     recipe (numbers and per-prompt rows, on a copy of the experiment so neither reads the other's
//     cache);
//   - supersession: three slider moves while work runs → only the last point reaches the panel,
//     the earlier requests are cancelled (or their late results dropped) and not cached;
//   - a cached point is shown without a new evaluation (no progress, no worker work);
//   - Sweep (on a coarse grid) evaluates every recipe of the grid in the background, the plane's
//     non-dominated set is that of all evaluated points, and dragging afterwards starts no work;
//   - with M = 3 policies λ is disabled and the sweep walks η only;
//   - SLERP granularity (issue 12): a layer-granularity point equals `warp merge --granularity layer`
//     + `warp merge --method liti` + `warp eval` of the same λ/η (merge_checkpoints and
//     evaluate_checkpoint, what those commands run); tensor and layer points of one λ/η are two cache
//     entries; the choice is in the tooltip, the provenance and the export's meta, and remembered per
//     experiment; the Ω chart's per-layer view equals the "groups" of the layer merge's meta;
//   - the samples view gets the point's rows beside θ_sft's; the Ω chart the engine's records;
//   - export as a warp checkpoint and a Hugging Face folder, loaded back equal to the engine's
//     merged parameters; an unwritable target gives the engine's message in a message box.
// Built with QT_NO_KEYWORDS (it includes LibTorch's headers through the workbench).
#include <atomic>

#include <QComboBox>
#include <QDir>
#include <QDirIterator>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QThread>
#include <QtTest>

#include "db/experiment_db.h"
#include "eval/evaluate.h"
#include "eval/synthetic_experiment.h"
#include "merge/merge_panel.h"
#include "merge/merge_session.h"
#include "merge/merger.h"
#include "merge/omega_chart.h"
#include "merge/samples_model.h"
#include "merge/samples_view.h"
#include "plot/kl_reward_plane.h"
#include "store/checkpoint_h5.h"
#include "store/hf_gpt2.h"
#include "util/sha256.h"
#include "warp/warp_test_support.h"
#include "workbench/merge_workbench.h"

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

// Copies a folder tree (the experiment: config, database, checkpoints, data).
void copyTree(const QString& from, const QString& to) {
  QDir().mkpath(to);
  QDirIterator it(from, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDirIterator::Subdirectories);
  while (it.hasNext()) {
    const QString path = it.next();
    const QString target = to + path.mid(from.size());
    if (it.fileInfo().isDir()) QDir().mkpath(target);
    else QFile::copy(path, target);
  }
}

MergeInputSpec iterationInputs() {
  MergeInputSpec s;
  s.source = MergeInputSpec::Source::Iteration;
  s.driver = QStringLiteral("w");
  s.iteration = 1;
  return s;
}

warp::MergeRecipe coreRecipe(const MergeRecipeSpec& r) {
  warp::MergeRecipe c;
  c.method = r.lerp ? warp::MergeMethod::Lerp : warp::MergeMethod::Slerp;
  c.lambda = r.lambda;
  c.eta = r.eta;
  c.eta_mode = r.towardSft ? warp::MergeRecipe::EtaMode::TowardSft : warp::MergeRecipe::EtaMode::TowardInit;
  c.granularity = r.layerSlerp() ? warp::MergeGranularity::Layer : warp::MergeGranularity::Tensor;
  return c;
}

std::unique_ptr<warp::MergeWorkbench> engineWorkbench(const QString& dir) {
  const warp::Experiment exp = warp::Experiment::open(dir.toStdString());
  const warp::MergeInputs in = warp::inputs_from_iteration(exp, "w", 1);
  return warp::MergeWorkbench::open(exp, in, warp::MergeWorkbench::default_eval_config(exp, in));
}

}  // namespace

class TestMergePanel : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase();
  void mixedInitsRefused();
  void badFileNamed();
  void sliderPointEqualsEngine();
  void supersession();
  void cachedPointWithoutEvaluation();
  void rememberedPerExperiment();
  void exportsLoadBack();
  void exportFailureShown();
  void sweepThenDragIsCached();
  void lambdaUnusedForThreePolicies();
  void layerGranularityPoint();

 private:
  // A fresh copy of the experiment (its own merge cache).
  QString freshCopy(const QString& name);
  // A panel on `dir` with the iteration's inputs open.
  void openIteration(MergePanel& panel, const QString& dir);

  QString m_base;  // the experiment made once
  int m_copies = 0;
};

void TestMergePanel::initTestCase() {
  QStandardPaths::setTestModeEnabled(true);
  QCoreApplication::setOrganizationName(QStringLiteral("warp-studio-tests"));
  QCoreApplication::setApplicationName(QStringLiteral("test_merge_panel"));
  QSettings().clear();
  warp::Experiment exp = warp::test::synthetic_experiment("gui-merge", 16);
  {
    // Four evaluation batches per point (batch only sets the speed, never the numbers), so that a
    // superseded evaluation has a next batch to stop at.
    nlohmann::json cfg = exp.config();
    cfg["eval"]["batch"] = 4;
    exp.save_config(cfg);
  }
  warp::test::InProcessWorkers workers(exp);
  warp::WarpConfig w = warp::test::tiny_warp("w");
  w.iterations = 1;
  warp::RlConfig rl = warp::test::tiny_rl();
  rl.eval_prompts = 16;  // the driver's evaluation protocol, which the iteration's workbench uses
  // Four prompts per step: with two, one worker's 3 steps drew only completions of gold reward 0 (no
  // gradient), so its task vector was zero and every SLERP angle fell back (nothing to compare Ω with).
  rl.batch = 4;
  const warp::WarpResult result = warp::run_warp(exp, w, rl, workers.options());
  QCOMPARE(int(result.status), int(warp::RunStatus::Finished));
  {
    // A finished train run that starts from another init (the iteration's SLERP), as the core tests do.
    warp::ExperimentDb db = warp::ExperimentDb::open(exp.db_path());
    const auto slerp = db.find_checkpoint_by_sha256(warp::sha256_file(exp.checkpoints_dir() + "/w-i1-slerp.h5"));
    QVERIFY(slerp.has_value());
    warp::RunSpec spec("other-init", "train");
    spec.init_checkpoint_id = slerp->id;
    const int64_t id = db.create_run(spec);
    warp::CheckpointSpec cs;
    cs.run_id = id;
    cs.path = "checkpoints/w-i1-r1.h5";
    cs.sha256 = warp::sha256_file(exp.checkpoints_dir() + "/w-i1-r1.h5");
    cs.kind = "policy";
    db.add_checkpoint(cs);
    db.set_run_status(id, warp::RunStatus::Running);
    db.set_run_status(id, warp::RunStatus::Finished);
  }
  m_base = qs(exp.dir());
}

QString TestMergePanel::freshCopy(const QString& name) {
  const QString dir = QFileInfo(m_base).absolutePath() + QStringLiteral("/%1-%2").arg(name).arg(++m_copies);
  QDir(dir).removeRecursively();
  copyTree(m_base, dir);
  return dir;
}

void TestMergePanel::openIteration(MergePanel& panel, const QString& dir) {
  QSignalSpy opened(&panel, &MergePanel::inputsOpened);
  panel.setExperiment(dir);
  QCOMPARE(panel.iterationCombo()->currentText(), QStringLiteral("w · iteration 1 (M = 2)"));
  panel.sourceCombo()->setCurrentIndex(0);
  panel.openButton()->click();
  QVERIFY(opened.wait(30000));
  QVERIFY(panel.isOpen());
}

void TestMergePanel::mixedInitsRefused() {
  MergePanel panel;
  panel.setExperiment(m_base);
  QStringList listed;
  for (int i = 0; i < panel.runList()->count(); ++i) listed << panel.runList()->item(i)->text();
  QCOMPARE(listed, (QStringList{"w-i1-r1", "w-i1-r2", "other-init"}));
  panel.sourceCombo()->setCurrentIndex(1);
  panel.runList()->item(0)->setCheckState(Qt::Checked);
  panel.runList()->item(2)->setCheckState(Qt::Checked);
  QCOMPARE(panel.chosenInputs().runs, (QStringList{"w-i1-r1", "other-init"}));
  std::string expected;
  try {
    warp::inputs_from_runs(warp::Experiment::open(m_base.toStdString()), {"w-i1-r1", "other-init"});
  } catch (const warp::BadInput& e) {
    expected = e.what();
  }
  QVERIFY(expected.find("starts from") != std::string::npos);
  panel.openButton()->click();
  QTRY_COMPARE_WITH_TIMEOUT(panel.messageLabel()->text(), qs(expected), 20000);
  QVERIFY(!panel.isOpen());
  QVERIFY(!panel.etaSlider()->isEnabled());
  // Runs with a common init open.
  QSignalSpy opened(&panel, &MergePanel::inputsOpened);
  panel.runList()->item(2)->setCheckState(Qt::Unchecked);
  panel.runList()->item(1)->setCheckState(Qt::Checked);
  panel.openButton()->click();
  QVERIFY(opened.wait(30000));
  QCOMPARE(panel.workbenchInfo().description, QStringLiteral("runs w-i1-r1, w-i1-r2"));
}

void TestMergePanel::badFileNamed() {
  MergePanel panel;
  panel.setExperiment(m_base);
  const QString bad = m_base + QStringLiteral("/checkpoints/not-a-checkpoint.h5");
  {
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("this is no HDF5 file");
  }
  MergeInputSpec files;
  files.source = MergeInputSpec::Source::Files;
  files.init = QStringLiteral("checkpoints/sft.h5");
  files.models = QStringList{QStringLiteral("checkpoints/w-i1-r1.h5"), bad};
  panel.openInputs(files);
  QCOMPARE(panel.sourceCombo()->currentIndex(), 2);
  QCOMPARE(panel.modelList()->count(), 2);
  QTRY_VERIFY_WITH_TIMEOUT(panel.messageLabel()->text().contains(QStringLiteral("not-a-checkpoint.h5")), 20000);
  QVERIFY(!panel.isOpen());
  QFile::remove(bad);
}

void TestMergePanel::sliderPointEqualsEngine() {
  const QString dirA = freshCopy(QStringLiteral("panel"));
  const QString dirB = freshCopy(QStringLiteral("engine"));
  MergePanel panel;
  openIteration(panel, dirA);
  QCOMPARE(panel.workbenchInfo().numModels, 2);
  QCOMPARE(panel.workbenchInfo().prompts.size(), 16);
  // The Ω chart shows the engine's records.
  const auto engine = engineWorkbench(dirB);
  const auto& records = engine->omega_records();
  QCOMPARE(panel.omegaChart()->entries().size(), int(records.size()));
  for (size_t i = 0; i < records.size(); ++i) {
    const OmegaEntry& e = panel.omegaChart()->entries()[int(i)];
    QCOMPARE(e.name, qs(records[i].name));
    QCOMPARE(e.fallback, records[i].any_fallback());
    if (!records[i].omega_deg.empty() && std::isfinite(records[i].omega_deg[0]))
      QCOMPARE(e.omegaDeg, records[i].omega_deg[0]);
  }

  QSignalSpy current(&panel, &MergePanel::currentPointChanged);
  QString busyText;  // the label naming the point while it is computed
  connect(panel.session(), &MergeSession::busyChanged, &panel, [&](bool busy) {
    if (busy) busyText = panel.busyLabel()->text();
  });
  // First estimates while it evaluates: after each batch of 4 prompts but the last, on the plane
  // (dashed ring) and in the busy label; gone when the point comes.
  QVector<MergedPoint> estimates;
  QStringList estimateLabels;
  bool planeShowedEstimate = true;
  connect(panel.session(), &MergeSession::estimateReady, &panel, [&](const MergedPoint& e) {
    estimates << e;
    estimateLabels << panel.busyLabel()->text();
    const auto shown = panel.plane()->estimate();
    planeShowedEstimate = planeShowedEstimate && shown && shown->kl == e.kl && shown->reward == e.reward;
  });                                 // connected after the panel's own slot, so called after it
  panel.lambdaSlider()->setValue(6);  // λ = 0.30
  QCOMPARE(panel.lambdaSpin()->value(), 0.3);
  QTRY_VERIFY_WITH_TIMEOUT(current.count() == 1, 30000);
  const MergedPoint got = panel.currentPoint().value();
  QCOMPARE(got.recipe.lambda, 0.3);
  QCOMPARE(got.recipe.eta, 1.0);
  QVERIFY(!got.cached);
  QCOMPARE(busyText, QStringLiteral("SLERP λ 0.30 → LITI η 1.00 toward θ_init…"));
  QVERIFY(panel.busyLabel()->text().isEmpty());

  const warp::WorkbenchPoint want = engine->evaluate(coreRecipe(got.recipe));
  QVERIFY(!want.cached);
  QCOMPARE(got.key, qs(want.recipe_sha256));
  QCOMPARE(got.prompts, qint64(want.point.prompts));
  QCOMPARE(got.reward, want.point.reward.mean);
  QCOMPARE(got.rewardSe, want.point.reward.se);
  QCOMPARE(got.gold, want.point.gold.mean);
  QCOMPARE(got.goldSe, want.point.gold.se);
  QCOMPARE(got.kl, want.point.kl_sft.mean);
  QCOMPARE(got.klSe, want.point.kl_sft.se);
  QCOMPARE(got.rows.size(), int(want.rows.size()));
  for (int i = 0; i < got.rows.size(); ++i) {
    QCOMPARE(got.rows[i].text, qs(want.rows[size_t(i)].text));
    QCOMPARE(got.rows[i].reward, want.rows[size_t(i)].reward);
    QCOMPARE(got.rows[i].gold, want.rows[size_t(i)].gold);
    QCOMPARE(got.rows[i].klSft, want.rows[size_t(i)].kl_sft);
  }
  // Each estimate is the point of the prompts done so far (the engine's rows, aggregated by hand).
  QCOMPARE(estimates.size(), 3);
  for (int k = 0; k < estimates.size(); ++k) {
    const size_t n = size_t(4 * (k + 1));
    QCOMPARE(estimates[k].prompts, qint64(n));
    double r = 0, kl = 0;
    for (size_t i = 0; i < n; ++i) {
      r += want.rows[i].reward;
      kl += want.rows[i].kl_sft;
    }
    QVERIFY(std::abs(estimates[k].reward - r / double(n)) <= 1e-12 * std::max(1.0, std::abs(r)));
    QVERIFY(std::abs(estimates[k].kl - kl / double(n)) <= 1e-12 * std::max(1.0, std::abs(kl)));
    QVERIFY2(estimateLabels[k].contains(QStringLiteral("first estimate from %1 of 16 prompts").arg(n)),
             qPrintable(estimateLabels[k]));
  }
  QVERIFY(planeShowedEstimate);
  QVERIFY(!panel.plane()->estimate().has_value());
  // On the plane (current, ringed) and in the samples view beside θ_sft's rows once they come.
  QTRY_VERIFY(panel.plane()->point(got.key));  // the plane redraws at most every 40 ms
  QCOMPARE(panel.plane()->currentId(), got.key);
  QCOMPARE(panel.samplesView()->model()->rowCount(), 16);
  QTRY_VERIFY_WITH_TIMEOUT(panel.referencePoint().has_value(), 30000);
  const warp::WorkbenchPoint ref = engine->reference();
  QCOMPARE(panel.referencePoint()->reward, ref.point.reward.mean);
  QTRY_COMPARE_WITH_TIMEOUT(panel.samplesView()->model()->index(0, SamplesModel::SftCompletion).data().toString(),
                            qs(ref.rows[0].text), 5000);
}

void TestMergePanel::supersession() {
  const QString dir = freshCopy(QStringLiteral("supersede"));
  MergePanel panel;
  openIteration(panel, dir);
  QTRY_VERIFY_WITH_TIMEOUT(panel.referencePoint().has_value(), 30000);  // the worker is idle
  // Before any merged point, θ_sft is the current one: its samples are shown (both columns its own).
  QCOMPARE(panel.plane()->currentId(), QStringLiteral("reference θ_sft"));
  QVERIFY(!panel.currentPoint());
  QCOMPARE(panel.samplesView()->model()->rowCount(), 16);
  QCOMPARE(panel.samplesView()->model()->index(0, SamplesModel::Completion).data().toString(),
           panel.referencePoint()->rows[0].text);
  MergeSession* session = panel.session();
  QSignalSpy current(&panel, &MergePanel::currentPointChanged);
  const int delivered = session->pointsDelivered();
  const quint64 first = session->latestGeneration() + 1;

  // The worker holds each of the first two requests at its first progress report until a newer
  // request exists (a direct connection runs on the worker thread, inside core's ProgressFn), so
  // every move lands while the previous one is surely running: no race with a fast evaluation.
  std::atomic<quint64> holding{0};
  connect(
      session->worker(), &MergeWorker::progress, session->worker(),
      [&](quint64 generation, const QString&, qint64, qint64) {
        if (generation > first + 1) return;
        holding.store(generation);
        QElapsedTimer waited;
        waited.start();
        while (session->latestGeneration() <= generation && waited.elapsed() < 20000) QThread::msleep(1);
      },
      Qt::DirectConnection);

  const QVector<int> moves{4, 12, 16};  // λ = 0.20, 0.60, 0.80
  for (int k = 0; k < moves.size(); ++k) {
    panel.lambdaSlider()->setValue(moves[k]);
    QTRY_COMPARE_WITH_TIMEOUT(session->latestGeneration(), first + quint64(k), 5000);                // asked for
    if (k + 1 < moves.size()) QTRY_COMPARE_WITH_TIMEOUT(holding.load(), first + quint64(k), 20000);  // running
  }
  QTRY_VERIFY_WITH_TIMEOUT(current.count() == 1, 30000);
  // The two earlier requests were cancelled while running; nothing of theirs reached the panel.
  QTRY_COMPARE_WITH_TIMEOUT(session->cancellations(), 2, 10000);
  QCOMPARE(session->droppedResults(), 0);
  QCOMPARE(session->pointsDelivered(), delivered + 1);
  QCOMPARE(session->worker()->evaluationsStarted(), 3);
  const MergedPoint last = panel.currentPoint().value();
  QCOMPARE(last.recipe.lambda, 0.8);
  // Only the last point was kept: the cancelled ones were not stored.
  MergeRecipeSpec r = last.recipe;
  for (double lambda : {0.2, 0.6}) {
    r.lambda = lambda;
    QVERIFY(!session->lookup(r).has_value());
  }
  QCOMPARE(panel.points().size(), 1);
  QTest::qWait(200);
  QCOMPARE(current.count(), 1);
}

void TestMergePanel::cachedPointWithoutEvaluation() {
  const QString dir = freshCopy(QStringLiteral("cached"));
  MergeRecipeSpec recipe;
  recipe.lambda = 0.5;
  recipe.eta = 0.35;
  {
    // Evaluated before (by the engine, into the experiment's cache).
    auto engine = engineWorkbench(dir);
    engine->evaluate(coreRecipe(recipe));
  }
  MergePanel panel;
  openIteration(panel, dir);
  QCOMPARE(panel.points().size(), 1);  // cached points of these inputs are on the plane at once
  QTRY_VERIFY_WITH_TIMEOUT(panel.referencePoint().has_value(), 30000);
  MergeSession* session = panel.session();
  const int started = session->worker()->evaluationsStarted();
  QSignalSpy progress(session, &MergeSession::progress);
  QSignalSpy busy(session, &MergeSession::busyChanged);
  QSignalSpy current(&panel, &MergePanel::currentPointChanged);
  panel.etaSpin()->setValue(0.35);  // typed: the slider follows to the nearest grid step
  QCOMPARE(panel.etaSlider()->value(), 7);
  QTRY_COMPARE_WITH_TIMEOUT(current.count(), 1, 2000);
  QVERIFY(panel.currentPoint()->cached);
  QCOMPARE(panel.currentPoint()->recipe.eta, 0.35);
  QCOMPARE(progress.count(), 0);
  QCOMPARE(busy.count(), 0);
  QCOMPARE(session->worker()->evaluationsStarted(), started);
  QVERIFY(panel.busyLabel()->text().isEmpty());
  QVERIFY(panel.plane()
              ->toolTipText(*panel.plane()->point(panel.currentPoint()->key), QStringLiteral("merged points"))
              .contains(QStringLiteral("SLERP λ 0.50 → LITI η 0.35 toward θ_init")));

  // The sweep grid: η for each λ (M = 2), 21 × 21 recipes of the current method and mode.
  const QVector<MergeRecipeSpec> grid = panel.sweepRecipes();
  QCOMPARE(grid.size(), 21 * 21);
  QCOMPARE(grid[22].lambda, 0.05);
  QCOMPARE(grid[22].eta, 0.05);
}

void TestMergePanel::rememberedPerExperiment() {
  const QString dir = freshCopy(QStringLiteral("remember"));
  {
    MergePanel panel;
    openIteration(panel, dir);
  }
  {
    // Remembered: the runs of the iteration, chosen in the runs list.
    MergePanel panel;
    QSignalSpy opened(&panel, &MergePanel::inputsOpened);
    panel.setExperiment(dir);
    MergeInputSpec runs;
    runs.source = MergeInputSpec::Source::Runs;
    runs.runs = QStringList{QStringLiteral("w-i1-r1"), QStringLiteral("w-i1-r2")};
    panel.openInputs(runs);
    QVERIFY(opened.wait(30000));
  }
  MergePanel reopened;
  QSignalSpy opened(&reopened, &MergePanel::inputsOpened);
  reopened.setExperiment(dir);
  // Chosen at once, read into memory only once the panel is shown.
  QCOMPARE(reopened.sourceCombo()->currentIndex(), 1);
  QTest::qWait(200);
  QVERIFY(!reopened.isOpen());
  QCOMPARE(opened.count(), 0);
  reopened.show();
  QVERIFY(opened.wait(30000));
  QCOMPARE(reopened.sourceCombo()->currentIndex(), 1);
  QCOMPARE(reopened.workbenchInfo().description, QStringLiteral("runs w-i1-r1, w-i1-r2"));
  // Shown again (another tab and back): not opened a second time.
  reopened.hide();
  reopened.show();
  QTest::qWait(200);
  QCOMPARE(opened.count(), 1);
  // Another experiment remembers nothing: its latest complete iteration opens, at once since the
  // panel is on screen.
  const QString other = freshCopy(QStringLiteral("other"));
  QVERIFY(MergePanel::settingsKey(dir) != MergePanel::settingsKey(other));
  reopened.setExperiment(other);
  QVERIFY(opened.wait(30000));
  QCOMPARE(reopened.chosenInputs(), iterationInputs());
  QCOMPARE(reopened.workbenchInfo().description, QStringLiteral("w iteration 1 (w-i1-r1, w-i1-r2)"));
  // An experiment with no WARP iteration opens nothing.
  const QString none = qs(warp::test::synthetic_experiment("gui-merge-none", 16).dir());
  reopened.setExperiment(none);
  QTest::qWait(200);
  QCOMPARE(opened.count(), 2);
  QVERIFY(!reopened.isOpen());
  QCOMPARE(reopened.sourceCombo()->currentIndex(), 0);
}

void TestMergePanel::exportsLoadBack() {
  const QString dir = freshCopy(QStringLiteral("export"));
  MergePanel panel;
  openIteration(panel, dir);
  MergeRecipeSpec recipe;
  recipe.lambda = 0.25;
  recipe.eta = 0.5;
  recipe.towardSft = true;
  panel.setRecipe(recipe);
  QCOMPARE(panel.recipe(), recipe);
  QCOMPARE(panel.etaModeCombo()->currentIndex(), 1);
  auto engine = engineWorkbench(dir);
  const warp::NamedTensors want = engine->merged_params(coreRecipe(recipe));

  QSignalSpy done(&panel, &MergePanel::exportFinished);
  const QString h5 = dir + QStringLiteral("/exports/merged.h5");
  panel.exportCheckpointTo(h5);
  QTRY_VERIFY_WITH_TIMEOUT(done.count() == 1, 60000);
  QCOMPARE(done.at(0).at(0).toString(), h5);
  QVERIFY2(done.at(0).at(1).toBool(), qPrintable(done.at(0).at(2).toString()));
  const warp::GptCheckpoint loaded = warp::load_gpt_params(h5.toStdString());
  const auto byName = warp::test::by_name(loaded.params);
  QCOMPARE(loaded.params.size(), want.size());
  for (const auto& [name, t] : want) QVERIFY2(torch::equal(byName.at(name), t), name.c_str());

  const QString hf = dir + QStringLiteral("/exports/merged-hf");
  panel.exportHfTo(hf);
  QTRY_VERIFY_WITH_TIMEOUT(done.count() == 2, 60000);
  QVERIFY2(done.at(1).at(1).toBool(), qPrintable(done.at(1).at(2).toString()));
  QVERIFY(QFileInfo::exists(hf + QStringLiteral("/model.safetensors")));
  QVERIFY(QFileInfo::exists(hf + QStringLiteral("/config.json")));
  const warp::HfGpt2Import imported = warp::import_hf_gpt2(hf.toStdString());
  const auto hfByName = warp::test::by_name(imported.params);
  for (const auto& [name, t] : want) QVERIFY2(torch::equal(hfByName.at(name), t), name.c_str());
  QVERIFY(panel.messageLabel()->text().startsWith(QStringLiteral("Exported")));
}

void TestMergePanel::exportFailureShown() {
  const QString dir = freshCopy(QStringLiteral("export-fail"));
  MergePanel panel;
  openIteration(panel, dir);
  QSignalSpy done(&panel, &MergePanel::exportFinished);
  const QString target = dir + QStringLiteral("/no-such-folder/merged.h5");
  panel.exportCheckpointTo(target);
  QTRY_VERIFY_WITH_TIMEOUT(done.count() == 1, 60000);
  QVERIFY(!done.at(0).at(1).toBool());
  const QString message = done.at(0).at(2).toString();
  QVERIFY2(message.contains(QStringLiteral("no-such-folder")), qPrintable(message));
  auto* box = panel.findChild<QMessageBox*>(QStringLiteral("exportFailedBox"));
  QVERIFY(box);
  QCOMPARE(box->text(), message);
  QCOMPARE(panel.messageLabel()->text(), message);
  QVERIFY(!QFileInfo::exists(target));
  box->close();
}

void TestMergePanel::sweepThenDragIsCached() {
  const QString dir = freshCopy(QStringLiteral("sweep"));
  MergePanel panel;
  openIteration(panel, dir);
  QTRY_VERIFY_WITH_TIMEOUT(panel.referencePoint().has_value(), 30000);  // the worker is idle
  MergeSession* session = panel.session();
  panel.setSweepGridSteps(2);  // λ, η ∈ {0, 0.5, 1}: 9 recipes (the app's grid is 21 × 21)
  const QVector<MergeRecipeSpec> grid = panel.sweepRecipes();
  QCOMPARE(grid.size(), 9);
  for (const MergeRecipeSpec& r : grid) QVERIFY(!session->lookup(r).has_value());

  QSignalSpy finished(session, &MergeSession::sweepFinished);
  QSignalSpy current(&panel, &MergePanel::currentPointChanged);
  const int started = session->worker()->evaluationsStarted();
  panel.sweepButton()->click();
  QCOMPARE(panel.sweepButton()->text(), QStringLiteral("Cancel sweep"));
  QVERIFY(!panel.busyLabel()->text().isEmpty());
  QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 120000);
  QCOMPARE(finished.at(0).at(0).toInt(), 9);
  QCOMPARE(session->worker()->evaluationsStarted(), started + 9);
  QCOMPARE(panel.sweepButton()->text(), QStringLiteral("Sweep"));
  QCOMPARE(current.count(), 0);  // a sweep fills the plane, it does not move the current point
  QCOMPARE(panel.points().size(), 9);
  for (const MergeRecipeSpec& r : grid) {
    const auto cached = session->lookup(r);
    QVERIFY2(cached.has_value(), qPrintable(r.describe(2)));
    QVERIFY(panel.points().contains(cached->key));
  }

  // The front drawn is the non-dominated set of every evaluated point (and θ_sft), checked by
  // brute force: a point is on it when no other has KL ≤ and reward ≥ with one of them strict.
  QVector<QPair<QString, MergedPoint>> all;
  for (auto it = panel.points().cbegin(); it != panel.points().cend(); ++it) all << qMakePair(it.key(), it.value());
  all << qMakePair(QStringLiteral("θ_sft"), *panel.referencePoint());
  QSet<QString> want;
  for (const auto& [id, p] : all) {
    bool dominated = false;
    for (const auto& [otherId, q] : all)
      if (q.kl <= p.kl && q.reward >= p.reward && (q.kl < p.kl || q.reward > p.reward)) dominated = true;
    if (!dominated) want << id;
  }
  QTRY_COMPARE_WITH_TIMEOUT(panel.plane()->nonDominated().size(), int(want.size()), 2000);
  for (const PlanePoint& p : panel.plane()->nonDominated()) {
    if (panel.points().contains(p.id)) {
      QVERIFY2(want.contains(p.id), qPrintable(p.id));
    } else {  // the only other point on this plane: θ_sft's
      QVERIFY2(want.contains(QStringLiteral("θ_sft")), qPrintable(p.id));
      QCOMPARE(p.kl, panel.referencePoint()->kl);
    }
  }

  // Dragging through the grid afterwards shows cached points only: no new merge or evaluation.
  QSignalSpy progress(session, &MergeSession::progress);
  for (int l : {0, 10, 20}) {
    panel.lambdaSlider()->setValue(l);
    for (int e : {0, 10, 20}) {
      panel.etaSlider()->setValue(e);
      QTRY_VERIFY_WITH_TIMEOUT(panel.currentPoint().has_value() && panel.currentPoint()->recipe.lambda == l * 0.05 &&
                                   panel.currentPoint()->recipe.eta == e * 0.05,
                               2000);
      QVERIFY(panel.currentPoint()->cached);
    }
  }
  QCOMPARE(session->worker()->evaluationsStarted(), started + 9);
  QCOMPARE(progress.count(), 0);
}

void TestMergePanel::lambdaUnusedForThreePolicies() {
  const QString dir = freshCopy(QStringLiteral("three"));
  MergePanel panel;
  QSignalSpy opened(&panel, &MergePanel::inputsOpened);
  panel.setExperiment(dir);
  MergeInputSpec files;
  files.source = MergeInputSpec::Source::Files;
  files.init = QStringLiteral("checkpoints/sft.h5");
  files.models = QStringList{QStringLiteral("checkpoints/w-i1-r1.h5"), QStringLiteral("checkpoints/w-i1-r2.h5"),
                             QStringLiteral("checkpoints/w-i1-slerp.h5")};
  panel.openInputs(files);
  QVERIFY(opened.wait(30000));
  QCOMPARE(panel.workbenchInfo().numModels, 3);
  QVERIFY(!panel.lambdaSlider()->isEnabled());
  QVERIFY(!panel.lambdaSpin()->isEnabled());
  QVERIFY(panel.lambdaSlider()->toolTip().contains(QStringLiteral("Eq. 26")));
  QVERIFY(panel.etaSlider()->isEnabled());
  QVERIFY(panel.sweepButton()->isEnabled());
  const QVector<MergeRecipeSpec> grid = panel.sweepRecipes();
  QCOMPARE(grid.size(), 21);  // η only
  for (const MergeRecipeSpec& r : grid) QCOMPARE(r.lambda, grid.front().lambda);

  QSignalSpy current(&panel, &MergePanel::currentPointChanged);
  panel.etaSlider()->setValue(10);
  QTRY_VERIFY_WITH_TIMEOUT(current.count() == 1, 30000);
  const MergedPoint got = panel.currentPoint().value();
  QCOMPARE(got.recipe.eta, 0.5);
  // The engine's Eq. 26 fold of the same files, evaluated in a copy with its own cache.
  const QString engineDir = freshCopy(QStringLiteral("three-engine"));
  const warp::Experiment exp = warp::Experiment::open(engineDir.toStdString());
  const std::string ck = exp.checkpoints_dir() + "/";
  const warp::MergeInputs in =
      warp::inputs_from_files(exp, ck + "sft.h5", {ck + "w-i1-r1.h5", ck + "w-i1-r2.h5", ck + "w-i1-slerp.h5"});
  auto engine = warp::MergeWorkbench::open(exp, in, warp::MergeWorkbench::default_eval_config(exp, in));
  const warp::WorkbenchPoint want = engine->evaluate(coreRecipe(got.recipe));
  QVERIFY(!want.cached);
  QCOMPARE(got.key, QString::fromStdString(want.recipe_sha256));
  QCOMPARE(got.reward, want.point.reward.mean);
  QCOMPARE(got.gold, want.point.gold.mean);
  QCOMPARE(got.kl, want.point.kl_sft.mean);
}

void TestMergePanel::layerGranularityPoint() {
  const QString dir = freshCopy(QStringLiteral("layer"));
  const QString engineDir = freshCopy(QStringLiteral("layer-engine"));
  MergePanel panel;
  openIteration(panel, dir);
  QVERIFY(panel.granularityCombo()->isEnabled());
  QCOMPARE(panel.granularityCombo()->currentIndex(), 0);
  QTRY_VERIFY_WITH_TIMEOUT(panel.referencePoint().has_value(), 30000);  // the worker is idle

  // `warp merge --method slerp --granularity layer --lambda 0.3`, then LITI η 0.7 toward θ_init,
  // then `warp eval` of that file, on a copy of the experiment (its own cache).
  const warp::Experiment exp = warp::Experiment::open(engineDir.toStdString());
  const warp::MergeInputs in = warp::inputs_from_iteration(exp, "w", 1);
  warp::MergeSpec s1;
  s1.params.method = warp::MergeMethod::Slerp;
  s1.params.lambda = 0.3;
  s1.params.granularity = warp::MergeGranularity::Layer;
  s1.init_path = in.init;
  s1.model_paths = in.models;
  s1.out_path = engineDir.toStdString() + "/slerp-layer.h5";
  const warp::MergeSummary layerMerge = warp::merge_checkpoints(s1);
  warp::MergeSpec s2;
  s2.params.method = warp::MergeMethod::Liti;
  s2.params.eta = 0.7;
  s2.init_path = in.init;
  s2.model_paths = {s1.out_path};
  s2.out_path = engineDir.toStdString() + "/liti-layer.h5";
  warp::merge_checkpoints(s2);
  const warp::EvalResult want =
      warp::evaluate_checkpoint(exp, s2.out_path, warp::MergeWorkbench::default_eval_config(exp, in));
  QVERIFY(!want.cached);

  // The Ω chart's per-layer view: the group angles the layer merge's meta records.
  const nlohmann::json groups = layerMerge.meta.at("groups");
  const QVector<OmegaEntry>& layers = panel.omegaChart()->layerEntries();
  QCOMPARE(layers.size(), int(groups.size()));
  double sum = 0;
  int defined = 0;
  for (int i = 0; i < layers.size(); ++i) {
    const nlohmann::json& g = groups.at(size_t(i));
    QCOMPARE(layers[i].name, qs(g.at("name").get<std::string>()));
    QCOMPARE(layers[i].numel, qint64(g.at("numel").get<int64_t>()));
    QCOMPARE(layers[i].tensors.size(), int(g.at("tensors").size()));
    bool fallback = false;
    for (const auto& f : g.at("fallback")) fallback = fallback || f.get<bool>();
    QCOMPARE(layers[i].fallback, fallback);
    const nlohmann::json& w = g.at("omega_deg").at(0);
    if (w.is_null()) {
      QVERIFY(!std::isfinite(layers[i].omegaDeg));
    } else {
      QCOMPARE(layers[i].omegaDeg, w.get<double>());
      sum += w.get<double>();
      ++defined;
    }
  }
  QVERIFY(defined > 0);
  QCOMPARE(layers.first().name, QStringLiteral("embeddings"));
  QCOMPARE(layers.last().name, QStringLiteral("ln_f"));

  // Choosing per layer switches the Ω chart to its per-layer view; its mean is the meta's.
  QSignalSpy current(&panel, &MergePanel::currentPointChanged);
  panel.granularityCombo()->setCurrentIndex(1);
  QCOMPARE(panel.omegaChart()->view(), OmegaChart::View::Layer);
  QCOMPARE(panel.omegaChart()->entries().size(), layers.size());
  QCOMPARE(panel.omegaChart()->meanOmega(), sum / defined);
  QVERIFY(std::abs(panel.omegaChart()->meanOmega() - layerMerge.meta.at("mean_omega_deg").get<double>()) <= 1e-9);
  QVERIFY(panel.omegaChart()->summary().contains(QStringLiteral("per layer group")));
  panel.lambdaSlider()->setValue(6);  // λ = 0.30
  panel.etaSlider()->setValue(14);    // η = 0.70
  QTRY_VERIFY_WITH_TIMEOUT(current.count() >= 1 && panel.currentPoint() && panel.currentPoint()->recipe.eta == 0.7 &&
                               panel.currentPoint()->recipe.lambda == 0.3,
                           60000);
  const MergedPoint got = panel.currentPoint().value();
  QVERIFY(got.recipe.layerSlerp());
  QVERIFY(!got.cached);
  QCOMPARE(got.prompts, qint64(want.point.prompts));
  QCOMPARE(got.reward, want.point.reward.mean);
  QCOMPARE(got.rewardSe, want.point.reward.se);
  QCOMPARE(got.gold, want.point.gold.mean);
  QCOMPARE(got.goldSe, want.point.gold.se);
  QCOMPARE(got.kl, want.point.kl_sft.mean);
  QCOMPARE(got.klSe, want.point.kl_sft.se);
  QCOMPARE(got.rows.size(), int(want.rows.size()));
  for (int i = 0; i < got.rows.size(); ++i) {
    QCOMPARE(got.rows[i].text, qs(want.rows[size_t(i)].text));
    QCOMPARE(got.rows[i].reward, want.rows[size_t(i)].reward);
    QCOMPARE(got.rows[i].gold, want.rows[size_t(i)].gold);
    QCOMPARE(got.rows[i].klSft, want.rows[size_t(i)].kl_sft);
  }
  // The granularity is in the point's identity: key, provenance (tooltip lines and JSON).
  const auto engine = engineWorkbench(engineDir);
  QCOMPARE(got.key, qs(engine->recipe_key(coreRecipe(got.recipe))));
  QVERIFY2(got.provenance.join(QLatin1Char('\n')).contains(QStringLiteral("SLERP per layer λ 0.30")),
           qPrintable(got.provenance.join(QLatin1Char('\n'))));
  QCOMPARE(nlohmann::json::parse(got.provenanceJson.toStdString()).at("granularity"), "layer");

  // The same λ/η per tensor is another cache entry: a new evaluation, another key, another point.
  const int started = panel.session()->worker()->evaluationsStarted();
  MergeRecipeSpec tensor = got.recipe;
  tensor.layer = false;
  QVERIFY(!panel.session()->lookup(tensor).has_value());
  panel.granularityCombo()->setCurrentIndex(0);
  QCOMPARE(panel.omegaChart()->view(), OmegaChart::View::Tensor);
  QTRY_VERIFY_WITH_TIMEOUT(panel.currentPoint() && !panel.currentPoint()->recipe.layerSlerp(), 60000);
  QCOMPARE(panel.session()->worker()->evaluationsStarted(), started + 1);
  const MergedPoint perTensor = panel.currentPoint().value();
  QVERIFY(perTensor.key != got.key);
  QVERIFY(!perTensor.cached);
  QVERIFY(perTensor.kl != got.kl || perTensor.reward != got.reward);
  QVERIFY(!nlohmann::json::parse(perTensor.provenanceJson.toStdString()).contains("granularity"));
  QVERIFY(panel.points().contains(got.key) && panel.points().contains(perTensor.key));
  QCOMPARE(panel.session()->lookup(got.recipe)->key, got.key);
  QCOMPARE(panel.session()->lookup(tensor)->key, perTensor.key);

  // Back to per layer: the cached point at once (no new work); the export records the granularity.
  panel.granularityCombo()->setCurrentIndex(1);
  QTRY_VERIFY_WITH_TIMEOUT(panel.currentPoint() && panel.currentPoint()->key == got.key, 5000);
  QCOMPARE(panel.session()->worker()->evaluationsStarted(), started + 1);
  QSignalSpy done(&panel, &MergePanel::exportFinished);
  const QString h5 = dir + QStringLiteral("/layer-export.h5");
  panel.exportCheckpointTo(h5);
  QTRY_VERIFY_WITH_TIMEOUT(done.count() == 1, 60000);
  QVERIFY2(done.at(0).at(1).toBool(), qPrintable(done.at(0).at(2).toString()));
  const warp::GptCheckpoint exported = warp::load_gpt_params(h5.toStdString());
  QCOMPARE(exported.header.meta.at("granularity"), "layer");
  const warp::GptCheckpoint liti = warp::load_gpt_params(s2.out_path);
  const auto byName = warp::test::by_name(exported.params);
  for (const auto& [name, t] : liti.params) QVERIFY2(torch::equal(byName.at(name), t), name.c_str());

  // Remembered per experiment with the inputs: a new panel on the folder shows per layer.
  MergePanel again;
  QSignalSpy reopened(&again, &MergePanel::inputsOpened);
  again.setExperiment(dir);
  QCOMPARE(again.granularityCombo()->currentIndex(), 1);
  again.show();  // the remembered inputs are read once the panel is on screen
  QVERIFY(reopened.wait(30000));
  QCOMPARE(again.recipe().layer, true);
  // LERP has no granularity: the choice is disabled, and LERP points do not carry it.
  again.methodCombo()->setCurrentIndex(1);
  QVERIFY(!again.granularityCombo()->isEnabled());
  QVERIFY(!again.recipe().layerSlerp());
}

QTEST_MAIN(TestMergePanel)
#include "test_merge_panel.moc"
