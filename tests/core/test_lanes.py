"""Lanes: any number of networks moving in lock-step, each exactly a lone run of its own network; a session
restored without replaying the passes before its position."""

import json

import numpy as np
import pytest

from gradviz.files.network_file import load_preset
from gradviz.files.session_file import parse_session, save_session_file, session_json
from gradviz.files.sniff import open_file
from gradviz.core.network import Network
from gradviz.core.session import Session
from gradviz.core.stats import gradient_health
from gradviz.core.stepper import Stepper

FIXTURES = __import__("pathlib").Path(__file__).parent.parent / "fixtures" / "sessions"


def hand_built(loaded: Network, activation: str, residual: bool | None = None) -> Network:
    """``loaded``'s weights with ``activation`` on every layer, built by hand (the tiny presets' loss keeps
    no required output activation, so the output layer follows the hidden ones)."""
    return Network(
        loaded.widths, [activation] * loaded.depth, loaded.weights, loaded.biases,
        loaded.residual if residual is None else residual,
    )  # fmt: skip


def lone_records(network: Network, experiment, positions):
    """The record (and network) a lone ``Stepper`` on ``network`` shows at each of ``positions``."""
    e = experiment
    stepper = Stepper(network, e.inputs, e.targets, e.loss, e.learning_rate)
    out = {}
    for k in range(max(positions) + 1):
        if k in positions:
            out[k] = (stepper.record, stepper.network)
        stepper.step_forward()
    return out


def assert_same_record(got, want):
    assert got.step == want.step
    for a, b in zip(got.layers, want.layers):
        for name in ("z", "a", "delta", "grad_w", "grad_b"):
            x, y = getattr(a, name), getattr(b, name)
            assert (x is None) == (y is None), name
            if x is not None:
                np.testing.assert_array_equal(x, y, err_msg=name)
    for a, b in zip(got.weights, want.weights):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("variants", [
    [("relu", None)],
    [("relu", None), ("tanh", None), ("relu", True)],
])  # fmt: skip
def test_lanes_move_in_lock_step_and_each_is_a_lone_run_of_its_network(variants):
    tiny = load_preset("tiny-sigmoid")  # a pass is 8 micro-steps: the update is step 8, 16
    session = Session(tiny, compare_activation=variants[0][0])
    session.set_compare_active(True)
    for activation, residual in variants[1:]:
        session.add_lane(activation, residual)
    assert len(session.lanes) == len(variants) + 1
    positions = {3, 5, 8, 11, 16, 19}
    expected = [lone_records(tiny.network, tiny, positions)] + [
        lone_records(hand_built(tiny.network, a, r), tiny, positions) for a, r in variants
    ]
    for k in range(1, max(positions) + 1):
        session.step_forward()
        assert {lane.position for lane in session.lanes} == {k}
        if k in positions:
            for lane, lone in zip(session.lanes, expected):
                record, network = lone[k]
                assert_same_record(lane.record, record)
                for a, b in zip(lane.network.weights, network.weights):
                    np.testing.assert_array_equal(a, b)
    # Back one step and forward again on every lane: still the lone runs.
    session.step_back()
    session.step_back()
    session.step_forward()
    for lane, lone in zip(session.lanes, expected):
        assert lane.position == 18
        assert lane.record.step == 2
    session.step_forward()
    for lane, lone in zip(session.lanes, expected):
        assert_same_record(lane.record, lone[19][0])


def test_every_lane_has_its_own_verdict_scale_and_title():
    tiny = load_preset("tiny-sigmoid")
    session = Session(tiny)
    session.set_compare_active(True)
    session.add_lane("tanh")
    session.add_lane("gelu")
    session.go_to_step(7)
    titles = [lane.title for lane in session.lanes]
    assert titles == ["sigmoid", "ReLU", "tanh", "GELU"]
    for lane, activation in zip(session.lanes, ["sigmoid", "relu", "tanh", "gelu"]):
        whole = hand_built(tiny.network, activation).run(tiny.inputs, tiny.targets, tiny.loss)
        assert_same_record(lane.scale_record, whole)
        assert lane.verdict() == lane.verdict(whole_pass=True) == gradient_health(whole)


def test_a_session_saves_and_restores_every_lane(tmp_path):
    tiny = load_preset("tiny-sigmoid")
    session = Session(tiny)
    session.set_compare_active(True)
    session.add_lane("tanh")
    session.go_to_step(8 * 3 + 5)
    path = tmp_path / "lanes.json"
    save_session_file(session, path)
    again = Session(load_preset("deep-relu"))
    open_file(again, path)
    assert len(again.lanes) == 3 and again.restore_note is None
    for got, want in zip(again.lanes, session.lanes):
        assert got.position == want.position
        assert_same_record(got.record, want.record)
    again.reset()
    lone = lone_records(hand_built(tiny.network, "tanh"), tiny, {0})
    assert_same_record(again.lanes[2].record, lone[0][0])


# ---------------------------------------------------------------------------------------------- no replay


class PassCounter:
    """Counts the micro-steps and whole passes the core computes (a test double around the real methods)."""

    def __init__(self, monkeypatch, limit):
        self.steps = self.passes = 0
        step, run = Stepper.step_forward, Network.run

        def counted_step(stepper):
            self.steps += 1
            if self.steps > limit:  # the old code would replay for hours: fail at once instead
                raise AssertionError(f"more than {limit} micro-steps computed while opening")
            return step(stepper)

        def counted_run(network, *args, **kwargs):
            self.passes += 1
            return run(network, *args, **kwargs)

        monkeypatch.setattr(Stepper, "step_forward", counted_step)
        monkeypatch.setattr(Network, "run", counted_run)


def far_session_text(preset: str, passes: int, within: int, compare: bool, lanes: bool) -> str:
    """A session file of ``preset`` standing ``passes`` passes and ``within`` micro-steps on, with Compare
    on or off; ``lanes=False`` writes it as a file from before lanes (no ``session.lanes``)."""
    experiment = load_preset(preset)
    session = Session(experiment)
    session.set_compare_active(compare)
    document = session_json(session.to_data())
    per_pass = 2 * experiment.network.depth + 2
    document["session"]["position"] = passes * per_pass + within
    document["session"]["passes"] = passes
    if not lanes:
        document["session"].pop("lanes", None)
    elif compare:
        entry = document["session"]["lanes"][0]
        entry["current_weights"] = [(np.asarray(w) * 0.5).tolist() for w in experiment.network.weights]
    return json.dumps(document)


@pytest.mark.parametrize("preset, passes, within, lanes", [
    ("tiny-sigmoid", 10**12 // 8 - 1, 3, True),
    ("tiny-sigmoid", 10**12 // 8 - 1, 3, False),
    ("deep-sigmoid", 99_987 // 22, 99_987 % 22, True),
    ("deep-sigmoid", 99_987 // 22, 99_987 % 22, False),
])  # fmt: skip
def test_opening_a_far_position_with_compare_on_computes_at_most_one_pass_per_lane(monkeypatch, preset, passes, within, lanes):
    data = parse_session(json.loads(far_session_text(preset, passes, within, compare=True, lanes=lanes)))
    depth = data.experiment.network.depth
    per_pass = 2 * depth + 2
    counter = PassCounter(monkeypatch, limit=2 * per_pass)
    session = Session.from_data(data)
    assert counter.steps <= 2 * per_pass and counter.passes == 0
    assert [lane.position for lane in session.lanes] == [passes * per_pass + within] * 2
    assert session.record.step == session.compare_lane.record.step == within
    if lanes:
        # The right half stands on the weights the file gave it.
        np.testing.assert_array_equal(session.compare_lane.stepper.network.weights[0], np.asarray(data.lanes[0].current_weights[0]))
        assert session.restore_note is None
    else:
        assert session.restore_note is not None and "restarts from the left network's current weights" in session.restore_note
        np.testing.assert_array_equal(session.compare_lane.stepper.network.weights[0], session.network.weights[0])


def test_switching_compare_on_far_from_the_start_does_not_replay(monkeypatch):
    data = parse_session(json.loads(far_session_text("deep-sigmoid", 4544, 19, compare=False, lanes=True)))
    session = Session.from_data(data)
    per_pass = 2 * data.experiment.network.depth + 2
    counter = PassCounter(monkeypatch, limit=2 * per_pass)
    session.set_compare_active(True)
    session.add_lane("tanh")
    assert counter.steps <= 2 * 19
    assert session.compare_lane.record.step == 19 and session.lanes[2].record.step == 19


@pytest.mark.parametrize("key, change, message", [
    ("lanes", lambda s: s["lanes"].append(s["lanes"][0]) or s["lanes"].extend([s["lanes"][0]] * 7), "session.lanes: must be a list of at most 7"),
    ("lanes", lambda s: s["lanes"][0].pop("current_weights"), "session.lanes[0].current_weights: is missing"),
    ("lanes", lambda s: s["lanes"][0].update(activation="swish"), "session.lanes[0].activation: unknown activation"),
    ("lanes", lambda s: s["lanes"][0].update(current_biases=[[0.0]] * 2), "session.lanes[0].current_biases: must be a list of 3 vectors"),
    ("lanes", lambda s: s["lanes"][0].update(speed=1), "session.lanes[0].speed: unknown field"),
    ("position", lambda s: s.update(position=10**12 + 1), "session.position"),
    ("passes", lambda s: s.update(passes=3), "session.passes: must be"),
])  # fmt: skip
def test_a_lane_or_position_the_file_cannot_justify_is_refused_by_field(key, change, message):
    from gradviz.core.experiment import NetworkFileError

    document = json.loads(far_session_text("tiny-sigmoid", 0, 5, compare=True, lanes=True))
    change(document["session"])
    with pytest.raises(NetworkFileError) as refused:
        parse_session(document)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


# ---------------------------------------------------------------------------------------------- old files


@pytest.mark.parametrize("name", ["tiny-sigmoid-main-2026-12-04", "deep-sigmoid-main-2026-12-04"])
def test_files_saved_by_the_main_before_lanes_open_to_the_records_it_showed(name):
    expected = json.loads((FIXTURES / "expected-records.json").read_text())[name]
    session = Session(load_preset("tiny-relu"))
    assert open_file(session, FIXTURES / f"{name}.json") is True
    record = session.record
    assert (record.step, record.phase.value, record.layer) == (expected["step"], expected["phase"], expected["layer"])
    # The records are computed again here: float64 sums whose last digits follow the CPU's BLAS kernel
    # (measured: up to 4e-15 apart, relatively, between an AVX-512 machine and the AVX2 one that saved the
    # fixture), so they are compared to 1e-12; what the file holds (weights, step, selection) exactly.
    assert record.loss == pytest.approx(expected["loss"], rel=1e-12, abs=0)
    assert session.stepper.passes_done == expected["passes_done"]
    assert session.compare.active == expected["compare_active"]
    assert (None if session.view.selection is None else list(session.view.selection)) == expected["selection"]
    for got, want in zip(session.network.weights, expected["weights"]):
        np.testing.assert_array_equal(got, np.asarray(want))
    for got, want in zip(record.layers, expected["layers"]):
        for field, value in want.items():
            array = getattr(got, field)
            assert (array is None) == (value is None), field
            if value is not None:
                np.testing.assert_allclose(array, np.asarray(value), rtol=1e-12, atol=0, err_msg=field)
    if "compare" in expected:
        compare = session.compare_lane.record
        assert compare.step == expected["compare"]["step"]
        assert compare.loss == pytest.approx(expected["compare"]["loss"], rel=1e-12, abs=0)
        for got, want in zip(compare.layers, expected["compare"]["grad_w"]):
            assert (got.grad_w is None) == (want is None)
            if want is not None:
                np.testing.assert_allclose(got.grad_w, np.asarray(want), rtol=1e-12, atol=0)
        assert session.restore_note is None  # before the first update the right half is exactly restored
