#include "util/process.h"

#include <signal.h>
#include <sys/types.h>

#include <cerrno>
#include <fstream>
#include <sstream>

namespace warp {

namespace {

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

std::vector<std::string> proc_stat_fields(int64_t pid) {
  if (pid <= 0) return {};
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

}  // namespace warp
