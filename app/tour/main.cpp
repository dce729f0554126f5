// warp-studio-tour OUTDIR EXPERIMENT_DIR [--driver NAME] [--appearance light|dark]: takes the
// screenshots of docs/screenshots/ with the real desktop app. It builds the same MainWindow as
// warp-studio, opens the experiment, walks the tabs as a person would (Runs + Metrics, Pareto, the
// Merge tab mid-drag, its samples) and at each stop runs `import -window root` (ImageMagick) on the
// X display it is shown on, so the pictures are what the screen shows. Run it under Xvfb:
// scripts/screenshots.sh does, once in each look (--appearance dark names them NAME-dark.png).
// Not installed; a documentation tool of the build tree.
#include <cstdio>
#include <optional>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QItemSelectionModel>
#include <QLabel>
#include <QProcess>
#include <QPushButton>
#include <QScreen>
#include <QSlider>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>

#include "merge/merge_panel.h"
#include "merge/merge_session.h"
#include "merge/samples_view.h"
#include "models/run_list_model.h"
#include "panels/metrics_panel.h"
#include "panels/pareto_panel.h"
#include "util/compute_env.h"
#include "window/appearance.h"
#include "window/main_window.h"

namespace {

[[noreturn]] void die(const QString& message) {
  std::fprintf(stderr, "warp-studio-tour: %s\n", qPrintable(message));
  std::exit(1);
}

template <class F>
void waitUntil(F done, int timeoutMs, const char* what) {
  QElapsedTimer t;
  t.start();
  while (!done()) {
    if (t.elapsed() > timeoutMs) die(QStringLiteral("timed out waiting for %1").arg(QString::fromUtf8(what)));
    QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
  }
}

void settle(int ms) {
  QElapsedTimer t;
  t.start();
  while (t.elapsed() < ms) QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
}

// The X screen as it is now, into OUTDIR/name.
void shoot(const QString& out, const QString& name) {
  settle(400);  // repaints and the plots' replot timers
  const QString path = out + QStringLiteral("/") + name;
  const int rc = QProcess::execute(QStringLiteral("import"), {QStringLiteral("-window"), QStringLiteral("root"), path});
  if (rc != 0)
    die(QStringLiteral("`import -window root %1` failed (%2); is ImageMagick installed and DISPLAY set?")
            .arg(path)
            .arg(rc));
  std::printf("warp-studio-tour: %s\n", qPrintable(path));
  std::fflush(stdout);
}

// Selects the rows of the run list whose run name starts with `prefix` (the WARP workers).
void selectRuns(MainWindow& window, const QString& prefix) {
  QTableView* view = window.runView();
  QAbstractItemModel* model = view->model();
  QItemSelection selection;
  for (int r = 0; r < model->rowCount(); ++r) {
    for (int c = 0; c < model->columnCount(); ++c) {
      if (model->index(r, c).data().toString().startsWith(prefix)) {
        selection.select(model->index(r, 0), model->index(r, model->columnCount() - 1));
        break;
      }
    }
  }
  if (selection.isEmpty()) die(QStringLiteral("no run named %1… in the run list").arg(prefix));
  view->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
}

}  // namespace

int main(int argc, char** argv) {
  warp::ensure_compute_env(argv);  // as warp-studio does
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("WARP Studio"));
  QApplication::setApplicationName(QStringLiteral("warp-studio-tour"));  // settings of its own
  QApplication::setApplicationDisplayName(QStringLiteral("WARP Studio"));

  QCommandLineParser cli;
  cli.setApplicationDescription(QStringLiteral("Screenshots of WARP Studio for docs/screenshots (run under Xvfb)"));
  cli.addHelpOption();
  cli.addPositionalArgument(QStringLiteral("OUTDIR"), QStringLiteral("where the PNG files go"));
  cli.addPositionalArgument(QStringLiteral("EXPERIMENT_DIR"),
                            QStringLiteral("an experiment with a finished `warp run`"));
  QCommandLineOption driverOpt(QStringLiteral("driver"), QStringLiteral("the WARP driver run (default warp)"),
                               QStringLiteral("NAME"), QStringLiteral("warp"));
  QCommandLineOption iterationOpt(QStringLiteral("iteration"), QStringLiteral("the iteration merged (default 1)"),
                                  QStringLiteral("I"), QStringLiteral("1"));
  QCommandLineOption appearanceOpt(QStringLiteral("appearance"),
                                   QStringLiteral("light (default) or dark; dark pictures are named NAME-dark.png"),
                                   QStringLiteral("MODE"), QStringLiteral("light"));
  cli.addOptions({driverOpt, iterationOpt, appearanceOpt});
  cli.process(app);
  const QString look = cli.value(appearanceOpt);
  if (look != QLatin1String("light") && look != QLatin1String("dark"))
    die(QStringLiteral("--appearance: light or dark, got '%1'").arg(look));
  applyAppearance(look);
  const QString suffix = look == QLatin1String("dark") ? QStringLiteral("-dark.png") : QStringLiteral(".png");
  if (cli.positionalArguments().size() != 2) cli.showHelp(2);
  const QString out = QDir(cli.positionalArguments()[0]).absolutePath();
  const QString dir = QDir(cli.positionalArguments()[1]).absolutePath();
  const QString driver = cli.value(driverOpt);
  QDir().mkpath(out);

  MainWindow window;
  const QRect screen = QGuiApplication::primaryScreen()->geometry();
  window.setGeometry(screen);  // no window manager under Xvfb: the window is the screen
  window.show();
  try {
    window.loadExperiment(dir);
  } catch (const std::exception& e) {
    die(QString::fromUtf8(e.what()));
  }
  QTabWidget* tabs = window.tabs();

  // 1. Runs + Metrics: the WARP workers' reward, KL and the rest, live from the database.
  waitUntil([&] { return window.runView()->model()->rowCount() > 0; }, 10000, "the run list");
  selectRuns(window, driver + QStringLiteral("-i"));
  tabs->setCurrentWidget(window.metricsPanel());
  shoot(out, QStringLiteral("runs-metrics") + suffix);

  // 2. Pareto: trajectories, each iteration's LITI front and Algorithm 1's output front (the
  // driver's run selected with its workers).
  selectRuns(window, driver);
  tabs->setCurrentWidget(window.paretoPanel());
  shoot(out, QStringLiteral("pareto") + suffix);

  // 3. Merge: the iteration's θ_init and M policies; a few η points evaluated, then a move of the
  // slider caught while the worker computes the new point (the busy label names it).
  // Opened before the tab is shown, which would otherwise open the remembered (or latest) inputs.
  MergePanel* merge = window.mergePanel();
  MergeInputSpec inputs;
  inputs.source = MergeInputSpec::Source::Iteration;
  inputs.driver = driver;
  inputs.iteration = cli.value(iterationOpt).toLongLong();
  merge->openInputs(inputs);
  tabs->setCurrentWidget(merge);
  waitUntil([&] { return merge->isOpen(); }, 120000, "the Merge tab's inputs");
  // Opening the inputs evaluates θ_sft (the reference) but no merged point: the user asks for the
  // one the controls show with Evaluate, as here.
  waitUntil([&] { return merge->referencePoint().has_value(); }, 600000, "θ_sft's reference point");
  merge->evaluateButton()->click();
  waitUntil([&] { return merge->currentPoint().has_value(); }, 600000, "the first merged point");
  for (int eta : {16, 12, 8, 5, 3}) {
    merge->etaSlider()->setValue(eta);
    waitUntil([&] { return merge->currentPoint() && std::lround(merge->currentPoint()->recipe.eta / 0.05) == eta; },
              600000, "a merged point");
  }
  // The next move: the nearest grid point (λ, η) not evaluated before, so there is work to catch.
  MergeRecipeSpec next = merge->recipe();
  bool found = false;
  for (int dl = 0; dl <= 20 && !found; ++dl) {
    for (int sign : {1, -1}) {
      const int l = 10 + sign * dl;
      if (l < 0 || l > 20 || found) continue;
      for (int e = 2; e <= 20 && !found; ++e) {
        MergeRecipeSpec r = merge->recipe();
        r.lambda = l * 0.05;
        r.eta = e * 0.05;
        if (!merge->session()->lookup(r)) {
          next = r;
          found = true;
        }
      }
    }
  }
  if (!found) die(QStringLiteral("every grid point of these inputs is evaluated already; nothing to catch mid-drag"));
  merge->setRecipe(next);
  waitUntil([&] { return !merge->busyLabel()->text().isEmpty(); }, 10000, "the worker to start");
  shoot(out, QStringLiteral("merge-drag") + suffix);
  waitUntil([&] { return merge->currentPoint() && merge->currentPoint()->recipe == next; }, 600000,
            "the dragged point");

  // 4. Samples: the current point's completions beside θ_sft's for the same prompts and seeds,
  // with the plane made lower so the table has room
  // (the horizontal splitter: controls | plane over samples; the vertical one: plane | samples).
  for (QSplitter* split : merge->findChildren<QSplitter*>()) {
    if (split->orientation() == Qt::Vertical) split->setSizes({split->height() / 3, split->height() * 2 / 3});
  }
  shoot(out, QStringLiteral("samples") + suffix);
  return 0;
}
