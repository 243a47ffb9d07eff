"""Compare side by side: lanes 0 and 1 at the same micro-step, on one colour scale or each on its own."""

from ..diagram import CompareView
from .diagram import update_learning_rate
from .registry import ViewSpec, changed


def draw(widget: CompareView, shot, before=None) -> None:
    if len(shot.lanes) < 2:  # Compare is off: nothing of its own to show
        return
    if changed(shot, before, "color_mode"):
        widget.set_color_mode(shot.color_mode)
    lanes_moved = before is None or len(before.lanes) < 2 or not all(a.same_as(b) for a, b in zip(shot.lanes[:2], before.lanes[:2]))
    if lanes_moved or changed(shot, before, "compare", "compare_titles"):
        left, right = shot.lanes[0], shot.lanes[1]
        widget.show_records(
            left.record, left.scale_record, right.record, right.scale_record, shot.compare_titles, shot.compare.shared_scale,
            update_learning_rate(shot),
        )  # fmt: skip
    if changed(shot, before, "selection", "selection_side"):
        widget.set_selection(shot.selection_side, shot.selection)


VIEW = ViewSpec("compare", "Compare side by side", "centre", CompareView, lambda widget: widget, draw)
