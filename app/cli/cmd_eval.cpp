// warp eval --exp DIR --ckpt X.h5 [--json]: evaluate a policy checkpoint as a point of the
// KL-reward plane on the experiment's fixed evaluation prompts (core/eval/evaluate.h), with common
// random numbers; cached in the experiment database, so asking twice costs nothing.
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "eval/eval_config.h"
#include "eval/evaluate.h"
#include "experiment/checkpoint_trust.h"
#include "experiment/experiment.h"
#include "json_options.h"
#include "progress_line.h"
#include "util/fsutil.h"
#include "util/signals.h"

namespace {

struct Options {
  std::string exp, ckpt;
  bool json = false;
};

void register_eval(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "Evaluate a policy checkpoint: reward, gold reward, KL to the SFT policy");
  auto o = std::make_shared<Options>();
  cmd->add_option("--exp", o->exp, "Experiment folder")->required();
  cmd->add_option("--ckpt", o->ckpt, "Policy checkpoint (.h5)")->required();
  cmd->add_flag("--json", o->json, "Print the result as one JSON object");
  // Each option below sets the field of the eval settings (eval/eval_config.h) it is named after.
  auto f = std::make_shared<warp::cli::JsonOptions>(cmd);
  f->add<std::string>("--reward", "reward",
                      "gold | rm:PATH | external:CMD (default: rm:checkpoints/rm.h5 when it exists, else gold)");
  f->add<double>("--temperature", "temperature", "Sampling temperature (default: the experiment's)");
  f->add<int64_t>("--max-new-tokens", "max_new_tokens", "Completion length bound");
  f->add<int64_t>("--max-prompts", "max_prompts", "Evaluate the first N evaluation prompts (0: all)");
  f->add<int64_t>("--batch", "batch", "Prompts per forward pass (speed only)");
  warp::cli::add_run_settings(*f, {"Evaluation seed (common random numbers)"});
  cmd->callback([o, f] {
    auto exp = warp::Experiment::open(o->exp);
    const auto config = warp::EvalConfig::from_json(f->given(), "eval options", warp::eval_config_for(exp));
    {
      // As evaluate_checkpoint resolves it; a file the experiment did not record is validated out of
      // process first.
      std::string path = o->ckpt;
      if (!path.empty() && path[0] != '/' && !warp::is_regular_file(path) &&
          warp::is_regular_file(exp.dir() + "/" + path))
        path = exp.dir() + "/" + path;
      if (warp::is_regular_file(path)) warp::check_checkpoint_input(exp, path);
    }
    warp::install_stop_handlers();
    warp::EvalResult r;
    {
      warp::cli::ProgressLine line;
      r = warp::evaluate_checkpoint(exp, o->ckpt, config, o->json ? warp::ProgressFn() : line.callback());
      line.finish();
    }
    if (o->json) {
      nlohmann::json out = {{"checkpoint", o->ckpt},
                            {"cached", r.cached},
                            {"protocol_sha256", r.protocol_sha256},
                            {"protocol", r.protocol},
                            {"point", r.point.to_json()}};
      std::cout << out.dump(2) << "\n";
      return;
    }
    const auto& p = r.point;
    std::printf("%s (%lld evaluation prompts%s)\n", o->ckpt.c_str(), static_cast<long long>(p.prompts),
                r.cached ? ", cached" : "");
    std::printf("  reward          %9.4f ± %.4f  (%s)\n", p.reward.mean, p.reward.se,
                r.protocol.value("reward", std::string("?")).c_str());
    std::printf("  gold reward     %9.4f ± %.4f\n", p.gold.mean, p.gold.se);
    std::printf("  KL to SFT       %9.4f ± %.4f  (exact per token)\n", p.kl_sft.mean, p.kl_sft.se);
    std::printf("  KL sampled      %9.4f ± %.4f  (sampled log-ratio)\n", p.kl_sft_sampled.mean, p.kl_sft_sampled.se);
    std::printf("  length          %9.2f ± %.2f tokens\n", p.length.mean, p.length.se);
  });
}

const bool registered = warp::cli::add_command(&register_eval);

}  // namespace
