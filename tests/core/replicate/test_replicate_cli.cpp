// `warp replicate --scale smoke` the way CI and a new user run it: a fresh smoke experiment made
// with the CLI (warp init, warp sft), then the replication report, through the built binaries.
// Checks the report's structure (every Observation with a verdict), the figure files (JSON always;
// PNG and PDF when warp-plot is built beside warp) and points.csv, then that a second invocation
// reuses everything (no new run rows, same verdict table).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "db/experiment_db.h"
#include "test_env.h"
#include "test_support.h"

namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs a shell command line; returns its exit status, output in `log`.
int run(const std::string& cmd, const std::string& log) {
  const int rc = std::system((cmd + " > '" + log + "' 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// The summary table of report.md: its rows "| 1 | ... |" .. "| 6 | ... |".
std::string verdict_rows(const std::string& report) {
  std::string rows;
  std::istringstream in(report);
  std::string line;
  static const std::regex row(R"(^\| *[1-6] *\|.*)");
  while (std::getline(in, line))
    if (std::regex_match(line, row)) rows += line + "\n";
  return rows;
}

}  // namespace

TEST(ReplicateCli, SmokeScaleEndToEndAndRerunReusesEverything) {
  const std::string warp = warp::test::env_path("WARP_EXE");
  const std::string dir = warp::test::scratch_dir("replicate-cli");
  const std::string exp = dir + "/exp", out = dir + "/report", log = dir + "/log.txt";
  ASSERT_EQ(run("'" + warp + "' init '" + exp + "' --preset smoke", log), 0) << slurp(log);
  ASSERT_EQ(run("'" + warp + "' sft --exp '" + exp + "'", log), 0) << slurp(log);
  ASSERT_EQ(run("'" + warp + "' replicate --exp '" + exp + "' --scale smoke --out '" + out + "' --threads 1", log), 0)
      << slurp(log);

  const std::string report = slurp(out + "/report.md");
  ASSERT_FALSE(report.empty());
  for (int k = 1; k <= 6; ++k)
    EXPECT_NE(report.find("Observation " + std::to_string(k)), std::string::npos) << "Observation " << k;
  const std::string rows = verdict_rows(report);
  EXPECT_EQ(std::count(rows.begin(), rows.end(), '\n'), 6) << rows;
  static const std::regex verdict("held|did not hold|inconclusive");
  std::istringstream rs(rows);
  for (std::string line; std::getline(rs, line);) EXPECT_TRUE(std::regex_search(line, verdict)) << line;

  int figures = 0;
  for (const auto& e : fs::directory_iterator(out + "/figures"))
    if (e.path().extension() == ".json") {
      ++figures;
      const std::string stem = e.path().stem().string();
      if (warp::test::env_has("WARP_PLOT_EXE")) {  // the GUI build: warp-plot renders every figure
        EXPECT_TRUE(fs::exists(out + "/figures/" + stem + ".png")) << stem;
        EXPECT_TRUE(fs::exists(out + "/figures/" + stem + ".pdf")) << stem;
      }
    }
  EXPECT_GE(figures, 6);
  const std::string csv = slurp(out + "/points.csv");
  EXPECT_GT(std::count(csv.begin(), csv.end(), '\n'), 20);

  // Again: everything comes from the database and the files.
  const auto runs_before = warp::ExperimentDb::open_read_only(exp + "/experiment.db").list_runs().size();
  ASSERT_EQ(run("'" + warp + "' replicate --exp '" + exp + "' --scale smoke --out '" + out + "' --threads 1", log), 0)
      << slurp(log);
  EXPECT_EQ(warp::ExperimentDb::open_read_only(exp + "/experiment.db").list_runs().size(), runs_before);
  EXPECT_EQ(verdict_rows(slurp(out + "/report.md")), rows);
}
