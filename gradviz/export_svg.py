"""SVG export: a view drawn by QSvgGenerator, then rewritten in plain output coordinates for other renderers."""

from __future__ import annotations

import math
import re

from PySide6 import QtCore, QtSvg

from . import __version__
from .export_options import ExportOptions
from .export_paint import draw_view, view_dpi


def svg_bytes(view, options: ExportOptions) -> bytes:
    """``view`` drawn by QSvgGenerator as ``options`` ask, in plain coordinates (see ``plain_svg_coordinates``)."""
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    generator = QtSvg.QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QtCore.QSize(*options.size))
    generator.setViewBox(QtCore.QRect(0, 0, *options.size))
    generator.setResolution(view_dpi(view))
    generator.setTitle(options.title)
    generator.setDescription(f"Exported by gradviz {__version__}")
    draw_view(generator, view, QtCore.QRectF(0, 0, *options.size), options.background, "SVG")
    return plain_svg_coordinates(bytes(buffer.data()).decode("utf-8")).encode("utf-8")


# ---------------------------------------------------------------------------------------------- plain SVG

#: A group as QSvgGenerator writes it: flat (no group inside), its state in attributes, then its shapes.
_SVG_GROUP = re.compile(r"<g ([^>]*)>((?:(?!<g[\s>]).)*?)</g>", re.DOTALL)
_SVG_MATRIX = re.compile(r'\s*transform="matrix\(([^)]*)\)"')
_SVG_SHAPE = re.compile(r"<(path|polyline|polygon|rect|ellipse|circle|line)\b([^>]*?)/>", re.DOTALL)
_SVG_PATH_TOKEN = re.compile(r"[MLCZ]|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[^\s,]")


def _svg_number(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def plain_svg_coordinates(svg: str) -> str:
    """``svg`` (as QSvgGenerator writes it) with every group of shapes drawn in plain output coordinates.

    A pyqtgraph plot draws its bars and curves in data coordinates under a scale transform (hundreds of
    times, one axis flipped) with cosmetic strokes (``vector-effect="non-scaling-stroke"``): several SVG
    renderers (ImageMagick, cairo) ignore that effect and stroke them hundreds of pixels wide, or draw
    nothing. Here each such transform is multiplied into the shapes' coordinates, so a slide program
    sees ordinary paths. Groups with text, images or gradients keep their transform (it is small).
    Polylines and polygons become paths too: ImageMagick refuses a round-capped polyline.
    """
    return _SVG_GROUP.sub(_plain_group, svg)


def _plain_group(match: re.Match) -> str:
    attributes, body = match.groups()
    matrix = _SVG_MATRIX.search(attributes)
    try:
        a, b, c, d, e, f = (float(v) for v in matrix.group(1).split(",")) if matrix else (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    except ValueError:
        return match.group(0)
    attributes = _SVG_MATRIX.sub("", attributes)
    if not body.strip():
        return ""  # a state change that drew nothing
    shapes = _SVG_SHAPE.findall(body)
    leftover = _SVG_SHAPE.sub("", body).strip()
    if leftover or "url(" in attributes or "url(" in body:
        return match.group(0)  # text, an image or a gradient: its transform stays
    axis_aligned = b == 0.0 and c == 0.0
    cosmetic = all('vector-effect="non-scaling-stroke"' in shape_attributes for _k, shape_attributes in shapes)
    stroke_scale = 1.0
    if 'stroke="none"' not in attributes and not cosmetic:
        if not (axis_aligned and math.isclose(abs(a), abs(d), rel_tol=1e-6)):
            return match.group(0)  # a stroke that scales unevenly has no plain equivalent
        stroke_scale = abs(a)

    def point(x: float, y: float) -> tuple[float, float]:
        return a * x + c * y + e, b * x + d * y + f

    baked = []
    for kind, shape_attributes in shapes:
        shape = _plain_shape(kind, shape_attributes, point, (a, b, c, d), axis_aligned)
        if shape is None:
            return match.group(0)
        baked.append(shape.replace(' vector-effect="non-scaling-stroke"', ""))
    if stroke_scale != 1.0:
        attributes = re.sub(
            r'stroke-width="([^"]*)"', lambda m: f'stroke-width="{_svg_number(float(m.group(1)) * stroke_scale)}"', attributes
        )
    attributes = re.sub(r"\s+", " ", attributes).strip()
    return f"<g {attributes}>\n" + "\n".join(baked) + "\n</g>"


def _plain_shape(kind: str, attributes: str, point, linear, axis_aligned: bool) -> str | None:
    """One shape with ``point`` applied to its coordinates, or None when it cannot be done exactly."""
    values = dict(re.findall(r'([\w:-]+)="([^"]*)"', attributes))
    others = " ".join(f'{k}="{v}"' for k, v in values.items() if k not in _GEOMETRY[kind])

    def number(name: str) -> float:
        return float(values.get(name, "0"))

    if kind == "path":
        out, pending = [], []
        for token in _SVG_PATH_TOKEN.findall(values.get("d", "")):
            if token in "MLCZ":
                if pending:
                    return None
                out.append(token)
            elif token[0].isalpha():
                return None  # a command Qt does not write (relative, arcs): leave the group alone
            else:
                pending.append(float(token))
                if len(pending) == 2:
                    out.append(",".join(_svg_number(v) for v in point(*pending)))
                    pending = []
        if pending:
            return None
        geometry = f'd="{" ".join(out)}"'
    elif kind in ("polyline", "polygon"):
        numbers = [float(v) for v in re.split(r"[\s,]+", values.get("points", "").strip()) if v]
        if len(numbers) % 2 or not numbers:
            return None
        pairs = [point(numbers[i], numbers[i + 1]) for i in range(0, len(numbers), 2)]
        steps = " L ".join(f"{_svg_number(x)},{_svg_number(y)}" for x, y in pairs)
        geometry = f'd="M {steps}{" Z" if kind == "polygon" else ""}"'
        kind = "path"
    elif kind == "line":
        (x1, y1), (x2, y2) = point(number("x1"), number("y1")), point(number("x2"), number("y2"))
        geometry = f'x1="{_svg_number(x1)}" y1="{_svg_number(y1)}" x2="{_svg_number(x2)}" y2="{_svg_number(y2)}"'
    elif not axis_aligned:
        return None
    elif kind == "rect":
        (x1, y1) = point(number("x"), number("y"))
        (x2, y2) = point(number("x") + number("width"), number("y") + number("height"))
        geometry = (f'x="{_svg_number(min(x1, x2))}" y="{_svg_number(min(y1, y2))}" '
                    f'width="{_svg_number(abs(x2 - x1))}" height="{_svg_number(abs(y2 - y1))}"')  # fmt: skip
    else:  # ellipse or circle: an ellipse in output coordinates
        a, _b, _c, d = linear
        rx, ry = (number("r"), number("r")) if kind == "circle" else (number("rx"), number("ry"))
        cx, cy = point(number("cx"), number("cy"))
        kind = "ellipse"
        geometry = (f'cx="{_svg_number(cx)}" cy="{_svg_number(cy)}" '
                    f'rx="{_svg_number(abs(a) * rx)}" ry="{_svg_number(abs(d) * ry)}"')  # fmt: skip
    return f"<{kind} {others} {geometry}/>".replace("  ", " ")


#: The attributes of each shape that hold its coordinates.
_GEOMETRY = {
    "path": {"d"},
    "polyline": {"points"},
    "polygon": {"points"},
    "line": {"x1", "y1", "x2", "y2"},
    "rect": {"x", "y", "width", "height"},
    "ellipse": {"cx", "cy", "rx", "ry"},
    "circle": {"cx", "cy", "r"},
}
