"""The one state object the window and ``gradviz export`` both run: what is loaded, where the cursor is,
what is compared and how it is shown. No Qt here: the bridge wraps a ``Session`` and turns its facts
into snapshots; the headless exporter drives one directly.

A session holds its lanes and the cursor through the pass; its parts live in modules of their own, each
documenting its fields (as glue's viewer states do): ``view_settings.ViewSettings`` (``session.view``: how it
is shown), ``compare_choice.CompareChoice`` (``session.compare``: what the Compare view's right half runs),
``editing.Editing`` (``session.edits``: edits, training runs, undo and redo) and ``file_state.FileState``
(``session.file``: the session file behind the screen and whether it is saved).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from ..names import DEFAULT_COLOR_MODE
from .activations import check_activation
from .analysis import ActivationComparison, compare_activations, network_slope_chain
from .compare_choice import DEFAULT_COMPARE_ACTIVATION, CompareChoice, CompareSettings
from .editing import Editing
from .experiment import Experiment
from .file_state import FileState
from .lane import Lane, Variant, activation_title
from .network import Network
from .records import PassRecord, Phase, phase_at
from .session_data import LaneData, SessionData, session_data, stepper_from_session
from .stats import Health, gradient_health
from .stepper import Stepper
from .training import TrainingHistory
from .view_settings import DEFAULT_BARS_ACTIVATIONS, DEFAULT_BARS_MEASURE, SIDES, ViewSettings, check_bars

__all__ = [
    "Cursor", "CompareSettings", "DEFAULT_COMPARE_ACTIVATION", "DEFAULT_BARS_MEASURE", "DEFAULT_BARS_ACTIVATIONS",
    "SIDES", "Session", "micro_steps_taken", "revealed_layers", "selection_fits",
]  # fmt: skip


@dataclass(frozen=True)
class Cursor:
    """Where the pass stands, for the status line and the step-back action.

    Attributes
    ----------
    step : micro-steps done in the current pass (0 .. 2L + 2)
    depth : weight layers L
    loss : the current pass's mean loss, or None before the loss step
    passes_done : SGD updates since the start
    can_step_back : whether ← does something: a micro-step back, or at the oldest state after an edit,
        a weight redraw or a training run, the undo of it (False at the start of a loaded network)
    """

    step: int
    depth: int
    loss: float | None
    passes_done: int
    can_step_back: bool

    @property
    def pass_number(self) -> int:
        """The pass the cursor stands in, from 1. Its update step ends it and is counted in ``passes_done``
        already, so there the pass is the update's own, not the next one."""
        if self.passes_done > 0 and phase_at(self.step, self.depth)[0] is Phase.UPDATE:
            return self.passes_done
        return self.passes_done + 1


def micro_steps_taken(stepper: Stepper) -> int:
    """Micro-steps from the start to where ``stepper`` stands (a pass is 2L + 2; the update ends one)."""
    record = stepper.record
    per_pass = stepper.steps_per_pass
    if record.step >= per_pass:
        return stepper.passes_done * per_pass
    return stepper.passes_done * per_pass + record.step


def revealed_layers(record: PassRecord) -> tuple[int, ...]:
    """The layers whose gradient the pass has computed: none before the backward pass, then L..l once the
    backward pass has reached layer l, every layer after it (ascending)."""
    phase = record.phase
    if phase is Phase.BACKWARD:
        return tuple(range(record.layer, record.depth + 1))
    if phase is Phase.UPDATE or record.complete:
        return tuple(range(1, record.depth + 1))
    return ()


class Session:
    """The model behind the window and the headless exporter.

    Parameters
    ----------
    experiment : the network file loaded (network, data, loss, learning rate)
    compare_activation : the right half's hidden activation (default ReLU)
    compare_residual : the right half's skip connections; None keeps the loaded network's
    shared_scale : one colour scale for both halves of the Compare view
    color_mode : how diagram edges are coloured, a key of ``names.COLOR_MODES``
    bars_measure, bars_activations : what the gradient-bars panel compares
    reveal_all : show every result at once (the bars and the verdict of the whole pass) instead of as
        the backward pass computes them
    """

    def __init__(
        self,
        experiment: Experiment,
        *,
        compare_activation: str = DEFAULT_COMPARE_ACTIVATION,
        compare_residual: bool | None = None,
        shared_scale: bool = True,
        color_mode: str = DEFAULT_COLOR_MODE,
        bars_measure: str = DEFAULT_BARS_MEASURE,
        bars_activations: tuple[str, str] = DEFAULT_BARS_ACTIVATIONS,
        reveal_all: bool = False,
    ):
        #: The loaded network file; replaced by loading, editing or adopting a training run.
        self._experiment = experiment
        #: The networks moving in lock-step: lane 0 runs the loaded network (the left half of the Compare
        #: view), lane 1 the Compare view's right half, further lanes other variants.
        self._lanes: list[Lane] = [Lane(_new_stepper(experiment, experiment.network))]
        #: What the Compare view's right half runs, and whether it is shown.
        self.compare = CompareChoice(compare_activation, compare_residual)
        #: How the session is shown: edge colouring, the bars' comparison, the selection, the sample inspected.
        self.view = ViewSettings(color_mode, bars_measure, bars_activations, reveal_all, shared_scale)
        #: The training lab's state (a ``core.lab_state.LabRun``) while one is open, else None; drawn by the lab view.
        self.lab = None
        #: (network, measure, first, second) -> the comparison the bars show, for the latest key only.
        self._comparison_cache: tuple[tuple, ActivationComparison] | None = None
        #: (comparison, revealed, the comparison as shown) for the latest pair only.
        self._shown_cache: tuple | None = None
        #: The latest compare titles and slope chain, with what they were computed from.
        self._titles_cache: tuple | None = None
        self._chain_cache: tuple | None = None
        #: One line on what the last opened file could not restore exactly, or None.
        self.restore_note: str | None = None
        #: Whether the network was edited since it was loaded (the title says "(modified)").
        self.modified = False
        #: The edits, redraws, training runs and preset switches, and their undo and redo.
        self.edits = Editing(self)
        #: The session file behind the screen, and whether what is on screen differs from it.
        self.file = FileState(lambda: _fingerprint(self), _same_fingerprint)

    # ------------------------------------------------------------------------------------------ facts

    @property
    def experiment(self) -> Experiment:
        return self._experiment

    @property
    def lanes(self) -> tuple[Lane, ...]:
        """The lanes moving in lock-step; lane 0 runs the loaded network."""
        return tuple(self._lanes)

    @property
    def stepper(self) -> Stepper:
        """Lane 0's stepper: the cursor through the current pass."""
        return self._lanes[0].stepper

    @property
    def history(self) -> TrainingHistory | None:
        """The last training run adopted (lane 0's), or None since the network was loaded or edited."""
        return self._lanes[0].history

    @property
    def network(self) -> Network:
        """Lane 0's network: the one the current pass runs on (the updated one after an SGD update)."""
        return self._lanes[0].network

    @property
    def record(self) -> PassRecord:
        """Lane 0's current pass, as far as it has gone."""
        return self._lanes[0].record

    @property
    def scale_record(self) -> PassRecord:
        """Lane 0's whole current pass: it fixes the colour scale, so colours do not jump while stepping."""
        return self._lanes[0].scale_record

    @property
    def cursor(self) -> Cursor:
        s = self.stepper
        record = s.record
        return Cursor(record.step, record.depth, record.loss, s.passes_done, self.can_step_back)

    @property
    def can_step_back(self) -> bool:
        """Whether ← does something: a micro-step back, or at the pass's oldest state, undo of the edit before it."""
        return self.stepper.can_step_back or self.edits.step_back_undoes()

    @property
    def title(self) -> str:
        """The network's name, marked when it was edited since loading: "tiny-sigmoid (modified)"."""
        name = self._experiment.name
        return f"{name} (modified)" if self.modified else name

    @property
    def compare_lane(self) -> Lane:
        """Lane 1, the right half of the Compare view, made on first use where lane 0 stands."""
        if len(self._lanes) < 2:
            self._lanes.append(self._lane_here(self.compare.variant()))
        return self._lanes[1]

    def add_lane(self, activation: str | None, residual: bool | None = None) -> Lane:
        """One more lane running the loaded network under ``activation`` (None: as loaded) and ``residual``
        (None: as loaded), standing where lane 0 stands; it then moves in lock-step with the others.

        Lane 1 is the Compare view's right half: it is made first (under the compare settings) when missing.
        """
        if activation is not None:
            check_activation(activation)
        self.compare_lane
        lane = self._lane_here(Variant(activation, None if residual is None else bool(residual)))
        self._lanes.append(lane)
        return lane

    def _lane_here(self, variant: Variant, note: str | None = None) -> Lane:
        """A lane under ``variant`` at lane 0's place in the pass.

        Its Home is the loaded start under the variant. Before the first update it stands exactly where a run
        of its own from the start would; after updates it takes lane 0's current weights (rebuilding its own
        would replay every earlier pass, in time proportional to the position). Only one pass is computed.
        """
        main = self.stepper
        e = self._experiment
        if main.position == 0:
            return Lane.started(variant, e.network, e)
        # In the first pass (and at its update, which the lane computes itself) lane 0 still runs the start.
        current = e.network if main.passes_done == 0 else main.network
        pass_network = main.pass_network if self._lanes[0].at_update else None
        return Lane.restored(variant, e.network, e, current, main.position, pass_network, note)

    def compare_titles(self) -> tuple[str, str]:
        """The two halves' titles, e.g. ("sigmoid (as loaded)", "ReLU"), skips named where either has them."""
        key = (self._experiment, self.compare.activation, self.compare.residual)
        cached = self._titles_cache
        if cached is not None and cached[0][0] is key[0] and cached[0][1:] == key[1:]:
            return cached[1]
        left_net = self._experiment.network
        right_net = self.compare.start_network(left_net, self._experiment.loss)
        left, right = activation_title(left_net), activation_title(right_net)
        if left_net.residual or right_net.residual:
            left += ", residual" if left_net.residual else ", no residual"
            right += ", residual" if right_net.residual else ", no residual"
        titles = (f"{left} (as loaded)", right)
        self._titles_cache = (key, titles)
        return titles

    def side_title(self, side: str) -> str:
        """The inspector's note of where a selection came from: "left: sigmoid (as loaded)"."""
        return f"{side}: {self.compare_titles()[SIDES.index(side)]}"

    def comparison(self) -> ActivationComparison:
        """The bars' comparison of the network the pass on screen ran on, under the bars settings: at the
        update step, the one whose gradients were just applied (not the updated one).

        Cached for the latest network and settings, so stepping within a pass does not rerun it.
        """
        network = self.stepper.pass_network
        key = (network, self.view.bars_measure, *self.view.bars_activations)
        cached = self._comparison_cache
        if cached is not None and cached[0][0] is network and cached[0][1:] == key[1:]:
            return cached[1]
        e = self._experiment
        comparison = compare_activations(network, e.inputs, e.targets, e.loss, self.view.bars_activations, self.view.bars_measure)
        self._comparison_cache = (key, comparison)
        return comparison

    def revealed_layers(self) -> tuple[int, ...]:
        """The layers whose bars are shown: what the backward pass has reached, or all under ``reveal_all``."""
        if self.view.reveal_all:
            return tuple(range(1, self.stepper.record.depth + 1))
        return revealed_layers(self.stepper.record)

    def shown_comparison(self) -> ActivationComparison:
        """``comparison()`` with only ``revealed_layers()`` shown; the same object while neither changes."""
        comparison = self.comparison()
        revealed = None if self.view.reveal_all else self.revealed_layers()
        cached = self._shown_cache
        if cached is not None and cached[0] is comparison and cached[1] == revealed:
            return cached[2]
        shown = comparison.reveal(revealed)
        self._shown_cache = (comparison, revealed, shown)
        return shown

    def health(self) -> Health:
        """The gradient-health verdict (see ``stats.gradient_health``): of the current pass as far as it has
        gone, or of the whole pass under ``reveal_all``."""
        return gradient_health(self.scale_record if self.view.reveal_all else self.stepper.record)

    def network_slope_chain(self):
        """This network's mean-slope product against depth (``analysis.network_slope_chain``) on the whole
        current pass: a forward-pass fact, so it does not wait for the backward pass."""
        complete = self.scale_record
        cached = self._chain_cache
        if cached is None or cached[0] is not complete:
            self._chain_cache = cached = (complete, network_slope_chain(complete))
        return cached[1]

    def selected_record(self) -> PassRecord:
        """The record the selection belongs to: the right half's when it was picked there."""
        if self.view.selection_side == "right" and self.compare.active:
            return self.compare_lane.record
        return self.record

    # ------------------------------------------------------------------------------------------ moving

    def step_forward(self) -> PassRecord:
        for lane in self._lanes:
            lane.step_forward()
        return self.record

    def step_back(self) -> PassRecord:
        """Undo the latest micro-step on both sides; at the oldest state kept after an edit, a redraw or
        a training run, undo that action (back to where the pass stood before it); else a no-op."""
        if not self.stepper.can_step_back:
            if self.edits.step_back_undoes():
                self.edits.undo()
            return self.record
        for lane in self._lanes:
            lane.step_back()
        self._realign()
        return self.record

    def reset(self) -> PassRecord:
        for lane in self._lanes:
            lane.reset()
        return self.record

    def run_to_end(self) -> PassRecord:
        """Finish the current pass's backward pass (from its end, the next pass's), on every lane."""
        for lane in self._lanes:
            lane.run_to_end()
        self._realign()
        return self.record

    def go_to_step(self, step: int) -> PassRecord:
        """Reset, then take ``step`` micro-steps, on every lane."""
        for lane in self._lanes:
            lane.go_to_step(int(step))
        return self.record

    def _realign(self) -> None:
        """Put any lane that no longer stands where lane 0 does (its history forgot the state a step back
        needed) back at lane 0's place, without replaying."""
        position = self.stepper.position
        for index, lane in enumerate(self._lanes[1:], start=1):
            if lane.position != position:
                self._lanes[index] = self._lane_here(lane.variant)

    # ------------------------------------------------------------------------------------------ settings

    def set_compare_active(self, active: bool) -> None:
        """Show or hide the Compare view; shown, its right half stands where the main pass stands."""
        self.compare.active = bool(active)
        self._restart_compare()
        if not self.compare.active and self.view.selection_side == "right":
            # What was picked on the right half is gone with it.
            self.view.select(None)

    def set_compare_activation(self, name: str) -> None:
        self.compare.activation = check_activation(name)
        self._restart_compare()

    def set_compare_residual(self, residual: bool | None) -> None:
        """Skip connections on the right: True, False, or None for as loaded."""
        self.compare.residual = None if residual is None else bool(residual)
        self._restart_compare()

    def _restart_compare(self) -> None:
        """Lane 1 made anew under the compare settings where lane 0 stands (dropped with Compare off);
        the lanes after it are kept, rebuilt where lane 0 stands."""
        extra = [lane.variant for lane in self._lanes[2:]]
        del self._lanes[1:]
        if self.compare.active or extra:
            self.compare_lane
            self._lanes.extend(self._lane_here(v) for v in extra)

    # ------------------------------------------------------------------------------------------ network

    def set_experiment(self, experiment: Experiment) -> None:
        """Start over on a new network: both sides at the start, no training history, nothing to undo."""
        self.start_over(experiment, history=None, modified=False)
        self.edits.stack.clear()

    def start_over(
        self, experiment: Experiment, stepper: Stepper | None = None, history: TrainingHistory | None = None,
        modified: bool = False,
    ) -> None:  # fmt: skip
        """Put ``experiment`` on screen: lane 0 on ``stepper`` (a new one at the start when None) with the
        training ``history``, the other lanes rebuilt where it stands; ``modified`` marks it edited."""
        self._experiment = experiment
        self._lanes = [Lane(_new_stepper(experiment, experiment.network) if stepper is None else stepper, history=history)]
        self.modified = bool(modified)
        self._comparison_cache = None
        self._restart_compare()
        view = self.view
        if view.selection is not None and not selection_fits(view.selection, experiment.network):
            view.select(None)
        if view.inspect_sample is not None and view.inspect_sample >= len(experiment.inputs):
            view.inspect_sample = None

    # ------------------------------------------------------------------------------------------ session files

    def to_data(self) -> SessionData:
        """What is on screen as a ``SessionData``: start and current weights, position, history, settings."""
        v, c = self.view, self.compare
        return session_data(
            self._experiment, self.stepper, self.history,
            color_mode=v.color_mode, selection=v.selection, selection_side=v.selection_side,
            compare_active=c.active, compare_activation=c.activation, compare_residual=c.residual,
            shared_scale=v.shared_scale, bars_measure=v.bars_measure, bars_activations=v.bars_activations,
            lanes=tuple(_lane_data(lane) for lane in self._lanes[1:]),
        )  # fmt: skip

    def restore(self, data: SessionData) -> None:
        """Put ``data`` on screen exactly: the same record, Home back to its start, the same settings.

        Everything is rebuilt and checked first, so a ``WorkBudgetError`` or a bad setting changes nothing.
        """
        stepper = stepper_from_session(data)
        e = data.experiment
        restored = [
            Lane.restored(
                Variant(lane.activation, lane.residual), e.network, e, e.network.with_params(lane.current_weights, lane.current_biases),
                data.position, None if lane.pass_weights is None else e.network.with_params(lane.pass_weights, lane.pass_biases),
            )  # fmt: skip
            for lane in data.lanes or ()
        ]
        compare = CompareChoice(data.compare_activation or DEFAULT_COMPARE_ACTIVATION, data.compare_residual, data.compare_active)
        view = ViewSettings(data.color_mode, *check_bars(data.bars_measure, data.bars_activations), self.view.reveal_all, data.shared_scale)
        selection = None if data.selection is None else tuple(data.selection)
        if selection is not None and not selection_fits(selection, e.network):
            raise ValueError(f"the selection {selection!r} names a unit the network does not have")
        side = data.selection_side if data.selection_side in SIDES and compare.active else "left"
        view.select(selection, side)
        if self.view.inspect_sample is not None and self.view.inspect_sample < len(e.inputs):
            view.inspect_sample = self.view.inspect_sample
        self._experiment = e
        self._lanes = [Lane(stepper, history=data.history), *restored]
        self.compare, self.view = compare, view
        self._comparison_cache = None
        self.restore_note = None
        if compare.active and not restored:
            # A file saved before lanes: the right half is rebuilt where the left one stands, never replayed.
            self._lanes.append(self._lane_here(compare.variant(), _old_file_note(self._lanes[0])))
            self.restore_note = self._lanes[1].note

    @classmethod
    def from_data(cls, data: SessionData) -> "Session":
        """A session standing where ``data`` was saved (see ``restore``); not dirty."""
        session = cls(data.experiment)
        session.restore(data)
        session.file.mark_saved()
        return session

    def show_file(self, opened: SessionData | Experiment, path) -> bool:
        """Put what ``files.sniff.read_file(path)`` gave on screen; True for a session file.

        A session file is restored exactly and becomes the current file. A plain network file starts over on
        its network, keeping the view settings, and leaves no current file (Save then asks where).
        """
        self.restore_note = None
        is_session = isinstance(opened, SessionData)
        if is_session:
            self.restore(opened)
        else:
            self.set_experiment(opened)
        self.file.saved_to(path if is_session else None)
        return is_session

    def __repr__(self):
        compare = f", compare={self.compare.activation!r}" if self.compare.active else ""
        return f"Session({self._experiment.name!r}, step={self.record.step}, passes={self.stepper.passes_done}{compare})"


def selection_fits(selection: tuple, network: Network) -> bool:
    """Whether a neuron or edge selection names a unit that ``network`` has (layer 0 holds the inputs)."""
    kind, layer, *units = selection
    widths = network.widths
    if kind == "neuron":
        return 0 <= layer <= network.depth and 0 <= units[0] < widths[layer]
    return 1 <= layer <= network.depth and 0 <= units[0] < widths[layer] and 0 <= units[1] < widths[layer - 1]


def _fingerprint(session: Session) -> tuple:
    """What is on screen, for ``FileState.dirty``.

    Identity, not contents: every change makes a new experiment, stepper position, network or history.
    Weak references where they can be taken, so a forgotten stepper's history is not kept alive.
    """
    stepper, history, c = session.stepper, session.history, session.compare
    return (
        weakref.ref(session.experiment), weakref.ref(stepper), stepper.position, stepper.network,
        None if history is None else weakref.ref(history), c.active, c.activation, c.residual, *session.view.saved(),
    )  # fmt: skip


def _old_file_note(main: Lane) -> str | None:
    """What an old file's compare lane became: None when it is exactly where a replay would put it."""
    if main.stepper.passes_done == 0 or (main.stepper.passes_done == 1 and main.at_update):
        return None
    return (
        "This session file was saved before each network's weights were kept, so the Compare view's right half "
        "restarts from the left network's current weights."
    )


def _same_fingerprint(now: tuple, saved: tuple) -> bool:
    experiment, stepper, position, network, history, *settings = saved
    return (
        now[0]() is experiment() and now[1]() is stepper() and now[2] == position and now[3] is network
        and (now[4] is None if history is None else now[4] is not None and now[4]() is history())
        and list(now[5:]) == settings
    )  # fmt: skip


def _lane_data(lane: Lane) -> LaneData:
    pass_network = lane.stepper.pass_network if lane.at_update else None
    return LaneData(
        lane.variant.activation, lane.variant.residual, lane.network.weights, lane.network.biases,
        None if pass_network is None else pass_network.weights, None if pass_network is None else pass_network.biases,
    )  # fmt: skip


def _new_stepper(experiment: Experiment, network: Network) -> Stepper:
    return Stepper(network, experiment.inputs, experiment.targets, experiment.loss, experiment.learning_rate)
