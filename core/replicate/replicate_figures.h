#pragma once
// The figures of `warp replicate` (replicate/replicate.h): the measured curves drawn as the paper's
// Figures 3(a-c) and 4(a-c), the WARM check and the gold-vs-learned reward panels, written as
// figures/<stem>.json (report/figure.h), and rendered to PNG and PDF by the plot program (warp-plot)
// when it is there.
//
// The replication fills a FigureData once every point is measured; the figure code reads only that.

#include <cstdint>
#include <string>
#include <vector>

#include "replicate/observations.h"
#include "replicate/report_writer.h"

namespace warp {

// What the figures draw and the settings their captions name.
struct FigureData {
  Measurements measured;  // the curves (measured.sft_betas: Figure 3(a)'s caption)
  double beta = 0;        // the EMA anchor's β and μ (the RL config's)
  double mu = 0;
  int64_t eval_every = 0;  // steps between a run's evaluation points
  double lambda = 0.5;     // SLERP λ of the M = 2 LITI front
  double warp_eta = 0.3;   // the WARP driver's η of the next iteration's init
};

struct WrittenFigures {
  std::vector<ReportFigure> figures;  // in the report's order
  std::vector<std::string> files;     // <dir>/<stem>.json, one per figure
};

// Writes every figure as <dir>/<stem>.json (dir exists); the WARM figure only when it was measured.
WrittenFigures write_figures(const FigureData& data, const std::string& dir);

struct RenderResult {
  bool rendered = false;
  std::string note;  // when not rendered: why, and the command that renders them later
};

// Runs the plot program on the figures' JSON files in `dir` (PNG and PDF beside them): plot_executable,
// or "" = <folder of warp_executable>/warp-plot. With render false, or when the program is not there,
// fails or writes no PNG, nothing is rendered and the note says why. QT_QPA_PLATFORM defaults to
// offscreen for the child.
RenderResult render_figures(const std::vector<ReportFigure>& figures, const std::string& dir,
                            const std::string& plot_executable, const std::string& warp_executable, bool render);

}  // namespace warp
