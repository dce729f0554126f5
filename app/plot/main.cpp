// warp-plot FIG.json... [--format png,pdf,svg] [--out-dir DIR] [--scale S]: renders figure JSON files
// (core/report/figure.h) headless with the desktop app's plotting code (widgets/plot/figure_plot.h).
// FIG.json gives <out-dir>/FIG.<format> (out-dir defaults to the JSON's folder). `warp replicate`
// calls it. Without QT_QPA_PLATFORM set it renders on Qt's offscreen platform (no display needed,
// same output everywhere). Exit codes: 0 all written, 2 bad input (usage, figure file), 1 other
// errors (a file that cannot be written); one line per error on stderr.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QString>

#include "plot/figure_plot.h"
#include "report/figure.h"
#include "util/error.h"
#include "util/fsutil.h"

namespace {

const char* const kUsage =
    "Usage: warp-plot FIG.json... [--format png,pdf,svg] [--out-dir DIR] [--scale S]\n"
    "Renders warp figure files (JSON) to PNG, PDF and/or SVG.\n"
    "\n"
    "  --format LIST   comma-separated formats among png, pdf, svg (default png)\n"
    "  --out-dir DIR   folder of the images (created if missing; default: each JSON's folder)\n"
    "  --scale S       PNG pixels per figure pixel, in (0, 10] (default 1; 2 for high-DPI)\n"
    "  -h, --help      this help\n"
    "  --version       the version\n";

struct Options {
  std::vector<std::string> files;
  std::vector<std::string> formats;
  std::string outDir;
  double scale = 1.0;
  bool help = false, version = false;
};

std::vector<std::string> splitFormats(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string f = list.substr(start, end - start);
    for (char& c : f) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (f != "png" && f != "pdf" && f != "svg")
      throw warp::BadInput("--format: unknown format '" + f + "' (use png, pdf or svg, comma-separated)");
    bool seen = false;
    for (const auto& o : out) seen = seen || o == f;
    if (!seen) out.push_back(f);
    start = end + 1;
  }
  return out;
}

Options parseArgs(int argc, char** argv) {
  Options o;
  bool formatGiven = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string value;
    bool hasValue = false;
    if (a.rfind("--", 0) == 0 && a.find('=') != std::string::npos) {
      value = a.substr(a.find('=') + 1);
      a = a.substr(0, a.find('='));
      hasValue = true;
    }
    auto takeValue = [&]() {
      if (hasValue) return value;
      if (i + 1 >= argc) throw warp::BadInput(a + " needs a value");
      return std::string(argv[++i]);
    };
    if (a == "-h" || a == "--help") {
      o.help = true;
    } else if (a == "--version") {
      o.version = true;
    } else if (a == "--format") {
      o.formats = splitFormats(takeValue());
      formatGiven = true;
    } else if (a == "--out-dir") {
      o.outDir = takeValue();
      if (o.outDir.empty()) throw warp::BadInput("--out-dir: empty folder name");
    } else if (a == "--scale") {
      const std::string v = takeValue();
      char* end = nullptr;
      o.scale = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !(o.scale > 0 && o.scale <= 10))
        throw warp::BadInput("--scale must be a number in (0, 10], got '" + v + "'");
    } else if (a.size() > 1 && a[0] == '-') {
      throw warp::BadInput("unknown option '" + a + "' (see --help)");
    } else {
      o.files.push_back(a);
    }
  }
  if (!formatGiven) o.formats = {"png"};
  if (!o.help && !o.version && o.files.empty()) throw warp::BadInput("no figure file given (see --help)");
  return o;
}

// Qt's debug chatter is not for the user; warnings and worse go to stderr.
void messageHandler(QtMsgType type, const QMessageLogContext&, const QString& msg) {
  if (type == QtDebugMsg || type == QtInfoMsg) return;
  if (msg.startsWith(QLatin1String("QStandardPaths: XDG_RUNTIME_DIR not set"))) return;  // harmless headless
  std::fprintf(stderr, "warp-plot: qt: %s\n", msg.toLocal8Bit().constData());
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    o = parseArgs(argc, argv);
  } catch (const warp::BadInput& e) {
    std::cerr << "warp-plot: error: " << e.what() << "\n";
    return 2;
  }
  if (o.help) {
    std::cout << kUsage;
    return 0;
  }
  if (o.version) {
    std::cout << "warp-plot " << WARP_VERSION << "\n";
    return 0;
  }

  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  qInstallMessageHandler(messageHandler);
  // Qt gets only the program name: figure file names are never taken as Qt options.
  int qtArgc = 1;
  char* qtArgv[] = {argv[0], nullptr};
  QApplication app(qtArgc, qtArgv);

  int rc = 0;
  if (!o.outDir.empty()) {
    try {
      warp::make_dirs(o.outDir);
    } catch (const std::exception& e) {
      std::cerr << "warp-plot: error: " << e.what() << "\n";
      return 1;
    }
  }
  for (const std::string& file : o.files) {
    try {
      const warp::Figure figure = warp::Figure::read_json(file);
      const QFileInfo info(QString::fromStdString(file));
      const QString dir = o.outDir.empty() ? info.path() : QString::fromStdString(o.outDir);
      const QString stem = info.suffix().compare(QLatin1String("json"), Qt::CaseInsensitive) == 0
                               ? info.completeBaseName()
                               : info.fileName();
      for (const std::string& format : o.formats) {
        const QString out = QDir(dir).filePath(stem + QLatin1Char('.') + QString::fromStdString(format));
        saveFigure(figure, out, o.scale);
        std::cout << out.toStdString() << "\n";
      }
    } catch (const warp::BadInput& e) {
      std::cerr << "warp-plot: error: " << e.what() << "\n";
      rc = std::max(rc, 2);
    } catch (const std::exception& e) {
      std::cerr << "warp-plot: error: " << e.what() << "\n";
      rc = std::max(rc, 1);
    }
  }
  return rc;
}
