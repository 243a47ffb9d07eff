"""The network diagram: layout, edge-id raster, a pure scene of each record, painters, and the widgets."""

from .compare import CompareView
from .scene import ColourScale, DiagramScene, build_scene, colour_scale
from .view import NetworkView

__all__ = ["CompareView", "ColourScale", "DiagramScene", "NetworkView", "build_scene", "colour_scale"]
