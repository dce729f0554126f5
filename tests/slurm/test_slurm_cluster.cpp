// The real single-node Slurm cluster of tests/slurm/cluster.sh (label slurm): a job array submitted
// with `sbatch --parsable --array`, followed with squeue while it is queued or running and with
// `scontrol show job` once it has ended (no slurmdbd here, so no sacct: docs/slurm.md), its tasks'
// outputs, states and exit codes.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "slurm_test_support.h"
#include "test_support.h"
#include "util/fsutil.h"

using namespace warp;
using namespace warp::test;

namespace {

// "key=value key=value ..." of one `scontrol show job -o` line.
std::map<std::string, std::string> fields(const std::string& line) {
  std::map<std::string, std::string> out;
  std::istringstream in(line);
  std::string kv;
  while (in >> kv) {
    const auto eq = kv.find('=');
    if (eq != std::string::npos) out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

}  // namespace

TEST(SlurmCluster, NodeIsUpWithThisHostsCpus) {
  ASSERT_FALSE(slurm_conf().empty());
  ASSERT_TRUE(wait_idle()) << sh("sinfo").out;
  const Shell s = sh("sinfo -h -N -o '%N %c %T'");
  ASSERT_EQ(s.code, 0) << s.out;
  const Shell host = sh("hostname -s");
  const Shell cpus = sh("nproc --all");
  EXPECT_EQ(s.out, host.out + " " + cpus.out + " idle");
}

TEST(SlurmCluster, JobArrayRunsAndEndsWithItsExitCodes) {
  ASSERT_FALSE(slurm_conf().empty());
  ASSERT_TRUE(wait_idle()) << sh("sinfo").out;
  const std::string dir = scratch_dir("slurm-array");
  write_file_atomic(dir + "/task.sh",
                    std::string("#!/bin/bash\n"
                                "echo \"task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_JOB_ID on $(hostname -s)\"\n"
                                "sleep 1\n"
                                "exit $((SLURM_ARRAY_TASK_ID * 3))\n"));
  const Shell sub =
      sh("sbatch --parsable --array=0-1 --job-name=warp-fixture -o '" + dir + "/out-%A_%a.txt' '" + dir + "/task.sh'");
  ASSERT_EQ(sub.code, 0) << sub.out;
  const std::string job = sub.out;
  ASSERT_FALSE(job.empty());
  ASSERT_EQ(job.find_first_not_of("0123456789"), std::string::npos) << "not a job id: " << job;

  // Follow: squeue lists the tasks while they are pending or running, nothing once they ended.
  bool seen_in_queue = false;
  const auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    const Shell q = sh("squeue -h -r -j " + job + " -o '%i %T'");
    ASSERT_TRUE(q.code == 0 || q.out.find("Invalid job id") != std::string::npos) << q.out;
    if (q.code != 0 || q.out.empty()) break;
    seen_in_queue = true;
    for (const std::string state : {"PENDING", "RUNNING", "COMPLETING", "CONFIGURING"})
      if (q.out.find(state) != std::string::npos) goto known;
    FAIL() << "unexpected squeue state: " << q.out;
  known:
    ASSERT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 60) << q.out;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(seen_in_queue);

  // Ended: scontrol keeps them for MinJobAge, one line per task.
  const Shell ended = sh("scontrol show job -o " + job);
  ASSERT_EQ(ended.code, 0) << ended.out;
  std::map<std::string, std::map<std::string, std::string>> tasks;
  std::istringstream lines(ended.out);
  std::string line;
  while (std::getline(lines, line)) {
    auto f = fields(line);
    tasks[f["ArrayTaskId"]] = f;
  }
  ASSERT_EQ(tasks.size(), 2u) << ended.out;
  EXPECT_EQ(tasks["0"]["JobState"], "COMPLETED");
  EXPECT_EQ(tasks["0"]["ExitCode"], "0:0");
  EXPECT_EQ(tasks["1"]["JobState"], "FAILED");
  EXPECT_EQ(tasks["1"]["ExitCode"], "3:0");
  const std::string host = sh("hostname -s").out;
  for (const char* t : {"0", "1"}) {
    EXPECT_EQ(tasks[t]["ArrayJobId"], job);
    EXPECT_EQ(tasks[t]["NodeList"], host);
    const std::string out = dir + "/out-" + job + "_" + t + ".txt";
    ASSERT_TRUE(is_regular_file(out)) << out;
    EXPECT_EQ(sh("cat '" + out + "'").out, std::string("task ") + t + " of " + job + " on " + host);
  }
}
