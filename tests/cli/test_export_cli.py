"""`gradviz export` through the command line: exit codes, one-line errors, and a run with no display at all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gradviz.cli import main
from gradviz.core.stepper import Stepper

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def steps_asked(monkeypatch):
    asked = []
    original = Stepper.go_to_step

    def spy(self, step):
        asked.append(step)
        return original(self, step)

    monkeypatch.setattr(Stepper, "go_to_step", spy)
    return asked


def test_export_writes_the_file_and_says_so(qapp, tmp_path, capsys, steps_asked):
    out = tmp_path / "diagram.png"
    assert main(["export", "--preset", "tiny-sigmoid", "--step", "loss", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    assert capsys.readouterr().err.strip() == f"wrote {out}"
    assert steps_asked == [4]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--step", "99"], "gradviz: error: --step must be from 0 to 8 for this network of 3 layers"),
        (["--scale", "0.5"], "gradviz: error: the scale must be from 1 to 4 times the view's size, got 0.5"),
        (["--width", "20000"], "gradviz: error: the width must be a whole number of pixels from 1 to 16384, got 20000"),
        (["--animate"], "gradviz: error: cannot export to .png files; end the name with .gif"),
    ],
)
def test_bad_export_options_are_one_line_and_exit_2(qapp, tmp_path, capsys, built_views, options, message):
    code = main(["export", "--preset", "tiny-sigmoid", *options, "--out", str(tmp_path / "x.png")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert built_views == []
    assert list(tmp_path.iterdir()) == []


def test_export_runs_without_a_display(tmp_path):
    """No DISPLAY and no QT_QPA_PLATFORM: the exporter must go offscreen by itself and exit cleanly."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = tmp_path / "pass.gif"
    result = subprocess.run(
        [sys.executable, "-m", "gradviz", "export", "--preset", "tiny-sigmoid", "--animate", "--width", "480", "--out", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"wrote {out}\n"
    from PIL import Image

    with Image.open(out) as gif:
        assert gif.n_frames == 8
        assert gif.size == (480, 270)


@pytest.mark.parametrize("view", ["compare", "diagram"])
def test_an_old_session_file_far_from_its_start_exports_at_once_and_says_what_it_restarted(qapp, tmp_path, capsys, monkeypatch, view):
    from tests.core.test_lanes import PassCounter, far_session_text

    path = tmp_path / "far.json"
    path.write_text(far_session_text("tiny-sigmoid", 10**12 // 8 - 1, 3, compare=True, lanes=False))
    counter = PassCounter(monkeypatch, limit=2 * 8)  # fails at once instead of replaying 10^12 micro-steps
    out = tmp_path / "far.png"
    assert main(["export", str(path), "--view", view, "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG") and counter.steps <= 2 * 8
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith("gradviz: note: ") and "restarts from the left network's current weights" in lines[0]
    assert lines[1:] == [f"wrote {out}"]
