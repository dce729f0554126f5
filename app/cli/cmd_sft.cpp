// warp sft --exp DIR [options]: prepare the task data (corpus, tokenizer, prompts) and pretrain the
// policy θ_sft (train/sft.h). Resumes an interrupted run; reports a finished one.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>

#include "commands.h"
#include "experiment/experiment.h"
#include "experiment/task_data.h"
#include "progress_line.h"
#include "train/sft.h"
#include "util/signals.h"

namespace {

struct Options {
  std::string exp;
  std::optional<int64_t> steps, batch, seq_len, warmup, eval_every, ckpt_every;
  std::optional<double> lr;
  std::optional<uint64_t> seed;
  std::optional<int> threads;
  std::optional<std::string> device;
};

void register_sft(CLI::App& app) {
  auto* cmd = app.add_subcommand("sft", "Prepare the task data and pretrain the SFT policy on the corpus");
  auto o = std::make_shared<Options>();
  cmd->add_option("--exp", o->exp, "Experiment folder")->required();
  cmd->add_option("--steps", o->steps, "Optimizer steps");
  cmd->add_option("--batch", o->batch, "Windows per step");
  cmd->add_option("--seq-len", o->seq_len, "Tokens per window");
  cmd->add_option("--lr", o->lr, "Peak learning rate");
  cmd->add_option("--warmup", o->warmup, "Warmup steps");
  cmd->add_option("--eval-every", o->eval_every, "Steps between held-out evaluations");
  cmd->add_option("--ckpt-every", o->ckpt_every, "Steps between resumable checkpoints");
  cmd->add_option("--seed", o->seed, "Seed of the init and the batch order");
  cmd->add_option("--threads", o->threads, "Compute threads");
  cmd->add_option("--device", o->device, "auto, cpu, cuda or cuda:N");
  cmd->callback([o] {
    auto exp = warp::Experiment::open(o->exp);
    nlohmann::json j = exp.config().value("sft", nlohmann::json::object());
    if (o->steps) j["steps"] = *o->steps;
    if (o->batch) j["batch"] = *o->batch;
    if (o->seq_len) j["seq_len"] = *o->seq_len;
    if (o->lr) j["lr"] = *o->lr;
    if (o->warmup) j["warmup"] = *o->warmup;
    if (o->eval_every) j["eval_every"] = *o->eval_every;
    if (o->ckpt_every) j["ckpt_every"] = *o->ckpt_every;
    if (o->seed) j["seed"] = *o->seed;
    if (o->threads) j["threads"] = *o->threads;
    if (o->device) j["device"] = *o->device;
    const auto config = warp::SftConfig::from_json(j, "sft options");
    warp::install_stop_handlers();
    warp::cli::ProgressLine line;
    warp::prepare_task_data(exp, line.callback());
    line.finish();
    auto r = warp::run_sft(exp, config, line.callback());
    line.finish();
    if (r.already_done)
      std::cout << "sft already finished: " << r.checkpoint << " (held-out loss " << r.eval_loss << ", perplexity "
                << r.eval_ppl << ")\n";
    else
      std::cout << "sft finished: " << r.checkpoint << " after " << r.steps << " steps (held-out loss " << r.eval_loss
                << ", perplexity " << r.eval_ppl << ")\n";
  });
}

const bool registered = warp::cli::add_command(&register_sft);

}  // namespace
