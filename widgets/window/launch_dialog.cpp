#include "window/launch_dialog.h"

#include <exception>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFormLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>

#include "util/error.h"

namespace {

[[noreturn]] void notA(const QString& field, const QString& text, const char* what) {
  throw warp::BadInput(QStringLiteral("%1: '%2' is not %3").arg(field, text, QLatin1String(what)).toStdString());
}

// "experiment: <value>" for the key of the section, else "experiment default".
QString placeholder(const QJsonObject& config, const QString& section, const QString& key) {
  const QJsonValue v = config.value(section).toObject().value(key);
  if (v.isDouble()) return QObject::tr("experiment: %1").arg(QString::number(v.toDouble(), 'g', QLocale::FloatingPointShortest));
  if (v.isString()) return QObject::tr("experiment: %1").arg(v.toString());
  return QObject::tr("experiment default");
}

}  // namespace

std::optional<double> parseOptionalDouble(const QString& text, const QString& field) {
  const QString t = text.trimmed();
  if (t.isEmpty()) return std::nullopt;
  bool ok = false;
  const double v = t.toDouble(&ok);  // C locale: "0.1", "1e-3"
  if (!ok) notA(field, t, "a number");
  return v;
}

std::optional<qint64> parseOptionalInt(const QString& text, const QString& field) {
  const QString t = text.trimmed();
  if (t.isEmpty()) return std::nullopt;
  bool ok = false;
  const qint64 v = t.toLongLong(&ok);
  if (!ok) notA(field, t, "a whole number");
  return v;
}

std::optional<quint64> parseOptionalUInt(const QString& text, const QString& field) {
  const QString t = text.trimmed();
  if (t.isEmpty()) return std::nullopt;
  bool ok = false;
  const quint64 v = t.toULongLong(&ok);
  if (!ok || t.startsWith(QLatin1Char('-'))) notA(field, t, "a non-negative whole number");
  return v;
}

QJsonObject readExperimentConfig(const QString& expDir) {
  QFile f(expDir + QStringLiteral("/config.json"));
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(f.readAll()).object();
}

// ---------------------------------------------------------------------------------------------

RunDialog::RunDialog(const QString& expDir, const QString& title, QWidget* parent)
    : QDialog(parent), m_expDir(expDir), m_config(readExperimentConfig(expDir)) {
  setWindowTitle(title);
  m_form = new QFormLayout;
  m_error = new QLabel(this);
  m_error->setWordWrap(true);
  m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
  m_error->hide();
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Start"));
  connect(buttons, &QDialogButtonBox::accepted, this, &RunDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(new QLabel(tr("Empty fields take the experiment's settings (config.json)."), this));
  layout->addLayout(m_form);
  layout->addWidget(m_error);
  layout->addWidget(buttons);
}

QLineEdit* RunDialog::addField(const QString& label, const QString& placeholderText) {
  auto* e = new QLineEdit(this);
  e->setPlaceholderText(placeholderText);
  m_form->addRow(label, e);
  return e;
}

QString RunDialog::errorText() const { return !m_error->isHidden() ? m_error->text() : QString(); }

void RunDialog::accept() {
  try {
    arguments();
  } catch (const std::exception& e) {
    m_error->setText(QString::fromUtf8(e.what()));
    m_error->show();
    return;
  }
  m_error->clear();
  m_error->hide();
  QDialog::accept();
}

// ---------------------------------------------------------------------------------------------

RlRunDialog::RlRunDialog(const QString& expDir, QWidget* parent) : RunDialog(expDir, tr("New RL run"), parent) {
  m_name = addField(tr("&Name:"), tr("e.g. ema-1"));
  m_anchor = new QComboBox(this);
  m_anchor->addItem(tr("(%1)").arg(placeholder(m_config, QStringLiteral("rl"), QStringLiteral("anchor"))), QString());
  m_anchor->addItem(tr("ema (WARP)"), QStringLiteral("ema"));
  m_anchor->addItem(tr("sft (static θ_sft)"), QStringLiteral("sft"));
  m_anchor->addItem(tr("init (static θ_init)"), QStringLiteral("init"));
  m_form->addRow(tr("&Anchor:"), m_anchor);
  m_beta = addField(tr("&β (KL strength):"), placeholder(m_config, QStringLiteral("warp"), QStringLiteral("beta")));
  m_mu = addField(tr("&μ (EMA rate):"), placeholder(m_config, QStringLiteral("warp"), QStringLiteral("mu")));
  m_steps = addField(tr("&Steps:"), placeholder(m_config, QStringLiteral("rl"), QStringLiteral("steps")));
  m_seed = addField(tr("S&eed:"), placeholder(m_config, QStringLiteral("rl"), QStringLiteral("seed")));
  m_promptSeed = addField(tr("&Prompt seed:"), placeholder(m_config, QStringLiteral("rl"), QStringLiteral("prompt_seed")));
}

RlRunRequest RlRunDialog::request() const {
  RlRunRequest r;
  r.name = m_name->text().trimmed();
  r.anchor = m_anchor->currentData().toString();
  r.beta = parseOptionalDouble(m_beta->text(), QStringLiteral("β"));
  r.mu = parseOptionalDouble(m_mu->text(), QStringLiteral("μ"));
  r.steps = parseOptionalInt(m_steps->text(), QStringLiteral("steps"));
  r.seed = parseOptionalUInt(m_seed->text(), QStringLiteral("seed"));
  r.promptSeed = parseOptionalUInt(m_promptSeed->text(), QStringLiteral("prompt seed"));
  return r;
}

QStringList RlRunDialog::arguments() const { return trainArguments(m_expDir, request()); }

// ---------------------------------------------------------------------------------------------

WarpRunDialog::WarpRunDialog(const QString& expDir, QWidget* parent) : RunDialog(expDir, tr("Run WARP"), parent) {
  m_name = addField(tr("&Name:"), QString());
  m_name->setText(QStringLiteral("warp"));
  m_iterations = addField(tr("&Iterations I:"), tr("default: 2"));
  m_runs = addField(tr("&Runs M per iteration:"), placeholder(m_config, QStringLiteral("warp"), QStringLiteral("runs")));
  m_steps = addField(tr("&Steps T per run:"), placeholder(m_config, QStringLiteral("rl"), QStringLiteral("steps")));
}

WarpRunRequest WarpRunDialog::request() const {
  WarpRunRequest r;
  r.name = m_name->text().trimmed();
  r.iterations = parseOptionalInt(m_iterations->text(), QStringLiteral("iterations"));
  r.runs = parseOptionalInt(m_runs->text(), QStringLiteral("runs M"));
  r.steps = parseOptionalInt(m_steps->text(), QStringLiteral("steps"));
  return r;
}

QStringList WarpRunDialog::arguments() const { return warpRunArguments(m_expDir, request()); }
