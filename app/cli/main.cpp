// warp: the headless WARP engine. `warp --help` lists the subcommands.
#include <cerrno>
#include <cstdlib>
#include <iostream>

#include "commands.h"
#include "util/compute_env.h"
#include "util/error.h"
#include "util/process.h"
#include "workbench/versions.h"

namespace warp::cli {
std::vector<Registrar>& registry() {
  static std::vector<Registrar> r;
  return r;
}
}  // namespace warp::cli

namespace {

// CLI11 reads integers with strtoll/strtoull in base 0 and ignores ERANGE, so 2^64 silently becomes
// INT64_MAX, "-1" for an unsigned option becomes 2^64 - 1, and "010" is octal 8. Every integer
// option of every subcommand gets this check first: decimal digits with an optional sign, within
// the type's range; anything else is refused naming the option and the value.
std::string strict_integer(const std::string& text, bool is_unsigned) {
  size_t i = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
  bool digits = i < text.size();
  for (size_t k = i; k < text.size(); ++k) digits = digits && text[k] >= '0' && text[k] <= '9';
  if (!digits) return "'" + text + "' is not a whole number";
  if (is_unsigned && text[0] == '-') return "'" + text + "' is negative; expected a whole number >= 0";
  errno = 0;
  if (is_unsigned) (void)std::strtoull(text.c_str(), nullptr, 10);
  else (void)std::strtoll(text.c_str(), nullptr, 10);
  if (errno == ERANGE)
    return "'" + text + "' is out of range (" +
           (is_unsigned ? "at most 18446744073709551615" : "from -9223372036854775808 to 9223372036854775807") + ")";
  return std::string();
}

void check_integer_options(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    const std::string type = opt->get_type_name();
    if (type != "INT" && type != "UINT") continue;
    const bool is_unsigned = type == "UINT";
    // A validator named "" adds nothing to the help text.
    opt->check(CLI::Validator([is_unsigned](std::string& v) { return strict_integer(v, is_unsigned); }, ""));
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) check_integer_options(*sub);
}

}  // namespace

int main(int argc, char** argv) {
  warp::ensure_compute_env(argv);
  CLI::App app{"warp: Weight Averaged Rewarded Policies engine (WARP Studio)"};
  // The first line is the version alone (scripts parse it); then what the engine links and runs on.
  app.set_version_flag("--version", std::function<std::string()>([] {
                         const warp::EngineInfo e = warp::engine_info();
                         return std::string("warp ") + WARP_VERSION + "\nLibTorch " + e.torch + ", HDF5 " + e.hdf5 +
                                ", SQLite " + e.sqlite + "\ndevice: " + e.device;
                       }));
  app.require_subcommand(1);
  // Before the subcommand (`warp --sched-idle train ...`, `warp --nice 10 run ...`): their callbacks
  // run before the subcommand's work, and the processes a command starts (the workers of `warp run`,
  // an external reward command) inherit the priority. The desktop app starts its runs with one of
  // them (Settings > Preferences; --sched-idle by default).
  app.add_option_function<int>(
      "--nice", [](const int& n) { warp::lower_cpu_priority(n); },
      "Run at a lower CPU priority: nice 0 (normal) to 19 (lowest); started processes inherit it");
  app.add_flag_callback(
      "--sched-idle", [] { warp::use_idle_scheduling(); },
      "Run as a background job on CPU time nothing else wants (Linux SCHED_IDLE); started processes inherit it");
  for (auto reg : warp::cli::registry()) reg(app);
  check_integer_options(app);
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
