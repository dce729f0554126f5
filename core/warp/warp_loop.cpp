// The Algorithm 1 loop of `warp run` (warp_loop.h): iterations, SLERP, LITI fronts, evaluation,
// the output front, metrics.
#include "warp/warp_loop.h"

#include <chrono>

#include "db/experiment_db.h"
#include "db/metric_keys.h"
#include "eval/eval_cache.h"
#include "eval/evaluate.h"
#include "merge/merger.h"
#include "util/error.h"
#include "util/format.h"
#include "util/fsutil.h"
#include "util/sha256.h"
#include "warp/worker_pool.h"

namespace warp {

namespace {

constexpr double kHeartbeatSeconds = 2.0;

// One run of the driver (new or resumed): the state every stage shares.
class Driver {
 public:
  Driver(const Experiment& exp, StoredWarpRun stored, int64_t run_id, const WarpDriverOptions& options,
         const ProgressFn& progress)
      : exp_(exp),
        wc_(std::move(stored.warp)),
        rl_(std::move(stored.rl)),
        ec_(std::move(stored.eval)),
        protocol_sha_(std::move(stored.protocol_sha256)),
        options_(options),
        progress_(progress),
        db_(ExperimentDb::open(exp.db_path())),
        run_id_(run_id),
        pool_(exp_, db_, run_id_, wc_, rl_, options_,
              {[this] { beat(); }, [this](const ProgressInfo& info) { return keep_going(info); }}) {
    result_.name = wc_.name;
    result_.config = wc_;
  }
  Driver(const Driver&) = delete;  // the pool's callbacks hold `this`
  Driver& operator=(const Driver&) = delete;

  WarpResult run() {
    try {
      std::string init = wc_.init.empty() ? std::string("checkpoints/sft.h5") : wc_.init;
      for (iteration_ = 1; iteration_ <= wc_.iterations; ++iteration_) {
        WarpIteration it;
        it.iteration = iteration_;
        it.init = init;
        for (int64_t m = 1; m <= wc_.runs; ++m) it.runs.push_back(warp_worker_name(wc_.name, iteration_, m));
        result_.iterations.push_back(it);
        WarpIteration& cur = result_.iterations.back();
        const std::string init_abs = abs_in_experiment(exp_, init);
        if (!is_regular_file(init_abs))
          throw BadInput("iteration " + std::to_string(iteration_) + ": the init checkpoint " + init_abs +
                         " is missing");
        const std::string init_sha = sha256_file(init_abs);

        stage_ = "train";
        pool_.train(iteration_, cur.runs, init);
        stage_ = "merge";
        const std::string slerp_sha = slerp(cur, init_abs, init_sha);
        const std::vector<double> etas = warp_eta_points(wc_);
        for (double eta : etas) {
          stage_ = "liti";
          FrontPoint fp = liti(cur, init_abs, init_sha, slerp_sha, eta);
          stage_ = "eval";
          fp.point = evaluate(fp.checkpoint, eta);
          cur.front.push_back(fp);
          if (warp_eta_tag(eta) == warp_eta_tag(wc_.eta)) cur.next_init = fp.checkpoint;
        }
        log_front(cur);
        init = cur.next_init;
      }
      stage_ = "output";
      output_front();
      const WarpIteration& last = result_.iterations.back();
      std::string msg = "done: " + std::to_string(wc_.iterations) + " iterations";
      for (const auto& fp : last.front)
        if (fp.checkpoint == last.next_init)
          msg += "; θ_init of the next iteration (η " + warp_eta_tag(fp.eta) + "): reward " +
                 format_fixed(fp.point.reward.mean, 4) + ", gold " + format_fixed(fp.point.gold.mean, 4) +
                 ", KL to SFT " + format_fixed(fp.point.kl_sft.mean, 4) + " (" + last.next_init + ")";
      db_.set_run_status(run_id_, RunStatus::Finished, msg);
      result_.status = RunStatus::Finished;
      result_.message = msg;
      return result_;
    } catch (const Cancelled&) {
      const std::string msg =
          "stopped in iteration " + std::to_string(iteration_) + " (" + stage_ + "); continue with warp run --resume";
      end(RunStatus::Killed, msg);
      throw;
    } catch (const std::exception& e) {
      end(RunStatus::Failed, e.what());
      throw;
    }
  }

 private:
  void end(RunStatus status, const std::string& msg) {
    result_.status = status;
    result_.message = msg;
    try {
      pool_.import_journals_now(true);
    } catch (const std::exception&) {
      // A corrupt journal: its error is the one on its way (or the next resume reports it).
    }
    try {
      db_.set_run_status(run_id_, status, msg);
    } catch (const std::exception&) {
      // The database is what failed; the exception on its way says why.
    }
  }

  void beat(bool force = false) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && std::chrono::duration<double>(now - last_beat_).count() < kHeartbeatSeconds) return;
    last_beat_ = now;
    db_.heartbeat(run_id_);
  }

  std::string where() const { return "iteration " + std::to_string(iteration_) + "/" + std::to_string(wc_.iterations); }

  // Progress of merges and evaluations: heartbeat, the iteration in the detail, the caller's cancel.
  ProgressFn stage_progress() {
    return [this](const ProgressInfo& info) {
      beat();
      if (!progress_) return true;
      ProgressInfo p = info;
      p.detail = where() + (info.detail.empty() ? "" : ": " + info.detail);
      return progress_(p);
    };
  }

  bool keep_going(const ProgressInfo& info) {
    beat();
    return !progress_ || progress_(info);
  }

  // ---- stages 2 and 3: SLERP, LITI

  nlohmann::json lineage_meta(const WarpIteration& it, const std::string& stage, const std::string& init_sha) const {
    return {{"iteration", it.iteration}, {"stage", stage},          {"runs", it.runs},
            {"init", it.init},           {"init_sha256", init_sha}, {"driver", wc_.name}};
  }

  // Whether the registered file at rel is still what was registered (its bytes) with these inputs.
  std::optional<nlohmann::json> still_valid(const std::string& rel, const std::string& init_sha,
                                            const std::string& slerp_sha) {
    const auto reg = registered_checkpoint(db_.list_checkpoints(run_id_), rel);
    if (!reg) return std::nullopt;
    const std::string path = abs_in_experiment(exp_, rel);
    if (!is_regular_file(path)) return std::nullopt;
    const auto& [rec, meta] = *reg;
    if (meta_string(meta, "init_sha256") != init_sha) return std::nullopt;
    if (!slerp_sha.empty() && meta_string(meta, "slerp_sha256") != slerp_sha) return std::nullopt;
    if (sha256_file(path) != rec.sha256) return std::nullopt;
    nlohmann::json out = meta;
    out["sha256"] = rec.sha256;
    return out;
  }

  // Whether a SLERP's meta records these parameters and, for model k, the SHA-256 of model_paths[k]
  // as it is now (a worker policy rewritten since the SLERP was written makes it stale).
  static bool same_slerp_inputs(const nlohmann::json& meta, const MergeParams& params,
                                const std::vector<std::string>& model_paths) {
    nlohmann::json want = params.to_json();
    want.erase("method");
    if (!meta.contains("parameters") || meta.at("parameters") != want) return false;
    if (!meta.contains("inputs") || !meta.at("inputs").is_array()) return false;
    size_t models = 0;
    for (const auto& in : meta.at("inputs")) {
      if (!in.is_object() || in.value("role", std::string()) != "model") continue;
      const auto index = in.contains("index") && in.at("index").is_number_unsigned() ? in.at("index").get<size_t>() : 0;
      if (index < 1 || index > model_paths.size() || !in.contains("sha256") || !in.at("sha256").is_string())
        return false;
      if (!is_regular_file(model_paths[index - 1]) ||
          sha256_file(model_paths[index - 1]) != in.at("sha256").get<std::string>())
        return false;
      ++models;
    }
    return models == model_paths.size();
  }

  std::string slerp(WarpIteration& it, const std::string& init_abs, const std::string& init_sha) {
    const std::string rel = warp_slerp_checkpoint(wc_.name, it.iteration);
    it.slerp = rel;
    MergeSpec spec;
    spec.params.method = MergeMethod::Slerp;
    spec.params.lambda = wc_.lambda;
    spec.params.granularity = parse_merge_granularity(wc_.granularity);
    spec.init_path = init_abs;
    for (const auto& r : it.runs) spec.model_paths.push_back(exp_.checkpoints_dir() + "/" + r + ".h5");
    spec.out_path = abs_in_experiment(exp_, rel);
    if (auto meta = still_valid(rel, init_sha, ""); meta && same_slerp_inputs(*meta, spec.params, spec.model_paths)) {
      it.mean_omega_deg = meta_double(*meta, "mean_omega_deg");
      last_slerp_sha_ = meta->at("sha256").get<std::string>();
      return last_slerp_sha_;
    }
    const MergeSummary sum = merge_checkpoints(spec, stage_progress());
    nlohmann::json meta = sum.meta;
    const nlohmann::json lineage = lineage_meta(it, "slerp", init_sha);
    for (const auto& [k, v] : lineage.items()) meta[k] = v;
    const std::string sha = sha256_file(spec.out_path);
    CheckpointSpec cs;
    cs.run_id = run_id_;
    cs.path = rel;
    cs.step = it.iteration;
    cs.sha256 = sha;
    cs.kind = "merge";
    cs.meta_json = meta.dump();
    db_.add_checkpoint(cs);
    it.mean_omega_deg = sum.mean_omega_deg;
    last_slerp_sha_ = sha;
    return sha;
  }

  // θ_η = (1 − η)·θ_init + η·θ_slerp of iteration `it`, written to `rel` (stage "liti"), or with
  // stage "output" the same toward θ_sft (init_abs / init_rel / init_sha then name θ_sft).
  FrontPoint liti(WarpIteration& it, const std::string& init_abs, const std::string& init_sha,
                  const std::string& slerp_sha, double eta, const std::string& stage = "liti",
                  const std::string& init_rel = "") {
    FrontPoint fp;
    fp.eta = eta;
    fp.checkpoint =
        stage == "output" ? warp_output_checkpoint(wc_.name, eta) : warp_liti_checkpoint(wc_.name, it.iteration, eta);
    if (auto meta = still_valid(fp.checkpoint, init_sha, slerp_sha)) {
      fp.sha256 = meta->at("sha256").get<std::string>();
      return fp;
    }
    MergeSpec spec;
    spec.params.method = MergeMethod::Liti;
    spec.params.eta = eta;
    spec.init_path = init_abs;
    spec.model_paths = {abs_in_experiment(exp_, it.slerp)};
    spec.out_path = abs_in_experiment(exp_, fp.checkpoint);
    const MergeSummary sum = merge_checkpoints(spec, stage_progress());
    nlohmann::json meta = lineage_meta(it, stage, init_sha);
    if (!init_rel.empty()) meta["init"] = init_rel;
    meta["eta"] = eta;
    meta["slerp"] = it.slerp;
    meta["slerp_sha256"] = slerp_sha;
    meta["method"] = sum.meta.at("method");
    meta["parameters"] = sum.meta.at("parameters");
    meta["inputs"] = sum.meta.at("inputs");
    fp.sha256 = sha256_file(spec.out_path);
    CheckpointSpec cs;
    cs.run_id = run_id_;
    cs.path = fp.checkpoint;
    cs.step = it.iteration;
    cs.sha256 = fp.sha256;
    cs.kind = "liti";
    cs.meta_json = meta.dump();
    db_.add_checkpoint(cs);
    return fp;
  }

  // ---- evaluation and metrics

  EvalPoint evaluate(const std::string& rel, double eta) {
    const EvalResult r = evaluate_checkpoint(exp_, abs_in_experiment(exp_, rel), ec_, stage_progress());
    if (r.protocol_sha256 != protocol_sha_)
      throw BadInput(where() +
                     ": the evaluation protocol changed since the driver run started (the SFT checkpoint, "
                     "the prompt file, the tokenizer or the reward model differ); its fronts would not be comparable");
    return r.point;
  }

  void log_front(const WarpIteration& it) {
    for (const auto& p : db_.read_metrics(run_id_, "warp/mean_omega_deg"))
      if (p.step == it.iteration) return;  // logged before a resume
    std::vector<MetricRow> rows = front_rows(FrontFamily::Iteration, it.iteration, it.front);
    // Last: its presence marks the batch as written (one transaction anyway).
    rows.emplace_back(it.iteration, "warp/mean_omega_deg", it.mean_omega_deg);
    db_.append_metrics(run_id_, rows);
    beat(true);
  }

  static std::vector<MetricRow> front_rows(FrontFamily family, int64_t step, const std::vector<FrontPoint>& front) {
    std::vector<MetricRow> rows;
    for (const auto& fp : front) {
      const auto key = [&](const char* field) { return front_metric_key(family, fp.eta, field); };
      rows.emplace_back(step, key("reward"), fp.point.reward.mean);
      rows.emplace_back(step, key("reward_se"), fp.point.reward.se);
      rows.emplace_back(step, key("gold"), fp.point.gold.mean);
      rows.emplace_back(step, key("gold_se"), fp.point.gold.se);
      rows.emplace_back(step, key("kl_sft"), fp.point.kl_sft.mean);
      rows.emplace_back(step, key("kl_sft_se"), fp.point.kl_sft.se);
      rows.emplace_back(step, key("length"), fp.point.length.mean);
    }
    return rows;
  }

  // ---- Algorithm 1's output: LITI of the last SLERP toward θ_sft

  void output_front() {
    WarpIteration& last = result_.iterations.back();
    const std::string sft_rel = "checkpoints/sft.h5";
    const std::string sft_abs = abs_in_experiment(exp_, sft_rel);
    if (!is_regular_file(sft_abs)) throw BadInput("output front: the SFT checkpoint " + sft_abs + " is missing");
    const std::string sft_sha = sha256_file(sft_abs);
    const bool from_sft = sha256_file(abs_in_experiment(exp_, last.init)) == sft_sha;
    result_.output_front.clear();
    for (double eta : warp_eta_points(wc_)) {
      if (from_sft) {
        // θ_init of the last iteration is θ_sft: its front is the output front, point for point.
        for (const auto& fp : last.front)
          if (warp_eta_tag(fp.eta) == warp_eta_tag(eta)) result_.output_front.push_back(fp);
        continue;
      }
      stage_ = "output";
      FrontPoint fp = liti(last, sft_abs, sft_sha, last_slerp_sha_, eta, "output", sft_rel);
      stage_ = "eval";
      fp.point = evaluate(fp.checkpoint, eta);
      result_.output_front.push_back(fp);
    }
    // Logged once (a resumed driver finds the rows of its last η).
    const auto done =
        db_.read_metrics(run_id_, front_metric_key(FrontFamily::Output, warp_eta_points(wc_).back(), "kl_sft"));
    for (const auto& p : done)
      if (p.step == last.iteration) return;
    db_.append_metrics(run_id_, front_rows(FrontFamily::Output, last.iteration, result_.output_front));
    beat(true);
  }

  const Experiment& exp_;
  WarpConfig wc_;
  RlConfig rl_;
  EvalConfig ec_;
  std::string protocol_sha_;
  const WarpDriverOptions& options_;  // for the pool
  const ProgressFn& progress_;
  ExperimentDb db_;
  int64_t run_id_;
  int64_t iteration_ = 0;
  std::string stage_ = "start";
  std::string last_slerp_sha_;  // SHA-256 of the current iteration's SLERP file
  std::chrono::steady_clock::time_point last_beat_ = std::chrono::steady_clock::now();
  WarpResult result_;
  WorkerPool pool_;  // after db_ and the settings it refers to
};

}  // namespace

WarpResult run_warp_loop(const Experiment& exp, StoredWarpRun stored, int64_t run_id, const WarpDriverOptions& options,
                         const ProgressFn& progress) {
  Driver driver(exp, std::move(stored), run_id, options, progress);
  return driver.run();
}

}  // namespace warp
