#pragma once
// The main window of warp-studio: the runs of the open experiment (left) and, for the selected
// runs, the Metrics, Pareto and Merge tabs (right; the Merge tab merges and evaluates policies on a
// worker thread of this process, merge/merge_panel.h); the status bar shows the experiment's folder and its
// run counts. The window only reads the experiment database (read-only connections, polled every
// second), so closing it never stops runs: they are separate processes that write the database.
// The Runs menu (and the run list's context menu) starts runs as detached `warp` processes, stops
// runs of this host (SIGTERM) and resumes killed or crashed ones (window/run_launcher.h).

#include <QMainWindow>
#include <QString>
#include <QStringList>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "models/run_ref.h"

class QAction;
class RunDialog;
class QMenu;
namespace warp {
struct RunRecord;
}

class QComboBox;
class QLabel;
class QLineEdit;
class QSplitter;
class QTabWidget;
class QTableView;
class LogTailPanel;
class MergePanel;
class MetricsFollower;
class MetricsPanel;
class ParetoPanel;
class RunFilterProxy;
class RunListModel;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Opens the experiment in `dir` (replacing the one shown). On failure shows the error in a
  // message box, keeps what was shown and returns false.
  bool openExperiment(const QString& dir);
  // The same without a message box: throws warp::BadInput when `dir` is not an experiment folder
  // (no such folder, no config.json of format "warp-experiment", no experiment.db, a foreign
  // database), warp::Error when the database cannot be read.
  void loadExperiment(const QString& dir);
  QString experimentDir() const { return m_dir; }

  RunListModel* runListModel() const { return m_runModel; }
  // The run list's filters (models/run_filter_proxy.h): the view shows m_runFilter over the model,
  // so the view's selection is in proxy rows (mapToSource for the model's).
  RunFilterProxy* runFilter() const { return m_runFilter; }
  QLineEdit* runFilterEdit() const { return m_filterEdit; }
  QComboBox* statusFilterBox() const { return m_statusFilter; }
  // Runs > Notes and tags… (window/run_notes_dialog.h) for the one selected run.
  QAction* notesAction() const { return m_notes; }
  MetricsFollower* metricsFollower() const { return m_follower; }
  QTableView* runView() const { return m_runView; }
  QTabWidget* tabs() const { return m_tabs; }
  MetricsPanel* metricsPanel() const { return m_metricsPanel; }
  ParetoPanel* paretoPanel() const { return m_paretoPanel; }
  MergePanel* mergePanel() const { return m_mergePanel; }
  LogTailPanel* logPanel() const { return m_logPanel; }
  // The status bar's counts, e.g. "5 runs: 1 running, 1 crashed, 3 finished · 1,204 metric rows".
  QString countsText() const;

  // Runs menu actions (enabled for the selection: Stop for running runs of this host, Resume for
  // killed or crashed train/warp runs; a disabled one's tooltip says why).
  QAction* newRlRunAction() const { return m_newRlRun; }
  QAction* runWarpAction() const { return m_runWarp; }
  QAction* stopAction() const { return m_stop; }
  QAction* resumeAction() const { return m_resume; }
  // Runs > Duplicate with changes… (one selected train or warp run).
  QAction* duplicateAction() const { return m_duplicate; }
  // The launch dialog of `run`'s kind filled with its recorded settings (launchValuesOfRun) and a
  // free name (suggestDuplicateName); BadInput for a run that cannot be duplicated.
  std::unique_ptr<RunDialog> duplicateDialog(const warp::RunRecord& run);
  // File > Open Recent (rebuilt from the settings each time it opens, window/app_settings.h).
  QMenu* recentMenu() const { return m_recentMenu; }
  void rebuildRecentMenu();
  // The `warp` executable runs are started with (default: beside this executable).
  void setWarpExecutable(const QString& path) { m_warpExe = path; }
  QString warpExecutable() const { return m_warpExe; }
  // The host name runs are compared with (default: this machine's).
  void setThisHost(const QString& host);
  // Starts `warp arguments` detached in the open experiment, with the threads and the CPU priority
  // (nice) of Preferences, logging to logs/<logName>.log, and reports in the status bar; a process that ends within
  // seconds without being the process of a run named `runName` gets a message box with the end of its log. Throws what
  // launchWarp throws.
  qint64 startRun(const QStringList& arguments, const QString& logName, const QString& runName);
  // How long after starting a process startRun first looks whether it already ended (default 4000
  // ms); then it looks every 500 ms while the process lives unclaimed, for up to a minute.
  void setStartCheckDelay(int ms) { m_startCheckMs = ms; }
  // Asks the user a yes/no question (default: a QMessageBox); tests answer it themselves.
  using ConfirmFn = std::function<bool(const QString& title, const QString& text)>;
  void setConfirmHandler(ConfirmFn fn) { m_confirm = std::move(fn); }
  // The records of the selected runs, by row.
  std::vector<warp::RunRecord> selectedRecords() const;

 public slots:
  // File > Open Experiment…
  void chooseExperiment();
  // Reads runs and metrics now (the timers do it every second).
  void refreshNow();
  // Runs > New RL run… / Run WARP… (dialogs, then startRun).
  void newRlRun();
  void newWarpRun();
  // Runs > Stop selected: SIGTERM to each selected run that may be stopped.
  void stopSelected();
  // Runs > Duplicate with changes…: the dialog of duplicateDialog(), then startRun.
  void duplicateSelected();
  // Runs > Resume selected: `warp train --resume` / `warp run --resume` for each resumable run.
  void resumeSelected();
  // Runs > Notes and tags…: the dialog for the selected run; saved notes show at once.
  void editRunNotes();
  // Settings > Preferences… (window/preferences_dialog.h) and Help > About WARP Studio.
  void showPreferences();
  void showAbout();

 protected:
  void closeEvent(QCloseEvent* event) override;

 private slots:
  void onSelectionChanged();
  void updateStatus();
  void updateRunActions();
  void showRunMenu(const QPoint& pos);

 private:
  // The run with this id in the run list (nullopt when it is not listed).
  std::optional<warp::RunRecord> runRecord(int64_t id) const;
  // A yes/no question through m_confirm, else a message box.
  bool confirm(const QString& title, const QString& text);
  RunRefList selectedRuns() const;
  RunRefList allRuns() const;
  void selectInitialRuns();
  void addNewRunningRuns();

  // True from opening an experiment until the user changes the selection: runs that start later are
  // added to the selection as they appear (someone opening the app and then starting `warp run`
  // sees it without clicking, also when an SFT run was selected at opening).
  bool m_followNewRuns = true;
  bool m_selectingForUser = false;  // the selection is being changed by the window, not the user

  QString m_dir;
  RunListModel* m_runModel = nullptr;
  MetricsFollower* m_follower = nullptr;
  QTableView* m_runView = nullptr;
  QSplitter* m_splitter = nullptr;
  QTabWidget* m_tabs = nullptr;
  MetricsPanel* m_metricsPanel = nullptr;
  ParetoPanel* m_paretoPanel = nullptr;
  MergePanel* m_mergePanel = nullptr;
  LogTailPanel* m_logPanel = nullptr;
  QLabel* m_pathLabel = nullptr;
  QLabel* m_countsLabel = nullptr;
  QAction* m_newRlRun = nullptr;
  QAction* m_runWarp = nullptr;
  QAction* m_stop = nullptr;
  QAction* m_resume = nullptr;
  QAction* m_notes = nullptr;
  RunFilterProxy* m_runFilter = nullptr;
  QLineEdit* m_filterEdit = nullptr;
  QComboBox* m_statusFilter = nullptr;
  QAction* m_duplicate = nullptr;
  QMenu* m_recentMenu = nullptr;
  QString m_warpExe;
  QString m_thisHost;
  int m_startCheckMs = 4000;
  ConfirmFn m_confirm;
};
