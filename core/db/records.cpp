#include "db/records.h"

#include "util/error.h"

namespace warp {

namespace {
constexpr RunStatus kAll[] = {RunStatus::Queued,   RunStatus::Running, RunStatus::Finished, RunStatus::Failed,
                              RunStatus::Diverged, RunStatus::Killed,  RunStatus::Crashed};
}  // namespace

const char* to_string(RunStatus status) {
  switch (status) {
    case RunStatus::Queued: return "queued";
    case RunStatus::Running: return "running";
    case RunStatus::Finished: return "finished";
    case RunStatus::Failed: return "failed";
    case RunStatus::Diverged: return "diverged";
    case RunStatus::Killed: return "killed";
    case RunStatus::Crashed: return "crashed";
  }
  return "unknown";
}

RunStatus parse_run_status(const std::string& text) {
  for (RunStatus s : kAll)
    if (text == to_string(s)) return s;
  std::string accepted;
  for (RunStatus s : kAll) accepted += std::string(accepted.empty() ? "" : ", ") + to_string(s);
  throw BadInput("unknown run status '" + text + "' (expected one of: " + accepted + ")");
}

bool is_terminal(RunStatus status) {
  return status != RunStatus::Queued && status != RunStatus::Running;
}

}  // namespace warp
