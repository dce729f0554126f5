#pragma once
// The warp CLI: each subcommand lives in its own cmd_<name>.cpp and registers itself here.
// A command's callback throws warp::BadInput for bad input (exit 2) and warp::Error otherwise (exit 1).

#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

namespace warp::cli {

using Registrar = void (*)(CLI::App& app);

// Static registration: `static const bool reg = warp::cli::add_command(&register_x);` in each file.
std::vector<Registrar>& registry();
inline bool add_command(Registrar r) {
  registry().push_back(r);
  return true;
}

}  // namespace warp::cli
