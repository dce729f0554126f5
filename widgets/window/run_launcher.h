#pragma once
// Starting and stopping runs from warp-studio (DESIGN §2): the app builds a `warp` command line,
// starts it detached (QProcess::startDetached, so closing or crashing the app stops nothing) with
// stdout and stderr appended to <exp>/logs/<name>.log, and stops a run of this host with SIGTERM
// (the run writes its resumable checkpoint and ends "killed"). The runs write the experiment
// database; the window follows them by reading it, as for runs started from a terminal.
//
// The argument builders are pure functions: they check what the user typed with core's own rules
// (core/config, Torch-free: a mistake is reported before any process starts, in the CLI's words)
// and throw warp::BadInput naming the field; an empty field means "the experiment's" and adds no
// option.

#include <optional>
#include <vector>

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include "db/records.h"

// Empty when `name` is a valid run name (core's rule, db/run_name.h: 1-64 characters of
// A-Z a-z 0-9 _ . -, starting with a letter or digit, not ending in -state or -ema), else why not.
QString runNameError(const QString& name);

// One option of `warp train` or `warp run` as a launch dialog shows it. Every option of the two
// commands is listed (app/cli/cmd_train.cpp, cmd_run.cpp) except --exp, --name, --resume and the
// lineage options the driver passes to its workers (--iteration, --parent-run).
struct LaunchOption {
  enum Kind { Text, Real, Whole, Count, Choice };  // Whole: an integer; Count: a non-negative one (seeds)
  // Which of core's settings (core/config) the value is checked by and stored in.
  enum Target { Rl, Warp, Slurm, Launcher, ConfigFile };
  enum Group { RunGroup, RlGroup, WarpGroup, EvaluationGroup, ResourcesGroup };
  QString flag;  // "--beta"
  QString key;   // its field in the target's JSON ("beta"); "" for Launcher / ConfigFile
  Kind kind = Text;
  Target target = Rl;
  Group group = RunGroup;
  const char* label = "";  // source text (LaunchOption context), translated where shown
  QStringList choices;     // Choice: the accepted values; Text: suggestions (an editable list)
};
const QList<LaunchOption>& trainOptions();
const QList<LaunchOption>& warpRunOptions();
// The translated title of a group ("Run", "RL", "WARP", "Evaluation", "Resources").
QString launchGroupTitle(LaunchOption::Group group);

// What a launch form holds: option flag → the text typed (empty texts mean "the experiment's").
using LaunchValues = QMap<QString, QString>;

// The arguments of the `warp` executable (without the program itself):
//   warp train --exp DIR --name NAME [--flag value]...   (trainOptions() order)
//   warp run   --exp DIR --name NAME [--flag value]...   (warpRunOptions() order)
// Only non-empty values are passed, numbers as parsed ("1e-3" → "0.001"); the --slurm-* options
// only with --launcher slurm. Every value is checked first by core's own rules over the experiment's
// settings (its config.json in expDir when readable): RlConfig::from_json, WarpConfig::validate,
// SlurmOptions::validate and validate_run_name (core/config, db/run_name.h), so the app refuses
// exactly what the CLI would; warp::BadInput carries core's message, which names the field and its
// flag ("train options: rl: beta (--beta) must be >= 0, got -1"). A text that is not a number
// where one is expected: "beta (--beta): 'abc' is not a number". Not checked here: the contents of
// a --config file (the CLI reads it).
QStringList trainArguments(const QString& expDir, const QString& name, const LaunchValues& values);
QStringList warpRunArguments(const QString& expDir, const QString& name, const LaunchValues& values);

// "Duplicate with changes…": the form values that reproduce `run` (kind "train": every field of its
// stored "rl" settings that `warp train` takes; kind "warp": the stored "warp" settings and the "rl"
// ones `warp run` takes), from its config_json as recorded. BadInput for another kind or a config
// that cannot be read.
LaunchValues launchValuesOfRun(const warp::RunRecord& run);
// "Duplicate with changes…", the rest: the settings `run` was started with that its launch form has
// no field for (warp train: the Adam betas; warp run: most RL settings, e.g. warmup, betas,
// grad_clip, baseline) and that the experiment's config.json in `expDir` now gives differently, so
// that a duplicate runs with the settings of its original, not with today's config. As the JSON of
// a --config file: {"rl": {...}} for a train run, {"warp": {...}, "rl": {...}} for a driver (parts
// without a difference left out); empty when today's config gives them all as the run had them.
// BadInput as launchValuesOfRun, or naming config.json when it cannot be read.
QByteArray unflaggedSettingsOfRun(const QString& expDir, const warp::RunRecord& run);
// Writes unflaggedSettingsOfRun to <exp>/exports/<run>-settings.json (atomically) and returns its
// path, which the duplicate's dialog shows as its settings file (--config); "" when there is
// nothing to write (no file then). warp::Error naming the file when it cannot be written.
QString writeUnflaggedSettings(const QString& expDir, const warp::RunRecord& run);
// A free name for a copy of `name`: "ema-1" → "ema-2", "warp" → "warp-2", the first of -2, -3, ...
// (after the number `name` ends with) not in `taken`, and a valid run name.
QString suggestDuplicateName(const QString& name, const QStringList& taken);

// Resuming run `name` of kind "train" (`warp train --exp DIR --resume NAME`) or "warp"
// (`warp run --exp DIR --resume --name NAME`, with `--launcher slurm` when `launcher` is "slurm": how
// the workers run is not part of a driver's stored settings, docs/slurm.md); BadInput for another
// kind.
QStringList resumeArguments(const QString& expDir, const QString& name, const QString& kind,
                            const QString& launcher = QString());
// The launcher a WARP driver's workers ran with: "slurm" when worker_jobs records Slurm jobs of it,
// else "" (local).
QString driverLauncher(const std::vector<warp::WorkerJobRecord>& jobs);

// The `warp` executable beside the running one (build/app/warp, or the install's bin/warp).
QString defaultWarpExecutable();

// <expDir>/logs/<logName>.log.
QString runLogPath(const QString& expDir, const QString& logName);

// Starts `warpExe arguments` detached, in `expDir`, stdout and stderr appended to
// runLogPath(expDir, logName) (logs/ is created). Returns its pid; warp::Error when it cannot be
// started (no executable, logs/ not writable, ...).
qint64 launchWarp(const QString& warpExe, const QString& expDir, const QStringList& arguments, const QString& logName);
// `arguments` started at the CPU priority `priority` (Preferences, AppSettings::runPriority):
// "background" puts `--sched-idle` before the subcommand, "low" `--nice 10` (global options of warp,
// app/cli/main.cpp); "normal", or arguments that already begin with one of them, stay unchanged.
QStringList withRunPriority(const QStringList& arguments, const QString& priority);

// What the app may do with a run (Stop / Resume), and why not.
struct RunActions {
  bool canStop = false;
  bool canResume = false;
  QString stopTip;    // why Stop is disabled (empty when enabled)
  QString resumeTip;  // why Resume is disabled (empty when enabled)
};
// Stop: a running run of this host with a pid, or a WARP worker whose Slurm job (`job`, its last
// worker_jobs row) has not ended, wherever it runs. Resume: a killed or crashed run of kind "train"
// (not a WARP worker: its driver resumes it) or "warp", of this host (or with no host recorded).
RunActions runActions(const warp::RunRecord& run, const QString& thisHost,
                      const std::optional<warp::WorkerJobRecord>& job = std::nullopt);
// This machine's host name, as the runs record it.
QString thisHostName();

// Whether a Slurm state is one of a job that has ended (COMPLETED, FAILED, CANCELLED, TIMEOUT, ...).
bool slurmStateEnded(const QString& state);
// The `scancel` command that stops a Slurm worker: core's rule (config/slurm_options.h,
// slurm_stop_command), the one the driver's Slurm launcher uses.
QStringList slurmStopCommand(const warp::WorkerJobRecord& job);
// Stops the run: with a live Slurm `job`, runs slurmStopCommand (`scancel` from PATH; the worker
// checkpoints and ends killed, a pending one leaves the queue); else sends SIGTERM to the run's
// process. warp::BadInput when runActions() does not allow Stop, warp::Error when the signal cannot
// be sent or scancel fails (its message).
void stopRun(const warp::RunRecord& run, const QString& thisHost,
             const std::optional<warp::WorkerJobRecord>& job = std::nullopt);

// The `external:` reward commands a run's stored config (RunRecord::config_json) names, in the
// order found ("external:" prefix removed): what resuming it would run through /bin/sh. A config
// that is not valid JSON names none (the CLI refuses it with its own message).
QStringList externalRewardCommands(const std::string& configJson);

// The last `maxLines` lines of a text file ("" when it cannot be read).
QString tailOfFile(const QString& path, int maxLines = 12);
