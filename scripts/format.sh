#!/usr/bin/env bash
# Formats the project's C++ sources with .clang-format (Debian's clang-format 14), or checks them.
#   scripts/format.sh            format every tracked .cpp/.h in place
#   scripts/format.sh --check    list the files that formatting would change; exit 1 if any
#   scripts/format.sh FILE...    format these files only
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v clang-format >/dev/null || { echo "format.sh: clang-format is not installed (apt-get install clang-format)" >&2; exit 2; }
check=0
files=()
for a in "$@"; do
  case "$a" in
    --check) check=1 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) files+=("$a") ;;
  esac
done
if [ ${#files[@]} -eq 0 ]; then
  mapfile -t files < <(git ls-files '*.cpp' '*.h')
fi
if [ "$check" = 1 ]; then
  changed=0
  for f in "${files[@]}"; do
    if ! clang-format --style=file "$f" | cmp -s - "$f"; then echo "$f"; changed=$((changed + 1)); fi
  done
  echo "format.sh: $changed of ${#files[@]} files would change" >&2
  [ "$changed" = 0 ]
else
  clang-format --style=file -i "${files[@]}"
fi
