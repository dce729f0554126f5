// The translations (translations/*.ts, compiled into the app): each loads, the main window's menus
// and their actions come out translated (none left in English), lrelease counts no unfinished
// entry, and the language follows the system locale unless the settings name one.
#include <QAction>
#include <QMenu>
#include <QMenuBar>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTest>

#include "test_env.h"
#include "window/main_window.h"
#include "window/translations.h"

class TestTranslations : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void cleanup();
  void chooseFollowsLocale();
  void menusTranslated_data();
  void menusTranslated();
  void nothingUnfinished_data();
  void nothingUnfinished();
};

namespace {

// "&File" -> "&File", then each action's text of that menu (submenus included), in order.
QStringList menuTexts(const MainWindow& window) {
  QStringList texts;
  for (QAction* top : window.menuBar()->actions()) {
    texts << top->text();
    if (!top->menu()) continue;
    for (QAction* a : top->menu()->actions()) {
      if (a->isSeparator() || a->text().isEmpty()) continue;
      if (!a->data().toString().isEmpty()) continue;  // a recent experiment: a folder name
      texts << a->text();
    }
  }
  return texts;
}

}  // namespace

void TestTranslations::initTestCase() {
  QStandardPaths::setTestModeEnabled(true);
  QCoreApplication::setOrganizationName(QStringLiteral("warp-studio-tests"));
  QCoreApplication::setApplicationName(QStringLiteral("test_translations"));
}

void TestTranslations::cleanup() { installTranslations(QStringLiteral("en")); }

void TestTranslations::chooseFollowsLocale() {
  QCOMPARE(availableLanguages(), QStringList({QStringLiteral("en"), QStringLiteral("de"), QStringLiteral("ko")}));
  QCOMPARE(chooseLanguage(QString(), QLocale(QStringLiteral("de_AT"))), QStringLiteral("de"));
  QCOMPARE(chooseLanguage(QString(), QLocale(QStringLiteral("ko_KR"))), QStringLiteral("ko"));
  QCOMPARE(chooseLanguage(QString(), QLocale(QStringLiteral("fr_FR"))), QStringLiteral("en"));
  QCOMPARE(chooseLanguage(QStringLiteral("ko"), QLocale(QStringLiteral("de_DE"))), QStringLiteral("ko"));
  QCOMPARE(chooseLanguage(QStringLiteral("xx"), QLocale(QStringLiteral("de_DE"))), QStringLiteral("de"));
  QVERIFY(!installTranslations(QStringLiteral("xx")));
  QVERIFY(installTranslations(QStringLiteral("en")));
}

void TestTranslations::menusTranslated_data() {
  QTest::addColumn<QString>("code");
  QTest::addColumn<QString>("file");  // the File menu's title in that language
  QTest::newRow("de") << QStringLiteral("de") << QStringLiteral("&Datei");
  QTest::newRow("ko") << QStringLiteral("ko") << QStringLiteral("파일(&F)");
}

void TestTranslations::menusTranslated() {
  QFETCH(QString, code);
  QFETCH(QString, file);
  QVERIFY(installTranslations(QStringLiteral("en")));
  QStringList english;
  QString englishTab;
  {
    MainWindow window;
    english = menuTexts(window);
    englishTab = window.tabs()->tabText(0);
  }
  QVERIFY(english.size() >= 15);
  QVERIFY2(installTranslations(code), qPrintable(code));
  MainWindow window;
  const QStringList translated = menuTexts(window);
  QCOMPARE(translated.size(), english.size());
  QCOMPARE(translated.first(), file);
  for (int i = 0; i < english.size(); ++i) {
    if (english[i] == QStringLiteral("About &Qt")) continue;  // a product name, may stay
    QVERIFY2(translated[i] != english[i], qPrintable(code + QStringLiteral(": untranslated menu text ") + english[i]));
    QVERIFY(!translated[i].trimmed().isEmpty());
  }
  QVERIFY(window.tabs()->tabText(0) != englishTab);
}

void TestTranslations::nothingUnfinished_data() {
  QTest::addColumn<QString>("ts");
  QTest::newRow("de") << QString::fromStdString(warp::test::env_path("WARP_SOURCE_DIR")) +
                             QStringLiteral("/translations/warp-studio_de.ts");
  QTest::newRow("ko") << QString::fromStdString(warp::test::env_path("WARP_SOURCE_DIR")) +
                             QStringLiteral("/translations/warp-studio_ko.ts");
}

void TestTranslations::nothingUnfinished() {
  QFETCH(QString, ts);
  // lrelease's own statistics: "Generated N translation(s) (N finished and 0 unfinished)".
  QProcess p;
  p.start(QString::fromStdString(warp::test::env_path("WARP_LRELEASE")),
          {ts, QStringLiteral("-qm"), QStringLiteral("/dev/null")});
  QVERIFY(p.waitForFinished(60000));
  QCOMPARE(p.exitCode(), 0);
  const QString out = QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError());
  const QRegularExpression stats(
      QStringLiteral("Generated (\\d+) translation\\(s\\) \\((\\d+) finished and (\\d+) unfinished\\)"));
  const QRegularExpressionMatch m = stats.match(out);
  QVERIFY2(m.hasMatch(), qPrintable(out));
  QVERIFY2(m.captured(3).toInt() == 0, qPrintable(ts + QStringLiteral(": ") + out));
  QVERIFY(m.captured(1).toInt() >= 100);
  QVERIFY2(!out.contains(QStringLiteral("Ignored")), qPrintable(out));
}

QTEST_MAIN(TestTranslations)
#include "test_translations.moc"
