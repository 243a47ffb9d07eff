"""How a session is shown: the edge colouring, what the gradient bars compare, the selection the inspector
explains, and whether results show as the backward pass reaches them. No Qt; saved in session files."""

from __future__ import annotations

from ..names import DEFAULT_COLOR_MODE, check_color_mode
from .activations import check_activation
from .stats import check_measure

#: What the gradient-bars panel compares by default: the measure, then the two activations.
DEFAULT_BARS_MEASURE = "mean_abs_grad_w"
DEFAULT_BARS_ACTIVATIONS = ("sigmoid", "relu")
#: The sides of the Compare view; "left" is also the single diagram when compare is off.
SIDES = ("left", "right")


def check_bars(measure: str, activations) -> tuple[str, tuple[str, str]]:
    """The gradient bars' ``measure`` (one of ``stats.MEASURES``) and exactly two activation names, checked.

    A ``ValueError`` names the one that is wrong.
    """
    check_measure(measure)
    names = tuple(activations)
    if len(names) != 2:
        raise ValueError(f"the bars compare exactly two activations, got {len(names)}")
    return measure, (check_activation(names[0]), check_activation(names[1]))


def check_side(side: str) -> str:
    """``side`` if it is one of ``SIDES``; else a ``ValueError`` naming them."""
    if side not in SIDES:
        raise ValueError(f"unknown side {side!r}; choose one of {', '.join(SIDES)}")
    return side


class ViewSettings:
    """How the session is shown; each field is checked when set.

    Attributes
    ----------
    color_mode : how edges are coloured, a key of ``names.COLOR_MODES``
    bars_measure, bars_activations : the gradient-bars measure (one of ``stats.MEASURES``) and the two
        activations it compares
    reveal_all : show the whole pass's bars and verdict at once (True), or only what the backward pass
        has reached
    shared_scale : one colour scale for both halves of the Compare view (True), or each on its own
    selection : what the inspector explains, ("neuron", layer, unit), ("edge", layer, to, from) or None ...
    selection_side : ... and the side of the Compare view it was picked on ("left" when compare is off)
    inspect_sample : which sample the inspector explains, a 0-based index into the batch, or None for the mean
    """

    def __init__(
        self, color_mode: str = DEFAULT_COLOR_MODE, bars_measure: str = DEFAULT_BARS_MEASURE,
        bars_activations: tuple[str, str] = DEFAULT_BARS_ACTIVATIONS, reveal_all: bool = False, shared_scale: bool = True,
    ):  # fmt: skip
        self.color_mode = check_color_mode(color_mode)
        self.bars_measure, self.bars_activations = check_bars(bars_measure, bars_activations)
        self.reveal_all = bool(reveal_all)
        self.shared_scale = bool(shared_scale)
        self.selection: tuple | None = None
        self.selection_side = "left"
        self.inspect_sample: int | None = None

    def set_color_mode(self, mode: str) -> None:
        self.color_mode = check_color_mode(mode)

    def set_bars_settings(self, measure: str, first: str, second: str) -> None:
        """What the gradient bars compare: a measure of ``stats.MEASURES`` and two activation names."""
        self.bars_measure, self.bars_activations = check_bars(measure, (first, second))

    def set_reveal_all(self, reveal_all: bool) -> None:
        """Show every result of the pass at once (True), or as the backward pass computes it (False)."""
        self.reveal_all = bool(reveal_all)

    def set_shared_scale(self, shared: bool) -> None:
        self.shared_scale = bool(shared)

    def select(self, selection: tuple | None, side: str = "left") -> None:
        """Pick what the inspector explains; ``side`` is the Compare view half it was picked on."""
        self.selection_side = check_side(side)
        self.selection = None if selection is None else tuple(selection)

    def set_inspect_sample(self, sample: int | None, count: int) -> None:
        """Which of the ``count`` samples the inspector explains (0-based), or None for the mean."""
        if sample is not None:
            if not 0 <= int(sample) < count:
                raise ValueError(f"sample must be from 0 to {count - 1} or None (the mean), got {sample}")
            sample = int(sample)
        self.inspect_sample = sample

    def saved(self) -> tuple:
        """The fields a session file keeps, for telling whether they changed since the last save."""
        return (self.color_mode, self.selection, self.selection_side, self.shared_scale, self.bars_measure, self.bars_activations)

    def __repr__(self):
        return f"ViewSettings(color_mode={self.color_mode!r}, bars={self.bars_measure!r} {self.bars_activations}, reveal_all={self.reveal_all})"
