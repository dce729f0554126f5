#include "window/translations.h"

#include <memory>

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QTranslator>

// The compiled translations are in this static library's resources (widgets/CMakeLists.txt).
static void initTranslationResources() { Q_INIT_RESOURCE(warp_studio_i18n); }

namespace {

std::unique_ptr<QTranslator>& appTranslator() {
  static std::unique_ptr<QTranslator> t;
  return t;
}
std::unique_ptr<QTranslator>& qtTranslator() {
  static std::unique_ptr<QTranslator> t;
  return t;
}

}  // namespace

QStringList availableLanguages() { return {QStringLiteral("en"), QStringLiteral("de"), QStringLiteral("ko")}; }

QString languageName(const QString& code) {
  if (code == QLatin1String("en")) return QStringLiteral("English");
  if (code == QLatin1String("de")) return QStringLiteral("Deutsch");
  if (code == QLatin1String("ko")) return QStringLiteral("한국어");
  return code;
}

QString chooseLanguage(const QString& setting, const QLocale& system) {
  const QStringList available = availableLanguages();
  if (available.contains(setting)) return setting;
  for (QString ui : system.uiLanguages()) {
    ui.replace(QLatin1Char('_'), QLatin1Char('-'));
    const QString base = ui.section(QLatin1Char('-'), 0, 0).toLower();
    if (available.contains(base)) return base;
  }
  return QStringLiteral("en");
}

bool installTranslations(const QString& code) {
  for (auto* t : {&appTranslator(), &qtTranslator()}) {
    if (*t) QCoreApplication::removeTranslator(t->get());
    t->reset();
  }
  if (code == QLatin1String("en")) return true;
  if (!availableLanguages().contains(code)) return false;
  initTranslationResources();
  auto app = std::make_unique<QTranslator>();
  if (!app->load(QStringLiteral(":/i18n/warp-studio_%1.qm").arg(code))) return false;
  QCoreApplication::installTranslator(app.get());
  appTranslator() = std::move(app);
  // Qt's own strings (standard buttons, file dialogs) where the system has them (qt6-translations-l10n).
  auto qt = std::make_unique<QTranslator>();
  if (qt->load(QStringLiteral("qtbase_%1").arg(code), QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
    QCoreApplication::installTranslator(qt.get());
    qtTranslator() = std::move(qt);
  }
  return true;
}
