#include "window/preferences_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

#include "window/app_settings.h"
#include "window/translations.h"

PreferencesDialog::PreferencesDialog(AppSettings& settings, QWidget* parent) : QDialog(parent), m_settings(settings) {
  setWindowTitle(tr("Preferences"));
  m_language = new QComboBox(this);
  m_language->addItem(tr("System default (%1)").arg(languageName(chooseLanguage(QString()))), QString());
  for (const QString& code : availableLanguages()) m_language->addItem(languageName(code), code);
  m_language->setCurrentIndex(std::max(0, m_language->findData(settings.language())));

  m_appearance = new QComboBox(this);
  m_appearance->addItem(tr("System"), QStringLiteral("system"));
  m_appearance->addItem(tr("Light"), QStringLiteral("light"));
  m_appearance->addItem(tr("Dark"), QStringLiteral("dark"));
  m_appearance->setCurrentIndex(std::max(0, m_appearance->findData(settings.appearance())));
  m_appearance->setToolTip(tr("Follow the desktop's light or dark palette, or force one; plots follow"));

  m_threads = new QSpinBox(this);
  m_threads->setRange(0, AppSettings::kMaxThreads);
  m_threads->setSpecialValueText(tr("warp's default (all %1 cores)").arg(QThread::idealThreadCount()));
  m_threads->setValue(settings.threadsPerRun());
  m_threads->setToolTip(tr("--threads of runs started from the app; for M runs in parallel on C cores, C / M each"));

  m_nice = new QSpinBox(this);
  m_nice->setRange(0, AppSettings::kMaxRunNice);
  m_nice->setSpecialValueText(tr("normal (0)"));
  m_nice->setValue(settings.runNice());
  m_nice->setToolTip(
      tr("The nice value of runs started from the app (warp --nice; their workers inherit it): 0 is the normal "
         "CPU priority, 19 the lowest. Training then yields the cores to the window and the Merge tab's "
         "evaluations, and runs at full speed when they are idle."));

  m_smoothing = new QDoubleSpinBox(this);
  m_smoothing->setRange(0.0, AppSettings::kMaxSmoothing);
  m_smoothing->setDecimals(3);
  m_smoothing->setSingleStep(0.05);
  m_smoothing->setValue(settings.plotSmoothing());
  m_smoothing->setToolTip(tr("Weight of the exponential moving average over the metric curves (0: raw)"));

  auto* form = new QFormLayout;
  form->addRow(tr("&Language:"), m_language);
  form->addRow(QString(), new QLabel(tr("The language changes at the next start."), this));
  form->addRow(tr("&Appearance:"), m_appearance);
  form->addRow(tr("&Threads per run:"), m_threads);
  form->addRow(tr("Run CPU &priority (nice):"), m_nice);
  form->addRow(tr("Curve &smoothing:"), m_smoothing);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, [this] {
    apply();
    accept();
  });
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(buttons);
}

void PreferencesDialog::apply() {
  m_settings.setLanguage(m_language->currentData().toString());
  m_settings.setAppearance(m_appearance->currentData().toString());
  m_settings.setThreadsPerRun(m_threads->value());
  m_settings.setRunNice(m_nice->value());
  m_settings.setPlotSmoothing(m_smoothing->value());
  m_settings.sync();
}
