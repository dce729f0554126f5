#pragma once
// Shared by the tests of label `slurm`: the real single-node cluster of tests/slurm/cluster.sh,
// started once per `ctest` by the CTest fixture slurm_cluster (tests/slurm/CMakeLists.txt), which
// hands its slurm.conf to every test through SLURM_CONF; and running Slurm's commands.

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace warp::test {

struct Shell {
  int code = -1;
  std::string out;  // stdout and stderr together
};

// Runs `cmd` with /bin/sh; its output and exit code.
inline Shell sh(const std::string& cmd) {
  Shell r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  while (!r.out.empty() && (r.out.back() == '\n' || r.out.back() == ' ')) r.out.pop_back();
  return r;
}

// The cluster's slurm.conf; a test failure (never a skip) when the fixture did not start one.
inline std::string slurm_conf() {
  const char* c = std::getenv("SLURM_CONF");
  if (!c || !*c) {
    ADD_FAILURE() << "SLURM_CONF is not set: run the slurm tests through ctest (-L slurm), whose fixture "
                     "slurm_cluster starts the cluster (tests/slurm/cluster.sh)";
    return "";
  }
  return c;
}

// Until `sinfo` says the cluster's node is idle (the previous test's jobs are gone), at most `seconds`.
inline bool wait_idle(double seconds = 60) {
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < seconds) {
    if (sh("sinfo -h -o %T").out == "idle") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace warp::test
