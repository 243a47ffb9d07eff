"""Gradient vs depth: the chain of slopes against depth, with this network's own curve."""

from ..panels.depth_chain import DepthChainPanel
from .registry import ViewSpec


def draw(widget: DepthChainPanel, shot, before=None) -> None:
    if before is None or shot.slope_chain is not before.slope_chain:
        widget.show_network_chain(shot.slope_chain)


VIEW = ViewSpec("depth-chain", "Gradient vs depth", "bottom", DepthChainPanel, lambda widget: widget.plot_widget(), draw)
