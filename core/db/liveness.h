#pragma once
// Is a run's process still there? (DESIGN §3: a run whose process is gone and whose heartbeat is
// stale is marked crashed, never left "running" forever.)
//
// A run is presumed alive while its heartbeat is fresh. Once the heartbeat is stale (older than
// stale_after_seconds), it is alive only if it ran on this host and its pid still names the same
// process: kill(pid, 0) finds it, it is not a zombie, and its start identity (boot id + start time,
// recorded with the pid) still matches, so a pid reused by another program does not keep a dead run
// "running". For a run on another host only the heartbeat counts.

#include <cstdint>
#include <string>

#include "db/records.h"
#include "util/format.h"  // unix_now
#include "util/process.h"

namespace warp {

// Heartbeats more than this old (seconds) count as stale by default; runs beat every few seconds.
constexpr double kDefaultStaleAfterSeconds = 60.0;

// This machine's host name (gethostname), "" if unknown.
std::string this_host();
// pid_alive, process_start_token: util/process.h.

// Sends `sig` to the run's process only when it surely is that process: the run ran on this host,
// its pid is a positive pid_t (kill() reads 0, -1 and other negatives as process groups or "every
// process", and a pid beyond pid_t's range such as 4294967295 would wrap to -1), the process exists
// and is not a zombie, and its start identity equals the one recorded with the pid (a pid reused by
// another program is never signalled; a run recorded without one is refused too). Returns "" when
// the signal was sent, else the reason it was not (for a message naming the run).
std::string signal_run_process(const RunRecord& run, int sig);

// Whether the run's process is presumed alive at time `now` (see above). Uses heartbeat_at, else
// started_at, else created_at as the last sign of life.
bool is_alive(const RunRecord& run, double stale_after_seconds, double now);
inline bool is_alive(const RunRecord& run, double stale_after_seconds = kDefaultStaleAfterSeconds) {
  return is_alive(run, stale_after_seconds, unix_now());
}

// Whether a run's holder is certainly or presumably alive, for deciding who may claim it: a run of
// this host with a recorded pid is alive only while that pid names the same process (no grace for
// a fresh heartbeat: after kill -9 the run can be resumed at once); a run of another host (or with
// no pid) is alive while its heartbeat is fresher than stale_after_seconds.
bool holder_alive(const RunRecord& run, double stale_after_seconds, double now);

// The status a reader should show: Crashed for a running run that is not alive, else the stored one.
RunStatus effective_status(const RunRecord& run, double stale_after_seconds, double now);

}  // namespace warp
