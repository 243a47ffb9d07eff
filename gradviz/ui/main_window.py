"""The main window: the diagram (or the Compare view) in the middle, stepping actions, and the docked
panels around it. It wires actions to bridge slots and snapshots to views, and computes nothing; its parts
live in ``ui.window`` (docks, actions, files, status, dialogs, theming) and ``ui.presenter``."""

from __future__ import annotations

import atexit
import weakref

import shiboken6
from PySide6 import QtCore, QtGui, QtWidgets

from ..core.experiment import Experiment
from ..core.session import Session
from .bridge import CoreBridge
from .controls import CompareBar, ControlsPanel
from .inspector import InspectorPanel
from .lab_window import LabPart
from .panels.plot_style import show_legible_controls
from .presenter import PresenterMode
from .settings import StoredSettings
from .theme import SCREEN, THEMES, Theme
from .views.registry import EXPORT_NAMES as VIEW_NAMES
from .views.registry import WHOLE_WINDOW, views
from .window import dialogs
from .window.actions import PassToolBar, WindowActions, build_menus
from .window.docks import LAYOUT_VERSION, DockLayout
from .window.files import FileCommands
from .window.status import StatusLine
from .window.theming import apply_app_font, apply_theme, desktop_font

__all__ = ["MainWindow", "VIEW_NAMES", "LAYOUT_VERSION", "apply_app_font", "desktop_font"]


class MainWindow(QtWidgets.QMainWindow):
    """The gradviz window around one ``CoreBridge``.

    ``settings`` (a QSettings) keeps the dock layout, the theme and the recent files across launches, all
    through the one store ``settings.StoredSettings``; without it nothing is persisted. ``theme`` None takes
    the theme last used (else the screen theme). ``ask_to_save`` True asks about unsaved changes before
    New, Open, a preset switch and closing; the launched app turns it on (``ui.app.launch_window``), while
    a window a script, a test or an export drives keeps it off, so closing it never waits on a dialog.

    Every registered view (``ui.views.registry``) gets a widget: the "centre" ones share the middle, the
    others a dock each, with a View menu entry; each is drawn from every snapshot with the view's ``draw``.
    """

    LAYOUT_VERSION = LAYOUT_VERSION

    def __init__(
        self, experiment: Experiment | Session, theme: Theme | None = None, settings: QtCore.QSettings | None = None,
        ask_to_save: bool = False,
    ):  # fmt: skip
        super().__init__()
        self.setObjectName("gradvizMainWindow")
        #: The settings read defensively: a bad stored value falls back and is named in the status bar.
        self._stored = StoredSettings(settings) if settings is not None else None
        if theme is None:
            stored_theme = self._stored.theme_name() if self._stored is not None else None
            theme = THEMES[stored_theme] if stored_theme else SCREEN
        self._theme = theme
        #: Whether New, Open, a preset switch and quitting ask about unsaved changes first.
        self.ask_to_save = bool(ask_to_save)
        #: A status-bar line waiting for the window to be shown.
        self._pending_status: str | None = None
        #: The snapshot the window shows (None before the first).
        self.snapshot = None
        self.bridge = CoreBridge(experiment, self)

        #: Each registered view's widget in the window, by view name.
        self.view_widgets = {spec.name: spec.make(theme) for spec in views()}
        self.diagram = self.view_widgets["diagram"]
        self.compare_view = self.view_widgets["compare"]
        self.gradient_bars = self.view_widgets["gradient-bars"]
        self.activation_curves = self.view_widgets["activation"]
        self.depth_chain = self.view_widgets["depth-chain"]
        self.training = self.view_widgets["training"]
        self.compare_bar = CompareBar()
        self.central = self._make_middle()
        self.setCentralWidget(self.central)
        self.controls = ControlsPanel()
        self.inspector = InspectorPanel()
        self.dock_layout = DockLayout(self, {"controls": self.controls, "inspector": self.inspector, **self.view_widgets})
        self.docks = self.dock_layout.docks
        self.files = FileCommands(self, self._stored)
        self.presenter = PresenterMode(self)
        self.act = WindowActions(self)
        self.menus = build_menus(self, self.act, self.docks.values())
        self.files.attach_menu(self.menus.recent, self.act.clear_recent)
        self.toolbar = PassToolBar(self.act, self.bridge, self)
        self.addToolBar(self.toolbar)
        self.status = StatusLine(self.statusBar())
        self._connect()
        #: The training lab's share of the window: its page's keys, dock, toolbar, read-outs and driver.
        self.lab = LabPart(self)
        self._desktop_font = desktop_font()  # the desktop's own font, before any window changed it
        self.dock_layout.fit_to_screen()
        #: Whether the window took the size and place it had when it last closed (QSettings).
        self.opened_at_saved_size = self._stored is not None and self.dock_layout.restore(self._stored)
        self.set_theme(theme)
        self.bridge.announce()
        self.show_settings_problems()
        _track_window(self)
        # The arrow keys step the pass: the diagram has the focus at launch and gets it back after an edit
        # (a focused text field keeps ← and → for its cursor).
        self.diagram.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.diagram.setFocus()
        for field in self.controls.findChildren(QtWidgets.QLineEdit):
            field.returnPressed.connect(self.diagram.setFocus)

    def _make_middle(self) -> QtWidgets.QStackedWidget:
        """The middle shows the diagram or, under View > Compare side by side, the Compare view (with its bar)."""
        compare_page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(compare_page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.compare_bar)
        layout.addWidget(self.compare_view, 1)
        middle = QtWidgets.QStackedWidget()
        middle.addWidget(self.diagram)
        middle.addWidget(compare_page)
        return middle

    def _connect(self) -> None:
        b = self.bridge
        b.sigSnapshot.connect(self._on_snapshot)
        b.sigStatusMessage.connect(lambda text: self.statusBar().showMessage(text, 10000))
        b.sigPlayingChanged.connect(self._on_playing_changed)
        b.sigTrainingStarted.connect(lambda total: self._on_training(True, None))
        b.sigTrainingProgress.connect(self.training.set_progress)
        b.sigTrainingFinished.connect(lambda history: self._on_training(False, history))
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
        self.controls.sigPresetChosen.connect(self.files.switch_preset)
        self.gradient_bars.sigSettingsChanged.connect(b.set_bars_settings)
        self.training.sigTrainRequested.connect(b.start_training)
        self.training.sigCancelRequested.connect(b.cancel_training)

    # ------------------------------------------------------------------------------------------ updates

    def _on_snapshot(self, shot) -> None:
        """Hand each view what changed since the snapshot before: one signal, each view redrawn at most once."""
        before, self.snapshot = self.snapshot, shot
        new = before is None

        def differs(*names) -> bool:
            return new or any(getattr(shot, n) != getattr(before, n) for n in names)

        if new or shot.experiment is not before.experiment:
            self.controls.show_experiment(shot.experiment)
        if differs("color_mode"):
            self.act.color_modes[shot.color_mode].setChecked(True)
            self.toolbar.show_color_mode(shot.color_mode)
        if differs("compare"):
            self._on_compare_settings_changed(shot.compare)
        if differs("reveal_all"):
            self.act.reveal_all.setChecked(shot.reveal_all)
        if differs("cursor"):
            self.status.show_cursor(shot.cursor)
            self.act.back.setEnabled(shot.cursor.can_step_back)
        if differs("verdict"):
            self.status.show_health(shot.verdict)
        for spec in views():
            # The same draw an export makes, told what it drew last so it redraws only what changed.
            spec.draw(self.view_widgets[spec.name], shot, before)
        self.presenter.draw(shot, before)
        if new or not shot.inspected.same_as(before.inspected):
            i = shot.inspected
            self.inspector.show_selection(i.record, i.selection, i.side_title, i.sample, i.learning_rate)
        if not new and shot.selection is not None and differs("selection", "selection_side"):
            self.show_inspector()
        if differs("title", "file_path"):
            self.controls.show_title(shot.title)
            # "[*]" is where Qt shows "*" while the session has unsaved changes (setWindowModified).
            shown = f"{shot.title} ({shot.file_path.name})" if shot.file_path is not None else shot.title
            self.setWindowTitle(f"{shown}[*] — gradviz")
        if differs("weights_note", "description"):
            self.controls.show_story(shot.weights_note, shot.description)
        if differs("undo_text", "redo_text"):
            for action, text, plain in ((self.act.undo, shot.undo_text, "Undo"), (self.act.redo, shot.redo_text, "Redo")):
                action.setText(text or plain)
                action.setEnabled(text is not None)
        self.setWindowModified(shot.dirty)
        if shot.animate_ms is not None:
            self.central_view().animate_step(shot.animate_ms)
        if shot.note:
            self.statusBar().showMessage(shot.note, 15000)

    def _on_compare_settings_changed(self, settings) -> None:
        self.act.compare.setChecked(settings.active)
        self.compare_bar.show_settings(settings)
        page = self.compare_view.parentWidget() if settings.active else self.diagram
        if self.central.currentWidget() is not page:
            self._stop_animations()
            self.central.setCurrentWidget(page)
            # The arrow keys keep stepping: the view in the middle takes the focus.
            (self.compare_view.left if settings.active else self.diagram).setFocus()

    def _on_playing_changed(self, playing: bool) -> None:
        play = self.act.play
        play.setChecked(playing)
        play.setText("Pause" if playing else "Play")
        sp = QtWidgets.QStyle.StandardPixmap
        play.setIcon(self.style().standardIcon(sp.SP_MediaPause if playing else sp.SP_MediaPlay))
        if not playing:
            self._stop_animations()

    def _on_training(self, running: bool, history) -> None:
        self.files.training_running = running
        self.training.set_training(running)
        if history is not None and history.stopped_at is not None:
            self.statusBar().showMessage(history.stop_reason, 15000)
        elif history is not None:
            state = "cancelled after" if history.cancelled else "finished:"
            self.statusBar().showMessage(f"Training {state} {history.steps} steps; the diagram shows the trained network.", 8000)

    def _stop_animations(self) -> None:
        self.diagram.stop_animation()
        self.compare_view.stop_animation()

    # ------------------------------------------------------------------------------------------ commands

    def select(self, selection: tuple | None, side: str = "left") -> None:
        """Show ``selection`` in the inspector (picked on the ``side`` half of the Compare view)."""
        self.bridge.select(selection, side)
        if selection is not None:
            self.show_inspector()

    def show_inspector(self) -> None:
        """Bring the Inspector's dock, and its tab, to the front."""
        dock = self.docks["inspector"]
        dock.show()
        dock.raise_()

    def escape(self) -> None:
        """Esc: leave presenter mode, or else clear the selection the inspector shows."""
        if self.presenter.active:
            self.presenter.set_active(False)
        else:
            self.bridge.select(None)

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        apply_theme(self, theme, self.docks.values())
        if self.dock_layout.sized and self.dock_layout.shares_kept:
            self.dock_layout.take_default()
        for widget in (*self.view_widgets.values(), self.inspector):
            if hasattr(widget, "set_theme"):
                widget.set_theme(theme)
            else:  # a plain view (a label) takes the theme's legible print, never the desktop's 12 px
                show_legible_controls(widget, theme)
        self.act.themes[theme.name].setChecked(True)
        self.status.show_health(theme=theme)  # its colour follows the theme
        self.toolbar.fit(self.width())

    @property
    def theme(self) -> Theme:
        return self._theme

    @property
    def compact_layout(self) -> bool:
        """Whether the default layout in place is the compact one (plots tabbed in the right column)."""
        return self.dock_layout.compact

    def reset_layout(self) -> None:
        """View > Reset layout: the default layout for the window's height, every dock shown and docked."""
        self.dock_layout.reset()

    def view_widget(self, name: str) -> QtWidgets.QWidget:
        """The widget an export of a view draws (see ``VIEW_NAMES``): a panel's plot, without its controls."""
        if name == WHOLE_WINDOW:
            return self
        for spec in views():
            if spec.name == name:
                return spec.plot(self.view_widgets[name])
        raise KeyError(f"unknown view {name!r}; choose one of {', '.join(VIEW_NAMES)}")

    def central_view(self) -> QtWidgets.QWidget:
        """The view in the middle: the diagram, or the Compare view while it is on."""
        return self.compare_view if self.act.compare.isChecked() else self.diagram

    def export_dialog(self) -> None:
        from .export_dialog import ExportDialog

        ExportDialog(self).exec()

    def copy_image(self) -> None:
        from .export_dialog import copy_image

        if self.lab.shown:
            copy_image(self, "lab")
            self.statusBar().showMessage("The training lab is on the clipboard.", 4000)
            return
        copy_image(self, "compare" if self.central_view() is self.compare_view else "diagram")
        self.statusBar().showMessage("The diagram is on the clipboard.", 4000)

    def show_shortcuts(self) -> None:
        dialogs.shortcuts_dialog(self, self.lab.shortcut_rows()).exec()

    def show_about(self) -> None:
        dialogs.about_dialog(self).exec()

    # ------------------------------------------------------------------------------------------ window events

    def show_settings_problems(self) -> None:
        """Name the settings that were reset to their defaults in the status line (once it shows)."""
        message = self._stored.take_message() if self._stored is not None else None
        if not message:
            return
        self._stored.sync()  # the bad entries are gone from the file now, not only at quit
        # A status message shown before the window is hides nothing under it: the step line would show through.
        if self.isVisible():
            self.statusBar().showMessage(message, 30000)
        else:
            self._pending_status = message

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self.dock_layout.first_shown()
        message, self._pending_status = self._pending_status, None
        if message:
            self.statusBar().showMessage(message, 30000)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self.dock_layout.follow_resize()
        self.toolbar.fit(self.width())

    def save_layout(self) -> None:
        """Keep the window's geometry, docks, theme, recent files and session for the next launch."""
        if self._stored is None:
            return
        self._stored.set_window(self.saveGeometry(), self.saveState(LAYOUT_VERSION), self._theme.name)
        self.files.store()
        self._stored.sync()

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if not self.files.confirm_discard("quitting"):
            event.ignore()
            return
        self.presenter.set_active(False)  # the layout saved is the one presenter mode gives back
        self.save_layout()
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop every timer and animation (on close, and at interpreter exit for a window left open)."""
        self.bridge.shutdown()
        self._stop_animations()


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
