"""The Lanes view, a plain label, exported as a slide: it takes the theme's print, as in the window. Made with
the desktop's 12 px, it was a line of tiny text at the top of a 1920 x 1080 slide (8 px on a 1280 one)."""

from __future__ import annotations

import numpy as np
from PySide6 import QtGui

from gradviz.cli import main
from tests.readability import image_array


def _first_line_ink_height(path) -> int:
    """Rows of the first run of dark pixels (text on the slides theme's white), top to bottom."""
    grey = image_array(QtGui.QImage(str(path))).mean(axis=2)
    rows = np.flatnonzero((grey < 128).any(axis=1))
    assert rows.size, "no text drawn"
    first = rows[: np.argmax(np.diff(np.r_[rows, rows[-1] + 10]) > 1) + 1]
    return int(first[-1] - first[0] + 1)


def test_the_lanes_slide_is_in_the_slides_print(tmp_path):
    out = tmp_path / "lanes.png"
    assert main(["export", "--preset", "deep-sigmoid", "--view", "lanes", "--theme", "slides", "--out", str(out)]) == 0
    # 18 px DejaVu Sans: "(" and ")" run from above the capitals to below the baseline, 18 px of ink here; the
    # desktop font the label had before gave 13.
    assert _first_line_ink_height(out) >= 16
