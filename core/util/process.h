#pragma once
// Processes on this host, as Linux's /proc shows them: whether a pid names a live process (not a
// zombie) and the identity that tells a process from a later one reusing its pid. Used by the run
// liveness rules (db/liveness.h) and by the removal of temporary files whose writer died
// (util/fsutil.h remove_dead_temp_files).

#include <cstdint>
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

}  // namespace warp
