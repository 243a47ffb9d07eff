"""Training history: loss and per-layer gradient magnitudes of the training run behind lane 0."""

from ..panels.training_history import TrainingPanel
from .registry import ViewSpec


def draw(widget: TrainingPanel, shot, before=None) -> None:
    if before is None or shot.history is not before.history:
        widget.show_history(shot.history)


VIEW = ViewSpec("training", "Training history", "bottom", TrainingPanel, lambda widget: widget.plot_widget(), draw)
