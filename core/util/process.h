#pragma once
// Processes on this host, as Linux's /proc shows them: whether a pid names a live process (not a
// zombie) and the identity that tells a process from a later one reusing its pid. Used by the run
// liveness rules (db/liveness.h) and by the removal of temporary files whose writer died
// (util/fsutil.h remove_dead_temp_files). And the CPU priority of this process, which `warp
// --sched-idle` and `warp --nice N` lower so that runs started from the desktop app leave it
// responsive.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace warp {

// Fields of /proc/<pid>/stat after the command name (which is in parentheses and may itself hold
// spaces or parentheses): element 0 is field 3 of proc(5), the state. Empty when unreadable.
std::vector<std::string> proc_stat_fields(int64_t pid);
// Whether a process with this pid exists on this host and is not a zombie (a zombie has exited;
// only its parent has not collected it yet). false for pid <= 0 and pids beyond pid_t.
bool pid_alive(int64_t pid);
// "<boot id>:<start time in clock ticks>" of a process on this host; "" when unknown.
std::string process_start_token(int64_t pid);

// The highest nice value `warp --nice` takes (the lowest CPU priority).
constexpr int kMaxNice = 19;
// Lowers the CPU priority of this whole process to nice `nice` (0..kMaxNice): every thread it has
// now, and so every thread and process it starts later (they inherit their creator's). Linux keeps
// a nice value per thread and setpriority(PRIO_PROCESS, 0, ...) sets the caller's only, so each
// thread of /proc/self/task is set. Never raises a priority: a thread already nicer keeps its value
// (raising needs privileges). Throws BadInput naming --nice for a value outside 0..kMaxNice, and
// Error when the kernel refuses.
void lower_cpu_priority(int nice);
// The nice value of a process's main thread or of a thread (a tid), from /proc/<pid>/stat;
// nullopt when unreadable.
std::optional<int> nice_of(int64_t pid);
// Moves every thread of this process (and so every thread and process it starts later) to Linux's
// SCHED_IDLE policy: it runs only on CPU time no normal thread wants, and a normal thread that
// wakes takes the core at once. `warp --sched-idle`; the desktop app starts its runs so by default
// (docs/studio.md). Error when the kernel refuses.
void use_idle_scheduling();
// The scheduling policy of a process's main thread or of a thread (SCHED_OTHER 0, SCHED_IDLE 5,
// ...), from /proc/<pid>/stat; nullopt when unreadable.
std::optional<int> scheduling_policy_of(int64_t pid);

}  // namespace warp
