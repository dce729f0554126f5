#include "replicate/replicate_figures.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "replicate/replicate_config.h"
#include "report/figure.h"
#include "util/fsutil.h"

extern char** environ;

namespace warp {

namespace {

FigureSeries series_of(const Curve& c, const std::string& x, const std::string& y, const std::string& style,
                       bool labels) {
  FigureSeries s;
  s.name = c.name;
  s.style = style;
  for (const auto& p : c.points) {
    auto pick = [&](const std::string& what, bool se) -> double {
      if (what == "param") return se ? 0.0 : p.param;
      const MeanSe& m = what == "kl" ? p.point.kl_sft : what == "gold" ? p.point.gold : p.point.reward;
      return se ? m.se : m.mean;
    };
    s.x.push_back(pick(x, false));
    s.y.push_back(pick(y, false));
    s.y_err.push_back(pick(y, true));
    if (labels) s.labels.push_back(p.label);
  }
  return s;
}

FigureSeries dashed(FigureSeries s) {
  s.dash = true;
  return s;
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

}  // namespace

WrittenFigures write_figures(const FigureData& data, const std::string& dir) {
  const Measurements& m = data.measured;
  WrittenFigures out;
  auto save = [&](const std::string& stem, Figure f, const std::string& caption) {
    f.caption = caption;
    f.write_json(dir + "/" + stem + ".json");
    out.files.push_back(dir + "/" + stem + ".json");
    out.figures.push_back({stem, f.title, caption});
  };
  std::vector<Curve> anchors = m.sft_anchor;
  anchors.push_back(m.ema);
  {
    Figure f;
    f.title = "Figure 3(a): reward and KL along training";
    f.x_label = "step";
    f.width = 1000;
    FigurePanel pr{"reward r vs step", "step", "reward r", {}};
    FigurePanel pk{"KL(π‖π_sft) vs step", "step", "KL to SFT", {}};
    for (const auto& c : anchors) {
      pr.series.push_back(series_of(c, "param", "reward", "line+markers", false));
      pk.series.push_back(series_of(c, "param", "kl", "line+markers", false));
    }
    f.panels = {pr, pk};
    save(
        "fig3a_reward_vs_step", f,
        "REINFORCE with the static SFT anchor (β ∈ {" +
            [&] {
              std::string s;
              for (double b : m.sft_betas) s += (s.empty() ? "" : ", ") + format_grid_value(b);
              return s;
            }() +
            "}) and with the EMA anchor (β=" + format_grid_value(data.beta) + ", μ=" + format_grid_value(data.mu) +
            "): evaluation points every " + std::to_string(data.eval_every) + " steps.");
  }
  {
    Figure f;
    f.title = "Figure 3(b): reward vs KL along training";
    f.x_label = "KL(π‖π_sft)";
    f.y_label = "reward r";
    FigurePanel p;
    for (const auto& c : anchors) p.series.push_back(series_of(c, "kl", "reward", "line+markers", false));
    f.panels = {p};
    save("fig3b_reward_vs_kl", f,
         "The same runs in the KL-reward plane: up and to the left is better. The paper finds the EMA anchor's "
         "trajectory above the SFT-anchor ones (Observation 1).");
  }
  {
    Figure f;
    f.title = "Figure 3(c): merging two EMA runs along λ";
    f.x_label = "λ";
    f.width = 1000;
    FigurePanel pr{"reward r vs λ", "λ", "reward r", {}};
    FigurePanel pk{"KL(π‖π_sft) vs λ", "λ", "KL to SFT", {}};
    pr.series = {series_of(m.slerp_lambda, "param", "reward", "line+markers", false),
                 dashed(series_of(m.lerp_lambda, "param", "reward", "line+markers", false))};
    pk.series = {series_of(m.slerp_lambda, "param", "kl", "line+markers", false),
                 dashed(series_of(m.lerp_lambda, "param", "kl", "line+markers", false))};
    f.panels = {pr, pk};
    save("fig3c_slerp_vs_lerp", f,
         "SLERP and LERP of EMA runs 1 and 2 (λ=0: run 1, λ=1: run 2). The paper finds SLERP's reward above both "
         "endpoints (Observation 2) and LERP with a lower KL and a smaller reward (Observation 3).");
  }
  {
    Figure f;
    f.title = "Figure 4(a): LITI front vs the RL trajectories";
    f.x_label = "KL(π‖π_sft)";
    f.y_label = "reward r";
    FigurePanel p;
    if (!m.liti_fronts.empty()) p.series.push_back(series_of(m.liti_fronts[0], "kl", "reward", "line+markers", true));
    for (size_t k = 0; k < 2 && k < m.ema_runs.size(); ++k)
      p.series.push_back(dashed(series_of(m.ema_runs[k], "kl", "reward", "line+markers", false)));
    f.panels = {p};
    save("fig4a_liti_vs_rl", f,
         "LITI θ_η = (1−η)·θ_sft + η·slerp(θ_1, θ_2, λ=" + format_grid_value(data.lambda) +
             ") for η on the grid, against the trajectories of the two runs it merges (Observation 5).");
  }
  {
    Figure f;
    f.title = "Figure 4(b): LITI fronts for M merged runs";
    f.x_label = "KL(π‖π_sft)";
    f.y_label = "reward r";
    FigurePanel p;
    for (const auto& c : m.liti_fronts) p.series.push_back(series_of(c, "kl", "reward", "line+markers", true));
    Curve all;
    all.name = "RL trajectories (EMA runs 1–" + std::to_string(m.ema_runs.size()) + ")";
    for (const auto& c : m.ema_runs) all.points.insert(all.points.end(), c.points.begin(), c.points.end());
    p.series.push_back(series_of(all, "kl", "reward", "markers", false));
    f.panels = {p};
    save("fig4b_liti_m", f,
         "LITI fronts of the SLERP of the first M EMA runs (M = 2.." + std::to_string(m.ema_runs.size()) +
             "; M > 2 by the left fold with 1/m), with the runs' trajectory points.");
  }
  {
    Figure f;
    f.title = "Figure 4(c): iterative WARP";
    f.x_label = "KL(π‖π_sft)";
    f.y_label = "reward r";
    FigurePanel p;
    for (const auto& c : m.warp_fronts) p.series.push_back(series_of(c, "kl", "reward", "line+markers", true));
    for (const auto& ws : m.warp_workers)
      for (const auto& c : ws) p.series.push_back(dashed(series_of(c, "kl", "reward", "line", false)));
    f.panels = {p};
    save("fig4c_iterative", f,
         "Each WARP iteration's LITI front (towards its own init; KL always to θ_sft) and its workers' RL "
         "trajectories (dashed). Iteration i+1 starts from iteration i's η=" +
             format_grid_value(data.warp_eta) + " point (Observation 6).");
  }
  if (!m.warm_single.points.empty()) {
    Figure f;
    f.title = "WARM: RL against one reward model vs against the weight average of " + std::to_string(m.warm_members);
    f.x_label = "KL(π‖π_sft)";
    f.width = 1000;
    FigurePanel pg{"gold reward (AFINN)", "KL(π‖π_sft)", "gold", {}};
    FigurePanel pr{"learned reward r (each run's own RM)", "KL(π‖π_sft)", "reward r", {}};
    for (const Curve* c : {&m.warm_single, &m.warm_average}) {
      pg.series.push_back(series_of(*c, "kl", "gold", "line+markers", false));
      pr.series.push_back(series_of(*c, "kl", "reward", "line+markers", false));
    }
    f.panels = {pg, pr};
    save(
        "warm_single_vs_average", f,
        "EMA-anchored RL (the first EMA run's settings) against reward model 1 alone and against the uniform weight "
        "average of the " +
            std::to_string(m.warm_members) +
            " reward models trained alike but for their batch order "
            "(WARM). Less hacking shows as a higher gold reward at the same KL, and a learned reward that stays closer "
            "to the gold one (the WARM check).");
  }
  {
    Figure f;
    f.title = "Gold vs learned reward along the fronts";
    f.x_label = "KL(π‖π_sft)";
    f.width = 1000;
    FigurePanel pr{"reward r (optimized)", "KL(π‖π_sft)", "reward r", {}};
    FigurePanel pg{"gold reward (AFINN)", "KL(π‖π_sft)", "gold", {}};
    std::vector<Curve> cs;
    if (!m.liti_fronts.empty()) cs.push_back(m.liti_fronts[0]);
    for (const auto& c : m.warp_fronts) cs.push_back(c);
    cs.push_back(m.ema);
    for (const auto& c : cs) {
      pr.series.push_back(series_of(c, "kl", "reward", "line+markers", false));
      pg.series.push_back(series_of(c, "kl", "gold", "line+markers", false));
    }
    f.panels = {pr, pg};
    save("hacking_gold_vs_reward", f,
         m.reward_is_gold ? "The optimized reward is the gold reward here (no reward model): both panels agree."
                          : "The learned reward r that RL optimizes (left) and the gold reward of the same "
                            "completions (right): where r keeps rising while gold stalls or drops, the policy "
                            "exploits the reward model.");
  }
  return out;
}

RenderResult render_figures(const std::vector<ReportFigure>& figures, const std::string& dir,
                            const std::string& plot_executable, const std::string& warp_executable, bool render) {
  RenderResult result;
  std::string plot = plot_executable;
  if (plot.empty() && !warp_executable.empty()) plot = parent_dir(warp_executable) + "/warp-plot";
  std::vector<std::string> args = {plot};
  for (const auto& f : figures) args.push_back(dir + "/" + f.stem + ".json");
  for (const std::string a : {"--format", "png,pdf", "--out-dir"}) args.push_back(a);
  args.push_back(dir);
  std::string command;
  for (const auto& a : args) command += (command.empty() ? "" : " ") + quote(a);
  if (!render) {
    result.note = "Figures not rendered (rendering was turned off). Render them with: " + command;
    return result;
  }
  if (plot.empty() || ::access(plot.c_str(), X_OK) != 0) {
    result.note = "Figures not rendered: the plot program " + (plot.empty() ? std::string("warp-plot") : plot) +
                  " is not there (it is built with the desktop app, -DWARP_BUILD_GUI=ON). Render them later "
                  "with: " +
                  command;
    return result;
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  bool has_qpa = false;
  for (char** e = environ; e && *e; ++e) {
    env_strings.emplace_back(*e);
    if (env_strings.back().rfind("QT_QPA_PLATFORM=", 0) == 0) has_qpa = true;
  }
  if (!has_qpa) env_strings.emplace_back("QT_QPA_PLATFORM=offscreen");
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, plot.c_str(), nullptr, nullptr, argv.data(), envp.data());
  if (rc != 0) {
    result.note = "Figures not rendered: could not start " + plot + " (" + std::strerror(rc) +
                  "). Render them later with: " + command;
    return result;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    result.note = "Figures not rendered: " + plot + " failed (" +
                  (WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status)) : std::string("killed")) +
                  "). Render them later with: " + command;
    return result;
  }
  for (const auto& f : figures)
    if (!is_regular_file(dir + "/" + f.stem + ".png")) {
      result.note = "Figures not rendered: " + plot + " wrote no " + f.stem + ".png. Render them with: " + command;
      return result;
    }
  result.rendered = true;
  return result;
}

}  // namespace warp
