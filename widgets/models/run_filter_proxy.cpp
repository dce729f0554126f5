#include "models/run_filter_proxy.h"

#include <QRegularExpression>

#include "models/run_list_model.h"

RunFilterProxy::RunFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) { setDynamicSortFilter(true); }

void RunFilterProxy::setFilterText(const QString& text) {
  if (text == m_text) return;
  m_text = text;
  m_words = text.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts);
  invalidateFilter();
}

void RunFilterProxy::setStatusFilter(StatusFilter filter) {
  if (filter == m_status) return;
  m_status = filter;
  invalidateFilter();
}

QStringList RunFilterProxy::statusesOf(StatusFilter filter) {
  switch (filter) {
    case StatusFilter::All:
      break;
    case StatusFilter::Running:
      return {QStringLiteral("running")};
    case StatusFilter::Finished:
      return {QStringLiteral("finished")};
    case StatusFilter::Stopped:
      return {QStringLiteral("killed"), QStringLiteral("crashed")};
    case StatusFilter::Failed:
      return {QStringLiteral("failed"), QStringLiteral("diverged")};
    case StatusFilter::Queued:
      return {QStringLiteral("queued")};
  }
  return {};
}

QString RunFilterProxy::label(StatusFilter filter) {
  switch (filter) {
    case StatusFilter::All:
      break;
    case StatusFilter::Running:
      return tr("Running");
    case StatusFilter::Finished:
      return tr("Finished");
    case StatusFilter::Stopped:
      return tr("Killed or crashed");
    case StatusFilter::Failed:
      return tr("Failed or diverged");
    case StatusFilter::Queued:
      return tr("Queued");
  }
  return tr("All statuses");
}

bool RunFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
  const QAbstractItemModel* model = sourceModel();
  if (!model) return true;
  const QModelIndex name = model->index(sourceRow, RunListModel::Name, sourceParent);
  if (m_status != StatusFilter::All &&
      !statusesOf(m_status).contains(model->data(name, RunListModel::StatusRole).toString()))
    return false;
  if (m_words.isEmpty()) return true;
  QStringList fields;
  fields << model->data(name, Qt::DisplayRole).toString()
         << model->data(model->index(sourceRow, RunListModel::Kind, sourceParent), Qt::DisplayRole).toString()
         << model->data(name, RunListModel::NoteRole).toString();
  fields += model->data(name, RunListModel::TagsRole).toStringList();
  for (const QString& word : m_words) {
    bool found = false;
    for (const QString& f : fields) found = found || f.contains(word, Qt::CaseInsensitive);
    if (!found) return false;
  }
  return true;
}
