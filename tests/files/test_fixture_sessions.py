"""Session files saved by an older gradviz keep opening to the same record.

The fixtures in tests/fixtures/sessions/ were saved by main on 2026-12-04, and ``expected-records.json`` holds
the records that main showed on opening them (written by that main, not by the code under test). Each opens,
through the window's File > Open (and headless, as ``gradviz export`` opens it), to that record to 1e-12;
saved again and reopened, to the same record.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gradviz.core.session import Session
from gradviz.files.network_file import load_preset
from gradviz.files.session_file import save_session_file
from gradviz.files.sniff import open_file
from gradviz.ui.main_window import MainWindow
from gradviz.ui.theme import SCREEN

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sessions"
EXPECTED = json.loads((FIXTURES / "expected-records.json").read_text(encoding="utf-8"))
TOLERANCE = 1e-12


def opened_window(qtbot, path: Path) -> MainWindow:
    """A window on another preset that then opens ``path`` through File > Open (no questions asked)."""
    window = MainWindow(load_preset("deep-relu"), SCREEN, None, ask_to_save=False)
    qtbot.addWidget(window)
    assert window.files.open_file(str(path), ask=False), f"{path.name} did not open"
    return window


def shown_record(window: MainWindow) -> dict:
    """What the window shows, in the shape of ``expected-records.json``."""
    return session_record(window.bridge.session)


def session_record(session: Session) -> dict:
    """What ``session`` stands at, in the shape of ``expected-records.json``."""
    record = session.record

    def listed(array):
        return None if array is None else np.asarray(array).tolist()

    shown = {
        "step": record.step,
        "phase": record.phase.value,
        "layer": record.layer,
        "loss": record.loss,
        "passes_done": session.stepper.passes_done,
        "compare_active": session.compare.active,
        "selection": None if session.view.selection is None else list(session.view.selection),
        "weights": [listed(w) for w in record.weights],
        "biases": [listed(b) for b in record.biases],
        "history_steps": None if session.history is None else session.history.steps,
        "layers": [
            {key: listed(getattr(layer, key)) for key in ("z", "a", "delta", "grad_w", "grad_b")} for layer in record.layers
        ],
    }
    if session.compare.active:
        compare = session.compare_lane.record
        shown["compare"] = {
            "step": compare.step,
            "loss": compare.loss,
            "grad_w": [listed(layer.grad_w) for layer in compare.layers],
        }
    return shown


def assert_same(shown, expected, where: str = "record") -> None:
    """``shown`` equals ``expected`` key by key; numbers to ``TOLERANCE`` (relative or absolute)."""
    if isinstance(expected, dict):
        assert isinstance(shown, dict) and set(shown) == set(expected), f"{where}: keys {sorted(shown)} != {sorted(expected)}"
        for key in expected:
            assert_same(shown[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(shown, list) and len(shown) == len(expected), f"{where}: {shown!r} != {expected!r}"
        for i, (s, e) in enumerate(zip(shown, expected)):
            assert_same(s, e, f"{where}[{i}]")
    elif isinstance(expected, float):
        assert isinstance(shown, (int, float)) and not isinstance(shown, bool), f"{where}: {shown!r} != {expected!r}"
        assert abs(shown - expected) <= TOLERANCE * max(1.0, abs(expected)), f"{where}: {shown!r} != {expected!r}"
    else:
        assert shown == expected, f"{where}: {shown!r} != {expected!r}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_session_saved_by_the_old_main_opens_to_the_record_it_showed(qtbot, name):
    window = opened_window(qtbot, FIXTURES / f"{name}.json")
    assert_same(shown_record(window), EXPECTED[name], name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_saving_an_old_session_again_and_reopening_it_gives_the_same_record(qtbot, tmp_path, name):
    first = opened_window(qtbot, FIXTURES / f"{name}.json")
    again = tmp_path / f"{name}-again.json"
    assert first.files.save_as(str(again))
    second = opened_window(qtbot, again)
    assert_same(shown_record(second), EXPECTED[name], f"{name} saved again")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_an_old_session_opens_headless_as_gradviz_export_opens_it(tmp_path, name):
    session = Session(load_preset("deep-relu"))
    assert open_file(session, FIXTURES / f"{name}.json")
    assert_same(session_record(session), EXPECTED[name], name)
    save_session_file(session, tmp_path / "again.json")
    again = Session(load_preset("tiny-relu"))
    assert open_file(again, tmp_path / "again.json")
    assert_same(session_record(again), EXPECTED[name], f"{name} saved again")


def test_the_fixtures_are_the_ones_the_expected_records_name():
    """A guard against a renamed or missing fixture silently shrinking the two tests above."""
    assert sorted(EXPECTED) == sorted(p.stem for p in FIXTURES.glob("*-main-*.json"))
    assert len(EXPECTED) >= 2
