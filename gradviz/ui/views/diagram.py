"""The network diagram: lane 0's pass, coloured on its whole pass's scale, with the selection outlined."""

from ..diagram import NetworkView
from .registry import ViewSpec, changed


def update_learning_rate(shot) -> float | None:
    """η of the SGD update the diagram prints at the update step (w ← w − η·∂L/∂w), for every lane.

    The one place the diagram views read it: the record holds the weights before and after and the gradient.
    """
    return shot.experiment.learning_rate


def draw(widget: NetworkView, shot, before=None) -> None:
    if changed(shot, before, "color_mode"):
        widget.set_color_mode(shot.color_mode)
    if before is None or shot.record is not before.record or shot.scale_record is not before.scale_record:
        widget.show_record(shot.record, shot.scale_record, learning_rate=update_learning_rate(shot))
    if changed(shot, before, "selection", "selection_side"):
        widget.set_selection(shot.selection if shot.selection_side == "left" else None)


VIEW = ViewSpec("diagram", "Network diagram", "centre", NetworkView, lambda widget: widget, draw)
