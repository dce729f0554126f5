#pragma once
// A terminal progress line for long CLI work: redraws one line on a terminal (at most ~10 times a
// second), prints plain lines every few seconds when stdout is not a terminal. The callback returns
// false once SIGINT/SIGTERM arrived (util/signals.h), so the work stops at its next safe point.

#include <chrono>
#include <string>

#include "util/progress.h"

namespace warp::cli {

class ProgressLine {
 public:
  ProgressLine();
  ProgressFn callback();
  // Ends the current line (if one is drawn).
  void finish();

 private:
  void show(const ProgressInfo& info);
  bool tty_;
  bool drawn_ = false;
  std::string last_stage_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace warp::cli
