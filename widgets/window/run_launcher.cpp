#include "window/run_launcher.h"

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QFileInfo>
#include <QLocale>
#include <QProcess>

#include "db/liveness.h"
#include "db/run_name.h"
#include "util/error.h"

namespace {

QString num(double v) { return QString::number(v, 'g', QLocale::FloatingPointShortest); }

[[noreturn]] void bad(const QString& field, const QString& flag, const QString& rule, const QString& got) {
  throw warp::BadInput(QStringLiteral("%1 (%2) %3, got %4").arg(field, flag, rule, got).toStdString());
}

void requireName(const QString& name) {
  const QString error = runNameError(name);
  if (!error.isEmpty()) throw warp::BadInput(QStringLiteral("name: %1").arg(error).toStdString());
}

void requireExp(const QString& expDir) {
  if (expDir.isEmpty()) throw warp::BadInput("no experiment open: open one first (File > Open Experiment…)");
}

}  // namespace

QString runNameError(const QString& name) {
  return QString::fromStdString(warp::run_name_error(name.toStdString()));
}

QStringList trainArguments(const QString& expDir, const RlRunRequest& r) {
  requireExp(expDir);
  requireName(r.name);
  QStringList args{QStringLiteral("train"), QStringLiteral("--exp"), expDir, QStringLiteral("--name"), r.name};
  if (!r.anchor.isEmpty()) {
    if (r.anchor != QStringLiteral("ema") && r.anchor != QStringLiteral("sft") && r.anchor != QStringLiteral("init"))
      bad(QStringLiteral("anchor"), QStringLiteral("--anchor"), QStringLiteral("must be ema, sft or init"),
          QStringLiteral("'%1'").arg(r.anchor));
    args << QStringLiteral("--anchor") << r.anchor;
  }
  if (r.beta) {
    if (!std::isfinite(*r.beta) || *r.beta < 0)
      bad(QStringLiteral("β"), QStringLiteral("--beta"), QStringLiteral("must be >= 0"), num(*r.beta));
    args << QStringLiteral("--beta") << num(*r.beta);
  }
  if (r.mu) {
    if (!(*r.mu > 0 && *r.mu <= 1))
      bad(QStringLiteral("μ"), QStringLiteral("--mu"), QStringLiteral("must be in (0, 1]"), num(*r.mu));
    args << QStringLiteral("--mu") << num(*r.mu);
  }
  if (r.steps) {
    if (*r.steps <= 0)
      bad(QStringLiteral("steps"), QStringLiteral("--steps"), QStringLiteral("must be > 0"), QString::number(*r.steps));
    args << QStringLiteral("--steps") << QString::number(*r.steps);
  }
  if (r.seed) args << QStringLiteral("--seed") << QString::number(*r.seed);
  if (r.promptSeed) args << QStringLiteral("--prompt-seed") << QString::number(*r.promptSeed);
  return args;
}

QStringList warpRunArguments(const QString& expDir, const WarpRunRequest& r) {
  requireExp(expDir);
  requireName(r.name);
  QStringList args{QStringLiteral("run"), QStringLiteral("--exp"), expDir, QStringLiteral("--name"), r.name};
  if (r.iterations) {
    if (*r.iterations < 1)
      bad(QStringLiteral("iterations"), QStringLiteral("--iterations"), QStringLiteral("must be >= 1"),
          QString::number(*r.iterations));
    args << QStringLiteral("--iterations") << QString::number(*r.iterations);
  }
  if (r.runs) {
    if (*r.runs < 2)
      bad(QStringLiteral("runs M"), QStringLiteral("--runs"), QStringLiteral("must be >= 2"), QString::number(*r.runs));
    args << QStringLiteral("--runs") << QString::number(*r.runs);
  }
  if (r.steps) {
    if (*r.steps <= 0)
      bad(QStringLiteral("steps"), QStringLiteral("--steps"), QStringLiteral("must be > 0"), QString::number(*r.steps));
    args << QStringLiteral("--steps") << QString::number(*r.steps);
  }
  return args;
}

QStringList resumeArguments(const QString& expDir, const QString& name, const QString& kind) {
  requireExp(expDir);
  requireName(name);
  if (kind == QStringLiteral("train"))
    return {QStringLiteral("train"), QStringLiteral("--exp"), expDir, QStringLiteral("--resume"), name};
  if (kind == QStringLiteral("warp"))
    return {QStringLiteral("run"), QStringLiteral("--exp"), expDir, QStringLiteral("--resume"), QStringLiteral("--name"),
            name};
  throw warp::BadInput(
      QStringLiteral("run '%1' is of kind '%2': only train and warp runs can be resumed").arg(name, kind).toStdString());
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
    throw warp::Error(QStringLiteral("%1: cannot create the log folder").arg(QDir::toNativeSeparators(logs)).toStdString());
  const QString log = runLogPath(expDir, logName);
  {
    // A header per start, as `warp run` writes for its workers; also checks the file is writable.
    QFile f(log);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text))
      throw warp::Error(QStringLiteral("%1: cannot write: %2").arg(QDir::toNativeSeparators(log), f.errorString()).toStdString());
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

QString thisHostName() { return QString::fromStdString(warp::this_host()); }

RunActions runActions(const warp::RunRecord& run, const QString& thisHost) {
  RunActions a;
  const QString host = QString::fromStdString(run.host);
  const bool otherHost = !host.isEmpty() && host != thisHost;
  if (run.status != warp::RunStatus::Running)
    a.stopTip = QCoreApplication::translate("RunActions", "The run is %1, not running").arg(QString::fromLatin1(warp::to_string(run.status)));
  else if (otherHost)
    a.stopTip = QCoreApplication::translate("RunActions", "The run is on host %1; stop it there").arg(host);
  else if (!run.pid || *run.pid <= 0)
    a.stopTip = QCoreApplication::translate("RunActions", "The run has no process recorded yet");
  else
    a.canStop = true;

  const bool resumable = run.status == warp::RunStatus::Killed || run.status == warp::RunStatus::Crashed;
  if (run.kind != "train" && run.kind != "warp")
    a.resumeTip = QCoreApplication::translate("RunActions", "Only train and warp runs can be resumed");
  else if (!resumable)
    a.resumeTip = QCoreApplication::translate("RunActions", "Only killed or crashed runs can be resumed; this one is %1")
                      .arg(QString::fromLatin1(warp::to_string(run.status)));
  else if (run.kind == "train" && run.parent_run_id)
    a.resumeTip = QCoreApplication::translate("RunActions", "A run of a WARP driver: resume the driver, it resumes its runs");
  else if (otherHost)
    a.resumeTip = QCoreApplication::translate("RunActions", "The run was on host %1; resume it there").arg(host);
  else
    a.canResume = true;
  return a;
}

void stopRun(const warp::RunRecord& run, const QString& thisHost) {
  const RunActions a = runActions(run, thisHost);
  const QString name = QString::fromStdString(run.name);
  if (!a.canStop) throw warp::BadInput(QStringLiteral("cannot stop run '%1': %2").arg(name, a.stopTip).toStdString());
  const std::string refused = warp::signal_run_process(run, SIGTERM);
  if (!refused.empty())
    throw warp::Error(QStringLiteral("cannot stop run '%1': %2").arg(name, QString::fromStdString(refused)).toStdString());
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
