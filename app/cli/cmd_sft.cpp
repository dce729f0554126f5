// warp sft --exp DIR [options]: prepare the task data (corpus, tokenizer, prompts) and pretrain the
// policy θ_sft (train/sft.h). Resumes an interrupted run; reports a finished one.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "commands.h"
#include "experiment/experiment.h"
#include "experiment/task_data.h"
#include "json_options.h"
#include "progress_line.h"
#include "train/sft.h"
#include "util/signals.h"

namespace {

void register_sft(CLI::App& app) {
  auto* cmd = app.add_subcommand("sft", "Prepare the task data and pretrain the SFT policy on the corpus");
  auto exp_dir = std::make_shared<std::string>();
  cmd->add_option("--exp", *exp_dir, "Experiment folder")->required();
  // Each option sets the field of the experiment's "sft" section it is named after.
  auto o = std::make_shared<warp::cli::JsonOptions>(cmd);
  o->add<int64_t>("--steps", "steps", "Optimizer steps");
  o->add<int64_t>("--batch", "batch", "Windows per step");
  o->add<int64_t>("--seq-len", "seq_len", "Tokens per window");
  warp::cli::add_train_settings(*o, {{"Seed of the init and the batch order"}});
  cmd->callback([o, exp_dir] {
    auto exp = warp::Experiment::open(*exp_dir);
    nlohmann::json j = exp.config().value("sft", nlohmann::json::object());
    o->apply(j);
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
