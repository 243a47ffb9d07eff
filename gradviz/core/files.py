"""Atomic file writes: a failure leaves no partial file, and the file gets the mode the user expects."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def new_mode(folder: bool = False) -> int:
    """The mode the umask gives a new file (0644 under umask 022) or folder (0755)."""
    return (0o777 if folder else 0o666) & ~_umask()


def _umask() -> int:
    try:  # Linux: read it without changing it (os.umask would, for a moment, for every thread)
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # os.umask both sets and returns: set it back at once
    os.umask(mask)
    return mask


def _final_mode(path: Path) -> int:
    """The mode ``path`` should end up with: an existing file's own, else what the umask gives a new file."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return new_mode()


@contextlib.contextmanager
def atomic_output(path) -> Iterator[BinaryIO]:
    """A binary handle on a temporary file beside ``path``, which replaces ``path`` when the block succeeds.

    A new file gets the mode the umask gives (0644 under umask 022); a replaced file keeps its mode.
    On any error the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file 0600, whatever the umask says.
        os.chmod(tmp, _final_mode(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_atomically(path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename (see atomic_output)."""
    with atomic_output(path) as handle:
        handle.write(data)
