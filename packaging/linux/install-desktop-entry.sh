#!/usr/bin/env sh
# Adds gradviz to the desktop's application menu for the current user (icon and .desktop entry).
# Run after installing gradviz (so `gradviz` is on PATH): sh packaging/linux/install-desktop-entry.sh
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
mkdir -p "$data/applications" "$data/icons/hicolor/scalable/apps"
cp "$here/resources/icons/gradviz.svg" "$data/icons/hicolor/scalable/apps/gradviz.svg"
cp "$here/resources/gradviz.desktop" "$data/applications/gradviz.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
echo "gradviz is in the application menu (entry: $data/applications/gradviz.desktop)"
