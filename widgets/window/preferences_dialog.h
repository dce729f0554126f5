#pragma once
// Settings > Preferences…: the interface language (applies at the next start), the appearance
// (system, light or dark; the main window applies it at once, window/appearance.h), the threads and
// the CPU priority of runs started from the app, and the smoothing of the metric curves. Reads and
// writes AppSettings.

#include <QDialog>

class AppSettings;
class QComboBox;
class QDoubleSpinBox;
class QSpinBox;

class PreferencesDialog : public QDialog {
  Q_OBJECT
 public:
  explicit PreferencesDialog(AppSettings& settings, QWidget* parent = nullptr);
  // Writes the fields to the settings (called on OK).
  void apply();

  QComboBox* languageBox() const { return m_language; }
  QComboBox* appearanceBox() const { return m_appearance; }
  QSpinBox* threadsBox() const { return m_threads; }
  QComboBox* priorityBox() const { return m_priority; }
  QDoubleSpinBox* smoothingBox() const { return m_smoothing; }

 private:
  AppSettings& m_settings;
  QComboBox* m_language;
  QComboBox* m_appearance;
  QSpinBox* m_threads;
  QComboBox* m_priority;
  QDoubleSpinBox* m_smoothing;
};
