#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace warp {

double LrSchedule::at(int64_t s) const {
  if (warmup > 0 && s < warmup) return peak * static_cast<double>(s + 1) / static_cast<double>(warmup);
  if (total <= warmup) return peak;
  const double progress = std::clamp(static_cast<double>(s - warmup) / static_cast<double>(total - warmup), 0.0, 1.0);
  const double cosine = 0.5 * (1.0 + std::cos(M_PI * progress));
  return peak * (min_ratio + (1.0 - min_ratio) * cosine);
}

}  // namespace warp
