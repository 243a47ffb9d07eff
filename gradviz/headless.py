"""`gradviz export`: a session and its views without a window, drawn by gradviz.export.

It runs the same ``core.session.Session`` as the window. A single view (the diagram or a panel) is built
fresh by ``gradviz.ui.export_views``; only the "window" view builds a MainWindow, since it is the window.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from .core.experiment import Experiment
from .core.session import Session
from .core.snapshot import take_snapshot
from .files.sniff import open_file
from .export import export_animation, export_view
from .export_options import SLIDE_HEIGHT, SLIDE_WIDTH, ExportError, ExportOptions
from .ui.app import make_app
from .ui.export_views import ExportView, through_the_pass
from .ui.panels.depth_chain import DEFAULT_DEPTH, DEFAULT_X, MAX_DEPTH, X_LIMITS
from .ui.theme import get_theme

#: The training `gradviz export --view training` runs before drawing its history (when it has none).
HEADLESS_TRAINING_STEPS = 500
#: The micro-step drawn when `--step` is not given and the file is not a session file.
DEFAULT_STEP = "backward"
#: The views `--depth` and `--x` apply to: the depth chain, alone or in the whole window.
DEPTH_CHAIN_VIEWS = ("depth-chain", "window")
#: What the offscreen platform says about window-manager requests it ignores: harmless, and not for users.
_OFFSCREEN_CHATTER = "This plugin does not support"


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


def depth_chain_settings(args) -> tuple[float, int] | None:
    """The (x, depth) of `--x` and `--depth` for the depth chain, checked (None: neither given)."""
    depth, x = getattr(args, "depth", None), getattr(args, "x", None)
    if depth is None and x is None:
        return None
    if args.view not in DEPTH_CHAIN_VIEWS:
        given = " and ".join(name for name, value in (("--depth", depth), ("--x", x)) if value is not None)
        raise ExportError(f"{given} set the gradient-vs-depth view; add --view depth-chain (or --view window)")
    if depth is not None and not 1 <= depth <= MAX_DEPTH:
        raise ExportError(f"--depth must be from 1 to {MAX_DEPTH} layers, got {depth}")
    if x is not None and not X_LIMITS[0] <= x <= X_LIMITS[1]:
        raise ExportError(f"--x must be from {X_LIMITS[0]:g} to {X_LIMITS[1]:g}, got {x:g}")
    return (DEFAULT_X if x is None else float(x), DEFAULT_DEPTH if depth is None else int(depth))


def _quiet_offscreen_messages(mode, context, message: str) -> None:
    if not message.startswith(_OFFSCREEN_CHATTER):
        print(message, file=sys.stderr)


def ensure_app() -> QtWidgets.QApplication:
    """The application, created offscreen when there is none yet (no window ever appears)."""
    if QtWidgets.QApplication.instance() is None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        QtCore.qInstallMessageHandler(_quiet_offscreen_messages)
    # The window's own application set-up (style, pyqtgraph options), so exports look like the window.
    app = make_app()
    ensure_app.app = app  # keep a reference alive for the process's lifetime
    return app


def options_from_args(args, title: str = "gradviz") -> ExportOptions:
    """The ExportOptions of `gradviz export`'s arguments (an ExportError names a bad one)."""
    return ExportOptions(
        path=args.out,
        width=args.width,
        scale=args.scale,
        theme=args.theme,
        transparent=args.transparent,
        animate=args.animate,
        frames_dir=args.frames_dir,
        title=title,
    )


def _compare_options(args) -> dict:
    """The Session's compare settings from `--compare-activation` and `--compare-residual`."""
    residual = None if args.compare_residual is None else args.compare_residual == "on"
    return {"compare_activation": args.compare_activation, "compare_residual": residual}


def saved_session(experiment: Experiment, args) -> Session | None:
    """The session a session file was saved as, for `gradviz export FILE` without `--step`; else None.

    It stands at the saved step with the saved colour mode, selection, history and settings. A plain network
    file, `--step`, `--activation` (another network) or `--animate` (a whole pass) give None.
    """
    if args.step is not None or not getattr(args, "file", None) or getattr(args, "activation", None) or args.animate:
        return None
    session = Session(experiment)
    if not open_file(session, args.file):
        return None
    if session.restore_note:
        print(f"gradviz: note: {session.restore_note}", file=sys.stderr)
    return session


def export_command(experiment: Experiment, args) -> Path:
    """`gradviz export`: every option is checked first, then the view is built, stepped and written.

    A session file without `--step` is drawn at the step it was saved at (see ``saved_session``).
    """
    depth = experiment.network.depth
    saved = saved_session(experiment, args)
    step = saved.record.step if saved is not None else parse_step(DEFAULT_STEP if args.step is None else args.step, depth)
    title = f"{experiment.name}: {args.view} at micro-step {step} of {2 * depth + 2}"
    options = options_from_args(args, title)
    chain = depth_chain_settings(args)
    ensure_app()
    if args.view == "window":
        return _export_window(saved or Session(experiment), None if saved is not None else step, options, chain)
    session = saved or Session(experiment, **_compare_options(args))
    if saved is not None and args.view == "compare":
        compare = _compare_options(args)
        session.set_compare_activation(compare["compare_activation"])
        session.set_compare_residual(compare["compare_residual"])
    if args.view == "compare":
        session.set_compare_active(True)
    if args.view == "training" and session.history is None:
        session.edits.train_blocking(HEADLESS_TRAINING_STEPS)
    with ExportView(args.view, get_theme(options.theme)) as fresh:
        if not options.animate:
            if saved is None:
                session.go_to_step(step)
            fresh.show(take_snapshot(session), chain)
            return export_view(fresh.view, options)

        def frames() -> Iterator[None]:
            for stepped in through_the_pass(session):
                fresh.show(take_snapshot(stepped), chain)
                yield

        return export_animation(fresh.view, frames(), options)


def _export_window(session: Session, step: int | None, options: ExportOptions, chain: tuple[float, int] | None = None) -> Path:
    """The whole window on ``session``, at micro-step ``step`` (None: where the session stands), its depth
    chain at ``chain`` = (x, depth) when given."""
    from .ui.main_window import MainWindow  # only the whole-window view needs the window

    app = QtWidgets.QApplication.instance()
    depth = session.network.depth
    window = MainWindow(session, theme=get_theme(options.theme))
    try:
        window.resize(SLIDE_WIDTH, SLIDE_HEIGHT)
        if chain is not None:
            window.depth_chain.set_x(chain[0])
            window.depth_chain.set_depth(chain[1])
        window.show()
        _settle(app)
        if not options.animate:
            if step is not None:
                window.bridge.go_to_step(step)
            _settle(app)
            return export_view(window, options)

        def frames() -> Iterator[None]:
            window.bridge.go_to_step(0)
            for number in range(2 * depth + 2):
                if number:
                    window.bridge.step_forward()
                _settle(app, rounds=2)
                yield

        return export_animation(window, frames(), options)
    finally:
        window.close()
        window.deleteLater()
        QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
        app.processEvents()


def _settle(app: QtWidgets.QApplication, rounds: int = 5) -> None:
    for _ in range(rounds):
        app.processEvents()

