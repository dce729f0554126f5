#include "app/main_window.h"

#include <algorithm>
#include <exception>
#include <fstream>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QKeySequence>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>

#include <nlohmann/json.hpp>

#include "models/metrics_follower.h"
#include "models/run_list_model.h"
#include "panels/metrics_panel.h"
#include "panels/pareto_panel.h"
#include "util/error.h"

namespace {

std::string where(const QString& path) { return QDir::toNativeSeparators(path).toStdString(); }

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("WARP Studio"));
  m_runModel = new RunListModel(this);
  m_follower = new MetricsFollower(this);
  m_runModel->setMetricsFollower(m_follower);

  m_runView = new QTableView(this);
  m_runView->setModel(m_runModel);
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
  m_runView->setColumnWidth(RunListModel::Started, 105);
  m_runView->setColumnWidth(RunListModel::Elapsed, 65);

  m_metricsPanel = new MetricsPanel(this);
  m_metricsPanel->setFollower(m_follower);
  m_paretoPanel = new ParetoPanel(this);
  m_paretoPanel->setFollower(m_follower);
  m_tabs = new QTabWidget(this);
  m_tabs->addTab(m_metricsPanel, tr("Metrics"));
  m_tabs->addTab(m_paretoPanel, tr("Pareto"));

  m_splitter = new QSplitter(Qt::Horizontal, this);
  m_splitter->addWidget(m_runView);
  m_splitter->addWidget(m_tabs);
  m_splitter->setStretchFactor(0, 0);
  m_splitter->setStretchFactor(1, 1);
  m_splitter->setSizes({590, 810});
  setCentralWidget(m_splitter);

  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open Experiment…"), this, &MainWindow::chooseExperiment);
  open->setShortcut(QKeySequence::Open);
  QAction* refresh = file->addAction(tr("&Refresh"), this, &MainWindow::refreshNow);
  refresh->setShortcut(QKeySequence::Refresh);
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  m_pathLabel = new QLabel(tr("No experiment open"), this);
  m_countsLabel = new QLabel(this);
  statusBar()->addWidget(m_pathLabel, 1);
  statusBar()->addPermanentWidget(m_countsLabel);

  connect(m_runView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
    if (!m_selectingForUser) m_followNewRuns = false;
    onSelectionChanged();
  });
  connect(m_runModel, &RunListModel::refreshed, this, &MainWindow::updateStatus);
  connect(m_runModel, &RunListModel::refreshed, this, [this] {
    if (!m_runView->selectionModel()->hasSelection() && m_followNewRuns) selectInitialRuns();
    if (!m_runView->selectionModel()->hasSelection()) m_paretoPanel->setRuns(allRuns());
    else onSelectionChanged();  // names or kinds of selected runs may have changed
  });
  connect(m_follower, &MetricsFollower::appended, this, &MainWindow::updateStatus);
  auto showReadError = [this](const QString& message) {
    statusBar()->showMessage(tr("Reading the database failed (retrying): %1").arg(message), 5000);
  };
  connect(m_runModel, &RunListModel::readFailed, this, showReadError);
  connect(m_follower, &MetricsFollower::readFailed, this, showReadError);

  QSettings settings;
  if (!restoreGeometry(settings.value(QStringLiteral("mainWindow/geometry")).toByteArray())) resize(1400, 860);
  m_splitter->restoreState(settings.value(QStringLiteral("mainWindow/splitter")).toByteArray());
  updateStatus();
}

MainWindow::~MainWindow() = default;

void MainWindow::loadExperiment(const QString& dir) {
  const QFileInfo info(dir);
  if (!info.exists()) throw warp::BadInput(where(dir) + ": no such folder");
  if (!info.isDir()) throw warp::BadInput(where(dir) + ": is a file, expected an experiment folder");
  const QString abs = info.absoluteFilePath();
  const QString config = abs + QStringLiteral("/config.json");
  if (!QFileInfo::exists(config))
    throw warp::BadInput(where(abs) + ": not a WARP experiment (no config.json); choose a folder made by "
                         "`warp init` or by WARP Studio");
  {
    std::ifstream in(config.toStdString());
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      throw warp::BadInput(where(config) + ": not valid JSON, expected a WARP experiment's config.json");
    if (j.value("format", std::string()) != "warp-experiment")
      throw warp::BadInput(where(config) + ": \"format\" is \"" + j.value("format", std::string()) +
                           "\", expected \"warp-experiment\"");
  }
  const QString db = abs + QStringLiteral("/experiment.db");
  if (!QFileInfo::exists(db)) throw warp::BadInput(where(db) + ": missing; the experiment has no database");

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
  setWindowTitle(tr("%1 — WARP Studio").arg(info.fileName()));
  m_pathLabel->setText(QDir::toNativeSeparators(abs));
  m_followNewRuns = true;
  selectInitialRuns();
  onSelectionChanged();
  updateStatus();
}

bool MainWindow::openExperiment(const QString& dir) {
  try {
    loadExperiment(dir);
    QSettings().setValue(QStringLiteral("lastExperiment"), m_dir);
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
  for (const QModelIndex& i : rows) sorted << i.row();
  std::sort(sorted.begin(), sorted.end());
  for (int row : sorted) {
    const warp::RunRecord& r = m_runModel->run(row);
    runs.append(RunRef{r.id, QString::fromStdString(r.name), QString::fromStdString(r.kind)});
  }
  return runs;
}

RunRefList MainWindow::allRuns() const {
  RunRefList runs;
  for (int row = 0; row < m_runModel->rowCount(); ++row) {
    const warp::RunRecord& r = m_runModel->run(row);
    runs.append(RunRef{r.id, QString::fromStdString(r.name), QString::fromStdString(r.kind)});
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
  if (!selection.isEmpty()) {
    m_selectingForUser = true;
    m_runView->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
    m_selectingForUser = false;
  }
}

void MainWindow::onSelectionChanged() {
  const RunRefList selected = selectedRuns();
  m_metricsPanel->setRuns(selected);
  m_paretoPanel->setRuns(selected.isEmpty() ? allRuns() : selected);
}

QString MainWindow::countsText() const {
  if (!m_runModel->isOpen()) return QString();
  const QLocale locale;
  QStringList parts;
  for (warp::RunStatus s : {warp::RunStatus::Running, warp::RunStatus::Queued, warp::RunStatus::Crashed,
                            warp::RunStatus::Failed, warp::RunStatus::Diverged, warp::RunStatus::Killed,
                            warp::RunStatus::Finished}) {
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
  if (!m_runModel->isOpen())
    m_metricsPanel->setEmptyHint(tr("No experiment open: File > Open Experiment… (Ctrl+O)."));
  else if (m_runModel->rowCount() == 0)
    m_metricsPanel->setEmptyHint(
        tr("No runs in this experiment yet. Runs started from a terminal appear here as they start, e.g. "
           "warp sft --exp %1, then warp train --exp %1 --name ema-1 or warp run --exp %1; "
           "their curves follow live.")
            .arg(QDir::toNativeSeparators(m_dir)));
  else
    m_metricsPanel->setEmptyHint(tr("Select runs in the list to plot their metrics (Ctrl+click for several)."));
}

void MainWindow::closeEvent(QCloseEvent* event) {
  // Runs are separate processes that write the database: nothing to stop here.
  QSettings settings;
  settings.setValue(QStringLiteral("mainWindow/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("mainWindow/splitter"), m_splitter->saveState());
  event->accept();
}
