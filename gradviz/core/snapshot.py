"""Snapshot: everything any view draws for one state of a session, frozen, made by the core.

The bridge emits one ``Snapshot`` per change and every view draws from it alone, so a view never asks
the model anything and computes no core fact. The headless exporter takes a snapshot of its session the
same way. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .analysis import ActivationComparison
from .experiment import Experiment, network_story
from .records import PassRecord, WeightUpdate
from .stats import Health, gradient_health
from .training import TrainingHistory


@dataclass(frozen=True, eq=False)
class LaneShot:
    """One lane as shown: its current pass, the pass its colour scale is taken from, its title.

    ``scale_record`` holds only what the pass has revealed: it is ``record`` itself (so the colour bar never
    shows a value the pass has not reached yet), or the whole pass under ``reveal_all``.
    """

    record: PassRecord
    scale_record: PassRecord
    title: str

    @property
    def update(self) -> WeightUpdate | None:
        """At the update step, the SGD update just applied (``PassRecord.update``): for each weight layer the
        weights before, the gradient applied, η and the weights after; None at any other step."""
        return self.record.update

    @cached_property
    def verdict(self) -> Health:
        """The lane's gradient-health verdict of its pass as far as it has gone."""
        return gradient_health(self.record)

    def same_as(self, other: "LaneShot | None") -> bool:
        """Whether ``other`` shows the very same records under the same title."""
        return (
            other is not None and self.record is other.record and self.scale_record is other.scale_record
            and self.title == other.title
        )  # fmt: skip


@dataclass(frozen=True, eq=False)
class Inspected:
    """What the inspector explains: the record the selection belongs to, the selection, where it was picked
    ("" when Compare is off, else e.g. "right: ReLU"), the sample (0-based, None for the mean) and the
    learning rate of the update step."""

    record: PassRecord
    selection: tuple | None
    side_title: str
    sample: int | None
    learning_rate: float

    def same_as(self, other: "Inspected | None") -> bool:
        """Whether ``other`` explains the very same record, selection, side and sample."""
        return other is not None and self.record is other.record and (
            self.selection, self.side_title, self.sample, self.learning_rate
        ) == (other.selection, other.side_title, other.sample, other.learning_rate)


@dataclass(frozen=True, eq=False)
class Snapshot:
    """One state of a session, as every view draws it.

    Attributes
    ----------
    experiment : the network file loaded
    lanes : each lane's ``LaneShot``; lane 0 is the loaded network, lane 1 the Compare view's right half
    cursor : a ``session.Cursor`` (step, depth, loss, passes done, can step back)
    verdict : lane 0's verdict (of the whole pass under ``reveal_all``)
    comparison : the gradient bars' values, only the layers revealed shown (at the update step: the
        gradients just applied, of the network before the update)
    weights_note, description : what the Network panel says of the network on screen
        (``experiment.network_story``): how its weights were made, and its description, both saying
        "modified" once it is edited
    slope_chain : ``analysis.network_slope_chain`` of lane 0's whole pass (the depth chain's own curve)
    reveal_all : every result shown at once
    compare : a ``session.CompareSettings``; ``compare_titles`` the two halves' titles
    color_mode : a key of ``names.COLOR_MODES``
    selection, selection_side : what is outlined and on which half ("left" when Compare is off)
    inspected : what the inspector explains
    bars_settings : (measure, first activation, second activation)
    history : the training history behind lane 0, or None
    title : the network's name, "(modified)" once edited; ``undo_text``/``redo_text`` the Edit menu's items
    file_path : the session file behind the screen; ``dirty`` whether it differs from the last save or open
    moved : +1 or -1 after a single step, else 0; ``animate_ms`` the animation of a step while playing
    note : one line on what the last opened file could not restore exactly, or None
    lab : the training lab's frozen ``LabSnapshot`` while a lab is open (``session.lab``), else None
    """

    experiment: Experiment
    lanes: tuple[LaneShot, ...]
    cursor: object
    verdict: Health
    comparison: ActivationComparison
    slope_chain: object
    reveal_all: bool
    compare: object
    compare_titles: tuple[str, str]
    color_mode: str
    selection: tuple | None
    selection_side: str
    inspected: Inspected
    bars_settings: tuple[str, str, str]
    history: TrainingHistory | None
    title: str
    undo_text: str | None
    redo_text: str | None
    file_path: Path | None
    dirty: bool
    moved: int = 0
    animate_ms: int | None = None
    note: str | None = None
    weights_note: str = ""
    description: str = ""
    lab: object = None

    @property
    def record(self) -> PassRecord:
        """Lane 0's current pass."""
        return self.lanes[0].record

    @property
    def scale_record(self) -> PassRecord:
        """Lane 0's colour-scale record: what its pass has revealed (``LaneShot.scale_record``)."""
        return self.lanes[0].scale_record

    @property
    def update(self) -> WeightUpdate | None:
        """Lane 0's SGD update at the update step, else None (``LaneShot.update``)."""
        return self.lanes[0].update

    def __repr__(self):
        return f"Snapshot({self.experiment.name!r}, step={self.cursor.step}, lanes={len(self.lanes)})"


def take_snapshot(session, moved: int = 0, animate_ms: int | None = None, note: str | None = None) -> Snapshot:
    """The ``Snapshot`` of ``session`` (a ``session.Session``) as it stands now.

    The right half's lane is shown only while the Compare view is on; lanes after it always.
    """
    lanes = session.lanes
    shown = lanes if session.compare.active or len(lanes) > 2 else lanes[:1]
    titles = session.compare_titles()
    shots = tuple(
        LaneShot(lane.record, revealed_scale_record(lane, session.view.reveal_all), titles[0] if i == 0 else titles[1] if i == 1 else lane.title)
        for i, lane in enumerate(shown)
    )  # fmt: skip
    history = session.history
    weights_note, description = network_story(session.experiment, session.modified, None if history is None else history.steps)
    side_title = session.side_title(session.view.selection_side) if session.compare.active else ""
    inspected = Inspected(
        session.selected_record(), session.view.selection, side_title, session.view.inspect_sample, session.experiment.learning_rate
    )
    return Snapshot(
        experiment=session.experiment, lanes=shots, cursor=session.cursor, verdict=session.health(),
        comparison=session.shown_comparison(), slope_chain=session.network_slope_chain(),
        reveal_all=session.view.reveal_all, compare=session.compare.settings(session.experiment.network, session.view.shared_scale),
        compare_titles=titles, color_mode=session.view.color_mode, selection=session.view.selection,
        selection_side=session.view.selection_side, inspected=inspected,
        bars_settings=(session.view.bars_measure, *session.view.bars_activations), history=session.history,
        title=session.title, undo_text=session.edits.undo_text, redo_text=session.edits.redo_text,
        file_path=session.file.path, dirty=session.file.dirty, moved=moved, animate_ms=animate_ms, note=note,
        weights_note=weights_note, description=description,
        lab=None if session.lab is None else session.lab.snapshot(),
    )  # fmt: skip


def revealed_scale_record(lane, reveal_all: bool) -> PassRecord:
    """The record a lane's colour scale is taken from: its pass as far as it has gone, so the scale (and the
    colour bar) rests only on values already revealed; the whole pass under ``reveal_all``.

    At the update step the pass is complete, so the scale is the whole pass's there too.
    """
    return lane.scale_record if reveal_all else lane.record
