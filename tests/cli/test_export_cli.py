"""`gradviz export` through the command line: exit codes, one-line errors, and a run with no display at all.

The real MainWindow is exercised during integration; here the stand-in from tests/test_export.py plays it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gradviz.cli import main
from tests.test_export import fake_window  # noqa: F401 - a fixture

REPO = Path(__file__).resolve().parents[2]


def test_export_writes_the_file_and_says_so(fake_window, tmp_path, capsys):  # noqa: F811
    out = tmp_path / "diagram.png"
    assert main(["export", "--preset", "tiny-sigmoid", "--step", "loss", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    assert capsys.readouterr().err.strip() == f"wrote {out}"
    assert fake_window.instances[0].bridge.steps == [4]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--step", "99"], "gradviz: error: --step must be from 0 to 8 for this network of 3 layers"),
        (["--scale", "0.5"], "gradviz: error: the scale must be from 1 to 4 times the view's size, got 0.5"),
        (["--animate"], "gradviz: error: cannot export to .png files; end the name with .gif"),
    ],
)
def test_bad_export_options_are_one_line_and_exit_2(fake_window, tmp_path, capsys, options, message):  # noqa: F811
    code = main(["export", "--preset", "tiny-sigmoid", *options, "--out", str(tmp_path / "x.png")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert fake_window.instances == []
    assert list(tmp_path.iterdir()) == []


def test_export_runs_without_a_display(tmp_path):
    """No DISPLAY and no QT_QPA_PLATFORM: the exporter must go offscreen by itself and exit cleanly."""
    script = (
        "import sys, types\n"
        "from tests.test_export import FakeMainWindow\n"
        "module = types.ModuleType('gradviz.ui.main_window')\n"
        "module.MainWindow = FakeMainWindow\n"
        "sys.modules['gradviz.ui.main_window'] = module\n"
        "from gradviz.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = tmp_path / "pass.gif"
    result = subprocess.run(
        [sys.executable, "-c", script, "export", "--preset", "tiny-sigmoid", "--animate", "--out", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stderr
    from PIL import Image

    with Image.open(out) as gif:
        assert gif.n_frames == 8
