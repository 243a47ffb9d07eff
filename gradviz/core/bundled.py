"""The one way to find the resources that ship inside gradviz (``gradviz.resources``)."""

from __future__ import annotations

from importlib import resources


def bundled_dir(name: str):
    """The bundled folder ``name`` ("presets", "lab", "data") as an ``importlib.resources`` Traversable."""
    return resources.files("gradviz.resources").joinpath(name)
