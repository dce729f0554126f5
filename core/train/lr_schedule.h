#pragma once
// Learning-rate schedules: linear warmup from 0, then constant or cosine decay to min_lr.

#include <cstdint>

namespace warp {

struct LrSchedule {
  double peak = 1e-3;
  int64_t warmup = 0;      // steps of linear warmup: lr(s) = peak·(s+1)/warmup for s < warmup
  int64_t total = 0;       // steps in all; cosine runs from warmup to total (0: constant after warmup)
  double min_ratio = 0.1;  // cosine ends at peak·min_ratio
  // lr of the 0-based optimizer step s.
  double at(int64_t s) const;
};

}  // namespace warp
