"""What changes the network on screen -- edits, weight redraws, training runs, preset switches -- and the
undo and redo of each. No Qt here; the session owns one ``Editing`` and the bridge calls it."""

from __future__ import annotations

from .edits import EditOutcome, apply_edit, describe_init
from .experiment import Experiment
from .history import UndoEntry, UndoStack, UndoState
from .network import Network
from .records import Phase
from .stepper import Stepper
from .training import TrainingHistory, TrainingRun, train

#: The actions ← takes back from the oldest state of the pass after them (step back across an edit).
STEP_BACK_UNDOES = ("edit", "redraw", "training")
#: What the Edit menu calls an edit of each network-file field ("Undo change of widths").
EDIT_LABELS = {
    "layers": "widths", "activation": "activation", "residual": "skip connections", "input": "input",
    "target": "target", "loss": "loss", "learning_rate": "learning rate", "name": "name",
    "description": "description",
}  # fmt: skip


class Editing:
    """The changes of ``session``'s network that can be undone, and their undo stack.

    ``session`` is a ``core.session.Session``: each change starts it over (``Session.start_over``) on the
    changed experiment, and each undo or redo puts back exactly the stepper, record and history it had.
    """

    def __init__(self, session):
        self._session = session
        #: The edits, redraws, training runs and preset switches that undo can take back.
        self.stack = UndoStack()

    @property
    def undo_text(self) -> str | None:
        """The Edit menu's undo item, "Undo change of widths", or None when there is nothing to undo."""
        label = self.stack.undo_label
        return None if label is None else f"Undo {label}"

    @property
    def redo_text(self) -> str | None:
        """The Edit menu's redo item, "Redo training (500 steps)", or None."""
        label = self.stack.redo_label
        return None if label is None else f"Redo {label}"

    def step_back_undoes(self) -> bool:
        """Whether ← at the pass's oldest state takes back the edit, redraw or training run before it."""
        last = self.stack.last
        stepper = self._session.stepper
        return last is not None and last.kind in STEP_BACK_UNDOES and last.after.stepper is stepper and not stepper.can_step_back

    def _state(self) -> UndoState:
        s = self._session
        return UndoState(s.experiment, s.stepper, s.history, s.modified)

    def _push(self, label: str, kind: str, before: UndoState) -> None:
        self.stack.push(UndoEntry(label, kind, before, self._state()))

    def _show(self, state: UndoState | None) -> bool:
        if state is None:
            return False
        self._session.start_over(state.experiment, state.stepper, state.history, modified=state.modified)
        return True

    def switch_preset(self, name: str, experiment: Experiment) -> None:
        """Start over on ``experiment``, the bundled preset ``name`` (``files.network_file.load_preset``).

        The switch can be undone.
        """
        before = self._state()
        self._session.start_over(experiment, history=None, modified=False)
        self._push(f"switch to {name}", "preset", before)

    def preview(self, changes: dict) -> EditOutcome | None:
        """What ``edit(changes)`` would make, or None when it would change nothing (nothing is applied)."""
        s = self._session
        shown = s.experiment.with_network(s.stepper.network)
        outcome = apply_edit(shown, changes)
        return None if _same_experiment(outcome.experiment, shown) else outcome

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
        outcome = self.preview(changes)
        if outcome is None:
            return None
        s = self._session
        before = self._state()
        old = s.stepper
        if outcome.network_changed:
            s.start_over(outcome.experiment, history=None, modified=True)
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
            s.start_over(e, stepper, s.history, modified=True)
        redraw = "init" in changes
        if redraw:
            label = f"new weights ({describe_init(outcome.experiment.init)})"
        else:
            label = "change of " + " and ".join(EDIT_LABELS.get(k, k) for k in changes)
        self._push(label, "redraw" if redraw else "edit", before)
        return outcome

    def undo(self) -> bool:
        """Take back the latest edit, redraw, training run or preset switch; False when there is none.

        The screen returns exactly to where it stood before the action: the same stepper, record and
        history.
        """
        return self._show(self.stack.undo())

    def redo(self) -> bool:
        """Do again the action last undone, back to the screen it made; False when there is none."""
        return self._show(self.stack.redo())

    def train(self, steps: int, start: Network | None = None) -> TrainingHistory:
        """``steps`` SGD updates from ``start`` (default: the network on screen) on the loaded data.

        Nothing is adopted: see ``adopt``.
        """
        s = self._session
        e = s.experiment
        network = s.stepper.network if start is None else start
        return train(network, e.inputs, e.targets, e.loss, e.learning_rate, int(steps))

    def training_run(self, steps: int) -> TrainingRun:
        """A ``TrainingRun`` of ``steps`` steps from the network on screen, for a caller to advance in slices.

        Raises ``WorkBudgetError`` when one step would need more memory than the work budget allows.
        """
        s = self._session
        e = s.experiment
        return TrainingRun(s.stepper.network, e.inputs, e.targets, e.loss, e.learning_rate, int(steps))

    def adopt(self, history: TrainingHistory) -> None:
        """Make a training run's network the one on screen: a new pass starts on it. It can be undone."""
        s = self._session
        before = self._state()
        s.start_over(s.experiment.with_network(history.network), history=history, modified=s.modified)
        self._push(f"training ({history.steps:,} steps)", "training", before)

    def train_blocking(self, steps: int) -> TrainingHistory:
        """Train ``steps`` steps from the network on screen and adopt the result."""
        history = self.train(steps)
        self.adopt(history)
        return history

    def __repr__(self):
        return f"Editing(undo={self.undo_text!r}, redo={self.redo_text!r})"


def _same_experiment(a: Experiment, b: Experiment) -> bool:
    """Whether two experiments hold the same network (weights to the bit), data and settings."""
    na, nb = a.network, b.network
    if (a.name, a.description, a.loss, a.learning_rate, a.init) != (b.name, b.description, b.loss, b.learning_rate, b.init):
        return False
    if (na.widths, na.activations, na.residual) != (nb.widths, nb.activations, nb.residual):
        return False
    arrays = list(zip(na.weights + na.biases, nb.weights + nb.biases)) + [(a.inputs, b.inputs), (a.targets, b.targets)]
    return all(x is y or (x.shape == y.shape and x.tobytes() == y.tobytes()) for x, y in arrays)
