#pragma once
// The run list as filtered by the user (MainWindow puts it between RunListModel and the view): a
// text filter and a status filter. The text is split at blanks; a run is shown when each word
// occurs, ignoring case, in its name, kind, one of its tags or its note. The status filter groups
// the statuses the database has (queued, running, finished, failed, diverged, killed, crashed; a
// run presumed crashed counts as crashed). Rows keep the model's order; the proxy re-filters a row
// when its cells change (a run that finishes leaves the "Running" view), and views' selections are
// in proxy indices (mapToSource gives RunListModel's rows).

#include <QSortFilterProxyModel>
#include <QString>
#include <QStringList>

class RunFilterProxy : public QSortFilterProxyModel {
  Q_OBJECT

 public:
  enum class StatusFilter {
    All,
    Running,
    Finished,
    Stopped,  // killed or crashed: what Resume applies to
    Failed,   // failed or diverged
    Queued,
  };

  explicit RunFilterProxy(QObject* parent = nullptr);

  void setFilterText(const QString& text);
  QString filterText() const { return m_text; }
  void setStatusFilter(StatusFilter filter);
  StatusFilter statusFilter() const { return m_status; }

  // The status texts a filter lets through (empty for All), and its name for the combo box.
  static QStringList statusesOf(StatusFilter filter);
  static QString label(StatusFilter filter);
  static constexpr int kStatusFilterCount = 6;

 protected:
  bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

 private:
  QString m_text;
  QStringList m_words;
  StatusFilter m_status = StatusFilter::All;
};
