#include "app/launch_dialog.h"

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

QLabel* makeErrorLabel(QWidget* parent) {
  auto* label = new QLabel(parent);
  label->setWordWrap(true);
  label->setStyleSheet(QStringLiteral("color: #b00020;"));
  label->hide();
  return label;
}

void showError(QLabel* label, const std::exception& e) {
  label->setText(QString::fromUtf8(e.what()));
  label->show();
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

RlRunDialog::RlRunDialog(const QString& expDir, QWidget* parent) : QDialog(parent), m_expDir(expDir) {
  setWindowTitle(tr("New RL run"));
  const QJsonObject config = readExperimentConfig(expDir);
  m_name = new QLineEdit(this);
  m_name->setPlaceholderText(tr("e.g. ema-1"));
  m_anchor = new QComboBox(this);
  m_anchor->addItem(tr("(%1)").arg(placeholder(config, QStringLiteral("rl"), QStringLiteral("anchor"))), QString());
  m_anchor->addItem(tr("ema (WARP)"), QStringLiteral("ema"));
  m_anchor->addItem(tr("sft (static init)"), QStringLiteral("sft"));
  auto field = [this](const QString& tip) {
    auto* e = new QLineEdit(this);
    e->setPlaceholderText(tip);
    return e;
  };
  m_beta = field(placeholder(config, QStringLiteral("warp"), QStringLiteral("beta")));
  m_mu = field(placeholder(config, QStringLiteral("warp"), QStringLiteral("mu")));
  m_steps = field(placeholder(config, QStringLiteral("rl"), QStringLiteral("steps")));
  m_seed = field(placeholder(config, QStringLiteral("rl"), QStringLiteral("seed")));
  m_promptSeed = field(placeholder(config, QStringLiteral("rl"), QStringLiteral("prompt_seed")));

  auto* form = new QFormLayout;
  form->addRow(tr("&Name:"), m_name);
  form->addRow(tr("&Anchor:"), m_anchor);
  form->addRow(tr("&β (KL strength):"), m_beta);
  form->addRow(tr("&μ (EMA rate):"), m_mu);
  form->addRow(tr("&Steps:"), m_steps);
  form->addRow(tr("S&eed:"), m_seed);
  form->addRow(tr("&Prompt seed:"), m_promptSeed);
  m_error = makeErrorLabel(this);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Start"));
  connect(buttons, &QDialogButtonBox::accepted, this, &RlRunDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(new QLabel(tr("Empty fields take the experiment's settings (config.json)."), this));
  layout->addLayout(form);
  layout->addWidget(m_error);
  layout->addWidget(buttons);
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

QString RlRunDialog::errorText() const { return !m_error->isHidden() ? m_error->text() : QString(); }

void RlRunDialog::accept() {
  try {
    arguments();
  } catch (const std::exception& e) {
    showError(m_error, e);
    return;
  }
  m_error->clear();
  m_error->hide();
  QDialog::accept();
}

// ---------------------------------------------------------------------------------------------

WarpRunDialog::WarpRunDialog(const QString& expDir, QWidget* parent) : QDialog(parent), m_expDir(expDir) {
  setWindowTitle(tr("Run WARP"));
  const QJsonObject config = readExperimentConfig(expDir);
  m_name = new QLineEdit(QStringLiteral("warp"), this);
  m_iterations = new QLineEdit(this);
  m_iterations->setPlaceholderText(tr("default: 2"));
  m_runs = new QLineEdit(this);
  m_runs->setPlaceholderText(placeholder(config, QStringLiteral("warp"), QStringLiteral("runs")));
  m_steps = new QLineEdit(this);
  m_steps->setPlaceholderText(placeholder(config, QStringLiteral("rl"), QStringLiteral("steps")));
  auto* form = new QFormLayout;
  form->addRow(tr("&Name:"), m_name);
  form->addRow(tr("&Iterations I:"), m_iterations);
  form->addRow(tr("&Runs M per iteration:"), m_runs);
  form->addRow(tr("&Steps T per run:"), m_steps);
  m_error = makeErrorLabel(this);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Start"));
  connect(buttons, &QDialogButtonBox::accepted, this, &WarpRunDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(new QLabel(tr("Empty fields take the experiment's settings (config.json)."), this));
  layout->addLayout(form);
  layout->addWidget(m_error);
  layout->addWidget(buttons);
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

QString WarpRunDialog::errorText() const { return !m_error->isHidden() ? m_error->text() : QString(); }

void WarpRunDialog::accept() {
  try {
    arguments();
  } catch (const std::exception& e) {
    showError(m_error, e);
    return;
  }
  m_error->clear();
  m_error->hide();
  QDialog::accept();
}
