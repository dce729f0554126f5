#pragma once
// Graceful stop on SIGINT / SIGTERM: the handler only sets a flag; long work polls it through its
// progress callback and stops at the next safe point (a step boundary, with a checkpoint).
// A second signal of the same kind while a stop is pending ends the process at once.

namespace warp {

void install_stop_handlers();
bool stop_requested();
// The signal that asked for the stop (0 when none).
int stop_signal();

}  // namespace warp
