"""Every action of the window, its menus and its toolbar.

A view's own actions and shortcuts are added in ``WindowActions.__init__`` (made with ``make``) and placed
in a menu in ``build_menus``; the View menu lists every dock by itself, so a new registry view needs no
line here unless it has actions of its own.
"""

from __future__ import annotations

from types import SimpleNamespace

from PySide6 import QtCore, QtGui, QtWidgets

from ...names import COLOR_MODES, DEFAULT_PRESET
from ..bridge import DEFAULT_SPEED, MAX_SPEED, MIN_SPEED
from ..theme import THEMES

#: The toolbar's button styles, tried in order until the toolbar fits the window (no "»" menu).
TOOLBAR_STYLES = (QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon, QtCore.Qt.ToolButtonStyle.ToolButtonIconOnly)


class WindowActions:
    """The window's QActions, each with its shortcut and tip, connected to ``window`` and its bridge.

    ``window`` is the ``MainWindow``: the actions call its commands (``files``, ``presenter``, ...).
    """

    def __init__(self, window):
        self._window = window
        key = QtCore.Qt.Key
        b = window.bridge
        files = window.files
        icon = window.style().standardIcon
        sp = QtWidgets.QStyle.StandardPixmap
        make = self.make
        self.reset = make("Reset", b.reset, key.Key_Home, "Back to the start, nothing computed", icon=icon(sp.SP_MediaSkipBackward))
        # A presentation remote sends PageDown / PageUp for its forward and back buttons.
        self.back = make("Step back", b.step_back, [key.Key_Left, key.Key_PageUp], "Undo the last micro-step", icon=icon(sp.SP_MediaSeekBackward))
        self.play = make("Play", b.toggle_play, key.Key_Space, "Play or pause the pass", checkable=True, icon=icon(sp.SP_MediaPlay))
        self.forward = make("Step forward", b.step_forward, [key.Key_Right, key.Key_PageDown],
                            "Compute the next layer, the loss or the update", icon=icon(sp.SP_MediaSeekForward))  # fmt: skip
        self.end = make("Run to end of pass", b.run_to_end, key.Key_End, "Finish the backward pass", icon=icon(sp.SP_MediaSkipForward))

        self.new = make("New", lambda: files.new_session(), "Ctrl+N", f"A new session on the {DEFAULT_PRESET} preset")
        self.open = make("Open…", lambda: files.open_file(), "Ctrl+O", "Open a session or network file")
        self.save = make("Save", lambda: files.save(), "Ctrl+S", "Save the session: the network and what is on screen")
        self.save_as = make("Save as…", lambda: files.save_as(), "Ctrl+Shift+S", "Save the session to a new file")
        self.clear_recent = make("Clear the list", files.clear_recent_files, None, "Forget the recent files")
        self.export = make("Export image…", window.export_dialog, "Ctrl+E", "Export a view as PNG, SVG or PDF")
        self.undo = make("Undo", b.undo, "Ctrl+Z", "Take back the last change")
        self.redo = make("Redo", b.redo, "Ctrl+Shift+Z", "Do again the change last taken back")
        self.copy = make("Copy image", window.copy_image, "Ctrl+Shift+C", "Copy the diagram to the clipboard")
        self.quit = make("Quit", window.close, QtGui.QKeySequence.StandardKey.Quit)
        self.compare = make("Compare side by side", b.set_compare_active, "Ctrl+K",
                            "The network as loaded beside the same weights with another activation", checkable=True)  # fmt: skip
        self.presenter = make("Presenter mode", lambda on: window.presenter.set_active(on), key.Key_F5,
                              "Full screen in the slides theme: the diagram over the gradient bars (F5 or Esc leaves)", checkable=True)  # fmt: skip
        self.blank = make("Blank the screen", lambda on: window.presenter.set_blank(on), [key.Key_B, key.Key_Period],
                          "Black out the screen and back (presenter mode)", checkable=True)  # fmt: skip
        self.blank.setEnabled(False)
        self.escape = make("Clear the selection", window.escape, key.Key_Escape, "Leave presenter mode, or clear what the inspector shows")
        self.reveal_all = make("Show all results at once", b.set_reveal_all, None,
                               "Show every layer's bars and the verdict now, instead of as the backward pass computes them", checkable=True)  # fmt: skip
        self.reset_layout = make("Reset layout", window.reset_layout, None, "Put every panel back where it started")
        self.shortcuts = make("Keyboard shortcuts", window.show_shortcuts, "F1")
        self.about = make("About gradviz", window.show_about)

        self.color_mode_group = QtGui.QActionGroup(window)
        self.color_modes: dict[str, QtGui.QAction] = {}
        for i, (mode, label) in enumerate(COLOR_MODES.items(), start=1):
            action = make(f"Colour edges by {label}", lambda checked=False, m=mode: b.set_color_mode(m), f"Ctrl+{i}", checkable=True)
            self.color_mode_group.addAction(action)
            self.color_modes[mode] = action
        self.color_modes["gradient"].setChecked(True)
        self.theme_group = QtGui.QActionGroup(window)
        self.themes: dict[str, QtGui.QAction] = {}
        for name in THEMES:
            tip = "Dark, for the screen" if name == "screen" else "White background and large print, for a projector"
            action = make(f"{name.capitalize()} theme", lambda checked=False, n=name: window.set_theme(THEMES[n]), checkable=True, tip=tip)
            self.theme_group.addAction(action)
            self.themes[name] = action

    def make(self, text: str, slot, shortcut=None, tip: str = "", checkable: bool = False, icon=None) -> QtGui.QAction:
        """One action of the window: ``shortcut`` a key, a key sequence's text, or a list of keys (the first
        one shown in the tip)."""
        action = QtGui.QAction(text, self._window)
        keys = shortcut if isinstance(shortcut, list) else [] if shortcut is None else [shortcut]
        if keys:
            action.setShortcuts([QtGui.QKeySequence(k) for k in keys])
            action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        native = action.shortcut().toString(QtGui.QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip or text} ({native})" if keys else tip or text)
        action.setStatusTip(tip or text)
        action.setCheckable(checkable)
        if icon is not None:
            action.setIcon(icon)
        action.triggered.connect(slot)
        self._window.addAction(action)
        return action

    def stepping(self) -> list[QtGui.QAction]:
        """The pass's actions, in the Pass menu's and the toolbar's order."""
        return [self.reset, self.back, self.play, self.forward, self.end]


def build_menus(window, act: WindowActions, docks) -> SimpleNamespace:
    """The menu bar: File, Edit, Pass, View (a toggle for every dock) and Help. Returns the menus by name."""
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([act.new, act.open])
    recent = file_menu.addMenu("Open &recent")
    file_menu.addActions([act.save, act.save_as])
    file_menu.addSeparator()
    file_menu.addAction(act.export)
    file_menu.addSeparator()
    file_menu.addAction(act.quit)
    edit_menu = bar.addMenu("&Edit")
    edit_menu.addActions([act.undo, act.redo])
    edit_menu.addSeparator()
    edit_menu.addActions([act.copy, act.escape])
    bar.addMenu("&Pass").addActions(act.stepping())
    view_menu = bar.addMenu("&View")
    view_menu.addActions([dock.toggleViewAction() for dock in docks])
    for group in ([act.compare, act.presenter, act.blank, act.reveal_all], list(act.color_modes.values()),
                  list(act.themes.values()), [act.reset_layout]):  # fmt: skip
        view_menu.addSeparator()
        view_menu.addActions(group)
    bar.addMenu("&Help").addActions([act.shortcuts, act.about])
    return SimpleNamespace(file=file_menu, recent=recent, edit=edit_menu, view=view_menu)


class PassToolBar(QtWidgets.QToolBar):
    """The toolbar: the pass's actions, the play speed and the edge colouring.

    It never hides a control in its "»" menu: where the buttons' texts do not fit the window, they show
    their icons only (each keeps its tip).
    """

    def __init__(self, act: WindowActions, bridge, parent: QtWidgets.QWidget | None = None):
        super().__init__("Pass", parent)
        self.setObjectName("toolbar-pass")
        self.setToolButtonStyle(TOOLBAR_STYLES[0])
        self.addActions(act.stepping())
        self.addSeparator()
        self.addWidget(QtWidgets.QLabel(" Speed "))
        self.speed = QtWidgets.QDoubleSpinBox()
        self.speed.setRange(MIN_SPEED, MAX_SPEED)
        self.speed.setSingleStep(0.5)
        self.speed.setDecimals(2)
        self.speed.setSuffix(" steps/s")
        self.speed.setValue(DEFAULT_SPEED)
        self.speed.setToolTip("How many micro-steps per second while playing")
        self.speed.valueChanged.connect(bridge.set_speed)
        self.addWidget(self.speed)
        self.addSeparator()
        self.addWidget(QtWidgets.QLabel(" Colour edges by "))
        self.color_mode = QtWidgets.QComboBox()
        for mode, label in COLOR_MODES.items():
            self.color_mode.addItem(label, mode)
        self.color_mode.activated.connect(lambda i: bridge.set_color_mode(self.color_mode.itemData(i)))
        self.addWidget(self.color_mode)

    def show_color_mode(self, mode: str) -> None:
        self.color_mode.setCurrentIndex(self.color_mode.findData(mode))

    def fit(self, width: int) -> None:
        """Take the first of ``TOOLBAR_STYLES`` whose buttons all fit in ``width`` pixels."""
        for style in TOOLBAR_STYLES:
            self.setToolButtonStyle(style)
            if self._needed_width() <= width:
                return

    def _needed_width(self) -> int:
        layout = self.layout()
        layout.invalidate()
        margins = self.contentsMargins()
        spacing = max(0, layout.spacing())
        widths = []
        for index in range(layout.count()):
            widget = layout.itemAt(index).widget()
            if widget is not None and widget.objectName() != "qt_toolbar_ext_button":
                widths.append(widget.sizeHint().width())
        handle = self.style().pixelMetric(QtWidgets.QStyle.PixelMetric.PM_ToolBarHandleExtent, None, self)
        return sum(widths) + spacing * len(widths) + margins.left() + margins.right() + handle + 2 * layout.contentsMargins().left()
