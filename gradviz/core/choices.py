"""The one check of a name chosen from a fixed list (an activation, a loss, an initialiser, a colour mode).

Every place that takes such a name (a file, an edit, the command line, a setting, the window) calls the
concept's checker, which calls ``check_name``: one message everywhere, e.g.
``unknown activation 'swish'; choose one of sigmoid, tanh, ...``.
"""

from __future__ import annotations

from .format import quote_name


class UnknownNameError(ValueError, KeyError):
    """A name that is not one of the choices; the message names them.

    It is a ``KeyError`` too, as a failed look-up in a registry is, and prints its message unquoted.
    """

    def __str__(self):
        return str(self.args[0]) if self.args else ""


def check_name(kind: str, value, choices) -> str:
    """``value`` when it is one of ``choices``; else an ``UnknownNameError``.

    Parameters
    ----------
    kind : what the name names, for the message ("activation", "colour mode")
    value : the name given (anything read from a file or typed)
    choices : the names allowed, in the order the message lists them
    """
    if not isinstance(value, str) or value not in choices:
        raise UnknownNameError(f"unknown {kind} {quote_name(value)}; choose one of {', '.join(choices)}")
    return value
