// warp replicate --exp DIR [--scale smoke|demo|full] --out REPORT_DIR [--threads N]: the experiments
// of the WARP paper's Figures 3 and 4 on the experiment's task, the six Observations checked on the
// measured points, and a report (core/replicate/replicate.h, docs/replication.md).
//
// Rerunning the same command reuses finished runs, resumes stopped ones and takes evaluations from
// the cache; Ctrl-C stops the current run cleanly (resumable).
#include <iostream>

#include "commands.h"
#include "experiment/experiment.h"
#include "progress_line.h"
#include "replicate/replicate.h"
#include "util/error.h"
#include "util/self_exe.h"
#include "util/signals.h"

namespace {

struct Options {
  std::string exp, out, scale = "smoke";
  int threads = 0;
  bool no_render = false;
};

std::string self_executable() {
  std::string exe = warp::self_executable();
  if (exe.empty()) throw warp::Error("cannot find the path of the warp executable (/proc/self/exe)");
  return exe;
}

void register_replicate(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "replicate", "Run the WARP paper's experiments (Figures 3-4) on this experiment and write a replication report");
  auto o = std::make_shared<Options>();
  cmd->add_option("--exp", o->exp, "Experiment folder (with its SFT policy)")->required();
  cmd->add_option("--out", o->out, "Report folder: report.md, points.csv, figures/")->required();
  cmd->add_option("--scale", o->scale,
                  "smoke (about a minute: CI), demo (the documented showcase, ~15 min on 2 cores) or full (a GPU box)");
  cmd->add_option("--threads", o->threads, "Compute threads of the runs and evaluations (0: default)");
  cmd->add_flag("--no-render", o->no_render, "Write the figures' JSON only (do not call warp-plot)");
  cmd->callback([o] {
    auto exp = warp::Experiment::open(o->exp);
    warp::ReplicateOptions ro;
    ro.scale = o->scale;
    ro.out_dir = o->out;
    ro.threads = o->threads;
    ro.warp_executable = self_executable();
    ro.render = !o->no_render;
    warp::cli::ProgressLine line;
    warp::install_stop_handlers();
    const warp::ReplicateSummary s = warp::replicate(exp, ro, line.callback());
    line.finish();
    std::cout << "replicate (" << o->scale << "): " << s.runs_trained << " runs trained, " << s.runs_resumed
              << " resumed, " << s.runs_reused << " reused; " << s.merges_written << " merges written, "
              << s.merges_reused << " reused; " << (s.evaluations - s.evaluations_cached) << " evaluations, "
              << s.evaluations_cached << " from the cache; " << s.wall_s << " s\n";
    for (const auto& r : s.observations)
      std::cout << "  Observation " << r.number << " (" << r.title << "): " << warp::to_string(r.verdict) << "\n";
    if (!s.figures_rendered) std::cout << s.render_note << "\n";
    std::cout << "report: " << s.report_path << "\n";
  });
}

const bool registered = warp::cli::add_command(&register_replicate);

}  // namespace
