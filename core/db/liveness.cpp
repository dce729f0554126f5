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

namespace {

// Fields of /proc/<pid>/stat after the command name, which is in parentheses and may itself hold
// spaces or parentheses: everything after the last ')'. Element 0 is field 3 (state). Empty if none.
std::vector<std::string> proc_stat_fields(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return {};
  std::string line;
  std::getline(in, line);
  auto close = line.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(line.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

const std::string& boot_id() {
  static const std::string id = [] {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string s;
    std::getline(in, s);
    return s;
  }();
  return id;
}

}  // namespace

std::string this_host() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "";
  return buf;
}

bool pid_alive(int64_t pid) {
  // pid 0 and negative pids mean process groups to kill(): never a run's process.
  if (pid <= 0 || pid != static_cast<int64_t>(static_cast<pid_t>(pid))) return false;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return false;  // ESRCH: gone
  // A zombie has exited; only its parent has not collected it yet.
  auto fields = proc_stat_fields(pid);
  if (!fields.empty() && fields[0] == "Z") return false;
  return true;
}

std::string process_start_token(int64_t pid) {
  if (pid <= 0) return "";
  auto fields = proc_stat_fields(pid);
  constexpr size_t kStartTime = 22 - 3;  // field 22 of proc(5), counted from field 3
  if (fields.size() <= kStartTime || boot_id().empty()) return "";
  return boot_id() + ":" + fields[kStartTime];
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
