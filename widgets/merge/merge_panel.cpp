#include "merge/merge_panel.h"

#include <algorithm>
#include <cmath>
#include <exception>

#include <QComboBox>
#include <QCryptographicHash>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSlider>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QVBoxLayout>

#include "merge/merge_session.h"
#include "merge/omega_chart.h"
#include "merge/samples_model.h"
#include "merge/samples_view.h"
#include "models/metrics_follower.h"
#include "models/plane_metrics.h"
#include "plot/kl_reward_plane.h"
#include "plot/plot_theme.h"

namespace {

constexpr double kGridStep = 0.05;
constexpr int kGridSteps = 20;  // 0..1 by 0.05
constexpr int kDefaultDebounceMs = 25;
const char* kReferenceKey = "reference θ_sft";

QSlider* gridSlider(QWidget* parent) {
  auto* s = new QSlider(Qt::Horizontal, parent);
  s->setRange(0, kGridSteps);
  s->setSingleStep(1);
  s->setPageStep(2);
  s->setTickPosition(QSlider::TicksBelow);
  s->setTickInterval(2);
  return s;
}

QDoubleSpinBox* gridSpin(QWidget* parent) {
  auto* s = new QDoubleSpinBox(parent);
  s->setRange(0.0, 1.0);
  s->setSingleStep(kGridStep);
  s->setDecimals(3);  // typed values such as 0.333 are kept
  s->setKeyboardTracking(false);
  return s;
}

// The iteration chooser's items: Qt::UserRole {driver, iteration}, this role whether every worker
// of the iteration finished.
constexpr int kIterationCompleteRole = Qt::UserRole + 1;

PlanePoint planePoint(const MergedPoint& m, const QString& id) {
  PlanePoint p;
  p.id = id;
  p.kl = m.kl;
  p.klSe = m.klSe;
  p.reward = m.reward;
  p.rewardSe = m.rewardSe;
  p.gold = m.gold;
  p.goldSe = m.goldSe;
  p.provenance = m.provenance;
  return p;
}

}  // namespace

MergePanel::MergePanel(QWidget* parent) : QWidget(parent) {
  // ---- left: inputs, recipe, work ----
  auto* inputsBox = new QGroupBox(tr("Inputs"), this);
  auto* inputsLayout = new QVBoxLayout(inputsBox);
  m_source = new QComboBox(inputsBox);
  m_source->addItem(tr("A WARP iteration"));
  m_source->addItem(tr("Finished RL runs"));
  m_source->addItem(tr("Checkpoint files"));
  m_source->setToolTip(
      tr("What to merge: the M policies of a WARP driver's iteration with its θ_init, "
         "finished train runs that started from one init, or files from disk"));
  inputsLayout->addWidget(m_source);
  m_sourcePages = new QStackedWidget(inputsBox);
  // The combo sits at the top of its page: a page is stretched to the stack's size (that of the
  // lists of the other two), a bare combo would be drawn that tall.
  auto* iterationPage = new QWidget(m_sourcePages);
  auto* iterationLayout = new QVBoxLayout(iterationPage);
  iterationLayout->setContentsMargins(0, 0, 0, 0);
  m_iterations = new QComboBox(iterationPage);
  iterationLayout->addWidget(m_iterations);
  iterationLayout->addStretch(1);
  m_sourcePages->addWidget(iterationPage);
  m_runList = new QListWidget(m_sourcePages);
  m_runList->setToolTip(tr("Check two or more finished train runs that started from the same init"));
  m_sourcePages->addWidget(m_runList);
  auto* filesPage = new QWidget(m_sourcePages);
  auto* filesLayout = new QVBoxLayout(filesPage);
  filesLayout->setContentsMargins(0, 0, 0, 0);
  auto* initRow = new QHBoxLayout;
  m_initEdit = new QLineEdit(filesPage);
  m_initEdit->setPlaceholderText(tr("θ_init checkpoint (.h5)"));
  auto* initBrowse = new QPushButton(tr("θ_init…"), filesPage);
  initRow->addWidget(m_initEdit, 1);
  initRow->addWidget(initBrowse);
  filesLayout->addLayout(initRow);
  m_modelList = new QListWidget(filesPage);
  m_modelList->setToolTip(tr("The M >= 2 policies to merge (warp checkpoints)"));
  filesLayout->addWidget(m_modelList, 1);
  auto* modelRow = new QHBoxLayout;
  auto* addModels = new QPushButton(tr("Add models…"), filesPage);
  auto* removeModel = new QPushButton(tr("Remove"), filesPage);
  modelRow->addWidget(addModels);
  modelRow->addWidget(removeModel);
  modelRow->addStretch(1);
  filesLayout->addLayout(modelRow);
  m_sourcePages->addWidget(filesPage);
  inputsLayout->addWidget(m_sourcePages, 1);
  auto* openRow = new QHBoxLayout;
  m_openButton = new QPushButton(tr("Open inputs"), inputsBox);
  m_openButton->setToolTip(tr("Load θ_init and the M policies into memory and measure their task vectors"));
  auto* refresh = new QPushButton(tr("Refresh lists"), inputsBox);
  refresh->setToolTip(tr("Read the experiment's iterations and finished runs again"));
  openRow->addWidget(m_openButton);
  openRow->addWidget(refresh);
  openRow->addStretch(1);
  inputsLayout->addLayout(openRow);
  m_inputsLabel = new QLabel(tr("No inputs open."), inputsBox);
  m_inputsLabel->setWordWrap(true);
  inputsLayout->addWidget(m_inputsLabel);
  m_message = new QLabel(inputsBox);
  m_message->setObjectName(QStringLiteral("mergeMessage"));
  m_message->setWordWrap(true);
  m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
  inputsLayout->addWidget(m_message);

  auto* recipeBox = new QGroupBox(tr("Recipe"), this);
  auto* form = new QFormLayout(recipeBox);
  m_method = new QComboBox(recipeBox);
  m_method->addItem(tr("SLERP"));
  m_method->addItem(tr("LERP"));
  m_method->setToolTip(tr("SLERP of the task vectors (DESIGN §5 stage 2), or linear interpolation"));
  form->addRow(tr("Method:"), m_method);
  m_granularity = new QComboBox(recipeBox);
  m_granularity->addItem(tr("per tensor"));
  m_granularity->addItem(tr("per layer"));
  m_granularity->setToolTip(
      tr("Where SLERP takes its angle Ω: per tensor, or one Ω per layer group (a transformer "
         "block, the embeddings, the final norm) over its concatenated task vectors, as the "
         "paper's \"layer by layer\" (warp merge --granularity)"));
  form->addRow(tr("SLERP Ω:"), m_granularity);
  m_lambdaSlider = gridSlider(recipeBox);
  m_lambdaSpin = gridSpin(recipeBox);
  auto* lambdaRow = new QHBoxLayout;
  lambdaRow->addWidget(m_lambdaSlider, 1);
  lambdaRow->addWidget(m_lambdaSpin);
  form->addRow(tr("λ:"), lambdaRow);
  m_etaSlider = gridSlider(recipeBox);
  m_etaSpin = gridSpin(recipeBox);
  m_etaSpin->setToolTip(tr("LITI: θ = (1 − η)·θ_anchor + η·θ_merge"));
  auto* etaRow = new QHBoxLayout;
  etaRow->addWidget(m_etaSlider, 1);
  etaRow->addWidget(m_etaSpin);
  form->addRow(tr("η:"), etaRow);
  m_etaMode = new QComboBox(recipeBox);
  m_etaMode->addItem(tr("toward θ_init (iteration front)"));
  m_etaMode->addItem(tr("toward θ_sft (Algorithm 1 output)"));
  form->addRow(tr("η mode:"), m_etaMode);
  m_lambdaSpin->setValue(0.5);
  m_lambdaSlider->setValue(10);
  m_etaSpin->setValue(1.0);
  m_etaSlider->setValue(kGridSteps);

  auto* workBox = new QGroupBox(tr("Points"), this);
  auto* workLayout = new QVBoxLayout(workBox);
  auto* workRow = new QHBoxLayout;
  m_evaluateButton = new QPushButton(tr("Evaluate"), workBox);
  m_evaluateButton->setToolTip(tr("Merge and evaluate the recipe above (moving λ or η does it too)"));
  m_sweepButton = new QPushButton(tr("Sweep"), workBox);
  m_sweepButton->setToolTip(
      tr("Evaluate the whole η grid (0..1 by 0.05), and the λ grid for M = 2, in the "
         "background; dragging afterwards shows cached points at once"));
  workRow->addWidget(m_evaluateButton);
  workRow->addWidget(m_sweepButton);
  workRow->addStretch(1);
  workLayout->addLayout(workRow);
  m_busy = new QLabel(workBox);
  m_busy->setWordWrap(true);
  workLayout->addWidget(m_busy);
  m_progress = new QProgressBar(workBox);
  m_progress->setRange(0, 1);
  m_progress->setValue(0);
  m_progress->setTextVisible(true);
  workLayout->addWidget(m_progress);
  auto* exportRow = new QHBoxLayout;
  m_exportH5 = new QPushButton(tr("Export checkpoint…"), workBox);
  m_exportH5->setToolTip(tr("Write the current recipe's policy as a warp checkpoint (.h5)"));
  m_exportHf = new QPushButton(tr("Export Hugging Face…"), workBox);
  m_exportHf->setToolTip(
      tr("Write the current recipe's policy as a Hugging Face GPT-2 folder "
         "(model.safetensors, config.json, tokenizer)"));
  exportRow->addWidget(m_exportH5);
  exportRow->addWidget(m_exportHf);
  exportRow->addStretch(1);
  workLayout->addLayout(exportRow);

  auto* left = new QWidget(this);
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  leftLayout->addWidget(inputsBox, 1);
  leftLayout->addWidget(recipeBox);
  leftLayout->addWidget(workBox);
  leftLayout->addStretch(0);
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(left);
  scroll->setWidgetResizable(true);
  scroll->setMinimumWidth(300);

  // ---- right: the plane over samples and Ω ----
  m_plane = new KlRewardPlane(this);
  m_samples = new SamplesView(this);
  m_omega = new OmegaChart(this);
  auto* views = new QTabWidget(this);
  views->addTab(m_samples, tr("Samples"));
  views->addTab(m_omega, tr("Ω per tensor"));
  auto* rightSplit = new QSplitter(Qt::Vertical, this);
  rightSplit->addWidget(m_plane);
  rightSplit->addWidget(views);
  rightSplit->setStretchFactor(0, 3);
  rightSplit->setStretchFactor(1, 2);
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(scroll);
  split->addWidget(rightSplit);
  split->setStretchFactor(0, 0);
  split->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(split);

  // ---- behaviour ----
  m_debounce.setSingleShot(true);
  m_debounce.setInterval(kDefaultDebounceMs);
  connect(&m_debounce, &QTimer::timeout, this, &MergePanel::requestCurrentPoint);
  m_planeTimer.setSingleShot(true);
  m_planeTimer.setInterval(40);
  connect(&m_planeTimer, &QTimer::timeout, this, &MergePanel::redrawPlane);

  // The chooser takes the height its page needs: the lists of runs and files grow with the panel,
  // the iteration's one combo does not (the column's spare height then goes below the boxes). A
  // stack is as tall as its tallest page unless the others are Ignored.
  const auto fitSourcePage = [this, leftLayout, inputsBox](int index) {
    m_sourcePages->setCurrentIndex(index);
    for (int i = 0; i < m_sourcePages->count(); ++i)
      m_sourcePages->widget(i)->setSizePolicy(i == index ? QSizePolicy::Preferred : QSizePolicy::Ignored,
                                              i == index ? QSizePolicy::Preferred : QSizePolicy::Ignored);
    const bool grows = index != 0;
    leftLayout->setStretchFactor(inputsBox, grows ? 1 : 0);
    leftLayout->setStretch(leftLayout->count() - 1, grows ? 0 : 1);
    m_sourcePages->updateGeometry();
  };
  fitSourcePage(0);
  connect(m_source, qOverload<int>(&QComboBox::currentIndexChanged), this, fitSourcePage);
  connect(initBrowse, &QPushButton::clicked, this, &MergePanel::chooseInitFile);
  connect(addModels, &QPushButton::clicked, this, &MergePanel::addModelFiles);
  connect(removeModel, &QPushButton::clicked, this, [this] { qDeleteAll(m_modelList->selectedItems()); });
  connect(m_openButton, &QPushButton::clicked, this, &MergePanel::openChosenInputs);
  connect(refresh, &QPushButton::clicked, this, &MergePanel::refreshChoices);

  auto bind = [this](QSlider* slider, QDoubleSpinBox* spin) {
    connect(slider, &QSlider::valueChanged, this, [this, spin](int v) {
      const QSignalBlocker block(spin);
      spin->setValue(v * kGridStep);
      scheduleRequest();
    });
    connect(spin, qOverload<double>(&QDoubleSpinBox::valueChanged), this, [this, slider](double v) {
      const QSignalBlocker block(slider);
      slider->setValue(static_cast<int>(std::lround(v / kGridStep)));
      scheduleRequest();
    });
  };
  bind(m_lambdaSlider, m_lambdaSpin);
  bind(m_etaSlider, m_etaSpin);
  connect(m_method, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
    updateControls();
    scheduleRequest();
  });
  connect(m_etaMode, qOverload<int>(&QComboBox::currentIndexChanged), this, &MergePanel::scheduleRequest);
  connect(m_granularity, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int i) {
    // The Ω chart follows: the angles the merge takes.
    m_omega->setView(i == 1 ? OmegaChart::View::Layer : OmegaChart::View::Tensor);
    if (m_open) rememberChoice();
    scheduleRequest();
  });
  connect(m_evaluateButton, &QPushButton::clicked, this, &MergePanel::requestCurrentPoint);
  connect(m_sweepButton, &QPushButton::clicked, this, [this] {
    if (m_sweeping) cancelWork();
    else startSweep();
  });
  connect(m_exportH5, &QPushButton::clicked, this, &MergePanel::chooseExportCheckpoint);
  connect(m_exportHf, &QPushButton::clicked, this, &MergePanel::chooseExportHf);
  connect(m_plane, &KlRewardPlane::currentPointChanged, this, &MergePanel::onPlaneCurrentChanged);

  newSession();
  updateControls();
  redrawPlane();
}

MergePanel::~MergePanel() {
  if (m_session) m_session->shutdown();
}

QString MergePanel::settingsKey(const QString& experimentDir) {
  const QByteArray hash = QCryptographicHash::hash(QDir::cleanPath(experimentDir).toUtf8(), QCryptographicHash::Sha1);
  return QStringLiteral("mergeInputs/") + QString::fromLatin1(hash.toHex());
}

void MergePanel::newSession() {
  if (m_session) {
    disconnect(m_session, nullptr, this, nullptr);  // nothing of the old experiment arrives any more
    m_session->shutdown();
    m_session->deleteLater();
  }
  m_session = new MergeSession(this);
  connect(m_session, &MergeSession::opened, this, &MergePanel::onOpened);
  connect(m_session, &MergeSession::openFailed, this, [this](const QString& message) {
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_busy->clear();
    showMessage(message, true);
    updateControls();
  });
  connect(m_session, &MergeSession::pointReady, this, &MergePanel::onPointReady);
  connect(m_session, &MergeSession::estimateReady, this, &MergePanel::onEstimate);
  connect(m_session, &MergeSession::evaluateFailed, this, [this](const QString& message) {
    m_busy->clear();
    showMessage(message, true);
  });
  connect(m_session, &MergeSession::progress, this, &MergePanel::onProgress);
  connect(m_session, &MergeSession::busyChanged, this, [this](bool busy) {
    if (!busy) {
      m_busy->clear();
      m_plane->setEstimate(std::nullopt);
      m_progress->setRange(0, 1);
      m_progress->setValue(m_progress->maximum());
      m_progress->setFormat(tr("ready"));  // not the last stage's "…: 100%"
      m_sweeping = false;
    }
    updateControls();
  });
  connect(m_session, &MergeSession::sweepFinished, this, [this](int evaluated) {
    m_sweeping = false;
    showMessage(tr("Sweep done: %1 points evaluated, the rest were cached.").arg(evaluated), false);
    updateControls();
  });
  connect(m_session, &MergeSession::referenceReady, this, [this](const MergedPoint& point) {
    m_reference = point;
    m_planeTimer.start();
    if (m_currentKey.isEmpty()) {
      // No point chosen yet: θ_sft is the current one, so the samples have text to read before
      // anything is merged (as a click on its marker).
      const QString key = QString::fromUtf8(kReferenceKey);
      m_plane->setCurrentId(key);
      onPlaneCurrentChanged(key);
      return;
    }
    setCurrent(m_currentKey);  // the samples get θ_sft's column
  });
  connect(m_session, &MergeSession::exportProgress, this, [this](const QString& stage, qint64 done, qint64 total) {
    m_progress->setRange(0, static_cast<int>(std::max<qint64>(total, 1)));
    m_progress->setValue(static_cast<int>(done));
    m_progress->setFormat(tr("exporting (%1): %p%").arg(stage));
  });
  connect(m_session, &MergeSession::exported, this, [this](const QString& path) {
    showMessage(tr("Exported %1").arg(QDir::toNativeSeparators(path)), false);
    Q_EMIT exportFinished(path, true, QString());
  });
  connect(m_session, &MergeSession::exportFailed, this, [this](const QString& message) {
    showMessage(message, true);
    auto* box = new QMessageBox(QMessageBox::Critical, tr("Export failed"), message, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("exportFailedBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
    Q_EMIT exportFinished(m_exportTarget, false, message);
  });
}

void MergePanel::setExperiment(const QString& dir) {
  if (dir == m_dir) return;
  m_dir = dir;
  newSession();
  m_open = false;
  m_openWhenShown.reset();
  m_info = WorkbenchInfo();
  m_points.clear();
  m_order.clear();
  m_reference.reset();
  m_currentKey.clear();
  m_samples->model()->setPrompts({});
  m_samples->model()->setRows({}, {});
  m_omega->setEntries({});
  m_omega->setLayerEntries({});
  m_inputsLabel->setText(tr("No inputs open."));
  m_plane->setExportDir(dir.isEmpty() ? QString() : dir + QStringLiteral("/exports"));
  showMessage(QString(), false);
  refreshChoices();
  if (!dir.isEmpty()) {
    const QVariantMap map = QSettings().value(settingsKey(dir)).toMap();
    {
      const QSignalBlocker block(m_granularity);
      const bool layer = map.value(QStringLiteral("granularity")).toString() == QLatin1String("layer");
      m_granularity->setCurrentIndex(layer ? 1 : 0);
      m_omega->setView(layer ? OmegaChart::View::Layer : OmegaChart::View::Tensor);
    }
    m_openWhenShown = MergeInputSpec::fromVariant(map);
    if (!m_openWhenShown) {
      // Nothing remembered: the experiment's latest complete iteration, what a researcher who ran
      // `warp run` looks at first (the chooser lists drivers in run order, iterations ascending).
      for (int i = m_iterations->count() - 1; i >= 0 && !m_openWhenShown; --i) {
        const QVariantList data = m_iterations->itemData(i).toList();
        if (data.size() == 2 && m_iterations->itemData(i, kIterationCompleteRole).toBool()) {
          MergeInputSpec latest;
          latest.source = MergeInputSpec::Source::Iteration;
          latest.driver = data[0].toString();
          latest.iteration = data[1].toLongLong();
          m_openWhenShown = latest;
        }
      }
    }
    if (m_openWhenShown) showInputs(*m_openWhenShown);
  }
  updateControls();
  redrawPlane();
  if (isVisible() && m_openWhenShown) openInputs(*m_openWhenShown);
}

void MergePanel::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (m_openWhenShown) openInputs(*m_openWhenShown);
}

void MergePanel::setFollower(MetricsFollower* follower) {
  if (m_follower) disconnect(m_follower, nullptr, this, nullptr);
  m_follower = follower;
  if (follower)
    connect(follower, &MetricsFollower::appended, this, [this](const QVector<MetricSeriesKey>& changed, int) {
      for (const MetricSeriesKey& k : changed)
        for (const RunRef& run : m_runs)
          if (run.id == k.runId) {
            m_planeTimer.start();
            return;
          }
    });
  m_planeTimer.start();
}

void MergePanel::setRuns(const RunRefList& runs) {
  if (runs == m_runs) return;
  m_runs = runs;
  m_planeTimer.start();
}

void MergePanel::refreshChoices() {
  const MergeInputSpec shown = chosenInputs();
  m_iterations->clear();
  m_runList->clear();
  if (m_dir.isEmpty()) return;
  try {
    for (const IterationEntry& e : MergeWorker::listIterations(m_dir)) {
      m_iterations->addItem(tr("%1 · iteration %2 (M = %3)%4")
                                .arg(e.driver)
                                .arg(e.iteration)
                                .arg(e.runs)
                                .arg(e.complete ? QString() : tr(", not finished")),
                            QVariantList{e.driver, e.iteration});
      m_iterations->setItemData(m_iterations->count() - 1, e.complete, kIterationCompleteRole);
      if (!e.complete) {
        m_iterations->setItemData(m_iterations->count() - 1, tr("A worker of this iteration has not finished yet"),
                                  Qt::ToolTipRole);
      }
    }
    for (const QString& name : MergeWorker::finishedTrainRuns(m_dir)) {
      auto* item = new QListWidgetItem(name, m_runList);
      item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
      item->setCheckState(Qt::Unchecked);
    }
  } catch (const std::exception& e) {
    showMessage(QString::fromUtf8(e.what()), true);
  }
  if (m_iterations->count() == 0) m_iterations->addItem(tr("(no WARP iteration in this experiment yet)"));
  showInputs(shown);
}

MergeInputSpec MergePanel::chosenInputs() const {
  MergeInputSpec s;
  switch (m_source->currentIndex()) {
    case 0: {
      s.source = MergeInputSpec::Source::Iteration;
      const QVariantList data = m_iterations->currentData().toList();
      if (data.size() == 2) {
        s.driver = data[0].toString();
        s.iteration = data[1].toLongLong();
      }
      break;
    }
    case 1:
      s.source = MergeInputSpec::Source::Runs;
      for (int i = 0; i < m_runList->count(); ++i)
        if (m_runList->item(i)->checkState() == Qt::Checked) s.runs << m_runList->item(i)->text();
      break;
    default:
      s.source = MergeInputSpec::Source::Files;
      s.init = m_initEdit->text().trimmed();
      for (int i = 0; i < m_modelList->count(); ++i) s.models << m_modelList->item(i)->text();
      break;
  }
  return s;
}

void MergePanel::showInputs(const MergeInputSpec& inputs) {
  switch (inputs.source) {
    case MergeInputSpec::Source::Iteration:
      m_source->setCurrentIndex(0);
      for (int i = 0; i < m_iterations->count(); ++i)
        if (m_iterations->itemData(i).toList() == QVariantList{inputs.driver, inputs.iteration})
          m_iterations->setCurrentIndex(i);
      break;
    case MergeInputSpec::Source::Runs:
      m_source->setCurrentIndex(1);
      for (int i = 0; i < m_runList->count(); ++i)
        m_runList->item(i)->setCheckState(inputs.runs.contains(m_runList->item(i)->text()) ? Qt::Checked
                                                                                           : Qt::Unchecked);
      break;
    case MergeInputSpec::Source::Files:
      m_source->setCurrentIndex(2);
      m_initEdit->setText(inputs.init);
      m_modelList->clear();
      m_modelList->addItems(inputs.models);
      break;
  }
}

void MergePanel::openChosenInputs() { openInputs(chosenInputs()); }

void MergePanel::openInputs(const MergeInputSpec& inputs) {
  m_openWhenShown.reset();
  if (m_dir.isEmpty()) return;
  showInputs(inputs);
  if (inputs.source == MergeInputSpec::Source::Iteration && inputs.driver.isEmpty()) {
    showMessage(tr("Choose a WARP iteration: this experiment has none yet (Runs > Run WARP…)."), true);
    return;
  }
  if (inputs.source == MergeInputSpec::Source::Runs && inputs.runs.size() < 2) {
    showMessage(tr("Check at least two finished runs to merge."), true);
    return;
  }
  m_open = false;
  m_points.clear();
  m_order.clear();
  m_reference.reset();
  m_currentKey.clear();
  m_sweeping = false;
  showMessage(QString(), false);
  m_busy->setText(tr("Opening %1…")
                      .arg(inputs.source == MergeInputSpec::Source::Iteration
                               ? tr("%1 iteration %2").arg(inputs.driver).arg(inputs.iteration)
                               : tr("the inputs")));
  m_progress->setRange(0, 0);
  m_session->open(m_dir, inputs);
  m_pendingInputs = inputs;
  updateControls();
  redrawPlane();
}

void MergePanel::onOpened(const WorkbenchInfo& info) {
  m_open = true;
  m_info = info;
  rememberChoice();
  m_inputsLabel->setText(tr("Open: %1 (M = %2, %3 evaluation prompts, τ = %4)")
                             .arg(info.description)
                             .arg(info.numModels)
                             .arg(info.prompts.size())
                             .arg(info.temperature));
  m_plane->setEvalTemperature(info.temperature);
  m_samples->model()->setPrompts(info.prompts);
  m_omega->setEntries(info.omega);
  m_omega->setLayerEntries(info.omegaLayers);
  for (const MergedPoint& p : info.cachedPoints) {
    if (!m_points.contains(p.key)) m_order << p.key;
    m_points.insert(p.key, p);
  }
  m_busy->clear();
  m_progress->setRange(0, 1);
  m_progress->setValue(1);
  m_progress->setFormat(tr("ready"));
  showMessage(
      info.cachedPoints.isEmpty()
          ? tr("Move λ or η, or press Evaluate, to merge and evaluate a point.")
          : tr("%1 points of these inputs were evaluated before: they are on the plane.").arg(info.cachedPoints.size()),
      false);
  updateControls();
  // The point of the controls, if it was evaluated before; θ_sft's samples in the background.
  if (const auto cached = m_session->lookup(recipe())) setCurrent(cached->key);
  m_session->requestReference();
  redrawPlane();
  Q_EMIT inputsOpened(info);
}

void MergePanel::rememberChoice() {
  if (m_dir.isEmpty()) return;
  QVariantMap map = m_pendingInputs.toVariant();
  map[QStringLiteral("granularity")] =
      m_granularity->currentIndex() == 1 ? QStringLiteral("layer") : QStringLiteral("tensor");
  QSettings().setValue(settingsKey(m_dir), map);
}

MergeRecipeSpec MergePanel::recipe() const {
  MergeRecipeSpec r;
  r.lerp = m_method->currentIndex() == 1;
  r.layer = m_granularity->currentIndex() == 1;
  r.lambda = m_lambdaSpin->value();
  r.eta = m_etaSpin->value();
  r.towardSft = m_etaMode->currentIndex() == 1;
  return r;
}

void MergePanel::setRecipe(const MergeRecipeSpec& r) {
  m_method->setCurrentIndex(r.lerp ? 1 : 0);
  if (!r.lerp) m_granularity->setCurrentIndex(r.layer ? 1 : 0);  // LERP leaves the SLERP choice as it is
  m_lambdaSpin->setValue(r.lambda);
  m_etaSpin->setValue(r.eta);
  m_etaMode->setCurrentIndex(r.towardSft ? 1 : 0);
}

void MergePanel::scheduleRequest() {
  if (m_open) m_debounce.start();
}

void MergePanel::requestCurrentPoint() {
  m_debounce.stop();
  if (!m_open) return;
  const MergeRecipeSpec r = recipe();
  if (const auto cached = m_session->lookup(r)) {
    // A point evaluated before: at once, no work. A stale single evaluation is not needed any more;
    // a running sweep goes on.
    if (m_session->isBusy() && !m_sweeping) m_session->cancel();
    if (!m_points.contains(cached->key)) m_order << cached->key;
    m_points.insert(cached->key, *cached);
    setCurrent(cached->key);
    m_planeTimer.start();
    return;
  }
  m_sweeping = false;
  m_busy->setText(tr("%1…").arg(r.describe(m_info.numModels)));
  m_plane->setEstimate(std::nullopt);
  m_progress->setRange(0, 0);
  m_session->evaluate(r);
  updateControls();
}

QVector<MergeRecipeSpec> MergePanel::sweepRecipes() const {
  QVector<MergeRecipeSpec> out;
  const MergeRecipeSpec base = recipe();
  const bool lambdas = m_info.numModels == 2;
  const double step = 1.0 / m_sweepSteps;
  for (int l = 0; l <= (lambdas ? m_sweepSteps : 0); ++l) {
    for (int e = 0; e <= m_sweepSteps; ++e) {
      MergeRecipeSpec r = base;
      if (lambdas) r.lambda = l * step;
      r.eta = e * step;
      out << r;
    }
  }
  return out;
}

void MergePanel::startSweep() {
  if (!m_open) return;
  const QVector<MergeRecipeSpec> recipes = sweepRecipes();
  m_sweeping = true;
  m_sweepTotal = recipes.size();
  m_sweepDone = 0;
  m_busy->setText(tr("Sweep: %1 recipes (%2)…").arg(recipes.size()).arg(recipe().describe(m_info.numModels)));
  m_progress->setRange(0, 0);
  m_session->sweep(recipes);
  updateControls();
}

void MergePanel::cancelWork() {
  m_session->cancel();
  m_sweeping = false;
  m_busy->clear();
  showMessage(tr("Cancelled."), false);
  updateControls();
}

void MergePanel::onPointReady(const MergedPoint& point, bool fromSweep) {
  if (!m_points.contains(point.key)) m_order << point.key;
  m_points.insert(point.key, point);
  if (fromSweep) {
    ++m_sweepDone;
    m_busy->setText(tr("Sweep: %1 new points (%2)").arg(m_sweepDone).arg(point.recipe.describe(m_info.numModels)));
  } else {
    setCurrent(point.key);
  }
  m_planeTimer.start();
}

void MergePanel::onEstimate(const MergedPoint& e) {
  const qint64 total = m_info.prompts.size();
  PlanePoint p;
  p.id = QStringLiteral("estimate");
  p.kl = e.kl;
  p.klSe = e.klSe;
  p.reward = e.reward;
  p.rewardSe = e.rewardSe;
  p.gold = e.gold;
  p.goldSe = e.goldSe;
  p.label = tr("estimate: %1 of %2 prompts").arg(e.prompts).arg(total);
  m_plane->setEstimate(p);
  auto num = [](double mean, double se) {
    return QStringLiteral("%1 ± %2").arg(QString::number(mean, 'g', 4), QString::number(se, 'g', 2));
  };
  m_busy->setText(tr("%1… first estimate from %2 of %3 prompts: reward %4, gold %5, KL %6")
                      .arg(e.recipe.describe(m_info.numModels))
                      .arg(e.prompts)
                      .arg(total)
                      .arg(num(e.reward, e.rewardSe), num(e.gold, e.goldSe), num(e.kl, e.klSe)));
}

void MergePanel::onProgress(const QString& stage, qint64 done, qint64 total) {
  m_progress->setRange(0, static_cast<int>(std::max<qint64>(total, 1)));
  m_progress->setValue(static_cast<int>(done));
  QString what = stage;
  if (stage == QLatin1String("merge")) what = tr("merging");
  else if (stage == QLatin1String("eval")) what = tr("evaluating");
  else if (stage == QLatin1String("load")) what = tr("loading");
  m_progress->setFormat(tr("%1: %p%").arg(what));
}

void MergePanel::setCurrent(const QString& key) {
  m_currentKey = key;
  m_plane->setCurrentId(key);
  const auto it = m_points.constFind(key);
  if (it == m_points.constEnd()) return;
  const MergedPoint& p = *it;
  m_samples->model()->setRows(p.rows, m_reference ? m_reference->rows : QVector<SampleRow>());
  m_samples->setCaption(tr("Samples of %1%2")
                            .arg(p.recipe.describe(m_info.numModels))
                            .arg(m_reference ? tr(", beside θ_sft's for the same prompts and seeds")
                                             : tr(" (θ_sft's column follows once it is evaluated)")));
  Q_EMIT currentPointChanged(p);
}

std::optional<MergedPoint> MergePanel::currentPoint() const {
  const auto it = m_points.constFind(m_currentKey);
  if (it == m_points.constEnd()) return std::nullopt;
  return *it;
}

void MergePanel::onPlaneCurrentChanged(const QString& id) {
  if (id == QString::fromUtf8(kReferenceKey) && m_reference) {
    m_currentKey = id;
    m_samples->model()->setRows(m_reference->rows, m_reference->rows);
    m_samples->setCaption(tr("Samples of θ_sft (the reference of every point: the same prompts and seeds)"));
    return;
  }
  const auto it = m_points.constFind(id);
  if (it == m_points.constEnd()) {
    m_currentKey = id;  // a trajectory or front point: ringed, no samples of its own
    m_samples->model()->setRows({}, {});
    m_samples->setCaption(tr("Samples are kept for merged points; this point comes from the metrics of a run."));
    return;
  }
  const MergeRecipeSpec r = it->recipe;
  {
    // The controls follow the clicked point without asking for it again.
    const QSignalBlocker b1(m_method), b2(m_lambdaSpin), b3(m_lambdaSlider), b4(m_etaSpin), b5(m_etaSlider),
        b6(m_etaMode), b7(m_granularity);
    setRecipe(r);
    if (!r.lerp) m_omega->setView(r.layer ? OmegaChart::View::Layer : OmegaChart::View::Tensor);
    m_lambdaSlider->setValue(static_cast<int>(std::lround(r.lambda / kGridStep)));
    m_etaSlider->setValue(static_cast<int>(std::lround(r.eta / kGridStep)));
  }
  updateControls();
  setCurrent(id);
}

void MergePanel::showMessage(const QString& text, bool error) {
  m_message->setText(text);
  m_message->setStyleSheet(error ? errorStyleSheet(palette()) : QString());  // the palette's text colour otherwise
}

void MergePanel::updateControls() {
  const bool lambdaUsed = m_info.numModels <= 2;
  for (QWidget* w :
       {static_cast<QWidget*>(m_method), static_cast<QWidget*>(m_etaSlider), static_cast<QWidget*>(m_etaSpin),
        static_cast<QWidget*>(m_etaMode), static_cast<QWidget*>(m_evaluateButton), static_cast<QWidget*>(m_sweepButton),
        static_cast<QWidget*>(m_exportH5), static_cast<QWidget*>(m_exportHf)})
    w->setEnabled(m_open);
  m_granularity->setEnabled(m_open && m_method->currentIndex() == 0);
  m_lambdaSlider->setEnabled(m_open && lambdaUsed);
  m_lambdaSpin->setEnabled(m_open && lambdaUsed);
  const QString lambdaTip =
      lambdaUsed ? tr("SLERP/LERP weight of the second policy: θ_init + (1−λ)·δ1 + λ·δ2 for LERP")
                 : tr("For M > 2, Eq. 26 folds SLERP left with λ = 1/m (LERP: uniform 1/M); λ is not used");
  m_lambdaSlider->setToolTip(lambdaTip);
  m_lambdaSpin->setToolTip(lambdaTip);
  m_sweepButton->setText(m_sweeping ? tr("Cancel sweep") : tr("Sweep"));
  m_sweepButton->setEnabled(m_open);
}

void MergePanel::redrawPlane() {
  m_planeTimer.stop();
  QVector<PlaneSeries> series = planeSeriesFromMetrics(m_follower, m_runs);
  PlaneSeries merged{PlaneSeries::Kind::MergePoints, tr("merged points"), {}};
  for (const QString& key : m_order) merged.points << planePoint(m_points.value(key), key);
  if (!merged.points.isEmpty()) series << merged;
  if (m_reference) {
    PlaneSeries ref{
        PlaneSeries::Kind::MergePoints, tr("θ_sft"), {planePoint(*m_reference, QString::fromUtf8(kReferenceKey))}};
    series << ref;
  }
  m_plane->setSeries(series);
  m_plane->setCurrentId(m_currentKey);
}

// ---- file pickers ----

void MergePanel::chooseInitFile() {
  const QString start = m_dir.isEmpty() ? QDir::homePath() : m_dir + QStringLiteral("/checkpoints");
  const QString path =
      QFileDialog::getOpenFileName(this, tr("θ_init checkpoint"), start, tr("warp checkpoints (*.h5);;All files (*)"));
  if (!path.isEmpty()) m_initEdit->setText(path);
}

void MergePanel::addModelFiles() {
  const QString start = m_dir.isEmpty() ? QDir::homePath() : m_dir + QStringLiteral("/checkpoints");
  const QStringList paths =
      QFileDialog::getOpenFileNames(this, tr("Policies to merge"), start, tr("warp checkpoints (*.h5);;All files (*)"));
  m_modelList->addItems(paths);
}

void MergePanel::exportCheckpointTo(const QString& path) {
  if (!m_open) return;
  m_exportTarget = path;
  showMessage(tr("Exporting %1 to %2…").arg(recipe().describe(m_info.numModels), QDir::toNativeSeparators(path)),
              false);
  m_session->exportCheckpoint(recipe(), path);
}

void MergePanel::exportHfTo(const QString& dir) {
  if (!m_open) return;
  m_exportTarget = dir;
  showMessage(tr("Exporting %1 to %2…").arg(recipe().describe(m_info.numModels), QDir::toNativeSeparators(dir)), false);
  m_session->exportHf(recipe(), dir);
}

void MergePanel::chooseExportCheckpoint() {
  const QString start =
      (m_dir.isEmpty() ? QDir::homePath() : m_dir + QStringLiteral("/exports")) + QStringLiteral("/merged.h5");
  const QString path =
      QFileDialog::getSaveFileName(this, tr("Export the merged policy"), start, tr("warp checkpoint (*.h5)"));
  if (!path.isEmpty()) exportCheckpointTo(path);
}

void MergePanel::chooseExportHf() {
  const QString start =
      (m_dir.isEmpty() ? QDir::homePath() : m_dir + QStringLiteral("/exports")) + QStringLiteral("/merged-hf");
  const QString dir = QFileDialog::getSaveFileName(this, tr("Export as a Hugging Face folder (a new folder)"), start);
  if (!dir.isEmpty()) exportHfTo(dir);
}
