#pragma once
// The completions of the current point beside θ_sft's, per evaluation prompt (the Merge tab's
// samples). Both come from the same evaluation protocol: prompt i is sampled with the same seed for
// every policy (common random numbers), so a row compares what the merged policy and the SFT policy
// wrote for the same prompt and the same random numbers, each with its reward r and gold reward.
//
// Columns: #, prompt, completion, r, gold, KL, θ_sft completion, θ_sft r, θ_sft gold. A row per
// prompt of the current point; the θ_sft cells stay empty until the reference is known.

#include <QAbstractTableModel>
#include <QString>
#include <QStringList>
#include <QVector>

struct SampleRow {
  int promptIndex = 0;
  quint64 seed = 0;
  QString text;  // the decoded completion
  double reward = 0, gold = 0, klSft = 0;
};

class SamplesModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Index, Prompt, Completion, Reward, Gold, Kl, SftCompletion, SftReward, SftGold, ColumnCount };

  explicit SamplesModel(QObject* parent = nullptr);

  // The evaluation prompts (what SampleRow::promptIndex indexes).
  void setPrompts(const QStringList& prompts);
  // The current point's rows and θ_sft's (either may be empty).
  void setRows(const QVector<SampleRow>& current, const QVector<SampleRow>& reference);
  const QVector<SampleRow>& currentRows() const { return m_current; }

  int rowCount(const QModelIndex& parent = QModelIndex()) const override;
  int columnCount(const QModelIndex& parent = QModelIndex()) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  const SampleRow* referenceFor(const SampleRow& row) const;

  QStringList m_prompts;
  QVector<SampleRow> m_current;
  QVector<SampleRow> m_reference;
};
