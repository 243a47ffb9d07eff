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

import numpy as np
import pytest

from gradviz.files.network_file import preset_names

ROOT = Path(__file__).resolve().parents[1]
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
INSTALLER = ROOT / "packaging" / "linux" / "install-desktop-entry.sh"
#: How far (0-255, per channel) a fresh render of the icon may stray from the committed PNGs.
RENDER_TOLERANCE = 2


def test_presets_are_read_through_importlib_resources():
    on_disk = sorted(p.stem for p in (ROOT / "resources" / "presets").glob("*.json"))
    assert sorted(preset_names()) == on_disk
    assert {"tiny-sigmoid", "tiny-relu", "deep-sigmoid", "deep-relu", "exploding", "residual-sigmoid"} <= set(on_disk)


#: What pip says when it cannot reach a package it needs (the build backend, here): no index, no network.
_PIP_OFFLINE_SIGNS = ("Could not find a version that satisfies", "No matching distribution found", "Failed to establish")


def _pip_env(home: Path) -> dict:
    """The environment for pip with ``home`` as its home: its cache, and what the tools it asks about
    (``rustc --version`` for its user agent wakes rustup, which writes ~/.rustup) keep, land there."""
    return dict(os.environ, HOME=str(home), PIP_CACHE_DIR=str(home / "pip-cache"))


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """gradviz's wheel, built from a copy of the source (a build in place would leave build/ and
    gradviz.egg-info in the tree); skips only when pip cannot get the build backend offline."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("gradviz", "resources"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
        capture_output=True, text=True, timeout=300, env=_pip_env(tmp_path_factory.mktemp("pip-home")),
    )  # fmt: skip
    if result.returncode != 0 and any(sign in result.stderr for sign in _PIP_OFFLINE_SIGNS):
        pytest.skip(f"pip cannot build the wheel offline: {result.stderr.strip().splitlines()[-1]}")
    assert result.returncode == 0, result.stderr[-2000:]
    (built,) = out.glob("gradviz-*.whl")
    return built


def test_the_wheel_contains_presets_icon_and_desktop_file(wheel):
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

    render_icons = _icon_renderer()
    for fresh in render_icons(out_dir=tmp_path):
        committed = QtGui.QImage(str(ROOT / "resources" / "icons" / fresh.name))
        rendered = QtGui.QImage(str(fresh))
        stale = f"{fresh.name} is stale: rerun packaging/render_icons.py"
        assert committed.size() == rendered.size(), stale
        # Antialiasing rounds differently on another CPU (one level on a few pixels): a changed master
        # moves whole shapes, far beyond this.
        difference = np.abs(_rgba(committed) - _rgba(rendered))
        assert difference.max() <= RENDER_TOLERANCE, f"{stale} ({(difference > RENDER_TOLERANCE).sum()} values differ)"
    # The icon is drawn, not blank: its centre and a corner differ.
    big = QtGui.QImage(str(ROOT / "resources" / "icons" / "gradviz-512.png"))
    assert big.pixelColor(256, 256) != big.pixelColor(0, 0)


def _icon_renderer():
    """packaging/render_icons.py's ``render_icons``."""
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        from render_icons import render_icons
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    return render_icons


def _rgba(image) -> np.ndarray:
    """A QImage's pixels as an (height, width, 4) array of 0-255 integers."""
    from PySide6 import QtGui

    image = image.convertToFormat(QtGui.QImage.Format.Format_RGBA8888)
    rows = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).reshape(image.height(), image.bytesPerLine())
    return rows[:, : 4 * image.width()].reshape(image.height(), image.width(), 4).astype(np.int16)


def test_the_icon_comparison_sees_a_changed_master(qapp, tmp_path):
    # The tolerance above hides rounding, not a change: the master with its first colour altered fails it.
    import re

    from PySide6 import QtGui

    render_icons = _icon_renderer()
    master = (ROOT / "resources" / "icons" / "gradviz.svg").read_text(encoding="utf-8")
    colour = re.search(r"#[0-9a-fA-F]{6}\b", master).group(0)
    changed = tmp_path / "changed.svg"
    changed.write_text(master.replace(colour, "#7f7f7f" if colour.lower() != "#7f7f7f" else "#000000"), encoding="utf-8")
    (fresh,) = (p for p in render_icons(svg=changed, out_dir=tmp_path) if p.name == "gradviz-64.png")
    committed = _rgba(QtGui.QImage(str(ROOT / "resources" / "icons" / "gradviz-64.png")))
    assert np.abs(committed - _rgba(QtGui.QImage(str(fresh)))).max() > RENDER_TOLERANCE


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


def _normal_install(wheel: Path, venv: Path) -> Path:
    """A venv at ``venv`` holding ``wheel`` installed as pip installs it (not editable); its python.

    The dependencies come from this interpreter's site-packages, added as plain path entries, so an
    editable gradviz installed there (a .pth file with an import finder) stays inactive, as on a machine
    that never had one.
    """
    import sysconfig

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        capture_output=True, text=True, timeout=120, env=_pip_env(venv.parent / "pip-home"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout.strip()  # fmt: skip
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (Path(site) / "gradviz-test-dependencies.pth").write_text("".join(f"{path}\n" for path in ours))
    return python


@pytest.mark.skipif(sys.platform == "win32", reason="the venv layout below is POSIX's")
def test_a_normal_install_runs_inside_the_source_folder(wheel, tmp_path):
    # Inside the source folder Python imports gradviz/ from the tree, which holds no gradviz.resources:
    # the presets, icons and desktop entry must then come from the tree's resources/ folder.
    python = _normal_install(wheel, tmp_path / "venv")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["QT_QPA_PLATFORM"] = "offscreen"

    def run(*args, cwd=ROOT):
        result = subprocess.run([str(python), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{args}: {result.stderr[-2000:]}"
        return result.stdout

    where = run("-c", "import gradviz; print(gradviz.__file__)")
    assert Path(where.strip()) == ROOT / "gradviz" / "__init__.py"  # the tree, not the install, as users hit it
    assert run("-m", "gradviz", "--version").startswith("gradviz ")
    out = tmp_path / "tiny.png"
    run("-m", "gradviz", "export", "--preset", "tiny-sigmoid", "--out", str(out))
    assert _png_size(out)[0] > 0
    assert "--only" in run(str(Path("tests") / "benchmarks" / "run.py"), "--help")
    # And outside the tree, the installed package reads its own gradviz.resources.
    package, folder = run(
        "-c", "import gradviz, gradviz.resource_folder as r; print(gradviz.__file__); print(r.resource_folder())",
        cwd=tmp_path,
    ).splitlines()  # fmt: skip
    assert Path(package).is_relative_to(tmp_path / "venv")
    assert Path(folder) == Path(package).parent / "resources"


def test_every_reader_of_the_bundled_files_goes_through_resource_folder():
    # One place decides where the presets, icons and desktop entry are (installed or the source tree).
    signs = ("importlib.resources", "import resources", '"gradviz.resources"')
    readers = [
        str(path.relative_to(ROOT)) for path in (ROOT / "gradviz").rglob("*.py")
        if path.name != "resource_folder.py" and any(sign in path.read_text(encoding="utf-8") for sign in signs)
    ]  # fmt: skip
    assert readers == []
