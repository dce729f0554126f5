#include "db/liveness.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace warp {

std::string this_host() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "";
  return buf;
}

bool is_alive(const RunRecord& run, double stale_after_seconds, double now) {
  double last_sign = run.heartbeat_at ? *run.heartbeat_at : run.started_at ? *run.started_at : run.created_at;
  if (now - last_sign <= stale_after_seconds) return true;
  if (!run.pid || run.host.empty() || run.host != this_host()) return false;
  if (!pid_alive(*run.pid)) return false;
  if (run.proc_start.empty()) return true;  // recorded where /proc was not readable: the pid is all we have
  std::string now_token = process_start_token(*run.pid);
  return now_token.empty() || now_token == run.proc_start;
}

std::string signal_run_process(const RunRecord& run, int sig) {
  if (!run.pid) return "no process recorded";
  const int64_t pid = *run.pid;
  if (run.host.empty() || run.host != this_host())
    return "it runs on host '" + run.host + "', not on this one ('" + this_host() + "')";
  if (pid <= 0 || pid != static_cast<int64_t>(static_cast<pid_t>(pid)))
    return "the recorded pid " + std::to_string(pid) + " is not a process id (refusing to signal a process group)";
  if (!pid_alive(pid)) return "process " + std::to_string(pid) + " is gone";
  if (run.proc_start.empty())
    return "no start identity was recorded with pid " + std::to_string(pid) +
           ", so it cannot be told from a reused pid";
  const std::string now_token = process_start_token(pid);
  if (now_token != run.proc_start)
    return "pid " + std::to_string(pid) + " now belongs to another process (start identity " +
           (now_token.empty() ? std::string("unreadable") : now_token) + ", recorded " + run.proc_start + ")";
  if (::kill(static_cast<pid_t>(pid), sig) != 0) return "kill(" + std::to_string(pid) + "): " + std::strerror(errno);
  return "";
}

bool holder_alive(const RunRecord& run, double stale_after_seconds, double now) {
  const bool here = run.pid && !run.host.empty() && run.host == this_host();
  return is_alive(run, here ? 0.0 : stale_after_seconds, now);
}

RunStatus effective_status(const RunRecord& run, double stale_after_seconds, double now) {
  if (run.status == RunStatus::Running && !is_alive(run, stale_after_seconds, now)) return RunStatus::Crashed;
  return run.status;
}

}  // namespace warp
