"""What the right half of the Compare view runs: the loaded weights under another hidden activation and,
if chosen, skip connections on or off. No Qt; saved in session files."""

from __future__ import annotations

from dataclasses import dataclass

from .activations import check_activation
from .analysis import network_with_activation
from .lane import Variant
from .network import Network

#: The activation the right half of the Compare view runs by default.
DEFAULT_COMPARE_ACTIVATION = "relu"


@dataclass(frozen=True)
class CompareSettings:
    """What the right half of the Compare view runs, and whether it is on screen.

    Attributes
    ----------
    active : whether the Compare view is shown (its stepper then moves with the main one)
    activation : the hidden layers' activation on the right, one of ``ACTIVATION_NAMES``
    residual : whether the right network adds skip connections (as loaded unless chosen)
    shared_scale : whether both halves colour on one scale (True) or each on its own
    """

    active: bool
    activation: str
    residual: bool
    shared_scale: bool


class CompareChoice:
    """The Compare view's choices.

    Attributes
    ----------
    active : whether the Compare view is shown (its lane then moves with the main one)
    activation : the right half's hidden activation, one of ``ACTIVATION_NAMES``
    residual : the right half's skip connections: True, False, or None for as loaded
    """

    def __init__(self, activation: str = DEFAULT_COMPARE_ACTIVATION, residual: bool | None = None, active: bool = False):
        self.active = bool(active)
        self.activation = check_activation(activation)
        self.residual = None if residual is None else bool(residual)

    def variant(self) -> Variant:
        """The right half's lane variant."""
        return Variant(self.activation, self.residual)

    def residual_shown(self, loaded: Network) -> bool:
        """The right half's skip connections as they are run (``residual``, or ``loaded``'s)."""
        return loaded.residual if self.residual is None else self.residual

    def start_network(self, loaded: Network, loss: str) -> Network:
        """``loaded``'s weights with ``activation`` on the hidden layers and the chosen skips.

        The output layer follows the bars panel's rule (``analysis.network_with_activation``): it keeps a
        loss's required activation or a linear regression head.
        """
        base = Network(loaded.widths, loaded.activations, loaded.weights, loaded.biases, self.residual_shown(loaded))
        return network_with_activation(base, self.activation, loss)

    def settings(self, loaded: Network, shared_scale: bool) -> CompareSettings:
        """The choices as a frozen ``CompareSettings``, skips as run on ``loaded``."""
        return CompareSettings(self.active, self.activation, self.residual_shown(loaded), shared_scale)

    def __repr__(self):
        return f"CompareChoice({self.activation!r}, residual={self.residual}, active={self.active})"
