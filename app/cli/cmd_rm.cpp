// warp rm --exp DIR [options]: train the Bradley-Terry reward model on preference pairs of θ_sft
// samples labelled by the gold reward with noise (reward/rm_trainer.h). Resumes an interrupted run;
// reports a finished one. Options override the experiment's "rm" config section.
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "experiment/experiment.h"
#include "json_options.h"
#include "progress_line.h"
#include "reward/rm_trainer.h"
#include "util/signals.h"

namespace {

struct Options {
  std::string exp;
  std::string run = "rm";
};

void register_rm(CLI::App& app) {
  auto* cmd = app.add_subcommand("rm", "Train the reward model (Bradley-Terry) on gold-labelled pairs of SFT samples");
  auto o = std::make_shared<Options>();
  cmd->add_option("--exp", o->exp, "Experiment folder")->required();
  cmd->add_option("--run", o->run, "Run name; the model is written to checkpoints/<run>.h5")->capture_default_str();
  // Each option below sets the field of the experiment's "rm" section it is named after.
  auto f = std::make_shared<warp::cli::JsonOptions>(cmd);
  f->add<int64_t>("--pairs", "pairs", "Preference pairs to sample (training + held-out)");
  f->add<double>("--noise-scale", "noise_scale", "s in P(a > b) = sigmoid((g_a - g_b) / s)");
  f->add<double>("--heldout-fraction", "heldout_fraction", "Fraction of the prompts held out for evaluation");
  f->add<bool>("--keep-ties", "keep_ties", "Keep pairs whose gold rewards are equal (true/false)");
  f->add<double>("--temperature", "temperature", "Sampling temperature of the SFT policy");
  f->add<int64_t>("--max-new-tokens", "max_new_tokens", "Completion length bound");
  f->add<std::string>("--init", "init", "Policy checkpoint to sample from and start the trunk from");
  f->add<int64_t>("--steps", "steps", "Optimizer steps");
  f->add<int64_t>("--batch", "batch", "Pairs per step");
  f->add<int64_t>("--ensemble", "ensemble",
                  "WARM: train K reward models (runs <run>-m1..K, different batch orders) and write their weight "
                  "average to checkpoints/<run>.h5 (K in 1..16)");
  warp::cli::add_train_settings(*f, {{"Seed of the samples, labels, head init and batch order"}});
  cmd->callback([o, f] {
    auto exp = warp::Experiment::open(o->exp);
    nlohmann::json j = exp.config().value("rm", nlohmann::json::object());
    f->apply(j);
    const auto config = warp::RmConfig::from_json(j, "rm options");
    warp::install_stop_handlers();
    warp::cli::ProgressLine line;
    auto r = warp::run_rm(exp, config, o->run, line.callback());
    line.finish();
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "held-out pair accuracy %.3f vs sampled labels, %.3f vs gold ordering (labels agree with gold "
                  "%.3f); correlation with gold %.3f; %lld training / %lld held-out pairs",
                  r.pair_accuracy, r.pair_accuracy_gold, r.label_gold_agreement, r.corr_gold,
                  static_cast<long long>(r.pairs_train), static_cast<long long>(r.pairs_heldout));
    if (config.ensemble > 1)
      std::cout << "WARM: the weight average of " << config.ensemble
                << " reward models (pair accuracies below: the members' mean)\n";
    if (r.already_done) {
      std::cout << "rm already finished: " << r.checkpoint << "\n  " << buf << "\n";
      if (r.settings_differ)
        std::cout << "  note: that run used other settings than these; use --run NAME to train another model\n";
    } else
      std::cout << "rm finished: " << r.checkpoint << " after " << r.steps << " steps in "
                << static_cast<int>(r.seconds + 0.5) << " s\n  " << buf << "\n";
  });
}

const bool registered = warp::cli::add_command(&register_rm);

}  // namespace
