// warp: the headless WARP engine. `warp --help` lists the subcommands.
#include <iostream>

#include "commands.h"
#include "util/error.h"
#include "util/compute_env.h"
#include "workbench/versions.h"

namespace warp::cli {
std::vector<Registrar>& registry() {
  static std::vector<Registrar> r;
  return r;
}
}  // namespace warp::cli

int main(int argc, char** argv) {
  warp::ensure_compute_env(argv);
  CLI::App app{"warp: Weight Averaged Rewarded Policies engine (WARP Studio)"};
  // The first line is the version alone (scripts parse it); then what the engine links and runs on.
  app.set_version_flag("--version", std::function<std::string()>([] {
    const warp::EngineInfo e = warp::engine_info();
    return std::string("warp ") + WARP_VERSION + "\nLibTorch " + e.torch + ", HDF5 " + e.hdf5 + ", SQLite " +
           e.sqlite + "\ndevice: " + e.device;
  }));
  app.require_subcommand(1);
  for (auto reg : warp::cli::registry()) reg(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "warp: " << e.what() << "\n";
    return 2;
  } catch (const warp::BadInput& e) {
    std::cerr << "warp: error: " << e.what() << "\n";
    return 2;
  } catch (const warp::Cancelled&) {
    std::cerr << "warp: interrupted\n";
    return 130;
  } catch (const std::exception& e) {
    std::cerr << "warp: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
