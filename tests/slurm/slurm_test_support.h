#pragma once
// Shared by the tests of label `slurm`: the real single-node cluster of tests/slurm/cluster.sh,
// started once per `ctest` by the CTest fixture slurm_cluster (tests/slurm/CMakeLists.txt), which
// hands its slurm.conf to every test through SLURM_CONF; and running Slurm's commands.

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <regex>
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

// For a failure message: what the controller says of job `job` ("17" or "17_1": the whole array) and
// the lines of its log (the cluster folder's log/slurmctld.log, next to slurm.conf) that name it.
inline std::string slurm_job_trace(const std::string& job) {
  const std::string array = job.substr(0, job.find('_'));
  const char* conf = std::getenv("SLURM_CONF");
  std::string dir = conf ? conf : "";
  dir = dir.substr(0, dir.rfind('/'));
  return "\n--- scontrol show job -o " + array + ":\n" + sh("scontrol show job -o " + array).out + "\n--- " + dir +
         "/log/slurmctld.log on JobId=" + array + ":\n" +
         sh("grep -E 'JobId=" + array + "([^0-9]|$)' '" + dir + "/log/slurmctld.log' | tail -n 60").out + "\n";
}

// Records, on a thread of its own, every change in how squeue and scontrol show job `job` (one array
// task, "17_1"): "+12.3 s squeue PENDING | scontrol JobState=PENDING Restarts=1 ExitCode=0:0" lines,
// for a failure message that says what the controller showed while the driver watched.
class SlurmStateRecorder {
 public:
  explicit SlurmStateRecorder(std::string job) : job_(std::move(job)), thread_([this] { loop(); }) {}
  ~SlurmStateRecorder() { stop(); }
  SlurmStateRecorder(const SlurmStateRecorder&) = delete;
  SlurmStateRecorder& operator=(const SlurmStateRecorder&) = delete;
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::string timeline() {
    std::lock_guard<std::mutex> lock(mu_);
    return "\n--- what squeue and scontrol showed of " + job_ + ":\n" + lines_;
  }

 private:
  void loop() {
    static const std::regex fields(R"((JobState|Restarts|ExitCode|Reason)=\S*)");
    const auto t0 = std::chrono::steady_clock::now();
    std::string last;
    while (!stop_) {
      std::string now = "squeue " + sh("squeue -h -j " + job_ + " -o %T").out + " | scontrol";
      const std::string show = sh("scontrol show job -o " + job_).out;
      for (std::sregex_iterator i(show.begin(), show.end(), fields), end; i != end; ++i) now += " " + i->str();
      if (now != last) {
        char stamp[32];
        std::snprintf(stamp, sizeof stamp, "+%.1f s ",
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        std::lock_guard<std::mutex> lock(mu_);
        lines_ += stamp + now + "\n";
        last = now;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  std::string job_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::string lines_;
  std::thread thread_;
};

}  // namespace warp::test
