// warp run --exp DIR [options]: the iterative WARP driver (core/warp/driver.h, DESIGN §5 Algorithm 1).
// Each iteration starts M `warp train` processes (this executable) from θ_init, SLERPs their policies,
// evaluates the LITI front on the η grid and takes θ_η at the chosen η as the next θ_init.
// warp run --exp DIR --resume [--name N] continues a stopped, failed or crashed driver run;
// --or-resume (with the options of a start) continues the run --name when it exists, else starts it.
//
// Settings: the WARP settings are the defaults of core/config/warp_config.h, then the experiment's
// "warp" section, then --config FILE ({"warp": {...}, "rl": {...}} or a flat object of warp fields),
// then the flags. The RL settings every worker starts from: rl_config_for(exp), then the file's "rl"
// object, then the RL flags (--beta, --mu, --lr, ...). Each WARP, RL and Slurm flag is declared once
// (json_options.h) and sets the config field it is named after, which core reads and validates
// (WarpConfig, RlConfig, SlurmOptions): out-of-range values are refused before anything starts
// (exit 2), naming the field and the option. SIGINT / SIGTERM stop the workers (they checkpoint) and
// end the driver run "killed" (exit 130); a second signal ends the driver at once.
//
// --launcher local|slurm (default local): how the workers run (core/warp/launcher.h, docs/slurm.md).
// With slurm each iteration's workers are one job array; the --slurm-* flags override the
// experiment's "slurm" section. The launcher and its options may also be given with --resume (how
// the workers run is not part of the run's stored settings). --gpus 0,1,... (local launcher) puts
// worker m on device gpus[(m-1) mod n] through CUDA_VISIBLE_DEVICES. --submit-driver (with slurm)
// checks everything, then submits this same command without the flag as a batch job and prints its id.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

#include "commands.h"
#include "db/experiment_db.h"
#include "experiment/experiment.h"
#include "json_options.h"
#include "progress_line.h"
#include "rl/rl_config.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/json_read.h"
#include "util/self_exe.h"
#include "util/signals.h"
#include "warp/driver.h"
#include "warp/launcher.h"

namespace {

struct Options {
  explicit Options(CLI::App* cmd) : warp(cmd), rl(cmd), slurm(cmd, warp::cli::JsonOptions::EmptyText::Sets) {}
  // The options that are no config field.
  std::string exp, name, config_file;
  bool resume = false;
  bool or_resume = false;           // --or-resume: resume the run --name when it exists, else start it
  bool submit_driver = false;       // --submit-driver: sbatch this command (without the flag) and end
  std::string launcher = "local";   // docs/slurm.md
  std::optional<std::string> gpus;  // --gpus 0,1,...: local launcher, CUDA_VISIBLE_DEVICES per worker
  // The flags of WarpConfig's fields, of the RlConfig every worker starts from, and of SlurmOptions'
  // (a --slurm-* flag given as '' sets its field to "", overriding the experiment's section).
  warp::cli::JsonOptions warp, rl, slurm;
};

// The launcher of --launcher with the experiment's "slurm" section under the --slurm-* flags.
std::shared_ptr<warp::WorkerLauncher> make_launcher(const Options& o, const warp::Experiment& exp) {
  const bool slurm_flags = o.slurm.any_given_except();
  if (o.launcher == "local") {
    if (slurm_flags) throw warp::BadInput("the --slurm-* options need --launcher slurm");
    return std::make_shared<warp::LocalLauncher>(o.gpus ? warp::parse_gpu_list(*o.gpus) : std::vector<std::string>{});
  }
  if (o.gpus && o.launcher == "slurm")
    throw warp::BadInput(
        "--gpus places the workers of --launcher local; with --launcher slurm a worker's GPUs come "
        "from --slurm-gpus-per-task");
  if (o.launcher != "slurm")
    throw warp::BadInput("warp: launcher (--launcher) must be local or slurm, got '" + o.launcher + "'");
  warp::SlurmOptions so = warp::slurm_options_for(exp);
  so.update_from_json(o.slurm.given(), "run options");
  so.validate();
  return std::make_shared<warp::SlurmLauncher>(so);
}

// This process's arguments after argv[0] (from /proc/self/cmdline), without --submit-driver.
std::vector<std::string> own_args_without_submit() {
  // Read to its end (a /proc file reports size 0).
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.empty()) throw warp::Error("--submit-driver: cannot read this command's arguments (/proc/self/cmdline)");
  std::vector<std::string> args;
  size_t from = 0;
  while (from < text.size()) {
    const size_t end = text.find('\0', from);
    args.push_back(text.substr(from, end == std::string::npos ? std::string::npos : end - from));
    if (end == std::string::npos) break;
    from = end + 1;
  }
  std::vector<std::string> out;
  for (size_t i = 1; i < args.size(); ++i)
    if (args[i] != "--submit-driver") out.push_back(args[i]);
  return out;
}

std::string own_executable();

// What a requeued driver job runs: `warp run --resume` takes only --name and the launcher options.
std::vector<std::string> resume_args(const Options& o, const std::string& name) {
  std::vector<std::string> a = {"run", "--exp", o.exp, "--resume", "--name", name, "--launcher", o.launcher};
  const std::vector<std::string> slurm = o.slurm.args();
  a.insert(a.end(), slurm.begin(), slurm.end());
  return a;
}

// --submit-driver: the driver as a Slurm batch job; prints its id.
void submit_driver(const Options& o, const warp::Experiment& exp, const std::string& name,
                   const warp::WorkerLauncher& launcher) {
  const auto& slurm = static_cast<const warp::SlurmLauncher&>(launcher);
  // Requeued, the job continues the run, or starts it when the first attempt ended (preempted,
  // requeued) before it created the run's row: the same command with --or-resume.
  std::vector<std::string> requeued = resume_args(o, name);
  if (!o.resume) {
    requeued = own_args_without_submit();
    if (!o.or_resume) requeued.push_back("--or-resume");
  }
  const std::string job =
      warp::submit_driver_job(exp.dir(), name, own_executable(), own_args_without_submit(), requeued, slurm.options());
  std::cout << "submitted the driver of warp run " << name << " as Slurm job " << job << "; its output: " << exp.dir()
            << "/logs/slurm/" << name << "-driver-" << job << ".out\n"
            << job << "\n";
}

// --eta-grid's text as the eta_grid field: "0,0.5,1" -> [0, 0.5, 1] (core's rule, as the launch dialog's).
nlohmann::json parse_grid(const std::string& text) { return warp::parse_eta_grid(text); }

std::string own_executable() {
  std::string exe = warp::self_executable();
  if (exe.empty()) throw warp::Error("cannot find the warp executable (/proc/self/exe) to start the workers with");
  return exe;
}

void print_result(const warp::WarpResult& r) {
  for (const auto& it : r.iterations) {
    std::printf("iteration %lld: init %s, slerp %s (mean Ω %.1f°)\n", static_cast<long long>(it.iteration),
                it.init.c_str(), it.slerp.c_str(), it.mean_omega_deg);
    for (const auto& fp : it.front)
      std::printf("  η %-5s reward %8.4f  gold %8.4f  KL %8.4f  len %5.1f  %s%s\n", warp::warp_eta_tag(fp.eta).c_str(),
                  fp.point.reward.mean, fp.point.gold.mean, fp.point.kl_sft.mean, fp.point.length.mean,
                  fp.checkpoint.c_str(), fp.checkpoint == it.next_init ? "  (next θ_init)" : "");
  }
  if (!r.output_front.empty()) {
    std::printf("output (Algorithm 1): (1 - η)·θ_sft + η·θ_slerp of iteration %lld\n",
                static_cast<long long>(r.iterations.back().iteration));
    for (const auto& fp : r.output_front)
      std::printf("  η %-5s reward %8.4f  gold %8.4f  KL %8.4f  len %5.1f  %s\n", warp::warp_eta_tag(fp.eta).c_str(),
                  fp.point.reward.mean, fp.point.gold.mean, fp.point.kl_sft.mean, fp.point.length.mean,
                  fp.checkpoint.c_str());
  }
  std::fflush(stdout);
}

void register_run(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Run iterative WARP: M RL runs per iteration, SLERP, LITI front, next init");
  auto o = std::make_shared<Options>(cmd);
  cmd->add_option("--exp", o->exp, "Experiment folder")->required();
  cmd->add_option("--name", o->name, "Driver run name (default \"warp\"); workers are NAME-i<i>-r<m>");
  cmd->add_flag("--resume", o->resume, "Continue the stopped, failed or crashed driver run --name");
  cmd->add_flag("--or-resume", o->or_resume,
                "Continue the driver run --name when it exists (as --resume: its stored settings, the other "
                "settings given are not used), else start it with them (what a requeued --submit-driver job runs)");
  cmd->add_option("--config", o->config_file, "JSON file: {\"warp\": {...}, \"rl\": {...}} (under the flags)");
  // The WARP settings: each sets the WarpConfig field it is named after.
  warp::cli::JsonOptions& w = o->warp;
  w.add<std::string>("--init", "init", "θ_init of iteration 1 (default checkpoints/sft.h5)");
  w.add<int64_t>("--iterations", "iterations", "WARP iterations I (default 2)");
  w.add<int64_t>("--runs", "runs", "RL runs per iteration M >= 2 (default: the experiment's, 2)");
  w.add<int64_t>("--steps", "steps", "Steps T per RL run (default: the RL config's)");
  w.add<double>("--lambda", "lambda", "SLERP λ for M = 2 (default 0.5)");
  w.add<std::string>("--granularity", "granularity",
                     "SLERP angle per tensor or per layer (transformer block) (default tensor)");
  w.add<double>("--eta", "eta", "LITI η of the next θ_init (default 0.3)");
  w.add<std::string>("--eta-grid", "eta_grid", "LITI points evaluated per iteration (default 0,0.1,0.3,0.5,0.8,1)",
                     parse_grid);
  w.add<int64_t>("--parallel", "parallel", "RL runs at once (default: all M)");
  w.add<int>("--threads", "threads",
             "Compute threads per RL run (default: all cores, measured fastest even with runs in parallel)");
  w.add<uint64_t>("--seed", "seed", "Base seed of the runs' seeds and prompt orders (default 1)");
  w.add<std::string>("--device", "device", "auto, cpu, cuda or cuda:N (for the runs and the evaluations)");
  // The RL settings every worker starts from: each sets the RlConfig field it is named after.
  warp::cli::JsonOptions& rl = o->rl;
  rl.add<double>("--beta", "beta", "RL: KL-regularization strength beta");
  rl.add<double>("--mu", "mu", "RL: EMA update rate mu");
  rl.add<std::string>(
      "--anchor", "anchor",
      "RL: KL anchor of every run: ema (WARP), sft (static θ_sft) or init (static θ_init of the iteration)");
  rl.add<double>("--lr", "lr", "RL: peak learning rate");
  rl.add<double>("--adam-beta1", "beta1", "RL: AdamW beta1 (first-moment decay, in [0, 1))");
  rl.add<double>("--adam-beta2", "beta2", "RL: AdamW beta2 (second-moment decay, in [0, 1))");
  rl.add<int64_t>("--batch", "batch", "RL: prompts per step");
  rl.add<int64_t>("--max-new-tokens", "max_new_tokens", "RL: completion length bound");
  rl.add<int64_t>("--eval-every", "eval_every", "RL: steps between trajectory points");
  rl.add<int64_t>("--eval-prompts", "eval_prompts", "RL and front points: evaluation prompts (0: the protocol's)");
  rl.add<int64_t>("--ckpt-every", "ckpt_every", "RL: steps between resumable checkpoints");
  rl.add<std::string>("--reward", "reward", "RL: gold | rm:PATH | external:CMD");
  cmd->add_option("--launcher", o->launcher,
                  "How the workers run: local (child processes) or slurm (one job array per iteration)");
  cmd->add_flag("--submit-driver", o->submit_driver,
                "With --launcher slurm: submit this driver itself as a Slurm batch job (the same command without "
                "this flag), print its job id and end");
  cmd->add_option("--gpus", o->gpus,
                  "Local launcher: worker m gets CUDA_VISIBLE_DEVICES = the ((m-1) mod n)-th of these devices "
                  "(e.g. 0,1; --device auto or cuda)");
  // The sbatch options: each sets the SlurmOptions field it is named after.
  warp::cli::JsonOptions& slurm = o->slurm;
  slurm.add<std::string>("--slurm-partition", "partition",
                         "Slurm: sbatch --partition (default: the experiment's \"slurm\" section)");
  slurm.add<std::string>("--slurm-account", "account", "Slurm: sbatch --account");
  slurm.add<std::string>("--slurm-time", "time", "Slurm: sbatch --time per worker (minutes, HH:MM:SS, D-HH:MM, ...)");
  slurm.add<int64_t>("--slurm-cpus-per-task", "cpus_per_task",
                     "Slurm: sbatch --cpus-per-task (also the workers' threads when --threads is not given)");
  slurm.add<int64_t>("--slurm-gpus-per-task", "gpus_per_task", "Slurm: sbatch --gpus-per-task");
  slurm.add<std::string>("--slurm-mem", "mem", "Slurm: sbatch --mem per worker (e.g. 8G)");
  slurm.add<int64_t>("--slurm-signal-before", "signal_before",
                     "Slurm: seconds before the time limit the worker gets SIGTERM and checkpoints (sbatch "
                     "--signal=B:TERM@S; default 120, 0: none); workers are always submitted --requeue");
  slurm.add<std::string>(
      "--slurm-extra", "extra", "Slurm: more sbatch arguments, as one shell-quoted string",
      [](const std::string& text) { return nlohmann::json(warp::split_shell_words(text, "--slurm-extra")); });
  cmd->callback([o] {
    auto exp = warp::Experiment::open(o->exp);
    warp::WarpDriverOptions options;
    options.warp_executable = own_executable();
    options.launcher = make_launcher(*o, exp);
    if (o->submit_driver && o->launcher != "slurm")
      throw warp::BadInput("--submit-driver submits the driver as a Slurm job: it needs --launcher slurm");
    warp::cli::ProgressLine line;
    warp::WarpResult r;
    if (o->or_resume && o->resume) throw warp::BadInput("--or-resume and --resume: give one of them");
    // --or-resume: whether the run exists decides; it then continues with its stored settings.
    const auto exists = [&exp](const std::string& name) {
      return warp::ExperimentDb::open_read_only(exp.db_path()).find_run(name).has_value();
    };
    std::string or_resume_name;
    if (o->or_resume) {
      or_resume_name = !o->name.empty() ? o->name : warp::warp_config_for(exp).name;
      if (!exists(or_resume_name)) or_resume_name.clear();
    }
    if (!or_resume_name.empty() && !o->submit_driver) {
      std::cout << "warp run " << or_resume_name << " exists: continuing it (--or-resume)" << std::endl;
      warp::install_stop_handlers();
      r = warp::resume_warp(exp, or_resume_name, options, line.callback());
    } else if (o->resume || !or_resume_name.empty()) {
      const std::string name = !or_resume_name.empty() ? or_resume_name
                               : o->name.empty()       ? std::string("warp")
                                                       : o->name;
      if (!or_resume_name.empty()) return submit_driver(*o, exp, name, *options.launcher);
      const bool others = !o->config_file.empty() || o->warp.any_given_except() || o->rl.any_given_except();
      if (others)
        throw warp::BadInput(
            "--resume continues a driver run with its stored settings: only --name may be given with it");
      if (o->submit_driver) return submit_driver(*o, exp, name, *options.launcher);
      warp::install_stop_handlers();
      r = warp::resume_warp(exp, name, options, line.callback());
    } else {
      warp::WarpConfig wc = warp::warp_config_for(exp);
      nlohmann::json rl_json = nlohmann::json::object();
      if (!o->config_file.empty()) {
        const auto j = warp::parse_json_or_discarded(warp::read_file_text(o->config_file), o->config_file);
        if (j.is_discarded() || !j.is_object()) throw warp::BadInput(o->config_file + ": not a JSON object");
        if (j.contains("warp") || j.contains("rl")) {
          for (auto it = j.begin(); it != j.end(); ++it)
            if (it.key() != "warp" && it.key() != "rl")
              throw warp::BadInput(o->config_file + ": unknown key '" + it.key() + "' (expected \"warp\" and \"rl\")");
          if (j.contains("warp")) wc.update_from_json(j.at("warp"), o->config_file + " (warp)");
          if (j.contains("rl")) rl_json = j.at("rl");
        } else {
          wc.update_from_json(j, o->config_file);
        }
      }
      if (!o->name.empty()) wc.name = o->name;
      wc.update_from_json(o->warp.given(), "run options");
      // On Slurm "all cores" would be the cores of this (login) host: a worker gets the CPUs of its task.
      if (o->launcher == "slurm" && wc.threads == 0) {
        const int64_t cpus = std::static_pointer_cast<warp::SlurmLauncher>(options.launcher)->options().cpus_per_task;
        wc.threads = static_cast<int>(cpus > 0 ? cpus : 1);
      }
      if (o->gpus && !(wc.device == "auto" || wc.device == "cuda" || wc.device == "cuda:0"))
        throw warp::BadInput(
            "--gpus gives each worker one device, which it sees as cuda:0: use --device auto or cuda, "
            "not '" +
            wc.device + "'");
      wc.validate();
      o->rl.apply(rl_json);
      const std::string where = o->config_file.empty() ? "run options" : o->config_file + " + run options";
      const warp::RlConfig rl = warp::RlConfig::from_json(rl_json, where, warp::rl_config_for(exp));
      if (o->submit_driver) return submit_driver(*o, exp, wc.name, *options.launcher);  // everything checked
      warp::install_stop_handlers();
      if (o->or_resume && exists(wc.name)) {  // named by --config's "warp" section
        std::cout << "warp run " << wc.name << " exists: continuing it (--or-resume)" << std::endl;
        r = warp::resume_warp(exp, wc.name, options, line.callback());
      } else {
        r = warp::run_warp(exp, wc, rl, options, line.callback());
      }
    }
    line.finish();
    print_result(r);
    std::cout << "warp run " << r.name << " finished: " << r.message << "\n";
  });
}

const bool registered = warp::cli::add_command(&register_run);

}  // namespace
