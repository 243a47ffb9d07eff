"""Opening a file that may be a session file or a plain network file: ``read_file`` tells them apart.

Every caller that opens a user's file (File > Open, the last session at launch, ``gradviz trace FILE``,
``gradviz export FILE``) goes through ``read_file``: one bounded read, one JSON decode, one test.
"""

from __future__ import annotations

from ..core.experiment import Experiment, NetworkFileError
from ..core.lab_session import LAB_FILE_FORMAT, lab_from_session_json
from ..core.session import Session
from ..core.session_data import SessionData
from .network_file import SESSION_FIELD, parse_network
from .reading import decode_text, read_text
from .session_file import parse_session


def read_file(path) -> SessionData | Experiment:
    """A session file's ``SessionData``, or a plain network file's ``Experiment``.

    The file is read with a bound (``reading.MAX_FILE_BYTES``); a document with a ``session`` object is a
    session file. Every problem is one ``NetworkFileError`` naming what is wrong; a lab session file
    (``gradviz lab --out``) is one too, since it holds no single network.
    """
    document = decode_text(read_text(path))
    if isinstance(document, dict) and SESSION_FIELD in document:
        return parse_session(document)
    if isinstance(document, dict) and document.get("format") == LAB_FILE_FORMAT:
        # Lanes trained side by side, not one network: only the window's lab opens it (``read_lab_file``).
        raise NetworkFileError("", "a training-lab session (gradviz lab --out), which holds lanes rather than one "
                                   "network; open it in the window: gradviz FILE")
    return parse_network(document)


def load_network(path) -> Experiment:
    """The network of the file ``path``: a session file gives its network at the current weights (what
    was on screen when it was saved)."""
    opened = read_file(path)
    return opened.current_experiment() if isinstance(opened, SessionData) else opened


def load_session(path) -> SessionData:
    """The session of the file ``path``; a plain network file gives a session at its start."""
    opened = read_file(path)
    if isinstance(opened, SessionData):
        return opened
    return SessionData(opened, opened.network.weights, opened.network.biases)


def open_file(session: Session, path) -> bool:
    """Put the session or network file ``path`` on ``session``; True for a session file (restored exactly).

    A bad file raises ``NetworkFileError`` (or ``WorkBudgetError``) and changes nothing: see
    ``Session.show_file``.
    """
    return session.show_file(read_file(path), path)


def read_lab_file(path):
    """The ``Lab`` a lab session file (``gradviz lab --out``) holds, or None when ``path`` is another kind of
    file (labview, #19). A lab file that cannot be used raises ``LabError`` naming the field."""
    document = decode_text(read_text(path))
    if isinstance(document, dict) and document.get("format") == LAB_FILE_FORMAT:
        return lab_from_session_json(document, str(path))
    return None
