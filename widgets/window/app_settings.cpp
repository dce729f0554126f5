#include "window/app_settings.h"

#include <cmath>

#include <QDir>
#include <QFileInfo>
#include <QSettings>

#include "window/translations.h"

namespace {

constexpr const char* kGeometry = "mainWindow/geometry";
constexpr const char* kSplitter = "mainWindow/splitter";
constexpr const char* kLast = "lastExperiment";
constexpr const char* kRecent = "recentExperiments";
constexpr const char* kLanguage = "language";
constexpr const char* kThreads = "runs/threadsPerRun";
constexpr const char* kPriority = "runs/priority";
constexpr const char* kSmoothing = "plot/smoothing";
constexpr const char* kXAxis = "plot/xAxis";
constexpr const char* kLogY = "plot/logY";
constexpr const char* kAppearance = "appearance";

QString normalized(const QString& dir) { return QDir::cleanPath(QFileInfo(dir).absoluteFilePath()); }

}  // namespace

AppSettings::AppSettings(QSettings* settings) : m_s(settings ? settings : new QSettings), m_owned(!settings) {}

AppSettings::~AppSettings() {
  if (m_owned) delete m_s;
}

const QList<SettingKeyInfo>& AppSettings::keys() {
  static const QList<SettingKeyInfo> k = {
      {kGeometry, QByteArray(), "the main window's size and position (Qt's saveGeometry)"},
      {kSplitter, QByteArray(), "the split between the run list and the tabs (QSplitter::saveState)"},
      {kLast, QString(), "the experiment folder open when the app last opened one"},
      {kRecent, QStringList(), "File > Open Recent: experiment folders, most recent first (at most 10)"},
      {kLanguage, QString(), "the interface language: empty follows the system locale, else en, de or ko"},
      {kThreads, 0, "--threads of runs started from the app (0: warp's default, all cores)"},
      {kPriority, QStringLiteral("background"),
       "the CPU priority of runs started from the app: background (warp --sched-idle), low (warp --nice 10) or "
       "normal"},
      {kSmoothing, AppSettings::kDefaultSmoothing,
       "the EMA smoothing weight of the metric curves, 0 to 0.999 (0: raw)"},
      {kXAxis, QStringLiteral("step"),
       "the Metrics tab's x axis: step, or wall (the wall time since each run's start)"},
      {kLogY, false, "the Metrics tab's logarithmic y axes (Log y)"},
      {kAppearance, QStringLiteral("system"), "light or dark look: system (the desktop's palette), light or dark"},
  };
  return k;
}

QVariant AppSettings::value(const char* key) const {
  for (const SettingKeyInfo& k : keys())
    if (qstrcmp(k.name, key) == 0) return m_s->value(QLatin1String(key), k.defaultValue);
  Q_ASSERT_X(false, "AppSettings", "a key missing from AppSettings::keys()");
  return QVariant();
}

QByteArray AppSettings::windowGeometry() const { return value(kGeometry).toByteArray(); }
void AppSettings::setWindowGeometry(const QByteArray& g) { m_s->setValue(QLatin1String(kGeometry), g); }
QByteArray AppSettings::splitterState() const { return value(kSplitter).toByteArray(); }
void AppSettings::setSplitterState(const QByteArray& s) { m_s->setValue(QLatin1String(kSplitter), s); }

QString AppSettings::lastExperiment() const { return value(kLast).toString(); }
void AppSettings::setLastExperiment(const QString& dir) {
  m_s->setValue(QLatin1String(kLast), dir.isEmpty() ? QString() : normalized(dir));
}

QStringList AppSettings::recentExperiments() const {
  QStringList out;
  for (const QString& d : value(kRecent).toStringList()) {
    if (d.isEmpty()) continue;
    const QString n = normalized(d);
    if (!out.contains(n)) out << n;
    if (out.size() == kMaxRecent) break;
  }
  return out;
}

void AppSettings::noteOpened(const QString& dir) {
  const QString n = normalized(dir);
  QStringList list = recentExperiments();
  list.removeAll(n);
  list.prepend(n);
  while (list.size() > kMaxRecent) list.removeLast();
  m_s->setValue(QLatin1String(kRecent), list);
  setLastExperiment(n);
}

void AppSettings::removeRecentExperiment(const QString& dir) {
  QStringList list = recentExperiments();
  list.removeAll(normalized(dir));
  m_s->setValue(QLatin1String(kRecent), list);
}

void AppSettings::clearRecentExperiments() { m_s->setValue(QLatin1String(kRecent), QStringList()); }

QString AppSettings::language() const {
  const QString code = value(kLanguage).toString();
  return availableLanguages().contains(code) ? code : QString();
}
void AppSettings::setLanguage(const QString& code) {
  m_s->setValue(QLatin1String(kLanguage), availableLanguages().contains(code) ? code : QString());
}

int AppSettings::threadsPerRun() const {
  bool ok = false;
  const int n = value(kThreads).toInt(&ok);
  return ok && n >= 0 && n <= kMaxThreads ? n : 0;
}
void AppSettings::setThreadsPerRun(int n) {
  m_s->setValue(QLatin1String(kThreads), n >= 0 && n <= kMaxThreads ? n : 0);
}

namespace {
bool knownPriority(const QString& p) {
  return p == QLatin1String("background") || p == QLatin1String("low") || p == QLatin1String("normal");
}
}  // namespace

QString AppSettings::runPriority() const {
  const QString p = value(kPriority).toString();
  return knownPriority(p) ? p : QStringLiteral("background");
}
void AppSettings::setRunPriority(const QString& priority) {
  m_s->setValue(QLatin1String(kPriority), knownPriority(priority) ? priority : QStringLiteral("background"));
}

double AppSettings::plotSmoothing() const {
  bool ok = false;
  const double w = value(kSmoothing).toDouble(&ok);
  if (!ok || !std::isfinite(w) || w < 0.0 || w > kMaxSmoothing) return kDefaultSmoothing;
  return w;
}
void AppSettings::setPlotSmoothing(double w) {
  m_s->setValue(QLatin1String(kSmoothing), std::isfinite(w) && w >= 0.0 && w <= kMaxSmoothing ? w : kDefaultSmoothing);
}

QString AppSettings::plotXAxis() const {
  return value(kXAxis).toString() == QLatin1String("wall") ? QStringLiteral("wall") : QStringLiteral("step");
}
void AppSettings::setPlotXAxis(const QString& axis) {
  m_s->setValue(QLatin1String(kXAxis), axis == QLatin1String("wall") ? QStringLiteral("wall") : QStringLiteral("step"));
}

bool AppSettings::plotLogY() const {
  // QSettings' INI files read a bool back as the text "true" / "false".
  const QVariant v = value(kLogY);
  const QString text = v.toString();
  return text == QLatin1String("true") || text == QLatin1String("1");
}
void AppSettings::setPlotLogY(bool on) { m_s->setValue(QLatin1String(kLogY), on); }

QString AppSettings::appearance() const {
  const QString mode = value(kAppearance).toString();
  return mode == QLatin1String("light") || mode == QLatin1String("dark") ? mode : QStringLiteral("system");
}
void AppSettings::setAppearance(const QString& mode) {
  m_s->setValue(QLatin1String(kAppearance),
                mode == QLatin1String("light") || mode == QLatin1String("dark") ? mode : QStringLiteral("system"));
}

void AppSettings::sync() { m_s->sync(); }
