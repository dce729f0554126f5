#pragma once
// The files of `warp replicate` for people: REPORT_DIR/report.md (markdown: the setup, the figures,
// one section per Observation with its numbers and verdict, a summary table, gold vs learned reward)
// and REPORT_DIR/points.csv (every evaluated point with its lineage). No computation here: the
// observations come in computed (replicate/observations.h).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "replicate/observations.h"

namespace warp {

struct ReportRun {
  std::string name;      // the run in the experiment's database
  std::string role;      // "SFT anchor β=0.01", "EMA anchor #2", "WARP iteration 1, run 2"
  std::string settings;  // "anchor sft, β 0.01, seed 1, prompt_seed 1"
  std::string status;    // finished / diverged / ...
  std::string source;    // "trained now", "resumed", "reused"
  double wall_s = 0;     // the run's wall time (across resumes)
};

struct ReportFigure {
  std::string stem;     // file name without extension: figures/<stem>.json / .png / .pdf
  std::string title;    // "Figure 3(b): reward vs KL"
  std::string caption;  // what is drawn and how to read it
};

struct ReportInputs {
  std::string title = "WARP replication report";
  std::vector<std::pair<std::string, std::string>> setup;  // rows of the setup table (key, value)
  std::vector<ReportRun> runs;
  std::vector<ReportFigure> figures;
  bool figures_rendered = false;  // figures/<stem>.png exist
  std::string render_note;        // why not / how to render them later (when not rendered)
  std::vector<ObservationResult> observations;
  HackingSummary hacking;
  std::string points_csv = "points.csv";  // relative to the report folder
  std::vector<std::string> notes;         // extra remarks (e.g. diverged runs)
};

// report.md's text.
std::string render_report(const ReportInputs& in);
// Writes render_report(in) to path atomically.
void write_report(const std::string& path, const ReportInputs& in);

// points.csv: a header row, then one row per point of each curve, columns
//   curve,curve_name,kind,label,param,run,checkpoint,sha256,lineage,prompts,
//   reward,reward_se,gold,gold_se,kl_sft,kl_sft_se,kl_sft_sampled,kl_sft_sampled_se,length,length_se
// (RFC 4180 quoting; numbers with 17 significant digits, "nan" for NaN).
std::string points_csv(const std::vector<Curve>& curves);
void write_points_csv(const std::string& path, const std::vector<Curve>& curves);

}  // namespace warp
