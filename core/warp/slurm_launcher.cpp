// The Slurm launcher (launcher.h, docs/slurm.md): a batch of workers is one job array.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <regex>
#include <sstream>

#include "db/experiment_db.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/json_fields.h"
#include "warp/launcher.h"

extern char** environ;

namespace warp {

// ---------------------------------------------------------------- options (config/slurm_options.h)

SlurmOptions slurm_options_for(const Experiment& exp) {
  return slurm_options_from_experiment_json(exp.config(), exp.config_path());
}

// ---------------------------------------------------------------- commands

CommandOutput run_command(const std::vector<std::string>& argv) {
  CommandOutput r;
  if (argv.empty()) return r;
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw Error(std::string("run_command: pipe: ") + std::strerror(errno));
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    throw Error(std::string("run_command: pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::vector<std::string> storage = argv;
  std::vector<char*> args;
  for (auto& a : storage) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    r.code = 127;
    r.err = "cannot run " + argv[0] + ": " + std::strerror(rc);
    return r;
  }
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* dest[2] = {&r.out, &r.err};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        dest[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
  return r;
}

namespace {

// How long a task's attempt must stay ended other than COMPLETED before poll() reports it ended
// (a requeued task is PENDING again within a second or two on an idle controller; under load it
// took more than 3 s once, test_slurm_run RequeuedTaskContinuesFromItsCheckpoint in CI).
constexpr double kFailedSettleSeconds = 15.0;

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.push_back("");
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// A command line for messages.
std::string shown(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + (has_space_or_control(a) || a.empty() ? quoted(a) : a);
  return s;
}

// Runs `argv` (an `sbatch --parsable ...` command) and returns the job id it printed: "<job id>" or
// "<job id>;<cluster>" on the last line. Error "<what>: <command> failed (exit code N): <output>"
// when sbatch fails or prints no job id.
std::string submit_parsable(const std::vector<std::string>& argv, const std::string& what) {
  const CommandOutput r = run_command(argv);
  std::string job;
  const auto out_lines = lines_of(r.out);
  if (!out_lines.empty()) job = out_lines.back().substr(0, out_lines.back().find(';'));
  if (r.code != 0 || job.empty() || job.find_first_not_of("0123456789") != std::string::npos)
    throw Error(what + ": " + shown(argv) + " failed (exit code " + std::to_string(r.code) +
                "): " + trim(r.err + "\n" + r.out));
  return job;
}

bool ended_state(const std::string& state) {
  return !(state.empty() || state == "PENDING" || state == "RUNNING" || state == "CONFIGURING" ||
           state == "COMPLETING" || state == "SUSPENDED" || state == "REQUEUED" || state == "REQUEUE_HOLD" ||
           state == "REQUEUE_FED" || state == "RESIZING" || state == "SIGNALING" || state == "STAGE_OUT" ||
           state == "STOPPED" || state == "RESV_DEL_HOLD");
}

}  // namespace

std::optional<int> parse_slurm_exit_code(const std::string& text) {
  static const std::regex re(R"(^(\d+):(\d+)$)");
  std::smatch m;
  const std::string t = trim(text);
  if (!std::regex_match(t, m, re)) return std::nullopt;
  const int code = std::stoi(m[1].str()), sig = std::stoi(m[2].str());
  return sig > 0 ? 128 + sig : code;
}

std::vector<SlurmTaskInfo> parse_squeue(const std::string& text) {
  std::vector<SlurmTaskInfo> out;
  for (const auto& line : lines_of(text)) {
    const auto f = split(line, '|');
    if (f.size() < 2) continue;
    SlurmTaskInfo t;
    t.job_id = trim(f[0]);
    t.state = trim(f[1]);
    if (f.size() > 2) t.node = trim(f[2]);
    if (t.node == "(null)" || t.node == "n/a") t.node.clear();
    out.push_back(t);
  }
  return out;
}

std::vector<SlurmTaskInfo> parse_scontrol_jobs(const std::string& text) {
  std::vector<SlurmTaskInfo> out;
  for (const auto& line : lines_of(text)) {
    std::map<std::string, std::string> kv;
    std::istringstream in(line);
    std::string word;
    while (in >> word) {
      const auto eq = word.find('=');
      if (eq != std::string::npos) kv[word.substr(0, eq)] = word.substr(eq + 1);
    }
    if (!kv.count("JobId")) continue;
    SlurmTaskInfo t;
    t.job_id =
        kv.count("ArrayJobId") && kv.count("ArrayTaskId") ? kv["ArrayJobId"] + "_" + kv["ArrayTaskId"] : kv["JobId"];
    t.state = kv["JobState"];
    t.node = kv["NodeList"] == "(null)" ? "" : kv["NodeList"];
    if (ended_state(t.state)) t.exit_code = parse_slurm_exit_code(kv["ExitCode"]);
    out.push_back(t);
  }
  return out;
}

std::vector<SlurmTaskInfo> parse_sacct(const std::string& text) {
  std::vector<SlurmTaskInfo> out;
  for (const auto& line : lines_of(text)) {
    const auto f = split(line, '|');
    if (f.size() < 3) continue;
    SlurmTaskInfo t;
    t.job_id = trim(f[0]);
    // "CANCELLED by 0" → CANCELLED
    t.state = trim(f[1]).substr(0, trim(f[1]).find(' '));
    if (f.size() > 3) t.node = trim(f[3]) == "None assigned" ? "" : trim(f[3]);
    if (ended_state(t.state)) t.exit_code = parse_slurm_exit_code(f[2]);
    out.push_back(t);
  }
  return out;
}

// ---------------------------------------------------------------- the launcher

struct SlurmLauncher::Impl {
  SlurmOptions options;
  struct Task {
    std::string worker;
    std::string array_job;  // "123"
    int64_t task = 0;
    SlurmTaskInfo info;     // job_id "123_0", state, node, exit code
    int64_t row_id = 0;     // its worker_jobs row
    std::string slurm_out;  // Slurm's own output file of the task (the worker's goes to its log)
    bool gone = false;      // no longer in squeue: asked scontrol / sacct
    int unknown_polls = 0;  // ended, but no command could tell how
    // When the task was first seen ended other than COMPLETED (see poll: a requeue passes through
    // such a record before the task is PENDING again).
    std::optional<std::chrono::steady_clock::time_point> failed_since;
  };
  std::vector<Task> tasks;  // by handle
  std::chrono::steady_clock::time_point last_refresh{};
  std::unique_ptr<ExperimentDb> db;
};

SlurmLauncher::SlurmLauncher(SlurmOptions options) : impl_(std::make_unique<Impl>()) {
  options.validate();
  impl_->options = std::move(options);
}

SlurmLauncher::~SlurmLauncher() = default;

const SlurmOptions& SlurmLauncher::options() const { return impl_->options; }

void SlurmLauncher::begin(const LauncherContext& context) {
  context_ = context;
  exp_dir_ = context.exp_dir;
  impl_->db = std::make_unique<ExperimentDb>(ExperimentDb::open(context.exp_dir + "/experiment.db"));
}

namespace {

// A word for bash, single-quoted.
std::string sh_word(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

}  // namespace

std::vector<int64_t> SlurmLauncher::launch(const std::vector<WorkerLaunch>& workers) {
  if (workers.empty()) return {};
  if (!impl_->db) throw Error("slurm launcher: begin() was not called");
  const std::string slurm_dir = exp_dir_ + "/logs/slurm";
  make_dirs(slurm_dir);
  // The batch script: task k runs worker k's command with its output appended to the worker's log.
  const std::string stem = context_.driver_name + "-i" + std::to_string(context_.iteration);
  std::string script_path;
  for (int k = 1;; ++k) {
    script_path = slurm_dir + "/" + stem + "-" + std::to_string(k) + ".sh";
    if (!is_regular_file(script_path)) break;
  }
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# warp run " << context_.driver_name << ", iteration " << context_.iteration
    << ": one Slurm array task per worker (docs/slurm.md)\n"
    << "case \"${SLURM_ARRAY_TASK_ID:-}\" in\n";
  for (size_t k = 0; k < workers.size(); ++k) {
    const WorkerLaunch& wl = workers[k];
    s << "  " << k << ")\n"
      << "    log=" << sh_word(log_path(wl.name)) << "\n"
      << "    what=" << (wl.resume ? "resumes" : "starts") << "\n"
      << "    set --";
    for (const auto& a : wl.args) s << " " << sh_word(a);
    // A task may run on another host than the experiment's: it records its run in its journal
    // (docs/formats.md, "Worker journals"), never in experiment.db; the driver imports it.
    s << " " << sh_word("--record") << " " << sh_word("journal");
    // A requeued task (preemption, scontrol requeue, node failure) runs this script again: a new
    // worker's run exists by then, so its command continues it (warp train --or-resume).
    if (!wl.resume) s << "\n    [ \"${SLURM_RESTART_COUNT:-0}\" -gt 0 ] && set -- \"$@\" --or-resume";
    s << " ;;\n";
  }
  s << "  *) echo \"warp run: no worker for array task '${SLURM_ARRAY_TASK_ID:-}'\" >&2; exit 2 ;;\n"
    << "esac\n"
    << "[ \"${SLURM_RESTART_COUNT:-0}\" -gt 0 ] && what=\"resumes after requeue $SLURM_RESTART_COUNT\"\n"
    << "mkdir -p \"$(dirname \"$log\")\"\n"
    << "echo \"=== $(date '+%Y-%m-%d %H:%M:%S') warp run " << context_.driver_name
    << " $what (slurm job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} on $(hostname -s)): \""
    << sh_word(context_.warp_executable) << "\" $*\" >> \"$log\"\n"
    << "exec " << sh_word(context_.warp_executable) << " \"$@\" >> \"$log\" 2>&1\n";
  write_file_atomic(script_path, s.str());  // sbatch reads it at submission; no exec bit needed

  std::vector<std::string> argv = {"sbatch",
                                   "--parsable",
                                   "--array=0-" + std::to_string(workers.size() - 1),
                                   "--job-name=" + stem,
                                   "--output=" + slurm_dir + "/" + stem + "-%A_%a.out",
                                   "--chdir=" + exp_dir_};
  for (const auto& a : impl_->options.sbatch_args()) argv.push_back(a);
  argv.push_back(script_path);
  const std::string job = submit_parsable(argv, "slurm launcher");

  std::vector<int64_t> handles;
  for (size_t k = 0; k < workers.size(); ++k) {
    Impl::Task t;
    t.worker = workers[k].name;
    t.array_job = job;
    t.task = static_cast<int64_t>(k);
    t.info.job_id = job + "_" + std::to_string(k);
    t.info.state = "PENDING";
    t.slurm_out = slurm_dir + "/" + stem + "-" + t.info.job_id + ".out";
    WorkerJobSpec spec;
    spec.driver_run_id = context_.driver_run_id;
    spec.worker = t.worker;
    spec.launcher = "slurm";
    spec.job_id = t.info.job_id;
    spec.state = t.info.state;
    spec.log_path = log_path(t.worker);
    t.row_id = impl_->db->add_worker_job(spec);
    handles.push_back(static_cast<int64_t>(impl_->tasks.size()));
    impl_->tasks.push_back(std::move(t));
  }
  impl_->last_refresh = {};  // the next poll asks
  return handles;
}

namespace {

void add_by_id(const std::vector<SlurmTaskInfo>& infos, std::map<std::string, SlurmTaskInfo>& found) {
  for (const auto& i : infos) found[i.job_id] = i;
}

}  // namespace

std::string submit_driver_job(const std::string& exp_dir, const std::string& name, const std::string& warp_executable,
                              const std::vector<std::string>& driver_args, const std::vector<std::string>& resume_args,
                              const SlurmOptions& options) {
  options.validate();
  const std::string slurm_dir = exp_dir + "/logs/slurm";
  make_dirs(slurm_dir);
  std::string script_path;
  for (int k = 1;; ++k) {
    script_path = slurm_dir + "/" + name + "-driver-" + std::to_string(k) + ".sh";
    if (!is_regular_file(script_path)) break;
  }
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# warp run " << name << ": the driver as a Slurm job (warp run --submit-driver, docs/slurm.md)\n"
    << "# A requeued driver job (preemption, scontrol requeue, node failure) continues the run the first\n"
    << "# attempt started, or starts it when that attempt ended before it created the run.\n"
    << "if [ \"${SLURM_RESTART_COUNT:-0}\" -gt 0 ]; then\n"
    << "  echo \"=== $(date '+%Y-%m-%d %H:%M:%S') warp run " << name
    << ": driver job requeued ($SLURM_RESTART_COUNT): continuing the run (starting it when the first attempt "
       "had not)\"\n"
    << "  exec " << sh_word(warp_executable);
  for (const auto& a : resume_args) s << " " << sh_word(a);
  s << "\nfi\n"
    << "exec " << sh_word(warp_executable);
  for (const auto& a : driver_args) s << " " << sh_word(a);
  s << "\n";
  write_file_atomic(script_path, s.str());
  std::vector<std::string> argv = {"sbatch", "--parsable", "--job-name=" + name + "-driver",
                                   "--output=" + slurm_dir + "/" + name + "-driver-%j.out", "--requeue"};
  if (!options.partition.empty()) argv.push_back("--partition=" + options.partition);
  if (!options.account.empty()) argv.push_back("--account=" + options.account);
  argv.push_back(script_path);
  return submit_parsable(argv, "warp run --submit-driver");
}

std::optional<int> SlurmLauncher::poll(int64_t handle) {
  auto& tasks = impl_->tasks;
  if (handle < 0 || handle >= static_cast<int64_t>(tasks.size())) return 255;
  if (tasks[handle].info.exit_code) return tasks[handle].info.exit_code;
  const auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - impl_->last_refresh).count() < refresh_interval_s) return std::nullopt;
  impl_->last_refresh = now;

  // Every task still going, in one squeue per refresh.
  std::map<std::string, bool> jobs;  // array job ids of unfinished tasks
  for (const auto& t : tasks)
    if (!t.info.exit_code) jobs[t.array_job] = true;
  if (jobs.empty()) return tasks[handle].info.exit_code;
  std::string list;
  for (const auto& [j, _] : jobs) list += (list.empty() ? "" : ",") + j;
  const CommandOutput q = run_command({"squeue", "-h", "-r", "-j", list, "-o", "%i|%T|%N"});
  const bool invalid = q.err.find("Invalid job id") != std::string::npos;
  if (q.code != 0 && !invalid) return std::nullopt;  // the controller did not answer: ask again later
  std::map<std::string, SlurmTaskInfo> queued;
  if (q.code == 0) add_by_id(parse_squeue(q.out), queued);

  std::map<std::string, SlurmTaskInfo> ended;  // by scontrol / sacct, asked once per array job
  std::map<std::string, bool> asked;
  for (auto& t : tasks) {
    if (t.info.exit_code) continue;
    SlurmTaskInfo before = t.info;
    auto it = queued.find(t.info.job_id);
    if (it != queued.end()) {
      t.failed_since.reset();
      t.info.state = it->second.state;
      if (!it->second.node.empty()) t.info.node = it->second.node;
    } else {
      if (!asked[t.array_job]) {
        asked[t.array_job] = true;
        const CommandOutput c = run_command({"scontrol", "show", "job", "-o", t.array_job});
        if (c.code == 0) add_by_id(parse_scontrol_jobs(c.out), ended);
        const CommandOutput a =
            run_command({"sacct", "-n", "-P", "-X", "-j", t.array_job, "-o", "JobID,State,ExitCode,NodeList"});
        // The accounting records fill in what the controller no longer knows. A task the controller
        // still holds (e.g. PENDING again after a requeue) is going, whatever the record of its
        // earlier attempt says (FAILED with the attempt's exit code).
        if (a.code == 0)
          for (auto& i : parse_sacct(a.out)) {
            auto known = ended.find(i.job_id);
            if (known == ended.end() || (ended_state(known->second.state) && !known->second.exit_code))
              ended[i.job_id] = i;
          }
      }
      auto e = ended.find(t.info.job_id);
      // An attempt that ended other than COMPLETED counts once it has stayed so for
      // kFailedSettleSeconds: `scontrol requeue` (and a preemption) ends the attempt, which the
      // records show as FAILED or CANCELLED, before the controller holds the task PENDING again.
      const bool unsettled = e != ended.end() && e->second.exit_code && e->second.state != "COMPLETED" &&
                             (!t.failed_since || std::chrono::steady_clock::now() - *t.failed_since <
                                                     std::chrono::duration<double>(kFailedSettleSeconds));
      if (unsettled && !t.failed_since) t.failed_since = std::chrono::steady_clock::now();
      if (unsettled) {
        t.info.state = e->second.state;  // shown, not yet final
      } else if (e != ended.end() && e->second.exit_code) {
        t.info.state = e->second.state;
        if (!e->second.node.empty()) t.info.node = e->second.node;
        t.info.exit_code = e->second.exit_code;
      } else if (e != ended.end() && !ended_state(e->second.state)) {
        t.info.state = e->second.state;  // between squeue and scontrol: still going
      } else if (++t.unknown_polls >= 5) {
        // Gone from the queue and from every record: the driver's database row says how it ended.
        t.info.state = "UNKNOWN";
        t.info.exit_code = 255;
      }
    }
    if (t.info.state != before.state || t.info.node != before.node || t.info.exit_code != before.exit_code)
      impl_->db->update_worker_job(t.row_id, t.info.state, t.info.node, t.info.exit_code);
  }
  return tasks[handle].info.exit_code;
}

std::optional<int64_t> SlurmLauncher::reattach(const std::string& worker) {
  if (!impl_->db) throw Error("slurm launcher: begin() was not called");
  std::optional<WorkerJobRecord> last;
  for (const auto& j : impl_->db->list_worker_jobs(context_.driver_run_id))
    if (j.worker == worker && j.launcher == "slurm") last = j;
  if (!last || last->exit_code) return std::nullopt;
  const auto us = last->job_id.find('_');
  if (us == std::string::npos) return std::nullopt;
  const CommandOutput q = run_command({"squeue", "-h", "-r", "-j", last->job_id.substr(0, us), "-o", "%i|%T|%N"});
  if (q.code != 0) {
    if (q.err.find("Invalid job id") != std::string::npos) return std::nullopt;  // long gone
    throw Error("slurm launcher: squeue failed (exit code " + std::to_string(q.code) + ") while looking for job " +
                last->job_id + " of worker " + worker + ": " + trim(q.err) +
                "; resume again once the controller answers (nothing was submitted twice)");
  }
  for (const auto& t : parse_squeue(q.out)) {
    if (t.job_id != last->job_id || ended_state(t.state)) continue;
    Impl::Task task;
    task.worker = worker;
    task.array_job = last->job_id.substr(0, us);
    task.task = std::stoll(last->job_id.substr(us + 1));
    task.info = t;
    task.row_id = last->id;
    const std::string out_dir = exp_dir_ + "/logs/slurm/";
    // <name>-i<i>-<array>_<task>.out, as launch() names it
    const std::string iter = worker.substr(worker.rfind("-i") + 2, worker.rfind("-r") - worker.rfind("-i") - 2);
    task.slurm_out = out_dir + context_.driver_name + "-i" + iter + "-" + last->job_id + ".out";
    impl_->db->update_worker_job(task.row_id, t.state, t.node, std::nullopt);
    impl_->tasks.push_back(std::move(task));
    return static_cast<int64_t>(impl_->tasks.size() - 1);
  }
  return std::nullopt;
}

void SlurmLauncher::stop(int64_t handle) {
  auto& tasks = impl_->tasks;
  if (handle < 0 || handle >= static_cast<int64_t>(tasks.size())) return;
  const auto& t = tasks[handle];
  if (t.info.exit_code) return;
  // A task that runs gets SIGTERM in its batch shell (it checkpoints and ends on its own); a pending
  // one is taken out of the queue (config/slurm_options.h).
  run_command(slurm_stop_command(t.info.job_id, t.info.state));
}

void SlurmLauncher::kill(int64_t handle) {
  auto& tasks = impl_->tasks;
  if (handle < 0 || handle >= static_cast<int64_t>(tasks.size())) return;
  if (!tasks[handle].info.exit_code) run_command({"scancel", tasks[handle].info.job_id});
}

std::string SlurmLauncher::state(int64_t handle) {
  const auto& tasks = impl_->tasks;
  if (handle < 0 || handle >= static_cast<int64_t>(tasks.size())) return "";
  return tasks[handle].info.state;
}

std::string SlurmLauncher::describe(int64_t handle) {
  const auto& tasks = impl_->tasks;
  if (handle < 0 || handle >= static_cast<int64_t>(tasks.size())) return "";
  const auto& t = tasks[handle];
  return "slurm job " + t.info.job_id + (t.info.node.empty() ? "" : " on node " + t.info.node) +
         (t.info.state.empty() ? "" : ", state " + t.info.state) + "; Slurm's own output: " + t.slurm_out;
}

}  // namespace warp
