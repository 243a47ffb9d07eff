"""The training lab in the main window: its page in the middle, its actions and keys, its controls dock
and its status-bar read-outs. ``LabPart(window)`` adds them to a ``MainWindow`` without the window
knowing more than one line: the window stays the owner of everything else.

While the lab is shown, Space plays or pauses it, Right (and a remote's PageDown) trains one epoch,
Shift+Right one mini-batch, Home resets it, and Ctrl+Z / Ctrl+Shift+Z undo and redo lab edits: the pass's
own actions give up those keys until the lab is hidden again. File > Save (Ctrl+S) and Save as (Ctrl+Shift+S)
save the lab session then: the window's own save entries step aside, so what is on screen is what is saved.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from ..core.activations import ACTIVATION_NAMES
from ..core.experiment import NetworkFileError
from ..core.format import format_number
from ..core.lab_config import preset_descriptions, preset_names
from ..core.lab_state import LabRun
from ..files.lab_file import save_lab_session
from ..files.sniff import read_lab_file
from .lab_driver import LabDriver
from .window.theming import dock_title_font

#: The window's actions whose keys the lab takes while it is shown.
PASS_ACTIONS = ("reset", "back", "play", "forward", "end", "undo", "redo")
#: The window's save actions, hidden while the lab is shown (the lab's own save entries take their place and keys).
SAVE_ACTIONS = ("save", "save_as")
#: Data sets the controls offer (the core's generators and the bundled digits).
DATA_SETS = ("spiral", "xor", "circles", "gauss", "moons", "digits")
OPTIMIZER_NAMES = ("sgd", "momentum", "adam")
#: The lab Ctrl+L opens when none is open yet: the lesson's headline, a deep sigmoid network beside a ReLU one.
FIRST_LAB_PRESET = "spiral-deep"


class LabControls(QtWidgets.QWidget):
    """The lab's settings: preset, data set, noise, points, learning rate, batch, optimiser and each lane's
    activation. Every change is one ``sigEdit(changes)`` (a dict) or ``sigPreset(name)``: the driver
    applies it to the lab, undoably, and the controls show the lab's settings again from its snapshot."""

    sigEdit = QtCore.Signal(dict)
    sigPreset = QtCore.Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("labControls")
        form = QtWidgets.QFormLayout(self)
        self._showing = False
        self.preset = QtWidgets.QComboBox()
        self.preset.addItems(preset_names())
        #: Which preset a lab's description belongs to, to show it in the box (a lab file's too).
        self._preset_of = {description: name for name, description in preset_descriptions().items()}
        self.preset.setToolTip("Start a new lab from a bundled preset")
        self.preset.activated.connect(lambda i: self.sigPreset.emit(self.preset.itemText(i)))
        form.addRow("Preset", self.preset)
        self.data = QtWidgets.QComboBox()
        self.data.addItems(DATA_SETS)
        self.data.activated.connect(lambda i: self._edit(data=self.data.itemText(i)))
        form.addRow("Data set", self.data)
        self.noise = QtWidgets.QDoubleSpinBox()
        self.noise.setRange(0.0, 1.0)
        self.noise.setSingleStep(0.05)
        self.noise.setKeyboardTracking(False)
        self.noise.valueChanged.connect(lambda v: self._edit(noise=float(v)))
        form.addRow("Noise", self.noise)
        self.points = QtWidgets.QSpinBox()
        self.points.setRange(20, 5000)
        self.points.setSingleStep(50)
        self.points.setKeyboardTracking(False)
        self.points.valueChanged.connect(lambda v: self._edit(points=int(v)))
        form.addRow("Points", self.points)
        self.learning_rate = QtWidgets.QDoubleSpinBox()
        self.learning_rate.setDecimals(4)
        self.learning_rate.setRange(0.0001, 10.0)
        self.learning_rate.setSingleStep(0.01)
        self.learning_rate.setKeyboardTracking(False)
        self.learning_rate.valueChanged.connect(lambda v: self._edit(learning_rate=float(v)))
        form.addRow("Learning rate", self.learning_rate)
        self.batch = QtWidgets.QSpinBox()
        self.batch.setRange(1, 10_000)
        self.batch.setKeyboardTracking(False)
        self.batch.valueChanged.connect(lambda v: self._edit(batch=int(v)))
        form.addRow("Batch", self.batch)
        self.optimizer = QtWidgets.QComboBox()
        self.optimizer.addItems(OPTIMIZER_NAMES)
        self.optimizer.activated.connect(lambda i: self._edit(optimizer=self.optimizer.itemText(i)))
        form.addRow("Optimiser", self.optimizer)
        self.activations: list[QtWidgets.QComboBox] = []
        for k in range(4):
            box = QtWidgets.QComboBox()
            box.addItems(ACTIVATION_NAMES)
            box.activated.connect(lambda i, k=k, box=box: self._edit(activation=(k, box.itemText(i))))
            form.addRow(f"Lane {k + 1}", box)
            self.activations.append(box)
        self._form = form

    def _edit(self, **changes) -> None:
        if not self._showing:
            self.sigEdit.emit(changes)

    def show_settings(self, config) -> None:
        """Show the lab's settings (the snapshot's ``LabConfig``) without emitting edits."""
        self._showing = True
        try:
            self.preset.setCurrentIndex(self.preset.findText(self._preset_of.get(config.description, "")))
            data = config.data
            if self.data.findText(data.name) < 0:  # a CSV file
                self.data.addItem(data.name)
            self.data.setCurrentText(data.name)
            self.noise.setValue(data.noise)
            self.points.setValue(data.points)
            first = config.lanes[0]
            self.learning_rate.setValue(first.learning_rate)
            self.batch.setValue(config.batch)
            self.optimizer.setCurrentText(first.optimizer)
            generated = data.name in DATA_SETS and data.name != "digits"
            self._form.setRowVisible(self.noise, generated)
            self._form.setRowVisible(self.points, generated)
            for k, box in enumerate(self.activations):
                shown = k < len(config.lanes)
                self._form.setRowVisible(box, shown)
                if shown:
                    box.setCurrentText(config.lanes[k].activation)
        finally:
            self._showing = False


class LabPart(QtCore.QObject):
    """The lab's share of ``window`` (a ``MainWindow``): page, actions, dock, status read-outs, driver."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.driver = LabDriver(window.bridge, self)
        self.view = window.view_widgets["lab"]
        window.central.addWidget(self.view)  # the lab's own page in the middle
        self._page_before: QtWidgets.QWidget | None = None
        self._docks_before: list[QtWidgets.QDockWidget] = []
        self._keys_before: dict[str, list] = {}
        #: The lab session file the lab was opened from or last saved to: File > Save writes there.
        self.lab_path: Path | None = None
        self._config_shown = None
        self._make_actions()
        self._make_dock()
        self._make_status()
        self.driver.sigPlayingChanged.connect(self._on_playing_changed)
        self.driver.sigProgress.connect(self._on_progress)
        self.driver.sigMessage.connect(lambda text: window.statusBar().showMessage(text, 10000))
        window.bridge.sigSnapshot.connect(self._on_snapshot)
        # Toggled fires before the window enters presenter mode (F5) and after it leaves (Esc); triggered
        # fires after it entered: the lab follows the window's state after either.
        window.act.presenter.toggled.connect(self._on_presenter)
        window.act.presenter.triggered.connect(self._on_presenter)
        window.installEventFilter(self)
        self.view.sigThemeChanged.connect(self._on_theme_changed)
        self.view.sigPainted.connect(lambda: self.driver.note_paint_ms(self.view.last_paint_ms))
        self._on_theme_changed()

    def __repr__(self):
        return f"LabPart(shown={self.shown}, driver={self.driver!r})"

    # --------------------------------------------------------------------------------------- building

    def _action(self, text, slot, keys, tip, checkable=False) -> QtGui.QAction:
        action = QtGui.QAction(text, self.window)
        action.setShortcuts([QtGui.QKeySequence(k) for k in keys])
        action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        shown_keys = ", ".join(QtGui.QKeySequence(k).toString(QtGui.QKeySequence.SequenceFormat.NativeText) for k in keys)
        action.setToolTip(f"{tip} ({shown_keys})" if keys else tip)
        action.setStatusTip(tip)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        self.window.addAction(action)
        return action

    def _make_actions(self) -> None:
        w, d = self.window, self.driver
        self.act_show = self._action("Training lab", self.set_shown, ["Ctrl+L"], "Show the training lab: lanes trained side by side", True)
        icon = w.style().standardIcon(QtWidgets.QStyle.StandardPixmap.SP_ComputerIcon)
        self.act_show.setIcon(icon)
        self.act_play = self._action("Play", d.toggle_play, [], "Train the lab's lanes, or pause them (Space)", True)
        self.act_epoch = self._action("One epoch", d.step_epoch, [], "Train every lane one more epoch (→ or PageDown)")
        self.act_batch = self._action("One mini-batch", d.step_batch, [], "Train every lane one more mini-batch (Shift+→)")
        self.act_reset = self._action("Reset", d.reset, [], "Back to epoch 0: the same starting weights and split (Home)")
        self.act_undo = self._action("Undo lab change", d.undo, [], "Take back the last lab change or training")
        self.act_redo = self._action("Redo lab change", d.redo, [], "Do again the lab change last taken back")
        self.act_save = self._action("Save lab as…", lambda: self.save_lab_as(), [], "Save the lab: its data, weights and history")
        # File > Save and Save as while the lab is shown (the window's own entries step aside then).
        self.act_file_save = self._action("Save lab", lambda: self.save_lab(), [], "Save the lab session: its data, weights and history")
        self.act_file_save_as = self._action("Save lab as…", lambda: self.save_lab_as(), [], "Save the lab session to a new file")
        self._lab_keys = {
            self.act_play: ["Space"], self.act_epoch: ["Right", "PgDown"], self.act_batch: ["Shift+Right"],
            self.act_reset: ["Home"], self.act_undo: ["Ctrl+Z"], self.act_redo: ["Ctrl+Shift+Z"],
            self.act_file_save: ["Ctrl+S"], self.act_file_save_as: ["Ctrl+Shift+S"],
        }  # fmt: skip
        self.lab_actions = (self.act_play, self.act_epoch, self.act_batch, self.act_reset, self.act_undo, self.act_redo,
                            self.act_file_save, self.act_file_save_as)  # fmt: skip
        for action in (*self.lab_actions, self.act_save):
            action.setEnabled(False)
        for action in (self.act_file_save, self.act_file_save_as):
            action.setVisible(False)
        file_menu = w.menus.file
        if file_menu is not None:
            file_menu.insertActions(w.act.save, [self.act_file_save, self.act_file_save_as])
        # labview (#19): the lab's entries in the window's View menu and toolbar.
        w.menus.view.insertAction(w.act.compare, self.act_show)
        menu = w.menuBar().insertMenu(w.menus.view.menuAction(), QtWidgets.QMenu("&Lab", w)).menu()
        menu.addActions([self.act_show, self.act_play, self.act_epoch, self.act_batch, self.act_reset, self.act_undo, self.act_redo])
        menu.addSeparator()
        menu.addAction(self.act_save)
        self.menu = menu
        w.toolbar.addSeparator()
        w.toolbar.addAction(self.act_show)
        # While the lab is shown its own toolbar stands in for the pass's.
        bar = QtWidgets.QToolBar("Lab", w)
        bar.setObjectName("toolbar-lab")
        bar.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        sp = QtWidgets.QStyle.StandardPixmap
        for action, pixmap in ((self.act_reset, sp.SP_MediaSkipBackward), (self.act_play, sp.SP_MediaPlay),
                               (self.act_batch, sp.SP_MediaSeekForward), (self.act_epoch, sp.SP_MediaSkipForward)):  # fmt: skip
            action.setIcon(w.style().standardIcon(pixmap))
            bar.addAction(action)
        bar.addSeparator()
        bar.addAction(self.act_show)
        w.addToolBar(bar)
        bar.hide()
        self.toolbar = bar

    def _make_dock(self) -> None:
        self.controls = LabControls()
        self.controls.sigEdit.connect(self._on_edit)
        self.controls.sigPreset.connect(self.open_preset)
        dock = QtWidgets.QDockWidget("Lab", self.window)
        dock.setObjectName("dock-lab-controls")
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setWidget(self.controls)
        dock.setWidget(scroll)
        self.window.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, dock)
        dock.hide()
        self.dock = dock

    def _make_status(self) -> None:
        self.status_epoch = QtWidgets.QLabel()
        self.status_epoch.setObjectName("labStatusEpoch")
        self.status_rate = QtWidgets.QLabel()
        self.status_rate.setObjectName("labStatusRate")
        self.progress = QtWidgets.QProgressBar()
        self.progress.setObjectName("labProgress")
        self.progress.setMaximumWidth(220)
        # A visible percentage makes every setValue repaint at once, in the middle of a training slice.
        self.progress.setTextVisible(False)
        bar = self.window.statusBar()
        for label in (self.status_epoch, self.status_rate):
            label.setContentsMargins(0, 0, 12, 0)
        for widget in (self.status_epoch, self.status_rate, self.progress):
            bar.addPermanentWidget(widget)
            widget.hide()

    # --------------------------------------------------------------------------------------- showing

    @property
    def shown(self) -> bool:
        return self.window.central.currentWidget() is self.view

    def open_preset(self, name: str) -> None:
        """A new lab on the bundled lab preset ``name``, shown."""
        self.open_run(LabRun.from_preset(name))
        self.lab_path = None

    def open_run(self, run) -> None:
        """Put the lab state ``run`` (a ``LabRun``) in the session and show it."""
        self.driver.open_lab(run)
        self.set_shown(True)

    @staticmethod
    def shortcut_rows() -> list[tuple[str, str]]:
        """The lab's keys, for the window's Keyboard shortcuts table."""
        return [
            ("Ctrl+L", "show or hide the training lab: lanes trained side by side"),
            ("In the lab: Space", "play / pause training"),
            ("In the lab: → or PageDown / Shift+→", "train one epoch / one mini-batch"),
            ("In the lab: Home", "back to epoch 0, the same starting weights"),
            ("In the lab: Ctrl+S / Ctrl+Shift+S", "save the lab session / save it to a new file"),
        ]

    def open_lab_file(self, path) -> bool | None:
        """Open the lab session file ``path`` in the lab: True when opened, False when it is a lab file that
        cannot be used (said in one message box), None when it is no lab file (the window opens it)."""
        try:
            lab = read_lab_file(path)
        except NetworkFileError:
            return None  # unreadable: the window's own open names the problem
        except ValueError as exc:  # a LabError naming the field
            QtWidgets.QMessageBox.warning(self.window, "Cannot open this lab", f"{Path(path).name} was not opened: {exc}")
            return False
        if lab is None:
            return None
        self.open_run(LabRun(lab))
        self.lab_path = Path(path)
        self.window.statusBar().showMessage(f"Opened the lab session {path}", 5000)
        return True

    def save_lab(self) -> bool:
        """Write the lab to the file it came from or was last saved to; ask for a file when it has none."""
        return self.save_lab_as(str(self.lab_path) if self.lab_path is not None else None)

    def save_lab_as(self, path: str | None = None) -> bool:
        """Write the lab (``gradviz lab --out``'s file, which File > Open reopens) to ``path`` or a chosen file."""
        run = self.driver.lab
        if run is None:
            return False
        self.driver.pause()
        if not path:
            suggested = self.lab_path if self.lab_path is not None else self.window.files.start_folder() / "lab.json"
            path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Save the lab", str(suggested), "Lab sessions (*.json)")
            if not path:
                return False
        try:
            save_lab_session(run.lab, path)
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            QtWidgets.QMessageBox.warning(self.window, "Cannot save the lab", f"Nothing was written to {Path(path).name}: {reason}")
            return False
        self.lab_path = Path(path)
        self.window.statusBar().showMessage(f"Saved the lab to {path}", 5000)
        return True

    def set_shown(self, shown: bool) -> None:
        """Show the lab in the middle (its keys, dock and read-outs with it), or give the middle back."""
        w = self.window
        shown = bool(shown)
        if shown and self.driver.lab is None:
            names = preset_names()
            self.driver.open_lab(LabRun.from_preset(FIRST_LAB_PRESET if FIRST_LAB_PRESET in names else names[0]))
        # Lab > Save lab as… saves the lab there is, shown or not; before any, there is nothing to save.
        self.act_save.setEnabled(self.driver.lab is not None)
        if shown == self.shown:
            self.act_show.setChecked(shown)
            return
        if shown:
            self._page_before = w.central.currentWidget()
            for name in (*PASS_ACTIONS, *SAVE_ACTIONS):
                action = getattr(w.act, name)
                self._keys_before[name] = action.shortcuts()
                action.setShortcuts([])
            for name in SAVE_ACTIONS:
                getattr(w.act, name).setVisible(False)
            for action in (self.act_file_save, self.act_file_save_as):
                action.setVisible(True)
            for action, keys in self._lab_keys.items():
                action.setShortcuts([QtGui.QKeySequence(k) for k in keys])
                action.setEnabled(True)
            if not w.presenter.active:
                self._docks_before = [dock for dock in w.docks.values() if dock.isVisible()]
                for dock in self._docks_before:
                    dock.hide()
                self.dock.show()
                w.resizeDocks([self.dock], [self.controls.sizeHint().width() + 24], QtCore.Qt.Orientation.Horizontal)
                w.toolbar.hide()
                self.toolbar.show()
            w.central.setCurrentWidget(self.view)
            self.view.setFocus()
        else:
            self.driver.pause()
            for action in self.lab_actions:
                action.setShortcuts([])
                action.setEnabled(False)
            for name, keys in self._keys_before.items():
                getattr(w.act, name).setShortcuts(keys)
            self._keys_before = {}
            for action in (self.act_file_save, self.act_file_save_as):
                action.setVisible(False)
            for name in SAVE_ACTIONS:
                getattr(w.act, name).setVisible(True)
            w.central.setCurrentWidget(self._page_before if self._page_before is not None else w.central.widget(0))
            self.dock.hide()
            for dock in self._docks_before:
                dock.show()
            self._docks_before = []
            self.toolbar.hide()
            if not w.presenter.active:
                w.toolbar.show()
            w.central_view().setFocus()
        for widget in (self.status_epoch, self.status_rate):
            widget.setVisible(shown)
        for widget in (w.status.step, w.status.health):  # the pass's read-outs say nothing about the lab
            widget.setVisible(not shown and not (w.presenter.active and widget is w.status.step))
        self.progress.setVisible(shown and self.driver.playing)
        self.act_show.setChecked(shown)
        if w.presenter.active:
            self._on_presenter()

    # --------------------------------------------------------------------------------------- updates

    def _on_snapshot(self, shot) -> None:
        lab = getattr(shot, "lab", None)
        if lab is None:
            return
        # Not on every frame while training (a dock of spin boxes repaints): playing changes no setting. Paused,
        # always, so a refused edit's field shows the lab's value again.
        if lab.config != self._config_shown or not self.driver.playing:
            self._config_shown = lab.config
            self.controls.show_settings(lab.config)
        for action, label, plain in ((self.act_undo, lab.undo_label, "Undo"), (self.act_redo, lab.redo_label, "Redo")):
            action.setText(f"{plain} {label}" if label else f"{plain} lab change")
            action.setEnabled(self.shown and label is not None)

    def _on_edit(self, changes: dict) -> None:
        if "activation" in changes:  # one lane's activation: the others keep theirs
            lane, name = changes["activation"]
            shot = self.window.bridge.snapshot.lab
            changes = {"activation": [name if k == lane else l.activation for k, l in enumerate(shot.lanes)]}
        self.driver.edit(changes)

    def _on_playing_changed(self, playing: bool) -> None:
        self.view.set_draft(playing)
        self.act_play.setChecked(playing)
        self.act_play.setText("Pause" if playing else "Play")
        sp = QtWidgets.QStyle.StandardPixmap
        self.act_play.setIcon(self.window.style().standardIcon(sp.SP_MediaPause if playing else sp.SP_MediaPlay))
        self.progress.setVisible(playing and self.shown)

    def _on_progress(self, epoch: int, epochs: int, samples_per_second: float) -> None:
        self.status_epoch.setText(f"Epoch {epoch:,} of {epochs:,}")
        rate = f"{format_number(samples_per_second, 3)} samples/s" if samples_per_second > 0 else "Paused"
        self.status_rate.setText(rate)
        if self.progress.maximum() != max(epochs, 1):
            self.progress.setRange(0, max(epochs, 1))
        if self.progress.value() != min(epoch, epochs):
            # A progress bar repaints at once when its value moves far enough: it waits for the next frame.
            self.progress.setUpdatesEnabled(False)
            self.progress.setValue(min(epoch, epochs))
            self.progress.setUpdatesEnabled(True)

    def _on_theme_changed(self) -> None:
        # The window gives its own docks the theme's print size; the lab's dock follows the window's font,
        # its title bar too (a dock given the application's own font draws its title in the desktop's).
        font = self.window.font()
        for widget in (self.controls, *self.controls.findChildren(QtWidgets.QWidget), self.toolbar,
                       *self.toolbar.findChildren(QtWidgets.QWidget), self.status_epoch, self.status_rate, self.progress):  # fmt: skip
            widget.setFont(font)
        self.dock.setFont(dock_title_font(self.view.theme, font))

    def _on_presenter(self, *_args) -> None:
        """Presenter mode shows the lab alone (no gradient bars, dock or toolbar) while the lab is shown;
        PageDown trains one epoch and B blanks the screen as everywhere in presenter mode."""
        w = self.window
        on = w.presenter.active
        if on:  # the presenter page's own views (the bars) make room for the lab
            for _spec, widget in w.presenter.page.views:
                widget.setVisible(not self.shown)
        if not self.shown:
            return
        self.dock.setVisible(not on)
        self.toolbar.setVisible(not on)
        if not on:
            w.toolbar.hide()
        for widget in (w.status.step, w.status.health):
            widget.hide()
        self.view.setFocus()

    # --------------------------------------------------------------------------------------- closing

    def eventFilter(self, watched, event) -> bool:
        if watched is self.window and event.type() == QtCore.QEvent.Type.Show and not self.shown:
            # A layout saved while the lab was shown brings back its dock and toolbar: not without the lab.
            self.dock.hide()
            self.toolbar.hide()
        if watched is self.window and event.type() == QtCore.QEvent.Type.Close:
            if not self.confirm_close():
                event.ignore()
                return True
            self.driver.shutdown()
        return super().eventFilter(watched, event)

    def confirm_close(self) -> bool:
        """While the lab trains, ask before closing (the launched app; a test's window never waits)."""
        if not self.driver.playing or not self.window.ask_to_save:
            return True
        buttons = QtWidgets.QMessageBox.StandardButton
        answer = QtWidgets.QMessageBox.question(
            self.window, "The lab is training",
            "The training lab is still running. Stop it and close the window?", buttons.Close | buttons.Cancel, buttons.Cancel,
        )  # fmt: skip
        if answer != buttons.Close:
            return False
        self.driver.pause()
        return True
