#pragma once
// The dialogs of Runs > New RL run… and Runs > Run WARP…: a form whose empty fields mean "the
// experiment's default" (shown as the field's placeholder, read from the experiment's config.json
// "warp" and "rl" sections). OK builds the `warp` arguments (window/run_launcher.h); a wrong field
// keeps the dialog open with a message naming it.

#include <optional>

#include <QDialog>
#include <QJsonObject>

#include "window/run_launcher.h"

class QComboBox;
class QLabel;
class QLineEdit;

// Parse a form field: empty (after trimming) gives nullopt; otherwise warp::BadInput
// "<field>: '<text>' is not a number" (or "not a whole number", "not a non-negative whole number").
std::optional<double> parseOptionalDouble(const QString& text, const QString& field);
std::optional<qint64> parseOptionalInt(const QString& text, const QString& field);
std::optional<quint64> parseOptionalUInt(const QString& text, const QString& field);

// config.json of the experiment in `expDir` as an object ({} when it cannot be read).
QJsonObject readExperimentConfig(const QString& expDir);

class QFormLayout;

// What both dialogs share: the form, the error line and the Start / Cancel buttons; Start keeps
// the dialog open with the message while arguments() refuses a field.
class RunDialog : public QDialog {
  Q_OBJECT

 public:
  // The `warp` arguments from the fields; BadInput naming the field.
  virtual QStringList arguments() const = 0;
  // The message shown for the last refused Start ("" when none).
  QString errorText() const;

 public slots:
  void accept() override;

 protected:
  RunDialog(const QString& expDir, const QString& title, QWidget* parent);
  // A line edit added to the form with this label, showing `placeholder` while empty.
  QLineEdit* addField(const QString& label, const QString& placeholder);

  QString m_expDir;
  QJsonObject m_config;  // the experiment's config.json (for the placeholders)
  QFormLayout* m_form = nullptr;

 private:
  QLabel* m_error = nullptr;
};

class RlRunDialog : public RunDialog {
  Q_OBJECT

 public:
  RlRunDialog(const QString& expDir, QWidget* parent = nullptr);

  QLineEdit* nameEdit() const { return m_name; }
  QComboBox* anchorCombo() const { return m_anchor; }
  QLineEdit* betaEdit() const { return m_beta; }
  QLineEdit* muEdit() const { return m_mu; }
  QLineEdit* stepsEdit() const { return m_steps; }
  QLineEdit* seedEdit() const { return m_seed; }
  QLineEdit* promptSeedEdit() const { return m_promptSeed; }

  // The request from the fields; BadInput naming the field.
  RlRunRequest request() const;
  // trainArguments(expDir, request()).
  QStringList arguments() const override;

 private:
  QLineEdit* m_name = nullptr;
  QComboBox* m_anchor = nullptr;
  QLineEdit* m_beta = nullptr;
  QLineEdit* m_mu = nullptr;
  QLineEdit* m_steps = nullptr;
  QLineEdit* m_seed = nullptr;
  QLineEdit* m_promptSeed = nullptr;
};

class WarpRunDialog : public RunDialog {
  Q_OBJECT

 public:
  WarpRunDialog(const QString& expDir, QWidget* parent = nullptr);

  QLineEdit* nameEdit() const { return m_name; }
  QLineEdit* iterationsEdit() const { return m_iterations; }
  QLineEdit* runsEdit() const { return m_runs; }
  QLineEdit* stepsEdit() const { return m_steps; }

  WarpRunRequest request() const;
  // warpRunArguments(expDir, request()).
  QStringList arguments() const override;

 private:
  QLineEdit* m_name = nullptr;
  QLineEdit* m_iterations = nullptr;
  QLineEdit* m_runs = nullptr;
  QLineEdit* m_steps = nullptr;
};
