"""The cursor through a pass, one micro-step at a time, and the session that moves it.

A pass through L layers has 2L + 2 micro-steps: forward layers 1..L, the loss, backward layers L..1,
and the SGD update. After the update the next step starts the next pass on the updated network.
Every state is kept, so stepping back restores the exact earlier state.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass

import numpy as np

from .budget import STEPPER_PASSES, check_budget
from . import passes
from .network import Network
from .records import LayerRecord, PassRecord, Phase, freeze, frozen_array


#: Most memory the step history may hold, counted as it really is (arrays with their headers, records,
#: tuples, networks). Beyond it the oldest passes are forgotten, keeping at least the two before the
#: current one (stepping back stops there; reset still returns to the very start).
HISTORY_BYTES = 1 << 30
#: Passes the history always keeps before the current one, whatever their size.
MIN_PASSES_KEPT = 2
#: What one frozen-dataclass record (a ``PassRecord`` or ``LayerRecord``) costs beside its arrays: the
#: object and its attribute values, measured with tracemalloc on CPython 3.11 (sys.getsizeof omits them).
RECORD_OBJECT_BYTES = 152


@dataclass(frozen=True, slots=True)
class _StepState:
    network: Network
    record: PassRecord
    #: dL_s/da of the layer the backward pass reaches next (None outside the backward pass).
    grad_a: np.ndarray | None = None
    #: SGD updates applied up to and including this state.
    passes: int = 0


def _fresh_record(network: Network, inputs, targets, loss_name: str) -> PassRecord:
    layers = tuple(
        LayerRecord(index=l + 1, activation=network.activations[l], residual=network.has_skip(l + 1))
        for l in range(network.depth)
    )
    return PassRecord(network.weights, network.biases, inputs, targets, layers, loss_name, step=0)


def _replace_layer(record: PassRecord, index: int, **arrays) -> tuple[LayerRecord, ...]:
    layers = list(record.layers)
    # The arrays were just computed for this step and belong to nobody else.
    layers[index - 1] = dataclasses.replace(layers[index - 1], **{k: freeze(v) for k, v in arrays.items()})
    return tuple(layers)


def advance(state: _StepState, learning_rate: float) -> _StepState:
    """The state one micro-step after ``state``."""
    network, record, passes_done = state.network, state.record, state.passes
    depth = network.depth
    step = record.step
    if step >= 2 * depth + 2:
        record = _fresh_record(network, record.inputs, record.targets, record.loss_name)
        step = 0
    targets, loss_name = record.targets, record.loss_name
    if step < depth:
        index = step + 1
        with passes.ignoring_overflow():
            z, a = passes.forward_layer(network, step, record.activations(index - 1))
        return _StepState(network, dataclasses.replace(record, step=step + 1, layers=_replace_layer(record, index, z=z, a=a)), passes=passes_done)
    if step == depth:
        last = record.layers[-1]
        with passes.ignoring_overflow():
            sample_losses = passes.sample_losses(network, loss_name, last.z, last.a, targets)
        record = dataclasses.replace(
            record, step=step + 1, loss=passes.mean_loss(sample_losses), sample_losses=freeze(sample_losses)
        )
        return _StepState(network, record, passes=passes_done)
    if step <= 2 * depth:
        index = 2 * depth + 1 - step
        l = index - 1
        layer = record.layers[l]
        with passes.ignoring_overflow():
            if index == depth:
                delta = passes.output_delta(network, loss_name, layer.z, layer.a, targets)
            else:
                delta = passes.hidden_delta(network, l, state.grad_a, layer.z, layer.a)
            grad_w, grad_b, grad_a_prev = passes.backward_layer(network, l, delta, record.activations(l), state.grad_a)
        layers = _replace_layer(record, index, delta=delta, grad_w=grad_w, grad_b=grad_b)
        return _StepState(network, dataclasses.replace(record, step=step + 1, layers=layers), grad_a_prev, passes_done)
    updated = network.sgd_step([l.grad_w for l in record.layers], [l.grad_b for l in record.layers], learning_rate)
    record = dataclasses.replace(
        record, step=step + 1, weights=updated.weights, biases=updated.biases, weights_before_update=record.weights,
        biases_before_update=record.biases, learning_rate=float(learning_rate),
    )  # fmt: skip
    return _StepState(updated, record, passes=passes_done + 1)


def _state_objects(state: _StepState):
    """Every object a state holds that may be its own: (object, is a record)."""
    yield state, False
    network = state.network
    yield network, False
    for group in (network.weights, network.biases, network.widths, network.activations, network._act, network._skip):
        yield group, False
    for array in network.weights + network.biases:
        yield array, False
    record = state.record
    yield record, True
    for group in (record.layers, record.weights, record.biases):
        yield group, False
    for array in record.weights + record.biases:
        yield array, False
    for group in (record.weights_before_update, record.biases_before_update):  # the update step keeps them alive
        if group is not None:
            yield group, False
            for array in group:
                yield array, False
    for array in (record.inputs, record.targets, record.sample_losses, state.grad_a):
        if array is not None:
            yield array, False
    for layer in record.layers:
        yield layer, True
        for array in (layer.z, layer.a, layer.delta, layer.grad_w, layer.grad_b):
            if array is not None:
                yield array, False


def _object_bytes(obj, is_record: bool) -> int:
    # sys.getsizeof is exact for arrays (header and data), tuples, slotted objects; not for dataclasses.
    return RECORD_OBJECT_BYTES if is_record else sys.getsizeof(obj)


def _state_bytes(state: _StepState, previous: _StepState | None = None, previous_ids: set | None = None) -> tuple[int, set]:
    """Bytes ``state`` holds that ``previous`` (the state before it) does not: its own share of the history.

    Also returns the ids of everything ``state`` holds, to pass as ``previous_ids`` for the state after it
    (which then need not walk ``previous`` again: a step of a deep network holds hundreds of objects).
    """
    if previous_ids is None:
        previous_ids = {id(obj) for obj, _ in _state_objects(previous)} if previous is not None else set()
    ids, total = set(), 0
    for obj, is_record in _state_objects(state):
        key = id(obj)
        if key not in ids:
            ids.add(key)
            if key not in previous_ids:
                total += _object_bytes(obj, is_record)
    return total, ids


class Stepper:
    """Moves through passes one micro-step at a time, forward and back, remembering every state.

    Parameters
    ----------
    network : the network at the start
    inputs, targets : samples x units
    loss_name : a name from ``gradviz.core.losses.LOSSES``
    learning_rate : used by the SGD update micro-step

    Raises
    ------
    WorkBudgetError
        when stepping through the network would need more memory than the work budget allows.
    """

    def __init__(self, network: Network, inputs, targets, loss_name: str = "half_squared_error", learning_rate: float = 0.1):
        inputs = frozen_array(np.atleast_2d(inputs))
        targets = frozen_array(np.atleast_2d(targets))
        check_budget(network.widths, len(inputs), STEPPER_PASSES, "stepping through this network")
        self.learning_rate = float(learning_rate)
        self._start = _StepState(network, _fresh_record(network, inputs, targets, loss_name))
        self._start_bytes = _state_bytes(self._start)[0]
        self._restart()
        self._complete_cache: tuple[Network, PassRecord] | None = None

    def _restart(self) -> None:
        #: (state, ids of all it holds) of the latest state stepped to, for the next step's share (_state_bytes).
        self._latest_ids: tuple | None = None
        self._history = [self._start]
        #: Bytes each state in the history holds beyond the one before it (the first: all it holds).
        self._sizes = [self._start_bytes]
        self._held = self._start_bytes
        #: The position of the oldest state the history holds.
        self._base = 0

    @classmethod
    def resumed(
        cls, start: Network, inputs, targets, loss_name: str, learning_rate: float,
        current: Network, position: int, pass_network: Network | None = None,
    ) -> "Stepper":  # fmt: skip
        """A stepper whose start is ``start``, standing ``position`` micro-steps on, at ``current``.

        The current pass is recomputed from the network it runs on: ``current``, or at an update step
        (``position`` a whole number of passes) ``pass_network``, the network before that update. Stepping
        back reaches the start of the current pass; reset returns to ``start``.
        """
        stepper = cls(start, inputs, targets, loss_name, learning_rate)
        position = int(position)
        if position <= 0:
            return stepper
        per_pass = 2 * start.depth + 2
        within = position % per_pass
        passes = position // per_pass
        if within == 0:
            if pass_network is None:
                raise ValueError("resuming at an update step needs the network that pass ran on")
            within, passes, network = per_pass, passes - 1, pass_network
        else:
            network = current
        record = stepper._start.record
        state = _StepState(network, _fresh_record(network, record.inputs, record.targets, record.loss_name), passes=passes)
        stepper._history = [state]
        stepper._sizes = [_state_bytes(state)[0]]
        stepper._held = stepper._sizes[0]
        stepper._base = position - within
        for _ in range(within):
            stepper.step_forward()
        return stepper

    @property
    def record(self) -> PassRecord:
        """The current pass, as far as it has gone."""
        return self._history[-1].record

    @property
    def network(self) -> Network:
        """The network the current pass runs on (the updated one after the update step)."""
        return self._history[-1].network

    @property
    def start_network(self) -> Network:
        """The network at the very start (where reset returns)."""
        return self._start.network

    @property
    def pass_network(self) -> Network:
        """The network the pass on screen ran on: ``network``, except at the update step, where it is the one before."""
        if self.record.phase is Phase.UPDATE and len(self._history) > 1:
            return self._history[-2].network
        return self.network

    @property
    def steps_per_pass(self) -> int:
        return 2 * self.network.depth + 2

    @property
    def passes_done(self) -> int:
        """Number of SGD updates since the start."""
        return self._history[-1].passes

    @property
    def at_start(self) -> bool:
        return len(self._history) == 1 and self._history[0] is self._start

    @property
    def can_step_back(self) -> bool:
        """False at the start, and at the oldest state the history still holds."""
        return len(self._history) > 1

    @property
    def position(self) -> int:
        """Micro-steps taken since the start."""
        return self._base + len(self._history) - 1

    @property
    def held_bytes(self) -> int:
        """Memory the step history holds, counted as it is: arrays, records, tuples and networks."""
        kept_start = 0 if self._history[0] is self._start else self._start_bytes
        return self._held + kept_start

    def complete_record(self) -> PassRecord:
        """The whole pass on the network the current pass runs on (for scales that must not jump)."""
        state = self._history[-1]
        network = state.network
        # During the update step the pass shown is the one that produced the update.
        if state.record.phase is Phase.UPDATE:
            network = self._history[-2].network
        if self._complete_cache is None or self._complete_cache[0] is not network:
            record = self.record
            self._complete_cache = (network, network.run(record.inputs, record.targets, record.loss_name))
        return self._complete_cache[1]

    def step_forward(self) -> PassRecord:
        previous = self._history[-1]
        state = advance(previous, self.learning_rate)
        known = self._latest_ids
        size, ids = _state_bytes(state, previous, known[1] if known is not None and known[0] is previous else None)
        self._latest_ids = (state, ids)
        self._history.append(state)
        self._sizes.append(size)
        self._held += size
        self._forget_beyond_the_cap()
        return self.record

    def _forget_beyond_the_cap(self) -> None:
        history = self._history
        current = history[-1].passes
        while self._held > HISTORY_BYTES and history[0].passes < current - MIN_PASSES_KEPT:
            # Forget the oldest pass: its states are the ones before the first of the pass after it.
            oldest = history[0].passes
            keep = next(i for i, s in enumerate(history) if s.passes > oldest)
            self._held -= sum(self._sizes[:keep])
            del history[:keep], self._sizes[:keep]
            self._base += keep
            # The new oldest state now holds on its own what it shared with the states forgotten.
            first = _state_bytes(history[0])[0]
            self._held += first - self._sizes[0]
            self._sizes[0] = first

    def step_back(self) -> PassRecord:
        """Undo the latest micro-step (a no-op at the start)."""
        if len(self._history) > 1:
            self._history.pop()
            self._held -= self._sizes.pop()
        return self.record

    def reset(self) -> PassRecord:
        """Back to the very start: the first network, nothing computed."""
        self._restart()
        return self.record

    def run_to_end_of_pass(self) -> PassRecord:
        """Step until the backward pass has reached layer 1 (the next pass's end, from the update step)."""
        end = 2 * self.network.depth + 1
        if self.record.step == end:
            return self.record
        self.step_forward()
        while self.record.step != end:
            self.step_forward()
        return self.record

    def go_to_step(self, step: int) -> PassRecord:
        """Reset, then take ``step`` micro-steps."""
        self.reset()
        for _ in range(step):
            self.step_forward()
        return self.record

    def __repr__(self):
        return f"Stepper({self.network!r}, step={self.record.step}, position={self.position})"
