"""The one state object the window and ``gradviz export`` both run: what is loaded, where the cursor is,
what is compared and how it is shown. No Qt here: the bridge wraps a ``Session`` and turns its facts
into signals; the headless exporter drives one directly.

Every field is documented where it is defined (as glue's viewer states are), so a reader of the window
and a reader of the exporter find the same meaning in one place.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path

from ..names import DEFAULT_COLOR_MODE, check_color_mode
from .activations import check_activation
from .analysis import ActivationComparison, compare_activations, network_slope_chain, network_with_activation
from .edits import EditOutcome, apply_edit, describe_init
from .experiment import Experiment
from .history import UndoState, UndoEntry, UndoStack
from .lane import Lane, Variant, activation_title
from .network import Network
from .records import PassRecord, Phase
from .session_data import LaneData, SessionData, session_data, stepper_from_session
from .stats import Health, check_measure, gradient_health
from .stepper import Stepper
from .training import TrainingHistory, TrainingRun, train

#: The activation the right half of the Compare view runs by default.
DEFAULT_COMPARE_ACTIVATION = "relu"
#: What the gradient-bars panel compares by default: the measure, then the two activations.
DEFAULT_BARS_MEASURE = "mean_abs_grad_w"
DEFAULT_BARS_ACTIVATIONS = ("sigmoid", "relu")
#: The sides of the Compare view; "left" is also the single diagram when compare is off.
SIDES = ("left", "right")
#: The actions ← takes back from the oldest state of the pass after them (step back across an edit).
STEP_BACK_UNDOES = ("edit", "redraw", "training")
#: What the Edit menu calls an edit of each network-file field ("Undo change of widths").
EDIT_LABELS = {
    "layers": "widths", "activation": "activation", "residual": "skip connections", "input": "input",
    "target": "target", "loss": "loss", "learning_rate": "learning rate", "name": "name",
    "description": "description",
}  # fmt: skip


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
        #: The right half's hidden activation, one of ``ACTIVATION_NAMES``.
        self.compare_activation = check_activation(compare_activation)
        #: The right half's skip connections: True, False, or None for as loaded.
        self.compare_residual = None if compare_residual is None else bool(compare_residual)
        #: Whether the Compare view is on screen; its stepper then moves in lock-step with the main one.
        self.compare_active = False
        #: One colour scale for both halves (True), or each half on its own.
        self.shared_scale = bool(shared_scale)
        #: How edges are coloured, a key of ``names.COLOR_MODES``.
        self.color_mode = check_color_mode(color_mode)
        #: The gradient-bars measure (one of ``stats.MEASURES``) and the two activations it compares.
        self.bars_measure, self.bars_activations = _checked_bars(bars_measure, bars_activations)
        #: Show the whole pass's bars and verdict at once (True), or only what the backward pass has reached.
        self.reveal_all = bool(reveal_all)
        #: labview (#19): the training lab's state (LabRun) when one is open, else None; drawn by the lab view.
        self.lab = None
        #: What the inspector explains: ("neuron", layer, unit), ("edge", layer, to, from) or None ...
        self.selection: tuple | None = None
        #: ... and the side of the Compare view it was picked on ("left" when compare is off).
        self.selection_side = "left"
        #: Which sample the inspector explains: a 0-based index into the batch, or None for the mean.
        self.inspect_sample: int | None = None
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
        #: The edits, redraws, training runs and preset switches that undo can take back.
        self.undo_stack = UndoStack()
        #: The session file last opened or saved (None: a preset or a plain network file, never saved).
        self._file_path: Path | None = None
        #: What was on screen at the last save or open, which ``dirty`` compares with (see ``_fingerprint``).
        self._saved_fingerprint: tuple = self._fingerprint()

    # ------------------------------------------------------------------------------------------ facts

    @property
    def experiment(self) -> Experiment:
        return self._experiment

    @property
    def lanes(self) -> tuple[Lane, ...]:
        """The lanes moving in lock-step; lane 0 runs the loaded network."""
        return tuple(self._lanes)

    @property
    def _stepper(self) -> Stepper:
        return self._lanes[0].stepper

    @property
    def stepper(self) -> Stepper:
        return self._lanes[0].stepper

    @property
    def history(self) -> TrainingHistory | None:
        """The last training run adopted (lane 0's), or None since the network was loaded or edited."""
        return self._lanes[0].history

    @history.setter
    def history(self, history: TrainingHistory | None) -> None:
        self._lanes[0].history = history

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
        s = self._stepper
        record = s.record
        return Cursor(record.step, record.depth, record.loss, s.passes_done, self.can_step_back)

    @property
    def can_step_back(self) -> bool:
        """Whether ← does something: a micro-step back, or at the pass's oldest state, undo of the edit before it."""
        return self._stepper.can_step_back or self._step_back_undoes()

    def _step_back_undoes(self) -> bool:
        last = self.undo_stack.last
        return (
            last is not None and last.kind in STEP_BACK_UNDOES and last.after.stepper is self._stepper
            and not self._stepper.can_step_back
        )  # fmt: skip

    @property
    def title(self) -> str:
        """The network's name, marked when it was edited since loading: "tiny-sigmoid (modified)"."""
        name = self._experiment.name
        return f"{name} (modified)" if self.modified else name

    @property
    def undo_text(self) -> str | None:
        """The Edit menu's undo item, "Undo change of widths", or None when there is nothing to undo."""
        label = self.undo_stack.undo_label
        return None if label is None else f"Undo {label}"

    @property
    def redo_text(self) -> str | None:
        """The Edit menu's redo item, "Redo training (500 steps)", or None."""
        label = self.undo_stack.redo_label
        return None if label is None else f"Redo {label}"

    @property
    def compare_variant(self) -> Variant:
        return Variant(self.compare_activation, self.compare_residual)

    @property
    def compare_lane(self) -> Lane:
        """Lane 1, the right half of the Compare view, made on first use where lane 0 stands."""
        if len(self._lanes) < 2:
            self._lanes.append(self._lane_here(self.compare_variant))
        return self._lanes[1]

    @property
    def compare_stepper(self) -> Stepper:
        """The right half's stepper (lane 1's)."""
        return self.compare_lane.stepper

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
        main = self._stepper
        e = self._experiment
        if main.position == 0:
            return Lane.started(variant, e.network, e)
        # In the first pass (and at its update, which the lane computes itself) lane 0 still runs the start.
        current = e.network if main.passes_done == 0 else main.network
        pass_network = main.pass_network if self._lanes[0].at_update else None
        return Lane.restored(variant, e.network, e, current, main.position, pass_network, note)

    @property
    def compare_record(self) -> PassRecord:
        """The right half's current pass, at the same micro-step as ``record``."""
        return self.compare_lane.record

    @property
    def compare_scale_record(self) -> PassRecord:
        """The right half's whole current pass, which fixes its own colour scale."""
        return self.compare_lane.scale_record

    @property
    def compare_residual_shown(self) -> bool:
        """The right half's skip connections as they are run (``compare_residual`` or as loaded)."""
        loaded = self._experiment.network.residual
        return loaded if self.compare_residual is None else self.compare_residual

    @property
    def compare_settings(self) -> CompareSettings:
        return CompareSettings(self.compare_active, self.compare_activation, self.compare_residual_shown, self.shared_scale)

    def compare_start_network(self) -> Network:
        """The loaded weights with the compare activation on the hidden layers and the chosen skips.

        The output layer follows the bars panel's rule (``analysis.network_with_activation``): it keeps a
        loss's required activation or a linear regression head.
        """
        loaded = self._experiment.network
        base = Network(loaded.widths, loaded.activations, loaded.weights, loaded.biases, self.compare_residual_shown)
        return network_with_activation(base, self.compare_activation, self._experiment.loss)

    def compare_titles(self) -> tuple[str, str]:
        """The two halves' titles, e.g. ("sigmoid (as loaded)", "ReLU"), skips named where either has them."""
        key = (self._experiment, self.compare_activation, self.compare_residual)
        cached = self._titles_cache
        if cached is not None and cached[0][0] is key[0] and cached[0][1:] == key[1:]:
            return cached[1]
        titles = self._compare_titles()
        self._titles_cache = (key, titles)
        return titles

    def _compare_titles(self) -> tuple[str, str]:
        left_net = self._experiment.network
        right_net = self.compare_start_network()
        left, right = activation_title(left_net), activation_title(right_net)
        if left_net.residual or right_net.residual:
            left += ", residual" if left_net.residual else ", no residual"
            right += ", residual" if right_net.residual else ", no residual"
        return f"{left} (as loaded)", right

    def side_title(self, side: str) -> str:
        """The inspector's note of where a selection came from: "left: sigmoid (as loaded)"."""
        return f"{side}: {self.compare_titles()[SIDES.index(side)]}"

    def comparison(self) -> ActivationComparison:
        """The bars' comparison of the network the pass on screen ran on, under the bars settings: at the
        update step, the one whose gradients were just applied (not the updated one).

        Cached for the latest network and settings, so stepping within a pass does not rerun it.
        """
        network = self._stepper.pass_network
        key = (network, self.bars_measure, *self.bars_activations)
        cached = self._comparison_cache
        if cached is not None and cached[0][0] is network and cached[0][1:] == key[1:]:
            return cached[1]
        e = self._experiment
        comparison = compare_activations(network, e.inputs, e.targets, e.loss, self.bars_activations, self.bars_measure)
        self._comparison_cache = (key, comparison)
        return comparison

    def revealed_layers(self) -> tuple[int, ...]:
        """The layers whose bars are shown: what the backward pass has reached, or all under ``reveal_all``."""
        if self.reveal_all:
            return tuple(range(1, self._stepper.record.depth + 1))
        return revealed_layers(self._stepper.record)

    def shown_comparison(self) -> ActivationComparison:
        """``comparison()`` with only ``revealed_layers()`` shown; the same object while neither changes."""
        comparison = self.comparison()
        revealed = None if self.reveal_all else self.revealed_layers()
        cached = self._shown_cache
        if cached is not None and cached[0] is comparison and cached[1] == revealed:
            return cached[2]
        shown = comparison.reveal(revealed)
        self._shown_cache = (comparison, revealed, shown)
        return shown

    def health(self) -> Health:
        """The gradient-health verdict (see ``stats.gradient_health``): of the current pass as far as it has
        gone, or of the whole pass under ``reveal_all``."""
        return gradient_health(self.scale_record if self.reveal_all else self._stepper.record)

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
        if self.selection_side == "right" and self.compare_active:
            return self.compare_record
        return self.record

    # ------------------------------------------------------------------------------------------ moving

    def step_forward(self) -> PassRecord:
        for lane in self._lanes:
            lane.step_forward()
        return self.record

    def step_back(self) -> PassRecord:
        """Undo the latest micro-step on both sides; at the oldest state kept after an edit, a redraw or
        a training run, undo that action (back to where the pass stood before it); else a no-op."""
        if not self._stepper.can_step_back:
            if self._step_back_undoes():
                self.undo()
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
        position = self._stepper.position
        for index, lane in enumerate(self._lanes[1:], start=1):
            if lane.position != position:
                self._lanes[index] = self._lane_here(lane.variant)

    # ------------------------------------------------------------------------------------------ settings

    def set_compare_active(self, active: bool) -> None:
        """Show or hide the Compare view; shown, its right half stands where the main pass stands."""
        self.compare_active = bool(active)
        self._restart_compare()
        if not self.compare_active and self.selection_side == "right":
            # What was picked on the right half is gone with it.
            self.selection, self.selection_side = None, "left"

    def set_compare_activation(self, name: str) -> None:
        self.compare_activation = check_activation(name)
        self._restart_compare()

    def set_compare_residual(self, residual: bool | None) -> None:
        """Skip connections on the right: True, False, or None for as loaded."""
        self.compare_residual = None if residual is None else bool(residual)
        self._restart_compare()

    def set_shared_scale(self, shared: bool) -> None:
        self.shared_scale = bool(shared)

    def set_color_mode(self, mode: str) -> None:
        self.color_mode = check_color_mode(mode)

    def set_reveal_all(self, reveal_all: bool) -> None:
        """Show every result of the pass at once (True), or as the backward pass computes it (False)."""
        self.reveal_all = bool(reveal_all)

    def set_bars_settings(self, measure: str, first: str, second: str) -> None:
        """What the gradient bars compare: a measure of ``stats.MEASURES`` and two activation names."""
        self.bars_measure, self.bars_activations = _checked_bars(measure, (first, second))

    def select(self, selection: tuple | None, side: str = "left") -> None:
        """Pick what the inspector explains; ``side`` is the Compare view half it was picked on."""
        if side not in SIDES:
            raise ValueError(f"unknown side {side!r}; choose one of {', '.join(SIDES)}")
        self.selection = None if selection is None else tuple(selection)
        self.selection_side = side

    def set_inspect_sample(self, sample: int | None) -> None:
        """Which sample the inspector explains: a 0-based index into the batch, or None for the mean."""
        if sample is not None:
            count = len(self._experiment.inputs)
            if not 0 <= int(sample) < count:
                raise ValueError(f"sample must be from 0 to {count - 1} or None (the mean), got {sample}")
            sample = int(sample)
        self.inspect_sample = sample

    def _restart_compare(self) -> None:
        """Lane 1 made anew under the compare settings where lane 0 stands (dropped with Compare off);
        the lanes after it are kept, rebuilt where lane 0 stands."""
        extra = [lane.variant for lane in self._lanes[2:]]
        del self._lanes[1:]
        if self.compare_active or extra:
            self.compare_lane
            self._lanes.extend(self._lane_here(v) for v in extra)

    # ------------------------------------------------------------------------------------------ network

    def set_experiment(self, experiment: Experiment) -> None:
        """Start over on a new network: both sides at the start, no training history, nothing to undo."""
        self._start_over(experiment)
        self.history = None
        self.modified = False
        self.undo_stack.clear()

    def _start_over(self, experiment: Experiment, stepper: Stepper | None = None) -> None:
        self._experiment = experiment
        self._lanes = [Lane(_new_stepper(experiment, experiment.network) if stepper is None else stepper, history=self.history)]
        self._comparison_cache = None
        self._restart_compare()
        if self.selection is not None and not selection_fits(self.selection, experiment.network):
            self.selection = None
        if self.inspect_sample is not None and self.inspect_sample >= len(experiment.inputs):
            self.inspect_sample = None

    def _undo_state(self) -> UndoState:
        return UndoState(self._experiment, self._stepper, self.history, self.modified)

    def _show(self, state: UndoState) -> None:
        self._start_over(state.experiment, state.stepper)
        self.history = state.history
        self.modified = state.modified

    def _record(self, label: str, kind: str, before: UndoState) -> None:
        self.undo_stack.push(UndoEntry(label, kind, before, self._undo_state()))

    def switch_preset(self, name: str, experiment: Experiment) -> None:
        """Start over on ``experiment``, the bundled preset ``name`` (``files.network_file.load_preset``).

        The switch can be undone.
        """
        before = self._undo_state()
        self._start_over(experiment)
        self.history = None
        self.modified = False
        self._record(f"switch to {name}", "preset", before)

    def preview_edit(self, changes: dict) -> EditOutcome | None:
        """What ``edit(changes)`` would make, or None when it would change nothing (nothing is applied)."""
        outcome = apply_edit(self._experiment.with_network(self._stepper.network), changes)
        return None if _same_experiment(outcome.experiment, self._experiment.with_network(self._stepper.network)) else outcome

    def edit(self, changes: dict) -> EditOutcome | None:
        """Apply network-file ``changes`` to the network on screen; None when they change nothing.

        Layers whose weight matrix keeps its shape keep their weights (``EditOutcome.fresh_layers`` names
        the others); a changed initialiser draws every layer anew. An edit of the data, loss or learning
        rate keeps the network, the training history and the pass position: the pass is recomputed
        where it stands (at the update step: the update stays, and the pass stands at the start of the
        next one), and Home still returns to the start. Other edits start a pass on the edited
        network. Every edit can be undone, and ← at the oldest state after it undoes it.

        A ``NetworkFileError`` names the refused field; nothing changes then.
        """
        outcome = self.preview_edit(changes)
        if outcome is None:
            return None
        before = self._undo_state()
        old = self._stepper
        if outcome.network_changed:
            self._start_over(outcome.experiment)
            self.history = None
        else:
            e = outcome.experiment.with_network(old.start_network)
            # At the update step the update stays as it was made: the pass stands at the start of the
            # next one (the same position, nothing computed), on the updated weights.
            at_update = old.position > 0 and old.record.phase is Phase.UPDATE
            stepper = Stepper.resumed(
                old.start_network, e.inputs, e.targets, e.loss, e.learning_rate, old.network, old.position + at_update
            )
            if at_update:
                stepper.step_back()
            self._start_over(e, stepper)
        self.modified = True
        redraw = "init" in changes
        if redraw:
            label = f"new weights ({describe_init(outcome.experiment.init)})"
        else:
            label = "change of " + " and ".join(EDIT_LABELS.get(k, k) for k in changes)
        self._record(label, "redraw" if redraw else "edit", before)
        return outcome

    def undo(self) -> bool:
        """Take back the latest edit, redraw, training run or preset switch; False when there is none.

        The screen returns exactly to where it stood before the action: the same stepper, record and
        history.
        """
        state = self.undo_stack.undo()
        if state is None:
            return False
        self._show(state)
        return True

    def redo(self) -> bool:
        """Do again the action last undone, back to the screen it made; False when there is none."""
        state = self.undo_stack.redo()
        if state is None:
            return False
        self._show(state)
        return True

    def train(self, steps: int, start: Network | None = None) -> TrainingHistory:
        """``steps`` SGD updates from ``start`` (default: the network on screen) on the loaded data.

        Nothing is adopted: see ``adopt``.
        """
        e = self._experiment
        network = self._stepper.network if start is None else start
        return train(network, e.inputs, e.targets, e.loss, e.learning_rate, int(steps))

    def training_run(self, steps: int) -> TrainingRun:
        """A ``TrainingRun`` of ``steps`` steps from the network on screen, for a caller to advance in slices.

        Raises ``WorkBudgetError`` when one step would need more memory than the work budget allows.
        """
        e = self._experiment
        return TrainingRun(self._stepper.network, e.inputs, e.targets, e.loss, e.learning_rate, int(steps))

    def adopt(self, history: TrainingHistory) -> None:
        """Make a training run's network the one on screen: a new pass starts on it. It can be undone."""
        before = self._undo_state()
        self._start_over(self._experiment.with_network(history.network))
        self.history = history
        self._record(f"training ({history.steps:,} steps)", "training", before)

    def train_blocking(self, steps: int) -> TrainingHistory:
        """Train ``steps`` steps from the network on screen and adopt the result."""
        history = self.train(steps)
        self.adopt(history)
        return history

    # ------------------------------------------------------------------------------------------ session files

    @property
    def file_path(self) -> Path | None:
        """The session file last opened or saved; None for a preset or a plain network file."""
        return self._file_path

    @property
    def dirty(self) -> bool:
        """Whether what is on screen differs from the last save or open: a step, an edit, a training run or a
        changed setting makes it True; stepping back to the saved position makes it False again."""
        return not _same_fingerprint(self._fingerprint(), self._saved_fingerprint)

    def mark_saved(self) -> None:
        """Take what is on screen as saved (``dirty`` is False until something changes)."""
        self._saved_fingerprint = self._fingerprint()

    def forget_file(self) -> None:
        """A new session from a preset: no file behind it, and nothing unsaved (the preset holds it all)."""
        self._file_path = None
        self.mark_saved()

    def to_data(self) -> SessionData:
        """What is on screen as a ``SessionData``: start and current weights, position, history, settings."""
        return session_data(
            self._experiment, self._stepper, self.history,
            color_mode=self.color_mode, selection=self.selection, selection_side=self.selection_side,
            compare_active=self.compare_active, compare_activation=self.compare_activation,
            compare_residual=self.compare_residual, shared_scale=self.shared_scale,
            bars_measure=self.bars_measure, bars_activations=self.bars_activations,
            lanes=tuple(_lane_data(lane) for lane in self._lanes[1:]),
        )  # fmt: skip

    def restore(self, data: SessionData) -> None:
        """Put ``data`` on screen exactly: the same record, Home back to its start, the same settings.

        The stepper is rebuilt first, so a ``WorkBudgetError`` or a bad setting changes nothing.
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
        color_mode = check_color_mode(data.color_mode)
        compare_activation = check_activation(data.compare_activation or DEFAULT_COMPARE_ACTIVATION)
        bars = _checked_bars(data.bars_measure, data.bars_activations)
        selection = None if data.selection is None else tuple(data.selection)
        if selection is not None and not selection_fits(selection, data.experiment.network):
            raise ValueError(f"the selection {selection!r} names a unit the network does not have")
        side = data.selection_side if data.selection_side in SIDES else "left"
        self._experiment = data.experiment
        self._lanes = [Lane(stepper, history=data.history), *restored]
        self.color_mode = color_mode
        self.compare_activation = compare_activation
        self.compare_residual = None if data.compare_residual is None else bool(data.compare_residual)
        self.shared_scale = bool(data.shared_scale)
        self.bars_measure, self.bars_activations = bars
        self.compare_active = bool(data.compare_active)
        self.selection, self.selection_side = selection, side if self.compare_active else "left"
        self._comparison_cache = None
        self.restore_note = None
        if self.compare_active and not restored:
            # A file saved before lanes: the right half is rebuilt where the left one stands, never replayed.
            self._lanes.append(self._lane_here(self.compare_variant, self._old_file_note()))
            self.restore_note = self._lanes[1].note

    def _old_file_note(self) -> str | None:
        """What an old file's compare lane became: None when it is exactly where a replay would put it."""
        main = self._stepper
        if main.passes_done == 0 or (main.passes_done == 1 and self._lanes[0].at_update):
            return None
        return (
            "This session file was saved before each network's weights were kept, so the Compare view's right half "
            "restarts from the left network's current weights."
        )

    @classmethod
    def from_data(cls, data: SessionData) -> "Session":
        """A session standing where ``data`` was saved (see ``restore``); not dirty."""
        session = cls(data.experiment)
        session.restore(data)
        session.mark_saved()
        return session

    def saved_to(self, path: Path) -> None:
        """What is on screen was just written to the session file ``path``: it becomes the current file,
        and nothing is unsaved (``files.session_file.save_session_file`` writes it)."""
        self._file_path = Path(path)
        self.mark_saved()

    def show_file(self, opened: SessionData | Experiment, path) -> bool:
        """Put what ``files.sniff.read_file(path)`` gave on screen; True for a session file.

        A session file is restored exactly and becomes the current file. A plain network file starts over on
        its network, keeping the view settings, and leaves no current file (Save then asks where).
        """
        self.restore_note = None
        if isinstance(opened, SessionData):
            self.restore(opened)
            self._file_path = Path(path)
        else:
            self.set_experiment(opened)
            self._file_path = None
        self.mark_saved()
        return self._file_path is not None

    def _fingerprint(self) -> tuple:
        # Identity, not contents: every change makes a new experiment, stepper position, network or history.
        # Weak references where they can be taken, so a forgotten stepper's history is not kept alive.
        history = self.history
        return (
            weakref.ref(self._experiment), weakref.ref(self._stepper), self._stepper.position, self._stepper.network,
            None if history is None else weakref.ref(history),
            self.color_mode, self.selection, self.selection_side, self.compare_active, self.compare_activation,
            self.compare_residual, self.shared_scale, self.bars_measure, self.bars_activations,
        )  # fmt: skip

    def __repr__(self):
        compare = f", compare={self.compare_activation!r}" if self.compare_active else ""
        return f"Session({self._experiment.name!r}, step={self.record.step}, passes={self._stepper.passes_done}{compare})"


def selection_fits(selection: tuple, network: Network) -> bool:
    """Whether a neuron or edge selection names a unit that ``network`` has (layer 0 holds the inputs)."""
    kind, layer, *units = selection
    widths = network.widths
    if kind == "neuron":
        return 0 <= layer <= network.depth and 0 <= units[0] < widths[layer]
    return 1 <= layer <= network.depth and 0 <= units[0] < widths[layer] and 0 <= units[1] < widths[layer - 1]


def _same_experiment(a: Experiment, b: Experiment) -> bool:
    """Whether two experiments hold the same network (weights to the bit), data and settings."""
    na, nb = a.network, b.network
    if (a.name, a.description, a.loss, a.learning_rate, a.init) != (b.name, b.description, b.loss, b.learning_rate, b.init):
        return False
    if (na.widths, na.activations, na.residual) != (nb.widths, nb.activations, nb.residual):
        return False
    arrays = list(zip(na.weights + na.biases, nb.weights + nb.biases)) + [(a.inputs, b.inputs), (a.targets, b.targets)]
    return all(x is y or (x.shape == y.shape and x.tobytes() == y.tobytes()) for x, y in arrays)


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


def _checked_bars(measure: str, activations) -> tuple[str, tuple[str, str]]:
    check_measure(measure)
    names = tuple(activations)
    if len(names) != 2:
        raise ValueError(f"the bars compare exactly two activations, got {len(names)}")
    return measure, (check_activation(names[0]), check_activation(names[1]))
