#pragma once
// Torch-free (core/config): the sbatch options of `warp run --launcher slurm` (warp/launcher.h),
// their JSON form ("slurm" section of config.json) and validation, shared by the CLI and the app's
// Run WARP dialog.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace warp {

// The sbatch options of the Slurm launcher. Defaults from the experiment config's "slurm" section,
// then `warp run --slurm-*` flags. Empty / 0 = not passed (the cluster's default).
//
// Field          CLI flag                 sbatch option
// partition      --slurm-partition        --partition
// account        --slurm-account          --account
// time           --slurm-time             --time           (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS)
// cpus_per_task  --slurm-cpus-per-task    --cpus-per-task  (also the workers' --threads when warp run's threads is 0)
// gpus_per_task  --slurm-gpus-per-task    --gpus-per-task
// mem            --slurm-mem              --mem            (a number with an optional K, M, G or T suffix)
// extra          --slurm-extra            passed to sbatch as they are (a list; one shell-like string on the CLI)
// signal_before  --slurm-signal-before    --signal=B:TERM@<s> (seconds before the time limit the worker gets
//                                         SIGTERM and checkpoints; 0: no signal). Always passed: --requeue
//                                         (a preempted or requeued task starts again and continues its run).
struct SlurmOptions {
  std::string partition;
  std::string account;
  std::string time;
  int64_t cpus_per_task = 0;
  int64_t gpus_per_task = 0;
  std::string mem;
  std::vector<std::string> extra;
  int64_t signal_before = 120;

  // BadInput "slurm: <field> (--slurm-<flag>) must be ..., got ..." for the first bad value.
  void validate() const;
  nlohmann::json to_json() const;
  // Fields present in j override these; BadInput naming `where` and the field for a wrong type or an
  // unknown field.
  void update_from_json(const nlohmann::json& j, const std::string& where);
  // The sbatch arguments these options add (without --array, --parsable, --output, the script).
  std::vector<std::string> sbatch_args() const;
};

// Splits --slurm-extra's text into arguments the way a shell would (single and double quotes,
// backslash escapes; no expansions). BadInput for an unterminated quote.
std::vector<std::string> split_shell_words(const std::string& text, const std::string& where);

// True when `s` holds a space or a control character: not a partition or account name, and a word
// that must be quoted to be shown as one (the Slurm launcher's failed-command messages).
bool has_space_or_control(const std::string& s);
// `s` in single quotes, as the messages show a value: 'text' (not an escaping shell quote).
std::string quoted(const std::string& s);

// Defaults, then the "slurm" section of an experiment's config.json object `cfg` (validated; its
// path `config_path` names it in errors). slurm_options_for(exp) (warp/launcher.h) is this over the
// opened experiment.
SlurmOptions slurm_options_from_experiment_json(const nlohmann::json& cfg, const std::string& config_path);

// The scancel command that asks a worker's Slurm task `job_id` ("<array job id>_<task>") in `state`
// to stop: a pending one leaves the queue (`scancel ID`); any other gets SIGTERM in its batch shell,
// i.e. the worker (the script execs it), which checkpoints and ends on its own
// (`scancel --batch --signal=TERM ID`). The Slurm launcher's stop() and the app's Stop use it.
std::vector<std::string> slurm_stop_command(const std::string& job_id, const std::string& state);

}  // namespace warp
