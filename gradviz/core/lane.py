"""A lane: one network of a session, with its stepper, its training history and its variant.

The session holds a list of lanes that move in lock-step: lane 0 runs the network as loaded, the others
run variants of it (another hidden activation, skip connections on or off) on the same data. Every
per-network fact -- the record, the colour-scale record, the verdict, the title -- is asked of a lane,
so it works for any number of them. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .analysis import hidden_activation_title, network_with_activation
from .network import Network
from .records import PassRecord, Phase
from .stats import Health, gradient_health
from .stepper import Stepper
from .training import TrainingHistory


@dataclass(frozen=True)
class Variant:
    """What a lane changes in the loaded network.

    Attributes
    ----------
    activation : the hidden layers' activation, or None to run the network as loaded
    residual : skip connections on (True) or off (False), or None as loaded
    """

    activation: str | None = None
    residual: bool | None = None

    @property
    def as_loaded(self) -> bool:
        return self.activation is None and self.residual is None

    def network(self, loaded: Network, loss: str) -> Network:
        """``loaded``'s weights under this variant (the output layer follows ``analysis.network_with_activation``)."""
        if self.as_loaded:
            return loaded
        residual = loaded.residual if self.residual is None else self.residual
        base = Network(loaded.widths, loaded.activations, loaded.weights, loaded.biases, residual)
        if self.activation is None:
            return base
        return network_with_activation(base, self.activation, loss)


def activation_title(network: Network) -> str:
    """The hidden layers' activation label(s) of ``network``: "sigmoid", "ReLU", "tanh / ReLU"."""
    return hidden_activation_title(network)


class Lane:
    """One network moving through its passes: a stepper, the training history behind it, its variant.

    Parameters
    ----------
    stepper : the cursor through the lane's passes
    variant : what the lane changes in the loaded network (``Variant()``: nothing)
    history : the training run this lane's network came from, or None
    note : one line saying how the lane was made when it could not be restored exactly, else None
    """

    def __init__(self, stepper: Stepper, variant: Variant = Variant(), history: TrainingHistory | None = None, note: str | None = None):
        self.stepper = stepper
        self.variant = variant
        self.history = history
        self.note = note

    @classmethod
    def started(cls, variant: Variant, start: Network, experiment) -> "Lane":
        """A lane at the start of ``experiment``'s data, on ``start`` under ``variant``."""
        e = experiment
        network = variant.network(start, e.loss)
        return cls(Stepper(network, e.inputs, e.targets, e.loss, e.learning_rate), variant)

    @classmethod
    def restored(
        cls, variant: Variant, start: Network, experiment, current: Network, position: int,
        pass_network: Network | None = None, note: str | None = None,
    ) -> "Lane":  # fmt: skip
        """A lane standing ``position`` micro-steps on at ``current`` (at an update step, after a pass on
        ``pass_network``), whose Home is ``start`` under ``variant``. Only the current pass is computed,
        whatever the position: nothing is replayed."""
        e = experiment
        first = variant.network(start, e.loss)
        now = first.with_params(current.weights, current.biases)
        before = None if pass_network is None else first.with_params(pass_network.weights, pass_network.biases)
        stepper = Stepper.resumed(first, e.inputs, e.targets, e.loss, e.learning_rate, now, position, before)
        return cls(stepper, variant, note=note)

    @property
    def network(self) -> Network:
        """The network the lane's current pass runs on (the updated one after an update step)."""
        return self.stepper.network

    @property
    def record(self) -> PassRecord:
        return self.stepper.record

    @property
    def scale_record(self) -> PassRecord:
        """The lane's whole current pass: it fixes the lane's colour scale, so colours do not jump."""
        return self.stepper.complete_record()

    @property
    def position(self) -> int:
        return self.stepper.position

    @property
    def at_update(self) -> bool:
        """Whether the lane stands on an update step (its pass ran on the network before the update)."""
        return self.stepper.position > 0 and self.stepper.record.phase is Phase.UPDATE

    def verdict(self, whole_pass: bool = False) -> Health:
        """The gradient-health verdict of the pass as far as it has gone, or of the whole pass."""
        return gradient_health(self.scale_record if whole_pass else self.record)

    @property
    def title(self) -> str:
        """The lane's activation label(s), e.g. "ReLU"."""
        return activation_title(self.stepper.start_network)

    def step_forward(self) -> PassRecord:
        return self.stepper.step_forward()

    def step_back(self) -> PassRecord:
        return self.stepper.step_back()

    def reset(self) -> PassRecord:
        return self.stepper.reset()

    def run_to_end(self) -> PassRecord:
        return self.stepper.run_to_end_of_pass()

    def go_to_step(self, step: int) -> PassRecord:
        return self.stepper.go_to_step(step)

    def __repr__(self):
        variant = "" if self.variant.as_loaded else f", {self.variant}"
        return f"Lane({self.title!r}, position={self.position}{variant})"
