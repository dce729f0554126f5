#include "window/appearance.h"

#include <QApplication>
#include <QStyle>
#include <QStyleFactory>

namespace {

QString& systemStyleName() {
  static QString name;
  return name;
}

// `p` with every colour set explicitly, so that nothing of it is filled in from the platform's palette.
QPalette explicitly(const QPalette& p) {
  QPalette out;
  for (int g = 0; g < QPalette::NColorGroups; ++g) {
    const auto group = static_cast<QPalette::ColorGroup>(g);
    for (int r = 0; r < QPalette::NColorRoles; ++r) {
      const auto role = static_cast<QPalette::ColorRole>(r);
      out.setColor(group, role, p.color(group, role));
    }
  }
  return out;
}

}  // namespace

QStringList appearanceModes() { return {QStringLiteral("system"), QStringLiteral("light"), QStringLiteral("dark")}; }

QPalette darkPalette() {
  const QColor window(0x2d, 0x2e, 0x32), base(0x1e, 0x1f, 0x22), alt(0x2a, 0x2b, 0x2f), text(0xe6, 0xe6, 0xe6);
  const QColor button(0x3a, 0x3b, 0x40), highlight(0x3d, 0x84, 0xd6), dim(0x8a, 0x8b, 0x90);
  QPalette p;
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, alt);
  p.setColor(QPalette::ToolTipBase, QColor(0x3a, 0x3b, 0x40));
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, QColor(0xa0, 0xa1, 0xa6));
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, button);
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, QColor(0xff, 0x6b, 0x6b));
  p.setColor(QPalette::Light, QColor(0x4a, 0x4b, 0x50));
  p.setColor(QPalette::Midlight, QColor(0x40, 0x41, 0x46));
  p.setColor(QPalette::Mid, QColor(0x5a, 0x5b, 0x60));
  p.setColor(QPalette::Dark, QColor(0x19, 0x1a, 0x1c));
  p.setColor(QPalette::Shadow, QColor(0x0c, 0x0c, 0x0d));
  p.setColor(QPalette::Highlight, highlight);
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::Link, QColor(0x6c, 0xb4, 0xff));
  p.setColor(QPalette::LinkVisited, QColor(0xc0, 0x9b, 0xff));
  for (QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
    p.setColor(QPalette::Disabled, role, dim);
  p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(0x50, 0x51, 0x56));
  return p;
}

void applyAppearance(const QString& mode) {
  QStyle* current = QApplication::style();
  if (systemStyleName().isEmpty() && current) systemStyleName() = current->name();
  if (mode == QLatin1String("light") || mode == QLatin1String("dark")) {
    if (!current || current->name().compare(QLatin1String("fusion"), Qt::CaseInsensitive) != 0)
      QApplication::setStyle(QStringLiteral("Fusion"));
    QApplication::setPalette(
        explicitly(mode == QLatin1String("dark") ? darkPalette() : QApplication::style()->standardPalette()));
    return;
  }
  if (current && !systemStyleName().isEmpty() && current->name() != systemStyleName())
    QApplication::setStyle(systemStyleName());
  // An empty palette (nothing resolved): the platform theme's and style's own, followed as they change.
  QApplication::setPalette(QPalette());
}
