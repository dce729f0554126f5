#pragma once
// Progress reporting with cancellation for long work in core (training, merges, evaluation).
// The callback returns false to ask the work to stop; the work then throws warp::Cancelled at the
// next safe point (never leaving a half-written file behind).

#include <cstdint>
#include <functional>
#include <string>

#include "util/error.h"

namespace warp {

struct ProgressInfo {
  std::string stage;   // what is being done, e.g. "merge", "sample"
  int64_t done = 0;    // units finished
  int64_t total = 0;   // units in all (0: unknown)
  std::string detail;  // e.g. the tensor name being merged
};

using ProgressFn = std::function<bool(const ProgressInfo&)>;

// Calls fn (if any); throws Cancelled when it returns false.
inline void report(const ProgressFn& fn, const ProgressInfo& info) {
  if (fn && !fn(info)) throw Cancelled();
}

}  // namespace warp
