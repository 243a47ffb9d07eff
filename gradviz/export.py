"""PNG, SVG and PDF of any view, animated GIFs of a pass: the one export used by the window and `gradviz export`.

Every view is drawn by Qt itself onto the output's own paint device, so SVG and PDF hold vector paths and
real text, and a PNG at twice the size is re-drawn at that resolution rather than enlarged. A widget that
has a ``render_to(painter, target)`` method (the network diagram) draws itself into ``target``, which is
the widget's own rectangle (0, 0, width, height): the painter is already scaled to the output, so the view
draws as it does on screen. For a transparent or recoloured background it is called with
``paint_background=False`` when its signature has that keyword (otherwise its own background shows).
Any other widget, a pyqtgraph plot, a dock or the whole main window, goes through ``QWidget.render``.

Every file is rendered to bytes in memory first and then written with ``write_atomically``: a failed
export leaves no partial file and never replaces a good file with a broken one.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from PySide6 import QtCore, QtGui, QtSvg, QtWidgets

from . import __version__
from .core.netfile import write_atomically

FORMATS = ("png", "svg", "pdf")
#: Range of ``scale``: the output is this many times the view's size on screen.
MIN_SCALE, MAX_SCALE = 1.0, 4.0
#: Largest width or height of an output, in pixels (a 1400 x 900 window at scale 4 is 5600 x 3600).
MAX_SIDE = 16384
#: How long each frame of an animation shows, and the last one (the finished backward pass).
FRAME_MS = 600
LAST_FRAME_MS = 2400
#: The window size the headless exporter lays views out at, and the training it runs for --view training.
HEADLESS_WINDOW_SIZE = (1400, 900)
#: The size a panel (gradient bars, curves, ...) is laid out at for a headless export: a 16:9 slide.
HEADLESS_PANEL_SIZE = (1280, 720)
HEADLESS_TRAINING_STEPS = 500

_PILLOW_MISSING = "writing GIF needs Pillow: pip install 'gradviz[gif]'"
_INCHES_PER_METRE = 39.37007874015748


class ExportError(Exception):
    """An export that cannot be done; the message is one sentence naming what to fix."""


# ---------------------------------------------------------------------------------------------- size


def check_size_options(width: int | None = None, scale: float | None = None) -> None:
    """Raise an ExportError unless ``width`` (pixels) or ``scale`` (1 to 4), at most one, is valid."""
    if width is not None and scale is not None:
        raise ExportError("give either a width or a scale, not both")
    if width is not None and (isinstance(width, bool) or not isinstance(width, int) or not 1 <= width <= MAX_SIDE):
        raise ExportError(f"the width must be a whole number of pixels from 1 to {MAX_SIDE}, got {width!r}")
    if scale is not None and (
        isinstance(scale, bool) or not isinstance(scale, (int, float)) or not MIN_SCALE <= scale <= MAX_SCALE
    ):
        shown = f"{scale:g}" if isinstance(scale, (int, float)) else repr(scale)
        raise ExportError(f"the scale must be from {MIN_SCALE:g} to {MAX_SCALE:g} times the view's size, got {shown}")


def output_size(widget: QtWidgets.QWidget, width: int | None = None, scale: float | None = None) -> QtCore.QSize:
    """The size in pixels of an export of ``widget``: ``width`` wide at the widget's aspect, or ``scale`` times it."""
    check_size_options(width, scale)
    w, h = widget.width(), widget.height()
    if w < 1 or h < 1:
        raise ExportError(f"the view has no size yet ({w} x {h} pixels); show it before exporting it")
    if width is not None:
        size = QtCore.QSize(width, max(1, round(h * width / w)))
    else:
        scale = 1.0 if scale is None else scale
        size = QtCore.QSize(max(1, round(w * scale)), max(1, round(h * scale)))
    if size.height() > MAX_SIDE:
        raise ExportError(
            f"the image would be {size.width()} x {size.height()} pixels; "
            f"choose a smaller width so that neither side exceeds {MAX_SIDE}"
        )
    return size


# ---------------------------------------------------------------------------------------------- painting


def _with_descendants(widget: QtWidgets.QWidget, kind=QtWidgets.QWidget) -> list:
    found = widget.findChildren(kind)
    return ([widget] if isinstance(widget, kind) else []) + list(found)


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


def _accepts_keyword(function, name: str) -> bool:
    try:
        return name in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def _paint(widget: QtWidgets.QWidget, painter: QtGui.QPainter, target: QtCore.QRectF, own_background: bool) -> None:
    """Draw ``widget`` into ``target`` (in the painter's coordinates) at the target's resolution."""
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing)
    painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform)
    with _prepared_for_export(widget, own_background):
        painter.save()
        try:
            painter.translate(target.topLeft())
            # A scaled painter makes Qt re-draw every path and glyph at the output's resolution. The
            # widget then draws in its own coordinates, exactly as on screen.
            painter.scale(target.width() / widget.width(), target.height() / widget.height())
            render_to = getattr(widget, "render_to", None)
            if callable(render_to):
                rect = QtCore.QRectF(0, 0, widget.width(), widget.height())
                if own_background or not _accepts_keyword(render_to, "paint_background"):
                    render_to(painter, rect)
                else:
                    render_to(painter, rect, paint_background=False)
                return
            flags = QtWidgets.QWidget.RenderFlag.DrawChildren
            if own_background:
                flags |= QtWidgets.QWidget.RenderFlag.DrawWindowBackground
            # QGraphicsView.render draws the scene, not the widget, hence QWidget.render called explicitly.
            QtWidgets.QWidget.render(widget, painter, QtCore.QPoint(), QtGui.QRegion(), flags)
        finally:
            painter.restore()


def _color(value) -> QtGui.QColor:
    color = QtGui.QColor(value)
    if not color.isValid():
        raise ExportError(f"{value!r} is not a colour; give a name like 'white' or a code like '#1b1d22'")
    return color


def _background_color(widget, transparent: bool, background) -> tuple[QtGui.QColor, bool]:
    """The colour under the drawing and whether the widget paints its own background over it."""
    if transparent:
        return QtGui.QColor(QtCore.Qt.GlobalColor.transparent), False
    if background is not None:
        return _color(background), False
    return widget.palette().color(QtGui.QPalette.ColorRole.Window), True


def _dpi(widget: QtWidgets.QWidget) -> int:
    # The output device must share the screen's dots per inch, or text sized in points would not fit
    # the layout the widget computed on screen.
    return max(1, widget.logicalDpiY())


def _draw(device: QtGui.QPaintDevice, widget, target: QtCore.QRectF, transparent: bool, background, what: str) -> None:
    """Paint the background and then ``widget`` into ``target`` on ``device``."""
    color, own_background = _background_color(widget, transparent, background)
    painter = QtGui.QPainter()
    if not painter.begin(device):
        raise ExportError(f"could not start drawing the {what}")
    try:
        if color.alpha():
            painter.fillRect(target, color)
        _paint(widget, painter, target, own_background)
    finally:
        painter.end()


def render_image(
    widget: QtWidgets.QWidget,
    width: int | None = None,
    scale: float | None = None,
    transparent: bool = False,
    background: QtGui.QColor | str | None = None,
) -> QtGui.QImage:
    """``widget`` drawn into a new ARGB32 image of ``output_size(widget, width, scale)``.

    With ``transparent`` the background is left transparent; with ``background`` it is that colour;
    otherwise the widget paints its own, as on screen.
    """
    size = output_size(widget, width, scale)
    image = QtGui.QImage(size, QtGui.QImage.Format.Format_ARGB32)
    dots_per_metre = round(_dpi(widget) * _INCHES_PER_METRE)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    image.fill(QtCore.Qt.GlobalColor.transparent)
    _draw(image, widget, QtCore.QRectF(0, 0, size.width(), size.height()), transparent, background, "image")
    return image


def _png_bytes(image: QtGui.QImage) -> bytes:
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise ExportError(f"could not encode a {image.width()} x {image.height()} image as PNG")
    return bytes(buffer.data())


def _svg_bytes(widget, size: QtCore.QSize, transparent: bool, background, title: str) -> bytes:
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    generator = QtSvg.QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(size)
    generator.setViewBox(QtCore.QRect(0, 0, size.width(), size.height()))
    generator.setResolution(_dpi(widget))
    generator.setTitle(title)
    generator.setDescription(f"Exported by gradviz {__version__}")
    _draw(generator, widget, QtCore.QRectF(0, 0, size.width(), size.height()), transparent, background, "SVG")
    return bytes(buffer.data())


def _pdf_bytes(widget, size: QtCore.QSize, transparent: bool, background, title: str) -> bytes:
    dpi = _dpi(widget)
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    writer = QtGui.QPdfWriter(buffer)
    points = QtCore.QSizeF(size.width() * 72 / dpi, size.height() * 72 / dpi)
    page = QtGui.QPageSize(points, QtGui.QPageSize.Unit.Point, "", QtGui.QPageSize.SizeMatchPolicy.ExactMatch)
    writer.setPageSize(page)
    writer.setPageMargins(QtCore.QMarginsF(0, 0, 0, 0), QtGui.QPageLayout.Unit.Point)
    writer.setResolution(dpi)
    writer.setTitle(title)
    writer.setCreator(f"gradviz {__version__}")
    _draw(writer, widget, QtCore.QRectF(0, 0, writer.width(), writer.height()), transparent, background, "PDF")
    return bytes(buffer.data())


# ---------------------------------------------------------------------------------------------- files


def _checked_path(path, formats: tuple[str, ...]) -> tuple[Path, str]:
    """The path and its format, or an ExportError saying why it cannot be written (nothing is touched)."""
    choices = ", ".join("." + f for f in formats[:-1]) + f" or .{formats[-1]}" if len(formats) > 1 else "." + formats[0]
    if not str(path).strip():
        raise ExportError(f"no file name given; give one ending with {choices}")
    path = Path(path).expanduser()
    suffix = path.suffix.lower().lstrip(".")
    if not suffix:
        raise ExportError(f"{path} has no extension; end the name with {choices}")
    if suffix not in formats:
        raise ExportError(f"cannot export to .{suffix} files; end the name with {choices}")
    _check_writable(path)
    return path, suffix


def _check_writable(path: Path) -> None:
    folder = path.parent
    if not folder.exists():
        raise ExportError(f"cannot write {path}: no such folder {folder}")
    if not folder.is_dir():
        raise ExportError(f"cannot write {path}: {folder} is not a folder")
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write {path}: permission denied")


def _write(path: Path, data: bytes) -> None:
    _check_writable(path)
    try:
        write_atomically(path, data)
    except PermissionError:
        raise ExportError(f"cannot write {path}: permission denied") from None
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None


def export_widget(
    widget: QtWidgets.QWidget,
    path,
    *,
    width: int | None = None,
    scale: float | None = None,
    transparent: bool = False,
    background: QtGui.QColor | str | None = None,
    title: str | None = None,
) -> Path:
    """Write ``widget`` to ``path`` as PNG, SVG or PDF (chosen by the extension) and return the path.

    Parameters
    ----------
    width : output width in pixels; the height keeps the widget's aspect ratio
    scale : output size as a multiple of the widget's size, from 1 to 4 (default 1)
    transparent : leave the background transparent (a PDF page is then blank under the drawing)
    background : paint this colour under the drawing instead of the widget's own background
    title : the SVG's or PDF's title (default: the widget's window title)
    """
    path, fmt = _checked_path(path, FORMATS)
    size = output_size(widget, width, scale)
    title = title or widget.windowTitle() or "gradviz"
    if fmt == "png":
        data = _png_bytes(render_image(widget, width, scale, transparent, background))
    elif fmt == "svg":
        data = _svg_bytes(widget, size, transparent, background, title)
    else:
        data = _pdf_bytes(widget, size, transparent, background, title)
    _write(path, data)
    return path


def copy_to_clipboard(widget: QtWidgets.QWidget, scale: float = 1.0) -> QtGui.QImage:
    """Put ``widget`` drawn at ``scale`` on the clipboard as an image, and return the image."""
    image = render_image(widget, scale=scale)
    QtWidgets.QApplication.clipboard().setImage(image)
    return image


# ---------------------------------------------------------------------------------------------- animations


def _frames(frames) -> Iterable[QtGui.QImage]:
    return frames() if callable(frames) else frames


def _frame_path(directory: Path, number: int) -> Path:
    return directory / f"frame_{number:03d}.png"


def _frames_folder(directory) -> Path:
    directory = Path(directory).expanduser()
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"cannot write frames to {directory}: it is a file, not a folder")
    if not directory.exists():
        if not directory.parent.is_dir():
            raise ExportError(f"cannot write frames to {directory}: no such folder {directory.parent}")
        try:
            directory.mkdir()
        except OSError as exc:
            raise ExportError(f"cannot create the folder {directory}: {exc.strerror or exc}") from None
    return directory


def export_frames(frames: Iterable[QtGui.QImage] | Callable[[], Iterable[QtGui.QImage]], directory) -> list[Path]:
    """Write each frame as a numbered PNG (``frame_001.png``, ...) in ``directory``, creating the folder."""
    directory = _frames_folder(directory)
    written = []
    for number, image in enumerate(_frames(frames), start=1):
        path = _frame_path(directory, number)
        _write(path, _png_bytes(image))
        written.append(path)
    if not written:
        raise ExportError("there are no frames to write")
    return written


def _require_pillow():
    try:
        from PIL import Image
    except ImportError:
        raise ExportError(_PILLOW_MISSING) from None
    return Image


def _gif_frame(image: QtGui.QImage, background: QtGui.QColor, Image):
    """A palette image of ``image`` laid on ``background``, with its own adaptive palette (256 colours)."""
    rgba = image.convertToFormat(QtGui.QImage.Format.Format_RGBA8888)
    size = (rgba.width(), rgba.height())
    frame = Image.frombuffer("RGBA", size, bytes(rgba.constBits()), "raw", "RGBA", rgba.bytesPerLine(), 1)
    rgb = Image.new("RGB", size, background.getRgb()[:3])
    rgb.paste(frame, mask=frame.getchannel("A"))
    # No dithering: flat colours (the gradient colour scale, text) stay exact instead of speckled.
    return rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def export_animation(
    frames: Iterable[QtGui.QImage] | Callable[[], Iterable[QtGui.QImage]],
    path,
    *,
    duration_ms: int | None = None,
    fps: float | None = None,
    last_frame_ms: int | None = None,
    background: QtGui.QColor | str = "white",
) -> Path:
    """Write the frames as an animated GIF that loops forever, and return the path.

    Each frame shows ``duration_ms`` (default 600 ms, or ``1000 / fps``) and the last one ``last_frame_ms``
    (default 2400 ms). Transparent pixels are laid on ``background``. Identical consecutive frames are
    merged by Pillow into one that shows for their summed time.
    """
    Image = _require_pillow()
    path, _ = _checked_path(path, ("gif",))
    if duration_ms is not None and fps is not None:
        raise ExportError("give either a frame duration or frames per second, not both")
    if fps is not None:
        if not 0 < fps <= 100:
            raise ExportError(f"frames per second must be more than 0 and at most 100, got {fps!r}")
        duration_ms = round(1000 / fps)
    duration_ms = FRAME_MS if duration_ms is None else duration_ms
    last_frame_ms = max(duration_ms, LAST_FRAME_MS) if last_frame_ms is None else last_frame_ms
    for name, value in (("frame duration", duration_ms), ("last frame's duration", last_frame_ms)):
        if not 10 <= value <= 60_000:
            raise ExportError(f"the {name} must be from 10 to 60000 milliseconds, got {value!r}")
    color = _color(background)

    gif_frames = []
    for image in _frames(frames):
        if gif_frames and (image.width(), image.height()) != gif_frames[0].size:
            raise ExportError(
                f"every frame must have the same size; frame {len(gif_frames) + 1} is "
                f"{image.width()} x {image.height()}, the first {gif_frames[0].width} x {gif_frames[0].height}"
            )
        gif_frames.append(_gif_frame(image, color, Image))
    if not gif_frames:
        raise ExportError("there are no frames to write")
    durations = [duration_ms] * (len(gif_frames) - 1) + [last_frame_ms]
    out = io.BytesIO()
    gif_frames[0].save(
        out, format="GIF", save_all=True, append_images=gif_frames[1:], duration=durations, loop=0, disposal=1
    )
    _write(path, out.getvalue())
    return path


# ---------------------------------------------------------------------------------------------- gradviz export


def parse_step(text: str | int, depth: int) -> int:
    """The micro-step number of ``--step``: 0 to 2L+2, or forward (L), loss (L+1) or backward (2L+1)."""
    named = {"forward": depth, "loss": depth + 1, "backward": 2 * depth + 1}
    last = 2 * depth + 2
    key = str(text).strip().lower()
    if key in named:
        return named[key]
    try:
        step = int(key)
    except ValueError:
        raise ExportError(
            f"--step must be a micro-step number from 0 to {last}, or forward, loss or backward; got {str(text)!r}"
        ) from None
    if not 0 <= step <= last:
        raise ExportError(
            f"--step must be from 0 to {last} for this network of {depth} layers "
            f"(or forward, loss or backward); got {step}"
        )
    return step


def _ensure_app() -> QtWidgets.QApplication:
    from .ui.app import make_app

    if QtWidgets.QApplication.instance() is None:
        # Headless: no window ever appears, with or without a display.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        QtCore.qInstallMessageHandler(_quiet_offscreen_messages)
    # The window's own application set-up (style, pyqtgraph options), so exports look like the window.
    app = make_app()
    _ensure_app.app = app  # keep a reference alive for the process's lifetime
    return app


#: What the offscreen platform says about window-manager requests it ignores: harmless, and not for users.
_OFFSCREEN_CHATTER = "This plugin does not support"


def _quiet_offscreen_messages(mode, context, message: str) -> None:
    if not message.startswith(_OFFSCREEN_CHATTER):
        print(message, file=sys.stderr)


def _settle(app: QtWidgets.QApplication, rounds: int = 5) -> None:
    # Layouts, and the hidden pyqtgraph layouts that keep a 640 x 480 size until shown, settle over
    # several rounds of posted events.
    for _ in range(rounds):
        app.processEvents()


def export_command(experiment, args) -> Path:
    """`gradviz export`: build the window's own views offscreen, go to the step asked and write the file."""
    depth = experiment.network.depth
    step = parse_step(args.step, depth)
    check_size_options(args.width, args.scale)
    frames_dir = getattr(args, "frames_dir", None)
    if args.animate:
        _require_pillow()
        out, _ = _checked_path(args.out, ("gif",))
        if frames_dir is not None:
            frames_dir = _frames_folder(frames_dir)
    else:
        if frames_dir is not None:
            raise ExportError("--frames-dir writes the frames of an animation; add --animate")
        out, _ = _checked_path(args.out, FORMATS)

    app = _ensure_app()
    from .ui.main_window import MainWindow
    from .ui.theme import get_theme

    theme = get_theme(args.theme)
    window = MainWindow(experiment, theme=theme)
    try:
        window.resize(*HEADLESS_WINDOW_SIZE)
        window.show()
        _settle(app)
        if args.view == "training":
            window.train_blocking(HEADLESS_TRAINING_STEPS)
        show_view = getattr(window, "show_view", None)
        if callable(show_view):  # a docked view tabbed behind another is not laid out until raised
            show_view(args.view, HEADLESS_PANEL_SIZE)
            _settle(app)
        widget = window.view_widget(args.view)
        size = {"width": args.width, "scale": args.scale, "transparent": args.transparent}
        if not args.animate:
            window.bridge.go_to_step(step)
            _settle(app)
            title = f"{experiment.name}: {args.view} at micro-step {step} of {2 * depth + 2}"
            return export_widget(widget, out, title=title, **size)

        def frames():
            # The pass from the reset to the end of the backward pass, one frame per micro-step: one reset,
            # then one step each (go_to_step(s) would replay all s steps for every frame).
            for number in range(1, 2 * depth + 3):
                if number == 1:
                    window.bridge.go_to_step(0)
                else:
                    window.bridge.step_forward()
                _settle(app, rounds=2)
                image = render_image(widget, **size)
                if frames_dir is not None:
                    _write(_frame_path(frames_dir, number), _png_bytes(image))
                yield image

        return export_animation(frames, out, background=theme.background)
    finally:
        window.close()
        window.deleteLater()
        QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
        app.processEvents()
