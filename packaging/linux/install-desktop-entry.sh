#!/usr/bin/env sh
# Adds gradviz to the current user's application menu: the .desktop entry in ~/.local/share/applications
# and the icon (SVG and PNGs 16..512) in ~/.local/share/icons/hicolor. Works for both installs:
#   pip install:  sh packaging/linux/install-desktop-entry.sh            (uses the `gradviz` on PATH)
#   frozen app:   sh dist/gradviz/install-desktop-entry.sh                (uses the gradviz next to it)
# An explicit command may be given instead: sh install-desktop-entry.sh /opt/gradviz/gradviz
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}

if [ -x "$here/gradviz" ] && [ -d "$here/_internal/gradviz/resources" ]; then
  # The frozen one-folder app: this script ships beside the executable.
  resources=$here/_internal/gradviz/resources
  command=$here/gradviz
else
  resources=$(cd "$here/../.." && pwd)/resources
  command=$(command -v gradviz || true)
fi
[ $# -ge 1 ] && command=$1
if [ -z "$command" ] || [ ! -x "$command" ]; then
  echo "install-desktop-entry: no gradviz command found; install gradviz first (pip install .), or give its path" >&2
  exit 2
fi
command=$(cd "$(dirname "$command")" && pwd)/$(basename "$command")
if [ ! -f "$resources/gradviz.desktop" ]; then
  echo "install-desktop-entry: no gradviz.desktop in $resources; run this script from the gradviz folder" >&2
  exit 2
fi

mkdir -p "$data/applications" "$data/icons/hicolor/scalable/apps"
cp "$resources/icons/gradviz.svg" "$data/icons/hicolor/scalable/apps/gradviz.svg"
for png in "$resources"/icons/gradviz-*.png; do
  [ -f "$png" ] || continue
  size=${png##*/gradviz-}
  size=${size%.png}
  mkdir -p "$data/icons/hicolor/${size}x${size}/apps"
  cp "$png" "$data/icons/hicolor/${size}x${size}/apps/gradviz.png"
done
# The entry runs this very command, by its absolute path: a launcher's PATH may not hold ~/.local/bin or a venv.
# Quoted as the Desktop Entry spec asks, so a path with spaces works.
quoted=$(printf '%s' "$command" | sed 's/[\\"`$]/\\&/g')
tmp=$data/applications/.gradviz.desktop.tmp
for_sed=$(printf '%s' "$quoted" | sed 's/[\\&|]/\\&/g')
sed "s|^Exec=gradviz |Exec=\"$for_sed\" |" "$resources/gradviz.desktop" >"$tmp"
mv "$tmp" "$data/applications/gradviz.desktop"
if command -v update-desktop-database >/dev/null; then update-desktop-database "$data/applications" || true; fi
if command -v gtk-update-icon-cache >/dev/null && [ -f "$data/icons/hicolor/index.theme" ]; then
  gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
fi
echo "gradviz is in the application menu (entry: $data/applications/gradviz.desktop, runs $command)"
