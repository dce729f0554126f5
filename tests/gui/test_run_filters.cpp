// The run list's comforts over a real experiment database: tags and notes (schema v6 run_notes)
// in RunListModel's Tags column and tooltips, the text and status filters (RunFilterProxy) with a
// view's selection kept through them, MainWindow's selection mapped through the proxy (the plotted
// runs, following runs that start), the Notes and tags dialog saving to the database, and an
// experiment of schema v5 opened (upgraded) by the window.
#include <memory>

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <algorithm>

#include "gui_fixture.h"
#include "models/run_filter_proxy.h"
#include "models/run_list_model.h"
#include "panels/metrics_panel.h"
#include "window/main_window.h"
#include "window/run_notes_dialog.h"

namespace {

QStringList shownNames(const QAbstractItemModel& m) {
  QStringList out;
  for (int r = 0; r < m.rowCount(); ++r) out << m.index(r, RunListModel::Name).data().toString();
  return out;
}

QList<qint64> selectedIds(QTableView& view) {
  QList<qint64> ids;
  for (const QModelIndex& i : view.selectionModel()->selectedRows())
    ids << i.data(RunListModel::RunIdRole).toLongLong();
  std::sort(ids.begin(), ids.end());
  return ids;
}

QList<qint64> plottedIds(const MainWindow& w) {
  QList<qint64> ids;
  for (const RunRef& r : w.metricsPanel()->runs()) ids << r.id;
  return ids;
}

}  // namespace

class TestRunFilters : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void init();
  void tagsAndNotesInTheModel();
  void textFilter();
  void statusFilter();
  void selectionKeptThroughTheProxy();
  void windowMapsSelectionThroughTheFilter();
  void notesDialogSaves();
  void notesActionFromTheWindow();
  void opensAnOlderSchema();

 private:
  std::unique_ptr<QTemporaryDir> m_tmp;  // the current test's experiment folder
  QString m_dir;
  int64_t m_sft = 0, m_train = 0, m_dead = 0, m_failed = 0;
};

void TestRunFilters::initTestCase() {
  QStandardPaths::setTestModeEnabled(true);
  QCoreApplication::setOrganizationName(QStringLiteral("warp-studio-tests"));
  QCoreApplication::setApplicationName(QStringLiteral("test_run_filters"));
}

void TestRunFilters::init() {
  m_tmp = std::make_unique<QTemporaryDir>();
  m_dir = guitest::makeExperimentFolder(*m_tmp);
  warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
  m_sft = db.create_run(warp::RunSpec("sft", "sft"));
  db.set_run_status(m_sft, warp::RunStatus::Running);
  db.set_run_status(m_sft, warp::RunStatus::Finished);
  m_train = guitest::createLiveRun(db, "ema-1");
  m_dead = guitest::createDeadRunningRun(db, "ema-2");  // shown as crashed
  m_failed = db.create_run(warp::RunSpec("broken", "train"));
  db.set_run_status(m_failed, warp::RunStatus::Running);
  db.set_run_status(m_failed, warp::RunStatus::Failed, "reward model missing");
  db.set_run_notes(m_train, "β sweep, the Baseline for figure 3", {"baseline", "beta-0.1"});
  db.set_run_notes(m_failed, "", {"Große Modelle"});
  guitest::appendSeries(db, m_train, "train/reward", {{1, 0.5}});
  guitest::appendSeries(db, m_sft, "train/loss", {{1, 3.0}});
}

void TestRunFilters::tagsAndNotesInTheModel() {
  RunListModel model;
  model.open(QString::fromStdString(guitest::dbPath(m_dir)));
  QCOMPARE(model.headerData(RunListModel::Tags, Qt::Horizontal).toString(), QStringLiteral("Tags"));
  const int row = model.rowOfRun(m_train);
  QCOMPARE(model.index(row, RunListModel::Tags).data().toString(), QStringLiteral("baseline, beta-0.1"));
  QCOMPARE(model.index(row, RunListModel::Name).data(Qt::ToolTipRole).toString(),
           QStringLiteral("β sweep, the Baseline for figure 3"));
  QCOMPARE(model.index(row, RunListModel::Name).data(RunListModel::TagsRole).toStringList(),
           (QStringList{"baseline", "beta-0.1"}));
  QVERIFY(!model.index(model.rowOfRun(m_sft), RunListModel::Tags).data().isValid());
  // Changed by another process: the row's cells change in place (dataChanged over the tags), no reset.
  QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
  QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
    db.set_run_notes(m_sft, "first try", {"sft"});
  }
  model.refresh();
  QCOMPARE(reset.count(), 0);
  bool tagsSignalled = false;
  for (const QList<QVariant>& args : changed) {
    const QModelIndex tl = args.at(0).toModelIndex(), br = args.at(1).toModelIndex();
    tagsSignalled = tagsSignalled || (tl.row() <= model.rowOfRun(m_sft) && br.row() >= model.rowOfRun(m_sft) &&
                                      tl.column() <= RunListModel::Tags && br.column() >= RunListModel::Tags);
  }
  QVERIFY(tagsSignalled);
  QCOMPARE(model.index(model.rowOfRun(m_sft), RunListModel::Tags).data().toString(), QStringLiteral("sft"));
  // A stored tags_json that is not an array of strings: the error is reported, the runs still
  // shown with the tags read before.
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
    db.database().exec("UPDATE run_notes SET tags_json = '{\"not\": \"a list\"}' WHERE run_id = " +
                       std::to_string(m_sft));
  }
  QSignalSpy failed(&model, &RunListModel::readFailed);
  model.refresh();
  QCOMPARE(failed.count(), 1);
  QVERIFY2(failed.first().first().toString().contains("run_notes.tags_json"),
           qPrintable(failed.first().first().toString()));
  QCOMPARE(model.rowCount(), 4);
  QCOMPARE(model.index(model.rowOfRun(m_sft), RunListModel::Tags).data().toString(), QStringLiteral("sft"));
}

void TestRunFilters::textFilter() {
  RunListModel model;
  model.open(QString::fromStdString(guitest::dbPath(m_dir)));
  RunFilterProxy proxy;
  proxy.setSourceModel(&model);
  QCOMPARE(shownNames(proxy), (QStringList{"sft", "ema-1", "ema-2", "broken"}));
  proxy.setFilterText(QStringLiteral("EMA"));  // name, any case
  QCOMPARE(shownNames(proxy), (QStringList{"ema-1", "ema-2"}));
  proxy.setFilterText(QStringLiteral("Baseline"));  // a tag (and the note)
  QCOMPARE(shownNames(proxy), (QStringList{"ema-1"}));
  proxy.setFilterText(QStringLiteral("figure"));  // the note only
  QCOMPARE(shownNames(proxy), (QStringList{"ema-1"}));
  proxy.setFilterText(QStringLiteral("große"));  // a tag, case folded beyond ASCII
  QCOMPARE(shownNames(proxy), (QStringList{"broken"}));
  proxy.setFilterText(QStringLiteral("sft"));  // kind
  QCOMPARE(shownNames(proxy), (QStringList{"sft"}));
  proxy.setFilterText(QStringLiteral("train  ema"));  // every word, anywhere: kind and name
  QCOMPARE(shownNames(proxy), (QStringList{"ema-1", "ema-2"}));
  proxy.setFilterText(QStringLiteral("train nothing-like-this"));
  QCOMPARE(proxy.rowCount(), 0);
  proxy.setFilterText(QStringLiteral("  "));
  QCOMPARE(proxy.rowCount(), 4);
  // A tag added later shows the run under the filter at the next refresh.
  proxy.setFilterText(QStringLiteral("keeper"));
  QCOMPARE(proxy.rowCount(), 0);
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
    db.set_run_notes(m_dead, "", {"keeper"});
  }
  model.refresh();
  QCOMPARE(shownNames(proxy), (QStringList{"ema-2"}));
}

void TestRunFilters::statusFilter() {
  RunListModel model;
  model.open(QString::fromStdString(guitest::dbPath(m_dir)));
  RunFilterProxy proxy;
  proxy.setSourceModel(&model);
  using F = RunFilterProxy::StatusFilter;
  const QList<QPair<F, QStringList>> cases = {{F::Running, {"ema-1"}}, {F::Finished, {"sft"}},
                                              {F::Stopped, {"ema-2"}}, {F::Failed, {"broken"}},
                                              {F::Queued, {}},         {F::All, {"sft", "ema-1", "ema-2", "broken"}}};
  for (const auto& [filter, names] : cases) {
    proxy.setStatusFilter(filter);
    QCOMPARE(shownNames(proxy), names);
  }
  // Text and status together.
  proxy.setStatusFilter(F::Stopped);
  proxy.setFilterText(QStringLiteral("ema"));
  QCOMPARE(shownNames(proxy), (QStringList{"ema-2"}));
  proxy.setFilterText(QString());
  // Live: a run that finishes leaves the Running view, a run that starts enters it.
  proxy.setStatusFilter(F::Running);
  int64_t late = 0;
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
    db.set_run_status(m_train, warp::RunStatus::Finished);
    late = guitest::createLiveRun(db, "late");
  }
  model.refresh();
  QCOMPARE(shownNames(proxy), (QStringList{"late"}));
  QCOMPARE(RunFilterProxy::label(F::All), QStringLiteral("All statuses"));
  QCOMPARE(RunFilterProxy::statusesOf(F::Stopped), (QStringList{"killed", "crashed"}));
  Q_UNUSED(late);
}

void TestRunFilters::selectionKeptThroughTheProxy() {
  RunListModel model;
  model.open(QString::fromStdString(guitest::dbPath(m_dir)));
  RunFilterProxy proxy;
  proxy.setSourceModel(&model);
  QTableView view;
  view.setModel(&proxy);
  view.setSelectionBehavior(QAbstractItemView::SelectRows);
  view.setSelectionMode(QAbstractItemView::ExtendedSelection);
  view.selectRow(1);                                                                                          // ema-1
  view.selectionModel()->select(proxy.index(2, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);  // ema-2
  QCOMPARE(selectedIds(view), (QList<qint64>{m_train, m_dead}));
  // Narrowing keeps the selected rows still shown (now at other proxy rows).
  proxy.setFilterText(QStringLiteral("ema"));
  QCOMPARE(selectedIds(view), (QList<qint64>{m_train, m_dead}));
  QCOMPARE(view.selectionModel()->selectedRows().first().row(), 0);
  // A row the filter hides leaves the selection; the others stay selected when the filter is cleared.
  proxy.setFilterText(QStringLiteral("ema-1"));
  QCOMPARE(selectedIds(view), (QList<qint64>{m_train}));
  proxy.setFilterText(QString());
  QCOMPARE(selectedIds(view), (QList<qint64>{m_train}));
  // And through a refresh that inserts a run before nothing / after everything.
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
    guitest::createLiveRun(db, "late");
  }
  model.refresh();
  QCOMPARE(proxy.rowCount(), 5);
  QCOMPARE(selectedIds(view), (QList<qint64>{m_train}));
}

void TestRunFilters::windowMapsSelectionThroughTheFilter() {
  MainWindow window;
  window.loadExperiment(m_dir);
  // Opening selects the running run and follows.
  QCOMPARE(selectedIds(*window.runView()), (QList<qint64>{m_train}));
  QCOMPARE(plottedIds(window), (QList<qint64>{m_train}));
  // Its start goes to the panels (the wall-time axis's origin).
  warp::RunRecord rec = warp::ExperimentDb::open_read_only(guitest::dbPath(m_dir)).get_run(m_train);
  QVERIFY(rec.started_at);
  QCOMPARE(window.metricsPanel()->runs().first().startedAt, *rec.started_at);

  // The status filter through the combo box: only failed runs shown; the running one leaves the
  // selection and the plots. That is the filter, not the user picking runs: following goes on.
  window.statusFilterBox()->setCurrentIndex(static_cast<int>(RunFilterProxy::StatusFilter::Failed));
  QCOMPARE(shownNames(*window.runView()->model()), (QStringList{"broken"}));
  QVERIFY(plottedIds(window).isEmpty());
  window.statusFilterBox()->setCurrentIndex(static_cast<int>(RunFilterProxy::StatusFilter::All));
  window.refreshNow();  // following: the running run joins the selection again
  QCOMPARE(selectedIds(*window.runView()), (QList<qint64>{m_train}));

  // The text filter: proxy row 0 is the model's row 3 ("broken"); selecting it plots that run.
  window.runFilterEdit()->setText(QStringLiteral("broken"));
  QCOMPARE(window.runView()->model()->rowCount(), 1);
  window.runView()->selectRow(0);  // by hand
  QCOMPARE(plottedIds(window), (QList<qint64>{m_failed}));
  QCOMPARE(window.selectedRecords().size(), size_t(1));
  QCOMPARE(window.selectedRecords().front().id, m_failed);
  // Picked by hand: runs that start later do not join.
  window.runFilterEdit()->clear();
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(m_dir));
    guitest::createLiveRun(db, "late");
  }
  window.refreshNow();
  QCOMPARE(selectedIds(*window.runView()), (QList<qint64>{m_failed}));
}

void TestRunFilters::opensAnOlderSchema() {
  // An experiment whose database an earlier version made (schema v5): the window upgrades it once
  // and opens it (read-only viewers refuse an older schema).
  QTemporaryDir tmp;
  const QString dir = tmp.path() + QStringLiteral("/old");
  QDir().mkpath(dir);
  {
    QFile config(dir + QStringLiteral("/config.json"));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write(R"({"format": "warp-experiment", "version": 1, "preset": "test"})");
  }
  const std::vector<warp::Migration> v1_v5(warp::schema_migrations().begin(), warp::schema_migrations().begin() + 5);
  warp::ExperimentDbOptions o;
  o.migrations = &v1_v5;
  int64_t old = 0;
  {
    warp::ExperimentDb db = warp::ExperimentDb::open(guitest::dbPath(dir), o);
    QCOMPARE(db.schema_version(), 5);
    old = db.create_run(warp::RunSpec("old-run", "train"));
  }
  MainWindow window;
  window.loadExperiment(dir);
  QCOMPARE(window.runListModel()->rowCount(), 1);
  QCOMPARE(window.runListModel()->run(0).id, old);
  QCOMPARE(warp::ExperimentDb::open_read_only(guitest::dbPath(dir)).schema_version(), warp::latest_schema_version());
}

void TestRunFilters::notesDialogSaves() {
  const QString db = QString::fromStdString(guitest::dbPath(m_dir));
  {
    // Opens with what is stored.
    RunNotesDialog dialog(db, m_train, QStringLiteral("ema-1"));
    QCOMPARE(dialog.tagsEdit()->text(), QStringLiteral("baseline, beta-0.1"));
    QCOMPARE(dialog.noteEdit()->toPlainText(), QStringLiteral("β sweep, the Baseline for figure 3"));
    QVERIFY(dialog.windowTitle().contains(QStringLiteral("ema-1")));
    QVERIFY(dialog.errorText().isEmpty());
    dialog.tagsEdit()->setText(QStringLiteral(" keep ,  new tag,keep"));
    dialog.noteEdit()->setPlainText(QStringLiteral("rewritten\nsecond line"));
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
  }
  warp::RunNotes n = warp::ExperimentDb::open_read_only(db.toStdString()).get_run_notes(m_train);
  QCOMPARE(n.tags, (std::vector<std::string>{"keep", "new tag"}));
  QCOMPARE(n.note, std::string("rewritten\nsecond line"));
  {
    // A refused tag: the dialog stays open with the message, nothing written.
    RunNotesDialog dialog(db, m_train, QStringLiteral("ema-1"));
    dialog.show();
    dialog.tagsEdit()->setText(QStringLiteral("ok, ") + QString(70, QLatin1Char('x')));
    dialog.accept();
    QVERIFY(dialog.isVisible());
    QVERIFY2(dialog.errorText().contains(QStringLiteral("at most 64")), qPrintable(dialog.errorText()));
    dialog.reject();
  }
  n = warp::ExperimentDb::open_read_only(db.toStdString()).get_run_notes(m_train);
  QCOMPARE(n.tags, (std::vector<std::string>{"keep", "new tag"}));
  {
    // Emptied: the notes are gone.
    RunNotesDialog dialog(db, m_sft, QStringLiteral("sft"));
    dialog.tagsEdit()->setText(QString());
    dialog.noteEdit()->setPlainText(QString());
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
  }
  QVERIFY(warp::ExperimentDb::open_read_only(db.toStdString()).get_run_notes(m_sft).tags.empty());
}

void TestRunFilters::notesActionFromTheWindow() {
  MainWindow window;
  window.loadExperiment(m_dir);
  QCOMPARE(window.notesAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_E));
  window.runView()->selectAll();
  QVERIFY(!window.notesAction()->isEnabled());  // one run at a time
  window.runView()->selectRow(0);               // sft
  QVERIFY(window.notesAction()->isEnabled());
  bool sawDialog = false;
  QTimer::singleShot(0, this, [&] {
    auto* dialog = qobject_cast<RunNotesDialog*>(QApplication::activeModalWidget());
    if (!dialog) return;
    sawDialog = true;
    dialog->tagsEdit()->setText(QStringLiteral("from-the-window"));
    dialog->accept();
  });
  window.notesAction()->trigger();
  QVERIFY(sawDialog);
  // Saved, and the run list shows the tag at once (no wait for the next tick).
  QCOMPARE(window.runListModel()->index(0, RunListModel::Tags).data().toString(), QStringLiteral("from-the-window"));
  QCOMPARE(warp::ExperimentDb::open_read_only(guitest::dbPath(m_dir)).get_run_notes(m_sft).tags,
           (std::vector<std::string>{"from-the-window"}));
  // The filter finds it.
  window.runFilterEdit()->setText(QStringLiteral("FROM-THE"));
  QCOMPARE(shownNames(*window.runView()->model()), (QStringList{"sft"}));
}

QTEST_MAIN(TestRunFilters)
#include "test_run_filters.moc"
