#include "plot/plot_theme.h"

#include <algorithm>
#include <cmath>

#include <QPalette>

#include <qcustomplot.h>

#include "report/figure.h"

namespace {

double linear(double channel) {
  return channel <= 0.04045 ? channel / 12.92 : std::pow((channel + 0.055) / 1.055, 2.4);
}

QColor mix(const QColor& a, const QColor& b, double t) {
  return QColor::fromRgbF(static_cast<float>(a.redF() + (b.redF() - a.redF()) * t),
                          static_cast<float>(a.greenF() + (b.greenF() - a.greenF()) * t),
                          static_cast<float>(a.blueF() + (b.blueF() - a.blueF()) * t), a.alphaF());
}

}  // namespace

double relativeLuminance(const QColor& c) {
  const QColor rgb = c.toRgb();
  return 0.2126 * linear(rgb.redF()) + 0.7152 * linear(rgb.greenF()) + 0.0722 * linear(rgb.blueF());
}

double contrastRatio(const QColor& a, const QColor& b) {
  const double la = relativeLuminance(a), lb = relativeLuminance(b);
  return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

bool isDarkPalette(const QPalette& palette) {
  return palette.color(QPalette::Window).lightnessF() < palette.color(QPalette::WindowText).lightnessF();
}

PlotTheme PlotTheme::light() {
  PlotTheme t;
  t.dark = false;
  t.background = Qt::white;
  t.ink = QColor(0x22, 0x22, 0x22);
  t.grid = QColor(0xe3, 0xe3, 0xe3);
  t.legendBrush = QColor(255, 255, 255, 225);
  t.legendBorder = QColor(0xcc, 0xcc, 0xcc);
  t.muted = QColor(90, 90, 90, 170);
  return t;
}

PlotTheme PlotTheme::document() {
  PlotTheme t = light();
  t.adjust = false;
  return t;
}

PlotTheme PlotTheme::darkTheme() {
  PlotTheme t;
  t.dark = true;
  t.background = QColor(0x1e, 0x1f, 0x22);
  t.ink = QColor(0xdd, 0xdd, 0xdd);
  t.grid = QColor(0x3a, 0x3c, 0x40);
  t.legendBrush = QColor(0x2a, 0x2b, 0x2f, 225);
  t.legendBorder = QColor(0x55, 0x57, 0x5c);
  t.muted = QColor(170, 170, 170, 170);
  return t;
}

PlotTheme PlotTheme::fromPalette(const QPalette& palette) {
  const bool dark = isDarkPalette(palette);
  PlotTheme t = dark ? darkTheme() : light();
  const QColor base = palette.color(QPalette::Base), text = palette.color(QPalette::Text);
  // Follow the palette's own colours when they are a readable pair of the same lightness as the
  // palette's look (a theme whose Base is light in a dark look keeps the fixed look).
  const bool baseDark = base.lightnessF() < 0.5;
  if (contrastRatio(base, text) >= kMinTextContrast && baseDark == dark) {
    t.background = base;
    t.ink = text;
    t.grid = mix(base, text, dark ? 0.16 : 0.12);
    t.legendBorder = mix(base, text, 0.25);
    t.legendBrush = base;
    t.legendBrush.setAlpha(225);
    t.muted = mix(base, text, 0.6);
    t.muted.setAlpha(200);
  }
  return t;
}

QColor PlotTheme::readable(const QColor& c, double minContrast) const {
  QColor out = c;
  if (!adjust) return out;
  const QColor opaque(c.red(), c.green(), c.blue());
  // A grey lost in the background (Okabe-Ito's black on a dark one) becomes the ink, as black is on
  // white, rather than a dim grey; a coloured one keeps its hue (mixed below).
  if (opaque.hsvSaturationF() < 0.15 && contrastRatio(opaque, background) < 1.5) {
    out = ink;
    out.setAlpha(c.alpha());
    return out;
  }
  for (int step = 1; step <= 20 && contrastRatio(QColor(out.red(), out.green(), out.blue()), background) < minContrast;
       ++step)
    out = mix(opaque, ink, 0.05 * step);
  out.setAlpha(c.alpha());
  return out;
}

QColor PlotTheme::series(int index) const {
  return readable(QColor(QString::fromStdString(warp::palette_color(index))));
}

QColor windowTextColor(const QPalette& palette, const QColor& c) {
  PlotTheme t;
  t.background = palette.color(QPalette::Window);
  t.ink = palette.color(QPalette::WindowText);
  return t.readable(c, PlotTheme::kMinTextContrast);
}

QString errorStyleSheet(const QPalette& palette) {
  return QStringLiteral("color: %1;").arg(windowTextColor(palette, QColor(0xb0, 0x00, 0x20)).name());
}

void applyPlotTheme(QCustomPlot* plot, const PlotTheme& theme) {
  plot->setBackground(theme.background);
  for (QCPAxisRect* rect : plot->axisRects()) {
    for (QCPAxis* axis : rect->axes()) {
      const QPen ink(theme.ink, axis->basePen().widthF());
      axis->setBasePen(ink);
      axis->setTickPen(ink);
      axis->setSubTickPen(ink);
      axis->setTickLabelColor(theme.ink);
      axis->setLabelColor(theme.ink);
      QPen grid = axis->grid()->pen();
      grid.setColor(theme.grid);
      axis->grid()->setPen(grid);
      QPen sub = axis->grid()->subGridPen();
      sub.setColor(theme.grid);
      axis->grid()->setSubGridPen(sub);
      QPen zero = axis->grid()->zeroLinePen();
      if (zero.style() != Qt::NoPen) {
        zero.setColor(mix(theme.grid, theme.ink, 0.3));  // a little above the grid, not glaring
        axis->grid()->setZeroLinePen(zero);
      }
    }
  }
  auto styleLegend = [&theme](QCPLegend* legend) {
    legend->setTextColor(theme.ink);
    legend->setBrush(theme.legendBrush);
    legend->setBorderPen(QPen(theme.legendBorder, 1.0));
  };
  if (plot->legend) styleLegend(plot->legend);
  // Every element of the layout, the axis rects' insets (their legends) included.
  for (QCPLayoutElement* element : plot->plotLayout()->elements(true)) {
    if (auto* legend = qobject_cast<QCPLegend*>(element)) styleLegend(legend);
    if (auto* text = qobject_cast<QCPTextElement*>(element)) text->setTextColor(theme.ink);
  }
}
