"""What an export is asked to do, checked once: its size, format, theme and paths (``ExportOptions``).

Every bad option is refused here, in one ``ExportError`` line, before anything is drawn.
"""

from __future__ import annotations

import os
from dataclasses import InitVar, dataclass, field
from pathlib import Path

from PySide6 import QtCore, QtGui

from .core.budget import WORK_BUDGET_BYTES
from .core.files import OutputPathError, check_output_path, os_error_reason
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
#: Copies of the picture's RGBA pixels an export holds at its peak: the picture, its encoding and, for a
#: still, the PNG rows; an animation adds the GIF encoder's palette image and its previous frame. Measured:
#: a still PNG at 8192 x 4608 peaks at 265 MB (1.75 copies), 8 GIF frames at 8192 at 824 MB (5.5 copies).
STILL_EXPORT_COPIES = 2
ANIMATED_EXPORT_COPIES = 6

_PILLOW_MISSING = "writing GIF needs Pillow: pip install 'gradviz[gif]'"


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


def check_writable(path: Path) -> None:
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
        if not suffix and path.is_dir():  # "--out ." or "--out ~/slides": the folder, not a name in it
            raise ExportError(f"cannot write {path}: it is a folder; give a file name in it ending with {_choices(formats)}")
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
            require_pillow()
        check_writable(path)
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


def require_pillow():
    """Pillow's ``Image`` module, which GIF export needs; an ExportError says how to install it."""
    try:
        from PIL import Image
    except ImportError:
        raise ExportError(_PILLOW_MISSING) from None
    return Image
