"""Ctrl+C in a long command-line run (``gradviz lab``, ``gradviz train``): stop where the state is whole and
keep what was done.

Inside ``with CtrlC("the end of this epoch") as ctrl_c:`` the first Ctrl+C only sets ``ctrl_c.pressed``
and says so on stderr; the run looks at it where stopping leaves nothing half done (between epochs,
between steps), stops, and prints and writes what it has, as after a whole run, with exit 130. The next
Ctrl+C stops at once (Python's KeyboardInterrupt), keeping nothing. Only the main thread can be given a
signal handler; elsewhere Ctrl+C keeps Python's meaning.
"""

from __future__ import annotations

import signal
import sys
import threading

#: The exit status of a run that Ctrl+C stopped (128 + SIGINT, as shells report it).
INTERRUPTED_EXIT = 130


class CtrlC:
    """The first Ctrl+C while inside: ``pressed`` becomes True, and the next one stops at once."""

    def __init__(self, stop_point: str):
        #: Where the run stops, for the message: "the end of this epoch".
        self.stop_point = stop_point
        self.pressed = False
        self._previous = None
        self._installed = False

    def _first(self, signum, frame) -> None:
        self.pressed = True
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl+C stops at once
        if sys.stderr.isatty():
            sys.stderr.write("\n")  # below a progress bar being redrawn
        print(f"gradviz: stopping at {self.stop_point} (Ctrl+C again stops at once, keeping nothing)",
              file=sys.stderr, flush=True)

    def __enter__(self) -> CtrlC:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._first)
            self._installed = True
        return self

    def __exit__(self, *exc) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False
