// The light and dark look (plot/plot_theme.h, window/appearance.h): under a dark palette the plots
// draw on a dark background with ink and series colours that contrast it (WCAG contrast ratios),
// and switching the palette while the plots are open recolours them.
#include <QtTest>

#include <QApplication>
#include <QImage>
#include <QLabel>
#include <QTemporaryDir>

#include <qcustomplot.h>

#include "merge/omega_chart.h"
#include "panels/metrics_panel.h"
#include "plot/kl_reward_plane.h"
#include "plot/plot_theme.h"
#include "window/appearance.h"

namespace {

QVector<PlaneSeries> planeSeries() {
  PlaneSeries s;
  s.kind = PlaneSeries::Kind::OutputFront;
  s.name = QStringLiteral("output front");
  for (int i = 0; i < 4; ++i) {
    PlanePoint p;
    p.id = QStringLiteral("p%1").arg(i);
    p.kl = 1.0 + i;
    p.reward = 0.5 + 0.1 * i;
    p.gold = 0.4 + 0.1 * i;
    p.label = QStringLiteral("η=%1").arg(0.1 * i);
    s.points << p;
  }
  QVector<PlaneSeries> all{s};
  PlaneSeries t = s;  // a second series: the palette's second colour
  t.kind = PlaneSeries::Kind::Trajectory;
  t.name = QStringLiteral("ema-1");
  for (PlanePoint& p : t.points) p.id += QStringLiteral("t");
  all << t;
  return all;
}

RunRefList eightRuns() {
  RunRefList runs;
  for (int i = 0; i < 8; ++i) {  // all of Okabe-Ito's colours, black and yellow included
    RunRef r;
    r.id = i + 1;
    r.name = QStringLiteral("ema-%1").arg(i + 1);
    r.kind = QStringLiteral("train");
    runs << r;
  }
  return runs;
}

// The colour the plot draws in its top-left corner (outside every axis rect): its background.
QColor drawnBackground(QCustomPlot* plot) {
  plot->replot();
  const QImage image = plot->toPixmap(plot->width(), plot->height()).toImage();
  return image.pixelColor(2, 2);
}

// Every axis of `plot`: tick labels and axis labels readable as text, lines as graphics.
void checkAxes(QCustomPlot* plot, const QColor& background) {
  QVERIFY(plot->axisRectCount() > 0);
  for (QCPAxisRect* rect : plot->axisRects()) {
    for (QCPAxis* axis : rect->axes()) {
      QVERIFY2(
          contrastRatio(axis->tickLabelColor(), background) >= 4.5,
          qPrintable(QStringLiteral("tick labels %1 on %2").arg(axis->tickLabelColor().name(), background.name())));
      QVERIFY(contrastRatio(axis->labelColor(), background) >= 4.5);
      QVERIFY(contrastRatio(axis->basePen().color(), background) >= 3.0);
      QVERIFY(contrastRatio(axis->tickPen().color(), background) >= 3.0);
      // The grid stays discreet but visible: between the background and the ink.
      const double grid = contrastRatio(axis->grid()->pen().color(), background);
      QVERIFY2(grid > 1.1 && grid < 3.0, qPrintable(QString::number(grid)));
    }
  }
}

}  // namespace

class TestPalette : public QObject {
  Q_OBJECT

 private slots:
  void cleanup() { applyAppearance(QStringLiteral("light")); }

  void contrastRatios() {
    QCOMPARE(qRound(contrastRatio(Qt::black, Qt::white) * 100), 2100);
    QCOMPARE(contrastRatio(QColor(0x12, 0x34, 0x56), QColor(0x12, 0x34, 0x56)), 1.0);
    // WCAG's example: #777 on white is just under 4.5.
    const double grey = contrastRatio(QColor(0x77, 0x77, 0x77), Qt::white);
    QVERIFY(grey > 4.4 && grey < 4.5);
    QVERIFY(!isDarkPalette(QApplication::style()->standardPalette()));
    QVERIFY(isDarkPalette(darkPalette()));
  }

  void darkPaletteTextsContrast() {
    // The forced dark palette itself: every text on its background.
    const QPalette p = darkPalette();
    QVERIFY(contrastRatio(p.color(QPalette::WindowText), p.color(QPalette::Window)) >= 4.5);
    QVERIFY(contrastRatio(p.color(QPalette::Text), p.color(QPalette::Base)) >= 4.5);
    QVERIFY(contrastRatio(p.color(QPalette::ButtonText), p.color(QPalette::Button)) >= 4.5);
    QVERIFY(contrastRatio(p.color(QPalette::ToolTipText), p.color(QPalette::ToolTipBase)) >= 4.5);
    QVERIFY(contrastRatio(p.color(QPalette::HighlightedText), p.color(QPalette::Highlight)) >= 3.0);
    QVERIFY(contrastRatio(p.color(QPalette::PlaceholderText), p.color(QPalette::Base)) >= 4.5);
  }

  void seriesReadableOnBoth() {
    // Every series colour: at least 3:1 on both backgrounds; the ones that have it stay as they are.
    // Files keep Okabe-Ito exactly (document()).
    for (const PlotTheme& theme : {PlotTheme::light(), PlotTheme::darkTheme()}) {
      for (int i = 0; i < 8; ++i) {
        const QColor c = theme.series(i);
        QVERIFY2(contrastRatio(c, theme.background) >= PlotTheme::kMinSeriesContrast,
                 qPrintable(QStringLiteral("series %1 %2 on %3").arg(i).arg(c.name(), theme.background.name())));
      }
    }
    QCOMPARE(PlotTheme::light().series(0), QColor(0x00, 0x72, 0xb2));  // unchanged where readable
    QCOMPARE(PlotTheme::darkTheme().series(1), QColor(0xd5, 0x5e, 0x00));
    QCOMPARE(PlotTheme::darkTheme().series(6), PlotTheme::darkTheme().ink);  // black on black: the ink
    QVERIFY(PlotTheme::light().series(7) != QColor(0xf0, 0xe4, 0x42));       // yellow on white: darkened
    QCOMPARE(PlotTheme::document().series(7), QColor(0xf0, 0xe4, 0x42));     // but not in files
    QCOMPARE(PlotTheme::document().series(5), QColor(0x56, 0xb4, 0xe9));
  }

  void plotsDarkUnderADarkPalette() {
    applyAppearance(QStringLiteral("dark"));
    QVERIFY(isDarkPalette(QApplication::palette()));

    KlRewardPlane plane;
    plane.resize(640, 480);
    plane.setSeries(planeSeries());
    plane.setCurrentId(QStringLiteral("p1"));
    plane.show();
    QVERIFY(plane.theme().dark);
    const QColor bg = drawnBackground(plane.plot());
    QVERIFY2(bg.lightnessF() < 0.25, qPrintable(bg.name()));
    checkAxes(plane.plot(), bg);
    // The series as drawn (the figure's graphs) and the point labels.
    for (int i = 0; i < plane.plot()->plottableCount(); ++i)
      QVERIFY2(contrastRatio(plane.plot()->plottable(i)->pen().color(), bg) >= 3.0,
               qPrintable(plane.plot()->plottable(i)->pen().color().name()));
    int labels = 0;
    for (int i = 0; i < plane.plot()->itemCount(); ++i) {
      if (auto* text = qobject_cast<QCPItemText*>(plane.plot()->item(i))) {
        QVERIFY2(contrastRatio(text->color(), bg) >= 4.5,
                 qPrintable(text->text() + QLatin1Char(' ') + text->color().name()));
        ++labels;
      }
      if (auto* ring = qobject_cast<QCPItemTracer*>(plane.plot()->item(i)))
        QVERIFY(contrastRatio(ring->pen().color(), bg) >= 4.5);  // the current point's ring
    }
    QVERIFY(labels > 0);
    // The legend and the title.
    for (QCPLayoutElement* e : plane.plot()->plotLayout()->elements(true)) {
      if (auto* legend = qobject_cast<QCPLegend*>(e)) {
        QVERIFY(contrastRatio(legend->textColor(), bg) >= 4.5);
        QVERIFY(legend->brush().color().lightnessF() < 0.3);
      }
      if (auto* title = qobject_cast<QCPTextElement*>(e)) QVERIFY(contrastRatio(title->textColor(), bg) >= 4.5);
    }
    // Exports stay light (documents), whatever the screen shows.
    QTemporaryDir tmp;
    const QString png = tmp.path() + QStringLiteral("/plane.png");
    plane.exportTo(png, QSize(400, 300));
    QImage image(png);
    QVERIFY(!image.isNull());
    QCOMPARE(image.pixelColor(2, 2), QColor(Qt::white));

    MetricsPanel panel;
    panel.resize(900, 600);
    panel.setRuns(eightRuns());
    panel.show();
    QVERIFY(panel.theme().dark);
    for (int p = 0; p < panel.plotCount(); ++p) {
      QCustomPlot* plot = panel.plot(p);
      const QColor pbg = drawnBackground(plot);
      QVERIFY2(pbg.lightnessF() < 0.25, qPrintable(pbg.name()));
      checkAxes(plot, pbg);
      QCOMPARE(plot->graphCount(), 8);
      for (int g = 0; g < plot->graphCount(); ++g)
        QVERIFY2(contrastRatio(plot->graph(g)->pen().color(), pbg) >= 3.0,
                 qPrintable(plot->graph(g)->pen().color().name()));
    }

    OmegaChart chart;
    chart.resize(500, 300);
    chart.setEntries({{QStringLiteral("h.0.attn.c_attn.weight"), 10, 80.0, false, {}},
                      {QStringLiteral("h.1.mlp.c_fc.weight"), 10, 85.0, true, {}}});
    chart.show();
    const QColor cbg = drawnBackground(chart.plot());
    QVERIFY2(cbg.lightnessF() < 0.25, qPrintable(cbg.name()));
    checkAxes(chart.plot(), cbg);
  }

  void switchingAtRuntimeRecolours() {
    applyAppearance(QStringLiteral("light"));
    KlRewardPlane plane;
    plane.resize(640, 480);
    plane.setSeries(planeSeries());
    plane.show();
    MetricsPanel panel;
    panel.resize(900, 600);
    panel.setRuns(eightRuns());
    panel.show();
    OmegaChart chart;
    chart.resize(500, 300);
    chart.setEntries({{QStringLiteral("h.0.attn.c_attn.weight"), 10, 80.0, false, {}}});
    chart.show();
    QVERIFY(drawnBackground(plane.plot()).lightnessF() > 0.9);
    QVERIFY(drawnBackground(panel.plot(0)).lightnessF() > 0.9);
    QVERIFY(drawnBackground(chart.plot()).lightnessF() > 0.9);
    const QColor lightBlack = panel.plot(0)->graph(6)->pen().color();  // Okabe-Ito's black
    QCOMPARE(lightBlack, QColor(Qt::black));

    // The system (here: the Appearance setting) turns dark while the plots are open.
    applyAppearance(QStringLiteral("dark"));
    QCoreApplication::processEvents();
    QTRY_VERIFY(drawnBackground(plane.plot()).lightnessF() < 0.25);
    for (int p = 0; p < panel.plotCount(); ++p) {
      const QColor bg = drawnBackground(panel.plot(p));
      QVERIFY2(bg.lightnessF() < 0.25, qPrintable(bg.name()));
      checkAxes(panel.plot(p), bg);
      QVERIFY(contrastRatio(panel.plot(p)->graph(6)->pen().color(), bg) >= 3.0);
    }
    const QColor cbg = drawnBackground(chart.plot());
    QVERIFY(cbg.lightnessF() < 0.25);
    checkAxes(chart.plot(), cbg);
    checkAxes(plane.plot(), drawnBackground(plane.plot()));

    // And back to light.
    applyAppearance(QStringLiteral("light"));
    QCoreApplication::processEvents();
    QTRY_VERIFY(drawnBackground(plane.plot()).lightnessF() > 0.9);
    QVERIFY(drawnBackground(panel.plot(0)).lightnessF() > 0.9);
    QVERIFY(drawnBackground(chart.plot()).lightnessF() > 0.9);
    QCOMPARE(panel.plot(0)->graph(6)->pen().color(), QColor(Qt::black));
    checkAxes(panel.plot(0), drawnBackground(panel.plot(0)));
  }

  void systemFollowsThePlatform() {
    // "system" drops the forced palette: offscreen's platform palette (Fusion's light one) again.
    applyAppearance(QStringLiteral("dark"));
    QVERIFY(isDarkPalette(QApplication::palette()));
    applyAppearance(QStringLiteral("system"));
    QVERIFY(!isDarkPalette(QApplication::palette()));
  }
};

QTEST_MAIN(TestPalette)
#include "test_palette.moc"
