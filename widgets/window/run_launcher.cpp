#include "window/run_launcher.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QProcess>

#include <nlohmann/json.hpp>

#include "config/rl_config.h"
#include "config/slurm_options.h"
#include "config/warp_config.h"
#include "db/liveness.h"
#include "db/run_name.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/json_read.h"
#include "window/app_settings.h"

namespace {

QString num(double v) { return QString::number(v, 'g', QLocale::FloatingPointShortest); }

void requireExp(const QString& expDir) {
  if (expDir.isEmpty()) throw warp::BadInput("no experiment open: open one first (File > Open Experiment…)");
}

using O = LaunchOption;

// The options `warp train` and `warp run` share, as each declares them.
O opt(const char* flag, const char* key, O::Kind kind, O::Target target, O::Group group, const char* label,
      QStringList choices = {}) {
  return O{QString::fromLatin1(flag), QString::fromLatin1(key), kind, target, group, label, std::move(choices)};
}

const QStringList kAnchors{QStringLiteral("ema"), QStringLiteral("sft"), QStringLiteral("init")};
const QStringList kRewards{QStringLiteral("gold"), QStringLiteral("rm:checkpoints/rm.h5"), QStringLiteral("external:")};
const QStringList kDevices{QStringLiteral("auto"), QStringLiteral("cpu"), QStringLiteral("cuda"),
                           QStringLiteral("cuda:0")};

// Parses `text` (trimmed, non-empty) as the option's kind into `out` (JSON); BadInput naming it.
nlohmann::json parseValue(const LaunchOption& o, const QString& text) {
  auto notA = [&](const char* what) -> nlohmann::json {
    const QString field = o.key.isEmpty() ? o.flag.mid(2) : o.key;
    throw warp::BadInput(
        QStringLiteral("%1 (%2): '%3' is not %4").arg(field, o.flag, text, QLatin1String(what)).toStdString());
  };
  bool ok = false;
  switch (o.kind) {
    case O::Real: {
      const double v = text.toDouble(&ok);  // C locale: "0.1", "1e-3"
      if (!ok) return notA("a number");
      return v;
    }
    case O::Whole: {
      const qint64 v = text.toLongLong(&ok);
      if (!ok) return notA("a whole number");
      return v;
    }
    case O::Count: {
      const quint64 v = text.toULongLong(&ok);
      if (!ok || text.startsWith(QLatin1Char('-'))) return notA("a non-negative whole number");
      return v;
    }
    case O::Choice:
      // Core checks the settings' choices (anchor, baseline, granularity); the launcher is the CLI's.
      if (o.target == O::Launcher && !o.choices.contains(text)) {
        const QString field = o.key.isEmpty() ? o.flag.mid(2) : o.key;
        throw warp::BadInput(QStringLiteral("%1 (%2) must be %3, got '%4'")
                                 .arg(field, o.flag, o.choices.join(QStringLiteral(", ")), text)
                                 .toStdString());
      }
      return text.toStdString();
    case O::Text:
      break;
  }
  return text.toStdString();
}

// The text a parsed value is passed as.
QString argumentText(const nlohmann::json& v) {
  if (v.is_number_float()) return num(v.get<double>());
  if (v.is_number_unsigned()) return QString::number(v.get<quint64>());
  if (v.is_number_integer()) return QString::number(v.get<qint64>());
  return QString::fromStdString(v.get<std::string>());
}

// The experiment's config.json as read by core ({} when there is none; BadInput when it is not JSON).
nlohmann::json experimentJson(const QString& expDir, std::string& path) {
  path = (expDir + QStringLiteral("/config.json")).toStdString();
  QFile f(QString::fromStdString(path));
  if (!f.exists()) return nlohmann::json::object();
  const std::string text = warp::read_file_text(path);
  nlohmann::json j = warp::parse_json_or_discarded(text, path);
  if (j.is_discarded() || !j.is_object()) throw warp::BadInput(path + ": not a JSON object");
  return j;
}

struct Parsed {
  QStringList args;
  nlohmann::json rl = nlohmann::json::object(), warp = nlohmann::json::object(), slurm = nlohmann::json::object();
  QString launcher, etaGrid, slurmExtra;
};

// The options' values parsed, in table order; the slurm ones only with --launcher slurm.
Parsed parseValues(const QList<LaunchOption>& options, const LaunchValues& values) {
  Parsed p;
  p.launcher = values.value(QStringLiteral("--launcher")).trimmed();
  for (const LaunchOption& o : options) {
    const QString text = values.value(o.flag).trimmed();
    if (text.isEmpty()) continue;
    if (o.target == O::Slurm && p.launcher != QStringLiteral("slurm")) continue;
    nlohmann::json v = parseValue(o, text);
    if (o.flag == QStringLiteral("--eta-grid")) p.etaGrid = text;
    else if (o.flag == QStringLiteral("--slurm-extra")) p.slurmExtra = text;
    else if (o.target == O::Rl) p.rl[o.key.toStdString()] = v;
    else if (o.target == O::Warp) p.warp[o.key.toStdString()] = v;
    else if (o.target == O::Slurm) p.slurm[o.key.toStdString()] = v;
    p.args << o.flag << argumentText(v);
  }
  return p;
}

}  // namespace

QString runNameError(const QString& name) { return QString::fromStdString(warp::run_name_error(name.toStdString())); }

const QList<LaunchOption>& trainOptions() {
  static const QList<LaunchOption> options{
      opt("--init", "init", O::Text, O::Rl, O::RunGroup, QT_TRANSLATE_NOOP("LaunchOption", "&Init checkpoint:")),
      opt("--config", "", O::Text, O::ConfigFile, O::RunGroup,
          QT_TRANSLATE_NOOP("LaunchOption", "Settings &file (JSON):")),
      opt("--seed", "seed", O::Count, O::Rl, O::RunGroup, QT_TRANSLATE_NOOP("LaunchOption", "S&eed:")),
      opt("--prompt-seed", "prompt_seed", O::Count, O::Rl, O::RunGroup,
          QT_TRANSLATE_NOOP("LaunchOption", "&Prompt seed:")),
      opt("--anchor", "anchor", O::Choice, O::Rl, O::RlGroup, QT_TRANSLATE_NOOP("LaunchOption", "&Anchor:"), kAnchors),
      opt("--beta", "beta", O::Real, O::Rl, O::RlGroup, QT_TRANSLATE_NOOP("LaunchOption", "&β (KL strength):")),
      opt("--mu", "mu", O::Real, O::Rl, O::RlGroup, QT_TRANSLATE_NOOP("LaunchOption", "&μ (EMA rate):")),
      opt("--steps", "steps", O::Whole, O::Rl, O::RlGroup, QT_TRANSLATE_NOOP("LaunchOption", "&Steps:")),
      opt("--batch", "batch", O::Whole, O::Rl, O::RlGroup,
          QT_TRANSLATE_NOOP("LaunchOption", "B&atch (prompts per step):")),
      opt("--samples", "samples_per_prompt", O::Whole, O::Rl, O::RlGroup,
          QT_TRANSLATE_NOOP("LaunchOption", "Samples per &prompt:")),
      opt("--lr", "lr", O::Real, O::Rl, O::RlGroup, QT_TRANSLATE_NOOP("LaunchOption", "&Learning rate:")),
      opt("--warmup", "warmup", O::Whole, O::Rl, O::RlGroup, QT_TRANSLATE_NOOP("LaunchOption", "&Warmup steps:")),
      opt("--weight-decay", "weight_decay", O::Real, O::Rl, O::RlGroup,
          QT_TRANSLATE_NOOP("LaunchOption", "&Weight decay:")),
      opt("--adam-beta1", "beta1", O::Real, O::Rl, O::RlGroup, QT_TRANSLATE_NOOP("LaunchOption", "AdamW β&1:")),
      opt("--adam-beta2", "beta2", O::Real, O::Rl, O::RlGroup, QT_TRANSLATE_NOOP("LaunchOption", "AdamW β&2:")),
      opt("--grad-clip", "grad_clip", O::Real, O::Rl, O::RlGroup,
          QT_TRANSLATE_NOOP("LaunchOption", "&Gradient clip (0: off):")),
      opt("--temperature", "temperature", O::Real, O::Rl, O::RlGroup,
          QT_TRANSLATE_NOOP("LaunchOption", "&Temperature τ:")),
      opt("--max-new-tokens", "max_new_tokens", O::Whole, O::Rl, O::RlGroup,
          QT_TRANSLATE_NOOP("LaunchOption", "Max &new tokens:")),
      opt("--baseline", "baseline", O::Choice, O::Rl, O::RlGroup, QT_TRANSLATE_NOOP("LaunchOption", "Base&line:"),
          {QStringLiteral("mean"), QStringLiteral("rloo")}),
      opt("--reward", "reward", O::Text, O::Rl, O::RlGroup, QT_TRANSLATE_NOOP("LaunchOption", "&Reward:"), kRewards),
      opt("--eval-every", "eval_every", O::Whole, O::Rl, O::EvaluationGroup,
          QT_TRANSLATE_NOOP("LaunchOption", "&Evaluate every (steps):")),
      opt("--eval-prompts", "eval_prompts", O::Whole, O::Rl, O::EvaluationGroup,
          QT_TRANSLATE_NOOP("LaunchOption", "Evaluation &prompts (0: protocol's):")),
      opt("--ckpt-every", "ckpt_every", O::Whole, O::Rl, O::EvaluationGroup,
          QT_TRANSLATE_NOOP("LaunchOption", "&Checkpoint every (steps):")),
      opt("--threads", "threads", O::Whole, O::Rl, O::ResourcesGroup, QT_TRANSLATE_NOOP("LaunchOption", "&Threads:")),
      opt("--device", "device", O::Text, O::Rl, O::ResourcesGroup, QT_TRANSLATE_NOOP("LaunchOption", "&Device:"),
          kDevices),
  };
  return options;
}

const QList<LaunchOption>& warpRunOptions() {
  static const QList<LaunchOption> options = [] {
    QList<LaunchOption> l{
        opt("--init", "init", O::Text, O::Warp, O::RunGroup, QT_TRANSLATE_NOOP("LaunchOption", "&Init checkpoint:")),
        opt("--config", "", O::Text, O::ConfigFile, O::RunGroup,
            QT_TRANSLATE_NOOP("LaunchOption", "Settings &file (JSON):")),
        opt("--seed", "seed", O::Count, O::Warp, O::RunGroup, QT_TRANSLATE_NOOP("LaunchOption", "S&eed:")),
        opt("--iterations", "iterations", O::Whole, O::Warp, O::WarpGroup,
            QT_TRANSLATE_NOOP("LaunchOption", "&Iterations I:")),
        opt("--runs", "runs", O::Whole, O::Warp, O::WarpGroup,
            QT_TRANSLATE_NOOP("LaunchOption", "&Runs M per iteration:")),
        opt("--steps", "steps", O::Whole, O::Warp, O::WarpGroup,
            QT_TRANSLATE_NOOP("LaunchOption", "&Steps T per run (0: RL's):")),
        opt("--lambda", "lambda", O::Real, O::Warp, O::WarpGroup, QT_TRANSLATE_NOOP("LaunchOption", "SLERP &λ:")),
        opt("--granularity", "granularity", O::Choice, O::Warp, O::WarpGroup,
            QT_TRANSLATE_NOOP("LaunchOption", "SLERP &granularity:"),
            {QStringLiteral("tensor"), QStringLiteral("layer")}),
        opt("--eta", "eta", O::Real, O::Warp, O::WarpGroup,
            QT_TRANSLATE_NOOP("LaunchOption", "LITI &η of the next init:")),
        opt("--eta-grid", "eta_grid", O::Text, O::Warp, O::WarpGroup,
            QT_TRANSLATE_NOOP("LaunchOption", "η &grid (comma-separated):")),
    };
    // The RL settings `warp run` passes to every worker (app/cli/cmd_run.cpp): the train form's
    // entries, so both forms label and parse them alike.
    for (const char* flag : {"--anchor", "--beta", "--mu", "--lr", "--adam-beta1", "--adam-beta2", "--batch",
                             "--max-new-tokens", "--reward", "--eval-every", "--eval-prompts", "--ckpt-every"}) {
      const auto& train = trainOptions();
      const auto it = std::find_if(train.begin(), train.end(),
                                   [&](const LaunchOption& o) { return o.flag == QLatin1String(flag); });
      Q_ASSERT(it != train.end());
      l << *it;
    }
    l << QList<LaunchOption>{
        opt("--parallel", "parallel", O::Whole, O::Warp, O::ResourcesGroup,
            QT_TRANSLATE_NOOP("LaunchOption", "Runs in &parallel (0: all):")),
        opt("--threads", "threads", O::Whole, O::Warp, O::ResourcesGroup,
            QT_TRANSLATE_NOOP("LaunchOption", "&Threads per run:")),
        opt("--device", "device", O::Text, O::Warp, O::ResourcesGroup, QT_TRANSLATE_NOOP("LaunchOption", "&Device:"),
            kDevices),
        opt("--launcher", "", O::Choice, O::Launcher, O::ResourcesGroup,
            QT_TRANSLATE_NOOP("LaunchOption", "&Launcher:"), {QStringLiteral("local"), QStringLiteral("slurm")}),
        opt("--slurm-partition", "partition", O::Text, O::Slurm, O::ResourcesGroup,
            QT_TRANSLATE_NOOP("LaunchOption", "Slurm partition:")),
        opt("--slurm-account", "account", O::Text, O::Slurm, O::ResourcesGroup,
            QT_TRANSLATE_NOOP("LaunchOption", "Slurm account:")),
        opt("--slurm-time", "time", O::Text, O::Slurm, O::ResourcesGroup,
            QT_TRANSLATE_NOOP("LaunchOption", "Slurm time limit:")),
        opt("--slurm-cpus-per-task", "cpus_per_task", O::Whole, O::Slurm, O::ResourcesGroup,
            QT_TRANSLATE_NOOP("LaunchOption", "Slurm CPUs per task:")),
        opt("--slurm-gpus-per-task", "gpus_per_task", O::Whole, O::Slurm, O::ResourcesGroup,
            QT_TRANSLATE_NOOP("LaunchOption", "Slurm GPUs per task:")),
        opt("--slurm-mem", "mem", O::Text, O::Slurm, O::ResourcesGroup,
            QT_TRANSLATE_NOOP("LaunchOption", "Slurm memory:")),
        opt("--slurm-signal-before", "signal_before", O::Whole, O::Slurm, O::ResourcesGroup,
            QT_TRANSLATE_NOOP("LaunchOption", "Slurm SIGTERM before the time limit (s):")),
        opt("--slurm-extra", "extra", O::Text, O::Slurm, O::ResourcesGroup,
            QT_TRANSLATE_NOOP("LaunchOption", "More sbatch arguments:")),
    };
    return l;
  }();
  return options;
}

QString launchGroupTitle(LaunchOption::Group group) {
  switch (group) {
    case O::RunGroup:
      return QCoreApplication::translate("LaunchOption", "Run");
    case O::RlGroup:
      return QCoreApplication::translate("LaunchOption", "RL");
    case O::WarpGroup:
      return QCoreApplication::translate("LaunchOption", "WARP");
    case O::EvaluationGroup:
      return QCoreApplication::translate("LaunchOption", "Evaluation");
    case O::ResourcesGroup:
      return QCoreApplication::translate("LaunchOption", "Resources");
  }
  return QString();
}

QStringList trainArguments(const QString& expDir, const QString& name, const LaunchValues& values) {
  requireExp(expDir);
  warp::validate_run_name(name.toStdString());
  const Parsed p = parseValues(trainOptions(), values);
  std::string path;
  const nlohmann::json cfg = experimentJson(expDir, path);
  // What `warp train` does with these flags (app/cli/cmd_train.cpp), without a --config file.
  warp::RlConfig::from_json(p.rl, "train options", warp::rl_config_from_experiment_json(cfg, path));
  return QStringList{QStringLiteral("train"), QStringLiteral("--exp"), expDir, QStringLiteral("--name"), name} + p.args;
}

QStringList warpRunArguments(const QString& expDir, const QString& name, const LaunchValues& values) {
  requireExp(expDir);
  const Parsed p = parseValues(warpRunOptions(), values);
  std::string path;
  const nlohmann::json cfg = experimentJson(expDir, path);
  // What `warp run` does with these flags (app/cli/cmd_run.cpp), without a --config file.
  warp::WarpConfig wc = warp::warp_config_from_experiment_json(cfg, path);
  nlohmann::json w = p.warp;
  w["name"] = name.toStdString();
  if (!p.etaGrid.isEmpty()) w["eta_grid"] = warp::parse_eta_grid(p.etaGrid.toStdString());  // as `warp run` reads it
  wc.update_from_json(w, "run options");
  wc.validate();
  warp::RlConfig::from_json(p.rl, "run options", warp::rl_config_from_experiment_json(cfg, path));
  if (p.launcher == QStringLiteral("slurm")) {
    warp::SlurmOptions so = warp::slurm_options_from_experiment_json(cfg, path);
    so.update_from_json(p.slurm, "run options");
    if (!p.slurmExtra.isEmpty()) so.extra = warp::split_shell_words(p.slurmExtra.toStdString(), "--slurm-extra");
    so.validate();
  }
  return QStringList{QStringLiteral("run"), QStringLiteral("--exp"), expDir, QStringLiteral("--name"), name} + p.args;
}

LaunchValues launchValuesOfRun(const warp::RunRecord& run) {
  const QString name = QString::fromStdString(run.name);
  if (run.kind != "train" && run.kind != "warp")
    throw warp::BadInput(QStringLiteral("run '%1' is of kind '%2': only train and warp runs can be duplicated")
                             .arg(name, QString::fromStdString(run.kind))
                             .toStdString());
  const nlohmann::json j = nlohmann::json::parse(run.config_json, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("rl") || !j.at("rl").is_object() ||
      (run.kind == "warp" && (!j.contains("warp") || !j.at("warp").is_object())))
    throw warp::BadInput(QStringLiteral("run '%1': its stored settings cannot be read").arg(name).toStdString());
  LaunchValues values;
  const QList<LaunchOption>& options = run.kind == "train" ? trainOptions() : warpRunOptions();
  for (const LaunchOption& o : options) {
    const char* section = o.target == O::Rl ? "rl" : o.target == O::Warp ? "warp" : nullptr;
    if (!section || o.key.isEmpty()) continue;
    const nlohmann::json& s = j.at(section);
    const std::string key = o.key.toStdString();
    if (!s.contains(key)) continue;
    const nlohmann::json& v = s.at(key);
    QString text;
    if (v.is_array()) {
      QStringList items;
      for (const auto& e : v)
        if (e.is_number()) items << num(e.get<double>());
      text = items.join(QLatin1Char(','));
    } else if (v.is_number() || v.is_string()) {
      text = argumentText(v);
    }
    if (!text.isEmpty()) values.insert(o.flag, text);
  }
  return values;
}

QByteArray unflaggedSettingsOfRun(const QString& expDir, const warp::RunRecord& run) {
  launchValuesOfRun(run);  // the same refusals: another kind, stored settings that cannot be read
  const nlohmann::json stored = nlohmann::json::parse(run.config_json, nullptr, false);
  std::string path;
  const nlohmann::json cfg = experimentJson(expDir, path);
  // What a new run would get today without any flag: the experiment's settings (core's readers).
  const nlohmann::json today = {
      {"rl", warp::rl_config_from_experiment_json(cfg, path).to_json()},
      {"warp",
       run.kind == "warp" ? warp::warp_config_from_experiment_json(cfg, path).to_json() : nlohmann::json::object()}};
  const QList<LaunchOption>& options = run.kind == "train" ? trainOptions() : warpRunOptions();
  nlohmann::json out = nlohmann::json::object();
  for (const char* section : {"warp", "rl"}) {
    if (run.kind == "train" && std::string(section) == "warp") continue;
    const O::Target target = std::string(section) == "rl" ? O::Rl : O::Warp;
    nlohmann::json part = nlohmann::json::object();
    for (auto it = stored.at(section).begin(); it != stored.at(section).end(); ++it) {
      bool onForm = false;
      for (const LaunchOption& o : options) onForm = onForm || (o.target == target && o.key.toStdString() == it.key());
      // The name is the new run's (--name); a field the form shows is passed as its flag.
      if (onForm || (target == O::Warp && it.key() == "name")) continue;
      const nlohmann::json& now = today.at(section);
      if (!now.contains(it.key()) || now.at(it.key()) != it.value()) part[it.key()] = it.value();
    }
    if (!part.empty()) out[section] = part;
  }
  if (out.empty()) return QByteArray();
  return QByteArray::fromStdString(out.dump(2) + "\n");
}

QString writeUnflaggedSettings(const QString& expDir, const warp::RunRecord& run) {
  const QByteArray text = unflaggedSettingsOfRun(expDir, run);
  if (text.isEmpty()) return QString();
  const QString dir = expDir + QStringLiteral("/exports");
  if (!QDir().mkpath(dir)) throw warp::Error(warp::file_message(dir.toStdString(), "cannot create the folder"));
  const QString path = dir + QStringLiteral("/%1-settings.json").arg(QString::fromStdString(run.name));
  warp::write_file_atomic(path.toStdString(), text.toStdString());
  return path;
}

QString suggestDuplicateName(const QString& name, const QStringList& taken) {
  QString base = name;
  qint64 n = 2;
  const int dash = name.lastIndexOf(QLatin1Char('-'));
  bool ok = false;
  const qint64 tail = dash > 0 ? name.mid(dash + 1).toLongLong(&ok) : 0;
  if (ok && tail >= 0 && !name.mid(dash + 1).startsWith(QLatin1Char('+'))) {
    base = name.left(dash);
    n = tail + 1;
  }
  for (;; ++n) {
    QString candidate = QStringLiteral("%1-%2").arg(base).arg(n);
    if (candidate.size() > 64)
      candidate = QStringLiteral("%1-%2").arg(base.left(64 - 1 - QString::number(n).size())).arg(n);
    if (!taken.contains(candidate) && runNameError(candidate).isEmpty()) return candidate;
  }
}

QStringList resumeArguments(const QString& expDir, const QString& name, const QString& kind, const QString& launcher) {
  requireExp(expDir);
  warp::validate_run_name(name.toStdString());
  if (kind == QStringLiteral("train"))
    return {QStringLiteral("train"), QStringLiteral("--exp"), expDir, QStringLiteral("--resume"), name};
  if (kind == QStringLiteral("warp")) {
    QStringList args{QStringLiteral("run"),      QStringLiteral("--exp"),  expDir,
                     QStringLiteral("--resume"), QStringLiteral("--name"), name};
    if (launcher == QStringLiteral("slurm")) args << QStringLiteral("--launcher") << launcher;
    return args;
  }
  throw warp::BadInput(QStringLiteral("run '%1' is of kind '%2': only train and warp runs can be resumed")
                           .arg(name, kind)
                           .toStdString());
}

QString driverLauncher(const std::vector<warp::WorkerJobRecord>& jobs) {
  for (const auto& j : jobs)
    if (j.launcher == "slurm") return QStringLiteral("slurm");
  return QString();
}

QString defaultWarpExecutable() { return QCoreApplication::applicationDirPath() + QStringLiteral("/warp"); }

QString runLogPath(const QString& expDir, const QString& logName) {
  return expDir + QStringLiteral("/logs/") + logName + QStringLiteral(".log");
}

qint64 launchWarp(const QString& warpExe, const QString& expDir, const QStringList& arguments, const QString& logName) {
  const QFileInfo exe(warpExe);
  if (!exe.isFile() || !exe.isExecutable())
    throw warp::Error(QStringLiteral("%1: no warp executable there (it is built beside warp-studio)")
                          .arg(QDir::toNativeSeparators(warpExe))
                          .toStdString());
  const QString logs = expDir + QStringLiteral("/logs");
  if (!QDir().mkpath(logs))
    throw warp::Error(
        QStringLiteral("%1: cannot create the log folder").arg(QDir::toNativeSeparators(logs)).toStdString());
  const QString log = runLogPath(expDir, logName);
  {
    // A header per start, as `warp run` writes for its workers; also checks the file is writable.
    QFile f(log);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text))
      throw warp::Error(
          QStringLiteral("%1: cannot write: %2").arg(QDir::toNativeSeparators(log), f.errorString()).toStdString());
    f.write(QStringLiteral("=== warp-studio started: warp %1\n").arg(arguments.join(QLatin1Char(' '))).toUtf8());
  }
  QProcess process;
  process.setProgram(exe.absoluteFilePath());
  process.setArguments(arguments);
  process.setWorkingDirectory(expDir);
  process.setStandardInputFile(QProcess::nullDevice());
  process.setStandardOutputFile(log, QIODevice::Append);
  process.setStandardErrorFile(log, QIODevice::Append);
  qint64 pid = 0;
  if (!process.startDetached(&pid))
    throw warp::Error(QStringLiteral("cannot start %1: %2")
                          .arg(QDir::toNativeSeparators(exe.absoluteFilePath()), process.errorString())
                          .toStdString());
  return pid;
}

QStringList withRunPriority(const QStringList& arguments, const QString& priority) {
  if (!arguments.isEmpty() &&
      (arguments.first() == QLatin1String("--nice") || arguments.first() == QLatin1String("--sched-idle")))
    return arguments;
  if (priority == QLatin1String("background")) return QStringList{QStringLiteral("--sched-idle")} + arguments;
  if (priority == QLatin1String("low"))
    return QStringList{QStringLiteral("--nice"), QString::number(AppSettings::kLowRunNice)} + arguments;
  return arguments;
}

QString thisHostName() { return QString::fromStdString(warp::this_host()); }

bool slurmStateEnded(const QString& state) {
  // squeue's states of jobs that are still queued or held by Slurm (ended ones leave squeue).
  static const QStringList live{
      QStringLiteral("PENDING"),      QStringLiteral("RUNNING"),     QStringLiteral("REQUEUED"),
      QStringLiteral("REQUEUE_HOLD"), QStringLiteral("REQUEUE_FED"), QStringLiteral("RESIZING"),
      QStringLiteral("SUSPENDED"),    QStringLiteral("CONFIGURING"), QStringLiteral("COMPLETING"),
      QStringLiteral("STOPPED"),      QStringLiteral("SIGNALING"),   QStringLiteral("STAGE_OUT")};
  return !state.isEmpty() && !live.contains(state);
}

namespace {

bool liveSlurmJob(const std::optional<warp::WorkerJobRecord>& job) {
  return job && job->launcher == "slurm" && !job->job_id.empty() && !job->exit_code &&
         !slurmStateEnded(QString::fromStdString(job->state));
}

}  // namespace

QStringList slurmStopCommand(const warp::WorkerJobRecord& job) {
  QStringList argv;
  for (const std::string& a : warp::slurm_stop_command(job.job_id, job.state)) argv << QString::fromStdString(a);
  return argv;
}

RunActions runActions(const warp::RunRecord& run, const QString& thisHost,
                      const std::optional<warp::WorkerJobRecord>& job) {
  RunActions a;
  const QString host = QString::fromStdString(run.host);
  const bool otherHost = !host.isEmpty() && host != thisHost;
  if (liveSlurmJob(job))  // wherever it runs: scancel reaches it
    a.canStop = true;
  else if (run.status != warp::RunStatus::Running)
    a.stopTip = QCoreApplication::translate("RunActions", "The run is %1, not running")
                    .arg(QString::fromLatin1(warp::to_string(run.status)));
  else if (otherHost)
    a.stopTip = QCoreApplication::translate("RunActions", "The run is on host %1; stop it there").arg(host);
  else if (!run.pid || *run.pid <= 0)
    a.stopTip = QCoreApplication::translate("RunActions", "The run has no process recorded yet");
  else a.canStop = true;

  const bool resumable = run.status == warp::RunStatus::Killed || run.status == warp::RunStatus::Crashed;
  if (run.kind != "train" && run.kind != "warp")
    a.resumeTip = QCoreApplication::translate("RunActions", "Only train and warp runs can be resumed");
  else if (!resumable)
    a.resumeTip =
        QCoreApplication::translate("RunActions", "Only killed or crashed runs can be resumed; this one is %1")
            .arg(QString::fromLatin1(warp::to_string(run.status)));
  else if (run.kind == "train" && run.parent_run_id)
    a.resumeTip =
        QCoreApplication::translate("RunActions", "A run of a WARP driver: resume the driver, it resumes its runs");
  else if (otherHost)
    a.resumeTip = QCoreApplication::translate("RunActions", "The run was on host %1; resume it there").arg(host);
  else a.canResume = true;
  return a;
}

void stopRun(const warp::RunRecord& run, const QString& thisHost, const std::optional<warp::WorkerJobRecord>& job) {
  const RunActions a = runActions(run, thisHost, job);
  const QString name = QString::fromStdString(run.name);
  if (!a.canStop) throw warp::BadInput(QStringLiteral("cannot stop run '%1': %2").arg(name, a.stopTip).toStdString());
  if (liveSlurmJob(job)) {
    const QStringList argv = slurmStopCommand(*job);
    QProcess p;
    p.setStandardInputFile(QProcess::nullDevice());
    p.start(argv.first(), argv.mid(1));
    const bool ended = p.waitForStarted(10000) && p.waitForFinished(30000);
    if (!ended || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
      const QString said = QString::fromLocal8Bit(p.readAllStandardError()).trimmed();
      throw warp::Error(QStringLiteral("cannot stop run '%1' (Slurm job %2): %3 failed: %4")
                            .arg(name, QString::fromStdString(job->job_id), argv.join(QLatin1Char(' ')),
                                 !said.isEmpty() ? said
                                 : ended         ? QStringLiteral("exit code %1").arg(p.exitCode())
                                                 : p.errorString())
                            .toStdString());
    }
    return;
  }
  const std::string refused = warp::signal_run_process(run, SIGTERM);
  if (!refused.empty())
    throw warp::Error(
        QStringLiteral("cannot stop run '%1': %2").arg(name, QString::fromStdString(refused)).toStdString());
}

namespace {

void collectExternalRewards(const QJsonValue& v, QStringList& out, int depth) {
  if (depth > 64) return;
  if (v.isObject()) {
    const QJsonObject o = v.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (it.value().isString() && it.key().contains(QStringLiteral("reward"))) {
        const QString spec = it.value().toString();
        if (spec.startsWith(QStringLiteral("external:")) && !out.contains(spec.mid(9))) out << spec.mid(9);
      } else {
        collectExternalRewards(it.value(), out, depth + 1);
      }
    }
  } else if (v.isArray()) {
    for (const QJsonValue& e : v.toArray()) collectExternalRewards(e, out, depth + 1);
  }
}

}  // namespace

QStringList externalRewardCommands(const std::string& configJson) {
  QStringList out;
  const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(configJson));
  if (doc.isObject()) collectExternalRewards(doc.object(), out, 0);
  return out;
}

QString tailOfFile(const QString& path, int maxLines) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return QString();
  const qint64 size = f.size();
  if (size > 65536) f.seek(size - 65536);
  // Progress lines redraw with \r: keep what the terminal would show.
  QStringList lines;
  for (const QString& line : QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'))) {
    QString shown;
    for (const QString& part : line.split(QLatin1Char('\r')))
      if (!part.trimmed().isEmpty()) shown = part;
    lines << shown;
  }
  while (!lines.isEmpty() && lines.last().trimmed().isEmpty()) lines.removeLast();
  if (lines.size() > maxLines) lines = lines.mid(lines.size() - maxLines);
  return lines.join(QLatin1Char('\n'));
}
