#pragma once
// The light or dark look of warp-studio (the appearance setting, window/app_settings.h):
//   "system"  the desktop's own style and palette, followed as it changes (the platform theme
//             sends the palette change; plots recolour on QEvent::PaletteChange, plot/plot_theme.h)
//   "light"   Fusion with its standard light palette
//   "dark"    Fusion with darkPalette()
// Qt 6.4 (Debian 12) has no QStyleHints::colorScheme: whether the look is dark is read from the
// palette itself (isDarkPalette, plot/plot_theme.h). warp-studio applies the setting at start
// (or its --appearance option) and when the Preferences change it; the tour forces one for the
// screenshots of both looks.

#include <QPalette>
#include <QString>
#include <QStringList>

// "system", "light", "dark".
QStringList appearanceModes();
// A dark Fusion palette: grey-black window and base, light text, blue highlight; disabled texts
// dimmed. Every text role contrasts its background at least 4.5:1.
QPalette darkPalette();
// Applies `mode` to the QApplication (an unknown mode is "system"). The first call remembers the
// desktop's style so that "system" can go back to it.
void applyAppearance(const QString& mode);
