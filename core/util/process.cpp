#include "util/process.h"

#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/error.h"

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

namespace {

// Integer field `field` (numbered as in proc(5)) of /proc/<pid>/stat.
std::optional<int> stat_int(int64_t pid, size_t field) {
  auto fields = proc_stat_fields(pid);
  const size_t i = field - 3;  // fields counted from field 3, the state
  if (fields.size() <= i) return std::nullopt;
  char* end = nullptr;
  const long v = std::strtol(fields[i].c_str(), &end, 10);
  if (end == fields[i].c_str() || *end != '\0') return std::nullopt;
  return static_cast<int>(v);
}

// Calls `apply(tid)` on each thread of this process until a pass over /proc/self/task changes
// nothing (a thread started meanwhile inherits from its creator, which may not be done yet);
// `apply` returns whether it changed the thread. Throws Error with `what` and the errno of a
// failed call (a thread that ended meanwhile, ESRCH, is skipped).
template <class Apply>
void for_each_thread_until_settled(const std::string& what, Apply apply) {
  for (int pass = 0; pass < 8; ++pass) {
    DIR* tasks = ::opendir("/proc/self/task");
    if (!tasks) throw Error(what + ": cannot list /proc/self/task: " + std::strerror(errno));
    bool changed = false;
    std::string failure;
    while (dirent* e = ::readdir(tasks)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      const pid_t tid = static_cast<pid_t>(std::strtol(e->d_name, nullptr, 10));
      errno = 0;
      if (apply(tid)) changed = true;
      else if (errno != 0 && errno != ESRCH) failure = std::strerror(errno);
    }
    ::closedir(tasks);
    if (!failure.empty()) throw Error(what + ": " + failure);
    if (!changed) return;
  }
}

}  // namespace

void use_idle_scheduling() {
  for_each_thread_until_settled("--sched-idle: sched_setscheduler failed", [](pid_t tid) {
    const int now = ::sched_getscheduler(tid);
    if (now < 0 || now == SCHED_IDLE) return false;  // gone (errno set), or already idle
    const sched_param param{};
    return ::sched_setscheduler(tid, SCHED_IDLE, &param) == 0;
  });
}

std::optional<int> scheduling_policy_of(int64_t pid) { return stat_int(pid, 41); }

void lower_cpu_priority(int nice) {
  if (nice < 0 || nice > kMaxNice)
    throw BadInput("--nice: " + std::to_string(nice) + " is out of range (0 to " + std::to_string(kMaxNice) +
                   "; 0 is the normal priority, " + std::to_string(kMaxNice) + " the lowest)");
  for_each_thread_until_settled("--nice " + std::to_string(nice) + ": setpriority failed", [nice](pid_t tid) {
    errno = 0;
    const int now = ::getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
    if (errno != 0 || now >= nice) return false;  // gone (errno set), or already as nice
    return ::setpriority(PRIO_PROCESS, static_cast<id_t>(tid), nice) == 0;
  });
}

std::optional<int> nice_of(int64_t pid) { return stat_int(pid, 19); }

}  // namespace warp
