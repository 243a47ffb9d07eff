"""Gradient bars: the bars' comparison as the snapshot holds it (only the layers the backward pass reached)."""

from ..panels.gradient_bars import GradientBarsPanel
from .registry import ViewSpec, changed


def draw(widget: GradientBarsPanel, shot, before=None) -> None:
    if changed(shot, before, "bars_settings"):
        widget.show_settings(*shot.bars_settings)
    if before is None or shot.comparison is not before.comparison:
        widget.show_comparison(shot.comparison)


VIEW = ViewSpec("gradient-bars", "Gradient bars", "bottom", GradientBarsPanel, lambda widget: widget.plot_widget(), draw)
