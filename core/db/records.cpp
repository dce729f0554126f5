#include "db/records.h"

#include "util/error.h"

namespace warp {

namespace {
constexpr RunStatus kAll[] = {RunStatus::Queued,   RunStatus::Running, RunStatus::Finished, RunStatus::Failed,
                              RunStatus::Diverged, RunStatus::Killed,  RunStatus::Crashed};
}  // namespace

const char* to_string(RunStatus status) {
  switch (status) {
    case RunStatus::Queued:
      return "queued";
    case RunStatus::Running:
      return "running";
    case RunStatus::Finished:
      return "finished";
    case RunStatus::Failed:
      return "failed";
    case RunStatus::Diverged:
      return "diverged";
    case RunStatus::Killed:
      return "killed";
    case RunStatus::Crashed:
      return "crashed";
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

namespace {
std::string trim_blanks(const std::string& s) {
  const char* blanks = " \t\r\n";
  const size_t b = s.find_first_not_of(blanks);
  if (b == std::string::npos) return std::string();
  return s.substr(b, s.find_last_not_of(blanks) - b + 1);
}
}  // namespace

std::vector<std::string> normalize_run_tags(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  for (const std::string& raw : tags) {
    const std::string tag = trim_blanks(raw);
    if (tag.empty()) throw BadInput("run tag '" + raw + "': empty");
    if (tag.size() > kMaxRunTagBytes)
      throw BadInput("run tag '" + tag + "': " + std::to_string(tag.size()) + " bytes, at most " +
                     std::to_string(kMaxRunTagBytes));
    for (unsigned char c : tag) {
      if (c == ',') throw BadInput("run tag '" + tag + "': a comma separates tags, it cannot be part of one");
      if (c < 0x20 || c == 0x7f) throw BadInput("run tag '" + tag + "': holds a control character");
    }
    bool seen = false;
    for (const std::string& t : out) seen = seen || t == tag;
    if (!seen) out.push_back(tag);
  }
  return out;
}

std::vector<std::string> parse_run_tags(const std::string& text) {
  std::vector<std::string> pieces;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string piece = trim_blanks(text.substr(start, comma - start));
    if (!piece.empty()) pieces.push_back(piece);
    start = comma + 1;
  }
  return normalize_run_tags(pieces);
}

bool is_terminal(RunStatus status) { return status != RunStatus::Queued && status != RunStatus::Running; }

}  // namespace warp
