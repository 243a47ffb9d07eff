"""Lab session files: what ``gradviz lab --out`` writes and a window reopens without training again.

The object itself is the core's (``lab_session_json`` / ``lab_from_session_json``); here it is written
atomically and read through the one bounded reader, which refuses folders, devices and FIFOs unopened.
"""

from __future__ import annotations

import json

from ..core.experiment import NetworkFileError
from ..core.files import write_atomically
from ..core.lab import Lab, LabError
from ..core.lab_session import lab_from_session_json, lab_session_json
from .reading import MAX_FILE_BYTES, read_text


def save_lab_session(lab: Lab, path) -> None:
    """Write the lab session (``lab_session_json``) to ``path`` atomically.

    A session larger than a file may be when read back (``MAX_FILE_BYTES``) is refused with a ``LabError``
    before anything is written: a file that could not be reopened would lose the session.
    """
    data = json.dumps(lab_session_json(lab), allow_nan=False, separators=(",", ":")).encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise LabError(
            f"the lab session would take {len(data) / 2**20:,.0f} MB, more than the {MAX_FILE_BYTES // 2**20} MB "
            "a lab session may hold; use fewer or narrower layers, or fewer lanes"
        )
    write_atomically(path, data)


def load_lab_session(path) -> Lab:
    """The lab a session file holds, at its saved epoch with its saved weights and history; ``LabError`` if unusable."""
    shown = str(path)
    try:
        text = read_text(path)
    except NetworkFileError as exc:
        raise LabError(str(exc).replace("a network file", "a lab session").replace("network files", "files")) from None
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise LabError(f"{shown}: is not a JSON lab session ({exc})") from None
    return lab_from_session_json(obj, shown)
