"""The main window: the diagram (or the Compare view) in the middle, stepping actions, and the docked
panels around it. It wires actions to bridge slots and bridge signals to views, and computes nothing."""

from __future__ import annotations

import atexit
import weakref
from pathlib import Path

import shiboken6
from PySide6 import QtCore, QtGui, QtWidgets

from ..core.budget import WorkBudgetError
from ..core.format import format_number
from ..core.netfile import Experiment, NetworkFileError
from ..core.records import describe_step
from ..core.session import Cursor, Session
from ..core.stats import Health
from ..names import COLOR_MODES, DEFAULT_PRESET, VIEW_NAMES
from .bridge import DEFAULT_SPEED, MAX_SPEED, MIN_SPEED, CoreBridge
from .controls import CompareBar, ControlsPanel
from .diagram import CompareView, NetworkView
from .inspector import InspectorPanel
from .panels.activation_curves import ActivationCurvesPanel
from .panels.depth_chain import DepthChainPanel
from .panels.gradient_bars import GradientBarsPanel
from .panels.training_history import TrainingPanel
from .settings import GEOMETRY_KEY, MAX_RECENT_FILES, STATE_KEY, THEME_KEY, StoredSettings
from .theme import SCREEN, THEMES, Theme, qt_palette

__all__ = ["MainWindow", "VIEW_NAMES"]
#: Bumped whenever the dock layout changes, so an old saved layout is not restored onto a new one.
LAYOUT_VERSION = 1
HEALTH_COLORS = {
    "vanishing": "#4e9fe5", "exploding": "#ff6b6b", "healthy": "#59c26b", "no gradient": "#ff6b6b",
}  # fmt: skip


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
        self.docks: dict[str, QtWidgets.QDockWidget] = {}
        self._make_docks()
        self._make_actions()
        self._make_menus_and_toolbar()
        self._make_status_bar()
        self._connect()
        self._default_state = self.saveState(LAYOUT_VERSION)
        self.resize(1500, 950)
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
        area = QtCore.Qt.DockWidgetArea
        specs = [
            ("controls", "Network", self.controls, area.RightDockWidgetArea),
            ("inspector", "Inspector", self.inspector, area.RightDockWidgetArea),
            ("gradient-bars", "Gradient bars: sigmoid vs ReLU", self.gradient_bars, area.BottomDockWidgetArea),
            ("activation", "Activation curves", self.activation_curves, area.BottomDockWidgetArea),
            ("depth-chain", "Gradient vs depth", self.depth_chain, area.BottomDockWidgetArea),
            ("training", "Training history", self.training, area.BottomDockWidgetArea),
        ]
        for name, title, widget, where in specs:
            dock = QtWidgets.QDockWidget(title, self)
            dock.setObjectName(f"dock-{name}")  # saveState needs object names
            dock.setWidget(widget)
            dock.setFeatures(
                QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
                | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable
                | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable
            )
            self.addDockWidget(where, dock)
            self.docks[name] = dock
        self.splitDockWidget(self.docks["gradient-bars"], self.docks["activation"], QtCore.Qt.Orientation.Horizontal)
        self.tabifyDockWidget(self.docks["activation"], self.docks["depth-chain"])
        self.tabifyDockWidget(self.docks["gradient-bars"], self.docks["training"])
        self.docks["gradient-bars"].raise_()
        self.docks["activation"].raise_()
        self.splitDockWidget(self.docks["controls"], self.docks["inspector"], QtCore.Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["controls"]], [330], QtCore.Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["gradient-bars"]], [300], QtCore.Qt.Orientation.Vertical)

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
        self.act_end = self._action("Run to end of pass", b.run_to_end, key.Key_End, "Finish the backward pass")
        self.act_end.setIcon(icon(sp.SP_MediaSkipForward))

        self.act_new = self._action("New", lambda: self.new_session(), "Ctrl+N", f"A new session on the {DEFAULT_PRESET} preset")
        self.act_open = self._action("Open…", lambda: self.open_file(), "Ctrl+O", "Open a session or network file")
        self.act_save = self._action("Save", lambda: self.save_session(), "Ctrl+S", "Save the session: the network and what is on screen")
        self.act_save_as = self._action("Save as…", lambda: self.save_session_as(), "Ctrl+Shift+S", "Save the session to a new file")
        self.act_clear_recent = self._action("Clear the list", self.clear_recent_files, None, "Forget the recent files")
        self.act_export = self._action("Export image…", self.export_dialog, "Ctrl+E", "Export a view as PNG, SVG or PDF")
        self.act_copy = self._action("Copy image", self.copy_image, "Ctrl+Shift+C", "Copy the diagram to the clipboard")
        self.act_quit = self._action("Quit", self.close, QtGui.QKeySequence.StandardKey.Quit)
        self.act_compare = self._action(
            "Compare side by side", self.bridge.set_compare_active, "Ctrl+K",
            "The network as loaded beside the same weights with another activation", checkable=True,
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
        edit_menu.addAction(self.act_copy)
        pass_menu = menu.addMenu("&Pass")
        pass_menu.addActions([self.act_reset, self.act_back, self.act_play, self.act_forward, self.act_end])
        view_menu = menu.addMenu("&View")
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        view_menu.addAction(self.act_compare)
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
        b.sigRecordChanged.connect(self._on_record_changed)
        b.sigCursorChanged.connect(self._on_cursor_changed)
        b.sigHealthChanged.connect(self._on_health_changed)
        b.sigComparisonChanged.connect(self.gradient_bars.show_comparison)
        b.sigColorModeChanged.connect(self._on_color_mode_changed)
        b.sigSelectionChanged.connect(self._on_selection_changed)
        b.sigInspected.connect(self.inspector.show_selection)
        b.sigExperimentChanged.connect(self._on_experiment_changed)
        b.sigHistoryChanged.connect(self.training.show_history)
        b.sigAnimateStep.connect(self._on_animate_step)
        b.sigCompareChanged.connect(self.compare_view.show_records)
        b.sigCompareSettingsChanged.connect(self._on_compare_settings_changed)
        b.sigPlayingChanged.connect(self._on_playing_changed)
        b.sigTrainingStarted.connect(lambda total: self.training.set_training(True))
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
        self.controls.sigEditRequested.connect(b.request_edit)
        b.sigEditRefused.connect(self.controls.show_error)
        self.controls.sigPresetChosen.connect(self.switch_preset)
        b.sigDirtyChanged.connect(self.setWindowModified)
        b.sigFileChanged.connect(lambda path: self._update_title())
        b.sigBarsSettingsChanged.connect(self.gradient_bars.show_settings)
        self.gradient_bars.sigSettingsChanged.connect(b.set_bars_settings)
        self.training.sigTrainRequested.connect(b.start_training)
        self.training.sigCancelRequested.connect(b.cancel_training)

    # ------------------------------------------------------------------------------------------ updates

    def _on_record_changed(self, record, scale_record) -> None:
        self.diagram.show_record(record, scale_record)
        self.activation_curves.show_record(record)

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
        self.status_health.setText(f"Gradient health: {health.describe()}")
        color = HEALTH_COLORS.get(health.verdict)
        # Without a verdict colour the label takes the theme's text colour from the palette.
        self.status_health.setStyleSheet(f"{f'color: {color}; ' if color else ''}font-weight: bold; padding-right: 8px;")

    def _on_experiment_changed(self, experiment: Experiment) -> None:
        self._experiment_name = experiment.name
        self._update_title()
        self.controls.show_experiment(experiment)

    def _update_title(self) -> None:
        # "[*]" is where Qt shows "*" while the session has unsaved changes (setWindowModified).
        path = self.bridge.file_path
        shown = f"{self._experiment_name} ({path.name})" if path is not None else self._experiment_name
        self.setWindowTitle(f"{shown}[*] — gradviz")

    def _on_selection_changed(self, side: str, selection) -> None:
        self.diagram.set_selection(selection if side == "left" else None)
        self.compare_view.set_selection(side, selection)

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
        self.diagram.set_color_mode(mode)
        self.compare_view.set_color_mode(mode)
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

    def _on_training_finished(self, history) -> None:
        self.training.set_training(False)
        if history is not None:
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
        for widget in (self.diagram, self.compare_view, self.gradient_bars, self.activation_curves, self.depth_chain, self.training):
            widget.set_theme(theme)
        self.theme_actions[theme.name].setChecked(True)

    @property
    def theme(self) -> Theme:
        return self._theme

    def view_widget(self, name: str) -> QtWidgets.QWidget:
        """The widget an export of a view draws (see ``VIEW_NAMES``): a panel's plot, without its controls."""
        if name == "window":
            return self
        if name == "diagram":
            return self.diagram
        if name == "compare":
            return self.compare_view
        if name in VIEW_NAMES and name in self.docks:
            return self.docks[name].widget().plot_widget()
        raise KeyError(f"unknown view {name!r}; choose one of {', '.join(VIEW_NAMES)}")

    def central_view(self) -> QtWidgets.QWidget:
        """The view in the middle: the diagram, or the Compare view while it is on."""
        return self.compare_view if self.act_compare.isChecked() else self.diagram

    # ------------------------------------------------------------------------------------------ session files

    def confirm_discard(self, doing: str) -> bool:
        """Ask whether to save unsaved changes before ``doing`` ("opening a file"): True to go on.

        Save saves (Save As when there is no file yet; False if that is cancelled or fails), Discard goes
        on, Cancel stops. Nothing is asked when nothing is unsaved or ``ask_to_save`` is off.
        """
        if not self.ask_to_save or not (self.bridge.dirty or self.bridge.training):
            return True
        path = self.bridge.file_path
        name = path.name if path is not None else self.bridge.experiment.name
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
            self.controls.show_experiment(self.bridge.experiment)
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
            start = str(self.bridge.file_path.parent) if self.bridge.file_path is not None else ""
            path, _ = QtWidgets.QFileDialog.getOpenFileName(
                self, "Open a session or network file", start, "Session and network files (*.json);;All files (*)"
            )
            if not path:
                return False
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
        path = self.bridge.file_path
        return self.save_session_as(str(path)) if path is not None else self.save_session_as()

    def save_session_as(self, path: str | None = None) -> bool:
        """File > Save As: write the session (the network and what is on screen) to ``path`` or a chosen file.

        A network a file cannot hold (non-finite, beyond the file limits) is refused in one message box
        naming the value, and nothing is written.
        """
        if not path:
            current = self.bridge.file_path
            suggested = str(current) if current is not None else f"{self.bridge.experiment.name}.json"
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
        """Reopen the session on screen when the window last closed; a failure is one status-bar line."""
        if self._stored is None:
            return False
        path = self._stored.last_session()
        self._show_settings_problems()
        if path is None:
            return False
        try:
            self.bridge.open_session(path)
        except (NetworkFileError, WorkBudgetError) as exc:
            self._stored.set_last_session(None)
            self.statusBar().showMessage(
                f"The last session could not be reopened ({exc}); this is the {self.bridge.experiment.name} preset.", 30000
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

        copy_image(self, "compare" if self.central_view() is self.compare_view else "diagram")
        self.statusBar().showMessage("The diagram is on the clipboard.", 4000)

    def reset_layout(self) -> None:
        for dock in self.docks.values():
            dock.setFloating(False)
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in self.docks.values():
            dock.show()
        self.docks["gradient-bars"].raise_()
        self.docks["activation"].raise_()

    def show_shortcuts(self) -> None:
        rows = [
            ("→ or a click on the background", "step forward one micro-step"),
            ("←", "step back"),
            ("Space", "play / pause the pass"),
            ("End", "run to the end of the backward pass"),
            ("Home", "reset to the start"),
            ("Ctrl+1 / 2 / 3", "colour edges by gradient, weight, activation"),
            ("Ctrl+K", "compare side by side: the network as loaded and with another activation"),
            ("Ctrl+N / Ctrl+O", "a new session / open a session or network file"),
            ("Ctrl+S / Ctrl+Shift+S", "save the session / save it as a new file"),
            ("Ctrl+E / Ctrl+Shift+C", "export / copy an image"),
        ]
        html = "<table cellspacing=6>" + "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows) + "</table>"
        QtWidgets.QMessageBox.information(self, "Keyboard shortcuts", html)

    def show_about(self) -> None:
        from .. import __version__

        QtWidgets.QMessageBox.about(
            self, "About gradviz",
            f"<b>gradviz {__version__}</b><p>See the vanishing gradient: step through backprop on a network "
            "whose edges are coloured by |∂L/∂w|.</p>",
        )  # fmt: skip

    # ------------------------------------------------------------------------------------------ layout

    def _restore_layout(self) -> None:
        stored = self._stored
        if stored is None:
            return
        geometry = stored.window_data(GEOMETRY_KEY)
        if geometry is not None and not self.restoreGeometry(geometry):
            stored.refuse(GEOMETRY_KEY, "window data this gradviz cannot restore")
        state = stored.window_data(STATE_KEY)
        if state is not None and not self.restoreState(state, LAYOUT_VERSION):
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
        message, self._pending_status = self._pending_status, None
        if message:
            self.statusBar().showMessage(message, 30000)

    def save_layout(self) -> None:
        if self._settings is None:
            return
        self._settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self._settings.setValue(STATE_KEY, self.saveState(LAYOUT_VERSION))
        self._settings.setValue(THEME_KEY, self._theme.name)
        self._stored.set_last_session(self.bridge.file_path)
        self._store_recent()
        self._settings.sync()

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if not self.confirm_discard("quitting"):
            event.ignore()
            return
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
