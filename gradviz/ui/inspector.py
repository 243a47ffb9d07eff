"""The inspector dock: what was clicked, with its numbers and chain-rule formula."""

from __future__ import annotations

from PySide6 import QtWidgets

from ..core.explain import explain_edge, explain_neuron
from ..core.records import PassRecord

HINT = "Click a neuron or a weight in the diagram to see its numbers and the chain rule behind its gradient."


class InspectorPanel(QtWidgets.QWidget):
    """Shows ``explain_neuron``/``explain_edge`` of the selection for the record it is given."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.text = QtWidgets.QTextBrowser()
        self.text.setObjectName("inspectorText")
        self.text.setOpenLinks(False)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.text)
        self._lines: list[str] = []
        self.show_selection(None, None)

    def show_selection(self, record: PassRecord | None, selection: tuple | None) -> None:
        """``selection``: ("neuron", layer, unit), ("edge", layer, to_unit, from_unit) or None."""
        if record is None or selection is None:
            self._lines = [HINT]
        elif selection[0] == "neuron":
            self._lines = explain_neuron(record, selection[1], selection[2])
        else:
            self._lines = explain_edge(record, selection[1], selection[2], selection[3])
        title, *rest = self._lines
        body = "".join(f"<p style='margin:6px 0; font-family: DejaVu Sans Mono, monospace;'>{_escape(l)}</p>" for l in rest)
        self.text.setHtml(f"<p style='margin:4px 0;'><b>{_escape(title)}</b></p>{body}")

    def lines(self) -> list[str]:
        return list(self._lines)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
