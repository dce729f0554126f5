// warp-studio [EXPERIMENT_DIR]: the desktop workbench (DESIGN §1). Opens the given experiment, or
// the embedded demo experiment ~/warp-experiments/demo, created on first start with the "demo"
// preset. Runs are separate processes (`warp train`, `warp run`); the window follows them by
// reading the experiment database, and closing it stops nothing.
#include <exception>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QTimer>

#include "window/main_window.h"
#include "experiment/experiment.h"
#include "util/compute_env.h"

namespace {

// The demo experiment's folder, created with the "demo" preset when it holds no experiment yet.
// Throws what Experiment::create throws (e.g. BadInput for a non-empty folder that is no experiment).
QString ensureDemoExperiment() {
  const QString dir = QDir::homePath() + QStringLiteral("/warp-experiments/demo");
  if (!QFileInfo::exists(dir + QStringLiteral("/config.json"))) {
    QDir().mkpath(QFileInfo(dir).absolutePath());
    warp::Experiment::create(dir.toStdString(), "demo");
  }
  return dir;
}

}  // namespace

int main(int argc, char** argv) {
  warp::ensure_compute_env(argv);  // the Merge tab merges and evaluates in-process
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("WARP Studio"));
  QApplication::setOrganizationDomain(QStringLiteral("warp-studio.org"));
  QApplication::setApplicationName(QStringLiteral("warp-studio"));
  QApplication::setApplicationDisplayName(QStringLiteral("WARP Studio"));
  QApplication::setApplicationVersion(QStringLiteral(WARP_VERSION));

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral(
      "WARP Studio: follow the runs of a WARP experiment live (metrics, KL-reward plane).\n"
      "Without EXPERIMENT_DIR, opens the demo experiment ~/warp-experiments/demo (created on first start)."));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(QStringLiteral("EXPERIMENT_DIR"), QStringLiteral("the experiment folder to open"));
  parser.process(app);

  MainWindow window;
  window.show();

  QString dir;
  const QStringList args = parser.positionalArguments();
  if (!args.isEmpty()) {
    dir = args.first();
  } else {
    try {
      dir = ensureDemoExperiment();
    } catch (const std::exception& e) {
      QMessageBox::critical(&window, QObject::tr("Cannot create the demo experiment"), QString::fromUtf8(e.what()));
    }
  }
  if (!dir.isEmpty()) {
    // After the event loop starts, so the window is on screen behind a possible error box.
    QTimer::singleShot(0, &window, [&window, dir] { window.openExperiment(dir); });
  }
  return app.exec();
}
