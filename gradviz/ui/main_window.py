"""The main window: the diagram (or the Compare view) in the middle, stepping actions, and the docked
panels around it. It wires actions to bridge slots and bridge signals to views, and computes nothing."""

from __future__ import annotations

import atexit
import weakref
from pathlib import Path

import shiboken6
from PySide6 import QtCore, QtGui, QtWidgets

from ..core.budget import WorkBudgetError
from ..core.experiment import Experiment, NetworkFileError
from ..core.format import format_number, one_line
from ..core.records import describe_step
from ..core.session import Cursor, Session
from ..core.stats import Health
from ..names import COLOR_MODES, DEFAULT_PRESET
from ..versions import version_report
from .bridge import DEFAULT_SPEED, MAX_SPEED, MIN_SPEED, CoreBridge
from .controls import CompareBar, ControlsPanel
from .diagram import CompareView, NetworkView
from .inspector import InspectorPanel
from .lab_window import LabPart
from .panels.activation_curves import ActivationCurvesPanel
from .panels.depth_chain import DepthChainPanel
from .panels.gradient_bars import GradientBarsPanel
from .panels.training_history import TrainingPanel
from .presenter import BlankScreen, PresenterPage, SavedLayout, presenter_status_style
from .settings import GEOMETRY_KEY, MAX_RECENT_FILES, STATE_KEY, THEME_KEY, StoredSettings
from .theme import SCREEN, SLIDES, THEMES, Theme, qt_palette, widget_font
from .views.registry import EXPORT_NAMES as VIEW_NAMES
from .views.registry import WHOLE_WINDOW, views

__all__ = ["MainWindow", "VIEW_NAMES"]
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
#: The docks of the right column and the plot docks, in their tab order.
COLUMN_DOCKS = ("controls", "inspector", *(spec.name for spec in views() if spec.place == "right"))
PLOT_DOCKS = tuple(spec.name for spec in views() if spec.place == "bottom")
#: The verdict's colour on each theme: light on the dark screen, dark enough on white to read from the back row.
HEALTH_COLORS = {
    "screen": {"vanishing": "#4e9fe5", "exploding": "#ff6b6b", "healthy": "#59c26b", "no gradient": "#ff6b6b"},
    "slides": {"vanishing": "#1f5fa8", "exploding": "#b3261e", "healthy": "#1e7b34", "no gradient": "#b3261e"},
}  # fmt: skip


_DESKTOP_FONT: list[QtGui.QFont] = []


def desktop_font() -> QtGui.QFont:
    """The application font as the desktop set it, remembered before the first window changes it."""
    if not _DESKTOP_FONT:
        _DESKTOP_FONT.append(QtGui.QFont(QtWidgets.QApplication.font()))
    return QtGui.QFont(_DESKTOP_FONT[0])


def apply_app_font(theme: Theme) -> QtGui.QFont:
    """Give every widget the theme's print size (the screen theme: the desktop's own font); returns it."""
    font = widget_font(theme, desktop_font())
    QtWidgets.QApplication.setFont(font)
    return font


class MainWindow(QtWidgets.QMainWindow):
    """The gradviz window around one ``CoreBridge``.

    ``settings`` (a QSettings) keeps the dock layout, the theme and the recent files across launches;
    without it nothing is persisted. ``theme`` None takes the theme last used (else the screen theme).
    ``ask_to_save`` True asks about unsaved changes before New, Open, a preset switch and closing; the
    launched app turns it on (``ui.app.launch_window``), while a window a script, a test or an export drives
    keeps it off, so closing it never waits on a dialog.
    """

    def __init__(
        self, experiment: Experiment | Session, theme: Theme | None = None, settings: QtCore.QSettings | None = None,
        ask_to_save: bool = False,
    ):  # fmt: skip
        super().__init__()
        self.setObjectName("gradvizMainWindow")
        self._settings = settings
        #: The settings read defensively: a bad stored value falls back and is named in the status bar.
        self._stored = StoredSettings(settings) if settings is not None else None
        if theme is None:
            stored_theme = self._stored.theme_name() if self._stored is not None else None
            theme = THEMES[stored_theme] if stored_theme else SCREEN
        self._theme = theme
        #: Whether New, Open, a preset switch and quitting ask about unsaved changes first.
        self.ask_to_save = bool(ask_to_save)
        #: File > Open Recent's paths, newest first.
        self._recent: list[str] = self._stored.recent_files() if self._stored is not None else []
        self._experiment_name = ""
        #: The session file behind the screen, as sigFileChanged last said (None: none yet).
        self._file_path = None
        #: Whether a training run is under way (between sigTrainingStarted and sigTrainingFinished).
        self._training_running = False
        #: The experiment on screen, as sigExperimentChanged last gave it.
        self._experiment: Experiment | None = None
        #: A status-bar line waiting for the window to be shown.
        self._pending_status: str | None = None
        self.bridge = CoreBridge(experiment, self)

        self.diagram = NetworkView(theme)
        self.diagram.setObjectName("diagram")
        self.compare_view = CompareView(theme)
        self.compare_view.setObjectName("compare")
        self.compare_bar = CompareBar()
        compare_page = QtWidgets.QWidget()
        compare_layout = QtWidgets.QVBoxLayout(compare_page)
        compare_layout.setContentsMargins(0, 0, 0, 0)
        compare_layout.setSpacing(0)
        compare_layout.addWidget(self.compare_bar)
        compare_layout.addWidget(self.compare_view, 1)
        # The middle shows the diagram or, under View > Compare side by side, the Compare view.
        self.central = QtWidgets.QStackedWidget()
        self.central.addWidget(self.diagram)
        self.central.addWidget(compare_page)
        self.setCentralWidget(self.central)

        self.controls = ControlsPanel()
        self.inspector = InspectorPanel()
        self.gradient_bars = GradientBarsPanel()
        self.activation_curves = ActivationCurvesPanel()
        self.depth_chain = DepthChainPanel()
        self.training = TrainingPanel()
        #: Each registered view's widget in the window, by view name (a view with no widget of its own here
        #: is made from the registry).
        self.view_widgets = {
            "diagram": self.diagram, "compare": self.compare_view, "gradient-bars": self.gradient_bars,
            "activation": self.activation_curves, "depth-chain": self.depth_chain, "training": self.training,
        }  # fmt: skip
        for spec in views():
            if spec.name not in self.view_widgets:
                self.view_widgets[spec.name] = spec.make(theme)
        self.docks: dict[str, QtWidgets.QDockWidget] = {}
        #: While presenter mode is on: its page, and what it gives back on leaving.
        self._presenter_page: PresenterPage | None = None
        self._before_presenter: SavedLayout | None = None
        self.blank_screen = BlankScreen(self)
        self._health: Health | None = None
        #: The snapshot the window shows (None before the first).
        self._snapshot = None
        self._make_docks()
        self._make_actions()
        self._make_menus_and_toolbar()
        self._make_status_bar()
        self._connect()
        self.lab = LabPart(self)  # labview (#19): the training lab's page, keys, dock and status read-outs
        self._default_state = self.saveState(LAYOUT_VERSION)
        #: The desktop's own application font (as it was before any window changed it): the screen theme keeps it.
        self._desktop_font = desktop_font()
        self._docks_sized = False
        #: Whether the docks keep their default shares of the window (not when a saved layout was restored).
        self._dock_shares_kept = True
        self._fit_to_screen()
        #: Whether the window took the size and place it had when it last closed (QSettings).
        self.opened_at_saved_size = False
        self._restore_layout()
        self.set_theme(theme)
        self.bridge.announce()
        self._show_settings_problems()
        _track_window(self)
        # The arrow keys step the pass: the diagram has the focus at launch and gets it back after an edit
        # (a focused text field keeps ← and → for its cursor).
        self.diagram.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.diagram.setFocus()
        for field in self.controls.findChildren(QtWidgets.QLineEdit):
            field.returnPressed.connect(self.diagram.setFocus)

    # ------------------------------------------------------------------------------------------ building

    def _make_docks(self) -> None:
        """The right column holds Network and Inspector as tabs; the bottom holds every plot as tabs, so
        the one shown has the whole width (a plot squeezed beside another is too small to read)."""
        area = QtCore.Qt.DockWidgetArea
        places = {"bottom": area.BottomDockWidgetArea, "right": area.RightDockWidgetArea}
        specs = [
            ("controls", "Network", self.controls, area.RightDockWidgetArea),
            ("inspector", "Inspector", self.inspector, area.RightDockWidgetArea),
            *((v.name, v.title, self.view_widgets[v.name], places[v.place]) for v in views() if v.place in places),
        ]
        for name, title, widget, where in specs:
            dock = QtWidgets.QDockWidget(title, self)
            dock.setObjectName(f"dock-{name}")  # saveState needs object names
            if name == "controls":
                # The form is wider than the right column on a small screen: it scrolls rather than
                # pushing the window past the screen's edge.
                scroll = QtWidgets.QScrollArea()
                scroll.setObjectName("controlsScroll")
                scroll.setWidgetResizable(True)
                scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
                scroll.setWidget(widget)
                widget = scroll
            dock.setWidget(widget)
            dock.setFeatures(
                QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
                | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable
                | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable
            )
            self.docks[name] = dock
        self.setTabPosition(area.BottomDockWidgetArea, QtWidgets.QTabWidget.TabPosition.North)
        self.setTabPosition(area.RightDockWidgetArea, QtWidgets.QTabWidget.TabPosition.North)
        self._arranging = False
        self._compact = False
        self._arrange_docks()
        for dock in self.docks.values():
            dock.dockLocationChanged.connect(self._on_dock_moved)
            dock.topLevelChanged.connect(self._on_dock_moved)

    def _arrange_docks(self, compact: bool = False) -> None:
        """Put every dock in its place: Network and Inspector tabbed on the right, the plots tabbed below;
        ``compact`` tabs the plots into the right column after them instead (the bars raised)."""
        area = QtCore.Qt.DockWidgetArea
        self._arranging = True
        try:
            for name, dock in self.docks.items():
                where = area.RightDockWidgetArea if compact or name in COLUMN_DOCKS else area.BottomDockWidgetArea
                self.addDockWidget(where, dock)
            groups = [(*COLUMN_DOCKS, *PLOT_DOCKS)] if compact else [COLUMN_DOCKS, PLOT_DOCKS]
            for group in groups:
                for name in group[1:]:
                    self.tabifyDockWidget(self.docks[group[0]], self.docks[name])
            self._stack_panels_in_columns()  # before the layout runs, so it lays out their narrow sizes
            for dock in self.docks.values():
                dock.setFloating(False)
                dock.show()
            self.layout().activate()  # the tab bars exist only once the layout has run: raise_ needs them
            self._unelide_tab_bars()
            if not compact:
                self.docks["controls"].raise_()
            self.docks["gradient-bars"].raise_()
        finally:
            self._arranging = False
        self._compact = compact

    def _unelide_tab_bars(self) -> None:
        """Dock tabs keep their whole titles and scroll when they do not fit ("N…" and "I…" say nothing)."""
        for bar in self.findChildren(QtWidgets.QTabBar):
            bar.setElideMode(QtCore.Qt.TextElideMode.ElideNone)
            bar.setUsesScrollButtons(True)

    @property
    def compact_layout(self) -> bool:
        """Whether the default layout in place is the compact one (plots tabbed in the right column)."""
        return self._compact

    def _rearrange_docks(self, compact: bool) -> None:
        # Rebuilt rather than restoreState(default): restoring tab groups over floating docks crashes Qt.
        self._arranging = True
        try:
            for dock in self.docks.values():
                self.removeDockWidget(dock)
        finally:
            self._arranging = False
        self._arrange_docks(compact)

    def _wants_compact(self) -> bool:
        return self.height() < COMPACT_HEIGHT and self.width() >= COMPACT_MIN_WIDTH

    def _take_default_layout(self) -> None:
        """The default layout for the window's size (compact below ``COMPACT_HEIGHT`` where the width is at
        least ``COMPACT_MIN_WIDTH``), at its shares."""
        compact = self._wants_compact()
        if compact != self._compact:
            self._rearrange_docks(compact)
        self.size_docks()

    def _on_dock_moved(self, *_args) -> None:
        # A dock the user drags to another place or floats is their own layout: the default leaves it alone.
        if not self._arranging:
            self._dock_shares_kept = False
            self._stack_panels_in_columns()

    def _stack_panels_in_columns(self) -> None:
        """A plot panel docked in a side column (tall and narrow) stacks its plots; below, or floating, it
        lays them side by side. Follows the default layouts, a restored one and the user's moves alike."""
        area = QtCore.Qt.DockWidgetArea
        columns = (area.LeftDockWidgetArea, area.RightDockWidgetArea)
        for name, panel in (("activation", self.activation_curves), ("depth-chain", self.depth_chain),
                            ("training", self.training)):  # fmt: skip
            dock = self.docks[name]
            panel.set_stacked(not dock.isFloating() and self.dockWidgetArea(dock) in columns)

    def _fit_to_screen(self) -> None:
        """Open inside the screen's available area: at ``PREFERRED_SIZE`` where it fits, else filling it.

        Not maximised: a test or a script that resizes the window gets the size it asks for."""
        screen = self.screen() or QtGui.QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(*PREFERRED_SIZE)
            return
        available = screen.availableGeometry()
        width, height = min(PREFERRED_SIZE[0], available.width()), min(PREFERRED_SIZE[1], available.height())
        self.resize(width, height)
        self.move(available.x() + (available.width() - width) // 2, available.y() + (available.height() - height) // 2)

    def size_docks(self) -> None:
        """Give the plot tabs ``BOTTOM_SHARE`` of the window's height and the right column ``RIGHT_SHARE``
        of its width; in the compact layout the right column, plots and all, takes ``COMPACT_RIGHT_SHARE``
        (done when the window is first shown, on Reset layout and on a theme change)."""
        horizontal, vertical = QtCore.Qt.Orientation.Horizontal, QtCore.Qt.Orientation.Vertical
        if self._compact:
            right = max(MIN_RIGHT_WIDTH, round(self.width() * COMPACT_RIGHT_SHARE))
            self.resizeDocks([self.docks["gradient-bars"]], [right], horizontal)
            return
        bottom = max(1, round(self.height() * BOTTOM_SHARE))
        right = max(MIN_RIGHT_WIDTH, round(self.width() * RIGHT_SHARE))
        self.resizeDocks([self.docks["gradient-bars"]], [bottom], vertical)
        self.resizeDocks([self.docks["controls"]], [right], horizontal)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        # Until someone drags a splitter, the docks keep their share of a window that is maximised or resized.
        if self._docks_sized and self._dock_shares_kept:
            self.size_docks()

    def _action(self, text: str, slot, shortcut=None, tip: str = "", checkable: bool = False) -> QtGui.QAction:
        action = QtGui.QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QtGui.QKeySequence(shortcut))
            action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        label = f"{tip or text} ({action.shortcut().toString(QtGui.QKeySequence.SequenceFormat.NativeText)})" if shortcut else tip or text
        action.setToolTip(label)
        action.setStatusTip(tip or text)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        key = QtCore.Qt.Key
        b = self.bridge
        icon = self.style().standardIcon
        sp = QtWidgets.QStyle.StandardPixmap
        self.act_reset = self._action("Reset", b.reset, key.Key_Home, "Back to the start, nothing computed")
        self.act_reset.setIcon(icon(sp.SP_MediaSkipBackward))
        self.act_back = self._action("Step back", b.step_back, key.Key_Left, "Undo the last micro-step")
        self.act_back.setIcon(icon(sp.SP_MediaSeekBackward))
        self.act_play = self._action("Play", b.toggle_play, key.Key_Space, "Play or pause the pass", checkable=True)
        self.act_play.setIcon(icon(sp.SP_MediaPlay))
        self.act_forward = self._action("Step forward", b.step_forward, key.Key_Right, "Compute the next layer, the loss or the update")
        self.act_forward.setIcon(icon(sp.SP_MediaSeekForward))
        # A presentation remote sends PageDown / PageUp for its forward and back buttons.
        self.act_forward.setShortcuts([QtGui.QKeySequence(key.Key_Right), QtGui.QKeySequence(key.Key_PageDown)])
        self.act_back.setShortcuts([QtGui.QKeySequence(key.Key_Left), QtGui.QKeySequence(key.Key_PageUp)])
        self.act_end = self._action("Run to end of pass", b.run_to_end, key.Key_End, "Finish the backward pass")
        self.act_end.setIcon(icon(sp.SP_MediaSkipForward))

        self.act_new = self._action("New", lambda: self.new_session(), "Ctrl+N", f"A new session on the {DEFAULT_PRESET} preset")
        self.act_open = self._action("Open…", lambda: self.open_file(), "Ctrl+O", "Open a session or network file")
        self.act_save = self._action("Save", lambda: self.save_session(), "Ctrl+S", "Save the session: the network and what is on screen")
        self.act_save_as = self._action("Save as…", lambda: self.save_session_as(), "Ctrl+Shift+S", "Save the session to a new file")
        self.act_clear_recent = self._action("Clear the list", self.clear_recent_files, None, "Forget the recent files")
        self.act_export = self._action("Export image…", self.export_dialog, "Ctrl+E", "Export a view as PNG, SVG or PDF")
        self.act_undo = self._action("Undo", b.undo, QtGui.QKeySequence.StandardKey.Undo, "Take back the last change")
        self.act_undo.setShortcut(QtGui.QKeySequence("Ctrl+Z"))
        self.act_redo = self._action("Redo", b.redo, "Ctrl+Shift+Z", "Do again the change last taken back")
        self.act_copy = self._action("Copy image", self.copy_image, "Ctrl+Shift+C", "Copy the diagram to the clipboard")
        self.act_quit = self._action("Quit", self.close, QtGui.QKeySequence.StandardKey.Quit)
        self.act_compare = self._action(
            "Compare side by side", self.bridge.set_compare_active, "Ctrl+K",
            "The network as loaded beside the same weights with another activation", checkable=True,
        )  # fmt: skip
        self.act_presenter = self._action(
            "Presenter mode", self.set_presenter_mode, key.Key_F5,
            "Full screen in the slides theme: the diagram over the gradient bars (F5 or Esc leaves)", checkable=True,
        )  # fmt: skip
        self.act_blank = self._action("Blank the screen", self.set_blank, key.Key_B, "Black out the screen and back (presenter mode)", checkable=True)
        self.act_blank.setShortcuts([QtGui.QKeySequence(key.Key_B), QtGui.QKeySequence(key.Key_Period)])
        self.act_blank.setEnabled(False)
        self.act_escape = self._action("Clear the selection", self.escape, key.Key_Escape, "Leave presenter mode, or clear what the inspector shows")
        self.act_reveal_all = self._action(
            "Show all results at once", self.bridge.set_reveal_all, None,
            "Show every layer's bars and the verdict now, instead of as the backward pass computes them", checkable=True,
        )  # fmt: skip
        self.act_reset_layout = self._action("Reset layout", self.reset_layout, None, "Put every panel back where it started")
        self.act_shortcuts = self._action("Keyboard shortcuts", self.show_shortcuts, "F1")
        self.act_about = self._action("About gradviz", self.show_about)

        self.color_mode_group = QtGui.QActionGroup(self)
        self.color_mode_actions = {}
        for i, (mode, label) in enumerate(COLOR_MODES.items(), start=1):
            action = self._action(f"Colour edges by {label}", lambda checked=False, m=mode: self.set_color_mode(m), f"Ctrl+{i}", checkable=True)
            self.color_mode_group.addAction(action)
            self.color_mode_actions[mode] = action
        self.color_mode_actions["gradient"].setChecked(True)
        self.theme_group = QtGui.QActionGroup(self)
        self.theme_actions = {}
        for name in THEMES:
            action = self._action(f"{name.capitalize()} theme", lambda checked=False, n=name: self.set_theme(THEMES[n]), checkable=True,
                                  tip="Dark, for the screen" if name == "screen" else "White background and large print, for a projector")
            self.theme_group.addAction(action)
            self.theme_actions[name] = action

    def _make_menus_and_toolbar(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addActions([self.act_new, self.act_open])
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._update_recent_menu)
        self._update_recent_menu(prune=False)
        file_menu.addActions([self.act_save, self.act_save_as])
        file_menu.addSeparator()
        file_menu.addAction(self.act_export)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit_menu = menu.addMenu("&Edit")
        edit_menu.addActions([self.act_undo, self.act_redo])
        edit_menu.addSeparator()
        edit_menu.addAction(self.act_copy)
        edit_menu.addAction(self.act_escape)
        self.edit_menu = edit_menu
        pass_menu = menu.addMenu("&Pass")
        pass_menu.addActions([self.act_reset, self.act_back, self.act_play, self.act_forward, self.act_end])
        view_menu = menu.addMenu("&View")
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        view_menu.addAction(self.act_compare)
        view_menu.addActions([self.act_presenter, self.act_blank])
        view_menu.addAction(self.act_reveal_all)
        view_menu.addSeparator()
        view_menu.addActions(list(self.color_mode_actions.values()))
        view_menu.addSeparator()
        view_menu.addActions(list(self.theme_actions.values()))
        view_menu.addSeparator()
        view_menu.addAction(self.act_reset_layout)
        self.view_menu = view_menu
        help_menu = menu.addMenu("&Help")
        help_menu.addActions([self.act_shortcuts, self.act_about])

        bar = self.addToolBar("Pass")
        bar.setObjectName("toolbar-pass")
        bar.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addActions([self.act_reset, self.act_back, self.act_play, self.act_forward, self.act_end])
        bar.addSeparator()
        bar.addWidget(QtWidgets.QLabel(" Speed "))
        self.speed = QtWidgets.QDoubleSpinBox()
        self.speed.setRange(MIN_SPEED, MAX_SPEED)
        self.speed.setSingleStep(0.5)
        self.speed.setDecimals(2)
        self.speed.setSuffix(" steps/s")
        self.speed.setValue(DEFAULT_SPEED)
        self.speed.setToolTip("How many micro-steps per second while playing")
        self.speed.valueChanged.connect(self.bridge.set_speed)
        bar.addWidget(self.speed)
        bar.addSeparator()
        bar.addWidget(QtWidgets.QLabel(" Colour edges by "))
        self.color_mode = QtWidgets.QComboBox()
        for mode, label in COLOR_MODES.items():
            self.color_mode.addItem(label, mode)
        self.color_mode.activated.connect(lambda i: self.set_color_mode(self.color_mode.itemData(i)))
        bar.addWidget(self.color_mode)
        self.toolbar = bar

    def _make_status_bar(self) -> None:
        self.status_step = QtWidgets.QLabel()
        self.status_step.setObjectName("statusStep")
        self.status_health = QtWidgets.QLabel()
        self.status_health.setObjectName("statusHealth")
        self.statusBar().addWidget(self.status_step, 1)
        self.statusBar().addPermanentWidget(self.status_health)

    def _connect(self) -> None:
        b = self.bridge
        b.sigSnapshot.connect(self._on_snapshot)
        b.sigStatusMessage.connect(lambda text: self.statusBar().showMessage(text, 10000))
        b.sigPlayingChanged.connect(self._on_playing_changed)
        b.sigTrainingStarted.connect(self._on_training_started)
        b.sigTrainingProgress.connect(self.training.set_progress)
        b.sigTrainingFinished.connect(self._on_training_finished)
        self.diagram.sigBackgroundClicked.connect(b.step_forward)
        self.diagram.sigNeuronClicked.connect(lambda layer, unit: self.select(("neuron", layer, unit)))
        self.diagram.sigEdgeClicked.connect(lambda layer, to, frm: self.select(("edge", layer, to, frm)))
        self.compare_view.sigBackgroundClicked.connect(b.step_forward)
        self.compare_view.sigNeuronClicked.connect(lambda side, layer, unit: self.select(("neuron", layer, unit), side))
        self.compare_view.sigEdgeClicked.connect(lambda side, layer, to, frm: self.select(("edge", layer, to, frm), side))
        self.compare_bar.sigActivationChosen.connect(b.set_compare_activation)
        self.compare_bar.sigResidualChosen.connect(b.set_compare_residual)
        self.compare_bar.sigSharedScaleChosen.connect(b.set_shared_scale)
        self.inspector.sigSampleChosen.connect(b.set_inspect_sample)
        self.controls.sigEditRequested.connect(b.request_edit)
        b.sigEditRefused.connect(self.controls.show_error)
        self.controls.sigPresetChosen.connect(self.switch_preset)
        self.gradient_bars.sigSettingsChanged.connect(b.set_bars_settings)
        self.training.sigTrainRequested.connect(b.start_training)
        self.training.sigCancelRequested.connect(b.cancel_training)

    # ------------------------------------------------------------------------------------------ updates

    def _on_snapshot(self, shot) -> None:
        """Hand each view what changed since the snapshot before: one signal, each view redrawn at most once."""
        before, self._snapshot = self._snapshot, shot
        new = before is None

        def changed(name) -> bool:
            return new or getattr(shot, name) is not getattr(before, name)

        if changed("experiment"):
            self._on_experiment_changed(shot.experiment)
        if new or shot.color_mode != before.color_mode:
            self._on_color_mode_changed(shot.color_mode)
        if new or shot.compare != before.compare:
            self._on_compare_settings_changed(shot.compare)
        if new or shot.reveal_all != before.reveal_all:
            self.act_reveal_all.setChecked(shot.reveal_all)
        if new or shot.cursor != before.cursor:
            self._on_cursor_changed(shot.cursor)
        if new or shot.verdict != before.verdict:
            self._on_health_changed(shot.verdict)
        for spec in views():
            # The same draw an export makes, told what it drew last so it redraws only what changed.
            spec.draw(self.view_widgets[spec.name], shot, before)
        if new or not shot.inspected.same_as(before.inspected):
            i = shot.inspected
            self.inspector.show_selection(i.record, i.selection, i.side_title, i.sample, i.learning_rate)
        if new or (shot.title, shot.undo_text, shot.redo_text) != (before.title, before.undo_text, before.redo_text):
            self._on_title_changed(shot.title)
            self._on_undo_changed(shot.undo_text, shot.redo_text)
        if new or (shot.weights_note, shot.description) != (before.weights_note, before.description):
            self.controls.show_story(shot.weights_note, shot.description)
        if new or shot.file_path != before.file_path:
            self._on_file_changed(shot.file_path)
        self.setWindowModified(shot.dirty)
        if shot.animate_ms is not None:
            self._on_animate_step(shot.animate_ms)
        if shot.note:
            self.statusBar().showMessage(shot.note, 15000)

    def _on_cursor_changed(self, cursor: Cursor) -> None:
        text = describe_step(cursor.step, cursor.depth)
        if cursor.step == 0:
            text += ": press → to start the forward pass"
        if cursor.loss is not None:
            text += f"   ·   loss = {format_number(cursor.loss, 6, trailing_zeros=False)}"
        text += f"   ·   pass {cursor.passes_done + 1}"
        self.status_step.setText(text)
        self.act_back.setEnabled(cursor.can_step_back)

    def _on_health_changed(self, health: Health) -> None:
        self._health = health
        self._show_health()

    def _show_health(self) -> None:
        """The verdict on the status line, in its colour on the current theme."""
        health = self._health
        if health is None:
            return
        self.status_health.setText(f"Gradient health: {health.describe()}")
        color = HEALTH_COLORS.get(self._theme.name, HEALTH_COLORS["screen"]).get(health.verdict)
        # Without a verdict colour the label takes the theme's text colour from the palette.
        self.status_health.setStyleSheet(f"{f'color: {color}; ' if color else ''}font-weight: bold; padding-right: 8px;")

    def _on_file_changed(self, path) -> None:
        self._file_path = path
        self._update_title()

    def _on_experiment_changed(self, experiment: Experiment) -> None:
        self._experiment = experiment
        self._experiment_name = experiment.name
        self._update_title()
        self.controls.show_experiment(experiment)

    def _on_title_changed(self, title: str) -> None:
        self._experiment_name = title  # "tiny-sigmoid (modified)" once edited
        self._update_title()
        self.controls.show_title(title)

    def _on_undo_changed(self, undo_text: str | None, redo_text: str | None) -> None:
        for action, text, plain in ((self.act_undo, undo_text, "Undo"), (self.act_redo, redo_text, "Redo")):
            action.setText(text or plain)
            action.setEnabled(text is not None)

    def _update_title(self) -> None:
        # "[*]" is where Qt shows "*" while the session has unsaved changes (setWindowModified).
        path = self._file_path
        shown = f"{self._experiment_name} ({path.name})" if path is not None else self._experiment_name
        self.setWindowTitle(f"{shown}[*] — gradviz")

    def _on_compare_settings_changed(self, settings) -> None:
        self.act_compare.setChecked(settings.active)
        self.compare_bar.show_settings(settings)
        page = self.compare_view.parentWidget() if settings.active else self.diagram
        if self.central.currentWidget() is not page:
            self.diagram.stop_animation()
            self.compare_view.stop_animation()
            self.central.setCurrentWidget(page)
            # The arrow keys keep stepping: the view in the middle takes the focus.
            (self.compare_view.left if settings.active else self.diagram).setFocus()

    def _on_animate_step(self, duration_ms: int) -> None:
        self.central_view().animate_step(duration_ms)

    def _on_color_mode_changed(self, mode: str) -> None:
        self.color_mode_actions[mode].setChecked(True)
        self.color_mode.setCurrentIndex(self.color_mode.findData(mode))

    def _on_playing_changed(self, playing: bool) -> None:
        self.act_play.setChecked(playing)
        self.act_play.setText("Pause" if playing else "Play")
        sp = QtWidgets.QStyle.StandardPixmap
        self.act_play.setIcon(self.style().standardIcon(sp.SP_MediaPause if playing else sp.SP_MediaPlay))
        if not playing:
            self.diagram.stop_animation()
            self.compare_view.stop_animation()

    def _on_training_started(self, total: int) -> None:
        self._training_running = True
        self.training.set_training(True)

    def _on_training_finished(self, history) -> None:
        self._training_running = False
        self.training.set_training(False)
        if history is not None and history.stopped_at is not None:
            self.statusBar().showMessage(history.stop_reason, 15000)
        elif history is not None:
            state = "cancelled after" if history.cancelled else "finished:"
            self.statusBar().showMessage(f"Training {state} {history.steps} steps; the diagram shows the trained network.", 8000)

    # ------------------------------------------------------------------------------------------ commands

    def select(self, selection: tuple | None, side: str = "left") -> None:
        """Show ``selection`` in the inspector (picked on the ``side`` half of the Compare view)."""
        self.bridge.select(selection, side)
        self.docks["inspector"].show()

    def set_color_mode(self, mode: str) -> None:
        self.bridge.set_color_mode(mode)

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        palette = qt_palette(theme)
        self.setPalette(palette)
        # Dialogs and menus are windows of their own, which a palette does not reach from their parent.
        QtWidgets.QApplication.setPalette(palette)
        # The slides theme's print size reaches every widget, menus and tabs included, through the app font.
        font = apply_app_font(theme)
        self.setFont(font)  # reaches every child at once, before the application's font event arrives
        # Dock title bars and the tab bars the window makes for tabbed docks keep the desktop's own
        # title font unless they are given one.
        # So do menus (windows of their own) and widgets with a style sheet; the status bar had one in
        # presenter mode, and the font it was given then must not outlive it.
        styled = [w for w in self.findChildren(QtWidgets.QWidget) if w.styleSheet()]
        for widget in [*self.findChildren(QtWidgets.QTabBar), *self.findChildren(QtWidgets.QAbstractButton),
                       *self.findChildren(QtWidgets.QMenu), *styled, self.statusBar()]:
            widget.setFont(font)
        # A dock whose font equals the application's draws its title in the desktop's small title font;
        # one that differs (here only in kerning, which nobody sees) draws it in its own.
        dock_font = QtGui.QFont(font)
        if theme.widget_font_px is not None:
            dock_font.setKerning(not font.kerning())
        for dock in self.docks.values():
            dock.setFont(dock_font)
        if self._docks_sized and self._dock_shares_kept:
            self._take_default_layout()
        for widget in (self.diagram, self.compare_view, self.gradient_bars, self.activation_curves, self.depth_chain, self.training,
                       self.view_widgets["lab"]):  # labview (#19)
            widget.set_theme(theme)
        self.theme_actions[theme.name].setChecked(True)
        self.inspector.set_theme(theme)
        self._show_health()  # its colour follows the theme

    @property
    def theme(self) -> Theme:
        return self._theme

    def view_widget(self, name: str) -> QtWidgets.QWidget:
        """The widget an export of a view draws (see ``VIEW_NAMES``): a panel's plot, without its controls."""
        if name == WHOLE_WINDOW:
            return self
        for spec in views():
            if spec.name == name:
                return spec.plot(self.view_widgets[name])
        raise KeyError(f"unknown view {name!r}; choose one of {', '.join(VIEW_NAMES)}")

    def _panel(self, name: str) -> QtWidgets.QWidget:
        """A docked panel by view name (presenter mode borrows the bars from their dock)."""
        panels = {"controls": self.controls, "inspector": self.inspector, "gradient-bars": self.gradient_bars,
                  "activation": self.activation_curves, "depth-chain": self.depth_chain, "training": self.training}  # fmt: skip
        return panels[name]

    def central_view(self) -> QtWidgets.QWidget:
        """The view in the middle: the diagram, or the Compare view while it is on."""
        return self.compare_view if self.act_compare.isChecked() else self.diagram

    # ------------------------------------------------------------------------------------------ session files

    def confirm_discard(self, doing: str) -> bool:
        """Ask whether to save unsaved changes before ``doing`` ("opening a file"): True to go on.

        Save saves (Save As when there is no file yet; False if that is cancelled or fails), Discard goes
        on, Cancel stops. Nothing is asked when nothing is unsaved or ``ask_to_save`` is off.
        """
        # The window's modified mark is the bridge's dirty flag (sigDirtyChanged); a running training counts.
        if not self.ask_to_save or not (self.isWindowModified() or self._training_running):
            return True
        path = self._file_path
        name = path.name if path is not None else self._experiment.name
        buttons = QtWidgets.QMessageBox.StandardButton
        answer = QtWidgets.QMessageBox.question(
            self, "Unsaved changes",
            f"{name} has changes that are not saved: the pass moved, or the network or a setting changed. "
            f"Save them before {doing}?",
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save,
        )  # fmt: skip
        if answer == buttons.Save:
            return self.save_session()
        return answer == buttons.Discard

    def new_session(self, preset: str = DEFAULT_PRESET) -> bool:
        """File > New: a new session on ``preset`` (after asking about unsaved changes)."""
        if not self.confirm_discard("starting a new session"):
            return False
        self.bridge.new_session(preset)
        return True

    def switch_preset(self, name: str) -> bool:
        """The Preset box: a new session on the preset ``name``; cancelled, the box shows the network again."""
        if not self.confirm_discard(f"switching to {name}"):
            self.controls.show_experiment(self._experiment)
            return False
        self.bridge.new_session(name)
        return True

    def open_file(self, path: str | None = None, ask: bool = True) -> bool:
        """File > Open: a session file (restored exactly as saved) or a network file (at its start).

        A file that cannot be opened is named in one message box and changes nothing.
        """
        if ask and not self.confirm_discard("opening another file"):
            return False
        if not path:
            start = str(self._file_path.parent) if self._file_path is not None else ""
            path, _ = QtWidgets.QFileDialog.getOpenFileName(
                self, "Open a session or network file", start, "Session and network files (*.json);;All files (*)"
            )
            if not path:
                return False
        opened_lab = self.lab.open_lab_file(path)  # labview (#19): a lab session opens in the lab
        if opened_lab is not None:
            return opened_lab
        try:
            is_session = self.bridge.open_session(path)
        except (NetworkFileError, WorkBudgetError) as exc:
            QtWidgets.QMessageBox.warning(self, "Cannot open this network", f"{Path(path).name} was not opened: {exc}")
            return False
        self._remember_file(path, is_session)
        kind = "session" if is_session else "network file"
        self.statusBar().showMessage(f"Opened the {kind} {path}", 5000)
        return True

    def save_session(self) -> bool:
        """File > Save: to the current session file, else as Save As asks."""
        path = self._file_path
        return self.save_session_as(str(path)) if path is not None else self.save_session_as()

    def save_session_as(self, path: str | None = None) -> bool:
        """File > Save As: write the session (the network and what is on screen) to ``path`` or a chosen file.

        A network a file cannot hold (non-finite, beyond the file limits) is refused in one message box
        naming the value, and nothing is written.
        """
        if not path:
            current = self._file_path
            suggested = str(current) if current is not None else f"{self._experiment.name}.json"
            path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save the session", suggested, "Session files (*.json)")
            if not path:
                return False
        try:
            self.bridge.save_session(path)
        except NetworkFileError as exc:
            QtWidgets.QMessageBox.warning(self, "Cannot save the session", f"Nothing was written to {Path(path).name}. {exc}")
            return False
        except OSError as exc:
            QtWidgets.QMessageBox.warning(self, "Cannot save the network", f"Could not write {path}: {exc.strerror or exc}")
            return False
        self._remember_file(path, True)
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def save_file(self, path: str | None = None) -> bool:
        """Save the session as ``path`` (or a chosen file): see ``save_session_as``."""
        return self.save_session_as(path)

    def open_at_launch(self, path) -> bool:
        """Open ``path`` given on the command line; a bad file leaves the window as it is, with a message box."""
        return self.open_file(str(path), ask=False)

    def reopen_last_session(self) -> bool:
        """Reopen the session on screen when the window last closed.

        Whatever goes wrong (an unreadable or missing file, a newer format, any error while restoring), the
        window stays on the default preset and says so in one status-bar line naming the file, which is
        left as it is.
        """
        if self._stored is None:
            return False
        path = self._stored.last_session()
        self._show_settings_problems()
        if path is None:
            return False
        try:
            self.bridge.open_session(path)
        except Exception as exc:  # noqa: BLE001 -- a last session must never stop the app from starting
            if not isinstance(exc, (NetworkFileError, WorkBudgetError)):  # it may have stopped half-way
                self.bridge.new_session(DEFAULT_PRESET)
            self._stored.set_last_session(None)
            reason = one_line(str(exc) or type(exc).__name__)
            shown = self._experiment.name
            self.statusBar().showMessage(
                f"Could not reopen the last session {one_line(path)} ({reason}); this is the {shown} preset.", 30000
            )
            return False
        self._remember_file(path, True)
        return True

    # ------------------------------------------------------------------------------------------ recent files

    def recent_files(self) -> list[str]:
        """File > Open Recent's paths, newest first."""
        return list(self._recent)

    def clear_recent_files(self) -> None:
        self._recent = []
        self._store_recent()
        self._update_recent_menu(prune=False)

    def _remember_file(self, path, is_session: bool) -> None:
        text = str(Path(path).absolute())
        self._recent = [text, *(p for p in self._recent if p != text)][:MAX_RECENT_FILES]
        self._store_recent()
        if is_session and self._stored is not None:
            self._stored.set_last_session(text)
        self._update_recent_menu(prune=False)

    def _store_recent(self) -> None:
        if self._stored is not None:
            self._stored.set_recent_files(self._recent)

    def _update_recent_menu(self, prune: bool = True) -> None:
        """Rebuild File > Open Recent; ``prune`` drops files that are gone, saying which in the status bar."""
        if prune:
            missing = [p for p in self._recent if not Path(p).is_file()]
            if missing:
                self._recent = [p for p in self._recent if p not in missing]
                self._store_recent()
                names = ", ".join(Path(p).name for p in missing)
                self.statusBar().showMessage(f"Removed from Open Recent, no longer there: {names}", 8000)
        menu = self.recent_menu
        menu.clear()
        for number, path in enumerate(self._recent, start=1):
            action = menu.addAction(f"&{number} {Path(path).name}")
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda checked=False, p=path: self.open_recent(p))
        if not self._recent:
            menu.addAction("No recent files").setEnabled(False)
        menu.addSeparator()
        menu.addAction(self.act_clear_recent)
        self.act_clear_recent.setEnabled(bool(self._recent))

    def open_recent(self, path: str) -> bool:
        """Open a recent file; one that cannot be opened any more leaves the list."""
        if not self.confirm_discard("opening another file"):
            return False
        if self.open_file(path, ask=False):
            return True
        self._recent = [p for p in self._recent if p != path]
        self._store_recent()
        self._update_recent_menu(prune=False)
        return False

    def export_dialog(self) -> None:
        from .export_dialog import ExportDialog

        ExportDialog(self).exec()

    def copy_image(self) -> None:
        from .export_dialog import copy_image

        if self.lab.shown:  # labview (#19): the lab is what is on screen
            copy_image(self, "lab")
            self.statusBar().showMessage("The training lab is on the clipboard.", 4000)
            return
        copy_image(self, "compare" if self.central_view() is self.compare_view else "diagram")
        self.statusBar().showMessage("The diagram is on the clipboard.", 4000)

    def reset_layout(self) -> None:
        """View > Reset layout: the default layout for the window's height, every dock shown and docked."""
        self._rearrange_docks(self._wants_compact())
        self._dock_shares_kept = True
        self.size_docks()

    # ------------------------------------------------------------------------------------------ presenter mode

    @property
    def presenter_active(self) -> bool:
        return self._presenter_page is not None

    def set_presenter_mode(self, on: bool) -> None:
        """Full screen in the slides theme, the middle view over the gradient bars, no docks or menus.

        Leaving gives back the docks, toolbars, geometry, window state and theme exactly as they were.
        """
        if bool(on) != self.presenter_active:
            self._enter_presenter() if on else self._leave_presenter()
        self.act_presenter.setChecked(self.presenter_active)
        self.act_blank.setEnabled(self.presenter_active)

    def _enter_presenter(self) -> None:
        status = self.statusBar()
        self._before_presenter = SavedLayout(
            self.saveState(LAYOUT_VERSION), self.geometry(), self.windowState(), self._theme,
            self.menuBar().isVisible(), status.styleSheet(), self._dock_shares_kept,
        )  # fmt: skip
        # The docks' sizes come back from the saved state, not from the shares of a full-screen window.
        self._dock_shares_kept = False
        middle = self.takeCentralWidget()  # the diagram / Compare stack, kept alive for the way back
        self._presenter_page = PresenterPage(middle, self.gradient_bars)
        for dock in self.docks.values():
            dock.hide()
        self.setCentralWidget(self._presenter_page)
        self.menuBar().hide()
        self.toolbar.hide()
        # The diagram's caption says where the pass is, in larger print: the status line keeps the verdict.
        self.status_step.hide()
        # The choosers are for the desk: the halves' titles and the bars' title say what they show.
        self.compare_bar.hide()
        self.gradient_bars.set_controls_visible(False)
        status.setStyleSheet(presenter_status_style(SLIDES))
        self.set_theme(SLIDES)
        # Without a window manager full screen is only a wish: the screen's size is asked for as well.
        self._settle_layout()
        self.setGeometry(self.screen().geometry())
        self.setWindowState(self.windowState() | QtCore.Qt.WindowState.WindowFullScreen)
        self.central_view().setFocus()

    def _leave_presenter(self) -> None:
        saved, page = self._before_presenter, self._presenter_page
        self.set_blank(False)
        self.takeCentralWidget()
        middle, bars = page.give_back()
        self.setCentralWidget(middle)
        self.docks["gradient-bars"].setWidget(bars)
        page.hide()
        page.deleteLater()
        self._presenter_page = self._before_presenter = None
        self.statusBar().setStyleSheet(saved.status_style)
        self.status_step.show()
        self.compare_bar.show()
        self.gradient_bars.set_controls_visible(True)
        self.set_theme(saved.theme)
        self.menuBar().setVisible(saved.menu_visible)
        self.restoreState(saved.state, LAYOUT_VERSION)
        self.setWindowState(saved.window_state)
        self._settle_layout()
        if not saved.window_state & (QtCore.Qt.WindowState.WindowMaximized | QtCore.Qt.WindowState.WindowFullScreen):
            self.setGeometry(saved.geometry)
        self.restoreState(saved.state, LAYOUT_VERSION)  # again, at the window's own size
        self._stack_panels_in_columns()
        self._settle_layout()
        self._dock_shares_kept = saved.dock_shares_kept
        self.central_view().setFocus()

    def _settle_layout(self) -> None:
        """Bring the window's minimum size up to date before a resize (a style sheet's new print size and the
        swapped middle are only laid out by posted events): else the size asked for is clamped to the old one."""
        QtCore.QCoreApplication.sendPostedEvents()
        self.layout().activate()

    def set_blank(self, blank: bool) -> None:
        """Black out the whole window (presenter mode's B or . key) or bring it back.

        Only B or . brings it back: the step keys still step behind the black screen.
        """
        blank = bool(blank) and self.presenter_active
        self.blank_screen.set_blank(blank)
        self.act_blank.setChecked(blank)

    @property
    def blanked(self) -> bool:
        return self.blank_screen.isVisible()

    def escape(self) -> None:
        """Esc: leave presenter mode, or else clear the selection the inspector shows."""
        if self.presenter_active:
            self.set_presenter_mode(False)
        else:
            self.bridge.select(None)

    def show_shortcuts(self) -> None:
        rows = [
            ("→ or a click on the background", "step forward one micro-step"),
            ("←", "step back"),
            ("Space", "play / pause the pass"),
            ("End", "run to the end of the backward pass"),
            ("Home", "reset to the start"),
            ("PageDown / PageUp", "step forward / back, as a presentation remote sends them"),
            ("F5", "presenter mode: full screen, slides theme, the diagram over the gradient bars"),
            ("B or .", "in presenter mode: blank the screen to black, and back"),
            ("Esc", "leave presenter mode; otherwise clear the selection in the inspector"),
            ("Ctrl+1 / 2 / 3", "colour edges by gradient, weight, activation"),
            ("Ctrl+K", "compare side by side: the network as loaded and with another activation"),
            ("Ctrl+Z / Ctrl+Shift+Z", "undo / redo the last edit, weight redraw, training run or preset switch"),
            ("Ctrl+N / Ctrl+O", "a new session / open a session or network file"),
            ("Ctrl+S / Ctrl+Shift+S", "save the session / save it as a new file"),
            ("Ctrl+E / Ctrl+Shift+C", "export / copy an image"),
            *self.lab.shortcut_rows(),  # labview (#19)
        ]
        html = "<table cellspacing=6>" + "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows) + "</table>"
        QtWidgets.QMessageBox.information(self, "Keyboard shortcuts", html)

    def show_about(self) -> None:
        versions = version_report().splitlines()  # the same lines as ``gradviz --version``
        QtWidgets.QMessageBox.about(
            self, "About gradviz",
            f"<b>{versions[0]}</b><p>See the vanishing gradient: step through backprop on a network "
            "whose edges are coloured by |∂L/∂w|.</p><p>" + "<br>".join(versions[1:]) + "</p>",
        )  # fmt: skip

    # ------------------------------------------------------------------------------------------ layout

    def _restore_layout(self) -> None:
        stored = self._stored
        if stored is None:
            return
        geometry = stored.window_data(GEOMETRY_KEY)
        if geometry is not None:
            self.opened_at_saved_size = self.restoreGeometry(geometry)
            if not self.opened_at_saved_size:
                stored.refuse(GEOMETRY_KEY, "window data this gradviz cannot restore")
        state = stored.window_data(STATE_KEY)
        if state is not None:
            if self.restoreState(state, LAYOUT_VERSION):
                self._dock_shares_kept = False  # the user's own layout, not the default shares
                self._stack_panels_in_columns()
            else:
                stored.refuse(STATE_KEY, "a panel layout this gradviz cannot restore")

    def _show_settings_problems(self) -> None:
        message = self._stored.take_message() if self._stored is not None else None
        if message:
            self._stored.qsettings.sync()  # the bad entries are gone from the file now, not only at quit
            self._show_status_when_visible(message)

    def _show_status_when_visible(self, message: str) -> None:
        # A status message shown before the window is hides nothing under it: the step line would show through.
        if self.isVisible():
            self.statusBar().showMessage(message, 30000)
        else:
            self._pending_status = message

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if not self._docks_sized:
            self._docks_sized = True
            # A layout restored from the settings is the user's own: only the default one follows the height.
            if self._dock_shares_kept:
                self._take_default_layout()
        message, self._pending_status = self._pending_status, None
        if message:
            self.statusBar().showMessage(message, 30000)

    def save_layout(self) -> None:
        if self._settings is None:
            return
        self._settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self._settings.setValue(STATE_KEY, self.saveState(LAYOUT_VERSION))
        self._settings.setValue(THEME_KEY, self._theme.name)
        self._stored.set_last_session(self._file_path)
        self._store_recent()
        self._settings.sync()

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if not self.confirm_discard("quitting"):
            event.ignore()
            return
        self.set_presenter_mode(False)  # the layout saved is the one presenter mode gives back
        self.save_layout()
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop every timer and animation (on close, and at interpreter exit for a window left open)."""
        self.bridge.shutdown()
        self.diagram.stop_animation()
        self.compare_view.stop_animation()


#: Every MainWindow not yet deleted, so one left open at interpreter exit is taken down first.
_LIVE_WINDOWS: weakref.WeakSet = weakref.WeakSet()


def _track_window(window: MainWindow) -> None:
    if not getattr(_track_window, "registered", False):
        # Registered with the first window, after the QApplication exists: exit handlers run last-registered
        # first, so the windows go while Qt is still whole.
        atexit.register(_delete_open_windows)
        _track_window.registered = True
    _LIVE_WINDOWS.add(window)


def _delete_open_windows() -> None:
    for window in list(_LIVE_WINDOWS):
        if shiboken6.isValid(window):
            window.shutdown()
            window.hide()
            shiboken6.delete(window)
    _LIVE_WINDOWS.clear()
