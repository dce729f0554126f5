#include "window/main_window.h"

#include <algorithm>
#include <exception>
#include <fstream>
#include <limits>
#include <memory>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QItemSelectionModel>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include "db/experiment_db.h"
#include "db/liveness.h"
#include "db/records.h"
#include "eval/eval_config.h"
#include "experiment/experiment.h"
#include "merge/merge_panel.h"
#include "models/metrics_follower.h"
#include "models/run_filter_proxy.h"
#include "models/run_list_model.h"
#include "panels/log_tail_panel.h"
#include "panels/metrics_panel.h"
#include "panels/pareto_panel.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/json_read.h"
#include "window/about_dialog.h"
#include "window/app_settings.h"
#include "window/appearance.h"
#include "window/launch_dialog.h"
#include "window/preferences_dialog.h"
#include "window/run_launcher.h"
#include "window/run_notes_dialog.h"

namespace {

std::string where(const QString& path) { return QDir::toNativeSeparators(path).toStdString(); }

QIcon actionIcon(const char* name) { return QIcon(QStringLiteral(":/icons/actions/%1.svg").arg(QLatin1String(name))); }

}  // namespace

// The icons and translations are compiled into this static library (resources/warp-studio.qrc):
// referencing their initializer keeps the linker from dropping them. Outside any namespace.
static void initWarpStudioResources() { Q_INIT_RESOURCE(warp_studio); }

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  initWarpStudioResources();
  setWindowTitle(tr("WARP Studio"));
  setWindowIcon(QIcon(QStringLiteral(":/icons/warp-studio.svg")));
  m_runModel = new RunListModel(this);
  m_follower = new MetricsFollower(this);
  m_runModel->setMetricsFollower(m_follower);

  m_runFilter = new RunFilterProxy(this);
  m_runFilter->setSourceModel(m_runModel);
  m_runView = new QTableView(this);
  m_runView->setModel(m_runFilter);
  m_runView->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_runView->setSelectionMode(QAbstractItemView::ExtendedSelection);
  m_runView->verticalHeader()->hide();
  m_runView->verticalHeader()->setDefaultSectionSize(m_runView->fontMetrics().height() + 6);
  m_runView->horizontalHeader()->setStretchLastSection(true);
  m_runView->horizontalHeader()->setHighlightSections(false);
  m_runView->setAlternatingRowColors(true);
  m_runView->setWordWrap(false);
  m_runView->setColumnWidth(RunListModel::Name, 140);
  m_runView->setColumnWidth(RunListModel::Kind, 50);
  m_runView->setColumnWidth(RunListModel::Status, 70);
  m_runView->setColumnWidth(RunListModel::Iteration, 40);
  m_runView->setColumnWidth(RunListModel::Step, 50);
  m_runView->setColumnWidth(RunListModel::Progress, 150);
  m_runView->setColumnWidth(RunListModel::Started, 105);
  m_runView->setColumnWidth(RunListModel::Elapsed, 65);
  m_runView->setColumnWidth(RunListModel::Tags, 90);
  // Above the list: the text and status filters (models/run_filter_proxy.h).
  auto* runPane = new QWidget(this);
  {
    auto* layout = new QVBoxLayout(runPane);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    auto* filters = new QHBoxLayout;
    m_filterEdit = new QLineEdit(runPane);
    m_filterEdit->setObjectName(QStringLiteral("runFilter"));
    m_filterEdit->setPlaceholderText(tr("Filter runs: name, kind, tag, note"));
    m_filterEdit->setToolTip(tr("Runs whose name, kind, tags or note contain every word typed (any case)"));
    m_filterEdit->setClearButtonEnabled(true);
    m_statusFilter = new QComboBox(runPane);
    m_statusFilter->setObjectName(QStringLiteral("statusFilter"));
    for (int f = 0; f < RunFilterProxy::kStatusFilterCount; ++f)
      m_statusFilter->addItem(RunFilterProxy::label(static_cast<RunFilterProxy::StatusFilter>(f)));
    m_statusFilter->setToolTip(tr("Show the runs of one status only"));
    filters->addWidget(m_filterEdit, 1);
    filters->addWidget(m_statusFilter);
    layout->addLayout(filters);
    layout->addWidget(m_runView, 1);
    // Filtering is not picking runs by hand: runs it hides leave the selection, but the window
    // keeps adding runs that start (those the filter shows).
    connect(m_filterEdit, &QLineEdit::textChanged, this, [this](const QString& text) {
      m_selectingForUser = true;
      m_runFilter->setFilterText(text);
      m_selectingForUser = false;
    });
    connect(m_statusFilter, &QComboBox::currentIndexChanged, this, [this](int i) {
      m_selectingForUser = true;
      m_runFilter->setStatusFilter(static_cast<RunFilterProxy::StatusFilter>(i));
      m_selectingForUser = false;
    });
  }

  m_metricsPanel = new MetricsPanel(this);
  m_metricsPanel->setFollower(m_follower);
  m_paretoPanel = new ParetoPanel(this);
  m_paretoPanel->setFollower(m_follower);
  m_tabs = new QTabWidget(this);
  m_tabs->addTab(m_metricsPanel, tr("Metrics"));
  m_tabs->addTab(m_paretoPanel, tr("Pareto"));
  m_mergePanel = new MergePanel(this);
  m_mergePanel->setFollower(m_follower);
  m_tabs->addTab(m_mergePanel, tr("Merge"));
  m_logPanel = new LogTailPanel(this);
  m_tabs->addTab(m_logPanel, tr("Log"));

  m_splitter = new QSplitter(Qt::Horizontal, this);
  m_splitter->addWidget(runPane);
  m_splitter->addWidget(m_tabs);
  m_splitter->setStretchFactor(0, 0);
  m_splitter->setStretchFactor(1, 1);
  m_splitter->setSizes({740, 760});
  setCentralWidget(m_splitter);

  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(actionIcon("open"), tr("&Open Experiment…"), this, &MainWindow::chooseExperiment);
  open->setShortcut(QKeySequence::Open);
  m_recentMenu = file->addMenu(actionIcon("recent"), tr("Open &Recent"));
  m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
  connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentMenu);
  rebuildRecentMenu();
  QAction* refresh = file->addAction(actionIcon("refresh"), tr("Re&fresh"), this, &MainWindow::refreshNow);
  refresh->setShortcut(QKeySequence::Refresh);
  file->addSeparator();
  QAction* quit = file->addAction(actionIcon("quit"), tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  m_warpExe = defaultWarpExecutable();
  m_thisHost = thisHostName();
  QMenu* runs = menuBar()->addMenu(tr("&Runs"));
  runs->setToolTipsVisible(true);
  m_newRlRun = runs->addAction(actionIcon("new-run"), tr("&New RL run…"), this, &MainWindow::newRlRun);
  m_newRlRun->setShortcut(QKeySequence::New);
  m_runWarp = runs->addAction(actionIcon("warp-run"), tr("Run &WARP…"), this, &MainWindow::newWarpRun);
  m_runWarp->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
  runs->addSeparator();
  m_stop = runs->addAction(actionIcon("stop"), tr("&Stop selected"), this, &MainWindow::stopSelected);
  m_stop->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
  m_resume = runs->addAction(actionIcon("resume"), tr("&Resume selected"), this, &MainWindow::resumeSelected);
  m_resume->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
  m_duplicate = runs->addAction(tr("&Duplicate with changes…"), this, &MainWindow::duplicateSelected);
  m_duplicate->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
  runs->addSeparator();
  m_notes = runs->addAction(tr("Notes and &tags…"), this, &MainWindow::editRunNotes);
  m_notes->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  QAction* find = runs->addAction(tr("&Filter runs"), this, [this] {
    m_filterEdit->setFocus(Qt::ShortcutFocusReason);
    m_filterEdit->selectAll();
  });
  find->setShortcut(QKeySequence::Find);
  QMenu* settingsMenu = menuBar()->addMenu(tr("&Settings"));
  QAction* prefs =
      settingsMenu->addAction(actionIcon("preferences"), tr("&Preferences…"), this, &MainWindow::showPreferences);
  prefs->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
  prefs->setMenuRole(QAction::PreferencesRole);
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  QAction* about = help->addAction(actionIcon("about"), tr("&About WARP Studio"), this, &MainWindow::showAbout);
  about->setShortcut(QKeySequence::HelpContents);
  about->setMenuRole(QAction::AboutRole);
  help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt)->setMenuRole(QAction::AboutQtRole);
  m_runView->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(m_runView, &QWidget::customContextMenuRequested, this, &MainWindow::showRunMenu);

  m_pathLabel = new QLabel(tr("No experiment open"), this);
  m_countsLabel = new QLabel(this);
  statusBar()->addWidget(m_pathLabel, 1);
  statusBar()->addPermanentWidget(m_countsLabel);

  connect(m_runView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
    if (!m_selectingForUser) m_followNewRuns = false;
    onSelectionChanged();
    updateRunActions();
  });
  connect(m_runModel, &RunListModel::refreshed, this, &MainWindow::updateStatus);
  connect(m_runModel, &RunListModel::refreshed, this, &MainWindow::updateRunActions);
  connect(m_runModel, &RunListModel::refreshed, this, [this] {
    if (m_followNewRuns) {
      if (!m_runView->selectionModel()->hasSelection()) selectInitialRuns();
      else addNewRunningRuns();
    }
    if (!m_runView->selectionModel()->hasSelection()) {
      m_paretoPanel->setRuns(allRuns());
      m_mergePanel->setRuns(allRuns());
    } else onSelectionChanged();  // names or kinds of selected runs may have changed
  });
  connect(m_follower, &MetricsFollower::appended, this, &MainWindow::updateStatus);
  auto showReadError = [this](const QString& message) {
    statusBar()->showMessage(tr("Reading the database failed (retrying): %1").arg(message), 5000);
  };
  connect(m_runModel, &RunListModel::readFailed, this, showReadError);
  connect(m_follower, &MetricsFollower::readFailed, this, showReadError);
  // Runs the follower imported from worker journals (no driver running): their rows and status now.
  connect(m_follower, &MetricsFollower::journalsImported, m_runModel, &RunListModel::refresh);

  const AppSettings settings;
  m_metricsPanel->setSmoothing(settings.plotSmoothing());
  connect(m_metricsPanel, &MetricsPanel::smoothingChanged, this, [](double w) { AppSettings().setPlotSmoothing(w); });
  m_metricsPanel->setXAxis(settings.plotXAxis() == QLatin1String("wall") ? MetricsPanel::XAxis::WallTime
                                                                         : MetricsPanel::XAxis::Step);
  m_metricsPanel->setLogY(settings.plotLogY());
  connect(m_metricsPanel, &MetricsPanel::xAxisChanged, this, [](MetricsPanel::XAxis axis) {
    AppSettings().setPlotXAxis(axis == MetricsPanel::XAxis::WallTime ? QStringLiteral("wall") : QStringLiteral("step"));
  });
  connect(m_metricsPanel, &MetricsPanel::logYChanged, this, [](bool on) { AppSettings().setPlotLogY(on); });
  if (!restoreGeometry(settings.windowGeometry())) resize(1400, 860);
  m_splitter->restoreState(settings.splitterState());
  updateStatus();
  updateRunActions();
}

MainWindow::~MainWindow() = default;

void MainWindow::loadExperiment(const QString& dir) {
  const QFileInfo info(dir);
  if (!info.exists()) throw warp::BadInput(where(dir) + ": no such folder");
  if (!info.isDir()) throw warp::BadInput(where(dir) + ": is a file, expected an experiment folder");
  const QString abs = info.absoluteFilePath();
  const QString config = abs + QStringLiteral("/config.json");
  if (!QFileInfo::exists(config))
    throw warp::BadInput(where(abs) +
                         ": not a WARP experiment (no config.json); choose a folder made by "
                         "`warp init` or by WARP Studio");
  {
    nlohmann::json j = warp::parse_json_or_discarded(warp::read_file_text(config.toStdString()), where(config));
    if (j.is_discarded() || !j.is_object())
      throw warp::BadInput(where(config) + ": not valid JSON, expected a WARP experiment's config.json");
    if (j.value("format", std::string()) != "warp-experiment")
      throw warp::BadInput(where(config) + ": \"format\" is \"" + j.value("format", std::string()) +
                           "\", expected \"warp-experiment\"");
  }
  const QString db = abs + QStringLiteral("/experiment.db");
  if (!QFileInfo::exists(db)) throw warp::BadInput(where(db) + ": missing; the experiment has no database");

  // An experiment of an earlier version (older schema): upgraded once, as any `warp` command would
  // do, so the read-only connections below accept it; where that fails (a read-only folder) the
  // probe below says what is wrong.
  try {
    warp::ExperimentDb::upgrade_if_older(db.toStdString());
  } catch (const std::exception&) {}
  // Open both connections before replacing anything, so a failure leaves the current view as is.
  RunListModel probe;
  probe.open(db);  // throws BadInput for a foreign or newer database

  m_runModel->stop();
  m_follower->stop();
  m_runView->clearSelection();
  m_follower->open(db);
  m_follower->poll();  // the series before the run list, so the Step column is filled at once
  m_runModel->open(db);
  m_runModel->start(1000);
  m_follower->start(500);
  m_dir = abs;
  m_paretoPanel->setExportDir(abs + QStringLiteral("/exports"));
  try {
    // The evaluation temperature named on the plane's x axis (what eval/* and front/* were measured at).
    m_paretoPanel->setEvalTemperature(warp::eval_config_for(warp::Experiment::open(abs.toStdString())).temperature);
  } catch (const std::exception& e) {
    statusBar()->showMessage(tr("Reading the evaluation settings failed: %1").arg(QString::fromUtf8(e.what())), 5000);
  }
  m_mergePanel->setExperiment(abs);
  setWindowTitle(tr("%1 — WARP Studio").arg(info.fileName()));
  m_pathLabel->setText(QDir::toNativeSeparators(abs));
  m_followNewRuns = true;
  selectInitialRuns();
  onSelectionChanged();
  updateStatus();
  updateRunActions();
}

bool MainWindow::openExperiment(const QString& dir) {
  try {
    loadExperiment(dir);
    AppSettings().noteOpened(m_dir);
    return true;
  } catch (const std::exception& e) {
    QMessageBox::critical(this, tr("Cannot open the experiment"), QString::fromUtf8(e.what()));
    return false;
  }
}

void MainWindow::chooseExperiment() {
  QString start = m_dir.isEmpty() ? QDir::homePath() : QFileInfo(m_dir).absolutePath();
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Open Experiment"), start);
  if (!dir.isEmpty()) openExperiment(dir);
}

void MainWindow::refreshNow() {
  m_follower->poll();
  m_runModel->refresh();
}

RunRefList MainWindow::selectedRuns() const {
  RunRefList runs;
  const QModelIndexList rows = m_runView->selectionModel()->selectedRows();
  QList<int> sorted;
  for (const QModelIndex& i : rows) sorted << m_runFilter->mapToSource(i).row();
  std::sort(sorted.begin(), sorted.end());
  for (int row : sorted) {
    const warp::RunRecord& r = m_runModel->run(row);
    runs.append(RunRef{r.id, QString::fromStdString(r.name), QString::fromStdString(r.kind),
                       r.started_at ? *r.started_at : std::numeric_limits<double>::quiet_NaN()});
  }
  return runs;
}

RunRefList MainWindow::allRuns() const {
  RunRefList runs;
  for (int row = 0; row < m_runModel->rowCount(); ++row) {
    const warp::RunRecord& r = m_runModel->run(row);
    runs.append(RunRef{r.id, QString::fromStdString(r.name), QString::fromStdString(r.kind),
                       r.started_at ? *r.started_at : std::numeric_limits<double>::quiet_NaN()});
  }
  return runs;
}

void MainWindow::selectInitialRuns() {
  // Follow what is going on: the running runs; else the last run that logged metrics.
  QItemSelection selection;
  for (int row = 0; row < m_runModel->rowCount(); ++row)
    if (m_runModel->run(row).status == warp::RunStatus::Running)
      selection.select(m_runModel->index(row, 0), m_runModel->index(row, RunListModel::ColumnCount - 1));
  if (selection.isEmpty()) {
    for (int row = m_runModel->rowCount() - 1; row >= 0; --row) {
      if (!m_follower->lastStep(m_runModel->run(row).id)) continue;
      selection.select(m_runModel->index(row, 0), m_runModel->index(row, RunListModel::ColumnCount - 1));
      break;
    }
  }
  selection = m_runFilter->mapSelectionFromSource(selection);  // runs the filter hides stay out
  if (!selection.isEmpty()) {
    m_selectingForUser = true;
    m_runView->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
    m_selectingForUser = false;
  }
}

void MainWindow::addNewRunningRuns() {
  // While the window follows the experiment (the user has not picked runs by hand), runs that start
  // join the selection: an SFT run selected at opening does not hide the RL runs started after it.
  QItemSelection add;
  QItemSelectionModel* sel = m_runView->selectionModel();
  for (int row = 0; row < m_runModel->rowCount(); ++row) {
    const warp::RunRecord& r = m_runModel->run(row);
    const QModelIndex shown = m_runFilter->mapFromSource(m_runModel->index(row, 0));
    if (r.status != warp::RunStatus::Running || !shown.isValid() || sel->isRowSelected(shown.row(), QModelIndex()))
      continue;
    add.select(shown, shown.siblingAtColumn(RunListModel::ColumnCount - 1));
  }
  if (add.isEmpty()) return;
  m_selectingForUser = true;
  sel->select(add, QItemSelectionModel::Select);
  m_selectingForUser = false;
}

void MainWindow::onSelectionChanged() {
  const RunRefList selected = selectedRuns();
  // The Log tab follows the first selected run's log.
  const QString log = selected.isEmpty() || m_dir.isEmpty() ? QString() : runLogPath(m_dir, selected.first().name);
  if (log != m_logPanel->file()) m_logPanel->setFile(log);
  m_metricsPanel->setRuns(selected);
  m_paretoPanel->setRuns(selected.isEmpty() ? allRuns() : selected);
  m_mergePanel->setRuns(selected.isEmpty() ? allRuns() : selected);
}

QString MainWindow::countsText() const {
  if (!m_runModel->isOpen()) return QString();
  const QLocale locale;
  QStringList parts;
  for (warp::RunStatus s :
       {warp::RunStatus::Running, warp::RunStatus::Queued, warp::RunStatus::Crashed, warp::RunStatus::Failed,
        warp::RunStatus::Diverged, warp::RunStatus::Killed, warp::RunStatus::Finished}) {
    const int n = m_runModel->countWithStatus(s);
    if (n > 0) parts << QStringLiteral("%1 %2").arg(n).arg(QString::fromLatin1(warp::to_string(s)));
  }
  const int runs = m_runModel->rowCount();
  QString text = runs == 1 ? tr("1 run") : tr("%1 runs").arg(runs);
  if (!parts.isEmpty()) text += QStringLiteral(": ") + parts.join(QStringLiteral(", "));
  text += tr(" · %1 metric rows").arg(locale.toString(m_follower->rowsRead()));
  return text;
}

void MainWindow::updateStatus() {
  m_countsLabel->setText(countsText());
  if (!m_runModel->isOpen()) m_metricsPanel->setEmptyHint(tr("No experiment open: File > Open Experiment… (Ctrl+O)."));
  else if (m_runModel->rowCount() == 0)
    m_metricsPanel->setEmptyHint(
        tr("No runs in this experiment yet. Start one with Runs > New RL run… or Runs > Run WARP…; runs "
           "started from a terminal appear here as they start too, e.g. warp sft --exp %1, then "
           "warp train --exp %1 --name ema-1 or warp run --exp %1; their curves follow live.")
            .arg(QDir::toNativeSeparators(m_dir)));
  else m_metricsPanel->setEmptyHint(tr("Select runs in the list to plot their metrics (Ctrl+click for several)."));
}

void MainWindow::closeEvent(QCloseEvent* event) {
  // Runs are separate processes that write the database: nothing to stop here.
  AppSettings settings;
  settings.setWindowGeometry(saveGeometry());
  settings.setSplitterState(m_splitter->saveState());
  event->accept();
}

void MainWindow::rebuildRecentMenu() {
  m_recentMenu->clear();
  const QStringList recent = AppSettings().recentExperiments();
  int n = 0;
  for (const QString& dir : recent) {
    ++n;
    // &1 … &9 as accelerators; the full path in the tooltip and the status bar.
    const QString label =
        n < 10 ? QStringLiteral("&%1 %2").arg(n).arg(QFileInfo(dir).fileName()) : QFileInfo(dir).fileName();
    QAction* a = m_recentMenu->addAction(label, this, [this, dir] {
      if (!QFileInfo::exists(dir)) {
        AppSettings().removeRecentExperiment(dir);
        QMessageBox::warning(
            this, tr("Open Recent"),
            tr("%1 no longer exists; it was removed from the recent experiments.").arg(QDir::toNativeSeparators(dir)));
        return;
      }
      openExperiment(dir);
    });
    a->setData(dir);
    a->setToolTip(QDir::toNativeSeparators(dir));
    a->setStatusTip(QDir::toNativeSeparators(dir));
  }
  if (recent.isEmpty()) m_recentMenu->addAction(tr("No recent experiments"))->setEnabled(false);
  m_recentMenu->addSeparator();
  QAction* clear = m_recentMenu->addAction(tr("&Clear Menu"), this, [] { AppSettings().clearRecentExperiments(); });
  clear->setEnabled(!recent.isEmpty());
}

void MainWindow::showPreferences() {
  AppSettings settings;
  PreferencesDialog dialog(settings, this);
  if (dialog.exec() != QDialog::Accepted) return;
  m_metricsPanel->setSmoothing(settings.plotSmoothing());
  applyAppearance(settings.appearance());  // at once: the plots recolour on the palette change
}

void MainWindow::showAbout() {
  AboutDialog dialog(this);
  dialog.exec();
}

// ---- starting and stopping runs ---------------------------------------------------------------

void MainWindow::setThisHost(const QString& host) {
  m_thisHost = host;
  updateRunActions();
}

std::vector<warp::RunRecord> MainWindow::selectedRecords() const {
  std::vector<warp::RunRecord> records;
  QList<int> rows;
  for (const QModelIndex& i : m_runView->selectionModel()->selectedRows()) rows << m_runFilter->mapToSource(i).row();
  std::sort(rows.begin(), rows.end());
  for (int row : rows) records.push_back(m_runModel->run(row));
  return records;
}

void MainWindow::updateRunActions() {
  const bool open = m_runModel->isOpen();
  const QString noExp = tr("No experiment open");
  m_newRlRun->setEnabled(open);
  m_runWarp->setEnabled(open);
  m_newRlRun->setToolTip(open ? tr("Start a `warp train` run in this experiment") : noExp);
  m_runWarp->setToolTip(open ? tr("Start the WARP driver (`warp run`) in this experiment") : noExp);
  const std::vector<warp::RunRecord> selected = open ? selectedRecords() : std::vector<warp::RunRecord>();
  bool canStop = false, canResume = false;
  QString stopTip = tr("Select running runs of this host to stop them");
  QString resumeTip = tr("Select killed or crashed runs to resume them");
  for (const warp::RunRecord& r : selected) {
    const RunActions a = runActions(r, m_thisHost, m_runModel->workerJob(r));
    const QString name = QString::fromStdString(r.name);
    if (a.canStop) canStop = true;
    else if (selected.size() == 1) stopTip = tr("%1: %2").arg(name, a.stopTip);
    if (a.canResume) canResume = true;
    else if (selected.size() == 1) resumeTip = tr("%1: %2").arg(name, a.resumeTip);
  }
  m_stop->setEnabled(canStop);
  m_resume->setEnabled(canResume);
  const bool canDuplicate = selected.size() == 1 && (selected[0].kind == "train" || selected[0].kind == "warp");
  m_duplicate->setEnabled(canDuplicate);
  m_duplicate->setToolTip(canDuplicate ? tr("Open the run's launch dialog filled with its settings, under a new name")
                                       : tr("Select one train or warp run to duplicate it"));
  m_stop->setToolTip(canStop ? tr("Send SIGTERM: the run checkpoints and ends killed (resumable)") : stopTip);
  m_resume->setToolTip(canResume ? tr("Continue from the last resumable checkpoint") : resumeTip);
  m_notes->setEnabled(selected.size() == 1);
  m_notes->setToolTip(selected.size() == 1
                          ? tr("Edit the selected run's note and tags (stored in the experiment database)")
                          : tr("Select one run to edit its note and tags"));
}

void MainWindow::editRunNotes() {
  const std::vector<warp::RunRecord> selected = selectedRecords();
  if (selected.size() != 1 || m_dir.isEmpty()) return;
  RunNotesDialog dialog(m_dir + QStringLiteral("/experiment.db"), selected.front().id,
                        QString::fromStdString(selected.front().name), this);
  if (dialog.exec() == QDialog::Accepted) m_runModel->refresh();  // the tags show at once
}

void MainWindow::showRunMenu(const QPoint& pos) {
  updateRunActions();
  QMenu menu(this);
  menu.setToolTipsVisible(true);
  menu.addAction(m_stop);
  menu.addAction(m_resume);
  menu.addAction(m_duplicate);
  menu.addAction(m_notes);
  menu.addSeparator();
  menu.addAction(m_newRlRun);
  menu.addAction(m_runWarp);
  menu.exec(m_runView->viewport()->mapToGlobal(pos));
}

qint64 MainWindow::startRun(const QStringList& arguments, const QString& logName, const QString& runName) {
  const QString dir = m_dir;
  QStringList args = arguments;
  // Settings > Preferences…: threads per run, unless the caller chose them.
  const int threads = AppSettings().threadsPerRun();
  if (threads > 0 && !args.contains(QStringLiteral("--threads")))
    args << QStringLiteral("--threads") << QString::number(threads);
  // ... and at the CPU priority of Preferences (background unless changed), so that training yields
  // the cores to this window and the Merge tab's evaluations.
  args = withRunPriority(args, AppSettings().runPriority());
  const qint64 pid = launchWarp(m_warpExe, dir, args, logName);
  const QString log = runLogPath(dir, logName);
  statusBar()->showMessage(
      tr("Started %1 (pid %2); output in %3").arg(runName).arg(pid).arg(QDir::toNativeSeparators(log)), 8000);
  // The CLI refuses bad settings at once (exit 2): when the process ends without any run of that
  // name recording it as its process, show why. Looked at first after m_startCheckMs, then every
  // half second while the process lives and no run has claimed it (a loaded machine can take
  // seconds to start `warp`), for at most a minute.
  auto* watch = new QTimer(this);
  watch->setSingleShot(true);
  auto deadline = std::make_shared<QElapsedTimer>();
  deadline->start();
  connect(watch, &QTimer::timeout, this, [this, watch, deadline, pid, log, runName, dir] {
    auto done = [watch] { watch->deleteLater(); };
    if (m_dir != dir) return done();
    m_runModel->refresh();
    for (int row = 0; row < m_runModel->rowCount(); ++row) {
      const warp::RunRecord& r = m_runModel->run(row);  // started (and maybe ended) by this process
      if (QString::fromStdString(r.name) == runName && r.pid && *r.pid == pid) return done();
    }
    if (warp::pid_alive(pid)) {  // still starting (a zombie counts as ended)
      if (deadline->elapsed() < 60000) watch->start(500);
      else done();
      return;
    }
    done();
    // Not modal-blocking: this runs from a timer, whatever the user is doing.
    auto* box = new QMessageBox(QMessageBox::Warning, tr("The run did not start"),
                                tr("warp ended without starting %1. The end of %2:\n\n%3")
                                    .arg(runName, QDir::toNativeSeparators(log), tailOfFile(log)),
                                QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("startFailedBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
  });
  watch->start(m_startCheckMs);
  return pid;
}

void MainWindow::newRlRun() {
  if (m_dir.isEmpty()) return;
  RlRunDialog dialog(m_dir, this);
  if (dialog.exec() != QDialog::Accepted) return;
  try {
    startRun(dialog.arguments(), dialog.runName(), dialog.runName());
  } catch (const std::exception& e) {
    QMessageBox::critical(this, tr("Cannot start the run"), QString::fromUtf8(e.what()));
  }
}

void MainWindow::newWarpRun() {
  if (m_dir.isEmpty()) return;
  WarpRunDialog dialog(m_dir, this);
  if (dialog.exec() != QDialog::Accepted) return;
  try {
    startRun(dialog.arguments(), dialog.runName(), dialog.runName());
  } catch (const std::exception& e) {
    QMessageBox::critical(this, tr("Cannot start the run"), QString::fromUtf8(e.what()));
  }
}

std::unique_ptr<RunDialog> MainWindow::duplicateDialog(const warp::RunRecord& run) {
  LaunchValues values = launchValuesOfRun(run);  // BadInput for another kind
  // The settings the form has no field for, where today's config.json differs from the run's: a
  // settings file beside the fields (exports/<run>-settings.json), shown in the form.
  const QString rest = writeUnflaggedSettings(m_dir, run);
  if (!rest.isEmpty()) values.insert(QStringLiteral("--config"), rest);
  QStringList taken;
  for (int row = 0; row < m_runModel->rowCount(); ++row) taken << QString::fromStdString(m_runModel->run(row).name);
  std::unique_ptr<RunDialog> dialog;
  if (run.kind == "warp") dialog = std::make_unique<WarpRunDialog>(m_dir, this);
  else dialog = std::make_unique<RlRunDialog>(m_dir, this);
  dialog->setWindowTitle(tr("Duplicate %1 with changes").arg(QString::fromStdString(run.name)));
  dialog->setValues(values);
  dialog->setRunName(suggestDuplicateName(QString::fromStdString(run.name), taken));
  return dialog;
}

void MainWindow::duplicateSelected() {
  const std::vector<warp::RunRecord> selected = selectedRecords();
  if (m_dir.isEmpty() || selected.size() != 1) return;
  try {
    std::unique_ptr<RunDialog> dialog = duplicateDialog(selected[0]);
    if (dialog->exec() != QDialog::Accepted) return;
    startRun(dialog->arguments(), dialog->runName(), dialog->runName());
  } catch (const std::exception& e) {
    QMessageBox::critical(this, tr("Cannot start the run"), QString::fromUtf8(e.what()));
  }
}

std::optional<warp::RunRecord> MainWindow::runRecord(int64_t id) const {
  for (int row = 0; row < m_runModel->rowCount(); ++row)
    if (m_runModel->run(row).id == id) return m_runModel->run(row);
  return std::nullopt;
}

bool MainWindow::confirm(const QString& title, const QString& text) {
  if (m_confirm) return m_confirm(title, text);
  return QMessageBox::question(this, title, text, QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel) ==
         QMessageBox::Yes;
}

void MainWindow::stopSelected() {
  // A run of a WARP driver is not stopped alone: the driver would fail that iteration. Its driver
  // is stopped instead (asked first), which stops all its runs resumably.
  std::vector<warp::RunRecord> targets;
  auto add = [&targets](const warp::RunRecord& r) {
    for (const auto& t : targets)
      if (t.id == r.id) return;
    targets.push_back(r);
  };
  for (const warp::RunRecord& r : selectedRecords()) {
    if (!runActions(r, m_thisHost, m_runModel->workerJob(r)).canStop) continue;
    const std::optional<warp::RunRecord> driver =
        r.kind == "train" && r.parent_run_id ? runRecord(*r.parent_run_id) : std::nullopt;
    if (driver && driver->kind == "warp" && runActions(*driver, m_thisHost).canStop) {
      const QString worker = QString::fromStdString(r.name), name = QString::fromStdString(driver->name);
      const bool yes = confirm(tr("Stop the WARP driver?"),
                               tr("%1 is one of the runs of WARP driver %2. Stopped alone it would end the driver's "
                                  "iteration as failed.\n\nStop the driver %2 instead? Each of its runs writes a "
                                  "checkpoint and ends; Resume on %2 continues from there.")
                                   .arg(worker, name));
      if (yes) add(*driver);
      continue;
    }
    add(r);
  }
  QStringList stopped, errors;
  for (const warp::RunRecord& r : targets) {
    try {
      stopRun(r, m_thisHost, m_runModel->workerJob(r));  // scancel for a live Slurm worker
      stopped << QString::fromStdString(r.name);
    } catch (const std::exception& e) {
      errors << QString::fromUtf8(e.what());
    }
  }
  if (!stopped.isEmpty())
    statusBar()->showMessage(
        tr("Stopping %1: each checkpoints and ends killed").arg(stopped.join(QStringLiteral(", "))), 8000);
  if (!errors.isEmpty()) QMessageBox::warning(this, tr("Cannot stop"), errors.join(QLatin1Char('\n')));
}

void MainWindow::resumeSelected() {
  QStringList errors;
  for (const warp::RunRecord& r : selectedRecords()) {
    if (!runActions(r, m_thisHost).canResume) continue;
    const QString name = QString::fromStdString(r.name);
    // The stored config may name a reward command (external:CMD) that resuming runs through the
    // shell; the database may come from another machine or user: show it and ask first.
    const QStringList commands = externalRewardCommands(r.config_json);
    if (!commands.isEmpty() &&
        !confirm(tr("Run a reward command?"),
                 tr("Resuming %1 runs this reward command from the experiment's database (the run was "
                    "recorded on host %2):\n\n%3\n\nRun it only if you trust where this experiment comes from. "
                    "Resume %1?")
                     .arg(name, QString::fromStdString(r.host.empty() ? std::string("unknown") : r.host),
                          commands.join(QLatin1Char('\n')))))
      continue;
    try {
      // A driver whose workers ran on Slurm resumes on Slurm (the launcher is not stored with it).
      startRun(
          resumeArguments(m_dir, name, QString::fromStdString(r.kind), driverLauncher(m_runModel->driverJobs(r.id))),
          name, name);
    } catch (const std::exception& e) {
      errors << QString::fromUtf8(e.what());
    }
  }
  if (!errors.isEmpty()) QMessageBox::warning(this, tr("Cannot resume"), errors.join(QLatin1Char('\n')));
}
