"""The inspector dock: what was clicked, with its numbers and chain-rule formula."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from ..core.explain import explain_edge, explain_neuron
from ..core.records import PassRecord
from .theme import SCREEN, Theme

HINT = "Click a neuron or a weight in the diagram to see its numbers and the chain rule behind its gradient."
#: The formulas are set in a monospace face, so the factors of a long product line up from line to line.
FORMULA_FONT = "DejaVu Sans Mono"


class InspectorPanel(QtWidgets.QWidget):
    """Shows ``explain_neuron``/``explain_edge`` of the selection for the record it is given.

    With several samples a chooser above the text offers the mean or one sample. It is a dumb view:
    choosing emits ``sigSampleChosen(sample)`` (0-based, or None for the mean) and whoever holds the
    choice answers with ``show_selection``.
    """

    sigSampleChosen = QtCore.Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.sample_combo = QtWidgets.QComboBox()
        self.sample_combo.setObjectName("inspectorSample")
        self.sample_combo.setToolTip("Whose numbers the inspector shows: the mean over the batch, or one sample.")
        self.sample_combo.activated.connect(lambda index: self.sigSampleChosen.emit(self.sample_combo.itemData(index)))
        self.sample_combo.hide()
        self.text = QtWidgets.QTextBrowser()
        self.text.setObjectName("inspectorText")
        self.text.setOpenLinks(False)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.sample_combo)
        layout.addWidget(self.text)
        self._lines: list[str] = []
        self._shown: tuple = (None, None, "", None, None)
        self.set_theme(SCREEN)
        self.show_selection(None, None)

    def set_theme(self, theme: Theme) -> None:
        """Print in the theme's face and size (the formulas in monospace at that size)."""
        self._theme = theme
        self.text.setFont(theme.font())
        self.sample_combo.setFont(theme.font())
        self.show_selection(*self._shown)

    def show_selection(self, record: PassRecord | None, selection: tuple | None, side_title: str = "",
                       sample: int | None = None, learning_rate: float | None = None) -> None:  # fmt: skip
        """``selection``: ("neuron", layer, unit), ("edge", layer, to_unit, from_unit) or None.

        ``side_title`` names the Compare view half it was picked on ("right: ReLU"); "" when there is one.
        ``sample`` is the sample shown (0-based) or None for the mean over the batch; ``learning_rate`` is
        the η the update step's w ← w − η·∂L/∂w is written with.
        """
        self._shown = (record, selection, side_title, sample, learning_rate)
        samples = 0 if record is None else len(record.inputs)
        if sample is not None and not 0 <= sample < samples:
            sample = None
        self._show_sample_choice(samples, sample)
        if record is None or selection is None:
            lines = [HINT]
        elif selection[0] == "neuron":
            lines = explain_neuron(record, selection[1], selection[2], sample)
        else:
            lines = explain_edge(record, selection[1], selection[2], selection[3], sample, learning_rate)
        shown_side = side_title if record is not None and selection is not None else ""
        self._lines = ([shown_side] if shown_side else []) + list(lines)
        title, *rest = lines
        side = f"<p style='margin:2px 0;'><i>{_escape(shown_side)}</i></p>" if shown_side else ""
        body = "".join(f"<p style='margin:6px 0; font-family: {FORMULA_FONT}, monospace;'>{_escape(l)}</p>" for l in rest)
        self.text.setHtml(f"{side}<p style='margin:4px 0;'><b>{_escape(title)}</b></p>{body}")

    def _show_sample_choice(self, samples: int, sample: int | None) -> None:
        combo = self.sample_combo
        if combo.count() != (samples + 1 if samples > 1 else 0):
            combo.clear()
            if samples > 1:
                combo.addItem(f"mean over {samples} samples", None)
                for index in range(samples):
                    combo.addItem(f"sample {index + 1}", index)
        combo.setVisible(samples > 1)
        if samples > 1:
            blocked = combo.blockSignals(True)
            combo.setCurrentIndex(0 if sample is None else sample + 1)
            combo.blockSignals(blocked)

    def sample_choices(self) -> list[str]:
        """The chooser's entries ("mean over 4 samples", "sample 1", ...); empty with one sample."""
        return [self.sample_combo.itemText(i) for i in range(self.sample_combo.count())]

    def lines(self) -> list[str]:
        """The lines shown: the side first when there is one, then the title and the explanation."""
        return list(self._lines)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
