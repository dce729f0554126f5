// The entry points of the WARP driver (driver.h): start, continue or read a driver run. The
// Algorithm 1 loop is warp/warp_loop.h, its workers warp/worker_pool.h.
#include "warp/driver.h"

#include <map>

#include "db/experiment_db.h"
#include "db/liveness.h"
#include "db/metric_keys.h"
#include "eval/eval_cache.h"
#include "eval/eval_config.h"
#include "eval/evaluate.h"
#include "experiment/checkpoint_trust.h"
#include "model/device.h"
#include "reward/reward_spec.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/sha256.h"
#include "warp/driver_record.h"
#include "warp/warp_loop.h"

namespace warp {

namespace {

void check_options(const WarpDriverOptions& options) {
  const bool hooks = static_cast<bool>(options.launch);
  if (hooks != static_cast<bool>(options.poll) || hooks != static_cast<bool>(options.stop))
    throw BadInput("warp driver: the launch, poll and stop hooks go together (all three or none)");
  if (!hooks && options.warp_executable.empty())
    throw BadInput("warp driver: no warp executable to start the workers with");
  if (options.poll_interval_ms < 1 || options.stop_timeout_s < 0)
    throw BadInput("warp driver: poll_interval_ms must be >= 1 and stop_timeout_s >= 0");
}

// The run of `name` as a driver run (BadInput otherwise).
RunRecord find_driver(const ExperimentDb& db, const std::string& name, const std::string& what) {
  auto run = db.find_run(name);
  if (!run) throw BadInput(what + " '" + name + "': no such run in " + db.path());
  if (run->kind != kWarpDriverRunKind)
    throw BadInput(what + " '" + name + "': it is a " + run->kind + " run, not a WARP driver (warp) run");
  return *run;
}

}  // namespace

WarpConfig warp_config_for(const Experiment& exp) {
  return warp_config_from_experiment_json(exp.config(), exp.config_path());
}

// ---------------------------------------------------------------- claiming the driver's run
// One driver per run name (issue 14): the row is created or claimed in one transaction, so of two
// `warp run` (or `warp run --resume`) started together exactly one drives; the other is refused
// with the name of the run and of the process that holds it.
namespace {

void claim_driver_run(ExperimentDb& db, int64_t run_id) { db.claim_run(run_id); }

int64_t create_driver_run(ExperimentDb& db, const RunSpec& spec) {
  try {
    return db.create_run(spec);  // refuses a taken name inside its own transaction
  } catch (const BadInput&) {
    auto other = db.find_run(spec.name);
    if (!other || other->status != RunStatus::Running) throw;
    throw BadInput("cannot start run '" + spec.name + "': another warp run just started it (pid " +
                   std::to_string(other->pid.value_or(0)) + " on " + other->host + ")");
  }
}

}  // namespace

// ---------------------------------------------------------------- entry points

WarpResult run_warp(const Experiment& exp, const WarpConfig& config, const RlConfig& rl_in,
                    const WarpDriverOptions& options, const ProgressFn& progress) {
  check_options(options);
  config.validate();
  StoredWarpRun st;
  st.warp = config;
  st.rl = rl_in;
  if (config.steps > 0) st.rl.steps = config.steps;
  st.rl.init.clear();  // per iteration
  st.rl.device = config.device;
  st.rl.threads = 0;  // per worker (--threads)
  st.rl.reward = parse_reward_spec(st.rl.reward.empty() ? default_reward_spec(exp) : st.rl.reward).to_string();
  st.rl.validate();
  parse_device(config.device);  // refuse an unknown device or CUDA without one now
  const std::string init = config.init.empty() ? std::string("checkpoints/sft.h5") : config.init;
  const std::string init_abs = abs_in_experiment(exp, init);
  if (!is_regular_file(init_abs))
    throw BadInput("warp: init (--init): missing checkpoint " + init_abs +
                   (config.init.empty() ? " (run warp sft first)" : ""));
  check_checkpoint_input(exp, init_abs);
  st.eval = eval_config_for(exp);
  st.eval.reward = st.rl.reward;
  if (st.rl.eval_prompts > 0) st.eval.max_prompts = st.rl.eval_prompts;
  st.eval.device = config.device;
  st.eval.threads = 0;
  st.eval.validate();
  st.protocol_sha256 = eval_protocol(exp, st.eval).second;

  int64_t run_id = 0;
  enum class Existing { None, Finished, Unfinished } existing = Existing::None;
  {
    ExperimentDb db = ExperimentDb::open(exp.db_path());
    if (auto run = db.find_run(config.name)) {
      // The same command again (same WARP and RL settings, same evaluation protocol): like warp sft
      // and warp rm, a finished driver is reported and an unfinished one continued.
      if (run->kind == kWarpDriverRunKind) {
        const nlohmann::json stored = parse_json_object(run->config_json, "run '" + config.name + "' (stored config)");
        // (The stored WARP settings read as a config, so fields added since it was stored take their defaults.)
        WarpConfig stored_warp;
        try {
          stored_warp.update_from_json(stored.value("warp", nlohmann::json()),
                                       "run '" + config.name + "' (stored warp)");
        } catch (const BadInput&) {
          stored_warp.name.clear();  // unreadable: not the same settings
        }
        const bool same = stored_warp.to_json() == config.to_json() &&
                          stored.value("rl", nlohmann::json()) == st.rl.to_json() &&
                          stored.value("eval_protocol_sha256", std::string()) == st.protocol_sha256;
        if (same) existing = run->status == RunStatus::Finished ? Existing::Finished : Existing::Unfinished;
      }
      if (existing == Existing::None)
        throw BadInput("a run named '" + config.name + "' already exists (status " + to_string(run->status) +
                       ") with other settings; continue it with warp run --resume --name " + config.name +
                       " or choose another --name");
    }
  }
  if (existing == Existing::Finished) return read_warp(exp, config.name);
  if (existing == Existing::Unfinished) return resume_warp(exp, config.name, options, progress);
  {
    ExperimentDb db = ExperimentDb::open(exp.db_path());
    for (int64_t i = 1; i <= config.iterations; ++i)
      for (int64_t m = 1; m <= config.runs; ++m)
        if (auto w = db.find_run(warp_worker_name(config.name, i, m)))
          throw BadInput("a run named '" + w->name + "' (a worker name of driver run '" + config.name +
                         "') already exists; choose another --name");
    const std::string init_sha = sha256_file(init_abs);
    std::optional<int64_t> init_id;
    if (auto rec = db.find_checkpoint_by_sha256(init_sha)) {
      init_id = rec->id;
    } else {
      CheckpointSpec cs;
      const std::string root = exp.dir() + "/";
      cs.path = init_abs.rfind(root, 0) == 0 ? init_abs.substr(root.size()) : init_abs;
      cs.sha256 = init_sha;
      cs.kind = "import";
      init_id = db.add_checkpoint(cs);
    }
    const nlohmann::json cfg = {{"warp", config.to_json()},
                                {"rl", st.rl.to_json()},
                                {"eval", st.eval.to_json()},
                                {"eval_protocol_sha256", st.protocol_sha256}};
    RunSpec spec(config.name, kWarpDriverRunKind, cfg.dump());
    spec.status = RunStatus::Running;
    spec.init_checkpoint_id = init_id;
    run_id = create_driver_run(db, spec);
  }
  return run_warp_loop(exp, std::move(st), run_id, options, progress);
}

WarpResult resume_warp(const Experiment& exp, const std::string& name, const WarpDriverOptions& options,
                       const ProgressFn& progress) {
  check_options(options);
  int64_t run_id = 0;
  StoredWarpRun st;
  {
    ExperimentDb db = ExperimentDb::open(exp.db_path());
    const RunRecord run = find_driver(db, name, "cannot resume run");
    if (run.status == RunStatus::Finished) throw BadInput("cannot resume run '" + name + "': it has already finished");
    st = parse_stored_warp_run(run);
    const std::string now_sha = eval_protocol(exp, st.eval).second;
    if (now_sha != st.protocol_sha256)
      throw BadInput("cannot resume run '" + name +
                     "': the evaluation protocol changed since it started (the SFT "
                     "checkpoint, the prompt file, the tokenizer, the reward model or the experiment's eval settings "
                     "differ)");
    run_id = run.id;
    claim_driver_run(db, run_id);
  }
  return run_warp_loop(exp, std::move(st), run_id, options, progress);
}

WarpResult read_warp(const Experiment& exp, const std::string& name) {
  ExperimentDb db = ExperimentDb::open_read_only(exp.db_path());
  const RunRecord run = find_driver(db, name, "cannot read WARP run");
  const StoredWarpRun st = parse_stored_warp_run(run);
  WarpResult r;
  r.name = name;
  r.config = st.warp;
  r.status = effective_status(run, kDefaultStaleAfterSeconds, unix_now());
  r.message = run.message;
  const auto ckpts = db.list_checkpoints(run.id);
  EvalCache cache(db);
  std::map<int64_t, double> omegas;
  for (const auto& p : db.read_metrics(run.id, "warp/mean_omega_deg")) omegas[p.step] = p.value;
  std::string init = st.warp.init.empty() ? std::string("checkpoints/sft.h5") : st.warp.init;
  for (int64_t i = 1; i <= st.warp.iterations; ++i) {
    WarpIteration it;
    it.iteration = i;
    it.init = init;
    bool started = false;
    for (int64_t m = 1; m <= st.warp.runs; ++m) {
      it.runs.push_back(warp_worker_name(name, i, m));
      started = started || db.find_run(it.runs.back()).has_value();
    }
    if (!started) break;
    const std::string slerp_rel = warp_slerp_checkpoint(name, i);
    if (auto reg = registered_checkpoint(ckpts, slerp_rel)) {
      it.slerp = slerp_rel;
      it.mean_omega_deg = meta_double(reg->second, "mean_omega_deg");
    }
    if (omegas.count(i)) it.mean_omega_deg = omegas[i];
    for (double eta : warp_eta_points(st.warp)) {
      const std::string rel = warp_liti_checkpoint(name, i, eta);
      auto reg = registered_checkpoint(ckpts, rel);
      if (!reg) continue;
      if (warp_eta_tag(eta) == warp_eta_tag(st.warp.eta)) it.next_init = rel;
      if (auto fp = evaluated_point(cache, st.protocol_sha256, reg->first, rel, eta)) it.front.push_back(*fp);
    }
    r.iterations.push_back(it);
    if (it.next_init.empty()) break;
    init = it.next_init;
  }
  // The output front: the files of stage "output", or the last iteration's front when it started from θ_sft.
  if (static_cast<int64_t>(r.iterations.size()) == st.warp.iterations && !r.iterations.back().slerp.empty()) {
    const WarpIteration& last = r.iterations.back();
    for (double eta : warp_eta_points(st.warp)) {
      const std::string rel = warp_output_checkpoint(name, eta);
      if (auto reg = registered_checkpoint(ckpts, rel)) {
        if (auto fp = evaluated_point(cache, st.protocol_sha256, reg->first, rel, eta)) r.output_front.push_back(*fp);
        continue;
      }
      // No output file: the driver reused the last front (θ_init of iteration I was θ_sft) once
      // its output rows are logged.
      const auto rows = db.read_metrics(run.id, front_metric_key(FrontFamily::Output, eta, "kl_sft"));
      if (rows.empty()) continue;
      for (const auto& fp : last.front)
        if (warp_eta_tag(fp.eta) == warp_eta_tag(eta)) r.output_front.push_back(fp);
    }
  }
  return r;
}

}  // namespace warp