// warp init DIR [--preset demo|smoke]: create an experiment folder (DESIGN §3).
#include <iostream>

#include "commands.h"
#include "experiment/experiment.h"
#include "experiment/presets.h"

namespace {

void register_init(CLI::App& app) {
  auto* cmd = app.add_subcommand("init", "Create a new experiment folder (config.json, experiment.db, checkpoints/)");
  auto dir = std::make_shared<std::string>();
  auto preset = std::make_shared<std::string>("demo");
  cmd->add_option("DIR", *dir, "Folder to create (must not exist or be empty)")->required();
  cmd->add_option("--preset", *preset, "Sizes and budgets to start from")
      ->check(CLI::IsMember(warp::preset_names()))
      ->capture_default_str();
  cmd->callback([dir, preset] {
    auto e = warp::Experiment::create(*dir, *preset);
    std::cout << "created experiment " << e.dir() << " (preset " << *preset << ")\n";
  });
}

const bool registered = warp::cli::add_command(&register_init);

}  // namespace
