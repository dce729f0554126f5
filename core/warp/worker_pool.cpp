// The worker pool of `warp run` (worker_pool.h): the M RL runs of an iteration.
#include "warp/worker_pool.h"

#include <signal.h>

#include <algorithm>
#include <thread>

#include "db/journal.h"
#include "db/liveness.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/seeds.h"
#include "warp/launcher.h"
#include "warp/worker_process.h"

namespace warp {

namespace {

constexpr const char* kWorkerKind = "train";
constexpr double kImportSeconds = 0.5;

}  // namespace

// Worker bookkeeping of the train stage.
struct WorkerPool::Slot {
  std::string name;
  int64_t m = 0;
  enum class State { Pending, Running, Adopted, Done } state = State::Pending;
  bool resume = false;  // a row exists: continue it
  int64_t handle = -1;  // launched (hooks) or the pid (default launcher)
  bool stop_sent = false;
  int64_t step = 0;  // last train step seen in the DB (progress display)
};

WorkerPool::WorkerPool(const Experiment& exp, ExperimentDb& db, int64_t driver_run_id, const WarpConfig& config,
                       const RlConfig& rl, const WarpDriverOptions& options, Callbacks callbacks)
    : exp_(exp),
      db_(db),
      run_id_(driver_run_id),
      wc_(config),
      rl_(rl),
      options_(options),
      callbacks_(std::move(callbacks)) {
  const int64_t p = wc_.parallel > 0 ? std::min(wc_.parallel, wc_.runs) : wc_.runs;
  parallel_ = p;
  if (wc_.threads > 0) {
    threads_ = wc_.threads;
  } else {
    // Every worker gets all the cores: with OMP_WAIT_POLICY=PASSIVE (warp sets it) idle threads
    // sleep, and the parts of a step that one thread cannot fill leave room for the others.
    // Measured on the 2-core class (bench/rl/parallel_runs.sh, docs/performance.md): P = 2 runs at
    // 2.55 steps/s with 2 threads each against 2.25-2.31 with 1 each; P = 4: 2.48 against 1.87.
    const unsigned hw = std::thread::hardware_concurrency();
    threads_ = std::max(1, static_cast<int>(hw));
  }
  launcher_ = options_.launcher ? options_.launcher : std::make_shared<LocalLauncher>();
  if (!options_.launch) launcher_->begin({exp_.dir(), options_.warp_executable, wc_.name, run_id_, 0});
  import_journals_now(true);  // what workers recorded while no driver was there
}

// Forced before a worker's row is read to decide how it ended, and when the workers are done.
void WorkerPool::import_journals_now(bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && std::chrono::duration<double>(now - last_import_).count() < kImportSeconds) return;
  last_import_ = now;
  import_journals(db_, exp_.dir() + "/journals");
}

std::string WorkerPool::where() const {
  return "iteration " + std::to_string(iteration_) + "/" + std::to_string(wc_.iterations);
}

std::vector<std::string> WorkerPool::new_worker_args(const std::string& worker, int64_t m, const std::string& init,
                                                     const std::string& config_file) const {
  const uint64_t i = static_cast<uint64_t>(iteration_);
  const uint64_t seed = derive_seed(kSeedDomainWarpRun, wc_.seed, {i, static_cast<uint64_t>(m)});
  const uint64_t prompt_seed = derive_seed(kSeedDomainWarpPrompts, wc_.seed, {i, static_cast<uint64_t>(m)});
  return {"train",
          "--exp",
          exp_.dir(),
          "--name",
          worker,
          "--config",
          config_file,
          "--init",
          init,
          "--seed",
          std::to_string(seed),
          "--prompt-seed",
          std::to_string(prompt_seed),
          "--threads",
          std::to_string(threads_),
          "--device",
          wc_.device,
          "--iteration",
          std::to_string(iteration_),
          "--parent-run",
          wc_.name};
}

std::vector<std::string> WorkerPool::resume_worker_args(const std::string& worker) const {
  return {"train",    "--exp",   exp_.dir(), "--resume", worker, "--threads", std::to_string(threads_),
          "--device", wc_.device};
}

std::string WorkerPool::log_path(const std::string& worker) const { return exp_.dir() + "/logs/" + worker + ".log"; }

// Starts workers together (one Slurm job array with the Slurm launcher); each slot is running
// once its worker started (a hook failing half-way leaves the ones started before it running).
void WorkerPool::launch(const std::vector<WorkerLaunch>& batch, const std::vector<Slot*>& slots) {
  if (options_.launch) {
    for (size_t k = 0; k < batch.size(); ++k) {
      slots[k]->handle = options_.launch(batch[k]);
      slots[k]->state = Slot::State::Running;
    }
    return;
  }
  launcher_->set_iteration(iteration_);
  const std::vector<int64_t> handles = launcher_->launch(batch);
  for (size_t k = 0; k < batch.size(); ++k) {
    slots[k]->handle = handles.at(k);
    slots[k]->state = Slot::State::Running;
  }
}

std::optional<int> WorkerPool::poll(int64_t handle) {
  if (options_.poll) return options_.poll(handle);
  return launcher_->poll(handle);
}

void WorkerPool::stop(int64_t handle) {
  if (options_.stop) return options_.stop(handle);
  launcher_->stop(handle);
}

void WorkerPool::force_kill(int64_t handle) {
  if (!options_.launch) launcher_->kill(handle);
}

// How a row found in the DB is taken up: Done (finished), Adopted (its process still runs),
// Pending (to start or continue). Throws for a diverged run and for names taken by others.
void WorkerPool::classify(Slot& s) {
  classify_once(s);
  if (s.state == Slot::State::Pending && s.resume) {
    // A worker that looks dead with its run still `running` may have ended just after the last
    // import: it records how it ended in its journal before it exits, so import once more and look
    // again before launching it a second time (a resumed driver submitted a finished worker again).
    import_journals_now(true);
    classify_once(s);
  }
}

void WorkerPool::classify_once(Slot& s) {
  auto row = db_.find_run(s.name);
  if (!row) {
    s.state = Slot::State::Pending;
    s.resume = false;
    return;
  }
  if (row->kind != kWorkerKind)
    throw BadInput(where() + ": the run name '" + s.name + "' is taken by a " + row->kind + " run");
  if (row->parent_run_id != std::optional<int64_t>(run_id_))
    throw BadInput(where() + ": run '" + s.name + "' exists but was not started by the driver run '" + wc_.name + "'");
  if (row->status == RunStatus::Finished) {
    const std::string final_path = exp_.checkpoints_dir() + "/" + s.name + ".h5";
    if (!is_regular_file(final_path))
      throw Error(where() + ": run '" + s.name + "' finished but its policy " + final_path + " is missing");
    s.state = Slot::State::Done;
    return;
  }
  if (row->status == RunStatus::Diverged)
    throw Error(where() + ": run " + s.name + " failed: diverged: " + row->message);
  if (row->status == RunStatus::Running || row->status == RunStatus::Queued) {
    const double stale = row->host == this_host() ? 0.0 : kDefaultStaleAfterSeconds;
    if (row->status == RunStatus::Running && is_alive(*row, stale)) {
      s.state = Slot::State::Adopted;
      return;
    }
  }
  s.state = Slot::State::Pending;
  s.resume = true;
}

// Why worker `s` did not finish: its row's message, else the exit code and its log's tail.
std::string WorkerPool::failure_message(const Slot& s, int code) {
  auto row = db_.find_run(s.name);
  std::string msg;
  if (row && is_terminal(row->status) && row->status != RunStatus::Finished) {
    msg = std::string(to_string(row->status)) + (row->message.empty() ? "" : ": " + row->message);
  } else {
    msg = "exit code " + std::to_string(code) + (row ? " (status " + std::string(to_string(row->status)) + ")" : "");
    const std::string tail = options_.launch ? "" : file_tail(log_path(s.name), 1500);
    if (!tail.empty()) {
      msg += "; the end of " + log_path(s.name) + ":\n" + tail;
    } else if (!options_.launch) {
      msg += "; no output in " + log_path(s.name);
    }
  }
  // A scheduler's task: which one, where, and its log.
  if (!options_.launch && launcher_->kind() != "local")
    msg += " [" + launcher_->describe(s.handle) + "; worker log: " + log_path(s.name) + "]";
  return msg;
}

// Stops every worker still going (SIGTERM: they checkpoint and end killed) and waits for them.
void WorkerPool::stop_all(std::vector<Slot>& slots) {
  for (auto& s : slots) {
    if (s.state == Slot::State::Running) {
      stop(s.handle);
      s.stop_sent = true;
    } else if (s.state == Slot::State::Adopted) {
      auto row = db_.find_run(s.name);
      if (row && !is_terminal(row->status)) signal_run_process(*row, SIGTERM);  // only its own process
      s.stop_sent = true;
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  bool killed = false;
  for (;;) {
    bool any = false;
    for (auto& s : slots) {
      if (s.state == Slot::State::Running) {
        if (poll(s.handle)) s.state = Slot::State::Done;
        else any = true;
      } else if (s.state == Slot::State::Adopted) {
        auto row = db_.find_run(s.name);
        if (!row || is_terminal(row->status) ||
            !is_alive(*row, row->host == this_host() ? 0.0 : kDefaultStaleAfterSeconds))
          s.state = Slot::State::Done;
        else any = true;
      }
    }
    if (!any) return;
    callbacks_.beat();
    import_journals_now();
    if (!killed &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > options_.stop_timeout_s) {
      for (auto& s : slots)
        if (s.state == Slot::State::Running) force_kill(s.handle);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.poll_interval_ms));
  }
}

void WorkerPool::train(int64_t iteration, const std::vector<std::string>& runs, const std::string& init) {
  if (static_cast<int64_t>(runs.size()) != wc_.runs)
    throw Error("warp driver: iteration " + std::to_string(iteration) + " has " + std::to_string(runs.size()) +
                " worker names for " + std::to_string(wc_.runs) + " runs");
  iteration_ = iteration;
  import_journals_now(true);
  std::vector<Slot> slots;
  for (int64_t m = 1; m <= wc_.runs; ++m) {
    Slot s;
    s.name = runs[static_cast<size_t>(m - 1)];
    s.m = m;
    classify(s);
    // A job of an earlier driver of this run that the scheduler still has: follow it, not a second one.
    if (s.state == Slot::State::Pending && !options_.launch) {
      if (auto h = launcher_->reattach(s.name)) {
        s.handle = *h;
        s.state = Slot::State::Running;
      }
    }
    slots.push_back(s);
  }
  const std::string config_file = exp_.dir() + "/logs/" + wc_.name + "-rl.json";
  bool config_written = false;
  auto last_display = std::chrono::steady_clock::now() - std::chrono::seconds(10);
  std::string detail;
  try {
    for (;;) {
      // Progress first: a stop asked for while workers were launched wins over what they report.
      int64_t done = 0;
      for (const auto& s : slots) done += s.state == Slot::State::Done;
      if (std::chrono::duration<double>(std::chrono::steady_clock::now() - last_display).count() >= 1.0) {
        last_display = std::chrono::steady_clock::now();
        detail = where() + ":";
        for (auto& s : slots) {
          if (s.state == Slot::State::Running || s.state == Slot::State::Adopted) {
            if (auto row = db_.find_run(s.name)) {
              const auto pts = db_.read_metrics(row->id, "train/reward");
              if (!pts.empty()) s.step = pts.back().step;
            }
          }
          const char* what = s.state == Slot::State::Done      ? "done"
                             : s.state == Slot::State::Pending ? "waiting"
                                                               : nullptr;
          // A scheduler's worker that is not running yet (or any more) shows its state: PENDING, ...
          std::string sched;
          if (s.state == Slot::State::Running && !options_.launch) sched = launcher_->state(s.handle);
          if (sched == "RUNNING") sched.clear();
          detail += " r" + std::to_string(s.m) + " " +
                    (what             ? std::string(what)
                     : !sched.empty() ? sched
                                      : std::to_string(s.step) + "/" + std::to_string(rl_.steps));
        }
      }
      if (!callbacks_.keep_going({"train", done, wc_.runs, detail})) {
        stop_all(slots);
        throw Cancelled();
      }
      if (done == wc_.runs) {
        import_journals_now(true);  // the last records of the workers (all of them there once they ended)
        break;
      }
      import_journals_now();

      // Ended workers.
      for (auto& s : slots) {
        if (s.state == Slot::State::Running) {
          const auto code = poll(s.handle);
          if (!code) continue;
          import_journals_now(true);  // how it ended, when it recorded that in its journal
          auto row = db_.find_run(s.name);
          if (row && row->status == RunStatus::Finished) {
            s.state = Slot::State::Done;
            continue;
          }
          s.state = Slot::State::Done;
          const std::string msg = failure_message(s, *code);
          stop_all(slots);
          throw Error(where() + ": run " + s.name + " failed: " + msg);
        }
        if (s.state == Slot::State::Adopted) {
          auto row = db_.find_run(s.name);
          const bool ended = !row || is_terminal(row->status) ||
                             !is_alive(*row, row->host == this_host() ? 0.0 : kDefaultStaleAfterSeconds);
          if (!ended) continue;
          // The process of an earlier driver ended: take the run up as we find it now. Only a
          // finished or a continuable run is expected; a diverged one fails here.
          if (row && row->status == RunStatus::Running && row->host == this_host())
            db_.set_run_status(row->id, RunStatus::Crashed,
                               "process " + std::to_string(row->pid.value_or(0)) + " is gone (found by the driver)");
          classify(s);
        }
      }

      // Start pending workers, at most P at a time.
      int64_t active = 0;
      for (const auto& s : slots) active += s.state == Slot::State::Running || s.state == Slot::State::Adopted;
      std::vector<WorkerLaunch> batch;
      std::vector<Slot*> starting;
      for (auto& s : slots) {
        if (active >= parallel_) break;
        if (s.state != Slot::State::Pending) continue;
        WorkerLaunch wl;
        wl.name = s.name;
        wl.resume = s.resume;
        wl.index = s.m - 1;
        if (s.resume) {
          wl.args = resume_worker_args(s.name);
        } else {
          if (!config_written) {
            make_dirs(parent_dir(config_file));
            write_file_atomic(config_file, rl_.to_json().dump(2) + "\n");
            config_written = true;
          }
          wl.args = new_worker_args(s.name, s.m, init, config_file);
        }
        batch.push_back(wl);
        starting.push_back(&s);
        ++active;
      }
      if (!batch.empty()) {
        launch(batch, starting);
        last_display = std::chrono::steady_clock::now() - std::chrono::seconds(10);  // show it
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.poll_interval_ms));
    }
  } catch (...) {
    // Never leave workers behind (an error of the database, of a launch, ...).
    bool any = false;
    for (const auto& s : slots) any = any || s.state == Slot::State::Running;
    if (any) {
      try {
        stop_all(slots);
      } catch (...) {}
    }
    throw;
  }
  // The workers have ended and their journals are imported: the long ones shrink to a base
  // record (db/journal.h, compact_journal), so heartbeats do not grow them forever.
  compact_journals(db_, exp_.dir() + "/journals");
}

}  // namespace warp
