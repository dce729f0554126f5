#!/usr/bin/env bash
# Refreshes translations/warp-studio_<lang>.ts from the sources: lupdate collects every tr() string
# of widgets/ and app/studio/ (new ones arrive unfinished, vanished ones are dropped), then prints
# each file's statistics. Translate what is unfinished (Qt Linguist, or edit the XML), then rebuild:
# the build compiles the .ts into the app (qt_add_translations, widgets/CMakeLists.txt) and the test
# test_translations fails while any entry is unfinished.
#   scripts/update-translations.sh            update every .ts
#   scripts/update-translations.sh --check    update nothing; list unfinished entries, exit 1 if any
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
lupdate=/usr/lib/qt6/bin/lupdate; [ -x "$lupdate" ] || lupdate="$(command -v lupdate6 || true)"
lconvert=/usr/lib/qt6/bin/lconvert
[ -x "$lupdate" ] || { echo "update-translations: lupdate not found (apt-get install qt6-l10n-tools)" >&2; exit 1; }
ts=(translations/warp-studio_de.ts translations/warp-studio_ko.ts)
if [ "${1:-}" != --check ]; then
  "$lupdate" -silent -locations relative -no-obsolete widgets app/studio -ts "${ts[@]}"
fi
status=0
for f in "${ts[@]}"; do
  total=$(grep -c '<source>' "$f" || true)
  unfinished=$(grep -c 'type="unfinished"' "$f" || true)
  echo "$f: $total strings, $unfinished unfinished"
  if [ "$unfinished" -gt 0 ]; then
    status=1
    # The unfinished sources, one per line, for the translator.
    "$lconvert" -i "$f" -o /dev/stdout -of po 2>/dev/null | awk '/^#, fuzzy/{f=1} f&&/^msgid/{print "  unfinished: " substr($0,7); f=0}' | head -50 || true
  fi
done
[ "${1:-}" = --check ] && exit $status
exit 0
