"""Draw a given view to PNG, SVG, PDF or an animated GIF: the one export, used by the window and headless alike.

A leaf: it knows no window, no session and no dialog. It takes a view and one validated ``ExportOptions``
(``gradviz.export_options``); the view is drawn by ``gradviz.export_paint`` and encoded by
``gradviz.export_png``, ``gradviz.export_svg`` or ``gradviz.export_gif`` (PDF is written here).

Files are written atomically (see ``gradviz.core.files``): a failed export leaves no partial file and never
replaces a good file with a broken one. Animations stream: each frame is drawn, written to the frames folder
and encoded into the GIF before the next one is drawn.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from . import __version__
from .core.files import atomic_output, staging_folder, write_atomically, write_error_message
from .export_gif import GifStream, gif_frame
from .export_options import ExportError, ExportOptions, check_writable, require_pillow
from .export_paint import draw_view, render_image, view_dpi
from .export_png import png_bytes
from .export_svg import svg_bytes
from .names import DEFAULT_EXPORT_THEME
from .ui.theme import get_theme

#: How long each frame of an animation shows, and the last one (the finished backward pass).
FRAME_MS = 600
LAST_FRAME_MS = 2400


# ---------------------------------------------------------------------------------------------- stills


def _pdf_bytes(view, options: ExportOptions) -> bytes:
    dpi = view_dpi(view)
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
    draw_view(writer, view, QtCore.QRectF(0, 0, writer.width(), writer.height()), options.background, "PDF")
    return bytes(buffer.data())


def _write(path: Path, data: bytes) -> None:
    check_writable(path)
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
        data = png_bytes(render_image(view, *options.size, background=options.background))
    elif options.format == "svg":
        data = svg_bytes(view, options)
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


def _frame_name(number: int) -> str:
    return f"frame_{number:03d}.png"


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
    Image = require_pillow()
    for name, value in (("frame duration", frame_ms), ("last frame's duration", last_frame_ms)):
        if not 10 <= value <= 60_000:
            raise ExportError(f"the {name} must be from 10 to 60000 milliseconds, got {value!r}")
    background = options.background
    gif_background = background if background.alpha() else QtGui.QColor(get_theme(options.theme).background)
    check_writable(options.path)
    with _os_errors(options.path), atomic_output(options.path) as handle:
        with _frames_folder(options.frames_dir) as staging:
            stream = GifStream(handle, frame_ms, last_frame_ms)
            for _ in frames:
                image = render_image(view, *options.size, background=background)
                if staging is not None:
                    write_atomically(staging / _frame_name(stream.frames + 1), png_bytes(image))
                stream.add(gif_frame(image, gif_background, Image))
                del image
            stream.close()
    return options.path
