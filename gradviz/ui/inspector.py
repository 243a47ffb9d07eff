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

    def show_selection(self, record: PassRecord | None, selection: tuple | None, side_title: str = "") -> None:
        """``selection``: ("neuron", layer, unit), ("edge", layer, to_unit, from_unit) or None.

        ``side_title`` names the Compare view half it was picked on ("right: ReLU"); "" when there is one.
        """
        if record is None or selection is None:
            lines = [HINT]
        elif selection[0] == "neuron":
            lines = explain_neuron(record, selection[1], selection[2])
        else:
            lines = explain_edge(record, selection[1], selection[2], selection[3])
        shown_side = side_title if record is not None and selection is not None else ""
        self._lines = ([shown_side] if shown_side else []) + list(lines)
        title, *rest = lines
        side = f"<p style='margin:2px 0;'><i>{_escape(shown_side)}</i></p>" if shown_side else ""
        body = "".join(f"<p style='margin:6px 0; font-family: DejaVu Sans Mono, monospace;'>{_escape(l)}</p>" for l in rest)
        self.text.setHtml(f"{side}<p style='margin:4px 0;'><b>{_escape(title)}</b></p>{body}")

    def lines(self) -> list[str]:
        """The lines shown: the side first when there is one, then the title and the explanation."""
        return list(self._lines)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
