#include "window/launch_dialog.h"

#include <exception>

#include <QComboBox>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QFile>
#include <QFormLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include "config/rl_config.h"
#include "config/slurm_options.h"
#include "config/warp_config.h"
#include "plot/plot_theme.h"

namespace {

QJsonObject toQt(const nlohmann::json& j) {
  return QJsonDocument::fromJson(QByteArray::fromStdString(j.dump())).object();
}

// The settings empty fields take, read by core as the CLI reads them; a section config.json gets
// wrong shows core's defaults here (Start then reports what is wrong with the file).
QJsonObject effectiveSettings(const QString& expDir) {
  const std::string path = (expDir + QStringLiteral("/config.json")).toStdString();
  QFile f(QString::fromStdString(path));
  nlohmann::json cfg = nlohmann::json::object();
  if (f.open(QIODevice::ReadOnly)) {
    cfg = nlohmann::json::parse(f.readAll().toStdString(), nullptr, false);
    if (cfg.is_discarded() || !cfg.is_object()) cfg = nlohmann::json::object();
  }
  QJsonObject out;
  try {
    out[QStringLiteral("rl")] = toQt(warp::rl_config_from_experiment_json(cfg, path).to_json());
  } catch (const std::exception&) {
    out[QStringLiteral("rl")] = toQt(warp::RlConfig{}.to_json());
  }
  try {
    out[QStringLiteral("warp")] = toQt(warp::warp_config_from_experiment_json(cfg, path).to_json());
  } catch (const std::exception&) {
    out[QStringLiteral("warp")] = toQt(warp::WarpConfig{}.to_json());
  }
  try {
    out[QStringLiteral("slurm")] = toQt(warp::slurm_options_from_experiment_json(cfg, path).to_json());
  } catch (const std::exception&) {
    out[QStringLiteral("slurm")] = toQt(warp::SlurmOptions{}.to_json());
  }
  return out;
}

QString sectionOf(const LaunchOption& o) {
  switch (o.target) {
    case LaunchOption::Rl:
      return QStringLiteral("rl");
    case LaunchOption::Warp:
      return QStringLiteral("warp");
    case LaunchOption::Slurm:
      return QStringLiteral("slurm");
    default:
      return QString();
  }
}

QString valueText(const QJsonValue& v, const QString& separator) {
  if (v.isDouble()) return QString::number(v.toDouble(), 'g', QLocale::FloatingPointShortest);
  if (v.isString()) return v.toString();
  if (v.isArray()) {
    QStringList items;
    for (const QJsonValue& e : v.toArray()) items << valueText(e, separator);
    return items.join(separator);
  }
  return QString();
}

}  // namespace

QJsonObject readExperimentConfig(const QString& expDir) {
  QFile f(expDir + QStringLiteral("/config.json"));
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(f.readAll()).object();
}

// ---------------------------------------------------------------------------------------------

RunDialog::RunDialog(const QString& expDir, const QString& command, const QList<LaunchOption>& options,
                     const QString& title, QWidget* parent)
    : QDialog(parent),
      m_expDir(expDir),
      m_command(command),
      m_options(options),
      m_config(readExperimentConfig(expDir)),
      m_effective(effectiveSettings(expDir)) {
  setWindowTitle(title);
  m_tabs = new QTabWidget(this);
  QMap<int, QFormLayout*> forms;
  auto formOf = [&](LaunchOption::Group group) {
    if (!forms.contains(group)) {
      auto* page = new QWidget(m_tabs);
      auto* form = new QFormLayout(page);
      m_tabs->addTab(page, launchGroupTitle(group));
      forms.insert(group, form);
    }
    return forms.value(group);
  };
  m_name = new QLineEdit(this);
  formOf(LaunchOption::RunGroup)->addRow(tr("&Name:"), m_name);
  for (const LaunchOption& o : m_options) {
    QWidget* w = nullptr;
    const QString placeholder = placeholderOf(o);
    if (o.kind == LaunchOption::Choice) {
      auto* c = new QComboBox(this);
      c->addItem(tr("default (%1)").arg(placeholder), QString());
      for (const QString& choice : o.choices) c->addItem(choice, choice);
      w = c;
    } else if (!o.choices.isEmpty()) {  // suggestions: an editable list
      auto* c = new QComboBox(this);
      c->setEditable(true);
      c->setInsertPolicy(QComboBox::NoInsert);
      c->addItems(o.choices);
      c->setCurrentIndex(-1);
      c->lineEdit()->setPlaceholderText(placeholder);
      w = c;
    } else {
      auto* e = new QLineEdit(this);
      e->setPlaceholderText(placeholder);
      w = e;
    }
    w->setObjectName(o.flag);
    w->setToolTip(o.flag);
    formOf(o.group)->addRow(QCoreApplication::translate("LaunchOption", o.label), w);
    m_fields.insert(o.flag, w);
  }
  if (QComboBox* launcher = combo(QStringLiteral("--launcher"))) {
    connect(launcher, &QComboBox::currentIndexChanged, this, &RunDialog::updateLauncherFields);
    updateLauncherFields();
  }

  m_error = new QLabel(this);
  m_error->setObjectName(QStringLiteral("launchError"));
  m_error->setWordWrap(true);
  m_error->setStyleSheet(errorStyleSheet(palette()));  // readable in light and dark
  m_error->hide();
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Start"));
  connect(buttons, &QDialogButtonBox::accepted, this, &RunDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(new QLabel(tr("Empty fields take the experiment's settings (config.json)."), this));
  layout->addWidget(m_tabs);
  layout->addWidget(m_error);
  layout->addWidget(buttons);
}

QString RunDialog::placeholderOf(const LaunchOption& o) const {
  if (o.target == LaunchOption::ConfigFile) return tr("none");
  if (o.target == LaunchOption::Launcher) return QStringLiteral("local");
  const QString section = sectionOf(o);
  const QString text = valueText(m_effective.value(section).toObject().value(o.key),
                                 o.flag == QStringLiteral("--slurm-extra") ? QStringLiteral(" ") : QStringLiteral(","));
  // Where the value comes from: config.json's section (beta, mu and temperature of the RL settings
  // also from its "warp" section), else core's default.
  bool fromConfig = m_config.value(section).toObject().contains(o.key);
  if (o.target == LaunchOption::Rl && !fromConfig &&
      (o.key == QStringLiteral("beta") || o.key == QStringLiteral("mu") || o.key == QStringLiteral("temperature")))
    fromConfig = m_config.value(QStringLiteral("warp")).toObject().contains(o.key);
  QString shown = text;
  if (text.isEmpty()) {
    if (o.key == QStringLiteral("init")) shown = QStringLiteral("checkpoints/sft.h5");
    else if (o.key == QStringLiteral("reward")) shown = tr("rm:checkpoints/rm.h5 if it exists, else gold");
    else return tr("default: none");
  }
  if (o.kind == LaunchOption::Choice) return shown;
  return fromConfig ? tr("experiment: %1").arg(shown) : tr("default: %1").arg(shown);
}

void RunDialog::updateLauncherFields() {
  QComboBox* launcher = combo(QStringLiteral("--launcher"));
  const bool slurm = launcher && launcher->currentData().toString() == QStringLiteral("slurm");
  for (const LaunchOption& o : m_options)
    if (o.target == LaunchOption::Slurm) m_fields.value(o.flag)->setEnabled(slurm);
}

QLineEdit* RunDialog::lineEdit(const QString& flag) const { return qobject_cast<QLineEdit*>(m_fields.value(flag)); }

QComboBox* RunDialog::combo(const QString& flag) const { return qobject_cast<QComboBox*>(m_fields.value(flag)); }

QString RunDialog::fieldText(const LaunchOption& o) const {
  QWidget* w = m_fields.value(o.flag);
  if (auto* e = qobject_cast<QLineEdit*>(w)) return e->text().trimmed();
  if (auto* c = qobject_cast<QComboBox*>(w))
    return c->isEditable() ? c->currentText().trimmed() : c->currentData().toString();
  return QString();
}

QString RunDialog::runName() const { return m_name->text().trimmed(); }

void RunDialog::setRunName(const QString& name) { m_name->setText(name); }

LaunchValues RunDialog::values() const {
  LaunchValues v;
  for (const LaunchOption& o : m_options) {
    const QString text = fieldText(o);
    if (!text.isEmpty()) v.insert(o.flag, text);
  }
  return v;
}

void RunDialog::setValues(const LaunchValues& values) {
  for (const LaunchOption& o : m_options) {
    const QString text = values.value(o.flag);
    QWidget* w = m_fields.value(o.flag);
    if (auto* e = qobject_cast<QLineEdit*>(w)) {
      e->setText(text);
    } else if (auto* c = qobject_cast<QComboBox*>(w)) {
      if (c->isEditable()) {
        c->setCurrentIndex(-1);
        c->setEditText(text);
      } else {
        const int i = c->findData(text);
        c->setCurrentIndex(i >= 0 ? i : 0);
      }
    }
  }
}

QStringList RunDialog::arguments() const {
  return m_command == QStringLiteral("train") ? trainArguments(m_expDir, runName(), values())
                                              : warpRunArguments(m_expDir, runName(), values());
}

QString RunDialog::errorText() const { return !m_error->isHidden() ? m_error->text() : QString(); }

void RunDialog::accept() {
  try {
    arguments();
  } catch (const std::exception& e) {
    const QString message = QString::fromUtf8(e.what());
    m_error->setText(message);
    m_error->show();
    // Show and focus the field core's message names ("... (--beta) must be ...").
    QWidget* target = nullptr;
    for (const LaunchOption& o : m_options)
      if (message.contains(QStringLiteral("(%1)").arg(o.flag))) {
        target = m_fields.value(o.flag);
        break;
      }
    if (!target && message.contains(QStringLiteral("name"))) target = m_name;
    if (target) {
      for (int i = 0; i < m_tabs->count(); ++i)
        if (m_tabs->widget(i)->isAncestorOf(target)) m_tabs->setCurrentIndex(i);
      target->setFocus();
    }
    return;
  }
  m_error->clear();
  m_error->hide();
  QDialog::accept();
}

// ---------------------------------------------------------------------------------------------

RlRunDialog::RlRunDialog(const QString& expDir, QWidget* parent)
    : RunDialog(expDir, QStringLiteral("train"), trainOptions(), tr("New RL run"), parent) {
  nameEdit()->setPlaceholderText(tr("e.g. ema-1"));
}

WarpRunDialog::WarpRunDialog(const QString& expDir, QWidget* parent)
    : RunDialog(expDir, QStringLiteral("run"), warpRunOptions(), tr("Run WARP"), parent) {
  setRunName(QStringLiteral("warp"));
}
