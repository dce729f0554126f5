#pragma once
// A plot described as data, with no drawing code: what core produces (the replication report, the
// WARP driver's fronts) and what the plotting code of widgets/ (widgets/plot/) draws, on screen in
// the desktop app and headless into PNG / PDF / SVG files (`warp-plot`, called by `warp replicate`).
// Core has no Qt, so the split is: core builds Figures, widgets/ renders them.
//
// JSON form (Figure::to_json / from_json; unknown keys are ignored, missing optional keys take the
// defaults below):
//   {"format": "warp-figure", "version": 1,
//    "title": "...", "x_label": "...", "y_label": "...", "caption": "...",
//    "x_log": false, "y_log": false,
//    "legend": "top-left" | "top-right" | "bottom-left" | "bottom-right" | "best" | "none",
//                          (best: in each panel the corner whose legend would cover the fewest points)
//    "width": 640, "height": 420,                          (pixels at 1x; PDFs keep the aspect)
//    "panels": [ {Panel} ... ]}                            (one or more, laid out in a row)
// Panel:
//   {"title": "...", "x_label": "...", "y_label": "...",  (empty: the figure's)
//    "series": [ {Series} ... ]}
// Series:
//   {"name": "EMA anchor (β=0.1)", "style": "line" | "markers" | "line+markers",
//    "color": "#1f77b4" | "" (empty: the palette colour of its index),
//    "dash": false, "marker": "circle" | "square" | "triangle" | "diamond" | "cross",
//    "x": [...], "y": [...],
//    "y_err": [...] (optional: standard errors, drawn as error bars),
//    "labels": ["η=0", ...] (optional: text drawn beside each point)}
// x, y, y_err and labels have the same length (BadInput naming the series otherwise). NaN values
// are allowed in x/y (a gap) and y_err (no bar); JSON has no NaN, so they are written as null
// (and any non-finite value is written as null). "format", "version" and "panels" (at least one)
// and each series' "x" and "y" are required; every other key is optional. width and height are
// 16..20000. The caption is for the report's text: it is kept in the JSON, not drawn.
//
// CSV of the points (write_csv / to_csv): header "panel,series,x,y,y_err,label", one row per
// point; panel is the panel's index (0-based, as in "panels"), series its name; NaN and a missing
// y_err / label are empty fields; text fields are quoted (RFC 4180) when they need it.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace warp {

struct FigureSeries {
  std::string name;
  std::string style = "line";  // line | markers | line+markers
  std::string color;           // "#rrggbb" or "" for the palette
  bool dash = false;
  std::string marker = "circle";  // circle | square | triangle | diamond | cross
  std::vector<double> x, y;
  std::vector<double> y_err;        // empty or one per point
  std::vector<std::string> labels;  // empty or one per point
};

struct FigurePanel {
  std::string title, x_label, y_label;  // empty: the figure's
  std::vector<FigureSeries> series;
};

struct Figure {
  std::string title, x_label, y_label, caption;
  bool x_log = false, y_log = false;
  std::string legend = "top-left";
  int width = 640, height = 420;
  std::vector<FigurePanel> panels;

  nlohmann::json to_json() const;
  // BadInput naming `where` (e.g. the file) and the field for a wrong format, version, type,
  // enum value or length mismatch.
  static Figure from_json(const nlohmann::json& j, const std::string& where = "figure");

  // BadInput naming `where` and the field (same checks as from_json) for a Figure built in code.
  void validate(const std::string& where = "figure") const;

  // Files: write_json validates, then writes atomically (util/fsutil.h); read_json names the file
  // in its errors.
  void write_json(const std::string& path) const;
  static Figure read_json(const std::string& path);
};

// The points of every series as CSV (format above); write_csv writes it atomically.
std::string to_csv(const Figure& figure);
void write_csv(const Figure& figure, const std::string& path);

// The default palette (colour-blind friendly, 8 colours); series i without a colour gets
// palette_color(i).
std::string palette_color(int index);

}  // namespace warp
