#include "rl/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "data/prompts.h"
#include "db/experiment_db.h"
#include "db/journal.h"
#include "db/run_name.h"
#include "eval/eval_cache.h"
#include "eval/eval_config.h"
#include "eval/evaluate.h"
#include "experiment/checkpoint_trust.h"
#include "experiment/task_data.h"
#include "model/device.h"
#include "reward/reward_spec.h"
#include "reward/task_tokens.h"
#include "rl/prompt_order.h"
#include "rl/rl_step.h"
#include "store/checkpoint_h5.h"
#include "store/gpt_checkpoint.h"
#include "tokenizer/bpe.h"
#include "train/adamw.h"
#include "train/lr_schedule.h"
#include "train/run_log.h"
#include "util/error.h"
#include "util/format.h"
#include "util/fsutil.h"
#include "util/json_read.h"
#include "util/seeds.h"
#include "util/sha256.h"

namespace warp {

namespace {

constexpr const char* kRunKind = "train";

// Path as the user wrote it -> a file: absolute as is; relative to the experiment folder.
std::string resolve_in_experiment(const Experiment& exp, const std::string& path) {
  return !path.empty() && path[0] == '/' ? path : exp.dir() + "/" + path;
}

std::string require_file(const std::string& path, const std::string& what) {
  if (!is_regular_file(path)) throw BadInput("missing " + what + ": " + path);
  return path;
}

GPT clone_model(GPT& src, torch::Device device) {
  GPT out(src->config());
  out->to(device);
  copy_named_params(named_params(*out), named_params(*src), "clone");
  out->eval();
  return out;
}

struct StateFile {
  int64_t step = 0;
  double elapsed_s = 0;
};

void save_state(const std::string& path, const GPTConfig& mc, const RlConfig& c, const std::string& name,
                RlStep& stepper, const AdamW& opt, int64_t step, double elapsed_s) {
  CheckpointData data;
  data.header.kind = "rl-resume";
  data.header.step = step;
  data.header.config = {{"model", mc.to_json()}, {"rl", c.to_json()}, {"run", name}};
  data.params = stepper.policy_params();
  for (const auto& [pname, t] : stepper.anchor_params()) data.state.emplace_back("anchor." + pname, t);
  for (auto& entry : opt.state()) data.state.push_back(std::move(entry));
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    data.state.emplace_back("rng.cpu", gen.get_state());
  }
  data.state.emplace_back("rl.step", torch::tensor(step, torch::kInt64));
  data.state.emplace_back("rl.data_position", torch::tensor(step * c.batch, torch::kInt64));
  data.state.emplace_back("rl.elapsed_s", torch::tensor(elapsed_s, torch::kFloat64));
  save_checkpoint(path, data);
}

// Restores a state file into the models and optimizer; returns its step and elapsed time.
StateFile load_state(const std::string& path, const GPTConfig& mc, const RlConfig& c, RlStep& stepper, AdamW& opt,
                     bool restore_anchor) {
  CheckpointData ck = load_checkpoint(path);
  check_gpt_params(ck.params, mc, path);
  copy_named_params(stepper.policy_params(), ck.params, path);
  if (restore_anchor) copy_named_params(stepper.anchor_params(), ck.state, path, "anchor.");
  opt.load_state(ck.state, path);
  StateFile st;
  bool have_step = false;
  for (const auto& [name, t] : ck.state) {
    if (name == "rl.step") {
      st.step = t.item<int64_t>();
      have_step = true;
    } else if (name == "rl.elapsed_s") {
      st.elapsed_s = t.item<double>();
    } else if (name == "rl.data_position") {
      if (t.item<int64_t>() != 0 && have_step && t.item<int64_t>() != st.step * c.batch)
        throw BadInput(path + ": data position " + std::to_string(t.item<int64_t>()) + " does not match step " +
                       std::to_string(st.step) + " x batch " + std::to_string(c.batch));
    } else if (name == "rng.cpu") {
      auto gen = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_state(t);
    }
  }
  if (!have_step) throw BadInput(path + ": no rl.step in /state: not a resumable RL checkpoint");
  if (st.step < 0 || st.step > c.steps)
    throw BadInput(path + ": step " + std::to_string(st.step) + " is outside the run's 0.." + std::to_string(c.steps));
  return st;
}

int64_t init_checkpoint_id(ExperimentDb& db, const Experiment& exp, const std::string& path, const std::string& sha) {
  if (auto rec = db.find_checkpoint_by_sha256(sha)) return rec->id;
  CheckpointSpec spec;
  const std::string root = exp.dir() + "/";
  spec.path = path.rfind(root, 0) == 0 ? path.substr(root.size()) : path;
  spec.sha256 = sha;
  spec.kind = "import";
  return db.add_checkpoint(spec);
}

// Where a run records itself: experiment.db (RunLog) or its journal (JournalRunLog, db/journal.h).
struct Recorder {
  std::optional<RunLog> db;
  std::optional<JournalRunLog> journal;

  void metric(int64_t step, const std::string& key, double value) {
    if (db) db->metric(step, key, value);
    else journal->metric(step, key, value);
  }
  void flush() {
    if (db) db->flush();
    else journal->flush();
  }
  void tick() {
    if (db) db->tick();
    else journal->tick();
  }
  void add_checkpoint(const std::string& path, int64_t step, const std::string& kind, const std::string& meta = "{}") {
    if (db) db->add_checkpoint(path, step, kind, meta);
    else journal->add_checkpoint(path, step, kind, meta);
  }
  void drop_metrics_after(int64_t step) {
    if (db) db->drop_metrics_after(step);
    else journal->drop_metrics_after(step);
  }
  void trajectory_values(int64_t step, const PromptValues& values) {
    if (db) store_trajectory_values(db->db(), db->run_id(), step, values);
    else journal->eval_values(step, values.to_json());
  }
  void finish(RunStatus status, const std::string& message) {
    if (db) db->finish(status, message);
    else journal->finish(status, message);
  }
};

// The run as a journal-recording process sees it: experiment.db's row (read-only), with the status
// of its journal's last status record when that is newer than the importer's last pass; a run the
// importer has not seen yet comes from the journal's create record alone.
std::optional<RunRecord> find_run_journaled(const Experiment& exp, const std::string& name) {
  std::optional<RunRecord> run;
  if (is_regular_file(exp.db_path())) run = ExperimentDb::open_read_only(exp.db_path()).find_run(name);
  const JournalRunView v = read_journal_run(journal_path_for(exp.dir(), name));
  if (!run && v.created) {
    RunRecord r;
    r.name = name;
    r.kind = v.kind;
    r.config_json = v.config_json;
    r.status = RunStatus::Queued;
    run = r;
  }
  // (A run finished in the database, by a later process writing it directly, stays finished.)
  if (run && v.status && run->status != RunStatus::Finished) {
    run->status = *v.status;
    run->message = v.message;
  }
  return run;
}

// What a resumed run must find again: the files it started from, and its evaluation protocol.
struct Stored {
  std::string init_sha256, sft_sha256;
  // SHA-256 of the weights the anchor started from; runs stored before it was recorded anchored at
  // θ_init whatever --anchor said, so for them it is init_sha256.
  std::string anchor_sha256;
  EvalConfig eval;
};

RlResult train(const Experiment& exp, const std::string& name, RlConfig c, const std::optional<Stored>& stored,
               const RlRunOptions& options, const ProgressFn& progress) {
  const bool resume = stored.has_value();
  validate_run_name(name);
  c.validate();
  const TaskDataPaths paths = task_data_paths(exp);
  const std::string sft_path = require_file(exp.checkpoints_dir() + "/sft.h5", "SFT checkpoint (run warp sft first)");
  if (c.init.empty()) c.init = "checkpoints/sft.h5";
  const std::string init_path = require_file(resolve_in_experiment(exp, c.init), "init checkpoint (--init)");
  check_checkpoint_input(exp, init_path);
  if (c.reward.empty()) c.reward = default_reward_spec(exp);
  const RewardSpec reward_spec = parse_reward_spec(c.reward);
  c.reward = reward_spec.to_string();
  const std::string state_path = exp.checkpoints_dir() + "/" + name + "-state.h5";
  const std::string final_path = exp.checkpoints_dir() + "/" + name + ".h5";
  const std::string ema_path = exp.checkpoints_dir() + "/" + name + "-ema.h5";

  // Refuse early what the run log would refuse later.
  std::optional<int64_t> parent_id;
  {
    // A journaled run only reads the database (and its journal, for what was not imported yet).
    ExperimentDb db = options.journal ? ExperimentDb::open_read_only(exp.db_path()) : ExperimentDb::open(exp.db_path());
    auto run = options.journal ? find_run_journaled(exp, name) : db.find_run(name);
    if (!resume && run)
      throw BadInput("a run named '" + name + "' already exists (status " + to_string(run->status) +
                     "); use --resume to continue it or choose another --name");
    if (!resume && (is_regular_file(final_path) || is_regular_file(state_path)))
      throw BadInput("checkpoints of a run named '" + name + "' already exist in " + exp.checkpoints_dir() +
                     "; choose another --name");
    if (resume && !run) throw BadInput("cannot resume run '" + name + "': no such run in " + exp.db_path());
    if (resume && run->kind != kRunKind)
      throw BadInput("cannot resume run '" + name + "': it is a " + run->kind + " run, not an RL (train) run");
    if (resume && run->status == RunStatus::Finished)
      throw BadInput("cannot resume run '" + name + "': it has already finished");
    // Whether a process still holds the run is decided by RunLog's claim, in one transaction (a run
    // of this host whose process is gone is claimed at once, without waiting for a stale heartbeat).
    if (options.parent_run) {
      auto parent = db.find_run(*options.parent_run);
      if (!parent) throw BadInput("parent run '" + *options.parent_run + "' does not exist");
      parent_id = parent->id;
    }
  }

  // Data and models.
  const torch::Device device = parse_device(c.device);
  set_compute_threads(c.threads);
  const BpeTokenizer tokenizer = BpeTokenizer::load_dir(paths.tokenizer_dir);
  const PromptSets prompt_sets = load_prompt_sets(require_file(paths.prompts_json, "prompt file (run warp sft first)"));
  if (prompt_sets.train.empty()) throw BadInput(paths.prompts_json + ": the training prompt set is empty");
  std::vector<std::vector<int64_t>> train_ids;
  std::vector<std::string> train_texts, eval_texts;
  for (const auto& p : prompt_sets.train) {
    train_texts.push_back(p.text);
    train_ids.push_back(prompt_token_ids(tokenizer, p.text));
  }
  for (const auto& p : prompt_sets.eval) eval_texts.push_back(p.text);
  GPT sft = load_policy(sft_path, device);
  const GPTConfig mc = sft->config();
  if (mc.vocab_size < tokenizer.vocab_size())
    throw BadInput("the model's vocab_size " + std::to_string(mc.vocab_size) + " is smaller than the tokenizer's " +
                   std::to_string(tokenizer.vocab_size()));
  for (size_t i = 0; i < train_ids.size(); ++i)
    if (static_cast<int64_t>(train_ids[i].size()) + c.max_new_tokens > mc.n_ctx)
      throw BadInput("rl: max_new_tokens (--max-new-tokens) " + std::to_string(c.max_new_tokens) +
                     " leaves no room for training prompt " + std::to_string(i) + " (" +
                     std::to_string(train_ids[i].size()) + " tokens) in n_ctx " + std::to_string(mc.n_ctx));
  const std::string sft_sha = sha256_file(sft_path);
  const std::string init_sha = sha256_file(init_path);
  if (stored && (stored->sft_sha256 != sft_sha || stored->init_sha256 != init_sha))
    throw BadInput("cannot resume run '" + name + "': " + (stored->sft_sha256 != sft_sha ? sft_path : init_path) +
                   " changed since the run started (its SHA-256 differs from the one recorded with the run)");
  // The weights the anchor starts from: θ_sft for --anchor sft, θ_init otherwise. A resumed run keeps
  // the anchor it started with (a run started when --anchor sft still meant θ_init is not switched).
  const std::string anchor_sha = c.anchor == "sft" ? sft_sha : init_sha;
  if (stored && stored->anchor_sha256 != anchor_sha)
    throw BadInput("cannot resume run '" + name + "': it started with its --anchor " + c.anchor +
                   " at other weights than θ_" + (c.anchor == "sft" ? "sft" : "init") +
                   " (a run started before --anchor sft meant θ_sft anchored at θ_init); resuming would change "
                   "its anchor mid-run: start a new run, with --anchor init for the old behaviour");
  GPT init = init_sha == sft_sha ? sft : load_policy(init_path, device, &mc);
  GPT policy = clone_model(init, device);
  // The anchor: θ_ema starts at θ_init; with --anchor sft it is the SFT model θ_sft itself (whatever
  // the init), with --anchor init θ_init itself; a static anchor is never written, and when it is the
  // SFT model object its log-probs are computed once (rl_step.h).
  GPT anchor = c.anchor == "ema" ? clone_model(init, device) : c.anchor == "sft" ? sft : init;
  const double mu = c.anchor == "ema" ? c.mu : 0.0;

  std::unique_ptr<Reward> reward =
      options.make_reward ? options.make_reward() : make_reward(reward_spec, experiment_reward_context(exp, device));
  std::unique_ptr<Reward> gold;
  if (options.make_reward) {
    if (options.make_gold) gold = options.make_gold();
  } else if (reward_spec.kind != RewardSpec::Kind::Gold) {
    gold = make_reward(RewardSpec{}, experiment_reward_context(exp, device));
  }

  AdamW opt(named_params(*policy), AdamWConfig{c.lr, c.beta1, c.beta2, 1e-8, c.weight_decay});
  RlStepOptions so;
  so.beta = c.beta;
  so.temperature = c.temperature;
  so.max_new_tokens = c.max_new_tokens;
  so.baseline = parse_baseline(c.baseline);
  so.samples_per_prompt = c.samples_per_prompt;
  so.grad_clip = c.grad_clip;
  so.eos_id = tokenizer.eos_id();
  RlStep stepper(policy, anchor, sft, opt, *reward, gold.get(), &tokenizer, so, device);
  const LrSchedule sched{c.lr, c.warmup, 0, 1.0};

  // Trajectory points use the experiment's evaluation protocol (the one recorded with the run when
  // resuming), with the run's reward.
  EvalConfig ec = stored ? stored->eval : eval_config_for(exp);
  if (!stored && c.eval_prompts > 0) ec.max_prompts = c.eval_prompts;
  ec.reward = c.reward;
  ec.device = c.device;
  ec.threads = c.threads;
  Evaluator evaluator(ec, eval_texts, tokenizer, sft, *reward, gold.get(), device);

  // Resume state.
  int64_t start = 0;
  double elapsed_before = 0;
  const bool have_state = resume && is_regular_file(state_path);
  if (have_state) {
    const StateFile st = load_state(state_path, mc, c, stepper, opt, /*restore_anchor=*/c.anchor == "ema");
    start = st.step;
    elapsed_before = st.elapsed_s;
  }

  nlohmann::json run_config = {{"rl", c.to_json()},       {"model", mc.to_json()}, {"eval", ec.to_json()},
                               {"init_sha256", init_sha}, {"sft_sha256", sft_sha}, {"anchor_sha256", anchor_sha}};
  RunSpec spec(name, kRunKind, run_config.dump());
  spec.parent_run_id = parent_id;
  spec.iteration = options.iteration;
  Recorder log;
  // The init checkpoint's id for the policy's meta (a journaled run's importer registers the init
  // when the database does not know it yet; the meta then has null).
  nlohmann::json init_ckpt_id = nullptr;
  if (options.journal) {
    if (auto rec = ExperimentDb::open_read_only(exp.db_path()).find_checkpoint_by_sha256(init_sha))
      init_ckpt_id = rec->id;
    JournalRunSpec js;
    js.name = name;
    js.kind = kRunKind;
    js.config_json = spec.config_json;
    js.parent = options.parent_run;
    js.iteration = options.iteration;
    const std::string root = exp.dir() + "/";
    js.init_path = init_path.rfind(root, 0) == 0 ? init_path.substr(root.size()) : init_path;
    js.init_sha256 = init_sha;
    log.journal.emplace(exp.dir(), js, resume);
  } else {
    {
      ExperimentDb db = ExperimentDb::open(exp.db_path());
      spec.init_checkpoint_id = init_checkpoint_id(db, exp, init_path, init_sha);
    }
    log.db.emplace(exp.db_path(), spec, resume);
    init_ckpt_id = *spec.init_checkpoint_id;
  }
  // Metrics past the state we continue from are logged again (all of them without a state file).
  if (resume) log.drop_metrics_after(have_state ? start : -1);

  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return elapsed_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  bool stop_asked = false;
  // Evaluations report their progress, but a stop request waits for the step boundary.
  const ProgressFn eval_progress = [&](const ProgressInfo& info) {
    if (progress && !progress(info)) stop_asked = true;
    return true;
  };
  EvalPoint last_eval;
  auto trajectory_point = [&](int64_t step) {
    EvalResult r = evaluator.evaluate(policy, eval_progress);
    last_eval = r.point;
    const std::pair<const char*, const MeanSe*> values[] = {{"reward", &r.point.reward},
                                                            {"gold", &r.point.gold},
                                                            {"kl_sft", &r.point.kl_sft},
                                                            {"kl_sft_sampled", &r.point.kl_sft_sampled},
                                                            {"length", &r.point.length}};
    for (const auto& [key, v] : values) {
      log.metric(step, std::string("eval/") + key, v->mean);
      log.metric(step, std::string("eval/") + key + "_se", v->se);
    }
    log.flush();
    // The per-prompt values, for paired comparisons of points (eval/eval_cache.h, eval_values).
    log.trajectory_values(step, r.values);
  };

  PromptOrder order(static_cast<int64_t>(train_ids.size()), c.prompt_seed);
  double ema_step_s = 0;
  int64_t step = start;
  bool ended = false;
  try {
    if (!have_state) trajectory_point(0);
    for (; step < c.steps; ++step) {
      ProgressInfo info{"rl", step, c.steps, ""};
      if (stop_asked || (progress && !progress(info))) {
        log.flush();  // the rows up to the state's step are committed before the state exists
        save_state(state_path, mc, c, name, stepper, opt, step, elapsed());
        log.add_checkpoint(state_path, step, "rl-resume");
        log.finish(RunStatus::Killed, "stopped at step " + std::to_string(step));
        ended = true;
        throw Cancelled();
      }
      std::vector<std::vector<int64_t>> ids;
      std::vector<std::string> texts;
      for (int64_t i = 0; i < c.batch; ++i) {
        const int64_t k = order.at(step * c.batch + i);
        ids.push_back(train_ids[static_cast<size_t>(k)]);
        texts.push_back(train_texts[static_cast<size_t>(k)]);
      }
      std::vector<uint64_t> seeds;
      for (int64_t n = 0; n < c.batch * c.samples_per_prompt; ++n)
        seeds.push_back(
            derive_seed(kSeedDomainRollout, c.seed, {static_cast<uint64_t>(step), static_cast<uint64_t>(n)}));
      const double lr = sched.at(step);
      const RlStepStats st = stepper.run(ids, texts, seeds, lr, mu);
      const int64_t done = step + 1;
      if (!st.finite || !st.weights_finite) {
        log.metric(done, "train/loss", st.loss);
        log.metric(done, "train/grad_norm", st.grad_norm);
        const std::string what = !st.finite
                                     ? "loss " + std::to_string(st.loss) + ", grad norm " + std::to_string(st.grad_norm)
                                     : std::string("non-finite weights after the update");
        log.finish(RunStatus::Diverged, what + " at step " + std::to_string(done));
        ended = true;
        throw Error("rl run '" + name + "' diverged: " + what + " at step " + std::to_string(done) +
                    "; the last good state is in " + state_path);
      }
      log.metric(done, "train/reward", st.reward);
      log.metric(done, "train/gold", st.gold);
      log.metric(done, "train/reward_beta", st.reward_beta);
      log.metric(done, "train/kl_anchor", st.kl_anchor);
      log.metric(done, "train/kl_sft", st.kl_sft);
      log.metric(done, "train/entropy", st.entropy);
      log.metric(done, "train/length", st.length);
      log.metric(done, "train/loss", st.loss);
      log.metric(done, "train/grad_norm", st.grad_norm);
      log.metric(done, "train/lr", lr);
      log.metric(done, "train/tokens_per_s", static_cast<double>(st.tokens) / std::max(st.times.total, 1e-9));
      log.metric(done, "time/step_s", st.times.total);
      log.metric(done, "time/sample_s", st.times.sample);
      log.metric(done, "time/reward_s", st.times.reward);
      log.metric(done, "time/anchor_s", st.times.anchor);
      log.metric(done, "time/sft_s", st.times.sft);
      log.metric(done, "time/policy_s", st.times.policy);
      log.metric(done, "time/optimizer_s", st.times.optimizer);
      log.metric(done, "time/ema_s", st.times.ema);
      log.metric(done, "time/elapsed_s", elapsed());
      if (done % c.eval_every == 0 || done == c.steps) trajectory_point(done);
      if (done % c.ckpt_every == 0 && done != c.steps) {
        // Rows up to `done` are committed before the state of step `done` is written: after a kill -9
        // the resume deletes the rows past the state it finds, so none is lost or doubled.
        log.flush();
        save_state(state_path, mc, c, name, stepper, opt, done, elapsed());
        log.add_checkpoint(state_path, done, "rl-resume");
      }
      log.tick();
      ema_step_s = ema_step_s == 0 ? st.times.total : 0.9 * ema_step_s + 0.1 * st.times.total;
      char line[240];
      std::snprintf(line, sizeof line, "step %lld/%lld  r %.3f  gold %.3f  KL %.3f  len %.1f  %.2f s/step  ETA %s",
                    static_cast<long long>(done), static_cast<long long>(c.steps), st.reward, st.gold, st.kl_sft,
                    st.length, st.times.total,
                    format_duration(static_cast<double>(c.steps - done) * ema_step_s).c_str());
      info.done = done;
      info.detail = line;
      if (progress && !progress(info)) stop_asked = true;
    }

    // The finished policy (and the EMA anchor), then the final resumable state.
    const nlohmann::json meta = {{"run", name},
                                 {"init", c.init},
                                 {"init_sha256", init_sha},
                                 {"init_checkpoint_id", init_ckpt_id},
                                 {"anchor", c.anchor}};
    CheckpointHeader header;
    header.kind = "policy";
    header.step = c.steps;
    header.config = {{"rl", c.to_json()}, {"run", name}};
    header.meta = meta;
    save_gpt_params(final_path, mc, stepper.policy_params(), header);
    log.add_checkpoint(final_path, c.steps, "policy", meta.dump());
    if (c.anchor == "ema") {
      header.kind = "ema";
      save_gpt_params(ema_path, mc, stepper.anchor_params(), header);
      log.add_checkpoint(ema_path, c.steps, "ema", meta.dump());
    }
    log.flush();
    save_state(state_path, mc, c, name, stepper, opt, c.steps, elapsed());
    log.add_checkpoint(state_path, c.steps, "rl-resume");
    char msg[160];
    std::snprintf(msg, sizeof msg, "eval reward %.4f, gold %.4f, KL to SFT %.4f", last_eval.reward.mean,
                  last_eval.gold.mean, last_eval.kl_sft.mean);
    log.finish(RunStatus::Finished, msg);
    ended = true;
  } catch (const std::exception& e) {
    if (!ended) log.finish(RunStatus::Failed, e.what());
    throw;
  }

  RlResult r;
  r.checkpoint = final_path;
  r.state_checkpoint = state_path;
  r.steps = c.steps;
  r.last_eval = last_eval;
  r.elapsed_s = elapsed();
  return r;
}

}  // namespace

RlResult run_rl(const Experiment& exp, const std::string& name, const RlConfig& config, const RlRunOptions& options,
                const ProgressFn& progress) {
  return train(exp, name, config, std::nullopt, options, progress);
}

RlResult resume_rl(const Experiment& exp, const std::string& name, const RlRunOptions& options,
                   const ProgressFn& progress) {
  RlConfig c;
  Stored stored;
  {
    std::optional<RunRecord> run =
        options.journal ? find_run_journaled(exp, name) : ExperimentDb::open(exp.db_path()).find_run(name);
    if (!run) throw BadInput("cannot resume run '" + name + "': no such run in " + exp.db_path());
    if (run->kind != kRunKind)
      throw BadInput("cannot resume run '" + name + "': it is a " + run->kind + " run, not an RL (train) run");
    const auto j = parse_json_or_discarded(run->config_json, "run '" + name + "' (stored config)");
    if (j.is_discarded() || !j.is_object() || !j.contains("rl"))
      throw BadInput("cannot resume run '" + name + "': its stored config has no \"rl\" section");
    const std::string where = "run '" + name + "' (stored config)";
    c = RlConfig::from_json(j.at("rl"), where);
    if (!j.contains("eval") || !j.contains("init_sha256") || !j.contains("sft_sha256") ||
        !j.at("init_sha256").is_string() || !j.at("sft_sha256").is_string())
      throw BadInput("cannot resume run '" + name + "': its stored config lacks eval, init_sha256 or sft_sha256");
    stored.eval = EvalConfig::from_json(j.at("eval"), where + " (eval)");
    stored.init_sha256 = j.at("init_sha256").get<std::string>();
    stored.sft_sha256 = j.at("sft_sha256").get<std::string>();
    stored.anchor_sha256 = j.contains("anchor_sha256") && j.at("anchor_sha256").is_string()
                               ? j.at("anchor_sha256").get<std::string>()
                               : stored.init_sha256;
  }
  if (options.threads) c.threads = *options.threads;
  if (options.device) c.device = *options.device;
  return train(exp, name, c, stored, options, progress);
}

}  // namespace warp
