#pragma once
// The Log tab: the end of a run's log file (<exp>/logs/<name>.log, where runs started from the app
// write their output), followed live. The file is polled (every 500 ms while a file is set): new
// bytes are appended, a file that shrank (rewritten) is read again, a missing file shows a hint
// and is picked up once it appears. At most the last kMaxBytes are read when a file is opened, and
// the view keeps the last kMaxLines lines. The view scrolls with new text unless the user scrolled up.

#include <QString>
#include <QTimer>
#include <QWidget>

class QLabel;
class QPlainTextEdit;

class LogTailPanel : public QWidget {
  Q_OBJECT
 public:
  explicit LogTailPanel(QWidget* parent = nullptr);

  static constexpr qint64 kMaxBytes = 256 * 1024;
  static constexpr int kMaxLines = 5000;

  // Follows `path` (empty: none, with `hint` shown instead).
  void setFile(const QString& path, const QString& hint = QString());
  QString file() const { return m_path; }
  // The text shown.
  QString text() const;
  // The line above the text (the file, or why nothing is shown).
  QString status() const;
  // Reads what was appended now (the timer does it every interval).
  void pollNow();
  void setInterval(int ms) { m_timer.setInterval(ms); }

 private:
  void reload();

  QString m_path;
  qint64 m_offset = 0;  // bytes of the file shown so far
  bool m_exists = false;
  QLabel* m_status;
  QPlainTextEdit* m_view;
  QTimer m_timer;
};
