"""The window's docks, made from the view registry, and the default layouts they take.

Every registered view placed "right" or "bottom" gets a dock (and so a View menu entry); the Network form
and the Inspector are the right column's first two tabs. The plots go below, tabbed, so the one shown has
the whole width; a short window tabs them into the right column instead (the compact layout).
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from ..views.registry import views

#: Bumped whenever the dock layout changes, so an old saved layout is not restored onto a new one.
LAYOUT_VERSION = 2
#: The window's size on a screen with room for it; a smaller screen's available area is filled instead.
PREFERRED_SIZE = (1500, 950)
#: The share of the window's height the plot tabs at the bottom take, and of its width the right column.
BOTTOM_SHARE = 0.40
RIGHT_SHARE = 0.25
#: The narrowest the right column (Network / Inspector) is made.
MIN_RIGHT_WIDTH = 300
#: A window shorter than this (px) gets the compact default layout: the plots tabbed into the right column
#: with Network and Inspector, so the diagram has the whole height (a plot strip below would squeeze it flat).
COMPACT_HEIGHT = 820
#: The right column's share of the width in the compact layout: wide enough for the plots' data areas.
COMPACT_RIGHT_SHARE = 0.34
#: A window narrower than this keeps the plots along the bottom even when short: the diagram and a plot
#: column side by side need a projector's width (1280 px) in the slides print.
COMPACT_MIN_WIDTH = 1280
#: The right column's most of the window's width, even for a wide Network form: the diagram keeps the rest.
MAX_RIGHT_SHARE = 0.40
#: The docks that are not views: the Network form and the Inspector, the right column's first tabs.
FORM_DOCKS = (("controls", "Network"), ("inspector", "Inspector"))
#: The dock whose tab is raised in the default layouts, and the dock that sizes the bottom row.
RAISED_DOCK = "gradient-bars"


def column_docks() -> tuple[str, ...]:
    """The docks of the right column, in their tab order."""
    return (*(name for name, _ in FORM_DOCKS), *(spec.name for spec in views() if spec.place == "right"))


def plot_docks() -> tuple[str, ...]:
    """The docks along the bottom, in their tab order."""
    return tuple(spec.name for spec in views() if spec.place == "bottom")


class DockLayout:
    """The docks of ``window``, by name, and the default layouts they take.

    ``widgets`` maps every dock's name to its widget: "controls", "inspector" and each docked view's.
    """

    def __init__(self, window: QtWidgets.QMainWindow, widgets: dict[str, QtWidgets.QWidget]):
        self._window = window
        self.docks: dict[str, QtWidgets.QDockWidget] = {}
        titles = dict(FORM_DOCKS) | {spec.name: spec.title for spec in views()}
        for name in (*column_docks(), *plot_docks()):
            self.docks[name] = self._make_dock(name, titles[name], widgets[name])
        area = QtCore.Qt.DockWidgetArea
        window.setTabPosition(area.BottomDockWidgetArea, QtWidgets.QTabWidget.TabPosition.North)
        window.setTabPosition(area.RightDockWidgetArea, QtWidgets.QTabWidget.TabPosition.North)
        self._arranging = False
        self._compact = False
        #: Whether the docks were given their shares once the window was first shown.
        self.sized = False
        #: Whether the docks keep their default shares of the window (not when a saved layout was restored).
        self.shares_kept = True
        self.arrange()
        for dock in self.docks.values():
            dock.dockLocationChanged.connect(self._on_dock_moved)
            dock.topLevelChanged.connect(self._on_dock_moved)

    def _make_dock(self, name: str, title: str, widget: QtWidgets.QWidget) -> QtWidgets.QDockWidget:
        dock = QtWidgets.QDockWidget(title, self._window)
        dock.setObjectName(f"dock-{name}")  # saveState needs object names
        if name == "controls":
            # The form is wider than the right column on a small screen: it scrolls rather than pushing
            # the window past the screen's edge.
            scroll = QtWidgets.QScrollArea()
            scroll.setObjectName("controlsScroll")
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
            scroll.setWidget(widget)
            widget = scroll
        dock.setWidget(widget)
        feature = QtWidgets.QDockWidget.DockWidgetFeature
        dock.setFeatures(feature.DockWidgetMovable | feature.DockWidgetFloatable | feature.DockWidgetClosable)
        return dock

    @property
    def compact(self) -> bool:
        """Whether the default layout in place is the compact one (plots tabbed in the right column)."""
        return self._compact

    def arrange(self, compact: bool = False) -> None:
        """Put every dock in its place: Network and Inspector tabbed on the right, the plots tabbed below;
        ``compact`` tabs the plots into the right column after them instead (the bars raised)."""
        area = QtCore.Qt.DockWidgetArea
        window = self._window
        columns, plots = column_docks(), plot_docks()
        self._arranging = True
        try:
            for name, dock in self.docks.items():
                where = area.RightDockWidgetArea if compact or name in columns else area.BottomDockWidgetArea
                window.addDockWidget(where, dock)
            for group in [(*columns, *plots)] if compact else [columns, plots]:
                for name in group[1:]:
                    window.tabifyDockWidget(self.docks[group[0]], self.docks[name])
            self.stack_panels_in_columns()  # before the layout runs, so it lays out their narrow sizes
            for dock in self.docks.values():
                dock.setFloating(False)
                dock.show()
            window.layout().activate()  # the tab bars exist only once the layout has run: raise_ needs them
            self.unelide_tabs()
            if not compact:
                self.docks["controls"].raise_()
            self.docks[RAISED_DOCK].raise_()
        finally:
            self._arranging = False
        self._compact = compact

    def unelide_tabs(self) -> None:
        """Dock tabs keep their whole titles and scroll when they do not fit ("N…" and "I…" say nothing).

        Qt makes the tab bars anew whenever docks are tabbed again (a restored state, presenter mode's way
        back), so this runs after each of those."""
        for bar in self._window.findChildren(QtWidgets.QTabBar):
            bar.setElideMode(QtCore.Qt.TextElideMode.ElideNone)
            bar.setUsesScrollButtons(True)

    def rearrange(self, compact: bool) -> None:
        # Rebuilt rather than restoreState(default): restoring tab groups over floating docks crashes Qt.
        self._arranging = True
        try:
            for dock in self.docks.values():
                self._window.removeDockWidget(dock)
        finally:
            self._arranging = False
        self.arrange(compact)

    def wants_compact(self) -> bool:
        window = self._window
        return window.height() < COMPACT_HEIGHT and window.width() >= COMPACT_MIN_WIDTH

    def take_default(self) -> None:
        """The default layout for the window's size (compact below ``COMPACT_HEIGHT`` where the width is at
        least ``COMPACT_MIN_WIDTH``), at its shares."""
        compact = self.wants_compact()
        if compact != self._compact:
            self.rearrange(compact)
        self.size_docks()

    def reset(self) -> None:
        """View > Reset layout: the default layout for the window's height, every dock shown and docked."""
        self.rearrange(self.wants_compact())
        self.shares_kept = True
        self.size_docks()

    def _on_dock_moved(self, *_args) -> None:
        # A dock the user drags to another place or floats is their own layout: the default leaves it alone.
        if not self._arranging:
            self.shares_kept = False
            self.stack_panels_in_columns()

    def stack_panels_in_columns(self) -> None:
        """A plot panel docked in a side column (tall and narrow) stacks its plots; below, or floating, it
        lays them side by side. Follows the default layouts, a restored one and the user's moves alike."""
        area = QtCore.Qt.DockWidgetArea
        columns = (area.LeftDockWidgetArea, area.RightDockWidgetArea)
        for dock in self.docks.values():
            panel = dock.widget()
            if hasattr(panel, "set_stacked"):
                panel.set_stacked(not dock.isFloating() and self._window.dockWidgetArea(dock) in columns)

    def fit_to_screen(self) -> None:
        """Open inside the screen's available area: at ``PREFERRED_SIZE`` where it fits, else filling it.

        Not maximised: a test or a script that resizes the window gets the size it asks for."""
        window = self._window
        screen = window.screen() or QtGui.QGuiApplication.primaryScreen()
        if screen is None:
            window.resize(*PREFERRED_SIZE)
            return
        available = screen.availableGeometry()
        width, height = min(PREFERRED_SIZE[0], available.width()), min(PREFERRED_SIZE[1], available.height())
        window.resize(width, height)
        window.move(available.x() + (available.width() - width) // 2, available.y() + (available.height() - height) // 2)

    def right_width(self, share: float) -> int:
        """The right column's width at ``share`` of the window, and never narrower than the Network form
        (a form cut at its right edge hides its fields), up to ``MAX_RIGHT_SHARE`` of the window."""
        width = self._window.width()
        form = self.docks["controls"].widget()
        needed = form.widget().minimumSizeHint().width() + form.verticalScrollBar().sizeHint().width() + 8
        return max(MIN_RIGHT_WIDTH, round(width * share), min(needed, round(width * MAX_RIGHT_SHARE)))

    def size_docks(self) -> None:
        """Give the plot tabs ``BOTTOM_SHARE`` of the window's height and the right column ``RIGHT_SHARE``
        of its width; in the compact layout the right column, plots and all, takes ``COMPACT_RIGHT_SHARE``
        (done when the window is first shown, on Reset layout and on a theme change)."""
        horizontal, vertical = QtCore.Qt.Orientation.Horizontal, QtCore.Qt.Orientation.Vertical
        window = self._window
        if self._compact:
            window.resizeDocks([self.docks[RAISED_DOCK]], [self.right_width(COMPACT_RIGHT_SHARE)], horizontal)
            return
        bottom = max(1, round(window.height() * BOTTOM_SHARE))
        window.resizeDocks([self.docks[RAISED_DOCK]], [bottom], vertical)
        window.resizeDocks([self.docks["controls"]], [self.right_width(RIGHT_SHARE)], horizontal)

    def follow_resize(self) -> None:
        """Until someone drags a splitter, the docks keep their share of a window that is maximised or resized."""
        if self.sized and self.shares_kept:
            self.size_docks()

    def restore(self, stored) -> bool:
        """Take the geometry and dock layout ``stored`` (a ``settings.StoredSettings``) keeps; True when
        the window took its saved size and place."""
        window = self._window
        geometry = stored.window_geometry()
        at_saved_size = geometry is not None and window.restoreGeometry(geometry)
        if geometry is not None and not at_saved_size:
            stored.refuse_window_geometry()
        state = stored.window_state()
        if state is not None:
            if window.restoreState(state, LAYOUT_VERSION):
                self.shares_kept = False  # the user's own layout, not the default shares
                self.stack_panels_in_columns()
                self.unelide_tabs()
            else:
                stored.refuse_window_state()
        return at_saved_size

    def first_shown(self) -> None:
        if not self.sized:
            self.sized = True
            # A layout restored from the settings is the user's own: only the default one follows the height.
            if self.shares_kept:
                self.take_default()
