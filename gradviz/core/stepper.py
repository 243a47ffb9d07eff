"""The cursor through a pass, one micro-step at a time, and the session that moves it.

A pass through L layers has 2L + 2 micro-steps: forward layers 1..L, the loss, backward layers L..1,
and the SGD update. After the update the next step starts the next pass on the updated network.
Every state is kept, so stepping back restores the exact earlier state.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .network import Network
from .records import LayerRecord, PassRecord, Phase, freeze, frozen_array


#: Most memory the step history may hold. Beyond it the oldest passes are forgotten (stepping back stops
#: there; reset still returns to the very start). A 512-wide, 64-layer network takes about 260 MB a pass.
HISTORY_BYTES = 1 << 30


@dataclass(frozen=True)
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
    network, record, passes = state.network, state.record, state.passes
    depth = network.depth
    step = record.step
    if step >= 2 * depth + 2:
        record = _fresh_record(network, record.inputs, record.targets, record.loss_name)
        step = 0
    targets, loss_name = record.targets, record.loss_name
    if step < depth:
        index = step + 1
        z, a = network.forward_layer(index, record.activations(index - 1))
        return _StepState(network, dataclasses.replace(record, step=step + 1, layers=_replace_layer(record, index, z=z, a=a)), passes=passes)
    if step == depth:
        last = record.layers[-1]
        sample_losses = network.loss_values(loss_name, last.z, last.a, targets)
        record = dataclasses.replace(
            record, step=step + 1, loss=float(np.mean(sample_losses)), sample_losses=freeze(sample_losses)
        )
        return _StepState(network, record, passes=passes)
    if step <= 2 * depth:
        index = 2 * depth + 1 - step
        layer = record.layers[index - 1]
        if index == depth:
            delta = network.output_delta(loss_name, layer.z, layer.a, targets)
        else:
            delta = network.hidden_delta(index, state.grad_a, layer.z)
        grad_w, grad_b, grad_a_prev = network.backward_layer(index, delta, record.activations(index - 1), state.grad_a)
        layers = _replace_layer(record, index, delta=delta, grad_w=grad_w, grad_b=grad_b)
        return _StepState(network, dataclasses.replace(record, step=step + 1, layers=layers), grad_a_prev, passes)
    updated = network.sgd_step([l.grad_w for l in record.layers], [l.grad_b for l in record.layers], learning_rate)
    record = dataclasses.replace(
        record, step=step + 1, weights=updated.weights, biases=updated.biases, weights_before_update=record.weights
    )
    return _StepState(updated, record, passes=passes + 1)


def _pass_bytes(network: Network, samples: int) -> int:
    """About how much memory the states of one pass hold: the new weights, the gradients, z, a and delta."""
    params = sum(w.nbytes + b.nbytes for w, b in zip(network.weights, network.biases))
    units = sum(network.widths[1:])
    # States share their arrays: each micro-step adds one layer's worth, so a pass holds each array once.
    return 2 * params + 3 * units * samples * 8


class Stepper:
    """Moves through passes one micro-step at a time, forward and back, remembering every state.

    Parameters
    ----------
    network : the network at the start
    inputs, targets : samples x units
    loss_name : a name from ``gradviz.core.losses.LOSSES``
    learning_rate : used by the SGD update micro-step
    """

    def __init__(self, network: Network, inputs, targets, loss_name: str = "half_squared_error", learning_rate: float = 0.1):
        inputs = frozen_array(np.atleast_2d(inputs))
        targets = frozen_array(np.atleast_2d(targets))
        self.learning_rate = float(learning_rate)
        self._start = _StepState(network, _fresh_record(network, inputs, targets, loss_name))
        self._history = [self._start]
        self._passes_kept = max(2, HISTORY_BYTES // max(1, _pass_bytes(network, len(inputs))))
        self._complete_cache: tuple[Network, PassRecord] | None = None

    @property
    def record(self) -> PassRecord:
        """The current pass, as far as it has gone."""
        return self._history[-1].record

    @property
    def network(self) -> Network:
        """The network the current pass runs on (the updated one after the update step)."""
        return self._history[-1].network

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
        return len(self._history) - 1

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
        state = advance(self._history[-1], self.learning_rate)
        self._history.append(state)
        if state.passes > self._history[0].passes + self._passes_kept:
            # Forget the oldest pass: its states are the ones before the first of the pass after it.
            oldest = self._history[0].passes
            keep = next(i for i, s in enumerate(self._history) if s.passes > oldest)
            del self._history[:keep]
        return self.record

    def step_back(self) -> PassRecord:
        """Undo the latest micro-step (a no-op at the start)."""
        if len(self._history) > 1:
            self._history.pop()
        return self.record

    def reset(self) -> PassRecord:
        """Back to the very start: the first network, nothing computed."""
        self._history = [self._start]
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
