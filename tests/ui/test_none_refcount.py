"""PySide6-Essentials 6.12.0 on Python 3.11 drops a reference to None on every void method call and
aborts with "Fatal Python error: none_dealloc" after a few thousand. Keep us off that version."""

from __future__ import annotations

import sys
from importlib.metadata import version

import pytest

QtCore = pytest.importorskip("PySide6.QtCore")

CALLS = 100_000
#: Unrelated code may take or drop a few references to None meanwhile; a leak would be ~CALLS.
SLACK = 1000


def parse_version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:2] if part.isdigit())


def test_void_calls_keep_none_alive():
    obj = QtCore.QObject()
    point = QtCore.QPointF(0.0, 0.0)
    before = sys.getrefcount(None)
    for i in range(CALLS // 2):
        obj.setObjectName("x")
        point.setX(1.0)
    after = sys.getrefcount(None)
    assert obj.objectName() == "x" and point.x() == 1.0
    assert after >= before - SLACK, f"None lost {before - after} references over {CALLS} void Qt calls"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_installed_pyside6_is_before_6_12_on_python_3_11():
    installed = version("PySide6-Essentials")
    assert parse_version(installed) < (6, 12), (
        f"PySide6-Essentials {installed} is installed on Python {sys.version_info.major}.{sys.version_info.minor}: "
        "6.12 drops a reference to None on every void method call and aborts with 'none_dealloc'; "
        "pyproject.toml pins <6.12 for Python < 3.12"
    )
