#pragma once
// The Merge tab (DESIGN §1 step 3): pick the policies to merge, slide λ and η, and see each merged
// point land on the KL-reward plane beside the RL trajectories and the WARP fronts.
//
//   Inputs     a WARP driver's iteration (its θ_init and M final policies), finished train runs
//              with a common init (mixed inits are refused with the engine's message), or files
//              (θ_init + M models; a bad file gives a message naming it). The choice is remembered
//              per experiment (QSettings, keyed by the experiment folder) and reopened with it.
//   Recipe     SLERP or LERP; the SLERP granularity: Ω per tensor or per layer (the paper's "layer by
//              layer", merge/layer_groups.h; part of the point's identity: cache key, tooltip, export
//              meta; remembered per experiment with the inputs); λ (slider + spin box, 0..1 by 0.05, typed values kept;
//              disabled for M > 2, where Eq. 26 folds with λ = 1/m); η (0..1 by 0.05); LITI toward θ_init (the
//              iteration's front) or toward θ_sft (Algorithm 1's output front).
//   Points     moving a control asks for the point after a 25 ms debounce: the cache is read on the
//              GUI thread first (a point evaluated before appears at once), else the worker merges
//              and evaluates it (MergeSession: a newer request cancels the running one). A progress
//              bar shows the merge then the evaluation, a label names the point being computed.
//   Sweep      evaluates the η grid (0..1 by 0.05), and for M = 2 the λ grid too, in the
//              background (cancellable), so that dragging afterwards shows cached points only.
//   Export     the current point as a warp checkpoint (.h5) or a Hugging Face folder, on the
//              worker thread; a failure (not writable, disk full) shows the engine's message.
//   Views      the plane (plot/kl_reward_plane.h; click a merged point to make it current), the
//              samples of the current point beside θ_sft's (merge/samples_view.h) and Ω per tensor
//              (merge/omega_chart.h).

#include <algorithm>
#include <optional>

#include <QHash>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <QVector>
#include <QWidget>

#include "merge/merge_worker.h"
#include "models/run_ref.h"

class KlRewardPlane;
class MergeSession;
class MetricsFollower;
class OmegaChart;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSlider;
class QStackedWidget;
class SamplesView;

class MergePanel : public QWidget {
  Q_OBJECT

 public:
  explicit MergePanel(QWidget* parent = nullptr);
  ~MergePanel() override;

  // Switches to the experiment in `dir` (absolute): stops the work of the previous one, lists its
  // iterations and finished runs, and chooses the inputs remembered for it, else its latest complete
  // WARP iteration. They are opened (read into memory) once the panel is shown, so an experiment
  // whose Merge tab is never looked at loads no policies.
  void setExperiment(const QString& dir);
  QString experimentDir() const { return m_dir; }
  // Where the trajectories and fronts drawn on the plane come from (as the Pareto tab).
  void setFollower(MetricsFollower* follower);
  void setRuns(const RunRefList& runs);

  // The inputs the chooser shows now.
  MergeInputSpec chosenInputs() const;
  // Shows `inputs` in the chooser and opens them (remembered for the experiment once opened).
  void openInputs(const MergeInputSpec& inputs);
  bool isOpen() const { return m_open; }
  const WorkbenchInfo& workbenchInfo() const { return m_info; }

  // The recipe the controls give; setRecipe moves the controls (and so asks for the point).
  MergeRecipeSpec recipe() const;
  void setRecipe(const MergeRecipeSpec& recipe);
  // The debounce between a control moving and the point being asked for.
  void setDebounceMs(int ms) { m_debounce.setInterval(ms); }

  // The point shown as current (nothing before the first one).
  std::optional<MergedPoint> currentPoint() const;
  // Every merged point of the open inputs known so far (cached and new), by cache key.
  const QHash<QString, MergedPoint>& points() const { return m_points; }
  std::optional<MergedPoint> referencePoint() const { return m_reference; }
  // The recipes a sweep evaluates for the current method and η mode: η over 0..1 in `steps`
  // equal steps (20 by default, the sliders' 0.05 grid), and λ too for M = 2.
  QVector<MergeRecipeSpec> sweepRecipes() const;
  void setSweepGridSteps(int steps) { m_sweepSteps = std::max(1, steps); }
  int sweepGridSteps() const { return m_sweepSteps; }

  MergeSession* session() const { return m_session; }
  KlRewardPlane* plane() const { return m_plane; }
  SamplesView* samplesView() const { return m_samples; }
  OmegaChart* omegaChart() const { return m_omega; }
  QComboBox* sourceCombo() const { return m_source; }
  QComboBox* iterationCombo() const { return m_iterations; }
  QListWidget* runList() const { return m_runList; }
  QLineEdit* initEdit() const { return m_initEdit; }
  QListWidget* modelList() const { return m_modelList; }
  QComboBox* methodCombo() const { return m_method; }
  // 0: Ω per tensor, 1: per layer (SLERP only; disabled for LERP).
  QComboBox* granularityCombo() const { return m_granularity; }
  QSlider* lambdaSlider() const { return m_lambdaSlider; }
  QDoubleSpinBox* lambdaSpin() const { return m_lambdaSpin; }
  QSlider* etaSlider() const { return m_etaSlider; }
  QDoubleSpinBox* etaSpin() const { return m_etaSpin; }
  QComboBox* etaModeCombo() const { return m_etaMode; }
  QPushButton* openButton() const { return m_openButton; }
  QPushButton* evaluateButton() const { return m_evaluateButton; }
  QPushButton* sweepButton() const { return m_sweepButton; }
  QPushButton* exportCheckpointButton() const { return m_exportH5; }
  QPushButton* exportHfButton() const { return m_exportHf; }
  QProgressBar* progressBar() const { return m_progress; }
  QLabel* busyLabel() const { return m_busy; }
  QLabel* messageLabel() const { return m_message; }

  // The QSettings key the inputs of an experiment folder are remembered under.
  static QString settingsKey(const QString& experimentDir);

 public Q_SLOTS:
  // Reads the experiment's iterations and finished runs again.
  void refreshChoices();
  // Opens what the chooser shows.
  void openChosenInputs();
  // Asks for the point of the controls' recipe now (cache, else the worker).
  void requestCurrentPoint();
  void startSweep();
  // Cancels the running evaluation or sweep.
  void cancelWork();
  // Export the current recipe's policy (worker thread); exportFinished tells how it went.
  void exportCheckpointTo(const QString& path);
  void exportHfTo(const QString& dir);

 Q_SIGNALS:
  void inputsOpened(const WorkbenchInfo& info);
  void currentPointChanged(const MergedPoint& point);
  void exportFinished(const QString& path, bool ok, const QString& message);

 protected:
  void showEvent(QShowEvent* event) override;

 private Q_SLOTS:
  void onOpened(const WorkbenchInfo& info);
  void onPointReady(const MergedPoint& point, bool fromSweep);
  void onEstimate(const MergedPoint& estimate);
  void onProgress(const QString& stage, qint64 done, qint64 total);
  void onPlaneCurrentChanged(const QString& id);
  void updateControls();
  void redrawPlane();

 private:
  void newSession();
  void setCurrent(const QString& key);
  void showMessage(const QString& text, bool error);
  void scheduleRequest();
  void showInputs(const MergeInputSpec& inputs);
  // Writes the open inputs and the granularity under settingsKey(m_dir).
  void rememberChoice();
  void chooseInitFile();
  void addModelFiles();
  void chooseExportCheckpoint();
  void chooseExportHf();

  QString m_dir;
  MergeSession* m_session = nullptr;
  QPointer<MetricsFollower> m_follower;
  RunRefList m_runs;
  bool m_open = false;
  bool m_sweeping = false;
  int m_sweepTotal = 0, m_sweepDone = 0;
  int m_sweepSteps = 20;
  WorkbenchInfo m_info;
  MergeInputSpec m_pendingInputs;  // being opened; remembered once open
  // Chosen by setExperiment, opened when the panel is next shown (cleared by any openInputs).
  std::optional<MergeInputSpec> m_openWhenShown;
  QHash<QString, MergedPoint> m_points;
  QVector<QString> m_order;  // keys in arrival order
  std::optional<MergedPoint> m_reference;
  QString m_currentKey;
  QString m_exportTarget;
  QTimer m_debounce;
  QTimer m_planeTimer;

  QComboBox* m_source = nullptr;
  QStackedWidget* m_sourcePages = nullptr;
  QComboBox* m_iterations = nullptr;
  QListWidget* m_runList = nullptr;
  QLineEdit* m_initEdit = nullptr;
  QListWidget* m_modelList = nullptr;
  QPushButton* m_openButton = nullptr;
  QLabel* m_inputsLabel = nullptr;
  QLabel* m_message = nullptr;
  QComboBox* m_method = nullptr;
  QComboBox* m_granularity = nullptr;
  QSlider* m_lambdaSlider = nullptr;
  QDoubleSpinBox* m_lambdaSpin = nullptr;
  QSlider* m_etaSlider = nullptr;
  QDoubleSpinBox* m_etaSpin = nullptr;
  QComboBox* m_etaMode = nullptr;
  QPushButton* m_evaluateButton = nullptr;
  QPushButton* m_sweepButton = nullptr;
  QPushButton* m_exportH5 = nullptr;
  QPushButton* m_exportHf = nullptr;
  QProgressBar* m_progress = nullptr;
  QLabel* m_busy = nullptr;
  KlRewardPlane* m_plane = nullptr;
  SamplesView* m_samples = nullptr;
  OmegaChart* m_omega = nullptr;
};
