"""Files that last: network and session files carry a format version, a newer one is refused in one line,
and the training history's measures are stored by name, so a file lacking a measure (or holding one this
gradviz does not know) still opens."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gradviz.core.experiment import NetworkFileError
from gradviz.core.session import Session
from gradviz.files.network_file import NETWORK_FORMAT, load_preset, save_network
from gradviz.files.session_file import SESSION_FORMAT, save_session_file
from gradviz.files.sniff import load_network, load_session, open_file, read_file
from tests.helpers import assert_one_line_error, run_cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sessions"
TINY = FIXTURES / "tiny-sigmoid-main-2026-12-04.json"


def tiny_document() -> dict:
    """The tiny fixture session saved by the old main (session format 1, no network ``format``)."""
    return json.loads(TINY.read_text(encoding="utf-8"))


def write(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_the_formats_are_versions_one_and_two():
    # Network files gained only the field that names their version; session files moved the measures.
    assert (NETWORK_FORMAT, SESSION_FORMAT) == (1, 2)


def test_a_network_file_is_saved_with_its_format_and_one_without_is_version_one(tmp_path):
    save_network(load_preset("tiny-relu"), tmp_path / "net.json")
    saved = json.loads((tmp_path / "net.json").read_text(encoding="utf-8"))
    assert saved["format"] == 1
    del saved["format"]
    unversioned = load_network(write(tmp_path / "old.json", saved))
    assert unversioned.network.weights[0].tolist() == saved["weights"][0]


@pytest.mark.parametrize("kind", ["network", "session"])
def test_a_file_from_a_newer_gradviz_is_refused_in_one_line(tmp_path, capsys, kind):
    document = tiny_document()
    if kind == "network":
        document.pop("session")
        document["format"] = 7
        field, newest = "format", 1
    else:
        document["session"]["format"] = 7
        field, newest = "session.format", 2
    path = write(tmp_path / f"{kind}.json", document)
    with pytest.raises(NetworkFileError) as refused:
        read_file(path)
    assert str(refused.value) == f"{field}: made by a newer gradviz (format 7); this one reads up to {newest}"
    assert_one_line_error(*run_cli(capsys, "trace", str(path)), f"{field}: made by a newer gradviz (format 7)")


def test_a_session_is_saved_with_its_measures_by_name(tmp_path):
    session = Session(load_preset("tiny-sigmoid"))
    session.edits.train_blocking(4)
    save_session_file(session, tmp_path / "s.json")
    saved = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert saved["format"] == 1 and saved["session"]["format"] == 2
    history = saved["session"]["history"]
    assert sorted(history) == ["cancelled", "losses", "measures", "stop_reason", "stopped_at"]
    assert sorted(history["measures"]) == ["max_abs_grad_w", "mean_abs_grad_w", "norm_grad_w"]
    # A 1-1-1-1 network: each layer's gradient is one number, so its mean, largest and norm of |g| agree.
    measures = history["measures"]
    assert measures["mean_abs_grad_w"] == measures["max_abs_grad_w"] == measures["norm_grad_w"]
    assert len(measures["mean_abs_grad_w"]) == 4 and all(len(row) == 3 for row in measures["mean_abs_grad_w"])


def test_an_old_session_lacking_a_measure_opens_without_it(tmp_path):
    document = tiny_document()
    history = document["session"]["history"]
    kept = history["mean_abs_grad_w"]
    del history["max_abs_grad_w"]
    opened = load_session(write(tmp_path / "s.json", document))
    assert opened.history.measure("max_abs_grad_w") is None
    assert sorted(opened.history.measures) == ["mean_abs_grad_w", "norm_grad_w"]
    assert opened.history.measure("mean_abs_grad_w").tolist() == kept
    assert opened.history.losses.tolist() == history["losses"]


def test_an_unknown_measure_is_ignored_and_a_missing_one_left_out(tmp_path):
    session = Session(load_preset("tiny-sigmoid"))
    session.edits.train_blocking(2)
    save_session_file(session, tmp_path / "s.json")
    document = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    measures = document["session"]["history"]["measures"]
    measures["update_ratio"] = [[0.5, 0.5, 0.5]] * 2  # a measure a later gradviz might add
    measures["speed"] = "anything"
    del measures["norm_grad_w"]
    again = Session(load_preset("deep-relu"))
    assert open_file(again, write(tmp_path / "newer.json", document))
    assert sorted(again.history.measures) == ["max_abs_grad_w", "mean_abs_grad_w"]
    assert again.history.measure("mean_abs_grad_w").tolist() == measures["mean_abs_grad_w"]


def test_the_window_opens_a_session_lacking_a_measure_and_draws_what_it_has(qtbot, tmp_path):
    from gradviz.ui.main_window import MainWindow
    from gradviz.ui.theme import SCREEN

    document = tiny_document()
    history = document["session"]["history"]
    del history["max_abs_grad_w"]
    window = MainWindow(load_preset("deep-relu"), SCREEN, None, ask_to_save=False)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    assert window.files.open_file(str(write(tmp_path / "s.json", document)), ask=False)
    panel = window.training
    panel.set_measure("mean_abs_grad_w")
    lines = panel.layer_lines()
    assert len(lines) == 3
    for l, (steps, logs) in enumerate(lines):
        assert steps.tolist() == [1.0, 2.0, 3.0]
        np.testing.assert_allclose(logs, np.log10([row[l] for row in history["mean_abs_grad_w"]]), rtol=1e-12)
    panel.set_measure("max_abs_grad_w")
    assert panel.layer_lines() == []
