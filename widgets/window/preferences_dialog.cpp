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

  m_priority = new QComboBox(this);
  m_priority->addItem(tr("Background (idle CPU time only)"), QStringLiteral("background"));
  m_priority->addItem(tr("Low (nice %1)").arg(AppSettings::kLowRunNice), QStringLiteral("low"));
  m_priority->addItem(tr("Normal"), QStringLiteral("normal"));
  m_priority->setCurrentIndex(std::max(0, m_priority->findData(settings.runPriority())));
  m_priority->setToolTip(
      tr("The CPU priority of runs started from the app; their workers inherit it. Background (warp --sched-idle): "
         "training takes only CPU time nothing else wants, so the window and the Merge tab's evaluations get the "
         "cores at once, and it runs at full speed while they are idle. Low (warp --nice %1): training still gets "
         "a share while the app works.")
          .arg(AppSettings::kLowRunNice));

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
  form->addRow(tr("Run CPU &priority:"), m_priority);
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
  m_settings.setRunPriority(m_priority->currentData().toString());
  m_settings.setPlotSmoothing(m_smoothing->value());
  m_settings.sync();
}
