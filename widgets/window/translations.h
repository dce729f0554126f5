#pragma once
// The interface languages of warp-studio. English is the source language (the strings in tr());
// translations/warp-studio_<code>.ts are compiled into the app (:/i18n/warp-studio_<code>.qm).
// The language follows the system locale unless the settings name one (Settings > Preferences…).

#include <QLocale>
#include <QString>
#include <QStringList>

// "en" first, then the compiled translations: {"en", "de", "ko"}.
QStringList availableLanguages();
// The language's own name, e.g. "Deutsch", "한국어"; the code itself for an unknown one.
QString languageName(const QString& code);
// `setting` when it names an available language; else the first of `system`'s UI languages that is
// available (de-AT -> de); else "en".
QString chooseLanguage(const QString& setting, const QLocale& system = QLocale::system());
// Loads `code`'s translation (and Qt's own, when the system has it) into the application, replacing
// the ones installed before. False when `code` is not available or its .qm does not load; "en"
// removes the translators and is always true.
bool installTranslations(const QString& code);
