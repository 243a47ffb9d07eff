"""The print size and colours a theme gives every widget of a window, menus and dock titles included."""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets

from ..theme import Theme, qt_palette, widget_font

_DESKTOP_FONT: list[QtGui.QFont] = []


def desktop_font() -> QtGui.QFont:
    """The application font as the desktop set it, remembered before the first window changes it."""
    if not _DESKTOP_FONT:
        _DESKTOP_FONT.append(QtGui.QFont(QtWidgets.QApplication.font()))
    return QtGui.QFont(_DESKTOP_FONT[0])


def apply_app_font(theme: Theme) -> QtGui.QFont:
    """Give every widget the theme's print size (the screen theme: the desktop's own font); returns it."""
    font = widget_font(theme, desktop_font())
    QtWidgets.QApplication.setFont(font)
    return font


def apply_theme(window: QtWidgets.QMainWindow, theme: Theme, docks) -> None:
    """Give ``window``, its ``docks``, menus, tabs and dialogs the theme's palette and print size."""
    palette = qt_palette(theme)
    window.setPalette(palette)
    # Dialogs and menus are windows of their own, which a palette does not reach from their parent.
    QtWidgets.QApplication.setPalette(palette)
    # The slides theme's print size reaches every widget, menus and tabs included, through the app font.
    font = apply_app_font(theme)
    window.setFont(font)  # reaches every child at once, before the application's font event arrives
    # Dock title bars and the tab bars the window makes for tabbed docks keep the desktop's own title font
    # unless they are given one. So do menus (windows of their own) and widgets with a style sheet; the
    # status bar had one in presenter mode, and the font it was given then must not outlive it.
    styled = [w for w in window.findChildren(QtWidgets.QWidget) if w.styleSheet()]
    for widget in [*window.findChildren(QtWidgets.QTabBar), *window.findChildren(QtWidgets.QAbstractButton),
                   *window.findChildren(QtWidgets.QMenu), *styled, window.statusBar()]:  # fmt: skip
        widget.setFont(font)
    for dock in docks:
        dock.setFont(dock_title_font(theme, font))


def dock_title_font(theme: Theme, font: QtGui.QFont) -> QtGui.QFont:
    """The font that gives a dock's title bar the theme's print size ``font``.

    A dock whose font equals the application's draws its title in the desktop's small title font; one that
    differs (here only in kerning, which nobody sees) draws it in its own."""
    dock_font = QtGui.QFont(font)
    if theme.widget_font_px is not None:
        dock_font.setKerning(not font.kerning())
    return dock_font
