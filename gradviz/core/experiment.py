"""What the stepper, the trainer, the window and the command line all start from: an ``Experiment``.

No file format here: ``gradviz.files`` reads and writes experiments; ``fields`` checks the values they hold.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field, replace

import numpy as np

from .activations import check_activation
from .analysis import network_with_activation
from .choices import UnknownNameError
from .format import format_number, one_line
from .init import InitSpec, init_network_weights
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


#: The latest experiment ``weights_origin`` described, and what it said (a weak reference: nothing is kept alive).
_origin_cache: tuple = (None, "")


def weights_origin(experiment: Experiment) -> str:
    """How ``experiment``'s weights were made, in words, checked against the weights themselves.

    "drawn by he_normal, seed 0" when every weight is exactly that draw of the experiment's initialiser
    (``init.init_network_weights``); otherwise "set to fixed values in the file, not drawn by the
    initialiser" (a preset such as tiny-sigmoid gives its weights, 0.5 each). Remembered for the latest
    experiment, so a snapshot per key press does not draw again.
    """
    global _origin_cache
    ref, text = _origin_cache
    if ref is not None and ref() is experiment:
        return text
    net = experiment.network
    init = experiment.init
    drawn = init_network_weights(net.widths, init)
    if all(np.array_equal(w, d) for w, d in zip(net.weights, drawn)):
        params = "".join(f", {k} {format_number(v, 6, trailing_zeros=False)}" for k, v in init.params.items())
        text = f"drawn by {init.scheme}{params}, seed {init.seed}"
    else:
        text = "set to fixed values in the file, not drawn by the initialiser"
    _origin_cache = (weakref.ref(experiment), text)
    return text


def network_story(experiment: Experiment, modified: bool, trained_steps: int | None) -> tuple[str, str]:
    """What the Network panel says of the network on screen: how its weights were made, and its description.

    Parameters
    ----------
    experiment : the network on screen (after any edit or adopted training run)
    modified : whether it was edited since it was loaded
    trained_steps : the steps of the training run it was adopted from, or None

    Returns
    -------
    (weights, description)
        e.g. ("Weights: set to fixed values in the file, not drawn by the initialiser", "A 1-1-1-1 sigmoid
        chain ..."). An edited network says "modified" in both: its description was written for the network
        before the edit.
    """
    if trained_steps is not None:
        weights = f"Weights: trained for {trained_steps:,} steps"
    else:
        weights = f"Weights: {weights_origin(experiment)}"
    description = experiment.description
    if modified:
        weights += " (network modified since loading)"
        description = f"Modified since loading. Before the edit: {description}" if description else "Modified since loading."
    return weights, description
