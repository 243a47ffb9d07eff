"""Fresh views of a state, laid out as a 16:9 slide in a chosen theme: what an export draws.

The window's Export dialog and `gradviz export` both build the view they draw here and draw a
``core.snapshot.Snapshot`` with the view's registered ``draw`` (the window's own), so an export never restyles or resizes a live window and both give the same picture.
Each view is a new widget that is never shown on screen.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6 import QtCore, QtWidgets

from ..core.session import Session
from ..core.snapshot import Snapshot
from ..export_options import SLIDE_HEIGHT, SLIDE_WIDTH
from .theme import Theme, qt_palette
from .views.registry import VIEW_NAMES, view

#: The views built here: every registered view (the whole window is itself).
SINGLE_VIEWS = VIEW_NAMES


def pass_copy(session: Session) -> Session:
    """A new session on ``session``'s current network and settings, at the start of its pass.

    An animation steps the copy through a pass, so the session on screen does not move.
    """
    copy = Session(
        session.experiment.with_network(session.network),
        compare_activation=session.compare.activation,
        compare_residual=session.compare.residual,
        shared_scale=session.view.shared_scale,
        color_mode=session.view.color_mode,
        bars_measure=session.view.bars_measure,
        bars_activations=session.view.bars_activations,
        reveal_all=session.view.reveal_all,
    )
    copy.lanes[0].history = session.history
    return copy


def through_the_pass(session: Session) -> Iterator[Session]:
    """``session`` at each micro-step of a pass, from the reset to the end of the backward pass (0 .. 2L + 1).

    One reset, then one step each: going to each step from the reset would replay all the earlier ones.
    """
    session.go_to_step(0)
    for number in range(session.stepper.steps_per_pass):
        if number:
            session.step_forward()
        yield session


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
        self.spec = view(name)
        self.name = name
        self.theme = theme
        self._frame = QtWidgets.QWidget()
        self._frame.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self._frame.setPalette(qt_palette(theme))
        layout = QtWidgets.QVBoxLayout(self._frame)
        layout.setContentsMargins(0, 0, 0, 0)
        self.widget = self.spec.make(theme)
        self.view = self.spec.plot(self.widget)
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

    def show(self, shot: Snapshot, depth_chain: tuple[float, int] | None = None) -> None:
        """Draw ``shot`` with the view's own ``draw`` (the window's), and let the layout settle.

        ``depth_chain`` is the (x, depth) the gradient-vs-depth view is set to (None: the panel's defaults,
        x = 5 and depth 10).
        """
        if self.name == "compare" and len(shot.lanes) < 2:
            raise ValueError("a compare view needs the state of a session with compare on")
        if depth_chain is not None and self.name == "depth-chain":
            x, depth = depth_chain
            self.widget.set_x(x)
            self.widget.set_depth(depth)
        self.spec.draw(self.widget, shot, None)
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
