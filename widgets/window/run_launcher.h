#pragma once
// Starting and stopping runs from warp-studio (DESIGN §2): the app builds a `warp` command line,
// starts it detached (QProcess::startDetached, so closing or crashing the app stops nothing) with
// stdout and stderr appended to <exp>/logs/<name>.log, and stops a run of this host with SIGTERM
// (the run writes its resumable checkpoint and ends "killed"). The runs write the experiment
// database; the window follows them by reading it, as for runs started from a terminal.
//
// The argument builders are pure functions: they check what the user typed (the same rules as the
// CLI, so a mistake is reported before any process starts) and throw warp::BadInput naming the
// field; an unset optional means "the experiment's default" and adds no option.

#include <optional>

#include <QString>
#include <QStringList>

#include "db/records.h"

// Empty when `name` is a valid run name (core's rule: 1-64 characters of A-Z a-z 0-9 _ . -,
// starting with a letter or digit, not ending in -state or -ema), else why not.
QString runNameError(const QString& name);

// `warp train --exp DIR --name NAME [--anchor A] [--beta B] [--mu U] [--steps T] [--seed S]
// [--prompt-seed P]`.
struct RlRunRequest {
  QString name;
  QString anchor;                      // "ema", "sft", "init" or empty (the experiment's)
  std::optional<double> beta;          // >= 0
  std::optional<double> mu;            // in (0, 1]
  std::optional<qint64> steps;         // > 0
  std::optional<quint64> seed;
  std::optional<quint64> promptSeed;
};

// `warp run --exp DIR --name NAME [--iterations I] [--runs M] [--steps T]`.
struct WarpRunRequest {
  QString name = QStringLiteral("warp");
  std::optional<qint64> iterations;    // >= 1
  std::optional<qint64> runs;          // >= 2
  std::optional<qint64> steps;         // > 0
};

// The arguments of the `warp` executable (without the program itself). BadInput naming the field
// (e.g. "β (--beta) must be >= 0, got -1") for an invalid name or value.
QStringList trainArguments(const QString& expDir, const RlRunRequest& request);
QStringList warpRunArguments(const QString& expDir, const WarpRunRequest& request);
// Resuming run `name` of kind "train" (`warp train --exp DIR --resume NAME`) or "warp"
// (`warp run --exp DIR --resume --name NAME`); BadInput for another kind.
QStringList resumeArguments(const QString& expDir, const QString& name, const QString& kind);

// The `warp` executable beside the running one (build/app/warp, or the install's bin/warp).
QString defaultWarpExecutable();

// <expDir>/logs/<logName>.log.
QString runLogPath(const QString& expDir, const QString& logName);

// Starts `warpExe arguments` detached, in `expDir`, stdout and stderr appended to
// runLogPath(expDir, logName) (logs/ is created). Returns its pid; warp::Error when it cannot be
// started (no executable, logs/ not writable, ...).
qint64 launchWarp(const QString& warpExe, const QString& expDir, const QStringList& arguments,
                  const QString& logName);

// What the app may do with a run (Stop / Resume), and why not.
struct RunActions {
  bool canStop = false;
  bool canResume = false;
  QString stopTip;     // why Stop is disabled (empty when enabled)
  QString resumeTip;   // why Resume is disabled (empty when enabled)
};
// Stop: a running run of this host with a pid. Resume: a killed or crashed run of kind "train"
// (not a WARP worker: its driver resumes it) or "warp", of this host (or with no host recorded).
RunActions runActions(const warp::RunRecord& run, const QString& thisHost);
// This machine's host name, as the runs record it.
QString thisHostName();

// Sends SIGTERM to the run's process. warp::BadInput when runActions() does not allow Stop,
// warp::Error when the signal cannot be sent.
void stopRun(const warp::RunRecord& run, const QString& thisHost);

// The `external:` reward commands a run's stored config (RunRecord::config_json) names, in the
// order found ("external:" prefix removed): what resuming it would run through /bin/sh. A config
// that is not valid JSON names none (the CLI refuses it with its own message).
QStringList externalRewardCommands(const std::string& configJson);

// The last `maxLines` lines of a text file ("" when it cannot be read).
QString tailOfFile(const QString& path, int maxLines = 12);
