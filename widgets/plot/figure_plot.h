#pragma once
// Draws a warp::Figure (core/report/figure.h: a plot described as data) with QCustomPlot: on screen
// in the desktop app (renderFigure into a QCustomPlot widget) and headless into files (saveFigure,
// used by `warp-plot`, which `warp replicate` calls).
//
// Look: the theme's background (files: white; on screen: the palette's, plot/plot_theme.h), a box
// around each panel, light grid, outward ticks, DejaVu Sans (or the system sans-serif), Okabe-Ito
// palette (warp::palette_color; on screen made readable on the background) by series index within
// its panel.
// Layout: the figure title on top, then the panels in a row (each with its own title, axis labels,
// ranges and legend); the panels' plot areas are aligned top and bottom.
//
// Ranges: each panel's axes fit its drawn points (y ± y_err included) with a 5 % margin on each
// side; on a log axis the margins are fractions of the decades spanned, only positive values count
// (non-positive values are gaps) and a range within less than a decade widens to the enclosing
// powers of ten (so ticks are labelled). A single value v spans [v − 0.1|v|, v + 0.1|v|] ([−1, 1]
// for 0; [v/2, 2v] on a log axis); no data gives [0, 1] ([1, 10] on a log axis). Point labels sit
// right of and above their points; the upper ends of the ranges then grow (at most doubling the
// span) until every label lies inside its panel at the plot's size when rendered. Labels never
// cover one another: after every layout each one, later series first, takes the first free place
// of right-above, right-below, left-above, left-below, and is hidden when none is free.

#include <QString>

#include "plot/plot_theme.h"

class QCustomPlot;

namespace warp {
struct Figure;
}

// Replaces what `plot` shows by `figure` (layout, plottables, items) in the colours of `theme`
// (series colours made readable on its background) and replots. Throws warp::BadInput when the
// figure is not valid (Figure::validate).
void renderFigure(const warp::Figure& figure, QCustomPlot* plot, const PlotTheme& theme = PlotTheme::light());

// How many point labels of `plot` (drawn by renderFigure) are shown now.
int visiblePointLabels(const QCustomPlot* plot);

// Renders `figure` headless into `path`, the format chosen by the suffix (.png, .pdf, .svg; any
// case). PNG: figure.width × figure.height pixels times `scale` (fonts and lines scale too); PDF
// and SVG are vector files of the figure's size (`scale` is ignored). Written atomically (a temp
// file in the same folder, then renamed). Needs a QApplication (QT_QPA_PLATFORM=offscreen works
// without a display). Throws warp::BadInput for an unknown suffix, a scale outside (0, 10] or an
// invalid figure, warp::Error naming the file when it cannot be written.
void saveFigure(const warp::Figure& figure, const QString& path, double scale = 1.0);
