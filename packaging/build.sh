#!/usr/bin/env bash
# Builds the one-folder Linux app dist/gradviz/ (run it as dist/gradviz/gradviz, no Python needed) and
# dist/gradviz-VERSION-linux-ARCH.tar.gz, from any directory: bash packaging/build.sh
# It makes its own build venv (build/frozen-venv) with gradviz, its runtime dependencies and PyInstaller.
# PYTHON=python3.12 picks another interpreter (3.11 or newer).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
venv=$repo/build/frozen-venv
start=$(date +%s)

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
# A non-editable install, so the folder holds a copy of gradviz and its resources, not a link to this checkout.
"$venv/bin/pip" install -q --upgrade "$repo[gif]" "pyinstaller>=6.10"

rm -rf "$repo/dist/gradviz"
(cd "$repo/packaging" && "$venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath "$repo/dist" --workpath "$repo/build/pyinstaller" gradviz.spec)

# Python's own library often carries its debug symbols (about 18 MB). Only it is stripped: stripping the
# wheels' libraries (PyInstaller's strip=True) breaks NumPy's patched OpenBLAS.
if command -v strip >/dev/null; then
  for lib in "$repo"/dist/gradviz/_internal/libpython3*.so*; do strip --strip-debug "$lib"; done
fi
# The desktop-menu installer travels with the app (it finds the executable and the icons beside itself).
cp "$repo/packaging/linux/install-desktop-entry.sh" "$repo/dist/gradviz/install-desktop-entry.sh"
# Smoke-check the folder before packing it: no window needed.
"$repo/dist/gradviz/gradviz" --version
version=$("$venv/bin/python" -c "import gradviz; print(gradviz.__version__)")
archive=$repo/dist/gradviz-$version-linux-$(uname -m).tar.gz
tar -C "$repo/dist" -czf "$archive" gradviz
echo "build: $repo/dist/gradviz/gradviz ($(du -sh "$repo/dist/gradviz" | cut -f1)), $archive ($(du -h "$archive" | cut -f1)), $(( $(date +%s) - start )) s"
