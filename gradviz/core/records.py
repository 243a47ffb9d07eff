"""What a pass produces, as frozen records whose arrays are read-only.

A record may be partial: while the stepper is part-way through a pass, the layers it has not reached yet
hold ``None`` in place of their arrays. Views draw what is there and leave the rest neutral.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np


def frozen_array(values) -> np.ndarray:
    """A read-only float64 copy of ``values`` (no copy when it already is one)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.flags.writeable:
        arr = arr.copy()
        arr.flags.writeable = False
    return arr


def freeze(arr: np.ndarray) -> np.ndarray:
    """Make a float64 array the caller has just computed, and owns, read-only in place (no copy)."""
    if arr.dtype != np.float64:
        return frozen_array(arr)
    arr.flags.writeable = False
    return arr


class Phase(str, Enum):
    """Where a pass stands after its latest micro-step."""

    READY = "ready"
    FORWARD = "forward"
    LOSS = "loss"
    BACKWARD = "backward"
    UPDATE = "update"


@dataclass(frozen=True)
class LayerRecord:
    """One weight layer's share of a pass (layers are numbered 1..L; layer 0 is the input).

    ``z`` and ``a`` (samples x units) exist once the forward pass has computed the layer; ``delta``
    (dL_s/dz of each sample's own loss), ``grad_w`` (shape of W) and ``grad_b`` (gradients of the batch
    loss, i.e. averaged over samples) once the backward pass has.
    """

    index: int
    activation: str
    residual: bool
    z: np.ndarray | None = None
    a: np.ndarray | None = None
    delta: np.ndarray | None = None
    grad_w: np.ndarray | None = None
    grad_b: np.ndarray | None = None

    @property
    def forward_done(self) -> bool:
        return self.z is not None

    @property
    def backward_done(self) -> bool:
        return self.grad_w is not None

    def __repr__(self):
        done = "backward" if self.backward_done else "forward" if self.forward_done else "pending"
        return f"LayerRecord(index={self.index}, activation={self.activation!r}, {done})"


@dataclass(frozen=True)
class PassRecord:
    """A forward-and-backward pass through a network, complete or as far as the stepper has gone.

    ``step`` counts the micro-steps done: forward layers 1..L, the loss, backward layers L..1, then the
    SGD update; ``phase`` and ``layer`` say which one was the latest.
    """

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    inputs: np.ndarray
    targets: np.ndarray
    layers: tuple[LayerRecord, ...]
    loss_name: str
    step: int = 0
    loss: float | None = None
    sample_losses: np.ndarray | None = None
    #: After the SGD update micro-step: the weights the pass ran with (``weights`` then holds the updated
    #: ones). None before the update, and for records made without a stepper.
    weights_before_update: tuple[np.ndarray, ...] | None = None

    @property
    def depth(self) -> int:
        return len(self.layers)

    @property
    def steps_per_pass(self) -> int:
        """Micro-steps in a whole pass: L forward, the loss, L backward and the update."""
        return 2 * self.depth + 2

    @property
    def phase(self) -> Phase:
        return phase_at(self.step, self.depth)[0]

    @property
    def layer(self) -> int | None:
        """The layer the latest micro-step computed, or None for the loss, the update and before any step."""
        return phase_at(self.step, self.depth)[1]

    @property
    def pass_weights(self) -> tuple[np.ndarray, ...]:
        """The weights this pass's z, a, δ and gradients were computed with (before any update)."""
        return self.weights if self.weights_before_update is None else self.weights_before_update

    @property
    def output(self) -> np.ndarray | None:
        return self.layers[-1].a

    @property
    def complete(self) -> bool:
        return self.layers[0].backward_done

    def activations(self, index: int) -> np.ndarray | None:
        """The activations a_index (0 = the input), or None when not computed yet."""
        return self.inputs if index == 0 else self.layers[index - 1].a

    def __repr__(self):
        return f"PassRecord(depth={self.depth}, step={self.step}, phase={self.phase.value}, loss={self.loss})"


def phase_at(step: int, depth: int) -> tuple[Phase, int | None]:
    """The phase and layer of micro-step ``step`` (1-based) in a pass through ``depth`` layers."""
    if step <= 0:
        return Phase.READY, None
    if step <= depth:
        return Phase.FORWARD, step
    if step == depth + 1:
        return Phase.LOSS, None
    if step <= 2 * depth + 1:
        return Phase.BACKWARD, 2 * depth + 2 - step
    return Phase.UPDATE, None


def describe_step(step: int, depth: int) -> str:
    """Where a pass stands, in neutral words ("Ready", "Forward: layer 2 of 3", "Loss computed").

    No key or button is named here: the window adds its own hint (which key steps) to the sentence.
    """
    phase, layer = phase_at(step, depth)
    if phase is Phase.READY:
        return "Ready"
    if phase is Phase.FORWARD:
        return f"Forward: layer {layer} of {depth}"
    if phase is Phase.LOSS:
        return "Loss computed"
    if phase is Phase.BACKWARD:
        return f"Backward: layer {layer} of {depth}"
    return "SGD update applied"
