#pragma once
// The colours of the plots on screen, taken from the widget's palette so that they follow the
// system's light or dark look (and the Appearance setting, window/appearance.h): background, ink
// (axes, ticks, labels, titles), grid, legend box, muted overlays, and the series colours. The
// series keep the Okabe-Ito order of warp::palette_color (the report's figures, the run colours of
// the Metrics tab); a colour too close to the background is mixed toward the ink until it reaches
// kMinSeriesContrast (WCAG's 3:1 for graphics), texts drawn in a series colour kMinTextContrast
// (4.5:1). On white Okabe-Ito's orange, sky blue and yellow get a little darker; on a dark
// background its blue gets lighter and its black becomes the ink. A colour a figure names itself
// (FigureSeries::color) is kept on white and adjusted only on dark.
//
// Files written by saveFigure (warp-plot, exports) always use PlotTheme::document(): the light look
// with the figure's colours exactly as given (Okabe-Ito unchanged), since documents are printed and
// pasted on white pages whatever the screen looks like, and keep the report's colours.

#include <QColor>
#include <QString>

class QCustomPlot;
class QPalette;

// WCAG 2 relative luminance of `c` (0 black .. 1 white), alpha ignored.
double relativeLuminance(const QColor& c);
// WCAG 2 contrast ratio of two colours, 1 (equal) .. 21 (black on white).
double contrastRatio(const QColor& a, const QColor& b);
// A palette is dark when its window is darker than its text (Qt 6.4 has no colour-scheme hint).
bool isDarkPalette(const QPalette& palette);

struct PlotTheme {
  static constexpr double kMinSeriesContrast = 3.0;
  static constexpr double kMinTextContrast = 4.5;

  bool dark = false;
  QColor background;
  QColor ink;  // axes, ticks, tick labels, axis labels, titles, legend text
  QColor grid;
  QColor legendBrush;  // the legend box (slightly transparent)
  QColor legendBorder;
  QColor muted;        // overlays that should recede (the non-dominated step line, mean lines)
  bool adjust = true;  // readable() moves colours; false: colours are drawn as given (document())

  // The fixed looks: white with near-black ink; near-black (#1e1f22) with light grey ink.
  static PlotTheme light();
  static PlotTheme darkTheme();
  // light() for files: no colour is moved.
  static PlotTheme document();
  // From a palette: its Base colour as background and its Text colour as ink when they contrast
  // at least kMinTextContrast, else the fixed look of the palette's lightness.
  static PlotTheme fromPalette(const QPalette& palette);

  // `c` as drawn on this background: unchanged when its contrast is at least `minContrast`, else
  // mixed toward the ink in steps of 5 % until it is (alpha kept); a grey nearly as dark (light) as
  // the background, such as black on a dark one, becomes the ink.
  QColor readable(const QColor& c, double minContrast = kMinSeriesContrast) const;
  // Series colour i: warp::palette_color(i), readable on this background.
  QColor series(int index) const;
};

// A coloured text (an error message) on the window background of `palette`: `c` mixed toward the
// palette's WindowText until it contrasts kMinTextContrast with its Window colour.
QColor windowTextColor(const QPalette& palette, const QColor& c);
// The style sheet of an error label in `palette` ("color: #rrggbb;").
QString errorStyleSheet(const QPalette& palette);

// Styles every axis rect, axis, grid (its zero line a little above the grid), legend and text
// element of `plot` with `theme` (background included); the series' colours are the caller's.
// Does not replot.
void applyPlotTheme(QCustomPlot* plot, const PlotTheme& theme);
