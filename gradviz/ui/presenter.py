"""Presenter mode: full screen in the slides theme, the middle view over the gradient bars, no docks or menus.

``PresenterMode`` switches a window into it and back; ``PresenterPage`` shows the middle view over views of
its own made from the view registry (``PRESENTER_VIEWS``); ``BlankScreen`` is the black screen a
presentation remote's B or . key asks for."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets

from .diagram.compare import CompareView
from .theme import SLIDES, Theme
from .views.registry import view

#: The registry's views presenter mode shows below the middle one, made for it in the slides theme.
PRESENTER_VIEWS = ("gradient-bars",)

#: The middle view's share of the presenter page's height; the gradient bars take the rest.
DIAGRAM_SHARE = 0.65
#: The same for the Compare view, two diagrams each with its own caption over one colour strip: at 0.65 of
#: a 1280 x 720 screen, deep-sigmoid's columns of 8 neurons were squeezed into 27 px (69 px at 0.72). More
#: than 0.72 cuts the bars' axis title there.
COMPARE_SHARE = 0.72
#: The status line's print size in presenter mode, in pixels: read from the back row of a lecture hall.
STATUS_FONT_PX = 28


@dataclass(frozen=True)
class SavedLayout:
    """What presenter mode changes and gives back on leaving, exactly as it was."""

    state: QtCore.QByteArray  # QMainWindow.saveState: docks, toolbars and their sizes
    geometry: QtCore.QRect  # the window's frame-less geometry (restoreGeometry would clamp it to the screen)
    window_state: QtCore.Qt.WindowState  # maximised, full screen or normal
    theme: Theme
    menu_visible: bool
    status_style: str
    dock_shares_kept: bool  # whether the docks were keeping their share of the window on a resize


class PresenterPage(QtWidgets.QWidget):
    """The presenter's screen: ``top`` (the diagram or the Compare view) above a view of each of
    ``PRESENTER_VIEWS``, made from the registry for this page and drawn from the snapshots it is given.

    ``top`` is borrowed: ``give_back`` hands it out again, reparented to nothing, for its owner to take back
    before this page is deleted.
    """

    def __init__(self, top: QtWidgets.QWidget, theme: Theme, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("presenterPage")
        self.splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        self.splitter.setObjectName("presenterSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(top)
        top.show()
        #: (spec, widget) of each view below the middle one.
        self.views = [(spec, spec.make(theme)) for spec in map(view, PRESENTER_VIEWS)]
        for _spec, widget in self.views:
            if hasattr(widget, "set_controls_visible"):
                # The choosers are for the desk: the plot's title and axes say what it shows.
                widget.set_controls_visible(False)
            self.splitter.addWidget(widget)
        share = round(DIAGRAM_SHARE * 100)
        self.splitter.setStretchFactor(0, share)
        for index in range(1, self.splitter.count()):
            self.splitter.setStretchFactor(index, (100 - share) // len(self.views))
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._top = top
        if isinstance(top, QtWidgets.QStackedWidget):  # Compare turned on or off while presenting
            top.currentChanged.connect(self._share_height)

    @property
    def share(self) -> float:
        """The middle view's share of the page's height: more for the Compare view."""
        shown = self._top.currentWidget() if isinstance(self._top, QtWidgets.QStackedWidget) else self._top
        compare = shown is not None and (isinstance(shown, CompareView) or shown.findChild(CompareView) is not None)
        return COMPARE_SHARE if compare else DIAGRAM_SHARE

    def draw(self, shot, before) -> None:
        """Show ``shot`` in each view of the page (``before`` None draws it whole)."""
        for spec, widget in self.views:
            spec.draw(widget, shot, before)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._share_height()

    def _share_height(self, *_args) -> None:
        count = self.splitter.count()
        total = max(1, self.splitter.height() - (count - 1) * self.splitter.handleWidth())
        top = round(total * self.share)
        rest = (total - top) // max(1, count - 1)
        self.splitter.setSizes([top, *([rest] * (count - 1))])

    def give_back(self) -> QtWidgets.QWidget:
        """The borrowed top widget, out of this page."""
        self._top.setParent(None)
        return self._top


class BlankScreen(QtWidgets.QWidget):
    """A black cover over the whole of its parent window (what a remote's "blank" key shows).

    It follows the window's size and hides the mouse pointer while it is up.
    """

    def __init__(self, window: QtWidgets.QWidget):
        super().__init__(window)
        self.setObjectName("blankScreen")
        self.setCursor(QtCore.Qt.CursorShape.BlankCursor)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.hide()
        window.installEventFilter(self)

    def set_blank(self, blank: bool) -> None:
        if blank:
            self.setGeometry(self.parentWidget().rect())
            self.show()
            self.raise_()
        else:
            self.hide()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QtCore.QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self.parentWidget().rect())
            self.raise_()
        return False

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        QtGui.QPainter(self).fillRect(self.rect(), QtGui.QColor("#000000"))


def presenter_status_style(theme: Theme) -> str:
    """The status line's style sheet in presenter mode: large print in the theme's colours for the back row.

    The colours are spelled out: a style sheet fixes a widget's palette, so the theme's would not reach it.
    """
    return (f"QStatusBar {{ background: {theme.background}; }} "
            f"QStatusBar QLabel {{ font-size: {STATUS_FONT_PX}px; color: {theme.foreground}; padding: 2px 8px; }}")  # fmt: skip


class PresenterMode:
    """Presenter mode of ``window`` (a ``MainWindow``): full screen in the slides theme, the middle view over
    the ``PRESENTER_VIEWS``, no docks, menus or toolbar.

    Leaving gives back the docks, toolbars, whole tab titles, geometry, window state and theme exactly as they were.
    """

    def __init__(self, window):
        self._window = window
        self.page: PresenterPage | None = None
        self._saved: SavedLayout | None = None
        self.blank_screen = BlankScreen(window)

    @property
    def active(self) -> bool:
        return self.page is not None

    @property
    def blanked(self) -> bool:
        return self.blank_screen.isVisible()

    def set_active(self, on: bool) -> None:
        if bool(on) != self.active:
            self._enter() if on else self._leave()
        act = self._window.act
        act.presenter.setChecked(self.active)
        act.blank.setEnabled(self.active)

    def set_blank(self, blank: bool) -> None:
        """Black out the whole window (presenter mode's B or . key) or bring it back.

        Only B or . brings it back: the step keys still step behind the black screen.
        """
        blank = bool(blank) and self.active
        self.blank_screen.set_blank(blank)
        self._window.act.blank.setChecked(blank)

    def draw(self, shot, before) -> None:
        """Hand the page's own views the new snapshot (nothing while presenter mode is off)."""
        if self.page is not None:
            self.page.draw(shot, before)

    def _enter(self) -> None:
        w = self._window
        status = w.statusBar()
        self._saved = SavedLayout(
            w.saveState(w.LAYOUT_VERSION), w.geometry(), w.windowState(), w.theme, w.menuBar().isVisible(),
            status.styleSheet(), w.dock_layout.shares_kept,
        )  # fmt: skip
        # The docks' sizes come back from the saved state, not from the shares of a full-screen window.
        w.dock_layout.shares_kept = False
        middle = w.takeCentralWidget()  # the diagram / Compare stack, kept alive for the way back
        self.page = PresenterPage(middle, SLIDES)
        if w.snapshot is not None:
            self.page.draw(w.snapshot, None)
        for dock in w.docks.values():
            dock.hide()
        w.setCentralWidget(self.page)
        w.menuBar().hide()
        w.toolbar.hide()
        # The diagram's caption says where the pass is, in larger print: the status line keeps the verdict.
        w.status.step.hide()
        # The choosers are for the desk: the halves' titles say what they show.
        w.compare_bar.hide()
        # "Hover or click a neuron for its value" is for the desk, not for an audience.
        for shown in (w.diagram, w.compare_view):
            shown.set_desk_hints(False)
        status.setStyleSheet(presenter_status_style(SLIDES))
        w.set_theme(SLIDES)
        # Without a window manager full screen is only a wish: the screen's size is asked for as well.
        self._settle()
        w.setGeometry(w.screen().geometry())
        w.setWindowState(w.windowState() | QtCore.Qt.WindowState.WindowFullScreen)
        w.central_view().setFocus()

    def _leave(self) -> None:
        w = self._window
        saved, page = self._saved, self.page
        self.set_blank(False)
        w.takeCentralWidget()
        w.setCentralWidget(page.give_back())
        page.hide()
        page.deleteLater()
        self.page = self._saved = None
        w.statusBar().setStyleSheet(saved.status_style)
        w.status.step.show()
        w.compare_bar.show()
        for shown in (w.diagram, w.compare_view):
            shown.set_desk_hints(True)
        w.set_theme(saved.theme)
        w.menuBar().setVisible(saved.menu_visible)
        w.restoreState(saved.state, w.LAYOUT_VERSION)
        w.setWindowState(saved.window_state)
        self._settle()
        if not saved.window_state & (QtCore.Qt.WindowState.WindowMaximized | QtCore.Qt.WindowState.WindowFullScreen):
            w.setGeometry(saved.geometry)
        w.restoreState(saved.state, w.LAYOUT_VERSION)  # again, at the window's own size
        w.dock_layout.stack_panels_in_columns()
        w.dock_layout.unelide_tabs()  # restoreState makes the tab bars anew, eliding their titles
        self._settle()
        w.dock_layout.shares_kept = saved.dock_shares_kept
        w.central_view().setFocus()

    def _settle(self) -> None:
        """Bring the window's minimum size up to date before a resize (a style sheet's new print size and the
        swapped middle are only laid out by posted events): else the size asked for is clamped to the old one."""
        QtCore.QCoreApplication.sendPostedEvents()
        self._window.layout().activate()

