"""The stepper: micro-steps in order, exact undo, the update, and the records it builds."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from gradviz.files.network_file import load_preset
from gradviz.core.records import Phase, describe_step, phase_at
from gradviz.core.stepper import Stepper

ARRAY_FIELDS = ("z", "a", "delta", "grad_w", "grad_b")


def make_stepper(preset="tiny-sigmoid"):
    exp = load_preset(preset)
    return exp, Stepper(exp.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate)


def assert_optional_equal(x, y):
    if x is None or y is None:
        assert x is None and y is None
    else:
        assert np.array_equal(x, y)


def assert_records_equal(r1, r2):
    assert r1.step == r2.step
    assert r1.loss == r2.loss
    assert r1.loss_name == r2.loss_name
    assert_optional_equal(r1.sample_losses, r2.sample_losses)
    assert np.array_equal(r1.inputs, r2.inputs) and np.array_equal(r1.targets, r2.targets)
    assert len(r1.weights) == len(r2.weights)
    for w1, w2, b1, b2 in zip(r1.weights, r2.weights, r1.biases, r2.biases):
        assert np.array_equal(w1, w2) and np.array_equal(b1, b2)
    assert len(r1.layers) == len(r2.layers)
    for l1, l2 in zip(r1.layers, r2.layers):
        assert (l1.index, l1.activation, l1.residual) == (l2.index, l2.activation, l2.residual)
        for name in ARRAY_FIELDS:
            assert_optional_equal(getattr(l1, name), getattr(l2, name))


def test_initial_state():
    exp, stepper = make_stepper()
    record = stepper.record
    assert stepper.at_start and stepper.position == 0 and stepper.passes_done == 0
    assert record.step == 0 and record.phase is Phase.READY and record.layer is None
    assert record.loss is None and record.sample_losses is None
    assert not record.complete
    assert all(getattr(layer, name) is None for layer in record.layers for name in ARRAY_FIELDS)
    assert stepper.steps_per_pass == record.steps_per_pass == 8
    assert stepper.network is exp.network


def test_phases_and_layers_in_order():
    _, stepper = make_stepper("deep-sigmoid")
    depth = stepper.network.depth
    seen = []
    for _ in range(2 * depth + 2):
        record = stepper.step_forward()
        seen.append((record.phase, record.layer))
    expected = (
        [(Phase.FORWARD, l) for l in range(1, depth + 1)]
        + [(Phase.LOSS, None)]
        + [(Phase.BACKWARD, l) for l in range(depth, 0, -1)]
        + [(Phase.UPDATE, None)]
    )
    assert seen == expected


def test_each_micro_step_fills_in_what_it_computes():
    exp, stepper = make_stepper()
    depth = 3
    for step in range(1, depth + 1):
        record = stepper.step_forward()
        assert [layer.forward_done for layer in record.layers] == [l < step for l in range(depth)]
        assert record.loss is None and not any(layer.backward_done for layer in record.layers)
    record = stepper.step_forward()
    assert record.phase is Phase.LOSS and record.loss is not None
    for step in range(depth):
        record = stepper.step_forward()
        assert [layer.backward_done for layer in record.layers] == [l >= depth - 1 - step for l in range(depth)]
        assert all(layer.delta is not None for layer in record.layers if layer.backward_done)


def test_tiny_sigmoid_reaches_end_of_backward_after_seven_steps_and_matches_run():
    exp, stepper = make_stepper()
    for _ in range(7):
        stepper.step_forward()
    record = stepper.record
    assert record.step == 7 and record.phase is Phase.BACKWARD and record.layer == 1 and record.complete
    assert_records_equal(record, exp.network.run(exp.inputs, exp.targets, exp.loss))
    assert_records_equal(stepper.complete_record(), record)


@pytest.mark.parametrize("preset", ["deep-relu", "residual-sigmoid", "exploding"])
def test_stepped_record_equals_run(preset):
    exp, stepper = make_stepper(preset)
    record = stepper.run_to_end_of_pass()
    assert record.step == 2 * exp.network.depth + 1
    assert_records_equal(record, exp.network.run(exp.inputs, exp.targets, exp.loss))


def test_whole_pass_and_all_the_way_back_restores_the_start():
    exp, stepper = make_stepper("residual-sigmoid")
    start_record = stepper.record
    start_network = stepper.network
    snapshots = [start_record]
    for _ in range(stepper.steps_per_pass):
        snapshots.append(stepper.step_forward())
    assert stepper.record.phase is Phase.UPDATE and stepper.passes_done == 1
    for expected in reversed(snapshots[:-1]):
        assert_records_equal(stepper.step_back(), expected)
    assert stepper.at_start and stepper.record.step == 0 and stepper.record.loss is None
    assert stepper.network is start_network
    assert_records_equal(stepper.record, start_record)
    for w, w0, b, b0 in zip(stepper.network.weights, exp.network.weights, stepper.network.biases, exp.network.biases):
        assert np.array_equal(w, w0) and np.array_equal(b, b0)
    # A no-op at the start.
    assert_records_equal(stepper.step_back(), start_record)
    assert stepper.position == 0


def test_update_applies_sgd():
    exp, stepper = make_stepper()
    lr = exp.learning_rate
    before = stepper.run_to_end_of_pass()
    after = stepper.step_forward()
    assert after.phase is Phase.UPDATE and after.step == 8
    for l, layer in enumerate(before.layers):
        expected_w = np.asarray(exp.network.weights[l]) - lr * layer.grad_w
        expected_b = np.asarray(exp.network.biases[l]) - lr * layer.grad_b
        assert np.array_equal(stepper.network.weights[l], expected_w)
        assert np.array_equal(stepper.network.biases[l], expected_b)
        assert np.array_equal(after.weights[l], expected_w)
        # The gradients that produced the update stay visible.
        assert np.array_equal(after.layers[l].grad_w, layer.grad_w)
    # During the update, the complete record is the pass that produced it.
    assert_records_equal(stepper.complete_record(), before)


def test_stepping_past_the_update_starts_a_new_pass_on_the_updated_network():
    exp, stepper = make_stepper()
    stepper.go_to_step(8)
    updated = stepper.network
    record = stepper.step_forward()
    assert record.step == 1 and record.phase is Phase.FORWARD and record.layer == 1
    assert stepper.position == 9 and stepper.network is updated
    assert record.loss is None
    assert record.layers[0].forward_done and not record.layers[1].forward_done
    expected = updated.run(exp.inputs, exp.targets, exp.loss)
    assert np.array_equal(record.layers[0].z, expected.layers[0].z)
    assert np.array_equal(record.weights[0], updated.weights[0])
    full = stepper.run_to_end_of_pass()
    assert full.step == 7 and stepper.position == 15
    assert_records_equal(full, expected)
    assert full.loss < exp.network.run(exp.inputs, exp.targets, exp.loss).loss


def test_step_back_across_the_update_restores_old_weights():
    exp, stepper = make_stepper()
    stepper.go_to_step(9)
    assert not np.array_equal(stepper.network.weights[0], exp.network.weights[0])
    stepper.step_back()
    stepper.step_back()
    record = stepper.record
    assert record.step == 7 and stepper.network is exp.network
    for w, w0 in zip(record.weights, exp.network.weights):
        assert np.array_equal(w, w0)
    assert stepper.passes_done == 0


def test_go_to_step_and_reset():
    exp, stepper = make_stepper()
    stepped = [stepper.step_forward() for _ in range(12)]
    other = Stepper(exp.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate)
    for k in (12, 3, 8, 0, 5):
        record = other.go_to_step(k)
        assert other.position == k
        if k:
            assert_records_equal(record, stepped[k - 1])
    assert_records_equal(other.reset(), Stepper(exp.network, exp.inputs, exp.targets).record)
    assert other.at_start and other.network is exp.network


def test_run_to_end_of_pass_from_anywhere():
    _, stepper = make_stepper()
    assert stepper.run_to_end_of_pass().step == 7 and stepper.position == 7
    assert stepper.run_to_end_of_pass().step == 7 and stepper.position == 7  # already there
    stepper.step_forward()  # the update
    assert stepper.run_to_end_of_pass().step == 7 and stepper.position == 15 and stepper.passes_done == 1
    stepper.go_to_step(2)
    assert stepper.run_to_end_of_pass().step == 7 and stepper.position == 7


def test_phase_at_and_describe_step():
    assert [phase_at(s, 2) for s in range(7)] == [
        (Phase.READY, None),
        (Phase.FORWARD, 1),
        (Phase.FORWARD, 2),
        (Phase.LOSS, None),
        (Phase.BACKWARD, 2),
        (Phase.BACKWARD, 1),
        (Phase.UPDATE, None),
    ]
    assert describe_step(0, 3) == "Ready"  # neutral: the window adds which key starts the pass
    assert describe_step(2, 3) == "Forward: layer 2 of 3"
    assert describe_step(4, 3) == "Loss computed"
    assert describe_step(5, 3) == "Backward: layer 3 of 3"
    assert describe_step(8, 3) == "SGD update applied"


def test_history_is_bounded_by_memory_and_reset_still_returns_to_the_start(monkeypatch):
    from gradviz.core import stepper as stepper_module

    experiment = load_preset("tiny-sigmoid")
    monkeypatch.setattr(stepper_module, "HISTORY_BYTES", 1)  # keep the minimum: two passes
    stepper = Stepper(experiment.network, experiment.inputs, experiment.targets, experiment.loss, experiment.learning_rate)
    start_weights = stepper.network.weights
    per_pass = stepper.steps_per_pass
    for _ in range(10 * per_pass):
        stepper.step_forward()
    assert stepper.passes_done == 10
    assert len(stepper._history) <= 3 * per_pass + 1
    # Stepping back stops at the oldest state kept, then reset goes to the very start.
    while stepper.can_step_back:
        stepper.step_back()
    assert stepper.passes_done >= 7 and not stepper.at_start
    stepper.reset()
    assert stepper.at_start and stepper.passes_done == 0
    assert stepper.network.weights is start_weights and stepper.record.step == 0


# ---------------------------------------------------------------------------------------------- memory


@pytest.mark.parametrize("preset", ["deep-sigmoid", "tiny-sigmoid"])
def test_the_history_counts_what_it_really_holds(preset):
    exp, stepper = make_stepper(preset)
    counted_before = stepper.held_bytes
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(1000):
        stepper.step_forward()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    counted = stepper.held_bytes - counted_before
    assert stepper.position == 1000 and len(stepper._history) == 1001  # nothing forgotten yet
    assert abs(counted - grown) <= 0.25 * grown, (counted, grown)
    # Stepping back gives the bytes back, to the byte.
    for _ in range(1000):
        stepper.step_back()
    assert stepper.held_bytes == counted_before


def test_the_byte_cap_forgets_old_passes_and_the_position_keeps_counting(monkeypatch):
    from gradviz.core import stepper as stepper_module

    exp, stepper = make_stepper("deep-sigmoid")
    per_pass = stepper.steps_per_pass
    for _ in range(3 * per_pass):
        stepper.step_forward()
    three_passes = stepper.held_bytes
    monkeypatch.setattr(stepper_module, "HISTORY_BYTES", three_passes)
    for _ in range(20 * per_pass + 5):
        stepper.step_forward()
    assert stepper.position == 23 * per_pass + 5 and stepper.passes_done == 23
    assert stepper.held_bytes <= three_passes + stepper._start_bytes + stepper._sizes[0]
    assert stepper.held_bytes == sum(stepper._sizes) + stepper._start_bytes  # the start stays, for reset
    reference = Stepper(exp.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate)
    while stepper.can_step_back:
        stepper.step_back()
    reference.go_to_step(stepper.position)
    assert_records_equal(stepper.record, reference.record)


# ---------------------------------------------------------------------------------------------- resuming


@pytest.mark.parametrize("position", [0, 3, 7, 8, 8 * 6, 8 * 6 + 5])
def test_a_resumed_stepper_stands_at_the_same_record(position):
    exp, stepper = make_stepper("tiny-sigmoid")
    stepper.go_to_step(position)
    at_update = position > 0 and position % 8 == 0
    resumed = Stepper.resumed(exp.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate, stepper.network,
                              position, stepper.pass_network if at_update else None)  # fmt: skip
    assert resumed.position == position and resumed.passes_done == stepper.passes_done
    assert_records_equal(resumed.record, stepper.record)
    assert resumed.network.weights[0].tobytes() == stepper.network.weights[0].tobytes()
    # Stepping on goes the same way; stepping back reaches the start of the pass; reset the very start.
    for _ in range(11):
        assert_records_equal(resumed.step_forward(), stepper.step_forward())
    assert resumed.reset().step == 0 and resumed.network is exp.network and resumed.at_start


def test_resuming_at_an_update_step_needs_the_network_its_pass_ran_on():
    exp, stepper = make_stepper("tiny-sigmoid")
    stepper.go_to_step(16)
    with pytest.raises(ValueError, match="needs the network that pass ran on"):
        Stepper.resumed(exp.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate, stepper.network, 16)
