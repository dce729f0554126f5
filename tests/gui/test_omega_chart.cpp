// OmegaChart: the values drawn equal the records given (regular tensors by layer group, fallbacks
// apart, NaN angles at 0°), the mean line equals the mean of the defined angles, the layer groups
// of tensor names, and the tooltip of a marker on hover; the per-layer view (one Ω per layer group:
// its own values, mean, fallbacks, ticks and tooltips, the view choice).
#include <cmath>
#include <limits>

#include <QComboBox>
#include <QtTest>

#include <qcustomplot.h>

#include "merge/omega_chart.h"

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

QVector<OmegaEntry> records() {
  return {
      {QStringLiteral("wte.weight"), 100, 88.0, false, {}},
      {QStringLiteral("wpe.weight"), 10, 92.0, false, {}},
      {QStringLiteral("h.0.ln_1.weight"), 4, kNaN, true, {}},  // zero task vector
      {QStringLiteral("h.0.attn.c_attn.weight"), 48, 85.5, false, {}},
      {QStringLiteral("h.1.attn.c_attn.weight"), 48, 179.9999, true, {}},  // antiparallel
      {QStringLiteral("h.1.mlp.c_fc.weight"), 64, 91.25, false, {}},
      {QStringLiteral("ln_f.weight"), 4, 90.0, false, {}},
  };
}

// One angle per layer group, as MergeWorkbench::omega_group_records gives them.
QVector<OmegaEntry> groupRecords() {
  return {
      {QStringLiteral("embeddings"), 110, 89.0, false, {QStringLiteral("wte.weight"), QStringLiteral("wpe.weight")}},
      {QStringLiteral("h.0"),
       52,
       86.5,
       false,
       {QStringLiteral("h.0.ln_1.weight"), QStringLiteral("h.0.attn.c_attn.weight")}},
      {QStringLiteral("h.1"),
       112,
       kNaN,
       true,
       {QStringLiteral("h.1.attn.c_attn.weight"), QStringLiteral("h.1.mlp.c_fc.weight")}},
      {QStringLiteral("ln_f"), 4, 90.0, false, {QStringLiteral("ln_f.weight")}},
  };
}

// (index, Ω) of every point of a graph.
QVector<QPointF> points(QCPGraph* graph) {
  QVector<QPointF> out;
  for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) out << QPointF(it->key, it->value);
  return out;
}

}  // namespace

class TestOmegaChart : public QObject {
  Q_OBJECT

 private slots:
  void layerGroups_data();
  void layerGroups();
  void valuesEqualRecords();
  void toolTipOnHover();
  void empty();
  void perLayerView();
};

void TestOmegaChart::layerGroups_data() {
  QTest::addColumn<QString>("name");
  QTest::addColumn<QString>("group");
  QTest::newRow("wte") << "wte.weight"
                       << "embeddings";
  QTest::newRow("wpe") << "wpe.weight"
                       << "embeddings";
  QTest::newRow("h.0") << "h.0.attn.c_attn.weight"
                       << "layer 0";
  QTest::newRow("h.11") << "h.11.mlp.c_proj.bias"
                        << "layer 11";
  QTest::newRow("hf name") << "transformer.h.3.ln_2.weight"
                           << "layer 3";
  QTest::newRow("ln_f") << "ln_f.bias"
                        << "ln_f";
  QTest::newRow("hf ln_f") << "transformer.ln_f.weight"
                           << "ln_f";
  QTest::newRow("other") << "lm_head.weight"
                         << "other";
}

void TestOmegaChart::layerGroups() {
  QFETCH(QString, name);
  QFETCH(QString, group);
  QCOMPARE(OmegaChart::layerGroup(name), group);
}

void TestOmegaChart::valuesEqualRecords() {
  OmegaChart chart;
  chart.setEntries(records());
  QCOMPARE(chart.regularIndices(), (QVector<int>{0, 1, 3, 5, 6}));
  QCOMPARE(chart.fallbackIndices(), (QVector<int>{2, 4}));
  QCOMPARE(chart.meanOmega(), (88.0 + 92.0 + 85.5 + 179.9999 + 91.25 + 90.0) / 6);
  QCustomPlot* plot = chart.plot();
  QCOMPARE(plot->graphCount(), 3);
  // Groups alternate shades: embeddings (0, 1), layer 0 (3), layer 1 (5), ln_f (6).
  QCOMPARE(points(plot->graph(0)), (QVector<QPointF>{{0, 88.0}, {1, 92.0}, {5, 91.25}}));
  QCOMPARE(points(plot->graph(1)), (QVector<QPointF>{{3, 85.5}, {6, 90.0}}));
  QCOMPARE(points(plot->graph(2)), (QVector<QPointF>{{2, 0.0}, {4, 179.9999}}));
  // The mean line and its label.
  auto* mean = qobject_cast<QCPItemStraightLine*>(plot->item(0));
  QVERIFY(mean);
  QCOMPARE(mean->point1->value(), chart.meanOmega());
  QCOMPARE(mean->point2->value(), chart.meanOmega());
  // The layer ticks under the axis.
  auto ticker = plot->xAxis->ticker().dynamicCast<QCPAxisTickerText>();
  QVERIFY(ticker);
  QCOMPARE(ticker->ticks().values(), (QList<QString>{"embeddings", "layer 0", "layer 1", "ln_f"}));
  QCOMPARE(ticker->ticks().keys(), (QList<double>{0, 2, 4, 6}));
  QVERIFY(chart.summary().contains(QStringLiteral("7 tensors")));
  QVERIFY(chart.summary().contains(QStringLiteral("2 with LERP fallback")));
}

void TestOmegaChart::toolTipOnHover() {
  QCOMPARE(OmegaChart::toolTipText(records()[3]), QStringLiteral("h.0.attn.c_attn.weight: Ω = 85.50°"));
  QCOMPARE(OmegaChart::toolTipText(records()[2]),
           QStringLiteral("h.0.ln_1.weight: Ω undefined (zero task vector); LERP fallback"));
  OmegaChart chart;
  chart.resize(700, 400);
  chart.setEntries(records());
  chart.show();
  QVERIFY(QTest::qWaitForWindowExposed(&chart));
  chart.plot()->replot();
  const QPoint at(qRound(chart.plot()->xAxis->coordToPixel(5)), qRound(chart.plot()->yAxis->coordToPixel(91.25)));
  QCOMPARE(chart.entryAt(at), 5);
  QTest::mouseMove(chart.plot(), at);
  QTRY_COMPARE(chart.lastToolTip(), QStringLiteral("h.1.mlp.c_fc.weight: Ω = 91.25°"));
}

void TestOmegaChart::empty() {
  OmegaChart chart;
  chart.setEntries({});
  QVERIFY(std::isnan(chart.meanOmega()));
  QCOMPARE(chart.plot()->itemCount(), 0);
  QCOMPARE(chart.summary(), QStringLiteral("No task vectors measured yet."));
}

void TestOmegaChart::perLayerView() {
  OmegaChart chart;
  chart.setEntries(records());
  chart.setLayerEntries(groupRecords());
  // Per tensor until asked: the per-tensor values and mean.
  QCOMPARE(chart.view(), OmegaChart::View::Tensor);
  QCOMPARE(chart.entries().size(), 7);
  QCOMPARE(chart.viewCombo()->currentIndex(), 0);
  // The combo switches the view: the groups' values, their mean, the fallback group apart.
  chart.viewCombo()->setCurrentIndex(1);
  QCOMPARE(chart.view(), OmegaChart::View::Layer);
  QCOMPARE(chart.entries().size(), 4);
  QCOMPARE(chart.meanOmega(), (89.0 + 86.5 + 90.0) / 3);
  QCOMPARE(chart.regularIndices(), (QVector<int>{0, 1, 3}));
  QCOMPARE(chart.fallbackIndices(), (QVector<int>{2}));
  QCustomPlot* plot = chart.plot();
  QCOMPARE(points(plot->graph(0)), (QVector<QPointF>{{0, 89.0}}));
  QCOMPARE(points(plot->graph(1)), (QVector<QPointF>{{1, 86.5}, {3, 90.0}}));
  QCOMPARE(points(plot->graph(2)), (QVector<QPointF>{{2, 0.0}}));
  auto* mean = qobject_cast<QCPItemStraightLine*>(plot->item(0));
  QVERIFY(mean);
  QCOMPARE(mean->point1->value(), chart.meanOmega());
  auto ticker = plot->xAxis->ticker().dynamicCast<QCPAxisTickerText>();
  QVERIFY(ticker);
  QCOMPARE(ticker->ticks().values(), (QList<QString>{"embeddings", "layer 0", "layer 1", "ln_f"}));
  QCOMPARE(ticker->ticks().keys(), (QList<double>{0, 1, 2, 3}));
  QVERIFY(chart.summary().contains(QStringLiteral("per layer group (4 groups")));
  QVERIFY(chart.summary().contains(QStringLiteral("1 with LERP fallback")));
  QCOMPARE(OmegaChart::toolTipText(groupRecords()[1]), QStringLiteral("h.0 (tensors: 2): Ω = 86.50°"));
  QCOMPARE(OmegaChart::toolTipText(groupRecords()[3]), QStringLiteral("ln_f (tensors: 1): Ω = 90.00°"));
  QCOMPARE(OmegaChart::toolTipText(groupRecords()[2]),
           QStringLiteral("h.1 (tensors: 2): Ω undefined (zero task vector); LERP fallback"));
  QCOMPARE(OmegaChart::groupLabel(QStringLiteral("h.12")), QStringLiteral("layer 12"));
  QCOMPARE(OmegaChart::groupLabel(QStringLiteral("embeddings")), QStringLiteral("embeddings"));
  QCOMPARE(OmegaChart::groupLabel(QStringLiteral("ln_f")), QStringLiteral("ln_f"));
  // setView moves the combo too; back to per tensor gives the per-tensor mean again.
  chart.setView(OmegaChart::View::Tensor);
  QCOMPARE(chart.viewCombo()->currentIndex(), 0);
  QCOMPARE(chart.meanOmega(), (88.0 + 92.0 + 85.5 + 179.9999 + 91.25 + 90.0) / 6);
  QCOMPARE(chart.entries().size(), 7);
}

QTEST_MAIN(TestOmegaChart)
#include "test_omega_chart.moc"
