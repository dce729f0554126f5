#pragma once
// Where an evaluation's time goes, phase by phase, for profiling (bench/studio prints it for the merge
// workbench's uncached points). Each phase adds its wall seconds and the process's CPU seconds
// (user + sys of every thread: LibTorch's intra-op threads included; on a loaded machine the CPU
// time says more than the wall time).
//
// Evaluator::evaluate (eval/evaluate.h) records into the PhaseTimes of the innermost PhaseRecorder
// alive on its thread, if any ("sample", "sft_forward", "kl", and score_samples' "decode", "reward",
// "gold"); nothing else changes (no number of the evaluation depends on it). The merge workbench
// records its own phases ("merge", "load", "eval", "store") around them. Without a recorder a timer
// costs one clock read.

#include <time.h>

#include <chrono>
#include <string>
#include <vector>

namespace warp {

struct PhaseTime {
  std::string name;
  double wall_s = 0;
  double cpu_s = 0;
  int calls = 0;
};

struct PhaseTimes {
  std::vector<PhaseTime> phases;  // in the order first recorded

  void add(const std::string& name, double wall_s, double cpu_s) {
    for (PhaseTime& p : phases)
      if (p.name == name) {
        p.wall_s += wall_s;
        p.cpu_s += cpu_s;
        ++p.calls;
        return;
      }
    phases.push_back({name, wall_s, cpu_s, 1});
  }
};

// The process's CPU time (all threads), in seconds.
inline double process_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// While alive, the evaluations of this thread record their phases into `times`.
class PhaseRecorder {
 public:
  explicit PhaseRecorder(PhaseTimes* times) : previous_(current()) { current() = times; }
  ~PhaseRecorder() { current() = previous_; }
  PhaseRecorder(const PhaseRecorder&) = delete;
  PhaseRecorder& operator=(const PhaseRecorder&) = delete;
  // The PhaseTimes of the innermost recorder of this thread (nullptr when none).
  static PhaseTimes*& current() {
    thread_local PhaseTimes* times = nullptr;
    return times;
  }

 private:
  PhaseTimes* previous_;
};

// Times one phase from construction to stop() (or destruction) into `times` (nothing when null).
class PhaseTimer {
 public:
  PhaseTimer(PhaseTimes* times, std::string name)
      : times_(times),
        name_(std::move(name)),
        wall0_(std::chrono::steady_clock::now()),
        cpu0_(times ? process_cpu_seconds() : 0) {}
  ~PhaseTimer() { stop(); }
  PhaseTimer(const PhaseTimer&) = delete;
  PhaseTimer& operator=(const PhaseTimer&) = delete;
  void stop() {
    if (!times_) return;
    times_->add(name_, std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0_).count(),
                process_cpu_seconds() - cpu0_);
    times_ = nullptr;
  }

 private:
  PhaseTimes* times_;
  std::string name_;
  std::chrono::steady_clock::time_point wall0_;
  double cpu0_;
};

}  // namespace warp
