"""The one list of views. Each view is a module of this package declaring ``VIEW``, a ``ViewSpec``: its
name, its title, its place in the window, how it is made, what an export draws and how it draws a
``core.snapshot.Snapshot``. The window (docks, View menu), the export dialog, ``gradviz export --view``,
presenter mode and the tests all read this list, and the window and an export draw a view with the same
``draw``. Adding a view is one new module and one line here.

No Qt is imported here, so the command line can list the names without starting Qt; a view's module is
imported when its spec is first asked for.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

#: (name, module) of every view, in the order the window and the menus show them.
VIEW_MODULES = (
    ("diagram", "diagram"),
    ("compare", "compare"),
    ("gradient-bars", "bars"),
    ("activation", "activation"),
    ("depth-chain", "depth"),
    ("training", "training"),
    ("lanes", "lanes"),
    ("lab", "lab"),
)
#: What `gradviz export --view` and the export dialog offer: every view, then the whole window.
WHOLE_WINDOW = "window"
VIEW_NAMES = tuple(name for name, _ in VIEW_MODULES)
EXPORT_NAMES = (*VIEW_NAMES, WHOLE_WINDOW)
#: Where a view sits in the window: the centre (diagram and compare share it), or a dock area.
PLACES = ("centre", "bottom", "right")


@dataclass(frozen=True)
class ViewSpec:
    """One view.

    Attributes
    ----------
    name : the name used by the command line, settings and tests, e.g. "gradient-bars"
    title : what the View menu, the dock and the export dialog call it
    place : one of ``PLACES``
    make : ``make(theme) -> widget``, a new widget of the view
    plot : ``plot(widget) -> widget``, what an export draws (a panel's plot without its controls)
    draw : ``draw(widget, snapshot, before)``: show ``snapshot``; ``before`` is the snapshot last drawn
        (None for a fresh widget), so the window redraws only what changed
    """

    name: str
    title: str
    place: str
    make: Callable[[Any], Any]
    plot: Callable[[Any], Any]
    draw: Callable[[Any, Any, Any], None]


def view(name: str) -> ViewSpec:
    """The spec of view ``name``; a ``KeyError`` names the views when there is none."""
    modules = dict(VIEW_MODULES)
    if name not in modules:
        raise KeyError(f"unknown view {name!r}; choose one of {', '.join(VIEW_NAMES)}")
    return importlib.import_module(f"{__package__}.{modules[name]}").VIEW


def views() -> tuple[ViewSpec, ...]:
    """Every view's spec, in ``VIEW_NAMES`` order."""
    return tuple(view(name) for name in VIEW_NAMES)


def changed(shot, before, *fields: str) -> bool:
    """Whether any of ``fields`` of ``shot`` is another object than in ``before`` (always for a fresh view)."""
    return before is None or any(getattr(shot, f) is not getattr(before, f) and getattr(shot, f) != getattr(before, f) for f in fields)
