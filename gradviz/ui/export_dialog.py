"""File > Export…: which view, format, size, theme and background, then one call to gradviz.export."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

from ..export import ExportError, export_widget
from .theme import THEMES

VIEW_LABELS = {
    "diagram": "Network diagram",
    "gradient-bars": "Gradient bars",
    "activation": "Activation curves",
    "depth-chain": "Gradient vs depth",
    "training": "Training history",
    "window": "Whole window",
}
FORMAT_LABELS = {"png": "PNG image", "svg": "SVG (vector)", "pdf": "PDF (vector)"}


class ExportDialog(QtWidgets.QDialog):
    """Exports one of the window's views; errors are shown in a message box and nothing is lost."""

    def __init__(self, window, parent=None):
        super().__init__(parent or window)
        self.setWindowTitle("Export image")
        self._window = window
        form = QtWidgets.QFormLayout(self)

        self.view = QtWidgets.QComboBox()
        for name, label in VIEW_LABELS.items():
            self.view.addItem(label, name)
        form.addRow("View", self.view)

        self.format = QtWidgets.QComboBox()
        for name, label in FORMAT_LABELS.items():
            self.format.addItem(label, name)
        self.format.currentIndexChanged.connect(self._on_format)
        form.addRow("Format", self.format)

        self.by_scale = QtWidgets.QRadioButton("Scale")
        self.by_scale.setChecked(True)
        self.scale = QtWidgets.QDoubleSpinBox()
        self.scale.setRange(1.0, 4.0)
        self.scale.setSingleStep(0.5)
        self.scale.setValue(2.0)
        self.scale.setSuffix(" ×")
        self.by_width = QtWidgets.QRadioButton("Width")
        self.width = QtWidgets.QSpinBox()
        self.width.setRange(64, 16000)
        self.width.setValue(1920)
        self.width.setSuffix(" px")
        size_row = QtWidgets.QHBoxLayout()
        for w in (self.by_scale, self.scale, self.by_width, self.width):
            size_row.addWidget(w)
        form.addRow("Size", size_row)

        self.theme = QtWidgets.QComboBox()
        self.theme.addItems(list(THEMES))
        self.theme.setCurrentText(window.theme.name)
        form.addRow("Theme", self.theme)

        self.transparent = QtWidgets.QCheckBox("Transparent background (PNG)")
        form.addRow("", self.transparent)

        self.path = QtWidgets.QLineEdit(str(Path.home() / f"{window.bridge.experiment.name}-diagram.png"))
        browse = QtWidgets.QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QtWidgets.QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        form.addRow("File", path_row)
        self.view.currentIndexChanged.connect(self._suggest_name)

        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton("Export", QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.export)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.exported_path: Path | None = None

    def _on_format(self) -> None:
        fmt = self.format.currentData()
        self.transparent.setEnabled(fmt == "png")
        self.path.setText(str(Path(self.path.text()).with_suffix(f".{fmt}")))

    def _suggest_name(self) -> None:
        current = Path(self.path.text())
        name = f"{self._window.bridge.experiment.name}-{self.view.currentData()}{current.suffix or '.png'}"
        self.path.setText(str(current.with_name(name)))

    def _browse(self) -> None:
        fmt = self.format.currentData()
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export to", self.path.text(), f"{FORMAT_LABELS[fmt]} (*.{fmt})")
        if path:
            self.path.setText(path)

    def export(self) -> bool:
        """Export with the chosen options; True on success (the dialog then closes)."""
        window = self._window
        name = self.view.currentData()
        previous = window.theme
        chosen = THEMES[self.theme.currentText()]
        try:
            if chosen is not previous:
                window.set_theme(chosen)
            window.show_view(name)
            QtWidgets.QApplication.processEvents()
            self.exported_path = export_widget(
                window.view_widget(name),
                self.path.text().strip(),
                width=self.width.value() if self.by_width.isChecked() else None,
                scale=self.scale.value() if self.by_scale.isChecked() else None,
                transparent=self.transparent.isChecked() and self.format.currentData() == "png",
                background=chosen.background,
            )
        except ExportError as exc:
            QtWidgets.QMessageBox.warning(self, "Export failed", str(exc))
            return False
        finally:
            if chosen is not previous:
                window.set_theme(previous)
        window.statusBar().showMessage(f"Exported {self.exported_path}", 6000)
        self.accept()
        return True
