"""The wheel ships resources/ as gradviz.resources, and the installed package reads it from there."""

import subprocess
import sys
import zipfile
from pathlib import Path

from gradviz.core.netfile import preset_names

ROOT = Path(__file__).resolve().parents[1]


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
    assert "gradviz/resources/gradviz.desktop" in names
    metadata = next(n for n in names if n.endswith("METADATA"))
    requires = zipfile.ZipFile(wheel).read(metadata).decode()
    # The pin that keeps users off PySide6-Essentials 6.12.0 on Python 3.11.
    assert "PySide6-Essentials<6.12,>=6.10.3; python_version < \"3.12\"" in requires
    assert "Requires-Dist: PySide6 " not in requires and "Requires-Dist: PySide6\n" not in requires
