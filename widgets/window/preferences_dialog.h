#pragma once
// Settings > Preferences…: the interface language (applies at the next start), the threads of runs
// started from the app, and the smoothing of the metric curves. Reads and writes AppSettings.

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
  QSpinBox* threadsBox() const { return m_threads; }
  QDoubleSpinBox* smoothingBox() const { return m_smoothing; }

 private:
  AppSettings& m_settings;
  QComboBox* m_language;
  QSpinBox* m_threads;
  QDoubleSpinBox* m_smoothing;
};
