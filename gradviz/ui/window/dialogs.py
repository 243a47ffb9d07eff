"""The Help menu's dialogs, each fitted inside the screen's available area (its text scrolls when the
slides theme's print would make it taller than a projector's 720 pixels)."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from ...versions import version_report

#: What F1 lists: each key and what it does.
SHORTCUTS = (
    ("→ or a click on the background", "step forward one micro-step"),
    ("←", "step back"),
    ("Space", "play / pause the pass"),
    ("End", "run to the end of the backward pass"),
    ("Home", "reset to the start"),
    ("PageDown / PageUp", "step forward / back, as a presentation remote sends them"),
    ("F5", "presenter mode: full screen, slides theme, the diagram over the gradient bars"),
    ("B or .", "in presenter mode: blank the screen to black, and back"),
    ("Esc", "leave presenter mode; otherwise clear the selection in the inspector"),
    ("Ctrl+1 / 2 / 3 / 4", "colour edges by gradient, weight, activation; or by gradient, labelled with w and ∂L/∂w"),
    ("Ctrl+K", "compare side by side: the network as loaded and with another activation"),
    ("Ctrl+Z / Ctrl+Shift+Z", "undo / redo the last edit, weight redraw, training run or preset switch"),
    ("Ctrl+N / Ctrl+O", "a new session / open a session or network file"),
    ("Ctrl+S / Ctrl+Shift+S", "save the session / save it as a new file"),
    ("Ctrl+E / Ctrl+Shift+C", "export / copy an image"),
)
#: The most of the available screen a dialog takes, so its frame and title bar stay on screen too.
SCREEN_SHARE = 0.9


def text_dialog(parent: QtWidgets.QWidget, title: str, html: str) -> QtWidgets.QDialog:
    """A dialog showing ``html`` with a Close button, fitted on ``parent``'s screen (see ``fit_on_screen``)."""
    dialog = QtWidgets.QDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setObjectName("textDialog")
    text = QtWidgets.QTextBrowser()
    text.setOpenExternalLinks(True)
    text.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
    text.setHtml(html)
    buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QtWidgets.QVBoxLayout(dialog)
    layout.addWidget(text, 1)
    layout.addWidget(buttons)
    # The text's natural size, as wide as its longest line allows up to the screen.
    area = available_area(parent)
    document = text.document()
    document.setTextWidth(-1)
    ideal = document.idealWidth()
    width = min(ideal + 40, area.width() * SCREEN_SHARE - 40)
    document.setTextWidth(width)
    height = document.size().height() + buttons.sizeHint().height() + 60
    dialog.resize(round(width + 40), round(height))
    fit_on_screen(dialog, area)
    return dialog


def available_area(widget: QtWidgets.QWidget | None) -> QtCore.QRect:
    """The available geometry of the screen ``widget`` is on (the primary screen without one)."""
    screen = widget.screen() if widget is not None else None
    screen = screen or QtGui.QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit_on_screen(dialog: QtWidgets.QWidget, area: QtCore.QRect) -> None:
    """Shrink ``dialog`` to at most ``SCREEN_SHARE`` of ``area`` and centre it there."""
    width = min(dialog.width(), round(area.width() * SCREEN_SHARE))
    height = min(dialog.height(), round(area.height() * SCREEN_SHARE))
    dialog.resize(width, height)
    dialog.move(area.x() + (area.width() - width) // 2, area.y() + (area.height() - height) // 2)


def shortcuts_dialog(parent: QtWidgets.QWidget, more=()) -> QtWidgets.QDialog:
    """The keyboard shortcuts table: the window's, then ``more`` (keys, what they do) rows, e.g. the lab's."""
    rows = "".join(f"<tr><td><b>{keys}</b></td><td>{does}</td></tr>" for keys, does in (*SHORTCUTS, *more))
    return text_dialog(parent, "Keyboard shortcuts", f"<table cellspacing=6>{rows}</table>")


def about_dialog(parent: QtWidgets.QWidget) -> QtWidgets.QDialog:
    versions = version_report().splitlines()  # the same lines as ``gradviz --version``
    return text_dialog(
        parent, "About gradviz",
        f"<b>{versions[0]}</b><p>See the vanishing gradient: step through backprop on a network "
        "whose edges are coloured by |∂L/∂w|.</p><p>" + "<br>".join(versions[1:]) + "</p>",
    )  # fmt: skip
