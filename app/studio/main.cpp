// warp-studio [EXPERIMENT_DIR]: the desktop workbench (DESIGN §1). Opens the given experiment, else
// the one open last (settings), else the embedded demo experiment ~/warp-experiments/demo, created
// on first start with the "demo" preset. The interface language follows the system locale unless
// the settings name one (window/translations.h); the look follows the desktop's light or dark palette
// unless the settings or --appearance force one (window/appearance.h). Runs are separate processes
// (`warp train`, `warp run`); the window follows them by reading the experiment database, and
// closing it stops nothing.
#include <cstdio>
#include <exception>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QIcon>
#include <QMessageBox>
#include <QTimer>

#include "experiment/experiment.h"
#include "util/compute_env.h"
#include "window/app_settings.h"
#include "window/appearance.h"
#include "window/main_window.h"
#include "window/translations.h"

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
  QApplication::setDesktopFileName(QStringLiteral("org.warp_studio.WarpStudio"));
  const AppSettings settings;
  installTranslations(chooseLanguage(settings.language()));

  QCommandLineParser parser;
  parser.setApplicationDescription(
      QStringLiteral("WARP Studio: follow the runs of a WARP experiment live (metrics, KL-reward plane).\n"
                     "Without EXPERIMENT_DIR, opens the experiment open last, else the demo experiment "
                     "~/warp-experiments/demo (created on first start)."));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(QStringLiteral("EXPERIMENT_DIR"), QStringLiteral("the experiment folder to open"));
  // For smoke tests of an installation (tests/package/test_package.sh): close the window after N
  // seconds, as the user would, and exit with the app's status.
  const QCommandLineOption quitAfter(QStringLiteral("quit-after"),
                                     QStringLiteral("Close the window after SECONDS seconds (smoke tests)."),
                                     QStringLiteral("SECONDS"));
  parser.addOption(quitAfter);
  // The light or dark look for this start only (screenshots, tests); the setting otherwise.
  const QCommandLineOption appearance(QStringLiteral("appearance"),
                                      QStringLiteral("system, light or dark for this session (default: the setting)."),
                                      QStringLiteral("MODE"));
  parser.addOption(appearance);
  parser.process(app);
  QString mode = settings.appearance();
  if (parser.isSet(appearance)) {
    mode = parser.value(appearance);
    if (!appearanceModes().contains(mode)) {
      std::fprintf(stderr, "warp-studio: --appearance: expected system, light or dark, got '%s'\n", qPrintable(mode));
      return 2;
    }
  }
  if (mode != QLatin1String("system")) applyAppearance(mode);  // "system": the platform's own, untouched
  int quitAfterMs = -1;
  if (parser.isSet(quitAfter)) {
    bool ok = false;
    const double seconds = parser.value(quitAfter).toDouble(&ok);
    if (!ok || seconds < 0 || seconds > 86400) {
      std::fprintf(stderr, "warp-studio: --quit-after: expected seconds in [0, 86400], got '%s'\n",
                   qPrintable(parser.value(quitAfter)));
      return 2;
    }
    quitAfterMs = static_cast<int>(seconds * 1000);
  }

  MainWindow window;
  QApplication::setWindowIcon(window.windowIcon());
  window.show();

  QString dir;
  const QStringList args = parser.positionalArguments();
  const QString last = settings.lastExperiment();
  if (!args.isEmpty()) {
    dir = args.first();
  } else if (!last.isEmpty() && QFileInfo::exists(last + QStringLiteral("/config.json"))) {
    dir = last;
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
  if (quitAfterMs >= 0) QTimer::singleShot(quitAfterMs, &window, &QWidget::close);
  return app.exec();
}
