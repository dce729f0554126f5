// warp train --exp DIR --name NAME [options]: an EMA-anchored, KL-regularized REINFORCE run
// (core/rl/trainer.h). warp train --exp DIR --resume NAME continues a stopped or crashed run.
// warp train --name NAME --or-resume ... continues run NAME when it exists already (a Slurm task
// started again after a requeue runs the same command line, docs/slurm.md), else starts it.
// --record journal: the run is recorded in <exp>/journals/<name>.wj, never in experiment.db, which
// it only reads (core/db/journal.h; the Slurm launcher's workers on other hosts, docs/slurm.md).
//
// Settings: the defaults of core/rl/rl_config.h, then the experiment's "warp" (beta, mu,
// temperature) and "rl" sections, then --config FILE, then the flags. Out-of-range values are
// refused before anything starts (exit 2), naming the option.
#include <iostream>
#include <optional>

#include "commands.h"
#include "db/experiment_db.h"
#include "db/journal.h"
#include "db/run_name.h"
#include "experiment/experiment.h"
#include "progress_line.h"
#include "rl/rl_config.h"
#include "rl/trainer.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/json_read.h"
#include "util/signals.h"

namespace {

struct Options {
  std::string exp, name, resume, config_file, init, anchor, baseline, reward, device;
  std::optional<double> beta, mu, lr, temperature, weight_decay, grad_clip;
  std::optional<int64_t> steps, batch, samples, warmup, max_new_tokens, eval_every, eval_prompts, ckpt_every;
  std::optional<uint64_t> seed, prompt_seed;
  std::optional<int> threads;
  std::optional<int64_t> iteration;
  std::string parent_run;
  bool or_resume = false;
  std::string record = "db";  // --record db|journal
};

nlohmann::json read_config_file(const std::string& path) {
  const std::string text = warp::read_file_text(path);
  auto j = warp::parse_json_or_discarded(text, path);
  if (j.is_discarded() || !j.is_object()) throw warp::BadInput(path + ": not a JSON object");
  if (j.contains("rl") && j.at("rl").is_object()) {
    if (j.size() != 1) throw warp::BadInput(path + ": with an \"rl\" key, the file must hold nothing else");
    return j.at("rl");
  }
  return j;
}

void register_train(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Run EMA-anchored KL-regularized REINFORCE from an init policy (one RL run)");
  auto o = std::make_shared<Options>();
  cmd->add_option("--exp", o->exp, "Experiment folder")->required();
  cmd->add_option("--name", o->name, "Name of the new run (its checkpoints: checkpoints/NAME.h5)");
  cmd->add_option("--resume", o->resume, "Continue the stopped or crashed run NAME with its stored settings");
  cmd->add_flag("--or-resume", o->or_resume,
                "With --name: when run NAME exists already (a requeued Slurm task), continue it with its stored "
                "settings (only --threads and --device apply) instead of refusing");
  cmd->add_option("--record", o->record,
                  "Where the run records its metrics, heartbeats and status: db (experiment.db, default) or journal "
                  "(<exp>/journals/NAME.wj, imported by warp run's driver: workers on other hosts)");
  cmd->add_option("--config", o->config_file, "JSON file of rl settings (over the experiment's, under the flags)");
  cmd->add_option("--init", o->init, "Init checkpoint (default checkpoints/sft.h5)");
  cmd->add_option("--anchor", o->anchor, "KL anchor: ema (WARP, starts at the init), sft (static θ_sft, whatever the init) or init (static θ_init)");
  cmd->add_option("--beta", o->beta, "KL-regularization strength beta >= 0 (paper: 0.1)");
  cmd->add_option("--mu", o->mu, "EMA update rate mu in (0, 1] (paper: 0.01)");
  cmd->add_option("--steps", o->steps, "Optimizer steps T");
  cmd->add_option("--batch", o->batch, "Prompts per step");
  cmd->add_option("--samples", o->samples, "Completions per prompt (rows per step = batch x samples)");
  cmd->add_option("--lr", o->lr, "Peak learning rate (constant after warmup)");
  cmd->add_option("--warmup", o->warmup, "Linear warmup steps");
  cmd->add_option("--weight-decay", o->weight_decay, "AdamW weight decay");
  cmd->add_option("--grad-clip", o->grad_clip, "Max global gradient norm (0: off)");
  cmd->add_option("--temperature", o->temperature, "Sampling temperature tau (paper: 0.9)");
  cmd->add_option("--max-new-tokens", o->max_new_tokens, "Completion length bound");
  cmd->add_option("--baseline", o->baseline, "Reward baseline: mean or rloo");
  cmd->add_option("--seed", o->seed, "Seed of the rollouts' sampling");
  cmd->add_option("--prompt-seed", o->prompt_seed, "Seed of the training prompt order");
  cmd->add_option("--eval-every", o->eval_every, "Steps between trajectory points on the evaluation prompts");
  cmd->add_option("--eval-prompts", o->eval_prompts, "Evaluation prompts per trajectory point (0: the eval protocol's)");
  cmd->add_option("--ckpt-every", o->ckpt_every, "Steps between resumable checkpoints");
  cmd->add_option("--reward", o->reward,
                  "gold | rm:PATH | external:CMD (default: rm:checkpoints/rm.h5 when it exists, else gold)");
  cmd->add_option("--device", o->device, "auto, cpu, cuda or cuda:N");
  cmd->add_option("--threads", o->threads, "Compute threads (for M parallel runs on C cores: C / M each)");
  cmd->add_option("--iteration", o->iteration, "WARP iteration this run belongs to (lineage)");
  cmd->add_option("--parent-run", o->parent_run, "Name of the run that launched this one (lineage)");
  cmd->callback([o] {
    auto exp = warp::Experiment::open(o->exp);
    warp::RlRunOptions ro;
    if (o->iteration) ro.iteration = o->iteration;
    if (!o->parent_run.empty()) ro.parent_run = o->parent_run;
    if (o->record != "db" && o->record != "journal")
      throw warp::BadInput("warp train: --record must be db or journal, got '" + o->record + "'");
    ro.journal = o->record == "journal";
    warp::RlResult r;
    warp::cli::ProgressLine line;
    if (!o->resume.empty() && o->or_resume)
      throw warp::BadInput("--or-resume goes with --name NAME (it continues NAME when that run exists), not with --resume");
    if (!o->resume.empty()) {
      const bool others = !o->name.empty() || !o->config_file.empty() || !o->init.empty() || !o->anchor.empty() ||
                          !o->baseline.empty() || !o->reward.empty() || o->beta || o->mu || o->lr || o->temperature ||
                          o->weight_decay || o->grad_clip || o->steps || o->batch || o->samples || o->warmup ||
                          o->max_new_tokens || o->eval_every || o->eval_prompts || o->ckpt_every || o->seed ||
                          o->prompt_seed;
      if (others)
        throw warp::BadInput("--resume continues a run with its stored settings: only --threads and --device may be "
                             "given with it");
      if (o->threads) ro.threads = *o->threads;
      if (!o->device.empty()) ro.device = o->device;
      warp::install_stop_handlers();
      r = warp::resume_rl(exp, o->resume, ro, line.callback());
    } else {
      if (o->name.empty()) throw warp::BadInput("--name is required (or --resume NAME to continue a run)");
      warp::validate_run_name(o->name);
    }
    if (o->resume.empty() && o->or_resume) {
      // The run exists: this is an attempt after the first (a requeued Slurm task); continue it.
      bool exists = false;
      if (warp::is_regular_file(exp.db_path()))
        exists = warp::ExperimentDb::open_read_only(exp.db_path()).find_run(o->name).has_value();
      // A journaled run that the driver has not imported yet exists in its journal.
      if (!exists && ro.journal)
        exists = warp::read_journal_run(warp::journal_path_for(exp.dir(), o->name)).has_records;
      if (exists) {
        std::cout << "warp train: run " << o->name << " exists: continuing it (--or-resume)" << std::endl;
        o->resume = o->name;
        if (o->threads) ro.threads = *o->threads;
        if (!o->device.empty()) ro.device = o->device;
        warp::install_stop_handlers();
        r = warp::resume_rl(exp, o->resume, ro, line.callback());
      }
    }
    if (o->resume.empty()) {
      const warp::RlConfig base = warp::rl_config_for(exp);
      nlohmann::json j = nlohmann::json::object();
      if (!o->config_file.empty()) j = read_config_file(o->config_file);
      if (!o->init.empty()) j["init"] = o->init;
      if (!o->anchor.empty()) j["anchor"] = o->anchor;
      if (!o->baseline.empty()) j["baseline"] = o->baseline;
      if (!o->reward.empty()) j["reward"] = o->reward;
      if (!o->device.empty()) j["device"] = o->device;
      if (o->beta) j["beta"] = *o->beta;
      if (o->mu) j["mu"] = *o->mu;
      if (o->lr) j["lr"] = *o->lr;
      if (o->temperature) j["temperature"] = *o->temperature;
      if (o->weight_decay) j["weight_decay"] = *o->weight_decay;
      if (o->grad_clip) j["grad_clip"] = *o->grad_clip;
      if (o->steps) j["steps"] = *o->steps;
      if (o->batch) j["batch"] = *o->batch;
      if (o->samples) j["samples_per_prompt"] = *o->samples;
      if (o->warmup) j["warmup"] = *o->warmup;
      if (o->max_new_tokens) j["max_new_tokens"] = *o->max_new_tokens;
      if (o->eval_every) j["eval_every"] = *o->eval_every;
      if (o->eval_prompts) j["eval_prompts"] = *o->eval_prompts;
      if (o->ckpt_every) j["ckpt_every"] = *o->ckpt_every;
      if (o->seed) j["seed"] = *o->seed;
      if (o->prompt_seed) j["prompt_seed"] = *o->prompt_seed;
      if (o->threads) j["threads"] = *o->threads;
      const std::string where = o->config_file.empty() ? "train options" : o->config_file + " + train options";
      const warp::RlConfig config = warp::RlConfig::from_json(j, where, base);
      warp::install_stop_handlers();
      r = warp::run_rl(exp, o->name, config, ro, line.callback());
    }
    line.finish();
    std::cout << "train finished: " << r.checkpoint << " after " << r.steps << " steps (" << r.elapsed_s
              << " s); eval reward " << r.last_eval.reward.mean << " ± " << r.last_eval.reward.se << ", gold "
              << r.last_eval.gold.mean << " ± " << r.last_eval.gold.se << ", KL to SFT " << r.last_eval.kl_sft.mean
              << " ± " << r.last_eval.kl_sft.se << "\n";
  });
}

const bool registered = warp::cli::add_command(&register_train);

}  // namespace
