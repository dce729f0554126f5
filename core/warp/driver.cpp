#include "warp/driver.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "db/experiment_db.h"
#include "db/journal.h"
#include "db/liveness.h"
#include "db/metric_keys.h"
#include "eval/eval_cache.h"
#include "eval/eval_config.h"
#include "eval/evaluate.h"
#include "experiment/checkpoint_trust.h"
#include "merge/merger.h"
#include "model/device.h"
#include "reward/reward_spec.h"
#include "rl/trainer.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/json_fields.h"
#include "util/json_read.h"
#include "util/seeds.h"
#include "util/sha256.h"
#include "warp/launcher.h"
#include "warp/worker_process.h"

namespace warp {

namespace {

constexpr const char* kDriverKind = "warp";
constexpr const char* kWorkerKind = "train";
constexpr double kHeartbeatSeconds = 2.0;
constexpr double kImportSeconds = 0.5;

std::string abs_in_experiment(const Experiment& exp, const std::string& path) {
  return !path.empty() && path[0] == '/' ? path : exp.dir() + "/" + path;
}

std::string fmt4(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

nlohmann::json parse_object(const std::string& text, const std::string& where) {
  auto j = parse_json_or_discarded(text, where);
  if (j.is_discarded() || !j.is_object()) throw BadInput(where + ": not a JSON object");
  return j;
}

// The stored configuration of a driver run.
struct Stored {
  WarpConfig warp;
  RlConfig rl;
  EvalConfig eval;
  std::string protocol_sha256;
};

Stored parse_stored(const RunRecord& run) {
  const std::string where = "run '" + run.name + "' (stored config)";
  const nlohmann::json j = parse_object(run.config_json, where);
  for (const char* key : {"warp", "rl", "eval", "eval_protocol_sha256"})
    if (!j.contains(key)) throw BadInput(where + ": no \"" + std::string(key) + "\" entry");
  Stored s;
  s.warp.update_from_json(j.at("warp"), where + " (warp)");
  s.warp.validate();
  s.rl = RlConfig::from_json(j.at("rl"), where + " (rl)");
  s.eval = EvalConfig::from_json(j.at("eval"), where + " (eval)");
  if (!j.at("eval_protocol_sha256").is_string()) throw BadInput(where + ": eval_protocol_sha256 must be a string");
  s.protocol_sha256 = j.at("eval_protocol_sha256").get<std::string>();
  return s;
}

// The last registration of `rel_path` by the driver run with this stage in its meta.
std::optional<std::pair<CheckpointRecord, nlohmann::json>> registered(const std::vector<CheckpointRecord>& ckpts,
                                                                      const std::string& rel_path) {
  for (auto it = ckpts.rbegin(); it != ckpts.rend(); ++it) {
    if (it->path != rel_path) continue;
    auto meta = parse_json_or_discarded(it->meta_json, "checkpoint '" + rel_path + "' (meta)");
    if (meta.is_discarded() || !meta.is_object()) continue;
    return std::make_pair(*it, meta);
  }
  return std::nullopt;
}

// The front point of a registered LITI file at η when the cache has its evaluation under `protocol`.
std::optional<FrontPoint> evaluated_point(const EvalCache& cache, const std::string& protocol,
                                          const CheckpointRecord& rec, const std::string& rel, double eta) {
  auto point = cache.find(rec.sha256, protocol);
  if (!point) return std::nullopt;
  FrontPoint fp;
  fp.eta = eta;
  fp.checkpoint = rel;
  fp.sha256 = rec.sha256;
  fp.point = *point;
  return fp;
}

std::string meta_string(const nlohmann::json& meta, const char* key) {
  return meta.contains(key) && meta.at(key).is_string() ? meta.at(key).get<std::string>() : std::string();
}

double meta_double(const nlohmann::json& meta, const char* key) {
  return meta.contains(key) && meta.at(key).is_number() ? meta.at(key).get<double>() : std::nan("");
}

// One run of the driver (new or resumed): the state every stage shares.
class Driver {
 public:
  Driver(const Experiment& exp, Stored stored, int64_t run_id, const WarpDriverOptions& options,
         const ProgressFn& progress)
      : exp_(exp),
        wc_(std::move(stored.warp)),
        rl_(std::move(stored.rl)),
        ec_(std::move(stored.eval)),
        protocol_sha_(std::move(stored.protocol_sha256)),
        options_(options),
        progress_(progress),
        db_(ExperimentDb::open(exp.db_path())),
        run_id_(run_id) {
    result_.name = wc_.name;
    result_.config = wc_;
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

  WarpResult run() {
    try {
      std::string init = wc_.init.empty() ? std::string("checkpoints/sft.h5") : wc_.init;
      for (iteration_ = 1; iteration_ <= wc_.iterations; ++iteration_) {
        WarpIteration it;
        it.iteration = iteration_;
        it.init = init;
        for (int64_t m = 1; m <= wc_.runs; ++m) it.runs.push_back(warp_worker_name(wc_.name, iteration_, m));
        result_.iterations.push_back(it);
        WarpIteration& cur = result_.iterations.back();
        const std::string init_abs = abs_in_experiment(exp_, init);
        if (!is_regular_file(init_abs))
          throw BadInput("iteration " + std::to_string(iteration_) + ": the init checkpoint " + init_abs +
                         " is missing");
        const std::string init_sha = sha256_file(init_abs);

        stage_ = "train";
        train_runs(cur, init);
        // The workers have ended and their journals are imported: the long ones shrink to a base
        // record (db/journal.h, compact_journal), so heartbeats do not grow them forever.
        compact_journals(db_, exp_.dir() + "/journals");
        stage_ = "merge";
        const std::string slerp_sha = slerp(cur, init_abs, init_sha);
        const std::vector<double> etas = warp_eta_points(wc_);
        for (double eta : etas) {
          stage_ = "liti";
          FrontPoint fp = liti(cur, init_abs, init_sha, slerp_sha, eta);
          stage_ = "eval";
          fp.point = evaluate(fp.checkpoint, eta);
          cur.front.push_back(fp);
          if (warp_eta_tag(eta) == warp_eta_tag(wc_.eta)) cur.next_init = fp.checkpoint;
        }
        log_front(cur);
        init = cur.next_init;
      }
      stage_ = "output";
      output_front();
      const WarpIteration& last = result_.iterations.back();
      std::string msg = "done: " + std::to_string(wc_.iterations) + " iterations";
      for (const auto& fp : last.front)
        if (fp.checkpoint == last.next_init)
          msg += "; θ_init of the next iteration (η " + warp_eta_tag(fp.eta) + "): reward " +
                 fmt4(fp.point.reward.mean) + ", gold " + fmt4(fp.point.gold.mean) + ", KL to SFT " +
                 fmt4(fp.point.kl_sft.mean) + " (" + last.next_init + ")";
      db_.set_run_status(run_id_, RunStatus::Finished, msg);
      result_.status = RunStatus::Finished;
      result_.message = msg;
      return result_;
    } catch (const Cancelled&) {
      const std::string msg =
          "stopped in iteration " + std::to_string(iteration_) + " (" + stage_ + "); continue with warp run --resume";
      end(RunStatus::Killed, msg);
      throw;
    } catch (const std::exception& e) {
      end(RunStatus::Failed, e.what());
      throw;
    }
  }

 private:
  // Worker bookkeeping of the train stage.
  struct Slot {
    std::string name;
    int64_t m = 0;
    enum class State { Pending, Running, Adopted, Done } state = State::Pending;
    bool resume = false;  // a row exists: continue it
    int64_t handle = -1;  // launched (hooks) or the pid (default launcher)
    bool stop_sent = false;
    int64_t step = 0;  // last train step seen in the DB (progress display)
  };

  // Imports what the workers' journals (<exp>/journals/*.wj, db/journal.h) hold that experiment.db
  // does not yet: at most every kImportSeconds unless forced (before a worker's row is read to
  // decide how it ended, and when the workers are done). Idempotent, so a driver killed at any
  // moment and resumed neither loses nor doubles a row.
  void import_journals_now(bool force = false) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && std::chrono::duration<double>(now - last_import_).count() < kImportSeconds) return;
    last_import_ = now;
    import_journals(db_, exp_.dir() + "/journals");
  }

  void end(RunStatus status, const std::string& msg) {
    result_.status = status;
    result_.message = msg;
    try {
      import_journals_now(true);
    } catch (const std::exception&) {
      // A corrupt journal: its error is the one on its way (or the next resume reports it).
    }
    try {
      db_.set_run_status(run_id_, status, msg);
    } catch (const std::exception&) {
      // The database is what failed; the exception on its way says why.
    }
  }

  void beat(bool force = false) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && std::chrono::duration<double>(now - last_beat_).count() < kHeartbeatSeconds) return;
    last_beat_ = now;
    db_.heartbeat(run_id_);
  }

  std::string where() const { return "iteration " + std::to_string(iteration_) + "/" + std::to_string(wc_.iterations); }

  // Progress of merges and evaluations: heartbeat, the iteration in the detail, the caller's cancel.
  ProgressFn stage_progress() {
    return [this](const ProgressInfo& info) {
      beat();
      if (!progress_) return true;
      ProgressInfo p = info;
      p.detail = where() + (info.detail.empty() ? "" : ": " + info.detail);
      return progress_(p);
    };
  }

  bool keep_going(const ProgressInfo& info) {
    beat();
    return !progress_ || progress_(info);
  }

  // ---- stage 1: the M RL runs

  std::vector<std::string> new_worker_args(const std::string& worker, int64_t m, const std::string& init,
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

  std::vector<std::string> resume_worker_args(const std::string& worker) const {
    return {"train",    "--exp",   exp_.dir(), "--resume", worker, "--threads", std::to_string(threads_),
            "--device", wc_.device};
  }

  std::string log_path(const std::string& worker) const { return exp_.dir() + "/logs/" + worker + ".log"; }

  // Starts workers together (one Slurm job array with the Slurm launcher); each slot is running
  // once its worker started (a hook failing half-way leaves the ones started before it running).
  void launch(const std::vector<WorkerLaunch>& batch, const std::vector<Slot*>& slots) {
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

  std::optional<int> poll(int64_t handle) {
    if (options_.poll) return options_.poll(handle);
    return launcher_->poll(handle);
  }

  void stop(int64_t handle) {
    if (options_.stop) return options_.stop(handle);
    launcher_->stop(handle);
  }

  void force_kill(int64_t handle) {
    if (!options_.launch) launcher_->kill(handle);
  }

  // How a row found in the DB is taken up: Done (finished), Adopted (its process still runs),
  // Pending (to start or continue). Throws for a diverged run and for names taken by others.
  void classify(Slot& s) {
    classify_once(s);
    if (s.state == Slot::State::Pending && s.resume) {
      // A worker that looks dead with its run still `running` may have ended just after the last
      // import: it records how it ended in its journal before it exits, so import once more and look
      // again before launching it a second time (a resumed driver submitted a finished worker again).
      import_journals_now(true);
      classify_once(s);
    }
  }

  void classify_once(Slot& s) {
    auto row = db_.find_run(s.name);
    if (!row) {
      s.state = Slot::State::Pending;
      s.resume = false;
      return;
    }
    if (row->kind != kWorkerKind)
      throw BadInput(where() + ": the run name '" + s.name + "' is taken by a " + row->kind + " run");
    if (row->parent_run_id != std::optional<int64_t>(run_id_))
      throw BadInput(where() + ": run '" + s.name + "' exists but was not started by the driver run '" + wc_.name +
                     "'");
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
  std::string failure_message(const Slot& s, int code) {
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
  void stop_all(std::vector<Slot>& slots) {
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
      beat();
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

  void train_runs(WarpIteration& it, const std::string& init) {
    import_journals_now(true);
    std::vector<Slot> slots;
    for (int64_t m = 1; m <= wc_.runs; ++m) {
      Slot s;
      s.name = it.runs[static_cast<size_t>(m - 1)];
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
        if (!keep_going({"train", done, wc_.runs, detail})) {
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
  }

  // ---- stages 2 and 3: SLERP, LITI

  nlohmann::json lineage_meta(const WarpIteration& it, const std::string& stage, const std::string& init_sha) const {
    return {{"iteration", it.iteration}, {"stage", stage},          {"runs", it.runs},
            {"init", it.init},           {"init_sha256", init_sha}, {"driver", wc_.name}};
  }

  // Whether the registered file at rel is still what was registered (its bytes) with these inputs.
  std::optional<nlohmann::json> still_valid(const std::string& rel, const std::string& init_sha,
                                            const std::string& slerp_sha) {
    const auto reg = registered(db_.list_checkpoints(run_id_), rel);
    if (!reg) return std::nullopt;
    const std::string path = abs_in_experiment(exp_, rel);
    if (!is_regular_file(path)) return std::nullopt;
    const auto& [rec, meta] = *reg;
    if (meta_string(meta, "init_sha256") != init_sha) return std::nullopt;
    if (!slerp_sha.empty() && meta_string(meta, "slerp_sha256") != slerp_sha) return std::nullopt;
    if (sha256_file(path) != rec.sha256) return std::nullopt;
    nlohmann::json out = meta;
    out["sha256"] = rec.sha256;
    return out;
  }

  // Whether a SLERP's meta records these parameters and, for model k, the SHA-256 of model_paths[k]
  // as it is now (a worker policy rewritten since the SLERP was written makes it stale).
  static bool same_slerp_inputs(const nlohmann::json& meta, const MergeParams& params,
                                const std::vector<std::string>& model_paths) {
    nlohmann::json want = params.to_json();
    want.erase("method");
    if (!meta.contains("parameters") || meta.at("parameters") != want) return false;
    if (!meta.contains("inputs") || !meta.at("inputs").is_array()) return false;
    size_t models = 0;
    for (const auto& in : meta.at("inputs")) {
      if (!in.is_object() || in.value("role", std::string()) != "model") continue;
      const auto index = in.contains("index") && in.at("index").is_number_unsigned() ? in.at("index").get<size_t>() : 0;
      if (index < 1 || index > model_paths.size() || !in.contains("sha256") || !in.at("sha256").is_string())
        return false;
      if (!is_regular_file(model_paths[index - 1]) ||
          sha256_file(model_paths[index - 1]) != in.at("sha256").get<std::string>())
        return false;
      ++models;
    }
    return models == model_paths.size();
  }

  std::string slerp(WarpIteration& it, const std::string& init_abs, const std::string& init_sha) {
    const std::string rel = "checkpoints/" + wc_.name + "-i" + std::to_string(it.iteration) + "-slerp.h5";
    it.slerp = rel;
    MergeSpec spec;
    spec.params.method = MergeMethod::Slerp;
    spec.params.lambda = wc_.lambda;
    spec.params.granularity = parse_merge_granularity(wc_.granularity);
    spec.init_path = init_abs;
    for (const auto& r : it.runs) spec.model_paths.push_back(exp_.checkpoints_dir() + "/" + r + ".h5");
    spec.out_path = abs_in_experiment(exp_, rel);
    if (auto meta = still_valid(rel, init_sha, ""); meta && same_slerp_inputs(*meta, spec.params, spec.model_paths)) {
      it.mean_omega_deg = meta_double(*meta, "mean_omega_deg");
      last_slerp_sha_ = meta->at("sha256").get<std::string>();
      return last_slerp_sha_;
    }
    const MergeSummary sum = merge_checkpoints(spec, stage_progress());
    nlohmann::json meta = sum.meta;
    const nlohmann::json lineage = lineage_meta(it, "slerp", init_sha);
    for (const auto& [k, v] : lineage.items()) meta[k] = v;
    const std::string sha = sha256_file(spec.out_path);
    CheckpointSpec cs;
    cs.run_id = run_id_;
    cs.path = rel;
    cs.step = it.iteration;
    cs.sha256 = sha;
    cs.kind = "merge";
    cs.meta_json = meta.dump();
    db_.add_checkpoint(cs);
    it.mean_omega_deg = sum.mean_omega_deg;
    last_slerp_sha_ = sha;
    return sha;
  }

  // θ_η = (1 − η)·θ_init + η·θ_slerp of iteration `it`, written to `rel` (stage "liti"), or with
  // stage "output" the same toward θ_sft (init_abs / init_rel / init_sha then name θ_sft).
  FrontPoint liti(WarpIteration& it, const std::string& init_abs, const std::string& init_sha,
                  const std::string& slerp_sha, double eta, const std::string& stage = "liti",
                  const std::string& init_rel = "") {
    FrontPoint fp;
    fp.eta = eta;
    fp.checkpoint = stage == "output" ? "checkpoints/" + wc_.name + "-output-eta" + warp_eta_tag(eta) + ".h5"
                                      : "checkpoints/" + wc_.name + "-i" + std::to_string(it.iteration) + "-eta" +
                                            warp_eta_tag(eta) + ".h5";
    if (auto meta = still_valid(fp.checkpoint, init_sha, slerp_sha)) {
      fp.sha256 = meta->at("sha256").get<std::string>();
      return fp;
    }
    MergeSpec spec;
    spec.params.method = MergeMethod::Liti;
    spec.params.eta = eta;
    spec.init_path = init_abs;
    spec.model_paths = {abs_in_experiment(exp_, it.slerp)};
    spec.out_path = abs_in_experiment(exp_, fp.checkpoint);
    const MergeSummary sum = merge_checkpoints(spec, stage_progress());
    nlohmann::json meta = lineage_meta(it, stage, init_sha);
    if (!init_rel.empty()) meta["init"] = init_rel;
    meta["eta"] = eta;
    meta["slerp"] = it.slerp;
    meta["slerp_sha256"] = slerp_sha;
    meta["method"] = sum.meta.at("method");
    meta["parameters"] = sum.meta.at("parameters");
    meta["inputs"] = sum.meta.at("inputs");
    fp.sha256 = sha256_file(spec.out_path);
    CheckpointSpec cs;
    cs.run_id = run_id_;
    cs.path = fp.checkpoint;
    cs.step = it.iteration;
    cs.sha256 = fp.sha256;
    cs.kind = "liti";
    cs.meta_json = meta.dump();
    db_.add_checkpoint(cs);
    return fp;
  }

  // ---- evaluation and metrics

  EvalPoint evaluate(const std::string& rel, double eta) {
    const EvalResult r = evaluate_checkpoint(exp_, abs_in_experiment(exp_, rel), ec_, stage_progress());
    if (r.protocol_sha256 != protocol_sha_)
      throw BadInput(where() +
                     ": the evaluation protocol changed since the driver run started (the SFT checkpoint, "
                     "the prompt file, the tokenizer or the reward model differ); its fronts would not be comparable");
    return r.point;
  }

  void log_front(const WarpIteration& it) {
    for (const auto& p : db_.read_metrics(run_id_, "warp/mean_omega_deg"))
      if (p.step == it.iteration) return;  // logged before a resume
    std::vector<MetricRow> rows = front_rows(FrontFamily::Iteration, it.iteration, it.front);
    // Last: its presence marks the batch as written (one transaction anyway).
    rows.emplace_back(it.iteration, "warp/mean_omega_deg", it.mean_omega_deg);
    db_.append_metrics(run_id_, rows);
    beat(true);
  }

  static std::vector<MetricRow> front_rows(FrontFamily family, int64_t step, const std::vector<FrontPoint>& front) {
    std::vector<MetricRow> rows;
    for (const auto& fp : front) {
      const auto key = [&](const char* field) { return front_metric_key(family, fp.eta, field); };
      rows.emplace_back(step, key("reward"), fp.point.reward.mean);
      rows.emplace_back(step, key("reward_se"), fp.point.reward.se);
      rows.emplace_back(step, key("gold"), fp.point.gold.mean);
      rows.emplace_back(step, key("gold_se"), fp.point.gold.se);
      rows.emplace_back(step, key("kl_sft"), fp.point.kl_sft.mean);
      rows.emplace_back(step, key("kl_sft_se"), fp.point.kl_sft.se);
      rows.emplace_back(step, key("length"), fp.point.length.mean);
    }
    return rows;
  }

  // ---- Algorithm 1's output: LITI of the last SLERP toward θ_sft

  void output_front() {
    WarpIteration& last = result_.iterations.back();
    const std::string sft_rel = "checkpoints/sft.h5";
    const std::string sft_abs = abs_in_experiment(exp_, sft_rel);
    if (!is_regular_file(sft_abs)) throw BadInput("output front: the SFT checkpoint " + sft_abs + " is missing");
    const std::string sft_sha = sha256_file(sft_abs);
    const bool from_sft = sha256_file(abs_in_experiment(exp_, last.init)) == sft_sha;
    result_.output_front.clear();
    for (double eta : warp_eta_points(wc_)) {
      if (from_sft) {
        // θ_init of the last iteration is θ_sft: its front is the output front, point for point.
        for (const auto& fp : last.front)
          if (warp_eta_tag(fp.eta) == warp_eta_tag(eta)) result_.output_front.push_back(fp);
        continue;
      }
      stage_ = "output";
      FrontPoint fp = liti(last, sft_abs, sft_sha, last_slerp_sha_, eta, "output", sft_rel);
      stage_ = "eval";
      fp.point = evaluate(fp.checkpoint, eta);
      result_.output_front.push_back(fp);
    }
    // Logged once (a resumed driver finds the rows of its last η).
    const auto done =
        db_.read_metrics(run_id_, front_metric_key(FrontFamily::Output, warp_eta_points(wc_).back(), "kl_sft"));
    for (const auto& p : done)
      if (p.step == last.iteration) return;
    db_.append_metrics(run_id_, front_rows(FrontFamily::Output, last.iteration, result_.output_front));
    beat(true);
  }

  const Experiment& exp_;
  WarpConfig wc_;
  RlConfig rl_;
  EvalConfig ec_;
  std::string protocol_sha_;
  const WarpDriverOptions& options_;
  const ProgressFn& progress_;
  ExperimentDb db_;
  int64_t run_id_;
  int64_t parallel_ = 1;
  int threads_ = 1;
  int64_t iteration_ = 0;
  std::string stage_ = "start";
  std::string last_slerp_sha_;  // SHA-256 of the current iteration's SLERP file
  std::shared_ptr<WorkerLauncher> launcher_;
  std::chrono::steady_clock::time_point last_beat_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_import_{};
  WarpResult result_;
};

void check_options(const WarpDriverOptions& options) {
  const bool hooks = static_cast<bool>(options.launch);
  if (hooks != static_cast<bool>(options.poll) || hooks != static_cast<bool>(options.stop))
    throw BadInput("warp driver: the launch, poll and stop hooks go together (all three or none)");
  if (!hooks && options.warp_executable.empty())
    throw BadInput("warp driver: no warp executable to start the workers with");
  if (options.poll_interval_ms < 1 || options.stop_timeout_s < 0)
    throw BadInput("warp driver: poll_interval_ms must be >= 1 and stop_timeout_s >= 0");
}

// The run of `name` as a driver run (BadInput otherwise).
RunRecord find_driver(const ExperimentDb& db, const std::string& name, const std::string& what) {
  auto run = db.find_run(name);
  if (!run) throw BadInput(what + " '" + name + "': no such run in " + db.path());
  if (run->kind != kDriverKind)
    throw BadInput(what + " '" + name + "': it is a " + run->kind + " run, not a WARP driver (warp) run");
  return *run;
}

}  // namespace

WarpConfig warp_config_for(const Experiment& exp) {
  return warp_config_from_experiment_json(exp.config(), exp.config_path());
}

// ---------------------------------------------------------------- claiming the driver's run
// One driver per run name (issue 14): the row is created or claimed in one transaction, so of two
// `warp run` (or `warp run --resume`) started together exactly one drives; the other is refused
// with the name of the run and of the process that holds it.
namespace {

void claim_driver_run(ExperimentDb& db, int64_t run_id) { db.claim_run(run_id); }

int64_t create_driver_run(ExperimentDb& db, const RunSpec& spec) {
  try {
    return db.create_run(spec);  // refuses a taken name inside its own transaction
  } catch (const BadInput&) {
    auto other = db.find_run(spec.name);
    if (!other || other->status != RunStatus::Running) throw;
    throw BadInput("cannot start run '" + spec.name + "': another warp run just started it (pid " +
                   std::to_string(other->pid.value_or(0)) + " on " + other->host + ")");
  }
}

}  // namespace

// ---------------------------------------------------------------- entry points

WarpResult run_warp(const Experiment& exp, const WarpConfig& config, const RlConfig& rl_in,
                    const WarpDriverOptions& options, const ProgressFn& progress) {
  check_options(options);
  config.validate();
  Stored st;
  st.warp = config;
  st.rl = rl_in;
  if (config.steps > 0) st.rl.steps = config.steps;
  st.rl.init.clear();  // per iteration
  st.rl.device = config.device;
  st.rl.threads = 0;  // per worker (--threads)
  st.rl.reward = parse_reward_spec(st.rl.reward.empty() ? default_reward_spec(exp) : st.rl.reward).to_string();
  st.rl.validate();
  parse_device(config.device);  // refuse an unknown device or CUDA without one now
  const std::string init = config.init.empty() ? std::string("checkpoints/sft.h5") : config.init;
  const std::string init_abs = abs_in_experiment(exp, init);
  if (!is_regular_file(init_abs))
    throw BadInput("warp: init (--init): missing checkpoint " + init_abs +
                   (config.init.empty() ? " (run warp sft first)" : ""));
  check_checkpoint_input(exp, init_abs);
  st.eval = eval_config_for(exp);
  st.eval.reward = st.rl.reward;
  if (st.rl.eval_prompts > 0) st.eval.max_prompts = st.rl.eval_prompts;
  st.eval.device = config.device;
  st.eval.threads = 0;
  st.eval.validate();
  st.protocol_sha256 = eval_protocol(exp, st.eval).second;

  int64_t run_id = 0;
  enum class Existing { None, Finished, Unfinished } existing = Existing::None;
  {
    ExperimentDb db = ExperimentDb::open(exp.db_path());
    if (auto run = db.find_run(config.name)) {
      // The same command again (same WARP and RL settings, same evaluation protocol): like warp sft
      // and warp rm, a finished driver is reported and an unfinished one continued.
      if (run->kind == kDriverKind) {
        const nlohmann::json stored = parse_object(run->config_json, "run '" + config.name + "' (stored config)");
        // (The stored WARP settings read as a config, so fields added since it was stored take their defaults.)
        WarpConfig stored_warp;
        try {
          stored_warp.update_from_json(stored.value("warp", nlohmann::json()),
                                       "run '" + config.name + "' (stored warp)");
        } catch (const BadInput&) {
          stored_warp.name.clear();  // unreadable: not the same settings
        }
        const bool same = stored_warp.to_json() == config.to_json() &&
                          stored.value("rl", nlohmann::json()) == st.rl.to_json() &&
                          stored.value("eval_protocol_sha256", std::string()) == st.protocol_sha256;
        if (same) existing = run->status == RunStatus::Finished ? Existing::Finished : Existing::Unfinished;
      }
      if (existing == Existing::None)
        throw BadInput("a run named '" + config.name + "' already exists (status " + to_string(run->status) +
                       ") with other settings; continue it with warp run --resume --name " + config.name +
                       " or choose another --name");
    }
  }
  if (existing == Existing::Finished) return read_warp(exp, config.name);
  if (existing == Existing::Unfinished) return resume_warp(exp, config.name, options, progress);
  {
    ExperimentDb db = ExperimentDb::open(exp.db_path());
    for (int64_t i = 1; i <= config.iterations; ++i)
      for (int64_t m = 1; m <= config.runs; ++m)
        if (auto w = db.find_run(warp_worker_name(config.name, i, m)))
          throw BadInput("a run named '" + w->name + "' (a worker name of driver run '" + config.name +
                         "') already exists; choose another --name");
    const std::string init_sha = sha256_file(init_abs);
    std::optional<int64_t> init_id;
    if (auto rec = db.find_checkpoint_by_sha256(init_sha)) {
      init_id = rec->id;
    } else {
      CheckpointSpec cs;
      const std::string root = exp.dir() + "/";
      cs.path = init_abs.rfind(root, 0) == 0 ? init_abs.substr(root.size()) : init_abs;
      cs.sha256 = init_sha;
      cs.kind = "import";
      init_id = db.add_checkpoint(cs);
    }
    const nlohmann::json cfg = {{"warp", config.to_json()},
                                {"rl", st.rl.to_json()},
                                {"eval", st.eval.to_json()},
                                {"eval_protocol_sha256", st.protocol_sha256}};
    RunSpec spec(config.name, kDriverKind, cfg.dump());
    spec.status = RunStatus::Running;
    spec.init_checkpoint_id = init_id;
    run_id = create_driver_run(db, spec);
  }
  Driver driver(exp, std::move(st), run_id, options, progress);
  return driver.run();
}

WarpResult resume_warp(const Experiment& exp, const std::string& name, const WarpDriverOptions& options,
                       const ProgressFn& progress) {
  check_options(options);
  int64_t run_id = 0;
  Stored st;
  {
    ExperimentDb db = ExperimentDb::open(exp.db_path());
    const RunRecord run = find_driver(db, name, "cannot resume run");
    if (run.status == RunStatus::Finished) throw BadInput("cannot resume run '" + name + "': it has already finished");
    st = parse_stored(run);
    const std::string now_sha = eval_protocol(exp, st.eval).second;
    if (now_sha != st.protocol_sha256)
      throw BadInput("cannot resume run '" + name +
                     "': the evaluation protocol changed since it started (the SFT "
                     "checkpoint, the prompt file, the tokenizer, the reward model or the experiment's eval settings "
                     "differ)");
    run_id = run.id;
    claim_driver_run(db, run_id);
  }
  Driver driver(exp, std::move(st), run_id, options, progress);
  return driver.run();
}

WarpResult read_warp(const Experiment& exp, const std::string& name) {
  ExperimentDb db = ExperimentDb::open_read_only(exp.db_path());
  const RunRecord run = find_driver(db, name, "cannot read WARP run");
  const Stored st = parse_stored(run);
  WarpResult r;
  r.name = name;
  r.config = st.warp;
  r.status = effective_status(run, kDefaultStaleAfterSeconds, unix_now());
  r.message = run.message;
  const auto ckpts = db.list_checkpoints(run.id);
  EvalCache cache(db);
  std::map<int64_t, double> omegas;
  for (const auto& p : db.read_metrics(run.id, "warp/mean_omega_deg")) omegas[p.step] = p.value;
  std::string init = st.warp.init.empty() ? std::string("checkpoints/sft.h5") : st.warp.init;
  for (int64_t i = 1; i <= st.warp.iterations; ++i) {
    WarpIteration it;
    it.iteration = i;
    it.init = init;
    bool started = false;
    for (int64_t m = 1; m <= st.warp.runs; ++m) {
      it.runs.push_back(warp_worker_name(name, i, m));
      started = started || db.find_run(it.runs.back()).has_value();
    }
    if (!started) break;
    const std::string slerp_rel = "checkpoints/" + name + "-i" + std::to_string(i) + "-slerp.h5";
    if (auto reg = registered(ckpts, slerp_rel)) {
      it.slerp = slerp_rel;
      it.mean_omega_deg = meta_double(reg->second, "mean_omega_deg");
    }
    if (omegas.count(i)) it.mean_omega_deg = omegas[i];
    for (double eta : warp_eta_points(st.warp)) {
      const std::string rel = "checkpoints/" + name + "-i" + std::to_string(i) + "-eta" + warp_eta_tag(eta) + ".h5";
      auto reg = registered(ckpts, rel);
      if (!reg) continue;
      if (warp_eta_tag(eta) == warp_eta_tag(st.warp.eta)) it.next_init = rel;
      if (auto fp = evaluated_point(cache, st.protocol_sha256, reg->first, rel, eta)) it.front.push_back(*fp);
    }
    r.iterations.push_back(it);
    if (it.next_init.empty()) break;
    init = it.next_init;
  }
  // The output front: the files of stage "output", or the last iteration's front when it started from θ_sft.
  if (static_cast<int64_t>(r.iterations.size()) == st.warp.iterations && !r.iterations.back().slerp.empty()) {
    const WarpIteration& last = r.iterations.back();
    for (double eta : warp_eta_points(st.warp)) {
      const std::string rel = "checkpoints/" + name + "-output-eta" + warp_eta_tag(eta) + ".h5";
      if (auto reg = registered(ckpts, rel)) {
        if (auto fp = evaluated_point(cache, st.protocol_sha256, reg->first, rel, eta)) r.output_front.push_back(*fp);
        continue;
      }
      // No output file: the driver reused the last front (θ_init of iteration I was θ_sft) once
      // its output rows are logged.
      const auto rows = db.read_metrics(run.id, front_metric_key(FrontFamily::Output, eta, "kl_sft"));
      if (rows.empty()) continue;
      for (const auto& fp : last.front)
        if (warp_eta_tag(fp.eta) == warp_eta_tag(eta)) r.output_front.push_back(fp);
    }
  }
  return r;
}

}  // namespace warp
