"""`gradviz export --view lab`: train a lab preset headless and draw the lab view as the window does.

The lab runs in a ``LabRun`` inside a ``Session``, its snapshot is taken with ``take_snapshot`` and drawn
by the registry's ``draw`` into a fresh view (``ExportView``): the window's own path. A still image shows
the lab after ``--epochs`` epochs; ``--animate`` writes a GIF with one frame per epoch from epoch 0 (at most
``MAX_GIF_FRAMES`` frames, evenly spaced), each drawn and encoded before the next epoch trains, so memory
does not grow with the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..core.lab_config import MAX_EPOCHS, preset_names
from ..core.lab_state import LabRun
from ..core.session import Session
from ..core.snapshot import take_snapshot
from ..export import ExportError, export_animation, export_view
from ..files.network_file import load_preset
from ..headless import ensure_app, options_from_args
from ..names import DEFAULT_PRESET
from .export_views import ExportView
from .theme import get_theme

#: Most frames a lab GIF holds; a longer run shows evenly spaced epochs.
MAX_GIF_FRAMES = 300


def check_lab_export(args) -> None:
    """An ``ExportError`` naming the flag when `gradviz export --view lab` cannot run as asked."""
    if getattr(args, "file", None):
        raise ExportError("--view lab draws a lab preset: give --preset NAME (see `gradviz lab --help`), not a file")
    if args.preset is None:
        raise ExportError(f"--view lab needs --preset, one of {', '.join(preset_names())}")
    if args.preset not in preset_names():
        raise ExportError(f"argument --preset: no lab preset called {args.preset!r}; the lab presets are {', '.join(preset_names())}")
    if args.epochs is not None and not 0 <= args.epochs <= MAX_EPOCHS:
        raise ExportError(f"argument --epochs: must be from 0 to {MAX_EPOCHS:,}, got {args.epochs:,}")


def export_lab(args) -> Path:
    """Train ``args.preset`` for ``args.epochs`` epochs (default: the preset's) and write the lab view."""
    check_lab_export(args)
    run = LabRun.from_preset(args.preset)
    epochs = run.epochs if args.epochs is None else args.epochs
    if epochs > run.epochs:
        run.edit({"epochs": epochs})
    options = options_from_args(args, f"{args.preset}: the training lab after {epochs:,} epochs")
    ensure_app()
    session = Session(load_preset(DEFAULT_PRESET))
    session.lab = run
    with ExportView("lab", get_theme(options.theme), options.size) as fresh:
        if not options.animate:
            _train(run, epochs)
            fresh.show(take_snapshot(session))
            return export_view(fresh.view, options)
        shown = _frame_epochs(epochs)

        def frames() -> Iterator[None]:
            for epoch in shown:
                _train(run, epoch)
                fresh.show(take_snapshot(session))
                yield

        return export_animation(fresh.view, frames(), options)


def _train(run: LabRun, epoch: int) -> None:
    while run.epoch < epoch and not run.finished:
        run.step_epoch()


def _frame_epochs(epochs: int) -> list[int]:
    """The epochs a GIF shows: every one from 0, or ``MAX_GIF_FRAMES`` evenly spaced ones ending at ``epochs``."""
    if epochs + 1 <= MAX_GIF_FRAMES:
        return list(range(epochs + 1))
    return sorted({round(k * epochs / (MAX_GIF_FRAMES - 1)) for k in range(MAX_GIF_FRAMES)})
