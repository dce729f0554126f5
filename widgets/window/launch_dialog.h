#pragma once
// The dialogs of Runs > New RL run…, Runs > Run WARP… and Runs > Duplicate with changes…: every
// option of `warp train` / `warp run` (window/run_launcher.h: trainOptions(), warpRunOptions()) in
// tabs by group (Run, RL, WARP, Evaluation, Resources). An empty field means "the experiment's
// value", shown as its placeholder ("experiment: 0.1" when config.json sets it, "default: 1000"
// otherwise, read with core's own config readers); choices are combo boxes whose first entry is
// "default (<value>)". The Slurm fields are enabled only with launcher = slurm, their placeholders
// from the config's "slurm" section. OK (Start) builds the `warp` arguments, which checks every
// field with core's rules (core/config); a refused field keeps the dialog open with core's message
// (it names the field and its flag) and the field's tab shown and focused.

#include <QDialog>
#include <QJsonObject>
#include <QMap>

#include "window/run_launcher.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QTabWidget;

// config.json of the experiment in `expDir` as an object ({} when it cannot be read).
QJsonObject readExperimentConfig(const QString& expDir);

// What both dialogs share: the name, the option fields in tabs, the error line and Start / Cancel.
class RunDialog : public QDialog {
  Q_OBJECT

 public:
  // The `warp` arguments from the fields; BadInput naming the field.
  QStringList arguments() const;
  // The run name typed (trimmed).
  QString runName() const;
  // The non-empty fields by flag.
  LaunchValues values() const;
  // Sets the fields of `values` (flags not listed are cleared); a choice takes its value.
  void setValues(const LaunchValues& values);
  void setRunName(const QString& name);
  // The message shown for the last refused Start ("" when none).
  QString errorText() const;

  QLineEdit* nameEdit() const { return m_name; }
  // The field of an option (a QLineEdit, or a QComboBox for choices and suggestions); null when the
  // command has no such option.
  QWidget* field(const QString& flag) const { return m_fields.value(flag); }
  QLineEdit* lineEdit(const QString& flag) const;
  QComboBox* combo(const QString& flag) const;
  QTabWidget* tabs() const { return m_tabs; }

 public slots:
  void accept() override;

 protected:
  RunDialog(const QString& expDir, const QString& command, const QList<LaunchOption>& options, const QString& title,
            QWidget* parent);

 private:
  QString fieldText(const LaunchOption& option) const;
  QString placeholderOf(const LaunchOption& option) const;
  void updateLauncherFields();

  QString m_expDir;
  QString m_command;  // "train" or "run"
  QList<LaunchOption> m_options;
  QJsonObject m_config;     // the experiment's config.json (which fields it sets)
  QJsonObject m_effective;  // {"rl": ..., "warp": ..., "slurm": ...}: the values empty fields take
  QLineEdit* m_name = nullptr;
  QTabWidget* m_tabs = nullptr;
  QMap<QString, QWidget*> m_fields;
  QLabel* m_error = nullptr;
};

class RlRunDialog : public RunDialog {
  Q_OBJECT

 public:
  explicit RlRunDialog(const QString& expDir, QWidget* parent = nullptr);
};

class WarpRunDialog : public RunDialog {
  Q_OBJECT

 public:
  explicit WarpRunDialog(const QString& expDir, QWidget* parent = nullptr);
};
