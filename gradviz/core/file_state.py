"""Which session file is behind the screen, and whether what is on screen was changed since it was saved."""

from __future__ import annotations

from pathlib import Path
from typing import Callable


class FileState:
    """The session file last opened or saved, and the mark of what was on screen then.

    Parameters
    ----------
    fingerprint : ``fingerprint() -> tuple``, what is on screen now; ``same(now, saved)`` compares two
    same : whether two fingerprints show the same state
    """

    def __init__(self, fingerprint: Callable[[], tuple], same: Callable[[tuple, tuple], bool]):
        self._fingerprint = fingerprint
        self._same = same
        #: The session file last opened or saved (None: a preset or a plain network file, never saved).
        self.path: Path | None = None
        self._saved = fingerprint()

    @property
    def dirty(self) -> bool:
        """Whether what is on screen differs from the last save or open: a step, an edit, a training run or a
        changed setting makes it True; stepping back to the saved position makes it False again."""
        return not self._same(self._fingerprint(), self._saved)

    def mark_saved(self) -> None:
        """Take what is on screen as saved (``dirty`` is False until something changes)."""
        self._saved = self._fingerprint()

    def saved_to(self, path: Path | str | None) -> None:
        """What is on screen is now the session file ``path`` (just written or opened); None: no file behind
        it, as for a new session from a preset or a plain network file. Nothing is unsaved then."""
        self.path = None if path is None else Path(path)
        self.mark_saved()

    def __repr__(self):
        return f"FileState({self.path}, dirty={self.dirty})"
