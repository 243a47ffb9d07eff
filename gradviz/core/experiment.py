"""What the stepper, the trainer, the window and the command line all start from: an ``Experiment``.

No file format here: ``gradviz.files`` reads and writes experiments; ``fields`` checks the values they hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .activations import check_activation
from .analysis import network_with_activation
from .choices import UnknownNameError
from .format import one_line
from .init import InitSpec
from .losses import get_loss
from .network import Network


class NetworkFileError(ValueError):
    """A network file, preset or edited value that cannot be used; the message names the field.

    The message is always one line: control characters in the field or the problem are escaped.
    """

    def __init__(self, field_name: str, problem: str):
        self.field = one_line(field_name)
        self.problem = one_line(problem)
        super().__init__(f"{self.field}: {self.problem}" if self.field else self.problem)


@dataclass(frozen=True)
class Experiment:
    """Everything a network file holds: the network and what it is trained on.

    The stepper, the trainer, the window and the command line all start from one of these.
    """

    name: str
    network: Network
    inputs: np.ndarray
    targets: np.ndarray
    loss: str = "half_squared_error"
    learning_rate: float = 0.5
    description: str = ""
    init: InitSpec = field(default_factory=InitSpec)

    def with_activation(self, name: str) -> "Experiment":
        """The same weights, biases and data with ``name`` on every layer.

        As in the sigmoid-vs-ReLU comparison, a linear output layer (a regression head) and an output the
        loss requires (sigmoid for binary cross-entropy) are kept: see ``analysis.kept_output_activation``.
        """
        try:
            check_activation(name)
        except UnknownNameError as exc:
            raise NetworkFileError("activation", str(exc)) from None
        return self.checked(replace(self, network=network_with_activation(self.network, name, self.loss)))

    def with_network(self, network: Network) -> "Experiment":
        return replace(self, network=network)

    @staticmethod
    def checked(experiment: "Experiment") -> "Experiment":
        """``experiment`` when its output layer is one its loss can use; else a ``NetworkFileError``."""
        required = get_loss(experiment.loss).requires_output
        if required and experiment.network.activations[-1] != required:
            raise NetworkFileError(
                "loss", f"{experiment.loss} needs a {required} output layer (its outputs must lie in (0, 1))"
            )
        return experiment

    def __repr__(self):
        return f"Experiment({self.name!r}, {self.network!r}, samples={len(self.inputs)})"
