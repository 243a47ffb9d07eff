"""Activation curves: each layer's activation and where its samples' z fall on it."""

from ..panels.activation_curves import ActivationCurvesPanel
from .registry import ViewSpec


def draw(widget: ActivationCurvesPanel, shot, before=None) -> None:
    if before is None or shot.record is not before.record:
        widget.show_record(shot.record)


VIEW = ViewSpec("activation", "Activation curves", "bottom", ActivationCurvesPanel, lambda widget: widget.plot_widget(), draw)
