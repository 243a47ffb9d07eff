"""File > Export…: which view, format, size, theme and background, then one call to gradviz.export.

The view is drawn fresh, in the chosen theme and as a 16:9 slide, from the window's current state: the live
window keeps its theme, palette and layout. Only "Whole window" draws the window itself, as it is.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtWidgets

from ..export import copy_to_clipboard, export_animation, export_view
from ..export_options import MAX_SCALE, MAX_SIDE, MIN_SCALE, SLIDE_WIDTH, ExportError, ExportOptions, output_size
from ..names import DEFAULT_EXPORT_THEME, THEME_NAMES
from ..core.snapshot import Snapshot, take_snapshot
from .export_views import ExportView, compare_copy, pass_copy, through_the_pass
from .views.registry import WHOLE_WINDOW, views
from .theme import get_theme

#: The views offered, by name: every registered view, then the whole window.
VIEW_LABELS = {**{spec.name: spec.title for spec in views()}, WHOLE_WINDOW: "Whole window"}
FORMAT_LABELS = {"png": "PNG image", "svg": "SVG (vector)", "pdf": "PDF (vector)", "gif": "GIF (the pass, animated)"}


def window_state(window, name: str, session=None) -> Snapshot:
    """What view ``name`` of the window shows now (or of ``session``, a copy of its session)."""
    session = session or window.bridge.session
    if name == "compare" and not session.compare.active:
        session = compare_copy(session)
    return take_snapshot(session)


def window_depth_chain(window) -> tuple[float, int]:
    """The (x, depth) the window's gradient-vs-depth panel is set to, which its export keeps."""
    return window.depth_chain.x(), window.depth_chain.depth()


def _pass_states(window, name: str):
    """The states of a pass on the window's network, from the reset to the end of its backward pass.

    A copy of the window's session takes the steps, so the window's own pass does not move.
    """
    session = pass_copy(window.bridge.session)
    session.set_compare_active(name == "compare")
    for stepped in through_the_pass(session):
        yield window_state(window, name, stepped)


class ExportDialog(QtWidgets.QDialog):
    """Exports one of the window's views; errors are shown in a message box and nothing is lost."""

    #: The theme and width chosen last, which Copy image follows too (None: the slides theme, 1920 px).
    last_choice: tuple[str | None, int] = (None, SLIDE_WIDTH)

    def __init__(self, window, parent=None):
        super().__init__(parent or window)
        self.setWindowTitle("Export image")
        self._window = window
        last_theme, last_width = ExportDialog.last_choice
        form = QtWidgets.QFormLayout(self)

        self.view = QtWidgets.QComboBox()
        for name, label in VIEW_LABELS.items():
            self.view.addItem(label, name)
        if window.bridge.session.compare.active:
            self.view.setCurrentIndex(self.view.findData("compare"))
        if getattr(window, "lab", None) is not None and window.lab.shown:  # labview (#19)
            self.view.setCurrentIndex(self.view.findData("lab"))
        form.addRow("View", self.view)

        self.format = QtWidgets.QComboBox()
        for name, label in FORMAT_LABELS.items():
            self.format.addItem(label, name)
        self.format.currentIndexChanged.connect(self._on_format)
        form.addRow("Format", self.format)

        self.by_width = QtWidgets.QRadioButton("Width")
        self.by_width.setChecked(True)
        self.width = QtWidgets.QSpinBox()
        self.width.setRange(1, MAX_SIDE)
        self.width.setValue(last_width)
        self.width.setSuffix(" px")
        self.by_scale = QtWidgets.QRadioButton("Scale")
        self.scale = QtWidgets.QDoubleSpinBox()
        self.scale.setRange(MIN_SCALE, MAX_SCALE)
        self.scale.setSingleStep(0.5)
        self.scale.setValue(2.0)
        self.scale.setSuffix(" × slide")
        self.size_label = QtWidgets.QLabel()
        size_row = QtWidgets.QHBoxLayout()
        for w in (self.by_width, self.width, self.by_scale, self.scale, self.size_label):
            size_row.addWidget(w)
        form.addRow("Size", size_row)
        for signal in (self.width.valueChanged, self.scale.valueChanged, self.by_width.toggled):
            signal.connect(self._update_size_label)

        self.theme = QtWidgets.QComboBox()
        self.theme.addItems(list(THEME_NAMES))
        self.theme.setCurrentText(last_theme or DEFAULT_EXPORT_THEME)
        #: The theme chosen for a single view, which the whole window (drawn in its own theme) sets aside.
        self._view_theme = self.theme.currentText()
        form.addRow("Theme", self.theme)

        self.transparent = QtWidgets.QCheckBox("Transparent background (PNG)")
        form.addRow("", self.transparent)

        files = getattr(window, "files", None)
        folder = files.start_folder() if files is not None else Path.home()
        self.path = QtWidgets.QLineEdit(str(folder / f"{window.bridge.session.experiment.name}-{self.view.currentData()}.png"))
        browse = QtWidgets.QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QtWidgets.QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        form.addRow("File", path_row)
        self.view.currentIndexChanged.connect(self._on_view)

        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.copy_button = buttons.addButton("Copy image", QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        self.export_button = buttons.addButton("Export", QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.export)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.exported_path: Path | None = None
        self._update_size_label()

    # ------------------------------------------------------------------------------------------ choices

    def _on_format(self) -> None:
        fmt = self.format.currentData()
        self.transparent.setEnabled(fmt == "png")
        self.path.setText(str(Path(self.path.text()).with_suffix(f".{fmt}")))

    def _on_view(self) -> None:
        whole_window = self.view.currentData() == "window"
        # The whole window is drawn as it is on screen, in its own theme.
        if whole_window and self.theme.isEnabled():
            self._view_theme = self.theme.currentText()
        self.theme.setEnabled(not whole_window)
        self.theme.setCurrentText(self._window.theme.name if whole_window else self._view_theme)
        current = Path(self.path.text())
        name = f"{self._window.bridge.session.experiment.name}-{self.view.currentData()}{current.suffix or '.png'}"
        self.path.setText(str(current.with_name(name)))

    def _update_size_label(self) -> None:
        try:
            width, height = self._size()
        except ExportError as exc:
            self.size_label.setText(str(exc))
            return
        self.size_label.setText(f"= {width} × {height} px")

    def _size(self) -> tuple[int, int]:
        if self.by_width.isChecked():
            return output_size(width=self.width.value())
        return output_size(scale=self.scale.value())

    def _browse(self) -> None:
        fmt = self.format.currentData()
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export to", self.path.text(), f"{FORMAT_LABELS[fmt]} (*.{fmt})")
        if path:
            self.path.setText(path)

    def options(self) -> ExportOptions:
        """The chosen options, validated (an ExportError names a bad one)."""
        fmt = self.format.currentData()
        return ExportOptions(
            path=self.path.text().strip(),
            width=self.width.value() if self.by_width.isChecked() else None,
            scale=None if self.by_width.isChecked() else self.scale.value(),
            theme=self.theme.currentText(),
            transparent=self.transparent.isChecked() and fmt == "png",
            animate=fmt == "gif",
            title=f"{self._window.bridge.session.experiment.name}: {self.view.currentData()}",
        )

    # ------------------------------------------------------------------------------------------ actions

    def _write(self, options: ExportOptions) -> Path:
        name = self.view.currentData()
        window = self._window
        if name == "window":
            if options.animate:
                raise ExportError("an animation of the whole window is made by `gradviz export --view window --animate`")
            return export_view(window, options)
        if name == "lab" and options.animate:  # labview (#19): a pass animation would show no training
            raise ExportError("an animation of the lab's training is made by `gradviz export --view lab --preset NAME --animate`")
        with ExportView(name, get_theme(options.theme)) as fresh:
            if options.animate:

                def frames():
                    for state in _pass_states(window, name):
                        fresh.show(state, window_depth_chain(window))
                        yield

                return export_animation(fresh.view, frames(), options)
            fresh.show(window_state(window, name), window_depth_chain(window))
            return export_view(fresh.view, options)

    def export(self) -> bool:
        """Export with the chosen options; True on success (the dialog then closes)."""
        try:
            options = self.options()
            self.exported_path = self._write(options)
        except ExportError as exc:
            QtWidgets.QMessageBox.warning(self, "Export failed", str(exc))
            return False
        ExportDialog.last_choice = (options.theme, options.width)
        self._window.statusBar().showMessage(f"Exported {self.exported_path}", 6000)
        self.accept()
        return True

    def copy(self) -> bool:
        """Copy the chosen view, theme and size to the clipboard (the format and file do not matter)."""
        try:
            width, _ = self._size()
            copy_image(self._window, self.view.currentData(), self.theme.currentText(), width)
        except ExportError as exc:
            QtWidgets.QMessageBox.warning(self, "Copy failed", str(exc))
            return False
        ExportDialog.last_choice = (self.theme.currentText(), width)
        return True


def copy_image(window, name: str = "diagram", theme: str | None = None, width: int | None = None):
    """Put view ``name`` on the clipboard as a slide in ``theme`` and ``width`` (default: the last export's)."""
    last_theme, last_width = ExportDialog.last_choice
    theme = theme or last_theme or DEFAULT_EXPORT_THEME
    width = width or last_width
    if name == "window":
        return copy_to_clipboard(window, width, window.theme.name)
    with ExportView(name, get_theme(theme)) as fresh:
        fresh.show(window_state(window, name), window_depth_chain(window))
        return copy_to_clipboard(fresh.view, width, theme)
