#pragma once
// Runs > Notes and tags… (also the run list's context menu): edits one run's note and tags, stored
// in the experiment database (schema v6 run_notes, ExperimentDb::set_run_notes). Tags are typed
// comma-separated; OK checks them (core's rule, db/records.h normalize_run_tags) and saves through a
// connection of its own opened for writing. A refused tag or a failed write keeps the dialog open
// with the message; what was typed is not lost.

#include <QDialog>
#include <QString>

class QLabel;
class QLineEdit;
class QPlainTextEdit;

class RunNotesDialog : public QDialog {
  Q_OBJECT

 public:
  // Reads the run's notes from `dbPath` (the message shows in the dialog when that fails).
  RunNotesDialog(const QString& dbPath, qint64 runId, const QString& runName, QWidget* parent = nullptr);

  QLineEdit* tagsEdit() const { return m_tags; }
  QPlainTextEdit* noteEdit() const { return m_note; }
  // The last error shown (empty when none).
  QString errorText() const;

 public slots:
  // Saves, then closes; on an error stays open and shows it.
  void accept() override;

 private:
  QString m_dbPath;
  qint64 m_runId = 0;
  QLineEdit* m_tags = nullptr;
  QPlainTextEdit* m_note = nullptr;
  QLabel* m_error = nullptr;
};
