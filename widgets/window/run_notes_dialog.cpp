#include "window/run_notes_dialog.h"

#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QVBoxLayout>

#include "db/experiment_db.h"
#include "plot/plot_theme.h"

RunNotesDialog::RunNotesDialog(const QString& dbPath, qint64 runId, const QString& runName, QWidget* parent)
    : QDialog(parent), m_dbPath(dbPath), m_runId(runId) {
  setWindowTitle(tr("Notes and tags of %1").arg(runName));
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  m_tags = new QLineEdit(this);
  m_tags->setPlaceholderText(tr("e.g. baseline, beta-sweep"));
  m_tags->setToolTip(tr("Comma-separated; each at most 64 bytes, no control characters"));
  form->addRow(tr("&Tags:"), m_tags);
  m_note = new QPlainTextEdit(this);
  m_note->setPlaceholderText(tr("What this run was for, what came of it…"));
  form->addRow(tr("&Note:"), m_note);
  layout->addLayout(form, 1);
  m_error = new QLabel(this);
  m_error->setWordWrap(true);
  m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_error->setStyleSheet(errorStyleSheet(palette()));  // readable in light and dark
  m_error->hide();
  layout->addWidget(m_error);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &RunNotesDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons);
  resize(480, 320);
  try {
    const warp::RunNotes notes = warp::ExperimentDb::open_read_only(dbPath.toStdString()).get_run_notes(runId);
    QStringList tags;
    for (const std::string& t : notes.tags) tags << QString::fromStdString(t);
    m_tags->setText(tags.join(QStringLiteral(", ")));
    m_note->setPlainText(QString::fromStdString(notes.note));
  } catch (const std::exception& e) {
    m_error->setText(tr("Reading the notes failed: %1").arg(QString::fromUtf8(e.what())));
    m_error->show();
  }
}

QString RunNotesDialog::errorText() const { return m_error->isHidden() ? QString() : m_error->text(); }

void RunNotesDialog::accept() {
  try {
    const std::vector<std::string> tags = warp::parse_run_tags(m_tags->text().toStdString());
    // Opening for writing creates a missing file: never here, where one should be.
    if (!QFileInfo::exists(m_dbPath)) throw std::runtime_error(m_dbPath.toStdString() + ": no such database");
    warp::ExperimentDb db = warp::ExperimentDb::open(m_dbPath.toStdString());
    db.set_run_notes(m_runId, m_note->toPlainText().toStdString(), tags);
  } catch (const std::exception& e) {
    m_error->setText(tr("Not saved: %1").arg(QString::fromUtf8(e.what())));
    m_error->show();
    return;
  }
  QDialog::accept();
}
