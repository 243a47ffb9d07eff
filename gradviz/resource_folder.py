"""Where gradviz's bundled files are: the presets, the icons and the desktop entry.

An install (wheel, editable, frozen folder) holds them as the package ``gradviz.resources``. A source tree
holds them in its top-level ``resources/`` folder, which Python finds instead of an installed gradviz when
it runs inside that tree (``python -m gradviz`` or a script there imports ``gradviz/`` from the tree).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: The ``resources/`` folder of the source tree this module was imported from.
SOURCE_TREE_RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def resource_folder():
    """The folder of bundled files, as an ``importlib.resources`` Traversable (a ``Path`` on disk).

    ``gradviz.resources`` when installed, else the source tree's ``resources/`` folder; every reader of
    presets, icons or the desktop entry goes through here.
    """
    try:
        return resources.files("gradviz.resources")
    except ModuleNotFoundError:
        if SOURCE_TREE_RESOURCES.is_dir():
            return SOURCE_TREE_RESOURCES
        raise ModuleNotFoundError(
            f"gradviz's bundled files are missing: no package gradviz.resources and no {SOURCE_TREE_RESOURCES}; "
            "reinstall gradviz"
        ) from None
