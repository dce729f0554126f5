#include "merge/samples_view.h"

#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "merge/samples_model.h"

SamplesView::SamplesView(QWidget* parent) : QWidget(parent) {
  m_model = new SamplesModel(this);
  m_proxy = new QSortFilterProxyModel(this);
  m_proxy->setSourceModel(m_model);
  m_proxy->setFilterKeyColumn(SamplesModel::Prompt);
  m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  m_caption = new QLabel(this);
  m_caption->setWordWrap(true);
  layout->addWidget(m_caption);
  auto* bar = new QHBoxLayout;
  m_filter = new QLineEdit(this);
  m_filter->setPlaceholderText(tr("Filter prompts…"));
  m_filter->setClearButtonEnabled(true);
  bar->addWidget(m_filter, 1);
  m_copy = new QPushButton(tr("Copy as text"), this);
  m_copy->setToolTip(tr("Copy the rows shown, tab-separated, to the clipboard"));
  bar->addWidget(m_copy);
  layout->addLayout(bar);
  m_table = new QTableView(this);
  m_table->setModel(m_proxy);
  m_table->setSortingEnabled(true);
  m_table->sortByColumn(SamplesModel::Index, Qt::AscendingOrder);
  m_table->verticalHeader()->hide();
  m_table->setWordWrap(true);
  m_table->setAlternatingRowColors(true);
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
  m_table->setColumnWidth(SamplesModel::Index, 36);
  m_table->setColumnWidth(SamplesModel::Prompt, 150);
  m_table->setColumnWidth(SamplesModel::Completion, 240);
  m_table->setColumnWidth(SamplesModel::SftCompletion, 240);
  for (int c :
       {SamplesModel::Reward, SamplesModel::Gold, SamplesModel::Kl, SamplesModel::SftReward, SamplesModel::SftGold})
    m_table->setColumnWidth(c, 60);
  layout->addWidget(m_table, 1);

  connect(m_filter, &QLineEdit::textChanged, this, &SamplesView::setFilterText);
  connect(m_copy, &QPushButton::clicked, this, &SamplesView::copyAsText);
}

void SamplesView::setCaption(const QString& text) { m_caption->setText(text); }

void SamplesView::setFilterText(const QString& text) {
  if (m_filter->text() != text) m_filter->setText(text);  // re-enters once through textChanged
  m_proxy->setFilterFixedString(text);
}

QString SamplesView::tableText() const {
  auto clean = [](QString s) {
    s.replace(QLatin1Char('\t'), QLatin1Char(' '));
    s.replace(QLatin1Char('\n'), QLatin1Char(' '));
    s.replace(QLatin1Char('\r'), QLatin1Char(' '));
    return s;
  };
  QStringList lines;
  QStringList header;
  for (int c = 0; c < m_proxy->columnCount(); ++c) header << clean(m_proxy->headerData(c, Qt::Horizontal).toString());
  lines << header.join(QLatin1Char('\t'));
  for (int r = 0; r < m_proxy->rowCount(); ++r) {
    QStringList cells;
    for (int c = 0; c < m_proxy->columnCount(); ++c) cells << clean(m_proxy->index(r, c).data().toString());
    lines << cells.join(QLatin1Char('\t'));
  }
  return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

void SamplesView::copyAsText() { QApplication::clipboard()->setText(tableText()); }
