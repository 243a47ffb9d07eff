"""Fresh views of a state, laid out as a 16:9 slide in a chosen theme: what an export draws.

The window's Export dialog and `gradviz export` both build the view they draw here, from a plain
``ViewState``, so an export never restyles or resizes a live window and both give the same picture.
Each view is a new widget that is never shown on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6 import QtCore, QtWidgets

from ..core.records import PassRecord
from ..core.session import Session
from ..export import SLIDE_HEIGHT, SLIDE_WIDTH
from ..names import DEFAULT_COLOR_MODE, PANEL_VIEWS
from .diagram import CompareView, NetworkView
from .panels.activation_curves import ActivationCurvesPanel
from .panels.depth_chain import DepthChainPanel
from .panels.gradient_bars import GradientBarsPanel
from .panels.training_history import TrainingPanel
from .theme import Theme, qt_palette

#: The views built here: the diagram, the side-by-side compare and each panel (the whole window is itself).
SINGLE_VIEWS = ("diagram", "compare", *PANEL_VIEWS)
_PANELS = {
    "gradient-bars": GradientBarsPanel,
    "activation": ActivationCurvesPanel,
    "depth-chain": DepthChainPanel,
    "training": TrainingPanel,
}


@dataclass(frozen=True)
class ViewState:
    """What the views show, as plain immutable values (records, comparison, history)."""

    record: PassRecord
    scale_record: PassRecord
    comparison: Any = None  # core.analysis.ActivationComparison for the gradient bars
    history: Any = None  # core.training.TrainingHistory for the training view
    color_mode: str = DEFAULT_COLOR_MODE
    selection: tuple | None = None
    depth_chain: tuple[float, int] | None = None  # (x, depth) of the gradient-vs-depth panel
    #: The right half of the Compare view (None when compare is off): record, scale record, both titles.
    compare_record: PassRecord | None = None
    compare_scale_record: PassRecord | None = None
    compare_titles: tuple[str, str] = ("", "")
    shared_scale: bool = True

    @classmethod
    def of(cls, session: Session, depth_chain: tuple[float, int] | None = None) -> ViewState:
        """What ``session`` shows now."""
        return cls(
            record=session.record,
            scale_record=session.scale_record,
            comparison=session.comparison(),
            history=session.history,
            color_mode=session.color_mode,
            selection=session.selection if session.selection_side == "left" else None,
            depth_chain=depth_chain,
            compare_record=session.compare_record if session.compare_active else None,
            compare_scale_record=session.compare_scale_record if session.compare_active else None,
            compare_titles=session.compare_titles(),
            shared_scale=session.shared_scale,
        )


def pass_copy(session: Session) -> Session:
    """A new session on ``session``'s current network and settings, at the start of its pass.

    An animation steps the copy through a pass, so the session on screen does not move.
    """
    copy = Session(
        session.experiment.with_network(session.network),
        compare_activation=session.compare_activation,
        compare_residual=session.compare_residual,
        shared_scale=session.shared_scale,
        color_mode=session.color_mode,
        bars_measure=session.bars_measure,
        bars_activations=session.bars_activations,
    )
    copy.history = session.history
    return copy


def compare_copy(session: Session) -> Session:
    """A copy of ``session`` with the Compare view on, at the same micro-step of the same network."""
    copy = pass_copy(session)
    copy.set_compare_active(True)
    step = session.record.step
    if step < session.stepper.steps_per_pass:  # after the update the copy's network is already updated
        copy.go_to_step(step)
    return copy


class ExportView:
    """One fresh view ``name`` (see ``SINGLE_VIEWS``) in ``theme``, laid out at ``size`` and never on screen.

    ``view`` is what gradviz.export draws: the diagram, or a panel's plot without its controls.
    Call ``show(state)`` for each state to draw and ``close()`` when done (or use it as a context manager).
    """

    def __init__(self, name: str, theme: Theme, size: tuple[int, int] = (SLIDE_WIDTH, SLIDE_HEIGHT)):
        if name not in SINGLE_VIEWS:
            raise KeyError(f"unknown view {name!r}; choose one of {', '.join(SINGLE_VIEWS)}")
        self.name = name
        self.theme = theme
        self._frame = QtWidgets.QWidget()
        self._frame.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self._frame.setPalette(qt_palette(theme))
        layout = QtWidgets.QVBoxLayout(self._frame)
        layout.setContentsMargins(0, 0, 0, 0)
        if name in ("diagram", "compare"):
            self.widget = NetworkView(theme) if name == "diagram" else CompareView(theme)
            self.view = self.widget
        else:
            self.widget = _PANELS[name](theme)
            self.view = self.widget.plot_widget()
        # The plot alone fills the slide; its panel (which keeps feeding it) stays out of sight.
        layout.addWidget(self.view)
        self._frame.resize(*size)
        self._frame.show()
        self._settle()

    def __repr__(self):
        return f"ExportView({self.name!r}, theme={self.theme.name!r}, size={self.view.width()}x{self.view.height()})"

    def __enter__(self) -> ExportView:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def show(self, state: ViewState) -> None:
        """Draw ``state`` and let the layout settle."""
        w = self.widget
        if self.name == "diagram":
            w.set_color_mode(state.color_mode)
            w.show_record(state.record, state.scale_record)
            w.set_selection(state.selection)
        elif self.name == "compare":
            if state.compare_record is None:
                raise ValueError("a compare view needs the state of a session with compare on")
            w.set_color_mode(state.color_mode)
            w.show_records(state.record, state.scale_record, state.compare_record, state.compare_scale_record,
                           state.compare_titles, shared_scale=state.shared_scale)  # fmt: skip
        elif self.name == "gradient-bars":
            w.show_comparison(state.comparison)
        elif self.name == "activation":
            w.show_record(state.record)
        elif self.name == "depth-chain":
            if state.depth_chain is not None:
                x, depth = state.depth_chain
                w.set_x(x)
                w.set_depth(depth)
        elif self.name == "training":
            w.show_history(state.history)
        self._settle()

    def _settle(self, rounds: int = 3) -> None:
        # Layouts, and pyqtgraph's own, settle over a few rounds of posted events.
        for _ in range(rounds):
            QtCore.QCoreApplication.sendPostedEvents()
            QtWidgets.QApplication.processEvents()

    def close(self) -> None:
        self._frame.close()
        self.widget.deleteLater()
        self._frame.deleteLater()
