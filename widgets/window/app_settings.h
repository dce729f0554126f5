#pragma once
// warp-studio's settings: every key, its type and its default in one place (kKeys below), read and
// written through typed accessors over QSettings (by default the user's
// ~/.config/WARP Studio/warp-studio.conf). A value of the wrong type or out of range (a hand-edited
// file) reads as the default, never as garbage; docs/studio.md lists the same keys.

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QVariant>

class QSettings;

// One key: its name in the settings file, its default, and what it holds (for docs and a test that
// every accessor's key is listed here).
struct SettingKeyInfo {
  const char* name;
  QVariant defaultValue;
  const char* description;
};

class AppSettings {
 public:
  // Over `settings` (not owned), or over a default-constructed QSettings when null.
  explicit AppSettings(QSettings* settings = nullptr);
  ~AppSettings();
  AppSettings(const AppSettings&) = delete;
  AppSettings& operator=(const AppSettings&) = delete;

  // Every key with its default, in the order of docs/studio.md.
  static const QList<SettingKeyInfo>& keys();

  static constexpr int kMaxRecent = 10;
  static constexpr int kMaxThreads = 1024;
  // The nice value of runs started at the "low" priority (`warp --nice 10`).
  static constexpr int kLowRunNice = 10;
  static constexpr double kMaxSmoothing = 0.999;
  static constexpr double kDefaultSmoothing = 0.6;

  QByteArray windowGeometry() const;
  void setWindowGeometry(const QByteArray& g);
  QByteArray splitterState() const;
  void setSplitterState(const QByteArray& s);

  // The experiment open when the app last closed (empty: none).
  QString lastExperiment() const;
  void setLastExperiment(const QString& dir);
  // Most recent first, absolute paths, no duplicates, at most kMaxRecent.
  QStringList recentExperiments() const;
  // Moves (or adds) `dir` to the front of the recent list and makes it the last experiment.
  void noteOpened(const QString& dir);
  void removeRecentExperiment(const QString& dir);
  void clearRecentExperiments();

  // "" follows the system locale; else a language code of translations/ ("en", "de", "ko").
  QString language() const;
  void setLanguage(const QString& code);
  // --threads given to runs started from the app; 0 leaves warp's default (all cores).
  int threadsPerRun() const;
  void setThreadsPerRun(int n);
  // The CPU priority of runs started from the app (their worker processes inherit it), so that the
  // window and the Merge tab's evaluations stay responsive while they train (docs/studio.md):
  // "background" (the default; `warp --sched-idle`: only CPU time nothing else wants), "low"
  // (`warp --nice 10`) or "normal". Any other stored text reads as "background".
  QString runPriority() const;
  void setRunPriority(const QString& priority);
  // The curves' EMA smoothing weight in [0, kMaxSmoothing]; 0 draws the raw curve.
  double plotSmoothing() const;
  void setPlotSmoothing(double w);
  // The Metrics tab's x axis: "step" or "wall" (the wall time since each run's start); any other
  // stored text reads as "step".
  QString plotXAxis() const;
  void setPlotXAxis(const QString& axis);
  // The Metrics tab's logarithmic y axes (Log y).
  bool plotLogY() const;
  void setPlotLogY(bool on);
  // The light or dark look: "system" follows the desktop's palette, "light" and "dark" force one
  // (window/appearance.h); any other stored text reads as "system".
  QString appearance() const;
  void setAppearance(const QString& mode);

  void sync();

 private:
  QVariant value(const char* key) const;
  QSettings* m_s;
  bool m_owned;
};
