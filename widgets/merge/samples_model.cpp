#include "merge/samples_model.h"

SamplesModel::SamplesModel(QObject* parent) : QAbstractTableModel(parent) {}

void SamplesModel::setPrompts(const QStringList& prompts) {
  beginResetModel();
  m_prompts = prompts;
  endResetModel();
}

void SamplesModel::setRows(const QVector<SampleRow>& current, const QVector<SampleRow>& reference) {
  beginResetModel();
  m_current = current;
  m_reference = reference;
  endResetModel();
}

int SamplesModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : m_current.size(); }

int SamplesModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

const SampleRow* SamplesModel::referenceFor(const SampleRow& row) const {
  // The same prompt sampled with the same seed (same protocol); rows are in prompt order, so the
  // index usually hits at once.
  if (row.promptIndex >= 0 && row.promptIndex < m_reference.size()) {
    const SampleRow& r = m_reference[row.promptIndex];
    if (r.promptIndex == row.promptIndex && r.seed == row.seed) return &r;
  }
  for (const SampleRow& r : m_reference)
    if (r.promptIndex == row.promptIndex && r.seed == row.seed) return &r;
  return nullptr;
}

QVariant SamplesModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= m_current.size()) return {};
  const SampleRow& row = m_current[index.row()];
  const SampleRow* ref = referenceFor(row);
  auto num = [](double v) { return QString::number(v, 'f', 3); };
  if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
    switch (index.column()) {
      case Index:
        return row.promptIndex;
      case Prompt:
        return row.promptIndex < m_prompts.size() ? m_prompts[row.promptIndex] : QString();
      case Completion:
        return row.text;
      case Reward:
        return num(row.reward);
      case Gold:
        return num(row.gold);
      case Kl:
        return num(row.klSft);
      case SftCompletion:
        return ref ? QVariant(ref->text) : QVariant();
      case SftReward:
        return ref ? QVariant(num(ref->reward)) : QVariant();
      case SftGold:
        return ref ? QVariant(num(ref->gold)) : QVariant();
      default:
        return {};
    }
  }
  if (role == Qt::TextAlignmentRole) {
    switch (index.column()) {
      case Index:
      case Reward:
      case Gold:
      case Kl:
      case SftReward:
      case SftGold:
        return int(Qt::AlignRight | Qt::AlignVCenter);
      default:
        return int(Qt::AlignLeft | Qt::AlignVCenter);
    }
  }
  return {};
}

QVariant SamplesModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
    return QAbstractTableModel::headerData(section, orientation, role);
  switch (section) {
    case Index:
      return tr("#");
    case Prompt:
      return tr("Prompt");
    case Completion:
      return tr("Completion (this point)");
    case Reward:
      return tr("r");
    case Gold:
      return tr("gold");
    case Kl:
      return tr("KL");
    case SftCompletion:
      return tr("Completion (θ_sft)");
    case SftReward:
      return tr("θ_sft r");
    case SftGold:
      return tr("θ_sft gold");
    default:
      return {};
  }
}
