"""The wheel ships resources/ as gradviz.resources, and the installed package reads it from there; the
desktop entry, the icon and its installer work for the pip install and for the frozen app alike."""

import configparser
import os
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from gradviz.files.network_file import preset_names

ROOT = Path(__file__).resolve().parents[1]
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
INSTALLER = ROOT / "packaging" / "linux" / "install-desktop-entry.sh"


def test_presets_are_read_through_importlib_resources():
    on_disk = sorted(p.stem for p in (ROOT / "resources" / "presets").glob("*.json"))
    assert sorted(preset_names()) == on_disk
    assert {"tiny-sigmoid", "tiny-relu", "deep-sigmoid", "deep-relu", "exploding", "residual-sigmoid"} <= set(on_disk)


def test_the_wheel_contains_presets_icon_and_desktop_file(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = tmp_path.glob("gradviz-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for preset in (ROOT / "resources" / "presets").glob("*.json"):
        assert f"gradviz/resources/presets/{preset.name}" in names
    assert "gradviz/resources/icons/gradviz.svg" in names
    for size in ICON_SIZES:
        assert f"gradviz/resources/icons/gradviz-{size}.png" in names
    assert "gradviz/resources/gradviz.desktop" in names
    metadata = next(n for n in names if n.endswith("METADATA"))
    requires = zipfile.ZipFile(wheel).read(metadata).decode()
    # The pin that keeps users off PySide6-Essentials 6.12.0 on Python 3.11.
    assert "PySide6-Essentials<6.12,>=6.10.3; python_version < \"3.12\"" in requires
    assert "Requires-Dist: PySide6 " not in requires and "Requires-Dist: PySide6\n" not in requires


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    return struct.unpack(">II", data[16:24])


def test_every_icon_size_is_a_png_of_that_size():
    for size in ICON_SIZES:
        assert _png_size(ROOT / "resources" / "icons" / f"gradviz-{size}.png") == (size, size)


def test_the_committed_pngs_are_the_svg_master_rendered_by_qt(qapp, tmp_path):
    from PySide6 import QtGui

    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        from render_icons import render_icons
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    for fresh in render_icons(out_dir=tmp_path):
        committed = QtGui.QImage(str(ROOT / "resources" / "icons" / fresh.name))
        rendered = QtGui.QImage(str(fresh))
        stale = f"{fresh.name} is stale: rerun packaging/render_icons.py"
        assert committed.size() == rendered.size() and committed == rendered, stale
    # The icon is drawn, not blank: its centre and a corner differ.
    big = QtGui.QImage(str(ROOT / "resources" / "icons" / "gradviz-512.png"))
    assert big.pixelColor(256, 256) != big.pixelColor(0, 0)


def test_the_window_icon_offers_every_size(qapp):
    from gradviz.ui.app import app_icon

    sizes = {(s.width(), s.height()) for s in app_icon(ROOT / "resources" / "icons").availableSizes()}
    assert {(n, n) for n in ICON_SIZES} <= sizes


def _desktop_entry(path: Path) -> dict:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def test_the_desktop_entry_runs_gradviz_with_its_icon():
    entry = _desktop_entry(ROOT / "resources" / "gradviz.desktop")
    assert entry["Type"] == "Application" and entry["Name"] == "gradviz"
    assert entry["Exec"] == "gradviz %f" and entry["Icon"] == "gradviz" and entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";") and "Education" in entry["Categories"].split(";")


def _run_installer(script: Path, data_home: Path, path_dirs: list[Path], *args) -> subprocess.CompletedProcess:
    search_path = os.pathsep.join([*map(str, path_dirs), "/usr/bin", "/bin"])
    env = dict(os.environ, XDG_DATA_HOME=str(data_home), PATH=search_path)
    return subprocess.run(["sh", str(script), *args], env=env, capture_output=True, text=True, timeout=60)


def _check_installed(data_home: Path, command: Path) -> None:
    entry = _desktop_entry(data_home / "applications" / "gradviz.desktop")
    assert entry["Exec"] == f'"{command}" %f'
    assert entry["Icon"] == "gradviz"
    svg = data_home / "icons" / "hicolor" / "scalable" / "apps" / "gradviz.svg"
    assert svg.read_bytes() == (ROOT / "resources" / "icons" / "gradviz.svg").read_bytes()
    for size in ICON_SIZES:
        assert _png_size(data_home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "gradviz.png") == (size, size)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the desktop entry is for Linux desktops")
def test_the_installer_adds_the_pip_installed_command(tmp_path):
    bin_dir = tmp_path / "a venv with spaces" / "bin"
    bin_dir.mkdir(parents=True)
    command = bin_dir / "gradviz"
    command.write_text("#!/bin/sh\n")
    command.chmod(0o755)
    result = _run_installer(INSTALLER, tmp_path / "data", [bin_dir])
    assert result.returncode == 0, result.stderr
    _check_installed(tmp_path / "data", command)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the desktop entry is for Linux desktops")
def test_the_installer_beside_the_frozen_app_adds_that_app(tmp_path):
    # The frozen folder's layout: dist/gradviz/{gradviz, install-desktop-entry.sh, _internal/gradviz/resources}.
    app_dir = tmp_path / "dist" / "gradviz"
    shutil.copytree(ROOT / "resources", app_dir / "_internal" / "gradviz" / "resources")
    shutil.copy(INSTALLER, app_dir / "install-desktop-entry.sh")
    command = app_dir / "gradviz"
    command.write_text("#!/bin/sh\n")
    command.chmod(0o755)
    result = _run_installer(app_dir / "install-desktop-entry.sh", tmp_path / "data", [])
    assert result.returncode == 0, result.stderr
    _check_installed(tmp_path / "data", command)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the desktop entry is for Linux desktops")
def test_the_installer_without_gradviz_says_so_in_one_line(tmp_path):
    result = _run_installer(INSTALLER, tmp_path / "data", [tmp_path / "empty"])
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "no gradviz command found" in result.stderr
    assert not (tmp_path / "data" / "applications" / "gradviz.desktop").exists()


def test_every_subpackage_is_listed_for_the_wheel():
    # pyproject lists the packages by hand (gradviz.resources lives outside gradviz/): a new subpackage
    # missing from that list would be missing from the wheel and from the frozen app built from it.
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "gradviz").rglob("__init__.py")
    }
    assert on_disk <= listed, f"add {sorted(on_disk - listed)} to [tool.setuptools] packages in pyproject.toml"
