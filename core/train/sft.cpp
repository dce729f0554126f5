#include "train/sft.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "experiment/task_data.h"
#include "model/device.h"
#include "model/gpt.h"
#include "model/log_probs.h"
#include "store/checkpoint_h5.h"
#include "store/gpt_checkpoint.h"
#include "tokenizer/token_file.h"
#include "train/adamw.h"
#include "train/lr_schedule.h"
#include "train/run_log.h"
#include "util/error.h"
#include "util/format.h"
#include "util/fsutil.h"
#include "util/json_fields.h"

namespace warp {

void SftConfig::validate() const {
  auto bad = [](const std::string& what) { throw BadInput("sft: " + what); };
  if (steps <= 0) bad("steps must be > 0, got " + std::to_string(steps));
  if (batch <= 0) bad("batch must be > 0, got " + std::to_string(batch));
  if (seq_len <= 1) bad("seq_len must be > 1, got " + std::to_string(seq_len));
  if (!(min_lr_ratio >= 0 && min_lr_ratio <= 1))
    bad("min_lr_ratio must be in [0, 1], got " + std::to_string(min_lr_ratio));
  if (eval_windows <= 0) bad("eval_windows must be > 0, got " + std::to_string(eval_windows));
  check_fields("sft");
}

nlohmann::json SftConfig::to_json() const {
  nlohmann::json j = {{"steps", steps},
                      {"batch", batch},
                      {"seq_len", seq_len},
                      {"min_lr_ratio", min_lr_ratio},
                      {"eval_windows", eval_windows}};
  write_fields(j);
  return j;
}

SftConfig SftConfig::from_json(const nlohmann::json& j, const std::string& where) {
  SftConfig c;
  JsonFields f(j, where);
  f.get("steps", c.steps);
  f.get("batch", c.batch);
  f.get("seq_len", c.seq_len);
  f.get("min_lr_ratio", c.min_lr_ratio);
  f.get("eval_windows", c.eval_windows);
  c.read_fields(f);
  f.done();
  try {
    c.validate();
  } catch (const BadInput& e) {
    throw BadInput(where + ": " + e.what());
  }
  return c;
}

namespace {

constexpr const char* kRunName = "sft";

// The windows of one step: [batch, seq_len + 1] token ids from offsets drawn with a generator
// seeded by (seed, step) only.
torch::Tensor train_windows(const std::vector<int32_t>& tokens, const SftConfig& c, int64_t step) {
  const int64_t span = c.seq_len + 1;
  const int64_t n = static_cast<int64_t>(tokens.size());
  std::seed_seq seq{static_cast<uint32_t>(c.seed), static_cast<uint32_t>(c.seed >> 32), static_cast<uint32_t>(step),
                    static_cast<uint32_t>(step >> 32), 0x5f7u};
  std::mt19937_64 rng(seq);
  std::uniform_int_distribution<int64_t> pick(0, n - span);
  auto out = torch::empty({c.batch, span}, torch::kInt64);
  auto* p = out.data_ptr<int64_t>();
  for (int64_t b = 0; b < c.batch; ++b) {
    const int64_t off = pick(rng);
    for (int64_t t = 0; t < span; ++t) p[b * span + t] = tokens[static_cast<size_t>(off + t)];
  }
  return out;
}

// Evenly spaced held-out windows (the same every evaluation).
torch::Tensor eval_windows(const std::vector<int32_t>& tokens, int64_t count, int64_t seq_len) {
  const int64_t span = seq_len + 1;
  const int64_t n = static_cast<int64_t>(tokens.size());
  const int64_t slots = n - span + 1;
  count = std::min(count, slots);
  auto out = torch::empty({count, span}, torch::kInt64);
  auto* p = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < count; ++i) {
    const int64_t off = count == 1 ? 0 : i * (slots - 1) / (count - 1);
    for (int64_t t = 0; t < span; ++t) p[i * span + t] = tokens[static_cast<size_t>(off + t)];
  }
  return out;
}

// Next-token loss of windows [B, T + 1]: inputs are the first T tokens, targets the last T.
torch::Tensor window_loss(GPT& model, const torch::Tensor& windows) {
  using namespace torch::indexing;
  auto x = windows.index({Slice(), Slice(None, -1)});
  auto y = windows.index({Slice(), Slice(1, None)});
  return lm_loss(model->forward(x), y);  // logits [B, T, V]
}

double evaluate(GPT& model, const torch::Tensor& windows, int64_t batch, const torch::Device& device) {
  torch::NoGradGuard no_grad;
  model->eval();
  double total = 0;
  int64_t count = 0;
  for (int64_t i = 0; i < windows.size(0); i += batch) {
    auto w = windows.slice(0, i, std::min(i + batch, windows.size(0))).to(device);
    total += window_loss(model, w).item<double>() * static_cast<double>(w.size(0));
    count += w.size(0);
  }
  model->train();
  return total / static_cast<double>(count);
}

void save_resumable(const std::string& path, GPT& model, const AdamW& opt, const GPTConfig& mc, const SftConfig& c,
                    int64_t step) {
  CheckpointData data;
  data.header.kind = "sft-resume";
  data.header.step = step;
  data.header.config = {{"model", mc.to_json()}, {"sft", c.to_json()}};
  data.params = named_params(*model);
  data.state = opt.state();
  data.state.emplace_back("sft.step", torch::tensor(step, torch::kInt64));
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    data.state.emplace_back("rng.cpu", gen.get_state());
  }
  save_checkpoint(path, data);
}

}  // namespace

SftResult run_sft(const Experiment& exp, const SftConfig& c, const ProgressFn& progress) {
  c.validate();
  const TaskDataPaths paths = task_data_paths(exp);
  const GPTConfig mc = GPTConfig::from_json(exp.config().at("model"), exp.config_path() + " (model)");
  if (c.seq_len > mc.n_ctx)
    throw BadInput("sft: seq_len " + std::to_string(c.seq_len) + " exceeds the model's n_ctx " +
                   std::to_string(mc.n_ctx));
  const std::string final_path = exp.checkpoints_dir() + "/sft.h5";
  const std::string resume_path = exp.checkpoints_dir() + "/sft-last.h5";

  // A finished run is reported, not repeated.
  {
    ExperimentDb db = ExperimentDb::open(exp.db_path());
    auto run = db.find_run(kRunName);
    if (run && run->status == RunStatus::Finished && is_regular_file(final_path)) {
      SftResult r;
      r.checkpoint = final_path;
      r.already_done = true;
      auto loss = db.read_metrics(run->id, "eval/loss");
      if (!loss.empty()) {
        r.steps = loss.back().step;
        r.eval_loss = loss.back().value;
        r.eval_ppl = std::exp(r.eval_loss);
      }
      return r;
    }
  }

  const torch::Device device = parse_device(c.device);
  set_compute_threads(c.threads);
  const auto train_tokens = read_token_file(paths.train_tok);
  const auto heldout_tokens = read_token_file(paths.heldout_tok);
  if (static_cast<int64_t>(train_tokens.size()) <= c.seq_len + 1 ||
      static_cast<int64_t>(heldout_tokens.size()) <= c.seq_len + 1)
    throw BadInput(paths.train_tok + ": too few tokens for seq_len " + std::to_string(c.seq_len));
  for (const auto* tokens : {&train_tokens, &heldout_tokens})
    for (int32_t id : *tokens)
      if (id < 0 || id >= mc.vocab_size)
        throw BadInput(paths.train_tok + ": token id " + std::to_string(id) + " outside the model vocabulary");

  torch::manual_seed(c.seed);
  GPT model(mc, c.seed);
  model->to(device);
  model->train();
  const NamedTensors params = named_params(*model);
  AdamW opt(params, AdamWConfig{c.lr, c.beta1, c.beta2, 1e-8, c.weight_decay});
  const LrSchedule sched{c.lr, c.warmup, c.steps, c.min_lr_ratio};

  // An unfinished run is continued: from its resumable checkpoint when there is one, else (killed
  // before its first checkpoint) from step 0 under the same run row, as warp train --resume does.
  const bool resume = [&] {
    ExperimentDb db = ExperimentDb::open(exp.db_path());
    return db.find_run(kRunName).has_value();
  }();
  int64_t start = 0;
  const bool have_state = resume && is_regular_file(resume_path);
  if (have_state) {
    CheckpointData ck = load_checkpoint(resume_path);
    check_gpt_params(ck.params, mc, resume_path);
    copy_named_params(params, ck.params, resume_path);
    opt.load_state(ck.state, resume_path);
    for (const auto& [name, t] : ck.state) {
      if (name == "sft.step") start = t.item<int64_t>();
      if (name == "rng.cpu") {
        auto gen = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_state(t);
      }
    }
    if (start < 0 || start > c.steps)
      throw BadInput(resume_path + ": step " + std::to_string(start) + " is outside the run's 0.." +
                     std::to_string(c.steps));
  }
  nlohmann::json run_config = {{"sft", c.to_json()}, {"model", mc.to_json()}};
  RunLog log(exp.db_path(), RunSpec(kRunName, "sft", run_config.dump()), resume);
  // Rows past the state we continue from (all of them without one) were logged by the process that
  // stopped or died; they are logged again.
  if (resume) log.drop_metrics_after(have_state ? start : -1);

  const auto eval_set = eval_windows(heldout_tokens, c.eval_windows, c.seq_len);
  const auto t0 = std::chrono::steady_clock::now();
  double last_eval = std::nan("");
  double ema_tps = 0;
  int64_t step = start;
  bool ended = false;       // the run's final status is already recorded
  bool stop_asked = false;  // the progress callback asked to stop after the step just done
  try {
    for (; step < c.steps; ++step) {
      ProgressInfo info{"sft", step, c.steps, ""};
      if (stop_asked || (progress && !progress(info))) {
        // Stop at this step boundary with everything needed to resume.
        log.flush();
        save_resumable(resume_path, model, opt, mc, c, step);
        log.add_checkpoint(resume_path, step, "sft-resume");
        log.finish(RunStatus::Killed, "stopped at step " + std::to_string(step));
        ended = true;
        throw Cancelled();
      }
      const auto ts = std::chrono::steady_clock::now();
      const double lr = sched.at(step);
      auto windows = train_windows(train_tokens, c, step).to(device);
      auto loss = window_loss(model, windows);
      opt.zero_grad();
      loss.backward();
      torch::Tensor grad_norm = c.grad_clip > 0 ? clip_grad_norm(params, c.grad_clip) : torch::Tensor();
      const double loss_v = loss.item<double>();
      if (!std::isfinite(loss_v)) {
        log.metric(step, "train/loss", loss_v);
        log.finish(RunStatus::Diverged, "loss is " + std::to_string(loss_v) + " at step " + std::to_string(step));
        ended = true;
        throw Error("sft diverged: loss " + std::to_string(loss_v) + " at step " + std::to_string(step) +
                    "; the last good state is in " + resume_path);
      }
      opt.step(lr);
      const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - ts).count();
      const double tps = static_cast<double>(c.batch * c.seq_len) / std::max(dt, 1e-9);
      ema_tps = ema_tps == 0 ? tps : 0.9 * ema_tps + 0.1 * tps;
      const int64_t done = step + 1;
      log.metric(done, "train/loss", loss_v);
      log.metric(done, "train/lr", lr);
      if (grad_norm.defined()) log.metric(done, "train/grad_norm", grad_norm.item<double>());
      log.metric(done, "train/tokens_per_s", tps);
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      log.metric(done, "time/elapsed_s", elapsed);
      if (done % c.eval_every == 0 || done == c.steps) {
        last_eval = evaluate(model, eval_set, c.batch, device);
        log.metric(done, "eval/loss", last_eval);
        log.metric(done, "eval/ppl", std::exp(last_eval));
      }
      if (done % c.ckpt_every == 0 && done != c.steps) {
        log.flush();  // rows up to `done` are committed before the state of step `done` exists
        save_resumable(resume_path, model, opt, mc, c, done);
        log.add_checkpoint(resume_path, done, "sft-resume");
      }
      log.tick();
      char line[200];
      const double eta =
          static_cast<double>(c.steps - done) * static_cast<double>(c.batch * c.seq_len) / std::max(ema_tps, 1.0);
      char held_out[32] = "-";
      if (std::isfinite(last_eval)) std::snprintf(held_out, sizeof held_out, "%.3f", last_eval);
      std::snprintf(line, sizeof line, "step %lld/%lld  loss %.3f  held-out %s  %.0f tok/s  ETA %s",
                    static_cast<long long>(done), static_cast<long long>(c.steps), loss_v, held_out, ema_tps,
                    format_duration(eta).c_str());
      info.done = done;
      info.detail = line;
      if (progress && !progress(info)) stop_asked = true;
    }
  } catch (const std::exception& e) {
    if (!ended) log.finish(RunStatus::Failed, e.what());
    throw;
  }

  // The finished policy: params only, kind "sft".
  CheckpointHeader header;
  header.kind = "sft";
  header.step = c.steps;
  header.config = {{"sft", c.to_json()}};
  save_gpt_params(final_path, mc, named_params(*model), header);
  log.add_checkpoint(final_path, c.steps, "sft");
  log.flush();
  save_resumable(resume_path, model, opt, mc, c, c.steps);
  log.finish(RunStatus::Finished, "held-out loss " + std::to_string(last_eval));
  SftResult r;
  r.checkpoint = final_path;
  r.steps = c.steps;
  r.eval_loss = last_eval;
  r.eval_ppl = std::exp(last_eval);
  return r;
}

}  // namespace warp
