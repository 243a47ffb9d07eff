"""What a session holds beside its experiment: the pass position, the history and what was on screen.

``SessionData`` is what a session file stores and what ``Session.to_data`` / ``Session.restore`` exchange;
no file here (``gradviz.files.session_file`` reads and writes it).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..names import DEFAULT_COLOR_MODE
from .experiment import Experiment
from .network import Network
from .records import Phase
from .stats import MEASURES
from .stepper import Stepper
from .training import TrainingHistory


#: Most lanes (networks moving in lock-step) a session holds, lane 0 included.
MAX_LANES = 8


@dataclass(frozen=True)
class LaneData:
    """What a session file holds of one lane after lane 0: its variant (hidden ``activation``, None as
    loaded; ``residual``, None as loaded) and where it stands -- its current weights and, at an update step,
    the weights its pass ran on -- so opening restores it without replaying the passes before."""

    activation: str | None
    residual: bool | None
    current_weights: tuple
    current_biases: tuple
    pass_weights: tuple | None = None
    pass_biases: tuple | None = None


@dataclass(frozen=True)
class SessionData:
    """What a session file holds: a network file plus what was on screen.

    ``experiment`` holds the network at the start of the session (where Home returns); the network on
    screen has ``current_weights`` and ``current_biases``, ``position`` micro-steps (``passes`` SGD
    updates) after the start. At an update step (``position`` a whole number of passes) ``pass_weights``
    and ``pass_biases`` are those the pass on screen ran on, before its update, so the record on screen
    can be recomputed exactly; elsewhere they are None. ``history`` is the training panel's history.
    The rest are the window's settings: the diagram's colour mode, the selection
    (``("neuron", layer, unit)``, ``("edge", layer, to_unit, from_unit)`` or None), the compare view's
    activation and residual switch (None: as loaded), whether both diagrams share one colour scale, the
    gradient bars' measure and pair of activations, whether the Compare view is on, and the half of it the
    selection was picked on ("left" or "right").
    """

    experiment: Experiment
    current_weights: tuple
    current_biases: tuple
    position: int = 0
    passes: int = 0
    history: TrainingHistory | None = None
    color_mode: str = DEFAULT_COLOR_MODE
    selection: tuple | None = None
    compare_activation: str | None = None
    compare_residual: bool | None = False
    shared_scale: bool = False
    bars_measure: str = MEASURES[0]
    bars_activations: tuple[str, str] = ("sigmoid", "relu")
    pass_weights: tuple | None = None
    pass_biases: tuple | None = None
    compare_active: bool = False
    selection_side: str = "left"
    #: The lanes after lane 0 (lane 1: the Compare view's right half), or None in a file written before lanes.
    lanes: tuple[LaneData, ...] | None = None

    @property
    def current_network(self) -> Network:
        return self.experiment.network.with_params(self.current_weights, self.current_biases)

    @property
    def pass_network(self) -> Network | None:
        """The network the pass on screen ran on, when it differs from the current one (an update step)."""
        if self.pass_weights is None:
            return None
        return self.experiment.network.with_params(self.pass_weights, self.pass_biases)

    def current_experiment(self) -> Experiment:
        """The experiment at the current weights: what ``load_network`` gives for a session file."""
        return self.experiment.with_network(self.current_network)

    def __repr__(self):
        return f"SessionData({self.experiment.name!r}, position={self.position}, passes={self.passes})"


def session_data(experiment: Experiment, stepper: Stepper, history: TrainingHistory | None = None, **settings) -> SessionData:
    """The ``SessionData`` of ``stepper`` on ``experiment``'s data, with the window's ``settings``.

    ``settings`` are ``SessionData``'s display fields (``color_mode``, ``selection``, ...). The start is
    the stepper's start network, the current weights its network, and at an update step the weights the
    pass on screen ran on are kept too, so ``stepper_from_session`` rebuilds the same record.
    """
    current = stepper.network
    at_update = stepper.position > 0 and stepper.record.phase is Phase.UPDATE
    pass_network = stepper.pass_network if at_update else None
    return SessionData(
        experiment=experiment.with_network(stepper.start_network),
        current_weights=current.weights,
        current_biases=current.biases,
        position=stepper.position,
        passes=stepper.passes_done,
        history=history,
        pass_weights=pass_network.weights if pass_network is not None else None,
        pass_biases=pass_network.biases if pass_network is not None else None,
        **settings,
    )


def stepper_from_session(data: SessionData) -> Stepper:
    """A stepper standing where the session was saved: the same record; reset returns to its start."""
    e = data.experiment
    return Stepper.resumed(
        e.network, e.inputs, e.targets, e.loss, e.learning_rate, data.current_network, data.position, data.pass_network
    )
