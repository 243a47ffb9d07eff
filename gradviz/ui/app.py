"""The application: QApplication, pyqtgraph options, the main window, and the checks before Qt starts.

Qt ends the process (qFatal, SIGABRT, seven lines of plugin text) when no platform plugin can start: no display
to connect to, or the xcb plugin missing a system library. Neither can be caught once QApplication is being
built, so ``run_app`` looks first and says in one line what is wrong (exit code 2).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from ..core.experiment import Experiment
from ..core.format import one_line
from ..files.network_file import load_preset
from ..names import DEFAULT_PRESET

#: Exit code of a launch that cannot open a window (the command line's code for bad input).
EXIT_NO_DISPLAY = 2
_NO_WINDOW_HINT = "`gradviz export` draws every view without one"

#: The Debian/Ubuntu package of each library Qt's xcb plugin needs that a desktop may lack
#: (https://doc.qt.io/qt-6/linux-requirements.html).
XCB_LIBRARY_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb.so.1": "libxcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libGLX.so.0": "libglx0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}

_LDD_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)
_DLOPEN_MISSING = re.compile(r"^(\S+?): cannot open shared object file")


def missing_from_ldd(ldd_output: str) -> list[str]:
    """The libraries that ``ldd`` output reports as ``not found``, in its order, each once."""
    return list(dict.fromkeys(_LDD_NOT_FOUND.findall(ldd_output)))


def missing_library_message(missing: list[str]) -> str:
    """One line naming the libraries Qt's xcb plugin lacks and the apt-get command that installs them."""
    packages = [XCB_LIBRARY_PACKAGES[name] for name in missing if name in XCB_LIBRARY_PACKAGES]
    unknown = [name for name in missing if name not in XCB_LIBRARY_PACKAGES]
    libraries = ", ".join(missing)
    fix = f"install it with: sudo apt-get install {' '.join(packages)}" if packages else ""
    if unknown:
        fix += ("; " if fix else "") + "find the package of " + ", ".join(unknown) + " with: apt-file search NAME"
    noun, verb = ("library", "is") if len(missing) == 1 else ("libraries", "are")
    return f"Qt cannot open an X11 window: the system {noun} {libraries} {verb} missing; {fix}"


def xcb_plugin_missing_libraries(plugin: Path) -> list[str]:
    """The system libraries that keep Qt's xcb platform plugin (libqxcb.so) from loading; [] when it loads.

    Loading it is what Qt would do next anyway. Only when that fails does ``ldd`` list every missing
    library (the loader names only the first).
    """
    import ctypes
    import subprocess

    try:
        ctypes.CDLL(str(plugin))
        return []
    except OSError as exc:
        first = _DLOPEN_MISSING.match(str(exc))
        first_missing = [first.group(1).rsplit("/", 1)[-1]] if first else []
    try:
        result = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=20, check=False)
        return missing_from_ldd(result.stdout) or first_missing
    except (OSError, subprocess.SubprocessError):
        return first_missing


def _xcb_plugin_path() -> Path | None:
    from PySide6 import QtCore

    plugins = QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.PluginsPath)
    plugin = Path(plugins) / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


class _XProbe:
    """The X connection the display check opened, held until Qt has made its own.

    A bare X server (Xvfb, a kiosk) resets when its last client leaves, and refuses connections while it
    does: closing the probe before Qt connects could make Qt fail on a display that works.
    """

    library = None
    connection = None

    @classmethod
    def release(cls) -> None:
        if cls.connection:
            cls.library.xcb_disconnect(cls.connection)
        cls.connection = None


def x_display_opens(display: str) -> bool:
    """Whether an X connection to ``display`` can be made, the way Qt's xcb plugin makes it (xcb_connect).

    A connection that works stays open until ``release_x_probe()``, called once Qt is connected.
    """
    import ctypes

    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return False
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = (ctypes.c_char_p, ctypes.POINTER(ctypes.c_int))
    xcb.xcb_connection_has_error.argtypes = (ctypes.c_void_p,)
    xcb.xcb_disconnect.argtypes = (ctypes.c_void_p,)
    screen = ctypes.c_int(0)
    connection = xcb.xcb_connect(display.encode(), ctypes.byref(screen))
    if not connection:
        return False
    if xcb.xcb_connection_has_error(connection) != 0:
        xcb.xcb_disconnect(connection)
        return False
    _XProbe.release()
    _XProbe.library, _XProbe.connection = xcb, connection
    return True


def release_x_probe() -> None:
    """Close the display check's X connection (after the QApplication exists)."""
    _XProbe.release()


def wayland_display_opens(display: str, runtime_dir: str | None) -> bool:
    """Whether a Wayland compositor listens on ``display`` (a socket name in XDG_RUNTIME_DIR, or a path)."""
    import socket

    if not runtime_dir and not display.startswith("/"):
        return False
    path = display if display.startswith("/") else os.path.join(runtime_dir, display)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(2.0)
        try:
            probe.connect(path)
        except OSError:
            return False
    return True


def display_problem(environ=None, xcb_missing=None) -> str | None:
    """Why Qt could not open a window here, as one line; None when it can (or when we cannot tell).

    Follows Qt's choice of platform plugin: QT_QPA_PLATFORM's list if set, else Wayland first on a Wayland
    session or wherever WAYLAND_DISPLAY is set, then X11. Platforms that need no display server (offscreen,
    vnc, eglfs...) are not checked.
    ``xcb_missing`` (a function returning the missing libraries) replaces the check of Qt's xcb plugin.
    """
    environ = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return None
    requested = environ.get("QT_QPA_PLATFORM", "")
    if requested:
        platforms = [name.split(":", 1)[0].strip() for name in requested.split(";") if name.strip()]
    elif environ.get("XDG_SESSION_TYPE") == "wayland" or environ.get("WAYLAND_DISPLAY"):
        platforms = ["wayland", "xcb"]
    else:
        platforms = ["xcb"]
    problems = []
    for platform in platforms:
        if platform == "wayland" or platform.startswith("wayland-"):
            display = environ.get("WAYLAND_DISPLAY") or "wayland-0"
            if wayland_display_opens(display, environ.get("XDG_RUNTIME_DIR")):
                return None
            problems.append(f"the Wayland display {display!r} does not answer")
        elif platform == "xcb":
            display = environ.get("DISPLAY", "")
            if not display:
                problems.append("DISPLAY is not set")
                continue
            missing = (xcb_missing or _installed_xcb_missing)()
            if missing:
                return missing_library_message(missing)
            if x_display_opens(display):
                return None
            problems.append(f"the X display {display!r} cannot be opened (no X server there, or no permission)")
        else:
            return None
    if not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        return f"no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set); {_NO_WINDOW_HINT}"
    return f"cannot open the window: {'; '.join(problems)}; {_NO_WINDOW_HINT}"


def _installed_xcb_missing() -> list[str]:
    plugin = _xcb_plugin_path()
    return xcb_plugin_missing_libraries(plugin) if plugin is not None else []


def make_app():
    """The QApplication (created once), with gradviz's names, style and pyqtgraph options."""
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    import pyqtgraph as pg
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(sys.argv[:1])
        app.setStyle("Fusion")
    app.setApplicationName("gradviz")
    app.setOrganizationName("gradviz")
    app.setDesktopFileName("gradviz")
    app.setWindowIcon(app_icon())
    pg.setConfigOptions(antialias=True, useOpenGL=False)
    return app


def app_icon(icons=None):
    """The window icon: the PNG renderings of the SVG master at every size, so no size is scaled at run time.

    ``icons`` is the folder holding them (default: the bundled ``icons``).
    """
    from PySide6 import QtCore, QtGui

    from ..resource_folder import resource_folder

    # QIcon reads files: the resources are on disk in every install (wheel, editable, frozen folder).
    folder = Path(icons) if icons is not None else Path(str(resource_folder().joinpath("icons")))
    icon = QtGui.QIcon()
    for path in sorted(folder.glob("gradviz-*.png")):
        side = path.stem.rsplit("-", 1)[-1]
        if side.isdigit():  # given its size, Qt reads the file only when that size is drawn
            icon.addFile(str(path), QtCore.QSize(int(side), int(side)))
    if icon.isNull() and (folder / "gradviz.svg").is_file():
        icon.addFile(str(folder / "gradviz.svg"))
    return icon


def run_app(experiment: Experiment | os.PathLike | None, theme: str | None = None, lab: str | None = None) -> int:
    """Open the window (see ``launch_window``) and run until it closes; exit code 2 when no window can open."""
    problem = display_problem()
    if problem is not None:
        print(f"gradviz: error: {problem}", file=sys.stderr)
        return EXIT_NO_DISPLAY
    from PySide6 import QtCore

    app = make_app()
    release_x_probe()
    settings = QtCore.QSettings()
    window = launch_window(experiment, theme, settings)
    if lab is not None:  # labview (#19): `gradviz --lab PRESET`
        window.lab.open_preset(lab)
    window.show()
    # Ask for the keyboard focus: without a window manager (a kiosk, a bare X server) nobody else gives it,
    # and the arrow keys would do nothing.
    window.raise_()
    window.activateWindow()
    return app.exec()


def launch_window(start: Experiment | os.PathLike | None, theme: str | None, settings):
    """The main window at launch, shown: on ``start``, an Experiment (a preset), a file to open, or None
    for the session on screen when the window last closed (QSettings ``session/last``).

    Nothing here ends the process: a file that cannot be opened leaves the window on the default preset,
    named in a message box (and on stderr, for whoever started it from a terminal); a last session that
    cannot be reopened, in the status bar. Bad settings fall back to their defaults (see ``ui.settings``).
    """
    from .main_window import MainWindow
    from .theme import get_theme

    experiment = start if isinstance(start, Experiment) else load_preset(DEFAULT_PRESET)
    window = MainWindow(experiment, get_theme(theme) if theme else None, settings, ask_to_save=True)
    # The first launch fills the screen (a projector's 1280 x 720 or 1920 x 1080); later ones come back as
    # the window was left.
    if window.opened_at_saved_size:
        window.show()
    else:
        # Without a window manager (a kiosk, a bare X server) maximising is only a wish: ask for the size too.
        window.setGeometry(window.screen().availableGeometry())
        window.showMaximized()
    if start is None:
        window.files.reopen_last_session()
    elif not isinstance(start, Experiment):
        if not window.files.open_at_launch(start):
            print(f"gradviz: could not open {one_line(os.fspath(start))}; showing the {DEFAULT_PRESET} preset", file=sys.stderr)
    return window
