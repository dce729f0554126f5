// warp rm --exp DIR [options]: train the Bradley-Terry reward model on preference pairs of θ_sft
// samples labelled by the gold reward with noise (reward/rm_trainer.h). Resumes an interrupted run;
// reports a finished one. Options override the experiment's "rm" config section.
#include <cstdio>
#include <iostream>
#include <optional>

#include "commands.h"
#include "experiment/experiment.h"
#include "progress_line.h"
#include "reward/rm_trainer.h"
#include "util/signals.h"

namespace {

struct Options {
  std::string exp;
  std::string run = "rm";
  std::optional<int64_t> pairs, steps, batch, warmup, max_new_tokens, eval_every, ckpt_every, ensemble;
  std::optional<double> lr, noise_scale, temperature, heldout_fraction;
  std::optional<bool> keep_ties;
  std::optional<uint64_t> seed;
  std::optional<int> threads;
  std::optional<std::string> device, init;
};

void register_rm(CLI::App& app) {
  auto* cmd = app.add_subcommand("rm", "Train the reward model (Bradley-Terry) on gold-labelled pairs of SFT samples");
  auto o = std::make_shared<Options>();
  cmd->add_option("--exp", o->exp, "Experiment folder")->required();
  cmd->add_option("--run", o->run, "Run name; the model is written to checkpoints/<run>.h5")->capture_default_str();
  cmd->add_option("--pairs", o->pairs, "Preference pairs to sample (training + held-out)");
  cmd->add_option("--noise-scale", o->noise_scale, "s in P(a > b) = sigmoid((g_a - g_b) / s)");
  cmd->add_option("--heldout-fraction", o->heldout_fraction, "Fraction of the prompts held out for evaluation");
  cmd->add_option("--keep-ties", o->keep_ties, "Keep pairs whose gold rewards are equal (true/false)");
  cmd->add_option("--temperature", o->temperature, "Sampling temperature of the SFT policy");
  cmd->add_option("--max-new-tokens", o->max_new_tokens, "Completion length bound");
  cmd->add_option("--init", o->init, "Policy checkpoint to sample from and start the trunk from");
  cmd->add_option("--steps", o->steps, "Optimizer steps");
  cmd->add_option("--batch", o->batch, "Pairs per step");
  cmd->add_option("--lr", o->lr, "Peak learning rate");
  cmd->add_option("--warmup", o->warmup, "Warmup steps");
  cmd->add_option("--eval-every", o->eval_every, "Steps between held-out evaluations");
  cmd->add_option("--ckpt-every", o->ckpt_every, "Steps between resumable checkpoints");
  cmd->add_option("--seed", o->seed, "Seed of the samples, labels, head init and batch order");
  cmd->add_option("--ensemble", o->ensemble,
                  "WARM: train K reward models (runs <run>-m1..K, different batch orders) and write their weight "
                  "average to checkpoints/<run>.h5 (K in 1..16)");
  cmd->add_option("--threads", o->threads, "Compute threads");
  cmd->add_option("--device", o->device, "auto, cpu, cuda or cuda:N");
  cmd->callback([o] {
    auto exp = warp::Experiment::open(o->exp);
    nlohmann::json j = exp.config().value("rm", nlohmann::json::object());
    if (o->pairs) j["pairs"] = *o->pairs;
    if (o->noise_scale) j["noise_scale"] = *o->noise_scale;
    if (o->heldout_fraction) j["heldout_fraction"] = *o->heldout_fraction;
    if (o->keep_ties) j["keep_ties"] = *o->keep_ties;
    if (o->temperature) j["temperature"] = *o->temperature;
    if (o->max_new_tokens) j["max_new_tokens"] = *o->max_new_tokens;
    if (o->init) j["init"] = *o->init;
    if (o->steps) j["steps"] = *o->steps;
    if (o->batch) j["batch"] = *o->batch;
    if (o->lr) j["lr"] = *o->lr;
    if (o->warmup) j["warmup"] = *o->warmup;
    if (o->eval_every) j["eval_every"] = *o->eval_every;
    if (o->ckpt_every) j["ckpt_every"] = *o->ckpt_every;
    if (o->seed) j["seed"] = *o->seed;
    if (o->threads) j["threads"] = *o->threads;
    if (o->device) j["device"] = *o->device;
    if (o->ensemble) j["ensemble"] = *o->ensemble;
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
    if (config.ensemble > 1) std::cout << "WARM: the weight average of " << config.ensemble
                                       << " reward models (pair accuracies below: the members' mean)\n";
    if (r.already_done) {
      std::cout << "rm already finished: " << r.checkpoint << "\n  " << buf << "\n";
      if (r.settings_differ)
        std::cout << "  note: that run used other settings than these; use --run NAME to train another model\n";
    }
    else
      std::cout << "rm finished: " << r.checkpoint << " after " << r.steps << " steps in " << static_cast<int>(r.seconds + 0.5)
                << " s\n  " << buf << "\n";
  });
}

const bool registered = warp::cli::add_command(&register_rm);

}  // namespace
