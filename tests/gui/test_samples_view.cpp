// SamplesView: the rows of the current point beside θ_sft's for the same prompt and seed, the
// prompt filter, and "Copy as text" (exact tab-separated text, in the clipboard).
#include <QApplication>
#include <QClipboard>
#include <QLineEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QtTest>

#include "merge/samples_model.h"
#include "merge/samples_view.h"

class TestSamplesView : public QObject {
  Q_OBJECT

 private slots:
  void rowsBesideReference();
  void filterAndCopy();
};

namespace {

const QStringList kPrompts{QStringLiteral("The good day"), QStringLiteral("A bad man"),
                           QStringLiteral("Her good plan")};

QVector<SampleRow> currentRows() {
  return {{0, 11, QStringLiteral(" was fine"), 1.5, 2.0, 0.25},
          {1, 12, QStringLiteral(" left\tearly"), -0.5, -1.0, 0.125},
          {2, 13, QStringLiteral(" worked\nwell"), 2.25, 3.0, 0.5}};
}

QVector<SampleRow> referenceRows() {
  return {{0, 11, QStringLiteral(" is here"), 0.5, 0.0, 0.0},
          {1, 12, QStringLiteral(" came"), 0.0, 0.0, 0.0},
          {2, 99, QStringLiteral(" other seed"), 0.0, 0.0, 0.0}};  // another protocol's seed: not matched
}

}  // namespace

void TestSamplesView::rowsBesideReference() {
  SamplesModel model;
  model.setPrompts(kPrompts);
  model.setRows(currentRows(), referenceRows());
  QCOMPARE(model.rowCount(), 3);
  QCOMPARE(model.columnCount(), int(SamplesModel::ColumnCount));
  auto cell = [&](int row, int column) { return model.index(row, column).data().toString(); };
  QCOMPARE(cell(0, SamplesModel::Prompt), QStringLiteral("The good day"));
  QCOMPARE(cell(0, SamplesModel::Completion), QStringLiteral(" was fine"));
  QCOMPARE(cell(0, SamplesModel::Reward), QStringLiteral("1.500"));
  QCOMPARE(cell(0, SamplesModel::Gold), QStringLiteral("2.000"));
  QCOMPARE(cell(0, SamplesModel::Kl), QStringLiteral("0.250"));
  QCOMPARE(cell(0, SamplesModel::SftCompletion), QStringLiteral(" is here"));
  QCOMPARE(cell(0, SamplesModel::SftReward), QStringLiteral("0.500"));
  QCOMPARE(cell(1, SamplesModel::SftCompletion), QStringLiteral(" came"));
  QCOMPARE(cell(2, SamplesModel::SftCompletion), QString());  // the seed differs
  // No reference yet: the θ_sft cells are empty.
  model.setRows(currentRows(), {});
  QCOMPARE(cell(0, SamplesModel::SftCompletion), QString());
  QCOMPARE(cell(0, SamplesModel::Completion), QStringLiteral(" was fine"));
}

void TestSamplesView::filterAndCopy() {
  SamplesView view;
  view.model()->setPrompts(kPrompts);
  view.model()->setRows(currentRows(), referenceRows());
  QCOMPARE(view.proxy()->rowCount(), 3);
  view.filterEdit()->setText(QStringLiteral("GOOD"));
  QCOMPARE(view.proxy()->rowCount(), 2);
  QCOMPARE(view.proxy()->index(1, SamplesModel::Prompt).data().toString(), QStringLiteral("Her good plan"));
  const QString expected = QStringLiteral(
      "#\tPrompt\tCompletion (this point)\tr\tgold\tKL\tCompletion (θ_sft)\tθ_sft r\tθ_sft gold\n"
      "0\tThe good day\t was fine\t1.500\t2.000\t0.250\t is here\t0.500\t0.000\n"
      "2\tHer good plan\t worked well\t2.250\t3.000\t0.500\t\t\t\n");
  QCOMPARE(view.tableText(), expected);
  QTest::mouseClick(view.copyButton(), Qt::LeftButton);
  QCOMPARE(QApplication::clipboard()->text(), expected);
  view.setFilterText(QStringLiteral("bad"));
  QCOMPARE(view.filterEdit()->text(), QStringLiteral("bad"));
  QCOMPARE(view.proxy()->rowCount(), 1);
  QVERIFY(view.tableText().endsWith(
      QStringLiteral("1\tA bad man\t left early\t-0.500\t-1.000\t0.125\t came\t0.000\t0.000\n")));
  view.filterEdit()->clear();
  QCOMPARE(view.proxy()->rowCount(), 3);
}

QTEST_MAIN(TestSamplesView)
#include "test_samples_view.moc"
