#include "progress_line.h"

#include <unistd.h>

#include <cstdio>

#include "util/signals.h"

namespace warp::cli {

ProgressLine::ProgressLine() : tty_(::isatty(STDERR_FILENO) == 1), last_() {}

ProgressFn ProgressLine::callback() {
  return [this](const ProgressInfo& info) {
    show(info);
    return !stop_requested();
  };
}

void ProgressLine::show(const ProgressInfo& info) {
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_).count();
  const bool stage_changed = info.stage != last_stage_;
  const bool last_unit = info.total > 0 && info.done == info.total;
  if (!stage_changed && !last_unit && since < (tty_ ? 0.1 : 5.0)) return;
  if (stage_changed && drawn_) finish();
  last_ = now;
  last_stage_ = info.stage;
  std::string text = info.stage;
  if (!info.detail.empty()) text += ": " + info.detail;
  else if (info.total > 0) text += ": " + std::to_string(info.done) + "/" + std::to_string(info.total);
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s", text.c_str());
    drawn_ = true;
  } else {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  std::fflush(stderr);
}

void ProgressLine::finish() {
  if (drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

}  // namespace warp::cli
