"""Issue 17 item 7: an SVG export is plain enough for any program. Every registered view's SVG, drawn by a
second renderer (cairo, through CairoSVG: not Qt), matches Qt's own PNG of the same view, bars and lines
included; and no group of it is drawn under a scale transform over 10x.

CairoSVG is in the test extra and needs the system's libcairo (.ci/run installs it when missing): the test
fails rather than skips without it.
"""

from __future__ import annotations

import io
import re

import cairosvg
import numpy as np
import pytest
from PIL import Image

from gradviz.cli import main
from gradviz.export_svg import plain_svg_coordinates
from gradviz.ui.lab_canvas import LANE_COLORS
from gradviz.ui.theme import SCREEN, SLIDES
from gradviz.ui.views.registry import EXPORT_NAMES

WIDTH, HEIGHT = 1920, 1080
#: Both pictures are averaged over 10 x 10 pixel blocks before they are compared: the renderers place
#: antialiased edges and glyphs a fraction of a pixel apart, which no slide shows.
BLOCK = 10
#: Mean absolute difference of the block averages, on 0..255 channels, that still reads as one picture.
#: Measured: 0.1 to 1.0 for a single view, 0.6 (screen) and 1.5 (slides) for the lab (hundreds of thick edges,
#: aliased by Qt, antialiased by cairo), 2.3 for the whole window (its many small widgets); a view without its
#: bars (the old SVG) differs by over 20.
MAX_MEAN_DIFFERENCE = 3.5
#: What each view is exported from: a network preset, or for the lab a lab preset trained a few epochs.
EXPORT_SOURCE = {"lab": ("--preset", "spiral-deep", "--epochs", "5")}
DEFAULT_SOURCE = ("--preset", "tiny-sigmoid")


def _matrices(svg: str) -> list[tuple[float, ...]]:
    return [tuple(float(v) for v in m.split(",")) for m in re.findall(r'transform="matrix\(([^)]*)\)"', svg)]


def _pixels(png: bytes | str) -> np.ndarray:
    image = Image.open(io.BytesIO(png) if isinstance(png, bytes) else png).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    return np.asarray(image, dtype=np.float64)


def _blocks(pixels: np.ndarray) -> np.ndarray:
    return pixels.reshape(HEIGHT // BLOCK, BLOCK, WIDTH // BLOCK, BLOCK, 3).mean(axis=(1, 3))


def _share_of(pixels: np.ndarray, color: str, tolerance: float = 24.0) -> float:
    """The share of ``pixels`` within ``tolerance`` (summed over channels) of ``color``."""
    rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)
    return float((np.abs(pixels - rgb).sum(axis=-1) <= tolerance).mean())


@pytest.mark.parametrize("theme", [SLIDES, SCREEN], ids=lambda t: t.name)
@pytest.mark.parametrize("name", EXPORT_NAMES)
def test_every_views_svg_draws_in_a_second_renderer_as_qt_draws_it(qapp, tmp_path, name, theme):
    for suffix in ("png", "svg"):
        out = tmp_path / f"{name}.{suffix}"
        source = EXPORT_SOURCE.get(name, DEFAULT_SOURCE)
        assert main(["export", *source, "--view", name, "--theme", theme.name, "--out", str(out)]) == 0
    svg = (tmp_path / f"{name}.svg").read_text(encoding="utf-8")
    for a, b, c, d, _e, _f in _matrices(svg):
        assert max(abs(a), abs(b), abs(c), abs(d)) <= 10, (name, "a group drawn under a scale over 10x")
    assert "non-scaling-stroke" not in svg
    qt = _pixels(str(tmp_path / f"{name}.png"))
    other = _pixels(cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=WIDTH, output_height=HEIGHT))
    difference = np.abs(_blocks(qt) - _blocks(other)).mean()
    assert difference <= MAX_MEAN_DIFFERENCE, (name, theme.name, difference)
    # What is drawn (anything clearly not the background; faint grid lines antialias differently) covers
    # about the same share of the slide in both.
    background = theme.background
    ink_qt, ink_other = 1 - _share_of(qt, background, 150), 1 - _share_of(other, background, 150)
    assert ink_other == pytest.approx(ink_qt, rel=0.2, abs=0.004), (name, ink_qt, ink_other)
    if name == "gradient-bars":
        # The bars themselves, in each activation's colour: a large share of the plot in both pictures.
        for color in theme.compare_colors[:2]:
            share_qt, share_other = _share_of(qt, color), _share_of(other, color)
            assert share_qt > 0.05, (color, share_qt)
            assert share_other == pytest.approx(share_qt, rel=0.05), (color, share_qt, share_other)
    if name == "lab":
        # Each lane's loss, accuracy and learning-speed lines and its caption swatch, in the lane's colour:
        # measured 0.07% to 0.6% of the slide in Qt's picture, within 6% of that in cairo's.
        for color in LANE_COLORS[theme.name][:2]:
            share_qt, share_other = _share_of(qt, color), _share_of(other, color)
            assert share_qt > 0.0005, (color, share_qt)
            assert share_other == pytest.approx(share_qt, rel=0.15), (color, share_qt, share_other)


def test_a_scaled_group_of_cosmetic_shapes_is_written_in_output_coordinates():
    # x' = 2x + 10, y' = -3y + 20, worked by hand.
    group = (
        '<g fill="#d35400" stroke="#ffffff" stroke-width="1" transform="matrix(2,0,0,-3,10,20)"\n font-size="12" >\n'
        '<path vector-effect="non-scaling-stroke" fill-rule="evenodd" d="M1,1 L2,1 L2,-5 Z "/>\n'
        '<polyline fill="none" vector-effect="non-scaling-stroke" points="0,0 1.5,2 " />\n'
        '<rect vector-effect="non-scaling-stroke" x="1" y="1" width="2" height="3"/>\n</g>'
    )
    plain = plain_svg_coordinates(f"<svg>{group}</svg>")
    assert "transform" not in plain and "non-scaling-stroke" not in plain
    assert 'd="M 12,17 L 14,17 L 14,35 Z"' in plain
    assert '<path fill="none" d="M 10,20 L 13,14"/>' in plain  # the polyline, as a path
    assert 'x="12" y="8" width="4" height="9"' in plain  # y from -3*4+20 = 8 to -3*1+20 = 17
    assert 'stroke-width="1"' in plain and 'fill="#d35400"' in plain


def test_groups_with_text_or_a_scaling_stroke_keep_their_transform():
    text = '<g fill="#111111" transform="matrix(0,-1,1,0,4,500)" >\n<text x="4" y="23">mean |∂L/∂w|</text>\n</g>'
    uneven = '<g stroke="#111111" stroke-width="2" transform="matrix(2,0,0,5,0,0)" >\n<path d="M0,0 L1,1"/>\n</g>'
    for group in (text, uneven):
        assert plain_svg_coordinates(group) == group
    # An even scale of a real (not cosmetic) stroke scales its width too.
    even = '<g stroke="#111111" stroke-width="2" transform="matrix(3,0,0,3,1,1)" >\n<path d="M0,0 L1,1"/>\n</g>'
    plain = plain_svg_coordinates(even)
    assert 'stroke-width="6"' in plain and 'd="M 1,1 L 4,4"' in plain and "transform" not in plain
