"""The status line: where the pass stands (step, loss, pass number) and the gradient-health verdict."""

from __future__ import annotations

from PySide6 import QtWidgets

from ...core.format import format_number
from ...core.records import describe_step
from ...core.stats import Health
from ..theme import Theme

#: The verdict's colour on each theme: light on the dark screen, dark enough on white to read from the back row.
HEALTH_COLORS = {
    "screen": {"vanishing": "#4e9fe5", "exploding": "#ff6b6b", "healthy": "#59c26b", "no gradient": "#ff6b6b"},
    "slides": {"vanishing": "#1f5fa8", "exploding": "#b3261e", "healthy": "#1e7b34", "no gradient": "#b3261e"},
}  # fmt: skip


class StatusLine:
    """The two labels of ``status_bar``: ``step`` (stretching) and ``health`` (at the right end)."""

    def __init__(self, status_bar: QtWidgets.QStatusBar):
        self.step = QtWidgets.QLabel()
        self.step.setObjectName("statusStep")
        self.health = QtWidgets.QLabel()
        self.health.setObjectName("statusHealth")
        status_bar.addWidget(self.step, 1)
        status_bar.addPermanentWidget(self.health)
        self._verdict: Health | None = None
        self._theme_name = "screen"

    def show_cursor(self, cursor) -> None:
        """``cursor`` a ``core.session.Cursor``: "Forward: layer 2 of 3 · loss = 0.0123 · pass 1"."""
        text = describe_step(cursor.step, cursor.depth)
        if cursor.step == 0:
            text += ": press → to start the forward pass"
        if cursor.loss is not None:
            text += f"   ·   loss = {format_number(cursor.loss, 6, trailing_zeros=False)}"
        text += f"   ·   pass {cursor.pass_number}"
        self.step.setText(text)

    def show_health(self, verdict: Health | None = None, theme: Theme | None = None) -> None:
        """The verdict (the last one given when None), in its colour on ``theme`` (the last one given)."""
        self._verdict = verdict or self._verdict
        self._theme_name = theme.name if theme is not None else self._theme_name
        if self._verdict is None:
            return
        self.health.setText(f"Gradient health: {self._verdict.describe()}")
        color = HEALTH_COLORS.get(self._theme_name, HEALTH_COLORS["screen"]).get(self._verdict.verdict)
        # Without a verdict colour the label takes the theme's text colour from the palette.
        self.health.setStyleSheet(f"{f'color: {color}; ' if color else ''}font-weight: bold; padding-right: 8px;")
