#pragma once
// The Merge tab's samples: SamplesModel in a table behind a prompt filter (a QSortFilterProxyModel
// on the prompt column, case-insensitive substring), sortable by any column, and "Copy as text":
// the rows shown, tab-separated with a header line, to the clipboard (pastes into a spreadsheet).

#include <QString>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class SamplesModel;

class SamplesView : public QWidget {
  Q_OBJECT

 public:
  explicit SamplesView(QWidget* parent = nullptr);

  SamplesModel* model() const { return m_model; }
  QSortFilterProxyModel* proxy() const { return m_proxy; }
  QTableView* table() const { return m_table; }
  QLineEdit* filterEdit() const { return m_filter; }
  QPushButton* copyButton() const { return m_copy; }
  // A line above the table (e.g. which point the samples are of).
  void setCaption(const QString& text);

  // The rows shown (filtered, in view order) as tab-separated text with a header line; tabs and
  // newlines inside a cell become spaces.
  QString tableText() const;

 public Q_SLOTS:
  void setFilterText(const QString& text);
  // tableText() to the clipboard.
  void copyAsText();

 private:
  SamplesModel* m_model = nullptr;
  QSortFilterProxyModel* m_proxy = nullptr;
  QTableView* m_table = nullptr;
  QLineEdit* m_filter = nullptr;
  QPushButton* m_copy = nullptr;
  QLabel* m_caption = nullptr;
};
