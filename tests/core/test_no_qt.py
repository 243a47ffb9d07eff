"""The core and the text commands never import Qt: they run on servers and in scripts without it."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import gradviz.core

QT_PREFIXES = ("PySide6", "shiboken6", "pyqtgraph")
CORE_MODULES = sorted(f"gradviz.core.{m.name}" for m in pkgutil.iter_modules(gradviz.core.__path__))

LIST_QT = f"""
import json, sys
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {QT_PREFIXES!r})))
"""


def qt_modules_after(code: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", code + LIST_QT], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def test_the_core_modules_are_all_listed():
    for name in ("network", "stepper", "experiment", "training", "stats", "activations", "records"):
        assert f"gradviz.core.{name}" in CORE_MODULES


def test_importing_the_core_and_cli_imports_no_qt():
    imports = "\n".join(f"import {name}" for name in [*CORE_MODULES, "gradviz.cli", "gradviz"])
    assert qt_modules_after(imports) == []


def test_trace_and_train_import_no_qt():
    code = (
        "import io, contextlib\n"
        "from gradviz.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['trace', '--preset', 'tiny-sigmoid', '--json']) == 0\n"
        "    assert main(['trace', '--preset', 'deep-sigmoid']) == 0\n"
        "    assert main(['train', '--preset', 'tiny-relu', '--steps', '3', '--json']) == 0\n"
        "    assert main(['presets']) == 0\n"
    )
    assert qt_modules_after(code) == []


def test_trace_command_importtime_has_no_qt():
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gradviz", "trace", "--preset", "tiny-sigmoid", "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0
    imported = [line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")]
    assert "gradviz.cli" in imported and "gradviz.core.network" in imported
    assert not [name for name in imported if name.split(".")[0] in QT_PREFIXES]
