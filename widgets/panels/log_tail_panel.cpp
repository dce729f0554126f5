#include "panels/log_tail_panel.h"

#include <algorithm>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QVBoxLayout>

LogTailPanel::LogTailPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  m_status = new QLabel(this);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_status->setWordWrap(true);
  m_view = new QPlainTextEdit(this);
  m_view->setReadOnly(true);
  m_view->setLineWrapMode(QPlainTextEdit::NoWrap);
  m_view->setMaximumBlockCount(kMaxLines);
  m_view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  layout->addWidget(m_status);
  layout->addWidget(m_view, 1);
  m_timer.setInterval(500);
  connect(&m_timer, &QTimer::timeout, this, &LogTailPanel::pollNow);
  setFile(QString());
}

void LogTailPanel::setFile(const QString& path, const QString& hint) {
  m_path = path;
  m_offset = 0;
  m_exists = false;
  m_view->clear();
  if (path.isEmpty()) {
    m_timer.stop();
    m_status->setText(hint.isEmpty() ? tr("Select a run to follow its log.") : hint);
    return;
  }
  reload();
  m_timer.start();
}

QString LogTailPanel::text() const { return m_view->toPlainText(); }
QString LogTailPanel::status() const { return m_status->text(); }

void LogTailPanel::reload() {
  m_view->clear();
  m_offset = 0;
  QFile f(m_path);
  m_exists = f.exists();
  if (!m_exists) {
    m_status->setText(tr("%1 does not exist (yet): runs started from the app write their output there.")
                          .arg(QDir::toNativeSeparators(m_path)));
    return;
  }
  if (!f.open(QIODevice::ReadOnly)) {
    m_status->setText(tr("Cannot read %1: %2").arg(QDir::toNativeSeparators(m_path), f.errorString()));
    return;
  }
  const qint64 size = f.size();
  qint64 start = std::max<qint64>(0, size - kMaxBytes);
  f.seek(start);
  QByteArray bytes = f.read(size - start);
  if (start > 0) {  // begin at a whole line
    const int nl = bytes.indexOf('\n');
    bytes = nl >= 0 ? bytes.mid(nl + 1) : QByteArray();
  }
  m_offset = size;
  m_status->setText(QDir::toNativeSeparators(m_path));
  QString text = QString::fromUtf8(bytes);
  if (text.endsWith(QLatin1Char('\n'))) text.chop(1);
  m_view->setPlainText(text);
  m_view->verticalScrollBar()->setValue(m_view->verticalScrollBar()->maximum());
}

void LogTailPanel::pollNow() {
  if (m_path.isEmpty()) return;
  const QFileInfo info(m_path);
  if (!info.exists()) {
    if (m_exists) reload();  // gone: say so
    return;
  }
  if (!m_exists || info.size() < m_offset) {  // appeared, or rewritten shorter
    reload();
    return;
  }
  if (info.size() == m_offset) return;
  QFile f(m_path);
  if (!f.open(QIODevice::ReadOnly)) return;
  f.seek(m_offset);
  QByteArray bytes = f.read(std::min<qint64>(info.size() - m_offset, kMaxBytes));
  // Only whole lines: a half-written line waits for its end.
  const int nl = bytes.lastIndexOf('\n');
  if (nl < 0) return;
  bytes.truncate(nl);
  m_offset += nl + 1;
  QScrollBar* bar = m_view->verticalScrollBar();
  const bool atEnd = bar->value() >= bar->maximum() - 2;
  const int keep = bar->value();
  m_view->appendPlainText(QString::fromUtf8(bytes));
  bar->setValue(atEnd ? bar->maximum() : keep);
}
