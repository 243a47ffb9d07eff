"""Draw a given view to PNG, SVG, PDF or an animated GIF: the one export, used by the window and headless alike.

A leaf: it knows no window, no session and no dialog. It takes a view and one validated ``ExportOptions``.

A view is any object with ``render_to(painter, rect, paint_background)`` (the network diagram) or any QWidget
(a pyqtgraph plot, a whole window). It is drawn by Qt onto the output's own paint device, so SVG and PDF hold
vector paths and real text, and a large PNG is re-drawn at its resolution rather than enlarged. The view is
drawn at its own size onto a painter scaled uniformly to fit the output, centred on the theme's background
(views laid out as a 16:9 slide fill a slide exactly).

Files are written atomically (see ``gradviz.core.files``): a failed export leaves no partial file and never
replaces a good file with a broken one. Animations stream: each frame is drawn, written to the frames folder
and encoded into the GIF before the next one is drawn.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import struct
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import InitVar, dataclass, field
from pathlib import Path
from typing import BinaryIO

from PySide6 import QtCore, QtGui, QtSvg, QtWidgets

from . import __version__
from .core.budget import WORK_BUDGET_BYTES
from .core.files import (
    OutputPathError, atomic_output, check_output_path, os_error_reason, staging_folder, write_atomically,
    write_error_message,
)
from .names import DEFAULT_EXPORT_THEME, THEME_NAMES
from .ui.theme import get_theme

STILL_FORMATS = ("png", "svg", "pdf")
FORMATS = (*STILL_FORMATS, "gif")
#: Every view exports as a slide: 1920 x 1080 by default, and any width at 16:9.
SLIDE_WIDTH, SLIDE_HEIGHT = 1920, 1080
#: Largest width or height of an output, in pixels.
MAX_SIDE = 16384
#: Range of a scale: the output is this many times the default slide.
MIN_SCALE, MAX_SCALE = 1.0, 4.0
#: How long each frame of an animation shows, and the last one (the finished backward pass).
FRAME_MS = 600
#: Copies of the picture's RGBA pixels an export holds at its peak: the picture, its encoding and, for a
#: still, the PNG rows; an animation adds the GIF encoder's palette image and its previous frame. Measured:
#: a still PNG at 8192 x 4608 peaks at 265 MB (1.75 copies), 8 GIF frames at 8192 at 824 MB (5.5 copies).
STILL_EXPORT_COPIES = 2
ANIMATED_EXPORT_COPIES = 6
LAST_FRAME_MS = 2400

#: zlib level of a PNG's pixel data: level 3 on unfiltered rows gives a 4K diagram a file about as small as
#: Qt's own writer (zlib 6 after libpng's adaptive filters) in about a fifth of the time.
PNG_COMPRESSION_LEVEL = 3
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_PILLOW_MISSING = "writing GIF needs Pillow: pip install 'gradviz[gif]'"
_INCHES_PER_METRE = 39.37007874015748


class ExportError(Exception):
    """An export that cannot be done; the message is one sentence naming what to fix."""


# ---------------------------------------------------------------------------------------------- size


def slide_height(width: int) -> int:
    """The height of a 16:9 slide ``width`` pixels wide."""
    return max(1, round(width * SLIDE_HEIGHT / SLIDE_WIDTH))


def output_size(width: int | None = None, height: int | None = None, scale: float | None = None) -> tuple[int, int]:
    """The (width, height) in pixels of an export, checked: the one place an export's size is decided.

    Without arguments a 1920 x 1080 slide; ``width`` alone gives ``width`` x round(width * 9 / 16); ``scale``
    gives that many times the default slide; ``height`` overrides the slide's height.
    """
    if width is not None and scale is not None:
        raise ExportError("give either a width or a scale, not both")
    for name, value in (("width", width), ("height", height)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SIDE):
            raise ExportError(f"the {name} must be a whole number of pixels from 1 to {MAX_SIDE}, got {value!r}")
    if scale is not None:
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not MIN_SCALE <= scale <= MAX_SCALE:
            shown = f"{scale:g}" if isinstance(scale, (int, float)) else repr(scale)
            raise ExportError(f"the scale must be from {MIN_SCALE:g} to {MAX_SCALE:g} times the view's size, got {shown}")
        width = round(SLIDE_WIDTH * scale)
    width = SLIDE_WIDTH if width is None else width
    return width, slide_height(width) if height is None else height


# ---------------------------------------------------------------------------------------------- options


def _choices(formats: tuple[str, ...]) -> str:
    if len(formats) == 1:
        return "." + formats[0]
    return ", ".join("." + f for f in formats[:-1]) + f" or .{formats[-1]}"


def _check_writable(path: Path) -> None:
    """Refuse, in one line, a path no command may write (see ``gradviz.core.files.check_output_path``)."""
    try:
        check_output_path(path)
    except OutputPathError as exc:
        raise ExportError(str(exc)) from None


def _checked_frames_dir(directory) -> Path:
    if not os.fspath(directory).strip():
        raise ExportError("no folder name given for the frames")
    directory = Path(directory).expanduser()
    try:
        is_dir = directory.is_dir()
        exists = is_dir or directory.exists()
        parent_is_dir = directory.parent.is_dir()
    except OSError as exc:
        raise ExportError(f"cannot write frames to {directory}: {os_error_reason(exc)}") from None
    if exists and not is_dir:
        raise ExportError(f"cannot write frames to {directory}: it is a file, not a folder")
    if not parent_is_dir:
        raise ExportError(f"cannot write frames to {directory}: no such folder {directory.parent}")
    if not os.access(directory.parent, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write frames to {directory}: permission denied")
    return directory


def _check_export_budget(width: int, height: int, animate: bool) -> None:
    """Refuse, before drawing anything, an export that would need more than the work budget's memory."""
    copies = ANIMATED_EXPORT_COPIES if animate else STILL_EXPORT_COPIES
    needed = width * height * 4 * copies
    if needed > WORK_BUDGET_BYTES:
        # The largest 16:9 width that fits, rounded down to a multiple of 64 pixels.
        fits = int((WORK_BUDGET_BYTES / (4 * copies) * 16 / 9) ** 0.5) // 64 * 64
        what = "an animated export" if animate else "an export"
        raise ExportError(
            f"{what} of {width} x {height} pixels needs about {needed / 1e9:.1f} GB of memory, more than the "
            f"{WORK_BUDGET_BYTES / 1e9:.0f} GB work budget; use a width of {fits} pixels or less"
        )


@dataclass(frozen=True)
class ExportOptions:
    """Everything about one export, validated once when it is made: a bad option raises an ExportError.

    Parameters
    ----------
    path : the file to write; its extension (.png, .svg, .pdf, .gif) gives ``format``
    width, height : the output in pixels (default a 1920 x 1080 slide; a width alone gives a 16:9 slide)
    scale : instead of ``width``, that many times the default slide (1 to 4)
    theme : the theme the views are drawn in (``gradviz.names.THEME_NAMES``; default the slides theme); its
        background fills the output
    transparent : leave the background transparent (PNG; a PDF page is then blank under the drawing)
    animate : one frame per micro-step of the pass, as a .gif
    frames_dir : with ``animate``, also every frame as a numbered PNG in this folder
    title : the SVG's or PDF's title
    """

    path: Path
    width: int | None = None
    height: int | None = None
    theme: str = DEFAULT_EXPORT_THEME
    transparent: bool = False
    animate: bool = False
    frames_dir: Path | None = None
    title: str = "gradviz"
    scale: InitVar[float | None] = None
    format: str = field(init=False)

    def __post_init__(self, scale: float | None) -> None:
        width, height = output_size(self.width, self.height, scale)
        formats = ("gif",) if self.animate else STILL_FORMATS
        if not str(self.path).strip():
            raise ExportError(f"no file name given; give one ending with {_choices(formats)}")
        path = Path(self.path).expanduser()
        suffix = path.suffix.lower().lstrip(".")
        if not suffix:
            raise ExportError(f"{path} has no extension; end the name with {_choices(formats)}")
        if suffix == "gif" and not self.animate:
            raise ExportError("a .gif is an animation of the pass; add --animate, or end the name with .png, .svg or .pdf")
        if suffix not in formats:
            raise ExportError(f"cannot export to .{suffix} files; end the name with {_choices(formats)}")
        if self.theme not in THEME_NAMES:
            raise ExportError(f"unknown theme {self.theme!r}; choose one of {', '.join(THEME_NAMES)}")
        frames_dir = None
        if self.frames_dir is not None:
            if not self.animate:
                raise ExportError("--frames-dir writes the frames of an animation; add --animate")
            frames_dir = _checked_frames_dir(self.frames_dir)
        _check_export_budget(width, height, self.animate)
        if self.animate:
            _require_pillow()
        _check_writable(path)
        for name, value in (("path", path), ("width", width), ("height", height), ("format", suffix),
                            ("frames_dir", frames_dir), ("transparent", bool(self.transparent)),
                            ("animate", bool(self.animate))):  # fmt: skip
            object.__setattr__(self, name, value)

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def background(self) -> QtGui.QColor:
        """The colour under the drawing: the theme's background, or transparent."""
        if self.transparent:
            return QtGui.QColor(QtCore.Qt.GlobalColor.transparent)
        return QtGui.QColor(get_theme(self.theme).background)


# ---------------------------------------------------------------------------------------------- painting


def _with_descendants(widget: QtWidgets.QWidget, kind=QtWidgets.QWidget) -> list:
    return ([widget] if isinstance(widget, kind) else []) + list(widget.findChildren(kind))


@contextlib.contextmanager
def _prepared_for_export(widget: QtWidgets.QWidget, own_background: bool) -> Iterator[None]:
    """Temporarily set the widget tree up for export, restoring every change afterwards.

    Graphics views stop caching their background (the cache is a bitmap, which would end up as an image
    inside an SVG or PDF). Without ``own_background``, they and every widget that fills its own
    background leave it unpainted, so the output's background (or transparency) shows through.
    """
    views = _with_descendants(widget, QtWidgets.QGraphicsView)
    cache_modes = [(view, view.cacheMode()) for view in views]
    brushes = [(view, view.backgroundBrush()) for view in views] if not own_background else []
    filled = [w for w in _with_descendants(widget) if w.autoFillBackground()] if not own_background else []
    try:
        for view, _ in cache_modes:
            view.setCacheMode(QtWidgets.QGraphicsView.CacheModeFlag.CacheNone)
        for view, _ in brushes:
            view.setBackgroundBrush(QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush))
        for w in filled:
            w.setAutoFillBackground(False)
        yield
    finally:
        for view, mode in cache_modes:
            view.setCacheMode(mode)
            view.resetCachedContent()
        for view, brush in brushes:
            view.setBackgroundBrush(brush)
        for w in filled:
            w.setAutoFillBackground(True)


def _view_size(view) -> tuple[int, int]:
    w, h = view.width(), view.height()
    if w < 1 or h < 1:
        raise ExportError(f"the view has no size yet ({w} x {h} pixels); show it before exporting it")
    return w, h


def _paint(view, painter: QtGui.QPainter, target: QtCore.QRectF, own_background: bool) -> None:
    """Draw ``view`` scaled uniformly to fit ``target`` (in the painter's coordinates), centred."""
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing)
    painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform)
    w, h = _view_size(view)
    scale = min(target.width() / w, target.height() / h)
    painter.save()
    try:
        painter.translate(target.center().x() - w * scale / 2, target.center().y() - h * scale / 2)
        # A scaled painter makes Qt re-draw every path and glyph at the output's resolution. The view
        # then draws in its own coordinates, exactly as on screen.
        painter.scale(scale, scale)
        render_to = getattr(view, "render_to", None)
        if callable(render_to):
            render_to(painter, QtCore.QRectF(0, 0, w, h), paint_background=own_background)
            return
        flags = QtWidgets.QWidget.RenderFlag.DrawChildren
        if own_background:
            flags |= QtWidgets.QWidget.RenderFlag.DrawWindowBackground
        with _prepared_for_export(view, own_background):
            # QGraphicsView.render draws the scene, not the widget, hence QWidget.render called explicitly.
            QtWidgets.QWidget.render(view, painter, QtCore.QPoint(), QtGui.QRegion(), flags)
    finally:
        painter.restore()


def _dpi(view) -> int:
    # The output device must share the screen's dots per inch, or text sized in points would not fit
    # the layout the view computed on screen.
    return max(1, view.logicalDpiY())


def _draw(device: QtGui.QPaintDevice, view, target: QtCore.QRectF, background: QtGui.QColor, what: str) -> None:
    painter = QtGui.QPainter()
    if not painter.begin(device):
        raise ExportError(f"could not start drawing the {what}")
    try:
        if background.alpha():
            painter.fillRect(target, background)
        _paint(view, painter, target, own_background=background.alpha() > 0)
    finally:
        painter.end()


def _color(value) -> QtGui.QColor:
    color = QtGui.QColor(value)
    if not color.isValid():
        raise ExportError(f"{value!r} is not a colour; give a name like 'white' or a code like '#1b1d22'")
    return color


def render_image(view, width: int | None = None, height: int | None = None, background=None) -> QtGui.QImage:
    """``view`` drawn into a new ARGB32 image of ``output_size(width, height)``.

    ``background`` (a colour; default the view's own window colour) fills the image first; a transparent
    colour leaves the view's own background out too.
    """
    size = output_size(width, height)
    _view_size(view)
    if background is None:
        background = view.palette().color(QtGui.QPalette.ColorRole.Window)
    image = QtGui.QImage(*size, QtGui.QImage.Format.Format_ARGB32)
    dots_per_metre = round(_dpi(view) * _INCHES_PER_METRE)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    image.fill(QtCore.Qt.GlobalColor.transparent)
    _draw(image, view, QtCore.QRectF(0, 0, *size), _color(background), "image")
    return image


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_bytes(image: QtGui.QImage) -> bytes:
    """``image`` as a PNG: 8-bit RGBA, each row unfiltered, deflated at :data:`PNG_COMPRESSION_LEVEL`, with the
    image's dots per metre.

    Written here rather than by ``QImage.save``: libpng's adaptive row filters cost most of a 4K export's time
    and, on a diagram of flat colours, save almost nothing.
    """
    width, height = image.width(), image.height()
    rgba = image.convertToFormat(QtGui.QImage.Format.Format_RGBA8888)
    if rgba.isNull() or width < 1 or height < 1:
        raise ExportError(f"could not encode a {width} x {height} image as PNG")
    pixels, stride, row_bytes = rgba.constBits(), rgba.bytesPerLine(), 4 * width
    compressor = zlib.compressobj(PNG_COMPRESSION_LEVEL)
    parts = []
    for top in range(0, height * stride, stride):
        parts.append(compressor.compress(b"\x00"))  # filter type 0: the row as it is
        parts.append(compressor.compress(pixels[top : top + row_bytes]))
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits per channel, RGBA, no interlace
    chunks = [_png_chunk(b"IHDR", header)]
    if image.dotsPerMeterX() > 0 and image.dotsPerMeterY() > 0:
        chunks.append(_png_chunk(b"pHYs", struct.pack(">IIB", image.dotsPerMeterX(), image.dotsPerMeterY(), 1)))
    chunks += [_png_chunk(b"IDAT", b"".join(parts)), _png_chunk(b"IEND", b"")]
    return _PNG_SIGNATURE + b"".join(chunks)


def _svg_bytes(view, options: ExportOptions) -> bytes:
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    generator = QtSvg.QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QtCore.QSize(*options.size))
    generator.setViewBox(QtCore.QRect(0, 0, *options.size))
    generator.setResolution(_dpi(view))
    generator.setTitle(options.title)
    generator.setDescription(f"Exported by gradviz {__version__}")
    _draw(generator, view, QtCore.QRectF(0, 0, *options.size), options.background, "SVG")
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


def _pdf_bytes(view, options: ExportOptions) -> bytes:
    dpi = _dpi(view)
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    writer = QtGui.QPdfWriter(buffer)
    points = QtCore.QSizeF(options.width * 72 / dpi, options.height * 72 / dpi)
    page = QtGui.QPageSize(points, QtGui.QPageSize.Unit.Point, "", QtGui.QPageSize.SizeMatchPolicy.ExactMatch)
    writer.setPageSize(page)
    writer.setPageMargins(QtCore.QMarginsF(0, 0, 0, 0), QtGui.QPageLayout.Unit.Point)
    writer.setResolution(dpi)
    writer.setTitle(options.title)
    writer.setCreator(f"gradviz {__version__}")
    _draw(writer, view, QtCore.QRectF(0, 0, writer.width(), writer.height()), options.background, "PDF")
    return bytes(buffer.data())


# ---------------------------------------------------------------------------------------------- files


def _write(path: Path, data: bytes) -> None:
    _check_writable(path)
    with _os_errors(path):
        write_atomically(path, data)


@contextlib.contextmanager
def _os_errors(path: Path) -> Iterator[None]:
    """Turn an OSError while writing ``path`` into one ExportError line."""
    try:
        yield
    except OSError as exc:
        raise ExportError(write_error_message(path, exc)) from None


def export_view(view, options: ExportOptions) -> Path:
    """Write ``view`` to ``options.path`` as PNG, SVG or PDF (one page) and return the path."""
    if options.animate:
        raise ExportError("an animation needs its frames; use export_animation")
    if options.format == "png":
        data = _png_bytes(render_image(view, *options.size, background=options.background))
    elif options.format == "svg":
        data = _svg_bytes(view, options)
    else:
        data = _pdf_bytes(view, options)
    _write(options.path, data)
    return options.path


def copy_to_clipboard(view, width: int | None = None, theme: str = DEFAULT_EXPORT_THEME) -> QtGui.QImage:
    """Put ``view`` drawn as a slide ``width`` wide (default 1920 x 1080) in ``theme`` on the clipboard."""
    image = render_image(view, width, background=get_theme(theme).background)
    QtWidgets.QApplication.clipboard().setImage(image)
    return image


# ---------------------------------------------------------------------------------------------- animations


def _require_pillow():
    try:
        from PIL import Image
    except ImportError:
        raise ExportError(_PILLOW_MISSING) from None
    return Image


def _frame_name(number: int) -> str:
    return f"frame_{number:03d}.png"


def _gif_frame(image: QtGui.QImage, background: QtGui.QColor, Image):
    """A palette image of ``image`` laid on ``background``, with its own adaptive palette (256 colours)."""
    # Laid on the background by Qt into 3 bytes a pixel, which Pillow reads in place: a large frame is held
    # twice (as drawn and as RGB) and then once more as its palette image, never as extra copies.
    rgb = QtGui.QImage(image.size(), QtGui.QImage.Format.Format_RGB888)
    rgb.fill(background)
    painter = QtGui.QPainter(rgb)
    painter.drawImage(0, 0, image)
    painter.end()
    frame = Image.frombuffer("RGB", (rgb.width(), rgb.height()), rgb.constBits(), "raw", "RGB", rgb.bytesPerLine(), 1)
    # No dithering: flat colours (the gradient colour scale, text) stay exact instead of speckled.
    return frame.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


class _GifStream:
    """Writes an animated GIF that loops forever one frame at a time, so no more than one frame is held.

    Each frame is encoded by Pillow as a GIF of its own; its colour table and compressed image data are
    copied into the animation as that frame's local colour table and data. A frame is written when the
    next one arrives, since only the last one shows for ``last_frame_ms``.
    """

    def __init__(self, handle: BinaryIO, frame_ms: int, last_frame_ms: int):
        self._handle = handle
        self._frame_ms = frame_ms
        self._last_frame_ms = last_frame_ms
        self._size: tuple[int, int] | None = None
        self._pending: bytes | None = None
        self.frames = 0

    def add(self, frame) -> None:
        if self._size is None:
            self._size = frame.size
            self._handle.write(b"GIF89a" + _u16(frame.size[0]) + _u16(frame.size[1]) + bytes((0, 0, 0)))
            # The NETSCAPE2.0 application extension: loop forever.
            self._handle.write(b"!\xff\x0bNETSCAPE2.0\x03\x01" + _u16(0) + b"\x00")
        elif frame.size != self._size:
            raise ExportError(
                f"every frame must have the same size; frame {self.frames + 1} is "
                f"{frame.size[0]} x {frame.size[1]}, the first {self._size[0]} x {self._size[1]}"
            )
        self._flush(self._frame_ms)
        buffer = io.BytesIO()
        frame.save(buffer, format="GIF", interlace=False)
        self._pending = buffer.getvalue()
        self.frames += 1

    def close(self) -> None:
        if self._pending is None:
            raise ExportError("there are no frames to write")
        self._flush(self._last_frame_ms)
        self._handle.write(b";")

    def _flush(self, duration_ms: int) -> None:
        if self._pending is None:
            return
        table, image_data = _gif_parts(self._pending)
        # Graphic control extension: disposal 1 (leave in place), the delay in hundredths of a second.
        self._handle.write(b"!\xf9\x04\x04" + _u16(round(duration_ms / 10)) + b"\x00\x00")
        width, height = self._size
        bits = max(0, (len(table) // 3).bit_length() - 2)
        self._handle.write(b"," + _u16(0) + _u16(0) + _u16(width) + _u16(height) + bytes((0x80 | bits,)))
        self._handle.write(table + image_data)
        self._pending = None


def _u16(value: int) -> bytes:
    return int(value).to_bytes(2, "little")


def _gif_parts(data: bytes) -> tuple[bytes, bytes]:
    """The colour table and the LZW image data (with its code size and sub-blocks) of a one-frame GIF."""
    packed = data[10]
    position = 13
    table = b""
    if packed & 0x80:
        length = 3 * 2 ** ((packed & 7) + 1)
        table, position = data[position : position + length], position + length
    while data[position] == 0x21:  # extensions Pillow may add: skip their sub-blocks
        position += 2
        while data[position]:
            position += data[position] + 1
        position += 1
    if data[position] != 0x2C:
        raise ExportError("could not encode a frame as GIF")
    local = data[position + 9]
    position += 10
    if local & 0x80:
        length = 3 * 2 ** ((local & 7) + 1)
        table, position = data[position : position + length], position + length
    start = position
    position += 1  # the LZW minimum code size
    while data[position]:
        position += data[position] + 1
    return table, data[start : position + 1]


@contextlib.contextmanager
def _frames_folder(directory: Path | None) -> Iterator[Path | None]:
    """A fresh hidden folder beside ``directory`` to write frames into, moved into place only on success.

    On any failure the hidden folder is removed, so a failed export leaves nothing behind.
    """
    if directory is None:
        yield None
        return
    # A failure to make the staging folder is an OutputPathError naming ``directory``: one line already.
    with staging_folder(directory) as staging:
        yield staging
        with _os_errors(directory):
            if directory.is_dir():
                for frame in sorted(staging.iterdir()):
                    os.replace(frame, directory / frame.name)
                staging.rmdir()
            else:
                os.rename(staging, directory)


def export_animation(view, frames: Iterable, options: ExportOptions, *, frame_ms: int = FRAME_MS,
                     last_frame_ms: int = LAST_FRAME_MS) -> Path:  # fmt: skip
    """Write an animated GIF of ``view``, one frame per item of ``frames``, and return the path.

    ``frames`` is an iterable the caller controls: each item it yields means "the view now shows the next
    frame" (its value is ignored). Each frame is drawn, written to ``options.frames_dir`` as a numbered PNG
    (``frame_001.png``, ...) and encoded before the next is asked for. The last frame shows for
    ``last_frame_ms``, the others for ``frame_ms``. A failure leaves neither the GIF nor the frames behind.
    """
    if not options.animate:
        raise ExportError("an animation is written as a .gif; add --animate")
    Image = _require_pillow()
    for name, value in (("frame duration", frame_ms), ("last frame's duration", last_frame_ms)):
        if not 10 <= value <= 60_000:
            raise ExportError(f"the {name} must be from 10 to 60000 milliseconds, got {value!r}")
    background = options.background
    gif_background = background if background.alpha() else QtGui.QColor(get_theme(options.theme).background)
    _check_writable(options.path)
    with _os_errors(options.path), atomic_output(options.path) as handle:
        with _frames_folder(options.frames_dir) as staging:
            stream = _GifStream(handle, frame_ms, last_frame_ms)
            for _ in frames:
                image = render_image(view, *options.size, background=background)
                if staging is not None:
                    write_atomically(staging / _frame_name(stream.frames + 1), _png_bytes(image))
                stream.add(_gif_frame(image, gif_background, Image))
                del image
            stream.close()
    return options.path
