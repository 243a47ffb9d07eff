"""What the window keeps across launches (QSettings), read so that no stored value can stop a launch.

This is the one settings store: everything the app persists (the window's geometry and dock layout, the
theme, the recent files, the last session) is read and written through ``StoredSettings``, and nothing
else in gradviz writes a QSettings (a test greps for it).

A settings file may have been edited by hand or written by another version: a value then comes back as a
str, a list, an int, or not at all (PySide raises on a mangled ``@Variant``). Each reader here checks the
type and the value; a bad entry falls back to its default, is removed from the file, and is named in one
status-bar line (``take_message``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore

from ..core.format import one_line
from ..names import THEME_NAMES

#: The keys, each documented where it is read.
GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
THEME_KEY = "window/theme"
RECENT_KEY = "session/recent"
LAST_SESSION_KEY = "session/last"
#: Most files File > Open Recent lists.
MAX_RECENT_FILES = 8
#: Longest path kept (longer is not a path any file system gives back).
MAX_PATH_CHARS = 4096
#: How much of a bad value the status line quotes.
_QUOTED_CHARS = 40


def describe_setting(value) -> str:
    """A bad stored value in a few words: "the text 'garbage'", "a list of 3", "the number 3"."""
    if isinstance(value, str):
        shown = value if len(value) <= _QUOTED_CHARS else value[:_QUOTED_CHARS] + "…"
        return f"the text {one_line(repr(shown))}"
    if isinstance(value, bool):
        return f"the value {value}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)}"
    if isinstance(value, QtCore.QByteArray):
        return f"{value.size()} bytes"
    return f"a {type(value).__name__}"


class StoredSettings:
    """A ``QSettings`` read defensively, and the one place that writes it.

    Parameters
    ----------
    settings : the QSettings the window keeps its layout, theme and files in
    """

    def __init__(self, settings: QtCore.QSettings):
        self.qsettings = settings
        self._problems: list[str] = []
        try:
            # QSettings reads the file on first use; PySide raises there what unpickling a mangled @Variant
            # raised, whichever key was asked for. Each key's own read below then finds its value unreadable.
            settings.contains(GEOMETRY_KEY)
        except Exception:  # noqa: BLE001 - whatever unpickling raised
            pass
        if settings.status() != QtCore.QSettings.Status.NoError:
            self._problems.append(f"the settings file {one_line(settings.fileName())} could not be read (it is rewritten on quit)")

    # ------------------------------------------------------------------------------------------ reading

    def _value(self, key: str):
        try:
            value = self.qsettings.value(key)
        except Exception:  # noqa: BLE001 - PySide unpickles @Variant values and raises whatever that raises
            value = None
        if value is None and self.qsettings.contains(key):  # there, but nothing Qt or PySide can read
            self.refuse(key, "could not be read")
        return value

    def refuse(self, key: str, problem: str) -> None:
        """Drop the stored ``key`` (its default applies) and note ``problem`` for the status line."""
        self.qsettings.remove(key)
        self._problems.append(f"{key}: {problem}")

    def window_data(self, key: str) -> QtCore.QByteArray | None:
        """The saved window geometry or dock layout under ``key``, or None (absent or refused)."""
        value = self._value(key)
        if value is None:
            return None
        if isinstance(value, QtCore.QByteArray) and not value.isEmpty():
            return value
        self.refuse(key, f"{describe_setting(value)} is not window data")
        return None

    def window_geometry(self) -> QtCore.QByteArray | None:
        """The window's saved size and place (``QMainWindow.saveGeometry``), or None."""
        return self.window_data(GEOMETRY_KEY)

    def window_state(self) -> QtCore.QByteArray | None:
        """The window's saved docks and toolbars (``QMainWindow.saveState``), or None."""
        return self.window_data(STATE_KEY)

    def refuse_window_geometry(self) -> None:
        self.refuse(GEOMETRY_KEY, "window data this gradviz cannot restore")

    def refuse_window_state(self) -> None:
        self.refuse(STATE_KEY, "a panel layout this gradviz cannot restore")

    def theme_name(self) -> str | None:
        """The theme last used (one of ``names.THEME_NAMES``), or None."""
        value = self._value(THEME_KEY)
        if value is None:
            return None
        if isinstance(value, str) and value in THEME_NAMES:
            return value
        self.refuse(THEME_KEY, f"{describe_setting(value)} is not a theme ({', '.join(THEME_NAMES)})")
        return None

    def recent_files(self) -> list[str]:
        """File > Open Recent's paths, newest first (at most ``MAX_RECENT_FILES``)."""
        value = self._value(RECENT_KEY)
        if value is None:
            return []
        if isinstance(value, str):  # an INI file gives back a list of one path as that path
            value = [value]
        if not isinstance(value, list) or not all(_is_path_text(v) for v in value):
            self.refuse(RECENT_KEY, f"{describe_setting(value)} is not a list of file paths")
            return []
        return list(dict.fromkeys(value))[:MAX_RECENT_FILES]

    def last_session(self) -> str | None:
        """The session file on screen when the window last closed, or None."""
        value = self._value(LAST_SESSION_KEY)
        if value is None or value == "":
            return None
        if _is_path_text(value):
            return value
        self.refuse(LAST_SESSION_KEY, f"{describe_setting(value)} is not a file path")
        return None

    def take_message(self) -> str | None:
        """One line naming every bad entry read since the last call, or None when there was none."""
        if not self._problems:
            return None
        problems, self._problems = self._problems, []
        return f"Settings reset to their defaults: {'; '.join(problems)}."

    # ------------------------------------------------------------------------------------------ writing

    def set_window(self, geometry: QtCore.QByteArray, state: QtCore.QByteArray, theme_name: str) -> None:
        """Keep the window's geometry, its docks and toolbars, and its theme for the next launch."""
        self.qsettings.setValue(GEOMETRY_KEY, geometry)
        self.qsettings.setValue(STATE_KEY, state)
        self.qsettings.setValue(THEME_KEY, theme_name)

    def sync(self) -> None:
        """Write what changed to the settings file now (else Qt writes it later, at the latest at quit)."""
        self.qsettings.sync()

    def set_recent_files(self, paths: list[str]) -> None:
        if paths:
            self.qsettings.setValue(RECENT_KEY, list(paths)[:MAX_RECENT_FILES])
        else:  # an empty list would be written as @Invalid()
            self.qsettings.remove(RECENT_KEY)

    def set_last_session(self, path: Path | str | None) -> None:
        if path is None:
            self.qsettings.remove(LAST_SESSION_KEY)
        else:
            self.qsettings.setValue(LAST_SESSION_KEY, str(path))


def _is_path_text(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_PATH_CHARS and "\0" not in value
