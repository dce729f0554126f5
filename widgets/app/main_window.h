#pragma once
// The main window of warp-studio: the runs of the open experiment (left) and, for the selected
// runs, the Metrics and Pareto tabs (right); the status bar shows the experiment's folder and its
// run counts. The window only reads the experiment database (read-only connections, polled every
// second), so closing it never stops runs: they are separate processes that write the database.

#include <QMainWindow>
#include <QString>

#include "models/run_ref.h"

class QLabel;
class QSplitter;
class QTabWidget;
class QTableView;
class MetricsFollower;
class MetricsPanel;
class ParetoPanel;
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
  MetricsFollower* metricsFollower() const { return m_follower; }
  QTableView* runView() const { return m_runView; }
  QTabWidget* tabs() const { return m_tabs; }
  MetricsPanel* metricsPanel() const { return m_metricsPanel; }
  ParetoPanel* paretoPanel() const { return m_paretoPanel; }
  // The status bar's counts, e.g. "5 runs: 1 running, 1 crashed, 3 finished · 1,204 metric rows".
  QString countsText() const;

 public slots:
  // File > Open Experiment…
  void chooseExperiment();
  // Reads runs and metrics now (the timers do it every second).
  void refreshNow();

 protected:
  void closeEvent(QCloseEvent* event) override;

 private slots:
  void onSelectionChanged();
  void updateStatus();

 private:
  RunRefList selectedRuns() const;
  RunRefList allRuns() const;
  void selectInitialRuns();

  // True from opening an experiment until the user changes the selection: while nothing is selected,
  // runs that start later are selected as they appear (someone opening the app and then starting
  // `warp run` sees it without clicking).
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
  QLabel* m_pathLabel = nullptr;
  QLabel* m_countsLabel = nullptr;
};
