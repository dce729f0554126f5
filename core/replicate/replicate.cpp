#include "replicate/replicate.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>

#include "db/experiment_db.h"
#include "db/run_name.h"
#include "eval/eval_cache.h"
#include "eval/evaluate.h"
#include "merge/merger.h"
#include "model/gpt_config.h"
#include "model/gpt_params.h"
#include "replicate/replicate_figures.h"
#include "replicate/report_writer.h"
#include "rl/trainer.h"
#include "store/checkpoint_h5.h"
#include "util/error.h"
#include "util/format.h"
#include "util/fsutil.h"
#include "util/json_read.h"
#include "util/sha256.h"

namespace warp {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string rel_ckpt(const std::string& file) { return "checkpoints/" + file; }
std::string abs_path(const Experiment& exp, const std::string& rel) { return exp.dir() + "/" + rel; }

// Progress of a sub-task, its stage prefixed with what it belongs to.
ProgressFn prefixed(const ProgressFn& progress, const std::string& prefix) {
  if (!progress) return {};
  return [progress, prefix](const ProgressInfo& info) {
    ProgressInfo p = info;
    p.stage = prefix + " " + info.stage;
    return progress(p);
  };
}

// ---- trajectories from the database

Curve read_trajectory(ExperimentDb& db, const RunRecord& run, const std::string& id, const std::string& name) {
  Curve c;
  c.id = id;
  c.name = name;
  c.kind = "trajectory";
  int64_t prompts = 0;
  {
    auto cfg = parse_json_or_discarded(run.config_json, "run '" + run.name + "' (stored config)");
    if (cfg.is_object() && cfg.contains("eval") && cfg["eval"].contains("max_prompts") &&
        cfg["eval"]["max_prompts"].is_number_integer())
      prompts = cfg["eval"]["max_prompts"].get<int64_t>();
  }
  auto series = [&](const std::string& key) {
    std::map<int64_t, double> m;
    for (const auto& p : db.read_metrics(run.id, key)) m[p.step] = p.value;
    return m;
  };
  const auto reward = series("eval/reward");
  const std::pair<const char*, MeanSe EvalPoint::*> fields[] = {{"reward", &EvalPoint::reward},
                                                                {"gold", &EvalPoint::gold},
                                                                {"kl_sft", &EvalPoint::kl_sft},
                                                                {"kl_sft_sampled", &EvalPoint::kl_sft_sampled},
                                                                {"length", &EvalPoint::length}};
  std::map<int64_t, EvalPoint> points;
  for (const auto& [key, member] : fields) {
    for (const auto& [step, v] : series(std::string("eval/") + key)) (points[step].*member).mean = v;
    for (const auto& [step, v] : series(std::string("eval/") + key + "_se")) (points[step].*member).se = v;
  }
  std::map<int64_t, PromptValues> values = read_trajectory_values(db, run.id);
  for (auto& [step, p] : points) {
    if (!reward.count(step)) continue;
    p.prompts = prompts;
    MeasuredPoint mp;
    mp.label = "step " + std::to_string(step);
    mp.param = static_cast<double>(step);
    mp.point = p;
    mp.run = run.name;
    mp.lineage = "trajectory point of run " + run.name;
    if (auto v = values.find(step); v != values.end()) mp.values = std::move(v->second);
    c.points.push_back(mp);
  }
  return c;
}

double run_wall_s(ExperimentDb& db, const RunRecord& run) {
  const auto e = db.read_metrics(run.id, "time/elapsed_s");
  if (!e.empty()) return e.back().value;
  if (run.started_at && run.ended_at) return *run.ended_at - *run.started_at;
  return 0;
}

// ---- the work

class Replicator {
 public:
  Replicator(const Experiment& exp, const ReplicateOptions& options, const ProgressFn& progress)
      : exp_(exp), options_(options), progress_(progress) {}

  ReplicateSummary run();

 private:
  void step(const std::string& what) {
    ++stage_;
    report(progress_, {"replicate", stage_, total_stages_, what});
  }
  const std::string& sha(const std::string& abs) {
    auto it = sha_.find(abs);
    if (it == sha_.end()) it = sha_.emplace(abs, sha256_file(abs)).first;
    return it->second;
  }

  Curve ensure_run(const PlannedRun& pr);
  std::string ensure_merge(const MergeParams& params, const std::string& init_rel,
                           const std::vector<std::string>& model_rels, const std::string& out_file,
                           nlohmann::json* meta_out = nullptr);
  MeasuredPoint evaluate(const std::string& rel, const std::string& label, double param, const std::string& lineage);
  void ensure_warp();
  void ensure_warm();
  std::vector<std::pair<std::string, std::string>> setup_rows(double wall_s) const;

  const Experiment& exp_;
  ReplicateOptions options_;
  ProgressFn progress_;
  ReplicatePlan plan_;
  ReplicateSummary sum_;
  std::map<std::string, std::string> sha_;
  int64_t stage_ = 0, total_stages_ = 0;

  Measurements m_;
  std::vector<ReportRun> report_runs_;
  std::vector<std::string> notes_;
  std::string sft_rel_ = "checkpoints/sft.h5";
  std::string protocol_sha256_;  // of plan_.eval
};

Curve Replicator::ensure_run(const PlannedRun& pr) {
  step("run " + pr.name);
  std::optional<RunRecord> rec;
  {
    ExperimentDb db = ExperimentDb::open(exp_.db_path());
    rec = db.find_run(pr.name);
  }
  std::string source;
  const ProgressFn pp = prefixed(progress_, pr.name + ":");
  RlRunOptions ro;
  if (options_.threads > 0) ro.threads = options_.threads;
  if (!rec) {
    run_rl(exp_, pr.name, pr.config, {}, pp);
    source = "trained now";
    ++sum_.runs_trained;
  } else {
    if (rec->kind != "train")
      throw BadInput("replicate: the run name '" + pr.name + "' is taken by a " + rec->kind +
                     " run; rename or remove it (or use another experiment)");
    // The run must be the one planned: same budget and anchor.
    auto cfg = parse_json_or_discarded(rec->config_json, "run '" + pr.name + "' (stored config)");
    if (!cfg.is_object() || !cfg.contains("rl")) throw BadInput("replicate: run '" + pr.name + "' has no RL config");
    const RlConfig have = RlConfig::from_json(cfg.at("rl"), "run " + pr.name);
    const RlConfig& want = pr.config;
    auto differs = [&](const char* field, const std::string& a, const std::string& b) {
      if (a != b)
        throw BadInput("replicate: run '" + pr.name + "' exists with other settings (" + field + " " + a +
                       ", this scale wants " + b + "); remove it or replicate into another experiment");
    };
    differs("anchor", have.anchor, want.anchor);
    differs("beta", format_grid_value(have.beta), format_grid_value(want.beta));
    differs("steps", std::to_string(have.steps), std::to_string(want.steps));
    differs("batch", std::to_string(have.batch), std::to_string(want.batch));
    differs("seed", std::to_string(have.seed), std::to_string(want.seed));
    differs("prompt_seed", std::to_string(have.prompt_seed), std::to_string(want.prompt_seed));
    differs("eval_prompts", std::to_string(have.eval_prompts), std::to_string(want.eval_prompts));
    differs("reward", have.reward, want.reward);
    if (rec->status == RunStatus::Finished || rec->status == RunStatus::Diverged) {
      source = "reused";
      ++sum_.runs_reused;
      if (rec->status == RunStatus::Diverged)
        notes_.push_back("Run `" + pr.name + "` diverged (" + rec->message + "); its trajectory up to then is used.");
    } else {
      resume_rl(exp_, pr.name, ro, pp);
      source = "resumed";
      ++sum_.runs_resumed;
    }
  }
  ExperimentDb db = ExperimentDb::open_read_only(exp_.db_path());
  const RunRecord run = *db.find_run(pr.name);
  Curve c = read_trajectory(db, run, pr.id, pr.role);
  const RlConfig& k = pr.config;
  report_runs_.push_back({pr.name, pr.role,
                          "anchor " + k.anchor + ", β " + format_grid_value(k.beta) +
                              (k.anchor == "ema" ? ", μ " + format_grid_value(k.mu) : "") + ", seed " +
                              std::to_string(k.seed) + ", prompt_seed " + std::to_string(k.prompt_seed),
                          to_string(run.status), source, run_wall_s(db, run)});
  return c;
}

std::string Replicator::ensure_merge(const MergeParams& params, const std::string& init_rel,
                                     const std::vector<std::string>& model_rels, const std::string& out_file,
                                     nlohmann::json* meta_out) {
  const std::string out_rel = rel_ckpt(out_file);
  const std::string out_abs = abs_path(exp_, out_rel);
  std::vector<std::string> inputs = {abs_path(exp_, init_rel)};
  for (const auto& r : model_rels) inputs.push_back(abs_path(exp_, r));
  if (is_regular_file(out_abs)) {
    bool same = false;
    nlohmann::json meta;
    try {
      CheckpointReader reader(out_abs);
      meta = reader.header().meta;
      nlohmann::json parameters = params.to_json();
      parameters.erase("method");
      if (meta.is_object() && meta.value("method", "") == merge_method_name(params.method) &&
          meta.value("parameters", nlohmann::json()) == parameters && meta.contains("inputs") &&
          meta["inputs"].is_array() && meta["inputs"].size() == inputs.size()) {
        same = true;
        for (size_t k = 0; k < inputs.size(); ++k)
          same = same && meta["inputs"][k].value("sha256", "") == sha(inputs[k]);
      }
    } catch (const BadInput&) {
      same = false;  // unreadable: merged again below
    }
    if (same) {
      ++sum_.merges_reused;
      if (meta_out) *meta_out = meta;
      return out_rel;
    }
  }
  MergeSpec spec;
  spec.params = params;
  spec.init_path = inputs[0];
  spec.model_paths.assign(inputs.begin() + 1, inputs.end());
  spec.out_path = out_abs;
  const MergeSummary s = merge_checkpoints(spec, prefixed(progress_, out_file + ":"));
  sha_.erase(out_abs);
  ++sum_.merges_written;
  if (meta_out) *meta_out = s.meta;
  return out_rel;
}

MeasuredPoint Replicator::evaluate(const std::string& rel, const std::string& label, double param,
                                   const std::string& lineage) {
  const std::string abs = abs_path(exp_, rel);
  const EvalResult r = evaluate_checkpoint(exp_, abs, plan_.eval, prefixed(progress_, rel + ":"));
  ++sum_.evaluations;
  if (r.cached) ++sum_.evaluations_cached;
  MeasuredPoint p;
  p.label = label;
  p.param = param;
  p.point = r.point;
  p.checkpoint = rel;
  p.sha256 = sha(abs);
  p.lineage = lineage;
  p.values = r.values;
  return p;
}

void Replicator::ensure_warp() {
  const std::string& name = plan_.warp.name;
  step("WARP driver " + name);
  std::optional<RunRecord> rec;
  {
    ExperimentDb db = ExperimentDb::open(exp_.db_path());
    rec = db.find_run(name);
  }
  WarpDriverOptions wo;
  wo.warp_executable = options_.warp_executable;
  const ProgressFn pp = prefixed(progress_, name + ":");
  std::string source;
  make_dirs(exp_.dir() + "/logs");  // the workers' logs (the driver writes there)
  if (!rec) {
    run_warp(exp_, plan_.warp, plan_.base, wo, pp);
    source = "trained now";
    ++sum_.runs_trained;
  } else if (rec->kind != "warp") {
    throw BadInput("replicate: the run name '" + name + "' is taken by a " + rec->kind + " run");
  } else if (rec->status == RunStatus::Finished) {
    source = "reused";
    ++sum_.runs_reused;
  } else {
    resume_warp(exp_, name, wo, pp);
    source = "resumed";
    ++sum_.runs_resumed;
  }
  const WarpResult w = read_warp(exp_, name);
  if (static_cast<int64_t>(w.iterations.size()) < w.config.iterations)
    notes_.push_back("The WARP driver run `" + name + "` has " + std::to_string(w.iterations.size()) + " of " +
                     std::to_string(w.config.iterations) + " iterations (status " + to_string(w.status) + ").");
  ExperimentDb db = ExperimentDb::open_read_only(exp_.db_path());
  const RunRecord drv = *db.find_run(name);
  if (protocol_sha256_.empty()) protocol_sha256_ = eval_protocol(exp_, plan_.eval).second;
  double workers_wall = 0;
  for (const auto& it : w.iterations) {
    Curve front;
    front.id = "warp-i" + std::to_string(it.iteration);
    front.name = "WARP iteration " + std::to_string(it.iteration);
    front.kind = "warp";
    for (const auto& fp : it.front) {
      MeasuredPoint p;
      p.label = "η=" + format_grid_value(fp.eta);
      p.param = fp.eta;
      p.point = fp.point;
      p.checkpoint = fp.checkpoint;
      p.sha256 = fp.sha256;
      p.lineage = "WARP iteration " + std::to_string(it.iteration) + ": LITI η=" + format_grid_value(fp.eta) +
                  " from " + it.init + " towards " + it.slerp;
      // The driver evaluated it under the same protocol (the cache holds its per-prompt values); a
      // point cached without them is evaluated again (the same point, now with values).
      if (auto v = EvalCache(db).find_values(fp.sha256, protocol_sha256_)) p.values = std::move(*v);
      else p.values = evaluate(fp.checkpoint, p.label, p.param, p.lineage).values;
      front.points.push_back(p);
    }
    m_.warp_fronts.push_back(front);
    m_.warp_omega_deg.push_back(it.mean_omega_deg);
    std::vector<Curve> workers;
    for (size_t k = 0; k < it.runs.size(); ++k) {
      auto wr = db.find_run(it.runs[k]);
      if (!wr) continue;
      workers.push_back(
          read_trajectory(db, *wr, "warp-i" + std::to_string(it.iteration) + "-r" + std::to_string(k + 1),
                          "WARP iteration " + std::to_string(it.iteration) + " run " + std::to_string(k + 1)));
      const double ws = run_wall_s(db, *wr);
      workers_wall += ws;
      report_runs_.push_back({wr->name,
                              "WARP iteration " + std::to_string(it.iteration) + ", run " + std::to_string(k + 1),
                              "anchor ema, from " + it.init, to_string(wr->status), source, ws});
    }
    m_.warp_workers.push_back(workers);
  }
  const double drv_wall = drv.started_at && drv.ended_at ? *drv.ended_at - *drv.started_at : 0.0;
  report_runs_.push_back(
      {name, "WARP driver (I=" + std::to_string(w.config.iterations) + ", M=" + std::to_string(w.config.runs) + ")",
       "λ " + format_grid_value(w.config.lambda) + ", η " + format_grid_value(w.config.eta) + ", workers' wall time " +
           format_grid_value(workers_wall) + " s",
       to_string(drv.status), source, drv_wall});
}

void Replicator::ensure_warm() {
  step("WARM reward models " + plan_.warm_name);
  const RmResult rm = run_rm(exp_, plan_.warm_rm, plan_.warm_name, prefixed(progress_, plan_.warm_name + ":"));
  if (rm.already_done && rm.settings_differ)
    throw BadInput("replicate: the reward-model run '" + plan_.warm_name +
                   "' exists with other settings; remove it or replicate into another experiment");
  if (rm.already_done) ++sum_.runs_reused;
  else ++sum_.runs_trained;
  {
    ExperimentDb db = ExperimentDb::open_read_only(exp_.db_path());
    const RunRecord run = *db.find_run(plan_.warm_name);
    double wall = 0;
    for (int64_t k = 1; k <= plan_.warm_rm.ensemble; ++k)
      if (auto m = db.find_run(plan_.warm_name + "-m" + std::to_string(k))) wall += run_wall_s(db, *m);
    report_runs_.push_back(
        {plan_.warm_name, "WARM: " + std::to_string(plan_.warm_rm.ensemble) + " reward models, weight-averaged",
         "rm steps " + std::to_string(plan_.warm_rm.steps) + ", pairs " + std::to_string(plan_.warm_rm.pairs) +
             ", seed " + std::to_string(plan_.warm_rm.seed) + "; members " + plan_.warm_name + "-m1.." +
             std::to_string(plan_.warm_rm.ensemble) + " (batch orders from seed domain rm_membr)",
         to_string(run.status), rm.already_done ? "reused" : "trained now", wall});
  }
  m_.warm_members = plan_.warm_rm.ensemble;
  m_.warm_single = ensure_run(plan_.warm_runs.at(0));
  m_.warm_average = ensure_run(plan_.warm_runs.at(1));
}

int64_t count_params(const GPTConfig& c) {
  int64_t n = 0;
  for (const auto& s : gpt_param_specs(c)) {
    int64_t k = 1;
    for (int64_t d : s.shape) k *= d;
    n += k;
  }
  return n;
}

std::vector<std::pair<std::string, std::string>> Replicator::setup_rows(double wall_s) const {
  std::vector<std::pair<std::string, std::string>> rows;
  const RlConfig& b = plan_.base;
  const ReplicateScale& s = plan_.scale;
  auto grid = [](const std::vector<double>& g) {
    std::string out;
    for (double v : g) out += (out.empty() ? "" : ", ") + format_grid_value(v);
    return out;
  };
  // The folder's name only: the report is shared (docs/replication-demo/), the machine's paths are not.
  std::filesystem::path exp_dir = std::filesystem::path(exp_.dir()).lexically_normal();
  if (exp_dir.filename().empty()) exp_dir = exp_dir.parent_path();  // "dir/" → "dir"
  rows.emplace_back("Experiment", "`" + exp_dir.filename().string() + "` (the folder given with --exp)");
  rows.emplace_back("Preset", exp_.config().value("preset", std::string("?")));
  try {
    const GPTConfig mc = GPTConfig::from_json(exp_.config().at("model"), exp_.config_path());
    rows.emplace_back("Policy model", "GPT-2 architecture, " + std::to_string(mc.n_layer) + " layers, " +
                                          std::to_string(mc.n_head) + " heads, width " + std::to_string(mc.n_embd) +
                                          ", vocabulary " + std::to_string(mc.vocab_size) + ", context " +
                                          std::to_string(mc.n_ctx) + " (" + std::to_string(count_params(mc)) +
                                          " parameters)");
  } catch (const std::exception&) {}
  rows.emplace_back("Scale", s.name);
  rows.emplace_back("Reward r (optimized)", b.reward + (m_.reward_is_gold ? " (the gold reward itself)" : ""));
  rows.emplace_back("Gold reward (logged)", "AFINN-165 lexicon sentiment of the completion");
  rows.emplace_back("RL steps T per run", std::to_string(b.steps));
  rows.emplace_back("Batch (prompts per step)",
                    std::to_string(b.batch) + " × " + std::to_string(b.samples_per_prompt) + " completion(s)");
  rows.emplace_back("Learning rate, warmup", format_grid_value(b.lr) + ", " + std::to_string(b.warmup) + " steps");
  rows.emplace_back("EMA anchor β, μ", format_grid_value(b.beta) + ", " + format_grid_value(b.mu));
  rows.emplace_back("SFT-anchor baselines β", grid(s.sft_betas));
  rows.emplace_back("Temperature τ, max new tokens (RL)",
                    format_grid_value(b.temperature) + ", " + std::to_string(b.max_new_tokens));
  rows.emplace_back("Evaluation", std::to_string(plan_.eval.max_prompts) + " prompts (0: all), seed " +
                                      std::to_string(plan_.eval.seed) + ", max new tokens " +
                                      std::to_string(plan_.eval.max_new_tokens) + ", every " +
                                      std::to_string(b.eval_every) + " steps");
  rows.emplace_back(
      "KL(π‖π_sft) measured as",
      "at the evaluation temperature τ=" + format_grid_value(plan_.eval.temperature) +
          ": per completion, the exact per-token sum Σ_t Σ_v π(v)·(log π(v) − log π_sft(v)) over the "
          "completion's tokens (EOS included when emitted), completions sampled from π; averaged over the "
          "evaluation prompts (the sampled estimate Σ_t log π(y_t)/π_sft(y_t) is in points.csv)");
  rows.emplace_back("Standard errors",
                    "verdicts: paired over prompts (every point uses the same prompts and per-prompt seeds): se = "
                    "sd(d_i)/√n of the per-prompt differences d_i, fronts compared at matched KL by interpolating "
                    "each front's per-prompt values between its two neighbouring points (weights from the mean KLs); "
                    "beside it the unpaired figure (independent points; root mean square for fronts)");
  if (!plan_.warm_name.empty())
    rows.emplace_back("WARM check", std::to_string(plan_.warm_rm.ensemble) + " reward models (" + plan_.warm_name +
                                        "), " + std::to_string(plan_.warm_rm.steps) + " steps, " +
                                        std::to_string(plan_.warm_rm.pairs) + " pairs each; RL as EMA run 1");
  std::string seeds;
  for (const auto& r : plan_.ema_runs)
    seeds += (seeds.empty() ? "" : "; ") + std::to_string(r.config.seed) + "/" + std::to_string(r.config.prompt_seed);
  rows.emplace_back("EMA runs (seed/prompt_seed)", seeds);
  rows.emplace_back("λ grid (Figure 3(c))", grid(plan_.lambda_grid));
  rows.emplace_back("η grid (LITI)", grid(plan_.eta_grid));
  rows.emplace_back("SLERP λ of the M=2 front", format_grid_value(plan_.lambda));
  rows.emplace_back("Iterative WARP", "I = " + std::to_string(plan_.warp.iterations) +
                                          ", M = " + std::to_string(plan_.warp.runs) +
                                          ", next init at η = " + format_grid_value(plan_.warp.eta));
  rows.emplace_back("Threads", options_.threads > 0 ? std::to_string(options_.threads) : "LibTorch default");
  double rl_wall = 0;
  for (const auto& r : report_runs_)
    if (r.role.rfind("WARP driver", 0) != 0) rl_wall += r.wall_s;
  rows.emplace_back("RL wall time (sum over runs)", format_fixed(rl_wall, 1) + " s");
  rows.emplace_back("This invocation's wall time",
                    format_fixed(wall_s, 1) + " s (" + std::to_string(sum_.runs_trained) + " runs trained, " +
                        std::to_string(sum_.runs_resumed) + " resumed, " + std::to_string(sum_.runs_reused) +
                        " reused; " + std::to_string(sum_.evaluations - sum_.evaluations_cached) + " evaluations, " +
                        std::to_string(sum_.evaluations_cached) + " from the cache)");
  return rows;
}

ReplicateSummary Replicator::run() {
  const auto t0 = Clock::now();
  if (options_.out_dir.empty()) throw BadInput("replicate: --out (the report folder) is required");
  if (options_.warp_executable.empty())
    throw BadInput("replicate: the warp executable (which starts the WARP driver's workers) is not known");
  if (options_.threads < 0)
    throw BadInput("replicate: --threads must be >= 0, got " + std::to_string(options_.threads));
  plan_ = plan_replication(exp_, replicate_scale(options_.scale), options_.threads);
  if (!is_regular_file(abs_path(exp_, sft_rel_)))
    throw BadInput("replicate: " + abs_path(exp_, sft_rel_) + " is missing (run warp sft first)");
  const int64_t n_ema = static_cast<int64_t>(plan_.ema_runs.size());
  total_stages_ =
      static_cast<int64_t>(plan_.sft_runs.size()) + n_ema + 1 + (n_ema - 1) + 2;  // runs, λ, fronts, WARP, report
  if (!plan_.warm_name.empty()) total_stages_ += 1 + static_cast<int64_t>(plan_.warm_runs.size());  // RMs, RL runs
  m_.reward_is_gold = plan_.base.reward == "gold";

  // Figure 3(a,b) and the EMA runs.
  for (const auto& r : plan_.sft_runs) m_.sft_anchor.push_back(ensure_run(r));
  m_.sft_betas = plan_.scale.sft_betas;
  for (const auto& r : plan_.ema_runs) m_.ema_runs.push_back(ensure_run(r));
  m_.ema = m_.ema_runs.front();
  m_.ema.name = "EMA anchor (β=" + format_grid_value(plan_.base.beta) + ", μ=" + format_grid_value(plan_.base.mu) + ")";
  std::vector<std::string> finals;
  for (const auto& r : plan_.ema_runs) finals.push_back(rel_ckpt(r.name + ".h5"));

  // Figure 3(c): SLERP vs LERP of EMA runs 1 and 2 along λ.
  step("SLERP vs LERP along λ");
  const std::string pair_desc = plan_.ema_runs[0].name + ", " + plan_.ema_runs[1].name;
  m_.slerp_lambda = {"slerp-lambda", "SLERP", "slerp", {}};
  m_.lerp_lambda = {"lerp-lambda", "LERP", "lerp", {}};
  for (double lam : plan_.lambda_grid) {
    const std::string tag = format_grid_value(lam);
    const std::string label = "λ=" + tag;
    if (lam == 0.0 || lam == 1.0) {
      const size_t k = lam == 0.0 ? 0 : 1;
      const MeasuredPoint p = evaluate(finals[k], label, lam, "final policy of " + plan_.ema_runs[k].name);
      m_.slerp_lambda.points.push_back(p);
      m_.lerp_lambda.points.push_back(p);
      continue;
    }
    for (MergeMethod method : {MergeMethod::Slerp, MergeMethod::Lerp}) {
      MergeParams mp;
      mp.method = method;
      mp.lambda = lam;
      const std::string mname = merge_method_name(method);
      const std::string rel =
          ensure_merge(mp, sft_rel_, {finals[0], finals[1]}, plan_.prefix + "-" + mname + "-l" + tag + ".h5");
      const MeasuredPoint p = evaluate(rel, label, lam, mname + " λ=" + tag + " of " + pair_desc + " from sft.h5");
      (method == MergeMethod::Slerp ? m_.slerp_lambda : m_.lerp_lambda).points.push_back(p);
    }
  }

  // Figure 4(a,b): LITI fronts of the SLERP of the first M EMA runs.
  for (int64_t M = 2; M <= n_ema; ++M) {
    step("LITI front M=" + std::to_string(M));
    MergeParams sp;
    sp.method = MergeMethod::Slerp;
    sp.lambda = M == 2 ? plan_.lambda : 0.5;
    const std::string slerp_file = M == 2 ? plan_.prefix + "-slerp-l" + format_grid_value(plan_.lambda) + ".h5"
                                          : plan_.prefix + "-slerp-m" + std::to_string(M) + ".h5";
    nlohmann::json meta;
    const std::vector<std::string> models(finals.begin(), finals.begin() + M);
    const std::string slerp_rel = ensure_merge(sp, sft_rel_, models, slerp_file, &meta);
    if (M == 2 && meta.is_object() && meta.contains("tensors")) {
      std::vector<TensorMergeRecord> records;  // name, numel, first two δ norms and the first angle
      for (const auto& t : meta["tensors"]) {
        const auto& om = t.value("omega_deg", nlohmann::json::array());
        m_.omega_deg.push_back(om.is_array() && !om.empty() && om[0].is_number() ? om[0].get<double>() : std::nan(""));
        const auto& dn = t.value("delta_norms", nlohmann::json::array());
        if (!dn.is_array() || dn.size() < 2 || !dn[0].is_number() || !dn[1].is_number()) continue;
        TensorMergeRecord rec;
        rec.name = t.value("name", std::string());
        rec.numel = t.value("numel", int64_t{0});
        rec.delta_norms = {dn[0].get<double>(), dn[1].get<double>()};
        rec.omega_deg = {m_.omega_deg.back()};
        records.push_back(std::move(rec));
      }
      // Ω per layer from the same records (merge/merger.h layer_angles): the angle a layer SLERP takes.
      for (const auto& g : layer_angles(records)) m_.omega_layer_deg.push_back(g.omega_deg[0]);
    }
    std::string runs_desc;
    for (int64_t k = 0; k < M; ++k) runs_desc += (k ? ", " : "") + plan_.ema_runs[static_cast<size_t>(k)].name;
    const std::string slerp_desc =
        "slerp" + (M == 2 ? " λ=" + format_grid_value(plan_.lambda) : std::string(" (fold)")) + " of " + runs_desc;
    Curve front{"liti-m" + std::to_string(M), "LITI, M=" + std::to_string(M), "liti", {}};
    for (double eta : plan_.eta_grid) {
      const std::string tag = format_grid_value(eta);
      std::string rel;
      if (eta == 0.0) {
        rel = sft_rel_;
      } else if (eta == 1.0) {
        rel = slerp_rel;
      } else {
        MergeParams lp;
        lp.method = MergeMethod::Liti;
        lp.eta = eta;
        rel =
            ensure_merge(lp, sft_rel_, {slerp_rel}, plan_.prefix + "-liti-m" + std::to_string(M) + "-e" + tag + ".h5");
      }
      front.points.push_back(evaluate(rel, "η=" + tag, eta, "LITI η=" + tag + " from sft.h5 towards " + slerp_desc));
    }
    m_.liti_m.push_back(static_cast<int>(M));
    m_.liti_fronts.push_back(front);
  }

  // Figure 4(c): iterative WARP.
  ensure_warp();

  // The WARM check.
  if (!plan_.warm_name.empty()) ensure_warm();

  // Observations, figures, report.
  step("report");
  m_.sft_betas = plan_.scale.sft_betas;
  sum_.observations = evaluate_observations(m_);
  if (!plan_.warm_name.empty()) sum_.observations.push_back(observation_warm(m_));
  make_dirs(options_.out_dir);
  const std::string fig_dir = options_.out_dir + "/figures";
  make_dirs(fig_dir);
  sum_.figures_dir = fig_dir;
  FigureData fig;
  fig.measured = m_;
  fig.beta = plan_.base.beta;
  fig.mu = plan_.base.mu;
  fig.eval_every = plan_.scale.eval_every;
  fig.lambda = plan_.lambda;
  fig.warp_eta = plan_.warp.eta;
  WrittenFigures written = write_figures(fig, fig_dir);
  const std::vector<ReportFigure>& figures = written.figures;
  sum_.figure_files = std::move(written.files);
  const RenderResult rendered =
      render_figures(figures, fig_dir, options_.plot_executable, options_.warp_executable, options_.render);
  sum_.figures_rendered = rendered.rendered;
  sum_.render_note = rendered.note;

  std::vector<Curve> all = m_.sft_anchor;
  all.insert(all.end(), m_.ema_runs.begin(), m_.ema_runs.end());
  all.push_back(m_.slerp_lambda);
  all.push_back(m_.lerp_lambda);
  all.insert(all.end(), m_.liti_fronts.begin(), m_.liti_fronts.end());
  all.insert(all.end(), m_.warp_fronts.begin(), m_.warp_fronts.end());
  for (const auto& ws : m_.warp_workers) all.insert(all.end(), ws.begin(), ws.end());
  if (!m_.warm_single.points.empty()) {
    all.push_back(m_.warm_single);
    all.push_back(m_.warm_average);
  }
  sum_.points_csv = options_.out_dir + "/points.csv";
  write_points_csv(sum_.points_csv, all);

  std::vector<Curve> hacking_curves = m_.liti_fronts;
  hacking_curves.insert(hacking_curves.end(), m_.warp_fronts.begin(), m_.warp_fronts.end());
  hacking_curves.insert(hacking_curves.end(), m_.ema_runs.begin(), m_.ema_runs.end());
  hacking_curves.insert(hacking_curves.end(), m_.sft_anchor.begin(), m_.sft_anchor.end());

  ReportInputs in;
  in.title = "WARP replication report (" + plan_.scale.name + " scale)";
  in.runs = report_runs_;
  in.figures = figures;
  in.figures_rendered = sum_.figures_rendered;
  in.render_note = sum_.render_note;
  in.observations = sum_.observations;
  in.hacking = summarize_hacking(hacking_curves, m_.reward_is_gold);
  in.notes = notes_;
  sum_.wall_s = seconds_since(t0);
  in.setup = setup_rows(sum_.wall_s);
  sum_.report_path = options_.out_dir + "/report.md";
  write_report(sum_.report_path, in);
  return sum_;
}

}  // namespace

ReplicatePlan plan_replication(const Experiment& exp, const ReplicateScale& scale, int threads) {
  scale.validate();
  ReplicatePlan p;
  p.scale = scale;
  p.prefix = "rep-" + scale.name;
  RlConfig base = rl_config_for(exp);
  base.init.clear();
  base.steps = scale.steps;
  base.batch = scale.batch;
  base.eval_every = scale.eval_every;
  base.eval_prompts = scale.eval_prompts;
  base.ckpt_every = scale.ckpt_every;
  base.threads = threads;
  if (base.reward.empty()) base.reward = default_reward_spec(exp);
  base.validate();
  p.base = base;
  for (double beta : scale.sft_betas) {
    PlannedRun r;
    r.id = "sft-b" + format_grid_value(beta);
    r.name = p.prefix + "-" + r.id;
    r.role = "SFT anchor β=" + format_grid_value(beta);
    r.config = base;
    r.config.anchor = "sft";
    r.config.beta = beta;
    validate_run_name(r.name);
    p.sft_runs.push_back(r);
  }
  for (int64_t k = 1; k <= scale.ema_runs; ++k) {
    PlannedRun r;
    r.id = "ema-" + std::to_string(k);
    r.name = p.prefix + "-" + r.id;
    r.role = "EMA anchor #" + std::to_string(k);
    r.config = base;
    r.config.anchor = "ema";
    r.config.seed = base.seed + static_cast<uint64_t>(k - 1);
    r.config.prompt_seed = base.prompt_seed + static_cast<uint64_t>(k - 1);
    validate_run_name(r.name);
    p.ema_runs.push_back(r);
  }
  WarpConfig w = warp_config_for(exp);
  w.name = p.prefix + "-warp";
  w.init.clear();
  w.iterations = scale.iterations;
  w.runs = 2;
  w.steps = scale.steps;
  if (!scale.eta_grid.empty()) w.eta_grid = scale.eta_grid;
  w.parallel = 0;
  w.threads = threads > 0 ? std::max(1, threads / 2) : 0;
  w.validate();
  p.warp = w;
  p.lambda = w.lambda;
  p.lambda_grid = scale.lambda_grid;
  p.eta_grid = w.eta_grid;
  if (scale.warm_members > 0) {
    p.warm_name = p.prefix + "-warm";
    nlohmann::json rj = exp.config().value("rm", nlohmann::json::object());
    if (!rj.is_object()) throw BadInput(exp.config_path() + ": \"rm\" must be an object");
    for (const auto& [k, v] : scale.warm_rm.items()) rj[k] = v;
    rj["ensemble"] = scale.warm_members;
    if (threads > 0) rj["threads"] = threads;
    rj["device"] = base.device;
    p.warm_rm =
        RmConfig::from_json(rj, exp.config_path() + " (\"rm\" with the " + scale.name + " scale's WARM settings)");
    const std::pair<const char*, std::string> runs[] = {{"warm-single", "rm:checkpoints/" + p.warm_name + "-m1.h5"},
                                                        {"warm-average", "rm:checkpoints/" + p.warm_name + ".h5"}};
    for (const auto& [id, reward] : runs) {
      PlannedRun r;
      r.id = id;
      r.name = p.prefix + "-" + r.id;
      r.role = std::string(id) == "warm-single"
                   ? "WARM check: one reward model (member 1)"
                   : "WARM check: weight average of " + std::to_string(scale.warm_members) + " reward models";
      r.config = p.ema_runs.front().config;
      r.config.reward = reward;
      validate_run_name(r.name);
      p.warm_runs.push_back(r);
    }
    validate_run_name(p.warm_name);
  }
  EvalConfig ec = eval_config_for(exp);
  if (scale.eval_prompts > 0) ec.max_prompts = scale.eval_prompts;
  ec.reward = base.reward;
  ec.device = base.device;
  ec.threads = threads;
  ec.validate();
  p.eval = ec;
  return p;
}

ReplicateSummary replicate(const Experiment& exp, const ReplicateOptions& options, const ProgressFn& progress) {
  Replicator r(exp, options, progress);
  return r.run();
}

}  // namespace warp
