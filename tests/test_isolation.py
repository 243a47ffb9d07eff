"""The suite's own guard: tests run with a home folder of their own, and one that writes there or to the
folder the run started in fails, naming what it left; the real home folder is never touched."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

CONFTEST = Path(__file__).resolve().parent / "conftest.py"

LEAKY_TESTS = '''
from pathlib import Path


def test_writes_to_home():
    (Path.home() / "leak.gif").write_bytes(b"GIF89a")


def test_writes_to_the_start_folder():
    Path("diagram.png").write_bytes(b"png")


def test_writes_to_its_tmp_path(tmp_path):
    (tmp_path / "fine.png").write_bytes(b"png")
'''


def test_a_test_that_writes_to_home_or_the_start_folder_fails_and_the_real_home_stays_empty(tmp_path):
    run_in = tmp_path / "run"
    run_in.mkdir()
    shutil.copy(CONFTEST, run_in / "conftest.py")
    (run_in / "test_leaky.py").write_text(LEAKY_TESTS)
    real_home = tmp_path / "home"
    real_home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env["HOME"] = str(real_home)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(run_in)],
        cwd=run_in, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout[-3000:]
    assert "ERROR at teardown of test_writes_to_home" in result.stdout
    assert "test wrote to the home folder: leak.gif" in result.stdout
    assert "ERROR at teardown of test_writes_to_the_start_folder" in result.stdout
    assert f"test wrote to {run_in}: diagram.png" in result.stdout
    assert "3 passed, 2 errors" in result.stdout
    assert list(real_home.iterdir()) == []
