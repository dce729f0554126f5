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
#include "json_options.h"
#include "progress_line.h"
#include "rl/rl_config.h"
#include "rl/trainer.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/json_read.h"
#include "util/signals.h"

namespace {

struct Options {
  std::string exp, name, resume, config_file;
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

// --threads and --device, the settings a resumed run may change.
void resume_overrides(const warp::cli::JsonOptions& f, warp::RlRunOptions& ro) {
  const nlohmann::json given = f.given();
  if (given.contains("threads")) ro.threads = given.at("threads").get<int>();
  if (given.contains("device")) ro.device = given.at("device").get<std::string>();
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
  // Each option below sets the RlConfig field (config/rl_config.h) it is named after.
  auto f = std::make_shared<warp::cli::JsonOptions>(cmd);
  f->add<std::string>("--init", "init", "Init checkpoint (default checkpoints/sft.h5)");
  f->add<std::string>(
      "--anchor", "anchor",
      "KL anchor: ema (WARP, starts at the init), sft (static θ_sft, whatever the init) or init (static θ_init)");
  f->add<double>("--beta", "beta", "KL-regularization strength beta >= 0 (paper: 0.1)");
  f->add<double>("--mu", "mu", "EMA update rate mu in (0, 1] (paper: 0.01)");
  f->add<int64_t>("--steps", "steps", "Optimizer steps T");
  f->add<int64_t>("--batch", "batch", "Prompts per step");
  f->add<int64_t>("--samples", "samples_per_prompt", "Completions per prompt (rows per step = batch x samples)");
  f->add<double>("--temperature", "temperature", "Sampling temperature tau (paper: 0.9)");
  f->add<int64_t>("--max-new-tokens", "max_new_tokens", "Completion length bound");
  f->add<std::string>("--baseline", "baseline", "Reward baseline: mean or rloo");
  f->add<uint64_t>("--prompt-seed", "prompt_seed", "Seed of the training prompt order");
  f->add<int64_t>("--eval-prompts", "eval_prompts", "Evaluation prompts per trajectory point (0: the eval protocol's)");
  f->add<std::string>("--reward", "reward",
                      "gold | rm:PATH | external:CMD (default: rm:checkpoints/rm.h5 when it exists, else gold)");
  warp::cli::add_train_settings(
      *f, {{"Seed of the rollouts' sampling", "Compute threads (for M parallel runs on C cores: C / M each)"},
           "Peak learning rate (constant after warmup)",
           "Linear warmup steps",
           "Steps between trajectory points on the evaluation prompts"});
  cmd->add_option("--iteration", o->iteration, "WARP iteration this run belongs to (lineage)");
  cmd->add_option("--parent-run", o->parent_run, "Name of the run that launched this one (lineage)");
  cmd->callback([o, f] {
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
      throw warp::BadInput(
          "--or-resume goes with --name NAME (it continues NAME when that run exists), not with --resume");
    if (!o->resume.empty()) {
      const bool others = !o->name.empty() || !o->config_file.empty() || f->any_given_except({"threads", "device"});
      if (others)
        throw warp::BadInput(
            "--resume continues a run with its stored settings: only --threads and --device may be "
            "given with it");
      resume_overrides(*f, ro);
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
        resume_overrides(*f, ro);
        warp::install_stop_handlers();
        r = warp::resume_rl(exp, o->resume, ro, line.callback());
      }
    }
    if (o->resume.empty()) {
      const warp::RlConfig base = warp::rl_config_for(exp);
      nlohmann::json j = nlohmann::json::object();
      if (!o->config_file.empty()) j = read_config_file(o->config_file);
      f->apply(j);
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
